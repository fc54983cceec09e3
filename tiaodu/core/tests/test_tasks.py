"""Background tasks: housekeeping through the database backend (db_worker) and through RQ on Redis."""

from __future__ import annotations

import ast
import io
import os
import runpy
import signal
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus

from tiaodu.accounts.models import ApiToken
from tiaodu.accounts.services import create_token
from tiaodu.core import jobs
from tiaodu.core.models import ImportBatch, ImportStatus
from tiaodu.core.tasks import housekeeping

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
SIGNALS = [signal.SIGINT, signal.SIGTERM, *([signal.SIGQUIT] if hasattr(signal, "SIGQUIT") else [])]


@pytest.fixture
def keep_signal_handlers():
    """Workers install their own SIGINT/SIGTERM handlers; give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in SIGNALS}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def stale_data(users):
    """An expired and a live session, an old and a fresh failed-login counter, an expired token."""
    now = timezone.now()
    expired, live = SessionStore(), SessionStore()
    expired["who"], live["who"] = "gone", "here"
    expired.create()
    live.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=now - timedelta(hours=1))

    def attempt(username: str, age: timedelta) -> AccessAttempt:
        row = AccessAttempt.objects.create(
            username=username,
            ip_address="10.0.0.1",
            user_agent="pytest",
            get_data="",
            post_data="",
            http_accept="*/*",
            path_info="/accounts/login/",
            failures_since_start=3,
        )
        AccessAttempt.objects.filter(pk=row.pk).update(attempt_time=now - age)
        return row

    old_attempt = attempt("old-failures", settings.AXES_COOLOFF_TIME + timedelta(days=2))
    new_attempt = attempt("new-failures", timedelta(minutes=5))
    token = create_token(None, users["jxw"]).token
    ApiToken.objects.filter(pk=token.pk).update(expires_at=now - timedelta(days=1))
    # A web import whose worker died half an hour ago (no progress file: no heartbeat).
    dead_import = ImportBatch.objects.create(
        kind="enterprises",
        file_name="dead.xlsx",
        user=users["guxi"],
        status=ImportStatus.RUNNING,
        rows_total=500,
        started_at=now - timedelta(minutes=30),
    )
    # Its id may repeat an earlier test's batch (ids restart after a rollback): no heartbeat file.
    jobs.progress_path(dead_import.pk).unlink(missing_ok=True)
    return {
        "dead_import": dead_import.pk,
        "expired_session": expired.session_key,
        "live_session": live.session_key,
        "old_attempt": old_attempt.pk,
        "new_attempt": new_attempt.pk,
        "token": token.pk,
    }


def assert_cleaned(stale: dict, value: dict) -> None:
    assert set(value) == {
        "sessions_removed",
        "attempts_removed",
        "tokens_expired",
        "stale_imports_failed",
        "stale_jobs_failed",
        "expired_jobs_removed",
    }
    assert value["stale_imports_failed"] >= 1
    assert ImportBatch.objects.get(pk=stale["dead_import"]).code == "job_interrupted"
    assert value["sessions_removed"] >= 1
    assert value["attempts_removed"] >= 1
    assert value["tokens_expired"] >= 1
    assert not Session.objects.filter(session_key=stale["expired_session"]).exists()
    assert Session.objects.filter(session_key=stale["live_session"]).exists()
    assert not AccessAttempt.objects.filter(pk=stale["old_attempt"]).exists()
    assert AccessAttempt.objects.filter(pk=stale["new_attempt"]).exists()
    # Expired tokens are counted, never deleted: they stay visible (已过期) to their owner.
    assert ApiToken.objects.filter(pk=stale["token"]).exists()


# --- Configuration ---------------------------------------------------------------------------------


def test_database_backend_is_the_embedded_default(monkeypatch):
    monkeypatch.delenv("TIAODU_TASKS_BACKEND", raising=False)
    namespace = runpy.run_path(str(Path(settings.BASE_DIR) / "settings.py"))
    assert namespace["TASKS"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def test_rq_backend_is_one_setting_away(monkeypatch):
    monkeypatch.setenv("TIAODU_TASKS_BACKEND", "rq")
    monkeypatch.setenv("TIAODU_REDIS_URL", "redis://redis.example:6379/3")
    namespace = runpy.run_path(str(Path(settings.BASE_DIR) / "settings.py"))
    assert namespace["TASKS"]["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    assert namespace["RQ_QUEUES"]["default"]["URL"] == "redis://redis.example:6379/3"


def test_unknown_task_backend_is_refused(monkeypatch):
    monkeypatch.setenv("TIAODU_TASKS_BACKEND", "celery")
    with pytest.raises(ImproperlyConfigured, match="TIAODU_TASKS_BACKEND"):
        runpy.run_path(str(Path(settings.BASE_DIR) / "settings.py"))


# --- Database backend ------------------------------------------------------------------------------


def run_db_worker(monkeypatch) -> str:
    # The worker checks for stale connections between tasks; inside the test's transaction that
    # would drop the connection holding the test data, so it is a no-op here.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    out = io.StringIO()
    call_command(
        "db_worker",
        "--batch",
        "--no-startup-delay",
        "--interval",
        "0",
        "--worker-id",
        "pytest-worker",
        verbosity=0,
        stdout=out,
    )
    return out.getvalue()


@override_settings(TASKS=DB_TASKS)
def test_housekeeping_runs_in_db_worker(stale_data, monkeypatch, keep_signal_handlers):
    from django_tasks_db.models import DBTaskResult

    result = housekeeping.enqueue()
    assert result.status == TaskResultStatus.READY
    assert result.backend == "default"
    row = DBTaskResult.objects.get(id=result.id)
    assert row.task_path == "tiaodu.core.tasks.housekeeping"
    assert row.status == TaskResultStatus.READY
    # Nothing happens until a worker runs.
    assert Session.objects.filter(session_key=stale_data["expired_session"]).exists()

    run_db_worker(monkeypatch)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.is_finished
    assert result.errors == []
    assert result.worker_ids == ["pytest-worker"]
    assert result.finished_at is not None
    assert_cleaned(stale_data, result.return_value)
    stored = housekeeping.get_result(result.id)
    assert stored.status == TaskResultStatus.SUCCESSFUL
    assert stored.return_value == result.return_value


@override_settings(TASKS=DB_TASKS)
def test_housekeeping_command_enqueues_for_the_worker(stale_data, monkeypatch, keep_signal_handlers):
    out = io.StringIO()
    call_command("housekeeping", stdout=out)
    assert "已加入后台任务队列" in out.getvalue()
    result_id = out.getvalue().strip().rsplit(":", 1)[-1]
    assert housekeeping.get_result(result_id).status == TaskResultStatus.READY

    run_db_worker(monkeypatch)
    result = housekeeping.get_result(result_id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert_cleaned(stale_data, result.return_value)


@override_settings(TASKS=DB_TASKS)
def test_worker_with_empty_queue_exits(monkeypatch, keep_signal_handlers):
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()
    run_db_worker(monkeypatch)
    assert not DBTaskResult.objects.exists()


def test_housekeeping_now_runs_inline(stale_data):
    out = io.StringIO()
    call_command("housekeeping", "--now", stdout=out)
    assert_cleaned(stale_data, ast.literal_eval(out.getvalue().strip()))


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}})
def test_immediate_backend(stale_data):
    result = housekeeping.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert_cleaned(stale_data, result.return_value)


# --- RQ backend on the real Redis ------------------------------------------------------------------


@pytest.fixture
def redis_url():
    import redis

    url = settings.REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {url} is required in CI: {exc}")
        pytest.skip(f"Redis at {url} is not reachable: {exc}")
    return url


def test_housekeeping_runs_on_rq(redis_url, stale_data, keep_signal_handlers):
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    # A queue of our own, so a concurrent run or a real deployment on this Redis is not disturbed.
    queue_name = f"tiaodu-test-{uuid.uuid4().hex[:12]}"
    rq_tasks = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue_name]}}
    # django-tasks-rq fetches results through the "default" queue's connection.
    rq_queues = {"default": {"URL": redis_url}, queue_name: {"URL": redis_url}}
    with override_settings(TASKS=rq_tasks, RQ_QUEUES=rq_queues):
        queue = django_rq.get_queue(queue_name, job_class=Job)
        try:
            task = housekeeping.using(queue_name=queue_name)
            result = task.enqueue()
            assert result.status == TaskResultStatus.READY
            assert result.backend == "default"
            assert queue.count == 1
            assert task.get_result(result.id).status == TaskResultStatus.READY
            assert Session.objects.filter(session_key=stale_data["expired_session"]).exists()

            worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
            assert worker.work(burst=True, logging_level="WARNING") is True

            finished = task.get_result(result.id)
            assert finished.status == TaskResultStatus.SUCCESSFUL
            assert finished.errors == []
            assert finished.worker_ids == [worker.name]
            assert queue.count == 0
            assert_cleaned(stale_data, finished.return_value)
        finally:
            queue.empty()
            for registry in (queue.finished_job_registry, queue.failed_job_registry):
                for job_id in registry.get_job_ids():
                    registry.remove(job_id, delete_job=True)
            queue.delete(delete_jobs=True)
