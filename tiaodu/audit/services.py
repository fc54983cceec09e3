"""Writing and reading the two audit layers: object changes (auditlog) and security events.
How they read (labels, values, Beijing time, 系统) is :mod:`tiaodu.audit.display`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditlog.models import LogEntry
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from openpyxl import Workbook
from openpyxl.styles import Font

from tiaodu.audit.choices import EventKind
from tiaodu.audit.display import (
    ACTION_LABELS,
    Formatter,
    action_label,
    actor_label,
    describe_changes,
    local_time,
    model_label,
)
from tiaodu.audit.models import SecurityEvent
from tiaodu.core import exports
from tiaodu.core.middleware import current_request, current_request_id


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address from the trusted proxy chain (``TIAODU_FORWARDED_ALLOW_IPS``), never
    the spoofable leftmost ``X-Forwarded-For`` entry."""
    from tiaodu.core.http import client_address

    return client_address(request) if request is not None else None


def mask_value(value: Any) -> str:
    """What the change log shows instead of a secret (password hash, token hash)."""
    return "******"


def record_event(
    kind: EventKind,
    *,
    user: Any = None,
    username: str = "",
    detail: str = "",
    request: HttpRequest | None = None,
) -> SecurityEvent:
    request = request or current_request()
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=username or (user.username if user is not None else ""),
        ip=client_ip(request),
        user_agent=(request.headers.get("User-Agent", "")[:255] if request is not None else ""),
        path=(request.get_full_path()[:255] if request is not None else ""),
        request_id=current_request_id() or "",
        detail=detail[:2000],
    )


def record_permission_denied(user: Any, detail: str) -> SecurityEvent:
    return record_event(EventKind.PERMISSION_DENIED, user=user, detail=detail)


def changes_for(instance: models.Model) -> QuerySet[LogEntry]:
    """The change history (变更记录) of one object, newest first."""
    return LogEntry.objects.get_for_object(instance).select_related("actor").order_by("-timestamp", "-pk")


def changes_for_model(model: type[models.Model]) -> QuerySet[LogEntry]:
    return LogEntry.objects.get_for_model(model).select_related("actor", "content_type")


def all_changes() -> QuerySet[LogEntry]:
    return LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")


def changes_workbook(entries: Iterable[LogEntry]) -> bytes:
    """The change log as an xlsx workbook: one row per changed field (cells through the
    formula-safe writer: object names and values are user data)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "变更记录"
    header = ["时间", "操作人", "操作", "对象类型", "对象", "字段", "修改前", "修改后", "请求编号", "IP地址"]
    exports.append(ws, header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    formatter = Formatter()
    for entry in entries:
        base = [
            local_time(entry.timestamp),
            actor_label(entry),
            action_label(entry),
            model_label(entry.content_type),
            entry.object_repr,
        ]
        rows = formatter.rows(entry) or [("", "", "")]
        for field_label, before, after in rows:
            exports.append(ws, [*base, field_label, before, after, entry.cid or "", entry.remote_addr or ""])
    for column, width in zip("ABCDEFGHIJ", (20, 16, 8, 12, 28, 16, 28, 28, 34, 16), strict=True):
        ws.column_dimensions[column].width = width
    return exports.workbook_bytes(wb)


__all__ = [
    "ACTION_LABELS",
    "all_changes",
    "changes_for",
    "changes_for_model",
    "changes_workbook",
    "client_ip",
    "describe_changes",
    "mask_value",
    "model_label",
    "record_event",
    "record_permission_denied",
]
