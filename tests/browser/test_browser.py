"""The platform in a real browser: login, role home pages, the side menu, an htmx-filtered list,
an edit with its change history, the permission scope, the language switch — and, on every
page, no console error and no Content-Security-Policy violation.

Screenshots go to test-artifacts/ (not committed).
"""

from __future__ import annotations

import gettext
import re
import time
from typing import Any

import pytest
from browser_support import REPO_DIR, log_in

pytestmark = pytest.mark.browser

OTHER_TOWN_ENTERPRISE = "重庆玉溪新材料有限公司"  # in 玉溪镇, outside 古溪镇's scope


def test_login_page_is_chinese(browsing: Any) -> None:
    b = browsing()
    response = b.page.goto(b.url("/"))
    assert response is not None and response.ok
    assert "/accounts/login/" in b.page.url  # anonymous visitors are sent to the login page
    assert b.page.locator("html").get_attribute("lang") == "zh-hans"
    assert "登录" in b.page.title()
    assert b.page.locator("#login-form button[type=submit]").inner_text() == "登录"
    assert b.page.locator("label[for=id_username]").inner_text() == "用户名"
    assert b.page.locator("label[for=id_password]").inner_text() == "密码"
    b.check("login")


def test_wrong_password_shows_chinese_error(browsing: Any) -> None:
    b = browsing()
    log_in(b.page, b.platform, "leader", "not-the-password")
    assert "/accounts/login/" in b.page.url
    error = b.page.locator("#login-form .alert-danger")
    assert error.is_visible()
    assert "用户名或密码不正确" in error.inner_text()
    assert b.page.locator("#dashboard-title").count() == 0
    b.check("wrong-password")


