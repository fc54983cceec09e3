"""The background worker survives: killed, it is restarted; a locked database does not end it.

These run real processes on a temporary SQLite file (whatever DATABASE_URL the suite uses): the
supervisor that ``tiaodu serve`` uses, the ``tiaodu worker`` it starts, and ``tiaodu housekeeping``
to enqueue. The waits are functional (poll until done, bounded), not speed assertions.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django_tasks import task

from tiaodu.core.worker import Supervisor, is_transient, worker_command

WAIT = 120.0  # seconds: generous, the machine may be busy; a healthy run takes a few

# The processes here always use their own SQLite file, so the suite's PostgreSQL pass would only
# repeat the SQLite pass's run of this module (two minutes) unchanged.
pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs its own SQLite processes: already covered by the SQLite pass",
)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: Any) -> Path:
    base = tmp_path_factory.mktemp("worker-base")
    env = environment(base, base / "base.sqlite3")
    subprocess.run([sys.executable, "-m", "tiaodu.cli", "migrate", "-v0"], env=env, check=True, timeout=600)
    return base / "base.sqlite3"


def environment(data_dir: Path, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(TIAODU_DATA_DIR=str(data_dir), DATABASE_URL=f"sqlite:///{db}", TIAODU_TASKS_BACKEND="database")
    env["TIAODU_SQLITE_BUSY_TIMEOUT"] = "2"  # meet the lock sooner than the default 20 s
    return env


@pytest.fixture
def deployment(migrated_sqlite: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    db = tmp_path / "tiaodu.sqlite3"
    shutil.copy(migrated_sqlite, db)
    shutil.copy(migrated_sqlite.parent / "secret_key", tmp_path / "secret_key")
    return db, environment(tmp_path, db)


@task()
def linger(seconds: float) -> None:
    """A task that is still running when the test kills its worker."""
    time.sleep(seconds)


LINGER = "from tiaodu.core.tests.test_worker import linger; print(':', linger.enqueue(600).id)"


def enqueue(env: dict[str, str], code: str = "") -> str:
    """Enqueue housekeeping (``tiaodu housekeeping``), or what ``code`` enqueues; the task id."""
    command = ["shell", "-c", code] if code else ["housekeeping"]
    done = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "tiaodu.cli", *command],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    return done.stdout.strip().rsplit(":", 1)[-1].strip()


def status(db: Path, task_id: str) -> str | None:
    with sqlite3.connect(db, timeout=30) as conn:
        row = conn.execute(
            "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = ?", (uuid.UUID(task_id).hex,)
        ).fetchone()
    return row[0] if row else None


def wait_for(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {WAIT:.0f} s")
        time.sleep(0.2)


def supervise(env: dict[str, str], log: Path) -> Supervisor:
    command = [*worker_command(interval=0.5), "--no-startup-delay", "--no-schedule"]
    return Supervisor(command, env=env, output=log.open("ab"), max_backoff=2.0).start()


def test_a_killed_worker_is_restarted_and_the_next_task_runs(deployment: Any, tmp_path: Path) -> None:
    db, env = deployment
    supervisor = supervise(env, tmp_path / "worker.log")
    try:
        running = enqueue(env, LINGER)
        wait_for(lambda: status(db, running) == "RUNNING", "the worker taking the task")
        killed = supervisor.process
        assert killed is not None
        os.kill(killed.pid, signal.SIGKILL)
        # the count goes up just before the new process is spawned: wait for both
        wait_for(lambda: supervisor.restarts == 1 and supervisor.process is not killed, "the restart")
        assert killed.poll() == -signal.SIGKILL
        # The worker started in its place fails the task the dead one left RUNNING.
        wait_for(lambda: status(db, running) == "FAILED", "the abandoned task marked failed")
        with sqlite3.connect(db) as conn:
            (error,) = conn.execute(
                "SELECT exception_class_path FROM django_tasks_database_dbtaskresult WHERE id = ?",
                (uuid.UUID(running).hex,),
            ).fetchone()
        assert error == "tiaodu.core.worker.WorkerDied"
        second = enqueue(env)
        wait_for(lambda: status(db, second) == "SUCCESSFUL", "the task after the kill")
    finally:
        supervisor.stop()
    assert supervisor.process is not None and supervisor.process.poll() is not None  # stopped with serve
    assert supervisor.restarts == 1


def test_a_locked_database_does_not_end_the_worker(deployment: Any, tmp_path: Path) -> None:
    db, env = deployment
    task = enqueue(env)
    log = tmp_path / "worker.log"
    # Another process holds the write lock (as a long import does) before the worker starts.
    holder = sqlite3.connect(db, timeout=30, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE django_session SET expire_date = expire_date")
    supervisor = supervise(env, log)
    try:
        # The worker's claim outwaits SQLite's busy timeout and fails: it must log and carry on.
        wait_for(lambda: b"database is locked" in log.read_bytes(), "the worker meeting the lock")
        assert status(db, task) == "READY"
        pid = supervisor.process.pid  # type: ignore[union-attr]
        holder.execute("COMMIT")
        wait_for(lambda: status(db, task) == "SUCCESSFUL", "the task after the lock is released")
        assert supervisor.restarts == 0 and supervisor.process.pid == pid  # type: ignore[union-attr]
        assert supervisor.process.poll() is None  # type: ignore[union-attr]
    finally:
        holder.close()
        supervisor.stop()
    text = log.read_text()
    assert "worker: database busy (database is locked); retrying in 1 s" in text
    assert "Traceback" not in text


def test_transient_database_errors() -> None:
    from django.db.utils import IntegrityError, OperationalError

    assert is_transient(OperationalError("database is locked"))
    assert is_transient(OperationalError("canceling statement due to lock timeout"))
    assert is_transient(OperationalError("deadlock detected"))
    assert not is_transient(OperationalError("no such table: cases_case"))
    assert not is_transient(IntegrityError("database is locked"))
