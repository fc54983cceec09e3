"""Users (creation rules, admin-only creation via web and API) and API tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tiaodu.accounts import services
from tiaodu.accounts.models import ApiToken, User, hash_token
from tiaodu.audit.models import SecurityEvent
from tiaodu.core.errors import Conflict, Forbidden, InvalidInput, ServiceError
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

GUXI = "500152103"
ENTERPRISE_CODE = "91500152MA5U00001F"  # 重庆潼南古溪食品有限公司


def field_codes(exc: ServiceError) -> set[str]:
    return {e.code for e in exc.errors}


def login_works(username: str, password: str) -> bool:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


# --- create_user rules --------------------------------------------------------------------------


def test_create_town_user_in_township():
    created = services.create_user(None, username="town-new", role="town", region_code=GUXI)
    user = created.user
    assert user.role == "town"
    assert user.region.code == GUXI
    assert user.organization is None
    assert not user.is_staff and not user.is_superuser
    assert created.password
    assert user.check_password(created.password)


def test_district_roles_default_to_home_region():
    for role in ("leader", "department", "squad"):
        user = services.create_user(None, username=f"d-{role}", role=role).user
        assert user.region.code == "500152", role


def test_admin_role_is_staff_but_not_superuser():
    user = services.create_user(None, username="admin2", role="admin", region_code="500152").user
    assert user.is_staff
    assert not user.is_superuser


@pytest.mark.parametrize("name", ["GUXI", "guxi", "GuXi", " guxi "])
def test_duplicate_username_is_case_insensitive(users, name):
    with pytest.raises(Conflict) as exc:
        services.create_user(None, username=name, role="town", region_code=GUXI)
    assert exc.value.code == "username_taken"
    assert exc.value.status == 409
    assert field_codes(exc.value) == {"username_taken"}
    assert "已被使用" in exc.value.message
    assert User.objects.filter(username__iexact="guxi").count() == 1


@pytest.mark.parametrize("region_code", [None, "500152", "500000"])
def test_town_role_needs_a_township(region_code):
    with pytest.raises(InvalidInput) as exc:
        services.create_user(None, username="town-bad", role="town", region_code=region_code)
    assert exc.value.code == "validation_error"
    assert exc.value.status == 422
    assert "region_level_mismatch" in field_codes(exc.value)
    assert any("镇或街道" in e.message for e in exc.value.errors)
    assert not User.objects.filter(username="town-bad").exists()


def test_town_role_takes_region_from_town_org():
    org = Organization.objects.get(kind="town", region__code=GUXI)
    user = services.create_user(None, username="town-org", role="town", org=str(org.pk)).user
    assert user.region.code == GUXI
    assert user.organization == org


def test_town_role_rejects_non_town_org():
    jxw = Organization.objects.get(short_name="经信委", region__code="500152")
    with pytest.raises(InvalidInput) as exc:
        services.create_user(None, username="town-jxw", role="town", region_code=GUXI, org=str(jxw.pk))
    assert "organization_kind_mismatch" in field_codes(exc.value)


def test_enterprise_role_needs_an_organisation():
    with pytest.raises(InvalidInput) as exc:
        services.create_user(None, username="corp-none", role="enterprise")
    assert "organization_required" in field_codes(exc.value)
    assert not User.objects.filter(username="corp-none").exists()


def test_enterprise_role_needs_an_enterprise_org():
    town_org = Organization.objects.get(kind="town", region__code=GUXI)
    with pytest.raises(InvalidInput) as exc:
        services.create_user(None, username="corp-town", role="enterprise", org=str(town_org.pk))
    assert "organization_kind_mismatch" in field_codes(exc.value)
    assert any("企业" in e.message for e in exc.value.errors)


def test_enterprise_user_by_credit_code_sits_in_the_enterprise_region():
    user = services.create_user(None, username="corp-ok", role="enterprise", org=ENTERPRISE_CODE).user
    assert user.organization.code == ENTERPRISE_CODE
    assert user.region.code == GUXI


def test_unknown_organisation():
    with pytest.raises(InvalidInput) as exc:
        services.create_user(None, username="corp-x", role="enterprise", org="没有这个单位")
    assert field_codes(exc.value) == {"organization_unknown"}


@pytest.mark.parametrize("code", ["999999", "500152999", "110101"])
def test_unknown_region(code):
    with pytest.raises(InvalidInput) as exc:
        services.create_user(None, username="nowhere", role="leader", region_code=code)
    assert field_codes(exc.value) == {"region_unknown"}
    assert exc.value.errors[0].field == "region"
    assert "不存在" in exc.value.errors[0].message


def test_malformed_region_code():
    with pytest.raises(InvalidInput) as exc:
        services.create_user(None, username="nowhere", role="leader", region_code="50015x")
    assert field_codes(exc.value) == {"region_code_invalid"}


def test_district_role_outside_county_level_is_rejected():
    with pytest.raises(InvalidInput) as exc:
        services.create_user(None, username="lead-town", role="leader", region_code=GUXI)
    assert "region_level_mismatch" in field_codes(exc.value)


def test_org_outside_region_is_rejected():
    dadukou_town = Organization.objects.filter(kind="town", region__parent__code="500104").first()
    assert dadukou_town is not None
    with pytest.raises(InvalidInput) as exc:
        services.create_user(None, username="mixed", role="town", region_code=GUXI, org=str(dadukou_town.pk))
    assert "organization_region_mismatch" in field_codes(exc.value)


@pytest.mark.parametrize("role", ["boss", "", "Admin", "superuser"])
def test_unknown_role(role):
    with pytest.raises(InvalidInput) as exc:
        services.create_user(None, username="who", role=role)
    assert field_codes(exc.value) == {"role_invalid"}
    assert "不存在" in exc.value.errors[0].message


@pytest.mark.parametrize("username", ["ab", "has space", "名字", "x" * 151, ""])
def test_invalid_username(username):
    with pytest.raises(InvalidInput) as exc:
        services.create_user(None, username=username, role="leader")
    assert field_codes(exc.value) == {"username_invalid"}


def test_only_admin_actor_may_create(users):
    for name in ("leader", "jxw", "guxi", "squad1", "qiye", "yezhu"):
        with pytest.raises(Forbidden):
            services.create_user(users[name], username=f"by-{name}", role="leader")
    created = services.create_user(users["admin"], username="by-admin", role="leader")
    assert created.user.pk


def test_creation_is_audited(users):
    from tiaodu.audit.services import changes_for

    user = services.create_user(None, username="audited", role="leader").user
    entry = changes_for(user).first()
    assert entry is not None
    assert entry.action == entry.Action.CREATE
    assert "argon2" not in str(entry.changes)


# --- User creation via the web --------------------------------------------------------------------


def web_form(**overrides: str) -> dict[str, str]:
    data = {
        "username": "webuser",
        "full_name": "网页新增",
        "role": "town",
        "region_code": GUXI,
        "org": "",
        "phone": "13800000000",
        "email": "web@example.cn",
    }
    data.update(overrides)
    return data


def test_admin_creates_user_on_the_web_and_password_works(client_for, users):
    client = client_for(users["admin"])
    assert client.get("/accounts/users/new/").status_code == 200
    response = client.post("/accounts/users/new/", web_form(), follow=True)
    assert response.status_code == 200
    user = User.objects.get(username="webuser")
    assert response.redirect_chain[-1][0] == f"/accounts/users/{user.pk}/"
    assert user.region.code == GUXI
    assert user.full_name == "网页新增"
    body = response.content.decode()
    match = re.search(r"初始密码:(\S+?)\(", body)
    assert match, body
    password = match.group(1)
    assert user.check_password(password)
    assert login_works("webuser", password)


def test_web_form_shows_field_errors(client_for, users):
    client = client_for(users["admin"])
    response = client.post("/accounts/users/new/", web_form(username="GUXI"))
    assert response.status_code == 422
    assert "用户名已存在" in response.content.decode()
    response = client.post("/accounts/users/new/", web_form(username="webtown", region_code="500152"))
    assert response.status_code == 422
    assert "镇街人员的所属地区必须是镇或街道" in response.content.decode()
    assert not User.objects.filter(username="webtown").exists()


@pytest.mark.parametrize("name", ["leader", "jxw", "guxi", "squad1", "qiye", "yezhu"])
def test_non_admin_cannot_create_users_on_the_web(client_for, users, name):
    client = client_for(users[name])
    assert client.get("/accounts/users/new/").status_code == 403
    response = client.post("/accounts/users/new/", web_form(username=f"sneaky-{name}"))
    assert response.status_code == 403
    assert not User.objects.filter(username=f"sneaky-{name}").exists()
    assert SecurityEvent.objects.filter(kind="permission_denied", user=users[name]).exists()


def test_anonymous_user_form_redirects_to_login(client):
    response = client.get("/accounts/users/new/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_admin_resets_password_on_the_web(client_for, users):
    target = services.create_user(None, username="resetweb", role="leader").user
    client = client_for(users["admin"])
    response = client.post(f"/accounts/users/{target.pk}/reset-password/", follow=True)
    match = re.search(r"新密码:(\S+?)\(", response.content.decode())
    assert match
    target.refresh_from_db()
    assert target.check_password(match.group(1))
    leader = client_for(users["leader"])
    assert leader.post(f"/accounts/users/{target.pk}/reset-password/").status_code == 403


# --- User creation via the API --------------------------------------------------------------------


def post_user(client: Client, headers: dict[str, str], **payload: object):
    return client.post("/api/v1/users", payload, content_type="application/json", **headers)


def test_admin_creates_user_via_api(client, users, bearer):
    response = post_user(
        client,
        bearer(users["admin"]),
        username="apiuser",
        role="enterprise",
        organization_id=Organization.objects.get(code=ENTERPRISE_CODE).pk,
        full_name="接口用户",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"]["username"] == "apiuser"
    assert body["user"]["role"] == "enterprise"
    assert body["user"]["role_label"] == "企业用户"
    assert body["user"]["region_code"] == GUXI
    assert body["password"]
    assert login_works("apiuser", body["password"])


def test_api_user_with_explicit_password(client, users, bearer):
    response = post_user(
        client, bearer(users["admin"]), username="apipw", role="leader", password="Given-Pass-2025"
    )
    assert response.status_code == 201
    assert response.json()["password"] is None
    assert User.objects.get(username="apipw").check_password("Given-Pass-2025")


def test_api_admin_with_session(client_for, users):
    response = client_for(users["admin"]).post(
        "/api/v1/users", {"username": "apisess", "role": "squad"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["user"]["region_code"] == "500152"


@pytest.mark.parametrize("name", ["leader", "jxw", "guxi", "squad1", "qiye", "yezhu"])
def test_non_admin_cannot_create_users_via_api(client, users, bearer, name):
    response = post_user(client, bearer(users[name]), username=f"api-{name}", role="leader")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not User.objects.filter(username=f"api-{name}").exists()
    assert SecurityEvent.objects.filter(kind="permission_denied", user=users[name]).exists()


def test_api_user_errors_have_stable_codes(client, users, bearer):
    headers = bearer(users["admin"])
    response = post_user(client, headers, username="Guxi", role="town", region_code=GUXI)
    assert response.status_code == 409
    assert response.json()["code"] == "username_taken"
    assert response.json()["errors"][0]["field"] == "username"

    response = post_user(client, headers, username="api-nowhere", role="leader", region_code="999999")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"] == [
        {"field": "region", "code": "region_unknown", "message": body["errors"][0]["message"]}
    ]
    assert "999999" in body["errors"][0]["message"]

    response = post_user(client, headers, username="api-role", role="boss")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"
    assert response.json()["errors"][0]["code"] == "invalid_choice"

    response = post_user(client, headers, username="api-town", role="town")
    assert response.status_code == 422
    assert "region_level_mismatch" in {e["code"] for e in response.json()["errors"]}

    response = post_user(client, headers, username="api-weak", role="leader", password="short")
    assert response.status_code == 422
    assert {e["code"] for e in response.json()["errors"]} == {"password_invalid"}
    assert not User.objects.filter(username__startswith="api-").exists()


def test_api_requires_authentication(client):
    response = client.post(
        "/api/v1/users", {"username": "anon", "role": "leader"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- Tokens: services -----------------------------------------------------------------------------


def test_create_token_stores_only_a_hash(users):
    issued = services.create_token(None, users["jxw"], name="数据对接", days=30)
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.key.startswith("tdu_")
    assert len(issued.key) > 40
    assert token.prefix == issued.key[4:12]
    assert token.key_hash == hash_token(issued.key)
    assert issued.key not in {str(v) for v in ApiToken.objects.filter(pk=token.pk).values().get().values()}
    assert token.name == "数据对接"
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert token.is_active
    assert SecurityEvent.objects.filter(kind="token_created", user=users["jxw"]).exists()


def test_token_default_lifetime_and_no_expiry(users, settings):
    token = services.create_token(None, users["jxw"]).token
    expected = timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)
    assert abs(token.expires_at - timezone.now() - expected) < timedelta(minutes=1)
    forever = services.create_token(None, users["jxw"], days=0).token
    assert forever.expires_at is None
    assert forever.is_active


@pytest.mark.parametrize("days", [-1, 3651])
def test_token_days_out_of_range(users, days):
    with pytest.raises(InvalidInput) as exc:
        services.create_token(None, users["jxw"], days=days)
    assert field_codes(exc.value) == {"days_invalid"}


def test_token_for_inactive_user_refused(users):
    user = services.create_user(None, username="sleepy", role="leader").user
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.refresh_from_db()
    with pytest.raises(InvalidInput) as exc:
        services.create_token(None, user)
    assert field_codes(exc.value) == {"user_inactive"}


def test_token_issue_and_revoke_permissions(users):
    with pytest.raises(Forbidden):
        services.create_token(users["leader"], users["jxw"])
    own = services.create_token(users["jxw"], users["jxw"])
    by_admin = services.create_token(users["admin"], users["jxw"])
    with pytest.raises(Forbidden):
        services.revoke_token(users["guxi"], own.token)
    services.revoke_token(users["admin"], by_admin.token)
    services.revoke_token(users["jxw"], own.token)
    assert ApiToken.objects.filter(user=users["jxw"], revoked_at__isnull=False).count() == 2


def test_authenticate_token_outcomes(users):
    issued = services.create_token(None, users["qiye"])
    assert services.authenticate_token(issued.key) == users["qiye"]

    for bad in ("tdu_nonsense", "", issued.key + "x", issued.key.upper()):
        with pytest.raises(ServiceError) as exc:
            services.authenticate_token(bad)
        assert exc.value.code == "token_invalid"
        assert exc.value.status == 401

    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ServiceError) as exc:
        services.authenticate_token(issued.key)
    assert exc.value.code == "token_expired"
    assert "过期" in exc.value.message

    services.revoke_token(None, issued.token)
    with pytest.raises(ServiceError) as exc:
        services.authenticate_token(issued.key)
    assert exc.value.code == "token_revoked"

    other = services.create_token(None, users["yezhu"])
    User.objects.filter(pk=users["yezhu"].pk).update(is_active=False)
    with pytest.raises(ServiceError) as exc:
        services.authenticate_token(other.key)
    assert exc.value.code == "user_inactive"


def test_revoke_is_idempotent(users):
    issued = services.create_token(None, users["jxw"])
    first = services.revoke_token(None, issued.token).revoked_at
    second = services.revoke_token(None, issued.token).revoked_at
    assert first == second
    assert (
        SecurityEvent.objects.filter(kind="token_revoked", detail__contains=issued.token.prefix).count() == 1
    )


# --- Tokens: bearer authentication on the API ---------------------------------------------------


def me(client: Client, key: str):
    return client.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_bearer_token_authenticates_and_touches_last_used(client, users):
    issued = services.create_token(None, users["guxi"])
    assert issued.token.last_used_at is None
    response = me(client, issued.key)
    assert response.status_code == 200
    assert response.json()["username"] == "guxi"
    assert response.json()["region_code"] == GUXI
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


def test_last_used_is_written_at_most_every_few_minutes(client, users):
    issued = services.create_token(None, users["guxi"])
    recent = timezone.now() - timedelta(minutes=1)
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=recent)
    assert me(client, issued.key).status_code == 200
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == recent
    stale = timezone.now() - timedelta(minutes=10)
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=stale)
    assert me(client, issued.key).status_code == 200
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at > stale


def test_expired_token_rejected_with_code(client, users):
    issued = services.create_token(None, users["leader"], days=1)
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = me(client, issued.key)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "token_expired"
    assert body["message"] == "令牌已过期,请重新申请"
    assert body["errors"] == []
    event = SecurityEvent.objects.filter(kind="token_rejected").latest("id")
    assert event.detail == "token_expired"
    assert event.path == "/api/v1/users/me"


def test_revoked_and_unknown_tokens_rejected(client, users):
    issued = services.create_token(None, users["leader"])
    services.revoke_token(None, issued.token)
    assert me(client, issued.key).json()["code"] == "token_revoked"
    response = me(client, "tdu_definitely-not-a-token")
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_malformed_authorization_header(client, users):
    issued = services.create_token(None, users["leader"])
    response = client.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Token {issued.key}")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_token_user_is_scoped(client, users):
    key = services.create_token(None, users["guxi"]).key
    yuxi = users["yuxi"]
    response = client.get(f"/api/v1/users/{yuxi.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- Tokens: the API --------------------------------------------------------------------------------


def test_token_api_create_list_revoke(client_for, users, client):
    session = client_for(users["jxw"])
    response = session.post("/api/v1/tokens", {"name": "ETL", "days": 7}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    key = body["key"]
    assert key.startswith("tdu_")
    assert body["token"]["name"] == "ETL"
    assert body["token"]["prefix"] == key[4:12]
    assert body["token"]["username"] == "jxw"
    assert body["token"]["is_active"] is True
    token_id = body["token"]["id"]

    assert me(client, key).json()["username"] == "jxw"

    listing = session.get("/api/v1/tokens").json()
    assert listing["count"] == ApiToken.objects.filter(user=users["jxw"]).count()
    row = next(t for t in listing["results"] if t["id"] == token_id)
    assert "key" not in row and "key_hash" not in row
    assert row["last_used_at"] is not None

    response = session.delete(f"/api/v1/tokens/{token_id}")
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert response.json()["is_active"] is False
    assert me(client, key).json()["code"] == "token_revoked"


def test_token_api_with_bearer_and_validation(client, users, bearer):
    headers = bearer(users["squad1"])
    response = client.post("/api/v1/tokens", {"days": 0}, content_type="application/json", **headers)
    assert response.status_code == 201
    assert response.json()["token"]["expires_at"] is None
    response = client.post("/api/v1/tokens", {"days": -5}, content_type="application/json", **headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "days"
    response = client.post("/api/v1/tokens", {"days": "many"}, content_type="application/json", **headers)
    assert response.status_code == 422


def test_token_api_lists_only_own_tokens_and_cannot_revoke_others(client, users, bearer):
    foreign = services.create_token(None, users["leader"], name="leader's")
    headers = bearer(users["guxi"])
    listing = client.get("/api/v1/tokens", **headers).json()
    assert {t["username"] for t in listing["results"]} == {"guxi"}
    response = client.delete(f"/api/v1/tokens/{foreign.token.pk}", **headers)
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=foreign.token.pk).revoked_at is None


def test_token_api_requires_authentication(client):
    assert client.get("/api/v1/tokens").status_code == 401
    assert client.post("/api/v1/tokens", {}, content_type="application/json").status_code == 401


# --- Tokens: the web page -------------------------------------------------------------------------


def test_tokens_page_issue_and_revoke(client_for, users, client):
    web = client_for(users["yezhu"])
    page = web.get("/accounts/tokens/")
    assert page.status_code == 200
    assert "我的API令牌" in page.content.decode()
    assert "尚未签发令牌" in page.content.decode()

    response = web.post("/accounts/tokens/", {"name": "报表", "days": "30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="issued-token"' in html
    key = re.search(r"<code class=\"fs-6\">(tdu_[A-Za-z0-9_-]+)</code>", html).group(1)
    token = ApiToken.objects.get(user=users["yezhu"])
    assert token.key_hash == hash_token(key)
    assert token.name == "报表"
    assert me(client, key).json()["username"] == "yezhu"

    # The key is shown once: the next visit lists the prefix only.
    html = web.get("/accounts/tokens/").content.decode()
    assert key not in html
    assert f"{token.prefix}…" in html
    assert "有效" in html

    response = web.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "已吊销" in web.get("/accounts/tokens/").content.decode()
    assert me(client, key).status_code == 401


def test_tokens_page_rejects_bad_days(client_for, users):
    web = client_for(users["yezhu"])
    response = web.post("/accounts/tokens/", {"name": "x", "days": "9999"})
    assert response.status_code == 200
    assert 'id="issued-token"' not in response.content.decode()
    assert not ApiToken.objects.filter(user=users["yezhu"]).exists()


def test_tokens_page_cannot_revoke_someone_elses_token(client_for, users):
    foreign = services.create_token(None, users["leader"]).token
    web = client_for(users["guxi"])
    assert web.post(f"/accounts/tokens/{foreign.pk}/revoke/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None
    assert web.get(f"/accounts/tokens/{foreign.pk}/revoke/").status_code == 405


def test_tokens_page_shows_expired_state(client_for, users):
    issued = services.create_token(None, users["qiye"])
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(days=1))
    html = client_for(users["qiye"]).get("/accounts/tokens/").content.decode()
    assert "已过期" in html


def test_token_prefix_is_safe_on_the_command_line():
    from tiaodu.accounts.models import ApiToken

    prefixes = {ApiToken.new_key()[len(ApiToken.PREFIX) :][:8] for _ in range(500)}
    assert all(len(p) == 8 and all(c in "0123456789abcdef" for c in p) for p in prefixes)
