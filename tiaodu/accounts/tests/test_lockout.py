"""Lockout by username and address together, a per-address throttle, and unlocking (issue 13 item 6)."""

from __future__ import annotations

import io

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from tiaodu.accounts import services
from tiaodu.accounts.models import User
from tiaodu.audit.models import SecurityEvent

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "Tiaodu-Lock-2025"
ATTACKER = "198.51.100.66"
OFFICE = "203.0.113.10"


def make_user(username: str) -> User:
    return services.create_user(None, username=username, role="department", password=PASSWORD).user


def attempt(username: str, password: str, address: str, **extra: str) -> int:
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN, {"username": username, "password": password}, **extra)
    if response.status_code == 302:
        assert "_auth_user_id" in client.session
    return response.status_code


def lock(username: str, address: str) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(username, f"wrong-{n}", address)
    assert attempt(username, PASSWORD, address) == 429


def test_someone_elses_failures_do_not_lock_the_account_out_for_everybody():
    make_user("target")
    lock("target", ATTACKER)
    # The owner, from the office, still logs in (before: 429, the lock was on the name alone).
    assert attempt("target", PASSWORD, OFFICE) == 302
    # The attacker's address stays locked for that account, even with the right password.
    assert attempt("target", PASSWORD, ATTACKER) == 429
    assert SecurityEvent.objects.filter(kind="locked_out", username="target").count() >= 1


def test_successful_login_elsewhere_keeps_the_attackers_counter():
    make_user("keeper")
    lock("keeper", ATTACKER)
    assert attempt("keeper", PASSWORD, OFFICE) == 302
    assert attempt("keeper", PASSWORD, ATTACKER) == 429


def test_per_address_throttle_across_usernames():
    make_user("sprayed")
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    # Password spraying: one wrong password each against many usernames, never five for one name.
    for n in range(limit - 1):
        assert attempt(f"user{n}", "Spring-2025!", ATTACKER) == 200, n
    assert attempt("sprayed", "Spring-2025!", ATTACKER) == 429  # the limit-th failure
    # Refused from that address now, whatever the account and even with its right password.
    response = Client(REMOTE_ADDR=ATTACKER).post(LOGIN, {"username": "sprayed", "password": PASSWORD})
    assert response.status_code == 429
    body = response.content.decode()
    assert "登录已暂停" in body
    assert f"{limit}次" in body
    # Another address is not affected.
    assert attempt("sprayed", PASSWORD, OFFICE) == 302


def test_forwarded_for_rotation_behind_the_proxy_does_not_escape_the_throttle():
    """Behind a trusted proxy the client can write anything left of the proxy's own entry."""
    make_user("rotated")
    with override_settings(FORWARDED_ALLOW_IPS=["10.0.0.0/8"]):
        for n in range(settings.AXES_FAILURE_LIMIT):
            code = attempt("rotated", "wrong", "10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}")
        assert code == 429
        assert set(AccessAttempt.objects.filter(username="rotated").values_list("ip_address", flat=True)) == {
            ATTACKER
        }
        assert attempt("rotated", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.99, {ATTACKER}") == 429
        assert attempt("rotated", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR=OFFICE) == 302


def test_administrator_unlocks_from_the_user_page(client_for, users):
    target = make_user("unlockme")
    lock("unlockme", ATTACKER)
    admin = client_for(users["admin"])
    page = admin.get(f"/accounts/users/{target.pk}/").content.decode()
    assert 'id="login-locks"' in page
    assert ATTACKER in page
    response = admin.post(f"/accounts/users/{target.pk}/unlock/")
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="unlockme").exists()
    assert 'id="login-locks"' not in admin.get(f"/accounts/users/{target.pk}/").content.decode()
    assert attempt("unlockme", PASSWORD, ATTACKER) == 302
    event = SecurityEvent.objects.get(kind="unlocked", username="unlockme")
    assert "by admin" in event.detail


def test_unlock_is_for_administrators_only(client_for, users):
    target = make_user("stilllocked")
    lock("stilllocked", ATTACKER)
    response = client_for(users["guxi"]).post(f"/accounts/users/{target.pk}/unlock/")
    assert response.status_code in (403, 404)
    assert AccessAttempt.objects.filter(username="stilllocked").exists()
    assert attempt("stilllocked", PASSWORD, ATTACKER) == 429


def test_cli_unlock_user_and_address():
    make_user("clilocked")
    lock("clilocked", ATTACKER)
    out = io.StringIO()
    call_command("unlock", "clilocked", stdout=out)
    assert "已解除 clilocked 的登录锁定" in out.getvalue()
    assert attempt("clilocked", PASSWORD, ATTACKER) == 302

    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        attempt(f"probe{n}", "Spring-2025!", ATTACKER)
    assert attempt("clilocked", PASSWORD, ATTACKER) == 429
    call_command("unlock", "--address", ATTACKER, stdout=io.StringIO())
    assert attempt("clilocked", PASSWORD, ATTACKER) == 302

    with pytest.raises(CommandError, match="unlock_target_missing"):
        call_command("unlock", stdout=io.StringIO())
    with pytest.raises(CommandError, match="address_invalid"):
        call_command("unlock", "--address", "nope", stdout=io.StringIO())
