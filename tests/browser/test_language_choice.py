"""Chinese first, in a real browser: a browser set to English still gets Chinese; the user's
choice of English is kept on the user, so a new session on another browser speaks English, and
switching back is kept the same way.

Screenshots go to test-artifacts/ (not committed).
"""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import log_in

pytestmark = pytest.mark.browser

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


def _lang(b: Any) -> str | None:
    return b.page.locator("html").get_attribute("lang")


def test_english_browser_gets_chinese_until_the_user_chooses(browsing: Any) -> None:
    first = browsing("english-browser")
    first.context.set_extra_http_headers(ENGLISH)
    first.page.goto(first.url("/accounts/login/"))
    assert _lang(first) == "zh-hans"
    assert first.page.locator("#login-form button[type=submit]").inner_text() == "登录"
    log_in(first.page, first.platform, "leader")
    assert _lang(first) == "zh-hans"
    assert first.page.locator("#logout").inner_text() == "退出"
    first.check("chinese-despite-english-browser")

    # The user chooses English: the page comes back in English.
    with first.page.expect_navigation():
        first.page.select_option("select[name=language]", "en")
    first.page.wait_for_load_state()
    assert _lang(first) == "en"
    assert first.page.locator("#logout").inner_text() == "Sign out"
    first.check("english-chosen")

    # Another browser, set to Chinese, a new session: the user's choice holds.
    second = browsing("chinese-browser")
    second.context.set_extra_http_headers(CHINESE)
    log_in(second.page, second.platform, "leader")
    assert _lang(second) == "en"
    assert second.page.locator("select[name=language]").input_value() == "en"
    second.check("english-kept-on-the-user")

    # Back to Chinese; the next session, from the English browser, is Chinese again.
    with second.page.expect_navigation():
        second.page.select_option("select[name=language]", "zh-hans")
    second.page.wait_for_load_state()
    assert _lang(second) == "zh-hans"

    third = browsing("english-browser-again")
    third.context.set_extra_http_headers(ENGLISH)
    log_in(third.page, third.platform, "leader")
    assert _lang(third) == "zh-hans"
    assert third.page.locator("#logout").inner_text() == "退出"
    third.check("chinese-again")
