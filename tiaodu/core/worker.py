"""Background work that survives: a worker that waits out a locked database, and its supervisor.

- :class:`ResilientWorker` is django-tasks-db's worker loop, restarted in-process when the
  database is busy (SQLite "database is locked" after the busy timeout, PostgreSQL lock timeouts,
  deadlocks, a dropped connection): it logs, backs off (1 s doubling to 30 s) and carries on. The
  writes of a task's result are retried the same way, so a finished task is never left RUNNING or
  recorded as failed because the result could not be written at once.
- :class:`Beat` is a thread in the worker: once a minute it enqueues the scheduled tasks that are
  due (``core.tasks.enqueue_due``), and it stops the worker when its supervisor has gone.
- :class:`Supervisor` runs ``tiaodu worker`` as a child process, restarts it when it exits
  (backoff 1 s doubling to 60 s, back to 1 s after a minute of running) and stops it on
  :meth:`Supervisor.stop`. ``tiaodu serve`` uses it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections
from django.db.utils import InterfaceError, OperationalError
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("tiaodu.worker")
T = TypeVar("T")

# Messages of errors that go away by themselves: waiting and trying again is the cure.
TRANSIENT = (
    "is locked",  # SQLite: database is locked / database table is locked
    "lock timeout",  # PostgreSQL: canceling statement due to lock timeout
    "deadlock detected",
    "could not serialize access",
    "server closed the connection",
    "terminating connection",
    "connection to server",
    "could not connect",
    "the connection is closed",
    "connection already closed",
)
SUPERVISOR_ENV = "TIAODU_SUPERVISOR_PID"


def is_transient(exc: BaseException) -> bool:
    """Whether a database error is a busy or dropped database rather than a bug."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    text = str(exc).lower()
    return any(part in text for part in TRANSIENT)


def _reset_connections() -> None:
    for conn in connections.all(initialized_only=True):
        try:
            if conn.in_atomic_block:
                conn.needs_rollback = True
            else:
                conn.close()
        except Exception:  # a broken connection may fail to close; it is dropped anyway
            logger.debug("closing a broken connection failed", exc_info=True)


