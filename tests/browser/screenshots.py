"""Regenerate the README screenshots: ``python tests/browser/screenshots.py``.

Starts the demo platform exactly like the browser tests (temporary SQLite, ``tiaodu demo``,
``tiaodu serve``), then saves docs/img/login.png and docs/img/dashboard.png (admin, 1280x800).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_support import REPO_DIR, launch_chromium, log_in, running_platform

OUT = REPO_DIR / "docs" / "img"


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with running_platform() as platform, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page = context.new_page()
        page.goto(platform.url("/accounts/login/"))
        page.screenshot(path=str(OUT / "login.png"))
        log_in(page, platform, "admin")
        page.locator("#dashboard-title").wait_for()
        page.screenshot(path=str(OUT / "dashboard.png"))
        browser.close()
    for name in ("login.png", "dashboard.png"):
        print(OUT / name)


if __name__ == "__main__":
    main()
