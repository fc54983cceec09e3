"""A large import in a real browser (ADR 0031): a 1,000-row enterprises file is uploaded by a town
user; the submit button is disabled at once, the page shows a progress bar while the import waits
for and runs in the background worker (``tiaodu db_worker``, started here: the harness serves with
``--no-worker``), then the same result as an inline import, with the count, and the history row.
No console error, no CSP violation.

Credit codes and names carry a time stamp, so the test does not depend on what the platform holds.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from browser_support import REPO_DIR, log_in, platform_env, tiaodu_command
from stdnum.cn import uscc

pytestmark = pytest.mark.browser

ROWS = 1000


def credit_code(stamp: int, n: int) -> str:
    base = f"91500152P{stamp:04d}{n:04d}"
    return base + uscc.calc_check_digit(base)


def test_large_import_shows_progress_then_result(browsing: Any, tmp_path: Path) -> None:
    stamp = int(time.time()) % 10_000
    lines = ["统一社会信用代码,企业名称,所属镇街,行业代码,规上企业"]
    lines += [f"{credit_code(stamp, n)},进度测试企业{stamp}-{n}有限公司,古溪镇,C1311,是" for n in range(ROWS)]
    path = tmp_path / "千行企业名录.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    town = browsing("town")
    page = town.page
    log_in(page, town.platform, "guxi")
    page.goto(town.url("/enterprises/import/enterprises/"))
    page.set_input_files("#id_file", str(path))

    # The button is disabled (with the busy text) as soon as the form is submitted.
    with page.expect_navigation(url="**/enterprises/import/enterprises/?batch=*"):
        state = page.evaluate(
            """() => new Promise((resolve) => {
                const button = document.querySelector("#import-form button[type=submit]");
                button.click();
                setTimeout(() => resolve([button.disabled, button.textContent]), 0);
            })"""
        )
    assert state == [True, "正在上传…"]

    # No worker yet: the import waits, with its progress bar.
    job = page.locator("#import-job")
    assert job.get_attribute("data-status") == "queued"
    assert page.locator("#import-progress").is_visible()
    assert page.locator("#import-rows-total").inner_text() == str(ROWS + 1)
    assert "可以离开本页" in job.inner_text()
    town.check("queued")

    worker = subprocess.Popen(
        [*tiaodu_command(), "db_worker", "--batch", "--no-startup-delay", "--interval", "0", "--no-reload"],
        env=platform_env(town.platform.data_dir),
        cwd=REPO_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # htmx polls the fragment every second and swaps in the result when the task is done.
        page.wait_for_selector("#import-result", timeout=180_000)
    finally:
        _out, err = worker.communicate(timeout=180)
    assert worker.returncode == 0, err
    result = page.locator("#import-result")
    assert result.get_attribute("data-status") == "succeeded", result.inner_text()
    assert page.locator("#import-counts [data-count=created]").inner_text() == str(ROWS)
    assert page.locator("#import-job").get_attribute("hx-trigger") is None
    town.check("finished")

    # The history lists it as done; its link opens the same result.
    page.goto(town.url("/enterprises/import/enterprises/"))
    history = page.locator("#import-history tbody tr").first
    assert "千行企业名录.csv" in history.inner_text() and "成功" in history.inner_text()
    with page.expect_navigation():
        history.locator("a").click()
    assert page.locator("#import-counts [data-count=created]").inner_text() == str(ROWS)
    town.check("history")
