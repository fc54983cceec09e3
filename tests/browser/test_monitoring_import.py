"""Monitoring imports in a real browser: the administrator adds an indicator to the catalogue from
the catalogue page, a department imports figures that name it by its alias and sees them listed,
and a file with a negative investment is refused row by row. No console error, no CSP violation.

The indicator's code carries a time stamp, so the test does not depend on what the platform holds.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from browser_support import log_in

pytestmark = pytest.mark.browser


def upload(page: Any, path: Path) -> None:
    page.set_input_files("#id_file", str(path))
    with page.expect_navigation():
        page.locator("#import-form button[type=submit]").click()


def test_catalogue_and_figures_import(browsing: Any, tmp_path: Path) -> None:
    stamp = int(time.time() * 10) % 10_000_000
    code, name, alias = f"bt_{stamp}", f"浏览器测试总量{stamp}", f"浏览器测试别名{stamp}"
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text(
        f"指标代码,指标名称,计量单位,指标类型,别名\n{code},{name},亿元,总量,{alias}\n", encoding="utf-8"
    )

    # 1. The administrator adds the indicator from the catalogue page.
    admin = browsing("admin")
    page = admin.page
    log_in(page, admin.platform, "admin")
    page.goto(admin.url("/monitoring/indicators/"))
    with page.expect_navigation():
        page.get_by_role("link", name="导入指标").click()
    assert page.url == admin.url("/monitoring/import/catalogue/")
    upload(page, catalogue)
    assert page.locator("#import-result").get_attribute("data-status") == "succeeded"
    assert page.locator("#import-counts [data-count=created]").inner_text() == "1"
    admin.check("catalogue-imported")
    page.goto(admin.url(f"/monitoring/indicators/?q={code}"))
    assert name in page.locator("main").inner_text()

    # 2. A department imports a figure naming it by its alias; the catalogue tab is not offered.
    dept = browsing("department")
    page = dept.page
    log_in(page, dept.platform, "jxw")
    page.goto(dept.url("/monitoring/figures/"))
    with page.expect_navigation():
        page.get_by_role("link", name="批量导入").click()
    assert page.url == dept.url("/monitoring/import/")
    tabs = page.locator("#import-kinds").inner_text()
    assert "指标数据" in tabs and "监测指标目录" not in tabs
    figures = tmp_path / "figures.csv"
    figures.write_text(f"地区代码,期别,指标,数值\n500152,2022年1-2月,{alias},12.5\n", encoding="utf-8")
    upload(page, figures)
    assert page.locator("#import-result").get_attribute("data-status") == "succeeded"
    dept.check("figures-imported")
    page.goto(dept.url(f"/monitoring/figures/?indicator={code}"))
    listing = page.locator("main").inner_text()
    assert "潼南区" in listing and "12.5" in listing and name in listing

    # 3. A negative investment: the file is refused, the row and the reason are shown.
    bad = tmp_path / "bad.csv"
    bad.write_text("地区代码,期别,指标,数值\n500152,2022年1-2月,工业投资,-5\n", encoding="utf-8")
    page.goto(dept.url("/monitoring/import/"))
    upload(page, bad)
    result = page.locator("#import-result")
    assert result.get_attribute("data-status") == "failed"
    assert result.get_attribute("data-code") == "validation_error"
    row = page.locator("#import-errors tbody tr").first.inner_text()
    assert "2" in row and "工业投资不能为负数(现为-5亿元)" in row and "negative_value" in row
    # the refused upload comes back as 422 Unprocessable Entity, by design: Chromium logs that one
    dept.errors = [e for e in dept.errors if "status of 422 " not in e]
    dept.check("negative-refused")
