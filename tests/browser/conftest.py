"""Browser-test fixtures: the real platform in a subprocess, Debian's Chromium through Playwright.

pytest-django's live_server is not used: its flush would wipe the demo data the rest of the
suite loads once per session. Instead ``tiaodu demo`` and ``tiaodu serve`` run against a
temporary SQLite database, exactly as an administrator would start them.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_support import CHROMIUM, REPO_DIR, Platform, launch_chromium, running_platform

ARTIFACTS = REPO_DIR / "test-artifacts"


def _unavailable(reason: str) -> None:
    if os.environ.get("TIAODU_REQUIRE_BROWSER") == "1":
        pytest.fail(f"TIAODU_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def playwright_api() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev dependency
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def chromium(playwright_api: Any) -> Iterator[Any]:
    browser = launch_chromium(playwright_api)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def platform(chromium: Any) -> Iterator[Platform]:
    """The running platform (started only once Chromium is known to be there)."""
    with running_platform() as running:
        yield running


class Browsing:
    """One browser context; every console error, page error and CSP violation is collected."""

    def __init__(self, browser: Any, platform: Platform, name: str) -> None:
        self.platform = platform
        self.name = name
        self.context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.expected_404: set[str] = set()
        self.shots = 0
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if "status of 404" in message.text and url in self.expected_404:
            return  # the document itself is the expected 404 page
        self.errors.append(f"console: {message.text} ({url})")

    def url(self, path: str) -> str:
        return self.platform.url(path)

    def check(self, label: str) -> None:
        """Screenshot the current page and fail on any console error since the last check."""
        self.shots += 1
        slug = re.sub(r"[^\w-]+", "-", label).strip("-")
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.shots:02d}-{slug}.png"), full_page=True)
        errors, self.errors = self.errors, []
        assert not errors, f"console errors on {label} ({self.page.url}):\n" + "\n".join(errors)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def browsing(chromium: Any, platform: Platform, request: pytest.FixtureRequest) -> Iterator[Any]:
    """``browsing()`` opens a fresh browser context (a separate session); all are checked at the end."""
    ARTIFACTS.mkdir(exist_ok=True)
    opened: list[Browsing] = []

    def open_context(suffix: str = "") -> Browsing:
        name = request.node.name.removeprefix("test_") + (f"-{suffix}" if suffix else "")
        opened.append(Browsing(chromium, platform, name))
        return opened[-1]

    yield open_context
    leftover = [f"{b.name}: {e}" for b in opened for e in b.errors]
    for b in opened:
        b.close()
    assert not leftover, "console errors:\n" + "\n".join(leftover)
