"""The workbench (工作台) of every demo role in a real browser, on ``tiaodu demo``'s data.

- Each role logs in and lands on its workbench: the lines of its pending work, each a count and a
  link; every link opens a page (HTTP 200) without a console error or CSP violation. The
  workbench of each role is saved (1280x800) as docs/user-guide/img/workbench-<role>.png for
  the user guide.
- The leader's workbench draws the key-project investment panel (ECharts, offline) next to 序时进度.
- The project owner (``yezhu``), whose two dispatch reports wait for it, clicks its line, fills
  one report in on the round page, sees the count drop to one; the line then opens the last
  report's form directly, and once it is submitted the owner is back on a workbench without it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_support import REPO_DIR, log_in

pytestmark = pytest.mark.browser

GUIDE_IMG = REPO_DIR / "docs" / "user-guide" / "img"
# role → (a line its workbench must show, whether the demo gives it pending work there); the
# lines of a unit's own duty are shown at zero too (招商投资局's red cards, 人社局's fairs)
ROLES: dict[str, tuple[str, bool] | None] = {
    "admin": None,
    "leader": ("调度未报项目（待催报）", True),
    "jxw": ("待填报调度", True),
    "guxi": ("待填报调度", True),
    "yuxi": ("红牌督办项目", True),
    "squad1": ("待填报调度", True),
    "qiye": ("待整改隐患", True),
    "yezhu": ("待填报调度", True),
    "zsj": ("红牌督办招商项目", False),
    "yjj": ("超期未销号隐患", True),
    "rsj": ("两周内待筹备招聘会", False),
}
DISPATCH_LINE = "待填报调度"


def workbench_lines(page: Any) -> dict[str, tuple[int, str]]:
    """The workbench's task lines: label → (count, href)."""
    found: dict[str, tuple[int, str]] = {}
    for link in page.locator("#workbench-tasks a.td-wb-link").all():
        label = link.locator(".td-wb-label").inner_text().strip()
        count = int(link.locator(".td-wb-count").inner_text().strip())
        found[label] = (count, str(link.get_attribute("href")))
    return found


def open_workbench(b: Any) -> dict[str, tuple[int, str]]:
    b.page.goto(b.url("/"))
    b.page.locator("#dashboard-title").wait_for()
    return workbench_lines(b.page)


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_sees_its_work_and_every_link_opens(browsing: Any, role: str) -> None:
    b = browsing(role)
    page = b.page
    log_in(page, b.platform, role)
    page.locator("#dashboard-title").wait_for()
    lines = workbench_lines(page)
    assert lines, f"{role}: the workbench shows no line"
    assert "将在此汇总" not in page.locator("main").inner_text()
    expected = ROLES[role]
    if expected:
        label, pending = expected
        assert label in lines, f"{role}: {label} missing from {sorted(lines)}"
        assert lines[label][0] > 0 or not pending
    if role == "leader":
        panel = page.locator("#workbench-glance [data-echart]").first
        panel.wait_for()
        page.locator("#workbench-glance canvas").first.wait_for()  # ECharts drew it
        assert "序时进度" in page.locator("#workbench-glance").inner_text()
    GUIDE_IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(GUIDE_IMG / f"workbench-{role}.png"))
    b.check("workbench")

    for label, (_count, href) in lines.items():
        response = page.goto(b.url(href))
        assert response is not None and response.status == 200, f"{role}: {label} → {href}"
        assert page.locator("main").count() == 1
        b.check(re.sub(r"\W+", "-", label))


def fill_report(page: Any) -> None:
    page.fill("#id_investment", "35.5")
    page.fill("#id_progress", "45")
    page.fill("#id_workers_required", "40")
    page.fill("#id_workers_on_site", "38")
    with page.expect_navigation():
        page.locator("#report-form button[type=submit]").click()


def test_the_owner_fills_its_dispatch_reports_from_the_workbench(browsing: Any) -> None:
    b = browsing("yezhu")
    page = b.page
    log_in(page, b.platform, "yezhu")
    page.locator("#dashboard-title").wait_for()
    count, _href = workbench_lines(page)[DISPATCH_LINE]
    assert count == 2  # the issue: "two dispatch reports wait for it"

    # several reports: the line opens the round, whose 未报项目 are the owner's two
    with page.expect_navigation():
        page.locator("#workbench-tasks a.td-wb-link", has_text=DISPATCH_LINE).click()
    fill_links = page.locator("#missing-table a[href*='/report/']")
    assert fill_links.count() == 2
    b.check("round")
    with page.expect_navigation():
        fill_links.first.click()
    fill_report(page)
    assert page.locator("#missing-table a[href*='/report/']").count() == 1
    b.check("one-filled")

    lines = open_workbench(b)
    count, href = lines[DISPATCH_LINE]
    assert count == 1
    assert "/report/" in href and "next=" in href  # the last one: straight to its form
    with page.expect_navigation():
        page.locator("#workbench-tasks a.td-wb-link", has_text=DISPATCH_LINE).click()
    page.locator("#report-form").wait_for()
    fill_report(page)  # and back to the workbench
    page.locator("#dashboard-title").wait_for()
    assert page.url.rstrip("/") == b.url("")
    assert DISPATCH_LINE not in workbench_lines(page)
    b.check("all-filled")
