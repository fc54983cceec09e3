"""Application-level append-only guard for the two log tables (the database has triggers too)."""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver

from tiaodu.audit.models import SecurityEvent


class AppendOnlyError(RuntimeError):
    pass


@receiver(pre_delete, sender=LogEntry)
@receiver(pre_delete, sender=SecurityEvent)
def refuse_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    raise AppendOnlyError(f"{sender.__name__} is append-only")


@receiver(pre_save, sender=LogEntry)
def refuse_update(sender: type, instance: Any, **kwargs: Any) -> None:
    if instance.pk is not None:
        raise AppendOnlyError("LogEntry is append-only")
