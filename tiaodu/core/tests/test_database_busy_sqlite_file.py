"""The issue's own setting: a real SQLite file whose write lock another process holds.

(The suite's in-memory database is a shared cache, where a lock shows at once; a file waits for
``busy_timeout``.) Before: /healthz said ok and a login failed with a 500 after the connection's
20 s busy timeout. Now: both answer 503 database_busy, after the request's lock limit.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs its own SQLite process: already covered by the SQLite pass",
)

SCRIPT = """
import json, time
import django
django.setup()
from django.test import Client
out = {}
for name, call in [
    ("healthz", lambda c: c.get("/healthz")),
    ("login", lambda c: c.post("/accounts/login/", {"username": "someone", "password": "wrong-pass"})),
]:
    started = time.monotonic()
    response = call(Client(raise_request_exception=False))
    out[name] = {
        "status": response.status_code,
        "seconds": time.monotonic() - started,
        "body": response.content.decode()[:3000],
    }
print("RESULT" + json.dumps(out))
"""


def environment(data_dir: Path, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        TIAODU_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{db}",
        DJANGO_SETTINGS_MODULE="tiaodu.settings",
        TIAODU_DB_LOCK_TIMEOUT="2",
    )
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: Any) -> tuple[Path, dict[str, str]]:
    base = tmp_path_factory.mktemp("busy-file")
    db = base / "tiaodu.sqlite3"
    env = environment(base, db)
    subprocess.run([sys.executable, "-m", "tiaodu.cli", "migrate", "-v0"], env=env, check=True, timeout=600)
    return db, env


def run(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=settings.REPO_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT")), None)
    assert line, done.stdout + done.stderr
    return json.loads(line[len("RESULT") :])


def test_unlocked_file_is_healthy(migrated):
    _, env = migrated
    result = run(env)
    assert result["healthz"]["status"] == 200, result["healthz"]
    assert result["login"]["status"] == 200  # the form again, "用户名或密码不正确"


def test_locked_file_answers_503_after_the_request_limit(migrated):
    db, env = migrated
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("DELETE FROM django_session")
        started = time.monotonic()
        result = run(env)
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    health = result["healthz"]
    assert health["status"] == 503, health  # before: 200 {"status": "ok"}
    body = json.loads(health["body"])
    assert body["code"] == "database_busy"
    login = result["login"]
    assert login["status"] == 503, login["body"][:500]  # before: 500 after 20 s
    assert 'data-code="database_busy"' in login["body"]
    assert "系统繁忙" in login["body"]
    assert 1.5 < login["seconds"] < 10  # waited the request's 2 s, not the connection's 20 s
    assert elapsed < 60
