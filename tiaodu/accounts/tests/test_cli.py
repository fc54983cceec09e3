"""The ``tiaodu`` command line: users and tokens via call_command and via the real console script."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tiaodu.accounts.models import ApiToken, User
from tiaodu.orgs.models import Organization

GUXI = "500152103"
ENTERPRISE_CODE = "91500152MA5U00001F"


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert lines, "the command printed nothing"
    return lines


def login_works(username: str, password: str) -> bool:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


def bearer_username(key: str) -> str | None:
    response = Client().get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    return response.json().get("username") if response.status_code == 200 else None


def command_error(*args: str) -> str:
    with pytest.raises(CommandError) as exc:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    return str(exc.value)


# --- tiaodu user ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_user_create_prints_password_on_last_line():
    lines = run("user", "create", "cli-town", "--role", "town", "--region", GUXI, "--name", "张三")
    password = lines[-1].strip()
    assert " " not in password
    assert "cli-town" in lines[0]
    assert "镇街人员" in lines[0]
    assert "古溪镇" in lines[0]
    user = User.objects.get(username="cli-town")
    assert user.role == "town"
    assert user.region.code == GUXI
    assert user.full_name == "张三"
    assert user.password.startswith("argon2$")
    assert user.check_password(password)
    assert login_works("cli-town", password)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "extra", "region", "org_kind"),
    [
        ("leader", [], "500152", None),
        ("department", ["--org", "91500152JXW0000001"], "500152", "department"),
        ("squad", ["--region", "500152"], "500152", None),
        ("enterprise", ["--org", ENTERPRISE_CODE], GUXI, "enterprise"),
        ("admin", ["--region", "500152"], "500152", None),
    ],
)
def test_user_create_each_role(role, extra, region, org_kind):
    Organization.objects.filter(short_name="经信委", region__code="500152").update(code="91500152JXW0000001")
    username = f"cli-{role}"
    password = run("user", "create", username, "--role", role, *extra)[-1]
    user = User.objects.get(username=username)
    assert user.role == role
    assert user.region.code == region
    assert (user.organization.kind if user.organization else None) == org_kind
    assert user.check_password(password)


@pytest.mark.django_db
def test_user_create_with_password_from_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Stdin-Pass-2025\n"))
    lines = run("user", "create", "cli-stdin", "--role", "leader", "--password-stdin")
    assert "Stdin-Pass-2025" not in "\n".join(lines)
    assert "初始密码" not in "\n".join(lines)
    assert User.objects.get(username="cli-stdin").check_password("Stdin-Pass-2025")


@pytest.mark.django_db
def test_user_create_weak_stdin_password_refused(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("weak\n"))
    message = command_error("user", "create", "cli-weak", "--role", "leader", "--password-stdin")
    assert message.startswith("validation_error:")
    assert "password_invalid" in message
    assert not User.objects.filter(username="cli-weak").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["cli-x1", "--role", "leader", "--region", "999999"], "region_unknown"),
        (["cli-x2", "--role", "leader", "--region", "99"], "region_unknown"),
        (["cli-x3", "--role", "leader", "--region", "5001x"], "region_code_invalid"),
        (["GUXI", "--role", "town", "--region", GUXI], "username_taken"),
        (["cli-x4", "--role", "town", "--region", "500152"], "region_level_mismatch"),
        (["cli-x5", "--role", "town"], "region_level_mismatch"),
        (["cli-x6", "--role", "enterprise"], "organization_required"),
        (["cli-x7", "--role", "enterprise", "--org", "古溪镇"], "organization_kind_mismatch"),
        (["cli-x8", "--role", "owner", "--org", "不存在的单位"], "organization_unknown"),
        (["no", "--role", "leader"], "username_invalid"),
    ],
)
def test_user_create_bad_input_names_the_code(args, code, users):
    before = User.objects.count()
    message = command_error("user", "create", *args)
    assert code in message
    assert User.objects.count() == before


@pytest.mark.django_db
def test_user_create_unknown_role_is_rejected_by_the_parser():
    message = command_error("user", "create", "cli-boss", "--role", "boss")
    assert "boss" in message
    assert not User.objects.filter(username="cli-boss").exists()


@pytest.mark.django_db
def test_user_reset_password(users):
    old = run("user", "create", "cli-reset", "--role", "leader")[-1]
    lines = run("user", "reset-password", "CLI-RESET")
    new = lines[-1]
    assert new != old
    user = User.objects.get(username="cli-reset")
    assert user.check_password(new)
    assert not user.check_password(old)
    assert "user_unknown" in command_error("user", "reset-password", "nobody-here")


# --- tiaodu token --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_create_prints_key_on_last_line_and_it_works(users):
    lines = run("token", "create", "jxw", "--name", "ETL")
    key = lines[-1].strip()
    assert key.startswith("tdu_")
    token = ApiToken.objects.get(user=users["jxw"], name="ETL")
    assert f"{token.prefix}…" in lines[0]
    assert token.expires_at is not None
    assert token.expires_at.astimezone().strftime("%Y-%m-%d") in lines[0]
    assert bearer_username(key) == "jxw"


@pytest.mark.django_db
def test_token_create_without_expiry_and_list_and_revoke(users):
    lines = run("token", "create", "guxi", "--days", "0")
    assert "永不过期" in lines[0]
    key = lines[-1]
    token = ApiToken.objects.get(user=users["guxi"])
    assert token.expires_at is None

    listing = run("token", "list", "guxi")
    assert listing == [listing[0]]
    assert listing[0].startswith(f"{token.prefix}\t有效")

    assert token.prefix in run("token", "revoke", token.prefix)[-1]
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert run("token", "list", "guxi")[0].startswith(f"{token.prefix}\t已吊销")
    assert bearer_username(key) is None


@pytest.mark.django_db
def test_token_errors(users):
    assert "user_unknown" in command_error("token", "create", "nobody-here")
    assert "days_invalid" in command_error("token", "create", "jxw", "--days", "-1")
    assert "token_unknown" in command_error("token", "revoke", "zzzzzzzz")
    User.objects.filter(username="yezhu").update(is_active=False)
    assert "user_inactive" in command_error("token", "create", "yezhu")
    assert not ApiToken.objects.filter(user__username="yezhu").exists()


@pytest.mark.django_db
def test_created_user_gets_token_via_cli(users):
    org = Organization.objects.get(short_name="经信委", region__code="500152")
    # Names shared by both demo districts are ambiguous; the id is not.
    assert "organization_ambiguous" in command_error(
        "user", "create", "cli-machine", "--role", "department", "--org", "经信委"
    )
    password = run("user", "create", "cli-machine", "--role", "department", "--org", str(org.pk))[-1]
    key = run("token", "create", "cli-machine")[-1]
    assert bearer_username(key) == "cli-machine"
    assert login_works("cli-machine", password)
    assert User.objects.get(username="cli-machine").organization == org


# --- The real console script ---------------------------------------------------------------------


def console_script() -> Path:
    candidates = [
        Path(__file__).resolve().parents[3] / ".venv" / "bin" / "tiaodu",
        Path(sys.executable).with_name("tiaodu"),
    ]
    for path in candidates:
        if path.exists():
            return path
    pytest.fail("the tiaodu console script is not installed (pip install -e .)")


CHECK_SCRIPT = """
import os
from django.test import Client
from tiaodu.accounts.models import User
r = Client().get("/api/v1/users/me", HTTP_AUTHORIZATION="Bearer " + os.environ["TD_KEY"])
print("bearer", r.status_code, r.json().get("username"), r.json().get("region_code"))
print("password", User.objects.get(username="cli-sub").check_password(os.environ["TD_PASSWORD"]))
"""


def test_console_script_end_to_end(tmp_path):
    tiaodu = console_script()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIAODU_") and k != "DATABASE_URL"}
    env.update(
        TIAODU_DATA_DIR=str(tmp_path / "data"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        DJANGO_SETTINGS_MODULE="tiaodu.settings",
    )

    def tiaodu_run(*args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603
            [str(tiaodu), *args],
            env={**env, **(extra or {})},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    result = tiaodu_run("migrate", "-v", "0")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cli.sqlite3").exists()

    result = tiaodu_run("regions", "load", "--province", "50")
    assert result.returncode == 0, result.stderr
    assert "区划加载完成" in result.stdout

    result = tiaodu_run("user", "create", "cli-sub", "--role", "town", "--region", GUXI)
    assert result.returncode == 0, result.stderr
    password = result.stdout.strip().splitlines()[-1]
    assert "古溪镇" in result.stdout

    result = tiaodu_run("token", "create", "cli-sub", "--days", "30")
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("tdu_")

    result = tiaodu_run("shell", "-c", CHECK_SCRIPT, extra={"TD_KEY": key, "TD_PASSWORD": password})
    assert result.returncode == 0, result.stderr
    assert f"bearer 200 cli-sub {GUXI}" in result.stdout
    assert "password True" in result.stdout

    result = tiaodu_run("user", "create", "CLI-SUB", "--role", "town", "--region", GUXI)
    assert result.returncode != 0
    assert "username_taken" in result.stderr

    result = tiaodu_run("user", "create", "cli-nowhere", "--role", "leader", "--region", "999999")
    assert result.returncode != 0
    assert "region_unknown" in result.stderr
    assert result.stdout.strip() == ""