def retrying(
    fn: Callable[..., T], *, give_up_after: float = 600.0, first_delay: float = 0.5
) -> Callable[..., T]:
    """``fn`` retried while the database is busy (backoff up to 10 s), for ``give_up_after`` s."""

    def call(*args: Any, **kwargs: Any) -> T:
        deadline, delay = time.monotonic() + give_up_after, first_delay
        while True:
            try:
                return fn(*args, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                if not is_transient(exc) or time.monotonic() + delay > deadline:
                    raise
                logger.warning("database busy (%s); retrying in %.1f s", exc, delay)
                _reset_connections()
                time.sleep(delay)
                delay = min(delay * 2, 10.0)

    return call


class ResilientWorker(Worker):
    """django-tasks-db's worker, kept alive through a busy database."""

    max_backoff = 30.0

    def run(self) -> None:
        delay, failed_at = 1.0, 0.0
        while True:
            try:
                super().run()
                return  # --batch / --max-tasks finished, or a graceful shutdown
            except (OperationalError, InterfaceError) as exc:
                if not is_transient(exc):
                    raise
                if time.monotonic() - failed_at > 300:  # a new spell of trouble starts gently
                    delay = 1.0
                failed_at = time.monotonic()
                logger.warning("worker: database busy (%s); retrying in %.0f s", exc, delay)
                _reset_connections()
                self.startup_delay = False
                time.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
            if not self.running:
                return

    def run_task(self, db_task_result: DBTaskResult) -> None:
        # The result writes wait out a busy database instead of failing the task (or the worker).
        db_task_result.set_successful = retrying(db_task_result.set_successful)  # type: ignore[method-assign]
        db_task_result.set_failed = retrying(db_task_result.set_failed)  # type: ignore[method-assign]
        super().run_task(db_task_result)


class Beat(threading.Thread):
    """Enqueues the due scheduled tasks once a minute; ends the worker when its supervisor is gone."""

    def __init__(self, interval: float = 60.0, *, schedule: bool = True) -> None:
        super().__init__(name="tiaodu-beat", daemon=True)
        self.interval, self.schedule = interval, schedule
        self.supervisor = int(os.environ.get(SUPERVISOR_ENV, "0") or 0)
        self.stopped = threading.Event()

    def run(self) -> None:
        from tiaodu.core.tasks import enqueue_due

        next_beat = 0.0
        while not self.stopped.is_set():
            if self.supervisor and os.getppid() != self.supervisor:
                logger.warning("worker: supervisor %s has gone; stopping", self.supervisor)
                os.kill(os.getpid(), signal.SIGTERM)
                return
            if self.schedule and time.monotonic() >= next_beat:
                next_beat = time.monotonic() + self.interval
                try:
                    names = enqueue_due()
                    if names:
                        logger.info("scheduled tasks enqueued: %s", ", ".join(names))
                except (OperationalError, InterfaceError) as exc:
                    if not is_transient(exc):
                        logger.exception("enqueueing the scheduled tasks failed")
                    else:
                        logger.warning("beat: database busy (%s); trying again shortly", exc)
                    next_beat = time.monotonic() + 5.0
                except Exception:  # the beat outlives any failure; the next one retries
                    logger.exception("enqueueing the scheduled tasks failed")
                finally:
                    connections.close_all()
            self.stopped.wait(2.0)


class WorkerDied(RuntimeError):
    """The worker running a task ended before the task did (killed, out of memory, crashed)."""


def fail_abandoned(worker_id: str) -> int:
    """Mark the tasks a dead worker was running as failed; they would stay RUNNING for ever.

    Called by the worker the supervisor starts in its place (``--abandoned-by``). The run is
    reported like any other (``task_finished``), so a scheduled task's failure is recorded.
    """
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.compat import task_finished

    failed = 0
    for row in DBTaskResult.objects.filter(status="RUNNING"):
        if row.worker_ids and row.worker_ids[-1] == worker_id:
            retrying(row.set_failed)(WorkerDied(f"后台任务进程在执行该任务时退出(进程 {worker_id})"))
            task_finished.send(sender=DatabaseBackend, task_result=row.task_result)
            failed += 1
    return failed


def worker_command(interval: float = 5.0) -> list[str]:
    return [sys.executable, "-m", "tiaodu.cli", "worker", "--interval", str(interval), "--no-reload"]


class Supervisor:
    """Keeps one child process (the worker) running until :meth:`stop`."""

    def __init__(
        self,
        command: Sequence[str] | None = None,
        *,
        env: dict[str, str] | None = None,
        output: Any = None,
        max_backoff: float = 60.0,
        healthy_after: float = 60.0,
        poll: float = 0.5,
    ) -> None:
        self.command = list(command or worker_command())
        self.env, self.output = env, output  # output: a file for the worker's stdout and stderr
        self.max_backoff, self.healthy_after, self.poll = max_backoff, healthy_after, poll
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="tiaodu-supervisor", daemon=True)
        self.worker_id = ""

    def start(self) -> Supervisor:
        self._spawn()
        self._thread.start()
        return self

    def _spawn(self) -> None:
        env = dict(os.environ if self.env is None else self.env)
        env[SUPERVISOR_ENV] = str(os.getpid())
        # A known id per process: the next one fails the tasks this one leaves RUNNING if it dies.
        previous, self.worker_id = (
            self.worker_id,
            f"serve-{os.getpid()}-{self.restarts}-{uuid.uuid4().hex[:8]}",
        )
        command = [*self.command, "--worker-id", self.worker_id]
        if previous:
            command += ["--abandoned-by", previous]
        with self._lock:
            if self._stopping.is_set():
                return
            # Its own session: a Ctrl-C in the terminal reaches serve, which stops the worker itself.
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                command,
                env=env,
                start_new_session=True,
                stdout=self.output,
                stderr=subprocess.STDOUT if self.output is not None else None,
            )
            self.started_at = time.monotonic()
        logger.info("worker started (pid %s)", self.process.pid)

    def _watch(self) -> None:
        delay = 1.0
        while not self._stopping.wait(self.poll):
            process = self.process
            if process is None or process.poll() is None:
                continue
            if time.monotonic() - self.started_at > self.healthy_after:
                delay = 1.0
            # Under gunicorn the master may reap the child first: its status then reads as 0.
            logger.warning("worker exited with %s; restarting in %.0f s", process.returncode, delay)
            if self._stopping.wait(delay):
                return
            self.restarts += 1
            self._spawn()
            delay = min(delay * 2, self.max_backoff)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop supervising and end the worker (SIGTERM, then SIGKILL after ``timeout``)."""
        with self._lock:
            self._stopping.set()
            process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout)
