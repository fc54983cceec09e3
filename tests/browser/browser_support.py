"""Start the real platform (``tiaodu demo`` + ``tiaodu serve``) and Debian's Chromium for browser work.

Shared by the browser tests (tests/browser/test_browser.py) and the screenshot script
(tests/browser/screenshots.py). No pytest in here.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[2]
# Debian's Chromium (installed by .ci/run); TIAODU_CHROMIUM points elsewhere if needed.
CHROMIUM = Path(os.environ.get("TIAODU_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@dataclass
class Platform:
    base_url: str
    password: str
    data_dir: Path
    log: Path

    def url(self, path: str) -> str:
        return self.base_url + path


def tiaodu_command() -> list[str]:
    """The ``tiaodu`` console script of the running interpreter's environment."""
    script = Path(sys.executable).parent / "tiaodu"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tiaodu.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def platform_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # A demo deployment of its own: embedded SQLite in a temporary data directory, plain HTTP.
    for name in ("TIAODU_HTTPS", "TIAODU_SECRET_KEY", "TIAODU_ALLOWED_HOSTS", "TIAODU_CSRF_TRUSTED_ORIGINS"):
        env.pop(name, None)
    env.update(
        TIAODU_ENV="demo",
        TIAODU_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="tiaodu.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


@contextmanager
def running_platform(timeout: float = 120.0, demo_timeout: float = 1200.0) -> Iterator[Platform]:
    """``tiaodu demo`` then ``tiaodu serve 127.0.0.1:PORT --no-worker``; stopped on exit. The full
    demo (every module) takes a few minutes on a loaded two-core machine: ``demo_timeout``."""
    data_dir = Path(tempfile.mkdtemp(prefix="tiaodu-browser-"))
    env = platform_env(data_dir)
    demo = subprocess.run(
        [*tiaodu_command(), "demo"],
        env=env,
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=demo_timeout,
    )
    if demo.returncode != 0:
        raise RuntimeError(f"tiaodu demo failed ({demo.returncode}):\n{demo.stdout}\n{demo.stderr}")
    match = re.search(r"演示密码[::]\s*(\S+)", demo.stdout)
    password = match.group(1) if match else (data_dir / "demo_password").read_text().strip()

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = data_dir / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [*tiaodu_command(), "serve", f"127.0.0.1:{port}", "--no-worker", "--workers", "2"],
            env=env,
            cwd=REPO_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn's workers go with it
        )
    try:
        wait_healthy(base_url, server, log, timeout)
        yield Platform(base_url=base_url, password=password, data_dir=data_dir, log=log)
    finally:
        stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)


def wait_healthy(base_url: str, server: subprocess.Popen[Any], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"tiaodu serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:  # noqa: S310 (local)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"tiaodu serve not healthy after {timeout}s:\n{log.read_text()}")


def stop(server: subprocess.Popen[Any]) -> None:
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def log_in(page: Any, platform: Platform, username: str, password: str | None = None) -> None:
    page.goto(platform.url("/accounts/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", platform.password if password is None else password)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
