"""Chinese first: the interface is Simplified Chinese whatever the browser asks for, unless the
signed-in user chose English; the choice is kept on the user (every later session speaks it)."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.test import Client
from django.utils import translation

from tiaodu.accounts.models import User
from tiaodu.audit.services import describe_changes

pytestmark = pytest.mark.django_db

HOME = "/"
LOGIN = "/accounts/login/"
ENGLISH_BROWSER: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
CHINESE_BROWSER: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}


@pytest.fixture(autouse=True)
def _reset_language() -> Any:
    yield
    translation.deactivate()


def page(client: Client, url: str, **headers: Any) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def is_english(html: str) -> bool:
    if '<html lang="en">' in html and "Sign out" in html and "退出" not in html:
        return True
    assert '<html lang="zh-hans">' in html and "退出" in html and "Sign out" not in html, "mixed page"
    return False


def test_new_users_default_to_chinese(users: dict[str, User]) -> None:
    assert User._meta.get_field("language").default == "zh-hans"
    assert {u.language for u in users.values()} == {"zh-hans"}


def test_english_browser_gets_chinese(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["jxw"])
    response = client.get(HOME, **ENGLISH_BROWSER)
    assert not is_english(response.content.decode())
    assert response["Content-Language"] == "zh-hans"
    # Anonymous visitors too: the login page is Chinese for an English browser.
    login = page(Client(), LOGIN, **ENGLISH_BROWSER)
    assert '<html lang="zh-hans">' in login and "登录" in login and "Sign in" not in login


def test_choice_is_kept_on_the_user_across_sessions(users: dict[str, User], client_for: Any) -> None:
    jxw = users["jxw"]
    client = client_for(jxw)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/orgs/"}, **CHINESE_BROWSER)
    assert response.status_code == 302 and response["Location"] == "/orgs/"
    jxw.refresh_from_db()
    assert jxw.language == "en"
    assert is_english(page(client, HOME, **CHINESE_BROWSER))

    # A new session on another browser (no language cookie, a Chinese Accept-Language): English.
    other = client_for(jxw)
    assert settings.LANGUAGE_COOKIE_NAME not in other.cookies
    response = other.get(HOME, **CHINESE_BROWSER)
    assert is_english(response.content.decode())
    assert response["Content-Language"] == "en"

    # Back to Chinese, and the next session is Chinese again.
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": HOME})
    jxw.refresh_from_db()
    assert jxw.language == "zh-hans"
    assert not is_english(page(client_for(jxw), HOME, **ENGLISH_BROWSER))


def test_signed_in_user_choice_beats_the_cookie(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["guxi"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert not is_english(page(client, HOME, **ENGLISH_BROWSER))


def test_anonymous_choice_lives_in_the_cookie(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert response["Location"] == LOGIN
    html = page(client, LOGIN, **CHINESE_BROWSER)
    assert '<html lang="en">' in html and "Sign in" in html


def test_unknown_language_changes_nothing(users: dict[str, User], client_for: Any) -> None:
    leader = users["leader"]
    client = client_for(leader)
    client.post("/i18n/setlang/", {"language": "fr", "next": HOME})
    leader.refresh_from_db()
    assert leader.language == "zh-hans"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert not is_english(page(client, HOME))
    # An unsafe next falls back to this site.
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil")


def test_switching_needs_post(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["leader"])
    assert client.get("/i18n/setlang/?language=en").status_code == 405
    users["leader"].refresh_from_db()
    assert users["leader"].language == "zh-hans"


def test_the_choice_is_audited(users: dict[str, User], client_for: Any) -> None:
    yezhu = users["yezhu"]
    client_for(yezhu).post("/i18n/setlang/", {"language": "en", "next": HOME})
    entry = LogEntry.objects.get_for_object(yezhu).order_by("-pk").first()
    assert entry is not None and entry.actor_id == yezhu.pk
    translation.activate("zh-hans")
    assert ("界面语言", "简体中文", "English") in describe_changes(entry)


def test_the_thread_returns_to_chinese_after_an_english_request(
    users: dict[str, User], client_for: Any
) -> None:
    admin = users["admin"]
    admin.language = "en"
    admin.save(update_fields=["language"])
    assert is_english(page(client_for(admin), HOME))
    assert translation.get_language() == "zh-hans"
    # The next anonymous request on this thread is Chinese.
    assert "登录" in page(Client(), LOGIN, **ENGLISH_BROWSER)


def test_api_messages_are_chinese_for_english_browsers(client: Client) -> None:
    response = client.get("/api/v1/organizations", **ENGLISH_BROWSER)
    assert response.status_code == 401
    body = response.json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
