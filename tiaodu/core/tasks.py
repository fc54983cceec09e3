"""Background tasks (Django's task API via django-tasks). Modules add their own sweeps here.

``tiaodu housekeeping`` enqueues :func:`housekeeping`; a scheduler (cron, systemd timer) runs
that command daily, and ``tiaodu db_worker`` (started by ``tiaodu serve``) executes the task.
"""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tasks import task

from tiaodu.accounts.models import ApiToken


@task()
def housekeeping() -> dict[str, int]:
    """Remove expired sessions and stale failed-login counters; count tokens that have expired."""
    now = timezone.now()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    attempts, _ = AccessAttempt.objects.filter(
        attempt_time__lt=now - settings.AXES_COOLOFF_TIME - timedelta(days=1)
    ).delete()
    expired_tokens = ApiToken.objects.filter(revoked_at__isnull=True, expires_at__lt=now).count()
    return {"sessions_removed": sessions, "attempts_removed": attempts, "tokens_expired": expired_tokens}
