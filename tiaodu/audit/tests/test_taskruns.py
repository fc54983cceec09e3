"""Scheduled tasks: enqueued once a day by the worker's beat, their runs recorded and shown to admins."""

from __future__ import annotations

import signal
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tiaodu.audit.models import ScheduledTask, TaskRun
from tiaodu.audit.taskruns import statuses, sweep_warning
from tiaodu.core.tasks import enqueue_due
from tiaodu.core.worker import ResilientWorker

pytestmark = pytest.mark.django_db
SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]


def at(day: str, clock: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(f"{day}T{clock}"))


def queued(path: str) -> int:
    return DBTaskResult.objects.filter(task_path=path, status="READY").count()


SWEEP_PATH, HOUSEKEEPING_PATH = "tiaodu.cases.tasks.sweep_cards", "tiaodu.core.tasks.housekeeping"


@pytest.fixture
def run_worker(monkeypatch):
    """Run the resilient worker in-process over the queue (batch mode), restoring the signals."""
    saved = {sig: signal.getsignal(sig) for sig in SIGNALS}
    # Inside the test's transaction the worker must not drop the connection holding the data.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)

    def run() -> None:
        ResilientWorker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="pytest",
            excluded_queue_names=[],
        ).run()

    yield run
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_each_scheduled_task_is_enqueued_once_a_day_from_its_time_on() -> None:
    DBTaskResult.objects.all().delete()
    assert enqueue_due(at("2026-12-07", "00:30")) == []  # before the sweep's 01:00
    assert enqueue_due(at("2026-12-07", "01:00")) == ["sweep"]
    assert enqueue_due(at("2026-12-07", "01:01")) == []  # a second worker's beat: nothing twice
    assert enqueue_due(at("2026-12-07", "02:59")) == []
    assert enqueue_due(at("2026-12-07", "03:00")) == ["housekeeping"]
    assert enqueue_due(at("2026-12-07", "09:15")) == ["pi-retention"]  # late start: caught up
    assert (queued(SWEEP_PATH), queued(HOUSEKEEPING_PATH)) == (1, 1)
    marker = ScheduledTask.objects.get(name="sweep")
    assert marker.scheduled_for.isoformat() == "2026-12-07"  # type: ignore[union-attr]
    assert DBTaskResult.objects.get(task_path=SWEEP_PATH).id.hex == marker.result_id.replace("-", "")
    # The worker was down all of the 8th: on the 9th each task runs once, not twice.
    assert enqueue_due(at("2026-12-09", "23:00")) == ["sweep", "housekeeping", "pi-retention"]
    assert (queued(SWEEP_PATH), queued(HOUSEKEEPING_PATH)) == (2, 2)


def test_next_due(settings) -> None:
    enqueue_due(at("2026-12-07", "01:30"))
    due = {s.entry.name: timezone.localtime(s.next_due) for s in statuses(at("2026-12-07", "01:30"))}
    assert due["sweep"] == at("2026-12-08", "01:00")  # today's is queued
    assert due["housekeeping"] == at("2026-12-07", "03:00")


def test_the_worker_records_each_run_of_a_scheduled_task(run_worker, monkeypatch) -> None:
    from tiaodu.cases.tasks import sweep_cards
    from tiaodu.core.tasks import housekeeping

    DBTaskResult.objects.all().delete()
    ok = sweep_cards.enqueue()
    run_worker()
    run = TaskRun.objects.get(task="sweep")
    assert (run.ok, run.result_id) == (True, str(ok.id))
    assert run.message.startswith("黄牌: ") and ";红牌: " in run.message and ";摘牌: " in run.message
    assert run.finished_at >= run.started_at and run.duration >= 0

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("盘点失败")

    monkeypatch.setattr("tiaodu.core.tasks.Session.objects.filter", broken)
    failed = housekeeping.enqueue()
    run_worker()
    run = TaskRun.objects.get(task="housekeeping")
    assert (run.ok, run.result_id, run.message) == (False, str(failed.id), "RuntimeError: 盘点失败")
    assert DBTaskResult.objects.get(id=failed.id).status == "FAILED"
    last = {s.entry.name: s for s in statuses()}
    assert last["sweep"].last == last["sweep"].last_ok == TaskRun.objects.get(task="sweep")
    assert last["housekeeping"].last_ok is None and last["housekeeping"].last.ok is False  # type: ignore[union-attr]


def run_of(task: str, hours_ago: float, ok: bool = True) -> TaskRun:
    started = timezone.now() - timedelta(hours=hours_ago)
    return TaskRun.objects.create(
        task=task, started_at=started, finished_at=started + timedelta(seconds=2), duration=2.0, ok=ok
    )


def test_the_tasks_page_is_for_administrators(client_for, users) -> None:
    run_of("sweep", 3)
    run_of("housekeeping", 1, ok=False).__class__.objects.filter(task="housekeeping").update(
        message="OperationalError: database is locked"
    )
    page = client_for(users["admin"]).get("/audit/tasks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-task="sweep"' in html and "红黄牌督办扫描" in html and "例行清理" in html
    assert "OperationalError: database is locked" in html
    assert 'href="/audit/tasks/"' in html  # the menu entry and the tab
    for name in ("leader", "jxw", "qiye"):
        assert client_for(users[name]).get("/audit/tasks/").status_code == 403


def test_the_workbench_warns_administrators_when_the_sweep_is_late(client_for, users) -> None:
    assert sweep_warning() == "红黄牌督办扫描尚未成功运行过,逾期诉求和项目不会挂牌;请检查后台任务进程"
    home = client_for(users["admin"]).get("/").content.decode()
    assert "红黄牌督办扫描尚未成功运行过" in home
    # The workbench line (its label, a danger badge) opens the task page.
    line = home[home.index('td-wb-link" href="/audit/tasks/"') :][:400]
    assert "后台任务异常" in line and "text-bg-danger" in line

    last_good = run_of("sweep", 26)
    run_of("sweep", 2, ok=False)  # a failed run is no run
    when = timezone.localtime(last_good.started_at).strftime("%Y-%m-%d %H:%M")
    assert sweep_warning() == f"红黄牌督办扫描已超过一天未成功运行(上次成功:{when});请检查后台任务进程"
    assert "已超过一天未成功运行" in client_for(users["admin"]).get("/").content.decode()
    assert "红黄牌督办扫描" not in client_for(users["leader"]).get("/").content.decode()

    run_of("sweep", 20)
    assert sweep_warning() is None
    assert "查看后台任务" not in client_for(users["admin"]).get("/").content.decode()
