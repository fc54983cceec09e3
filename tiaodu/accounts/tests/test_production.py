"""Production mode refuses unsafe settings and the demo password (issue 13 item 7)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tiaodu.accounts import services
from tiaodu.accounts.backends import is_demo_password
from tiaodu.core.demo import demo_password
from tiaodu.core.errors import InvalidInput
from tiaodu.settings import production_problems

GOOD_KEY = "k" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"  # 56 characters, many distinct
GOOD_PI_KEY = "qH3Ucs0ZPwKYPUSdr-CLSc_RegClLYDgR86rr5E87lg"  # 32 bytes, urlsafe base64


def start(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    """Import the settings as a fresh process would (every command and the web server do)."""
    base = {
        "TIAODU_DATA_DIR": str(tmp_path),
        "TIAODU_ENV": "production",
        "TIAODU_SECRET_KEY": GOOD_KEY,
        "TIAODU_PI_KEY": GOOD_PI_KEY,
        "TIAODU_ALLOWED_HOSTS": "tiaodu.example.gov.cn",
    }
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import tiaodu.settings as s; print(s.ALLOWED_HOSTS)"],
        env={k: v for k, v in base.items() if v is not None},
        cwd=settings.REPO_DIR,
        capture_output=True,
        text=True,
    )


def test_production_starts_with_safe_settings(tmp_path):
    result = start(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "tiaodu.example.gov.cn" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TIAODU_DEBUG": "1"}, "TIAODU_DEBUG must be off"),
        ({"TIAODU_SECRET_KEY": "short"}, "at least 50 characters"),
        ({"TIAODU_SECRET_KEY": "abcd" * 20}, "at least 5 of them distinct"),
        ({"TIAODU_ALLOWED_HOSTS": "tiaodu.example.gov.cn,testserver"}, "testserver"),
        ({"TIAODU_PI_KEY": None}, "TIAODU_PI_KEY must be set"),
        ({"TIAODU_PI_KEY": "not-a-key"}, "TIAODU_PI_KEY must be set"),
    ],
)
def test_production_refuses_to_start(tmp_path, env, message):
    result = start(tmp_path, **env)
    assert result.returncode != 0
    assert "TIAODU_ENV=production refuses to start" in result.stderr
    assert message in result.stderr


def test_production_default_hosts_leave_out_testserver(tmp_path):
    result = start(tmp_path, TIAODU_ALLOWED_HOSTS="")
    assert result.returncode == 0, result.stderr
    assert "testserver" not in result.stdout


def test_demo_mode_is_not_checked():
    assert production_problems(False, GOOD_KEY, ["tiaodu.example.gov.cn"]) == []
    assert len(production_problems(True, "x", ["testserver"])) == 3
    assert len(production_problems(True, "x", ["testserver"], "")) == 4
    assert production_problems(False, GOOD_KEY, [], GOOD_PI_KEY) == []


@pytest.mark.django_db
def test_demo_password_never_authenticates_in_production(users):
    password = demo_password()
    assert is_demo_password(password)
    ok = Client().post("/accounts/login/", {"username": "guxi", "password": password})
    assert ok.status_code == 302  # the demo: fine
    with override_settings(PRODUCTION=True):
        client = Client()
        response = client.post("/accounts/login/", {"username": "guxi", "password": password})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
        assert "用户名或密码不正确" in response.content.decode()


@pytest.mark.django_db
def test_demo_shaped_password_refused_in_production_even_without_the_file():
    shaped = "Td-AbCdEfGh1234" + "7a"
    user = services.create_user(None, username="copied", role="leader", password=shaped).user
    assert is_demo_password(shaped) and shaped != demo_password()
    with override_settings(PRODUCTION=True):
        client = Client()
        client.post("/accounts/login/", {"username": "copied", "password": shaped})
        assert "_auth_user_id" not in client.session
        # Nor can it be set as a new password.
        with pytest.raises(InvalidInput) as exc:
            services.reset_password(None, user, shaped)
        assert "不能使用演示账号的密码。" in [e.message for e in exc.value.errors]
    # An ordinary password still works in production.
    with override_settings(PRODUCTION=True):
        services.reset_password(None, user, "Ordinary-Pass-2026")
        client = Client()
        assert (
            client.post(
                "/accounts/login/", {"username": "copied", "password": "Ordinary-Pass-2026"}
            ).status_code
            == 302
        )
