"""A one-time password must be changed at first login: pages redirect, the API answers 403
``password_change_required``; the onboarding page hands the password file out once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from tiaodu.accounts import services
from tiaodu.accounts.models import User
from tiaodu.core.imports import write_xlsx
from tiaodu.orgs.samples import ORGANISATION_HEADERS, USER_HEADERS

NEW_PASSWORD = "Xin-mima-2026-ok"


def cli(*args: str) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def signed_in(username: str, password: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302
    return client


@pytest.mark.django_db
def test_cli_user_must_change_the_password_before_anything_else(users, bearer):
    password = cli("user", "create", "first-login", "--role", "leader")[-1]
    user = User.objects.get(username="first-login")
    assert user.must_change_password
    client = signed_in("first-login", password)

    for path in ("/", "/orgs/", "/projects/", "/accounts/tokens/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/password/", path
    assert client.post("/orgs/new/", {}).status_code == 302
    htmx = client.get("/orgs/", HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == "/accounts/password/"
    api = client.get("/api/v1/users/me")
    assert api.status_code == 403
    assert api.json()["code"] == "password_change_required"
    # The change-password page itself works and says why the user is there.
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    assert 'data-testid="password-change-required"' in page.content.decode()
    # A token issued on purpose is a separate credential: the API answers it.
    token = Client().get("/api/v1/users/me", **bearer(user))
    assert token.status_code == 200 and token.json()["must_change_password"] is True

    changed = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/users/me").status_code == 200


@pytest.mark.django_db
def test_logout_is_allowed_while_the_change_is_pending(users):
    password = cli("user", "create", "first-out", "--role", "leader")[-1]
    client = signed_in("first-out", password)
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_reset_password_requires_a_change_and_demo_users_do_not(users):
    assert not users["jxw"].must_change_password
    cli("user", "reset-password", "jxw")
    assert User.objects.get(username="jxw").must_change_password
    # A user created by a service call with a chosen password (the demo loader) is not flagged.
    made = services.create_user(None, username="svc-made", role="leader", password="Chosen-pw-2026x")
    assert not made.user.must_change_password


@pytest.mark.django_db
def test_admin_created_user_on_the_page_must_change(users, client_for):
    admin = client_for(users["admin"])
    response = admin.post(
        "/accounts/users/new/",
        {"username": "page-made", "role": "leader", "region_code": "500152", "is_active": "on"},
    )
    assert response.status_code == 302
    assert User.objects.get(username="page-made").must_change_password


@pytest.mark.django_db
def test_onboarding_page_hands_the_password_file_out_once_to_the_admin_who_ran_it(
    users, client_for, tmp_path, django_capture_on_commit_callbacks
):
    orgs = tmp_path / "orgs.xlsx"
    write_xlsx(orgs, [ORGANISATION_HEADERS, ("万州区人民政府", "区政府", "党政机关", "500101", "", "")])
    people = tmp_path / "users.xlsx"
    write_xlsx(people, [USER_HEADERS, ("wz-web", "网页导入", "区领导", "万州区人民政府", "500101", "")])
    admin = client_for(users["admin"])
    with orgs.open("rb") as fh:
        assert admin.post("/orgs/onboarding/import/organisations/", {"file": fh}).status_code == 200
    with people.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
        page = admin.post("/orgs/onboarding/import/users/", {"file": fh})
    assert page.status_code == 200
    html = page.content.decode()
    batch = page.context["result"].batch
    link = f"/orgs/onboarding/passwords/{batch.pk}/"
    assert link in html
    assert page.context["result"].audit_data["password_file"] not in html  # the path stays server-side

    other = services.create_user(None, username="admin-two", role="admin", password="Chosen-pw-2026x").user
    assert client_for(other).get(link).status_code == 404

    download = admin.get(link)
    assert download.status_code == 200
    assert download["Cache-Control"] == "no-store"
    body = b"".join(download.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    _header, row = body.splitlines()
    username, _name, _role, password = row.split(",")
    assert username == "wz-web"
    assert User.objects.get(username="wz-web").check_password(password)
    assert admin.get(link).status_code == 404  # once only
    assert not Path(page.context["result"].audit_data["password_file"]).exists()


@pytest.mark.django_db
def test_cli_users_import_never_prints_a_password(
    users, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path / "data"
    orgs = tmp_path / "orgs.xlsx"
    write_xlsx(orgs, [ORGANISATION_HEADERS, ("万州区人民政府", "区政府", "党政机关", "500101", "", "")])
    people = tmp_path / "users.xlsx"
    write_xlsx(people, [USER_HEADERS, ("wz-cli", "命令行导入", "区领导", "万州区人民政府", "500101", "")])
    out, err = io.StringIO(), io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import", "organisations", str(orgs), stdout=out, stderr=err)
        call_command("import", "users", str(people), stdout=out, stderr=err)
    files = list((tmp_path / "data" / "onboarding").iterdir())
    assert len(files) == 1
    password = files[0].read_text(encoding="utf-8-sig").splitlines()[1].split(",")[3]
    assert User.objects.get(username="wz-cli").check_password(password)
    assert "新增1条" in out.getvalue()
    assert password not in out.getvalue() + err.getvalue()