def test_admin_filters_edits_and_sees_change_history(browsing: Any) -> None:
    b = browsing()
    page = b.page
    log_in(page, b.platform, "admin")
    assert page.url == b.url("/")
    assert page.locator("#dashboard-title").inner_text() == "系统管理工作台"
    assert "系统管理员" in page.locator("#current-user").inner_text()
    b.check("dashboard")

    # Side menu → 组织机构
    menu = page.get_by_role("navigation", name="主菜单")
    with page.expect_navigation():
        menu.get_by_role("link", name="组织机构").click()
    assert page.url == b.url("/orgs/")
    assert page.locator("h1").inner_text() == "组织机构"
    assert menu.get_by_role("link", name="组织机构").get_attribute("class").split().count("active") == 1
    b.check("org-list")

    # Filter through the htmx form: only the table is swapped in, the URL is pushed.
    page.fill("#f-q", "统计局")
    page.fill("#f-region", "500152")  # 潼南区 (大渡口区 has a 区统计局 too)
    with page.expect_response(lambda r: "/orgs/?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_role("button", name="查询").click()
    rows = page.locator("#object-table tbody tr")
    rows.first.wait_for()
    page.wait_for_function("() => location.search.includes('q=')")
    assert rows.count() == 1
    assert "区统计局" in rows.first.inner_text()
    assert page.locator("h1").inner_text() == "组织机构"  # the page itself was not reloaded
    b.check("org-filtered")

    # Open the organisation, edit it, save.
    with page.expect_navigation():
        rows.first.get_by_role("link", name="区统计局").click()
    assert re.search(r"/orgs/\d+/$", page.url)
    detail_url = page.url
    assert "区统计局" in page.locator("h1").inner_text()
    b.check("org-detail")

    phone = f"023-6{int(time.time()) % 10_000_000:07d}"
    with page.expect_navigation():
        page.get_by_role("link", name="编辑").click()
    assert page.url == detail_url + "edit/"
    page.fill("#id_phone", phone)
    page.fill("#id_address", "重庆市潼南区桂林街道")
    b.check("org-edit")
    with page.expect_navigation():
        page.locator("#org-form button[type=submit]").click()
    assert page.url == detail_url
    assert "已保存机构" in page.locator(".alert").first.inner_text()
    assert phone in page.locator("dl.td-dl").inner_text()
    b.check("org-saved")

    # 变更记录: the change, who made it, and the before/after values.
    with page.expect_navigation():
        page.get_by_role("link", name="变更记录").click()
    assert page.url == detail_url + "changes/"
    history = page.locator("table.td-history tbody")
    latest = history.locator("tr", has_text=phone).first
    assert latest.is_visible()
    assert "系统管理员" in history.inner_text()
    assert "修改" in history.inner_text()
    b.check("org-changes")


def _org_url(browsing: Any, name: str) -> str:
    """An organisation's detail URL, looked up as admin in a separate session."""
    admin = browsing("admin")
    log_in(admin.page, admin.platform, "admin")
    admin.page.goto(admin.url("/orgs/?q=" + name))
    href = admin.page.locator("#object-table tbody a", has_text=name).first.get_attribute("href")
    admin.check("lookup")
    assert href and re.fullmatch(r"/orgs/\d+/", href)
    return admin.url(href)


def test_town_user_sees_only_own_township(browsing: Any) -> None:
    other_org_url = _org_url(browsing, OTHER_TOWN_ENTERPRISE)

    b = browsing()
    page = b.page
    log_in(page, b.platform, "guxi")
    assert page.locator("#dashboard-title").inner_text() == "镇街工作台"
    assert "古溪镇" in page.locator("main").inner_text()
    menu = page.get_by_role("navigation", name="主菜单")
    assert menu.get_by_role("link", name="用户管理").count() == 0  # not for town staff
    b.check("dashboard")

    with page.expect_navigation():
        menu.get_by_role("link", name="组织机构").click()
    table = page.locator("#object-table").inner_text()
    assert "古溪" in table
    assert OTHER_TOWN_ENTERPRISE not in table
    assert "玉溪" not in table
    b.check("org-list")

    # Searching for it finds nothing either.
    page.fill("#f-q", "玉溪")
    with page.expect_response(lambda r: "/orgs/?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_role("button", name="查询").click()
    page.locator("#object-table tbody td", has_text="没有符合条件的记录").wait_for()
    b.check("org-search-other-town")

    # Opening it directly: the 404 page (its existence is not revealed).
    b.expected_404.add(other_org_url)
    response = page.goto(other_org_url)
    assert response is not None and response.status == 404
    assert page.locator("#error-404").is_visible()
    assert "未找到" in page.locator("#error-404").inner_text()
    assert OTHER_TOWN_ENTERPRISE not in page.content()
    b.check("other-town-404")


def _english_catalogue() -> gettext.GNUTranslations | None:
    mo = REPO_DIR / "tiaodu" / "locale" / "en" / "LC_MESSAGES" / "django.mo"
    if not mo.exists():
        return None
    with mo.open("rb") as fh:
        return gettext.GNUTranslations(fh)


def test_language_switch(browsing: Any) -> None:
    b = browsing()
    page = b.page
    log_in(page, b.platform, "admin")
    with page.expect_navigation():
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="组织机构").click()
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # The switcher posts to Django's set_language and comes back to the same page.
    with (
        page.expect_request(lambda r: r.url.endswith("/i18n/setlang/") and r.method == "POST") as posted,
        page.expect_navigation(url=b.url("/orgs/")),
    ):
        page.select_option("select[name=language]", "en")
    assert "language=en" in (posted.value.post_data or "")
    page.wait_for_load_state()
    assert page.url == b.url("/orgs/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("select[name=language]").input_value() == "en"

    catalogue = _english_catalogue()
    if catalogue is not None:
        for chinese in ("组织机构", "工作台", "退出"):
            english = catalogue.gettext(chinese)
            if english != chinese:
                assert english in page.locator("body").inner_text(), f"{chinese!r} → {english!r} not shown"
    b.check("english")

    # And back to Chinese.
    with page.expect_navigation(url=b.url("/orgs/")):
        page.select_option("select[name=language]", "zh-hans")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "组织机构"
    b.check("chinese-again")
