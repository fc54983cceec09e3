"""Background tasks (Django's task API via django-tasks) and the daily schedule.

``tiaodu worker`` (started and supervised by ``tiaodu serve``) runs the queued tasks and, once a
minute, enqueues the scheduled tasks that are due (:func:`enqueue_due`): each runs once a day,
from its time of day on, also when the worker was down at that time. A row per task
(``audit.ScheduledTask``) marks the day it was last enqueued for, so several workers never
enqueue it twice. Each run is recorded (``audit.TaskRun``) and shown under 审计日志 → 后台任务.
``tiaodu housekeeping`` / ``tiaodu sweep --enqueue`` enqueue a run by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop
from django_tasks import task

from tiaodu.accounts.models import ApiToken


@task()
def housekeeping() -> dict[str, int]:
    """Remove expired sessions and stale failed-login counters; count tokens that have expired;
    fail imports and file jobs whose worker died; delete expired job results."""
    now = timezone.now()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    attempts, _ = AccessAttempt.objects.filter(
        attempt_time__lt=now - settings.AXES_COOLOFF_TIME - timedelta(days=1)
    ).delete()
    expired_tokens = ApiToken.objects.filter(revoked_at__isnull=True, expires_at__lt=now).count()
    # Imports whose worker died (or never started) are failed, so nobody waits on them for ever.
    from tiaodu.core.file_jobs import fail_stale_jobs, remove_expired_jobs
    from tiaodu.core.jobs import fail_stale_batches

    stale_imports = fail_stale_batches()
    # Bulletins and exports likewise; results past their keeping time go with their files.
    stale_jobs = fail_stale_jobs()
    expired_jobs = remove_expired_jobs()
    return {
        "sessions_removed": sessions,
        "attempts_removed": attempts,
        "tokens_expired": expired_tokens,
        "stale_imports_failed": stale_imports,
        "stale_jobs_failed": stale_jobs,
        "expired_jobs_removed": expired_jobs,
    }


@dataclass(frozen=True)
class Scheduled:
    """A task run once a day, from ``at`` (local time) on."""

    name: str  # stable key, stored in TaskRun.task and ScheduledTask.name
    task_path: str  # dotted path of the django-tasks Task
    at: time
    label: str  # Chinese, marked for translation (gettext at display)


SCHEDULE: tuple[Scheduled, ...] = (
    Scheduled("sweep", "tiaodu.cases.tasks.sweep_cards", time(1, 0), gettext_noop("红黄牌督办扫描")),
    Scheduled("housekeeping", "tiaodu.core.tasks.housekeeping", time(3, 0), gettext_noop("例行清理")),
    # 个人信息保护法: jobseekers past their district's retention period are anonymised.
    Scheduled(
        "pi-retention",
        "tiaodu.employment.tasks.anonymise_expired",
        time(3, 30),
        gettext_noop("个人信息到期匿名化"),
    ),
)
SWEEP = SCHEDULE[0]


def scheduled_entry(task_path: str) -> Scheduled | None:
    return next((entry for entry in SCHEDULE if entry.task_path == task_path), None)


def next_due(entry: Scheduled, last_scheduled_for: object, now: datetime | None = None) -> datetime:
    """When ``entry`` is next enqueued: today at its time, or tomorrow if today's run is queued."""
    local = timezone.localtime(now or timezone.now())
    day = local.date()
    if last_scheduled_for is not None and last_scheduled_for >= day:  # type: ignore[operator]
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, entry.at))


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue the scheduled tasks due now and not yet enqueued today; returns their names.

    The claim is a conditional UPDATE of the task's marker row in the same transaction as the
    enqueue: of several workers, exactly one moves the marker and enqueues.
    """
    from tiaodu.audit.models import ScheduledTask

    now = now or timezone.now()
    local = timezone.localtime(now)
    enqueued = []
    for entry in SCHEDULE:
        if local.time() < entry.at:
            continue
        marker, _ = ScheduledTask.objects.get_or_create(name=entry.name)
        if marker.scheduled_for is not None and marker.scheduled_for >= local.date():
            continue  # read first: no write lock taken once today's run is queued
        with transaction.atomic():
            claimed = (
                ScheduledTask.objects.filter(name=entry.name)
                .filter(Q(scheduled_for__isnull=True) | Q(scheduled_for__lt=local.date()))
                .update(scheduled_for=local.date(), enqueued_at=now)
            )
            if claimed:
                result = import_string(entry.task_path).enqueue()
                ScheduledTask.objects.filter(name=entry.name).update(result_id=str(result.id))
                enqueued.append(entry.name)
    return enqueued
