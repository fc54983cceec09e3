"""Security baseline (等保三级): Argon2 hashes, password policy, lockout, idle timeout, login events."""

from __future__ import annotations

import time

import pytest
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.test import Client, override_settings

from tiaodu.accounts import services
from tiaodu.accounts.middleware import KEY as LAST_ACTIVITY
from tiaodu.accounts.models import User
from tiaodu.audit.models import SecurityEvent
from tiaodu.core.demo import demo_password
from tiaodu.core.errors import InvalidInput

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
GOOD_PASSWORD = "Tiaodu-Lock-2025"


def make_user(username: str, password: str = GOOD_PASSWORD) -> User:
    return services.create_user(None, username=username, role="department", password=password).user


def events(kind: str, username: str) -> int:
    return SecurityEvent.objects.filter(kind=kind, username=username).count()


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- Password storage and policy -----------------------------------------------------------------


def test_demo_passwords_are_stored_as_argon2id(users):
    assert set(users) >= {"admin", "leader", "jxw", "guxi", "yuxi", "squad1", "qiye", "yezhu"}
    for user in users.values():
        if not user.is_active:  # squad cadres listed as members only: no password at all
            assert not user.has_usable_password(), user.username
            continue
        assert user.password.startswith("argon2$argon2id$"), user.username
        assert identify_hasher(user.password).algorithm == "argon2"
        assert demo_password() not in user.password
    assert users["guxi"].check_password(demo_password())
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_created_user_password_is_argon2_and_rehash_free():
    created = services.create_user(None, username="hash-check", role="leader")
    user = User.objects.get(pk=created.user.pk)
    assert user.password.startswith("argon2$argon2id$")
    assert created.password and created.password not in user.password
    assert user.check_password(created.password)
    assert user.password_changed_at is not None


def policy_messages(password: str, user: User | None = None) -> tuple[set[str], list[str]]:
    with pytest.raises(InvalidInput) as exc:
        services.check_password(password, user)
    assert exc.value.code == "validation_error"
    assert {e.field for e in exc.value.errors} == {"password"}
    assert {e.code for e in exc.value.errors} == {"password_invalid"}
    return {e.code for e in exc.value.errors}, [e.message for e in exc.value.errors]


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_policy_rejects_short_password_in_chinese():
    _, messages = policy_messages("Ab1-xyz")
    assert "密码长度不能少于10位。" in messages
    assert all(has_chinese(m) for m in messages), messages
    assert not any("too short" in m for m in messages)


@pytest.mark.parametrize("password", ["abcdefghijkmnop", "ABCDEFGHJKLMNP", "zxcvbnmlkjhgfd"])
def test_policy_rejects_single_class_password(password):
    _, messages = policy_messages(password)
    assert "密码须包含大写字母、小写字母、数字、特殊符号中的至少3类。" in messages


def test_policy_rejects_two_class_password():
    _, messages = policy_messages("abcdefgh12345")
    assert "密码须包含大写字母、小写字母、数字、特殊符号中的至少3类。" in messages


def test_policy_rejects_common_and_numeric_passwords():
    _, messages = policy_messages("password123")
    assert "这个密码太常见了。" in messages
    _, messages = policy_messages("12345678901234")
    assert "密码只包含数字。" in messages
    assert all(has_chinese(m) for m in messages)


def test_policy_rejects_password_similar_to_username():
    user = User(username="zhangsanfeng", full_name="张三丰")
    _, messages = policy_messages("Zhangsanfeng1", user)
    assert any("太相似" in m for m in messages), messages


def test_policy_accepts_strong_passwords():
    services.check_password("Xk9#mq2LpW")
    services.check_password("Tiaodu-Lock-2025")
    for _ in range(20):
        services.check_password(services.generate_password())


def test_create_user_with_weak_password_saves_nothing():
    with pytest.raises(InvalidInput) as exc:
        services.create_user(None, username="weakling", role="leader", password="12345")
    assert exc.value.errors[0].field == "password"
    assert not User.objects.filter(username="weakling").exists()


