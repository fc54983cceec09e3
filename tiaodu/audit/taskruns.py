"""Runs of the scheduled background tasks: recorded when they finish, summarised for admins."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tiaodu.audit.models import ScheduledTask, TaskRun
from tiaodu.core.tasks import SCHEDULE, SWEEP, Scheduled, next_due, scheduled_entry
from tiaodu.core.worker import retrying

logger = logging.getLogger("tiaodu.worker")

# The sweep is daily: a warning once the last good run is older than a day (and an hour's grace).
SWEEP_LATE_AFTER = timedelta(hours=25)


def _summary(task_result: Any) -> str:
    if task_result.errors:
        error = task_result.errors[-1]
        last_line = error.traceback.strip().splitlines()[-1] if error.traceback.strip() else ""
        return last_line or error.exception_class_path
    value = task_result.return_value
    if isinstance(value, dict):
        from tiaodu.audit.display import pairs_text

        with translation.override(settings.LANGUAGE_CODE):
            return pairs_text(value)
    return "" if value is None else str(value)


def record_run(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """``task_finished`` receiver: one TaskRun per finished run of a scheduled task.

    It runs inside the worker's task handling, so it never raises: a failure here would mark a
    successful task as failed (or, after a failure, end the worker).
    """
    try:
        entry = scheduled_entry(task_result.task.module_path)
        if entry is None:
            return
        finished = task_result.finished_at or timezone.now()
        started = task_result.started_at or finished
        retrying(TaskRun.objects.create, give_up_after=120)(
            task=entry.name,
            result_id=str(task_result.id),
            started_at=started,
            finished_at=finished,
            duration=max((finished - started).total_seconds(), 0.0),
            ok=task_result.status == "SUCCESSFUL",
            message=_summary(task_result)[:2000],
        )
    except Exception:  # see the docstring
        logger.exception("recording the run of task %s failed", getattr(task_result, "id", "?"))


@dataclass
class TaskStatus:
    entry: Scheduled
    last: TaskRun | None
    last_ok: TaskRun | None
    next_due: datetime

    @property
    def label(self) -> str:
        return _(self.entry.label)

    @property
    def late(self) -> bool:
        """No successful run within a day (and an hour's grace)."""
        return self.last_ok is None or timezone.now() - self.last_ok.started_at > SWEEP_LATE_AFTER


def statuses(now: datetime | None = None) -> list[TaskStatus]:
    """Each scheduled task's last run, last successful run and next due time."""
    markers = dict(ScheduledTask.objects.values_list("name", "scheduled_for"))
    result = []
    for entry in SCHEDULE:
        runs = TaskRun.objects.filter(task=entry.name)
        result.append(
            TaskStatus(
                entry=entry,
                last=runs.first(),
                last_ok=runs.filter(ok=True).first(),
                next_due=next_due(entry, markers.get(entry.name), now),
            )
        )
    return result


def sweep_warning() -> str | None:
    """The workbench line for administrators when the daily sweep has not run for a day."""
    status = next(s for s in statuses() if s.entry is SWEEP)
    if not status.late:
        return None
    if status.last_ok is None:
        return _("红黄牌督办扫描尚未成功运行过,逾期诉求和项目不会挂牌;请检查后台任务进程")
    since = timezone.localtime(status.last_ok.started_at)
    return _("红黄牌督办扫描已超过一天未成功运行(上次成功:%(when)s);请检查后台任务进程") % {
        "when": f"{since:%Y-%m-%d %H:%M}"
    }
