"""Phones and the generic list in a real browser (ADR 0030).

At 375×812 the enterprise user (qiye) and a town user (guxi) go through every page of their menu:
the page never scrolls sideways (tables scroll inside their own box or read as cards), the menu
button opens the navigation, the user's name in the header stays on one line, and the content
starts on the first screen. On a desktop, clicking a column header sorts the list, and the sort
is kept by the export links, the pagination and the filter form.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
SLACK = 2  # px of rounding

OVERFLOW = """() => {
  const doc = document.documentElement;
  // Elements sticking out of the viewport that are not inside a box that scrolls them.
  const culprits = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right <= window.innerWidth + 2 || r.width === 0) continue;
    if (el.closest(".table-responsive, .offcanvas-md, .td-scroll")) continue;
    culprits.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + [...el.classList].join("."));
    if (culprits.length > 5) break;
  }
  return {scrollWidth: doc.scrollWidth, culprits};
}"""


def _menu_urls(page: Any) -> list[str]:
    links = page.locator("#td-nav nav a.nav-link")
    urls = [links.nth(i).get_attribute("href") for i in range(links.count())]
    return [u for u in urls if u and u.startswith("/") and "password" not in u]


def _check_phone_page(b: Any, label: str) -> None:
    page = b.page
    width = page.viewport_size["width"]
    measured = page.evaluate(OVERFLOW)
    assert measured["scrollWidth"] <= width + SLACK, (page.url, measured)
    # The header: one line, the user's name cut rather than wrapped.
    header = page.locator("header.td-topbar").bounding_box()
    assert header is not None and header["height"] <= 64, (page.url, header)
    name = page.locator("#current-user")
    box = name.bounding_box()
    line = float(name.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert box is not None and box["height"] <= line * 1.5, (page.url, box, line)
    assert box["x"] + box["width"] <= width + SLACK
    # The navigation is folded away; the page's own content starts on the first screen.
    assert not page.get_by_role("navigation", name="主菜单").is_visible(), page.url
    main = page.locator("main").bounding_box()
    assert main is not None and main["y"] < 120, (page.url, main)
    first = page.locator("main h1, main h2, main .card, main form, main table").first
    first_box = first.bounding_box()
    assert first_box is not None and first_box["y"] < PHONE["height"], (page.url, first_box)
    b.check(label)


def _open_menu(b: Any) -> None:
    page = b.page
    toggle = page.locator("#td-menu-toggle")
    assert toggle.is_visible()
    toggle.click()
    nav = page.get_by_role("navigation", name="主菜单")
    nav.wait_for(state="visible")
    page.locator("#td-nav.show").wait_for()
    page.wait_for_timeout(400)  # the slide-in transition
    first = nav.locator("a.nav-link").first
    box = first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    b.check("menu-open")
    page.get_by_role("button", name="关闭").click()
    page.locator("#td-nav.show").wait_for(state="detached")


@pytest.mark.parametrize("username", ["qiye", "guxi"])
def test_phone_layout(browsing: Any, username: str) -> None:
    b = browsing(username)
    page = b.page
    page.set_viewport_size(PHONE)
    log_in(page, b.platform, username)
    _check_phone_page(b, "home")
    _open_menu(b)
    urls = _menu_urls(page)
    assert len(urls) >= 2, urls
    for url in urls:
        response = page.goto(b.url(url))
        assert response is not None and response.ok, url
        _check_phone_page(b, url)
    # The menu also works from a list page; a link in it navigates.
    page.locator("#td-menu-toggle").click()
    nav = page.get_by_role("navigation", name="主菜单")
    nav.wait_for(state="visible")
    page.wait_for_timeout(400)
    with page.expect_navigation():
        nav.locator("a.nav-link").first.click()
    _check_phone_page(b, "after-menu")
    # The narrowest phones the layout supports.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(b.url("/enterprises/" if username == "guxi" else "/enterprises/portal/"))
    _check_phone_page(b, "360px")


def test_phone_list_reads_as_cards(browsing: Any) -> None:
    b = browsing()
    page = b.page
    page.set_viewport_size(PHONE)
    log_in(page, b.platform, "guxi")
    page.goto(b.url("/enterprises/"))
    row = page.locator("table.td-cards tbody tr").first
    cells = row.locator("td")
    assert cells.count() >= 3
    first, second = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
    assert first is not None and second is not None
    assert second["y"] >= first["y"] + first["height"] - 1  # cells stacked, not side by side
    label = cells.nth(1).evaluate("e => getComputedStyle(e, '::before').content")
    assert "统一社会信用代码" in label
    _check_phone_page(b, "enterprise-cards")
    # The table head is hidden on a phone: the sorts are offered as a select.
    head = page.locator("#object-table thead").bounding_box()
    assert head is not None and head["height"] <= 1  # visually hidden, still read out
    with page.expect_navigation():
        page.select_option("#td-sort-select", "-name")
    assert "sort=-name" in page.url
    names = page.locator("table.td-cards tbody tr td:first-child").all_inner_texts()
    assert len(names) >= 2 and names == sorted(names, reverse=True)
    assert page.locator("#td-sort-select").input_value() == "-name"
    _check_phone_page(b, "enterprise-cards-sorted")


def _wait_for_query(page: Any, part: str) -> None:
    """htmx pushes the new address (no navigation event): poll it."""
    for _ in range(50):
        if part in page.url:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{part!r} never reached the address bar: {page.url}")


def _first_row(page: Any) -> str:
    return str(page.locator("#object-table tbody tr").first.inner_text())


def test_desktop_column_header_sorts_the_list(browsing: Any) -> None:
    b = browsing()
    page = b.page
    log_in(page, b.platform, "admin")
    page.goto(b.url("/orgs/?kind=enterprise"))
    before = _first_row(page)
    header = page.locator('#object-table th a.td-sort[data-sort="name"]')

    def htmx_response(response: Any) -> bool:
        return "/orgs/?" in response.url and response.request.headers.get("hx-request") == "true"

    with page.expect_response(htmx_response):
        header.click()
    _wait_for_query(page, "sort=name")
    ascending = _first_row(page)
    assert page.locator('#object-table th[aria-sort="ascending"]').inner_text().startswith("名称")
    with page.expect_response(htmx_response):
        page.locator('#object-table th a.td-sort[data-sort="name"]').click()
    _wait_for_query(page, "sort=-name")
    descending = _first_row(page)
    assert page.locator('#object-table th[aria-sort="descending"]').count() == 1
    assert descending != ascending
    assert before != descending
    names = page.locator("#object-table tbody tr td:first-child").all_inner_texts()
    assert names == sorted(names, reverse=True)
    b.check("sorted-descending")

    # The export links (swapped out of band) and the pagination carry the sort and the filter.
    for link in ("#export-xlsx", "#export-csv"):
        href = page.locator(link).get_attribute("href") or ""
        assert "sort=-name" in href and "kind=enterprise" in href, href
    next_link = page.locator("#object-table a[rel=next]")
    assert next_link.count() == 1
    href = next_link.get_attribute("href") or ""
    assert "sort=-name" in href and "kind=enterprise" in href and "page=2" in href, href
    with page.expect_navigation():
        next_link.click()
    assert "sort=-name" in page.url and "page=2" in page.url
    second_page = page.locator("#object-table tbody tr td:first-child").all_inner_texts()
    assert second_page and second_page[0] <= names[-1]

    # The filter form keeps the sort (htmx refresh), and the page size keeps both.
    page.fill("#f-q", "重庆")
    with page.expect_response(htmx_response):
        page.locator("#td-filters button[type=submit]").click()
    _wait_for_query(page, "q=")
    assert "sort=-name" in page.url and "page=" not in page.url
    with page.expect_navigation():
        page.select_option("#td-per-page", "20")
    assert "sort=-name" in page.url and "per_page=20" in page.url and "q=" in page.url
    assert page.locator("#object-table tbody tr").count() <= 20
    names = page.locator("#object-table tbody tr td:first-child").all_inner_texts()
    assert names == sorted(names, reverse=True)
    # Jump to a page.
    if page.locator("#td-jump").count():
        page.fill("#td-page-input", "2")
        with page.expect_navigation():
            page.locator("#td-jump button").click()
        assert "page=2" in page.url and "sort=-name" in page.url and "per_page=20" in page.url
    b.check("filtered-sorted")