def test_password_change_enforces_policy_and_logs_event(client_for):
    user = make_user("changer")
    client = client_for(user)
    weak = {"old_password": GOOD_PASSWORD, "new_password": "abc", "new_password2": "abc"}
    response = client.post("/accounts/password/", weak)
    assert response.status_code == 422
    assert "密码须包含" in response.content.decode()
    strong = "Better-Pass-2026"
    response = client.post(
        "/accounts/password/",
        {"old_password": GOOD_PASSWORD, "new_password": strong, "new_password2": strong},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(strong)
    assert user.password.startswith("argon2$")
    assert events("password_changed", "changer") == 1
    # The session survives the change (update_session_auth_hash).
    assert client.get("/").status_code == 200


# --- Login events and lockout -------------------------------------------------------------------


def test_successful_login_writes_event_and_redirects_home():
    make_user("loginok")
    client = Client()
    response = client.post(LOGIN, {"username": "loginok", "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in(client)
    event = SecurityEvent.objects.get(kind="login_succeeded", username="loginok")
    assert event.user_id == User.objects.get(username="loginok").pk
    assert event.ip == "127.0.0.1"
    assert event.path == LOGIN
    assert event.request_id


def test_failed_login_shows_chinese_error_and_writes_event():
    make_user("loginbad")
    client = Client()
    response = client.post(LOGIN, {"username": "loginbad", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert not logged_in(client)
    assert events("login_failed", "loginbad") == 1
    event = SecurityEvent.objects.get(kind="login_failed", username="loginbad")
    assert "nope" not in event.detail


def test_lockout_after_five_failures():
    username = "lockme"
    make_user(username)
    axes_reset(username=username)  # self-contained: no counters left from elsewhere
    assert settings.AXES_FAILURE_LIMIT == 5
    client = Client()
    try:
        for attempt in range(1, 5):
            response = client.post(LOGIN, {"username": username, "password": f"wrong-{attempt}"})
            assert response.status_code == 200, attempt
            assert "用户名或密码不正确" in response.content.decode()
        assert events("locked_out", username) == 0

        # The fifth failure reaches the limit and locks the account.
        response = client.post(LOGIN, {"username": username, "password": "wrong-5"})
        assert response.status_code == 429
        assert events("login_failed", username) == 5
        assert events("locked_out", username) == 1
        attempt_row = AccessAttempt.objects.get(username=username)
        assert attempt_row.failures_since_start == 5

        # Sixth attempt, with the right password: still the locked page, no session.
        response = client.post(LOGIN, {"username": username, "password": GOOD_PASSWORD})
        assert response.status_code == 429
        body = response.content.decode()
        assert 'id="locked-out"' in body
        assert "账号已临时锁定" in body
        assert f"{settings.AXES_FAILURE_LIMIT}次" in body
        assert f"{int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}分钟" in body
        assert not logged_in(client)
        assert events("login_succeeded", username) == 0

        # A fresh client (another browser) is locked out too: the lock is on the account.
        other = Client()
        response = other.post(LOGIN, {"username": username, "password": GOOD_PASSWORD})
        assert response.status_code == 429
        assert not logged_in(other)

        # Other accounts from the same address are not affected.
        make_user("neighbour")
        response = client.post(LOGIN, {"username": "neighbour", "password": GOOD_PASSWORD})
        assert response.status_code == 302
        assert logged_in(client)
    finally:
        axes_reset(username=username)

    # Once an administrator clears the counter the account works again.
    fresh = Client()
    response = fresh.post(LOGIN, {"username": username, "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert events("login_succeeded", username) == 1


def test_successful_login_resets_failure_count():
    username = "resetme"
    make_user(username)
    axes_reset(username=username)
    client = Client()
    try:
        for _ in range(4):
            assert client.post(LOGIN, {"username": username, "password": "bad"}).status_code == 200
        assert AccessAttempt.objects.get(username=username).failures_since_start == 4
        assert client.post(LOGIN, {"username": username, "password": GOOD_PASSWORD}).status_code == 302
        assert not AccessAttempt.objects.filter(username=username).exists()
        client.post("/accounts/logout/")
        assert client.post(LOGIN, {"username": username, "password": "bad"}).status_code == 200
        assert AccessAttempt.objects.get(username=username).failures_since_start == 1
        assert events("locked_out", username) == 0
    finally:
        axes_reset(username=username)


def test_logout_writes_event(client_for, users):
    client = client_for(users["leader"])
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not logged_in(client)
    assert SecurityEvent.objects.filter(kind="logout", user=users["leader"]).exists()


def test_inactive_user_cannot_log_in():
    user = make_user("dormant")
    User.objects.filter(pk=user.pk).update(is_active=False)
    client = Client()
    response = client.post(LOGIN, {"username": "dormant", "password": GOOD_PASSWORD})
    assert response.status_code == 200
    assert not logged_in(client)


# --- Idle session timeout -----------------------------------------------------------------------


def age_session(client: Client, seconds: int) -> None:
    session = client.session
    session[LAST_ACTIVITY] = int(time.time()) - seconds
    session.save()


def test_idle_timeout_settings():
    assert settings.SESSION_IDLE_MINUTES > 0
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY


def test_idle_session_is_logged_out(client_for, users):
    user = users["guxi"]
    client = client_for(user)
    assert client.get("/").status_code == 200
    assert LAST_ACTIVITY in client.session

    age_session(client, settings.SESSION_IDLE_MINUTES * 60 + 5)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not logged_in(client)
    event = SecurityEvent.objects.get(kind="session_timeout", user=user)
    assert event.username == "guxi"
    assert event.path == "/"

    # Still out on the next request; the login page says why.
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "长时间未操作,已自动退出" in response.content.decode()
    assert SecurityEvent.objects.filter(kind="session_timeout", user=user).count() == 1


def test_active_session_stays_and_is_refreshed(client_for, users):
    client = client_for(users["yuxi"])
    client.get("/")
    age_session(client, settings.SESSION_IDLE_MINUTES * 60 - 120)
    before = client.session[LAST_ACTIVITY]
    assert client.get("/").status_code == 200
    assert logged_in(client)
    assert client.session[LAST_ACTIVITY] > before
    assert not SecurityEvent.objects.filter(kind="session_timeout", user=users["yuxi"]).exists()


@override_settings(SESSION_IDLE_MINUTES=1)
def test_idle_limit_comes_from_settings(client_for, users):
    client = client_for(users["jxw"])
    client.get("/")
    age_session(client, 50)
    assert client.get("/").status_code == 200
    age_session(client, 61)
    assert client.get("/").status_code == 302
    assert not logged_in(client)


def test_idle_timeout_applies_to_api_session(client_for, users):
    client = client_for(users["leader"])
    assert client.get("/api/v1/users/me").status_code == 200
    age_session(client, settings.SESSION_IDLE_MINUTES * 60 + 1)
    response = client.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
