"""The investment pipeline (招商引资) in a real browser, on the demo ``tiaodu demo`` loads: the 招商投资局
user ``zsj`` opens the project library and the board, moves a project one stage on the board, and
reads the report page, whose sentences are the seed's (computed from the stage history, so the
move made today does not change them). An administrator reads 大渡口区's spring 2020. No console
error and no CSP violation on any page.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import log_in

pytestmark = pytest.mark.browser

TONGNAN_JANUARY = ["在库重点在谈项目115个(计划投资额1182.57亿元)", "其中投资意向比较明显的39个"]
TONGNAN_QUARTER = "23个镇街招商小分队向4个重点区域招商组提供45条信息线索"
DADUKOU_SPRING = [
    "现场签约项目19个,总投资50.8亿元,涉及大数据智能化、生态环保、大健康生物医药、文化休闲旅游等产业",
    "二季度拟签约项目11个、总投资近20亿元",
    "紧密跟进项目41个,在谈储备项目29个",
]
REPORT = "/investment/analysis/report/?region={}&date_from={}&date_to={}"


def test_bureau_moves_a_project_and_reads_the_report(browsing: Any) -> None:
    b = browsing("zsj")
    page = b.page
    log_in(page, b.platform, "zsj")

    # The project library, searched by a seed name.
    page.goto(b.url("/investment/?q=金鹰"))
    assert page.get_by_role("link", name="金鹰集团潼南智能制造产业园项目").count() == 1
    b.check("list")

    # The board: a project in talks moves to 意向明显.
    page.goto(b.url("/investment/board/"))
    b.check("board")
    talks = page.locator('section[data-stage="negotiating"] article[data-project]')
    card = talks.filter(has=page.locator('form[data-target="intent"]')).first
    pk = card.get_attribute("data-project")
    name = card.locator("a").first.inner_text()
    card.locator("summary").click()
    with page.expect_navigation():
        card.locator('form[data-target="intent"] button[type=submit]').click()
    assert f"“{name}”已变更为“意向明显”" in page.locator(".alert").first.inner_text()
    assert page.locator(f'section[data-stage="intent"] article[data-project="{pk}"]').count() == 1
    assert page.locator(f'section[data-stage="negotiating"] article[data-project="{pk}"]').count() == 0
    b.check("board-moved")

    # The report as of 1 January 2022 and for the first quarter: the seed's sentences.
    page.goto(b.url(REPORT.format("500152", "2022-01-01", "2022-01-01")))
    paragraph = page.locator("#report-paragraph").inner_text()
    for sentence in TONGNAN_JANUARY:
        assert sentence in paragraph
    page.goto(b.url(REPORT.format("500152", "2022-01-01", "2022-03-31")))
    assert TONGNAN_QUARTER in page.locator("#report-paragraph").inner_text()
    b.check("report-tongnan")

    admin = browsing("admin")
    log_in(admin.page, admin.platform, "admin")
    admin.page.goto(admin.url(REPORT.format("500104", "2020-01-01", "2020-03-31")))
    paragraph = admin.page.locator("#report-paragraph").inner_text()
    for sentence in DADUKOU_SPRING:
        assert sentence in paragraph
    admin.check("report-dadukou")
