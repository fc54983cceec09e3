from datetime import datetime
from typing import Any

from auditlog.models import LogEntry
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from tiaodu.audit import services
from tiaodu.audit.filters import ChangeFilter, EventFilter
from tiaodu.audit.models import SecurityEvent
from tiaodu.core.api import READ_ERRORS, PageNumber
from tiaodu.core.errors import Forbidden

router = Router(tags=["审计日志"])


class FieldChangeOut(Schema):
    field: str
    before: str
    after: str


class ChangeOut(Schema):
    id: int
    timestamp: datetime
    action: str
    model: str
    object_id: str
    object_repr: str
    actor: str | None
    request_id: str | None
    remote_addr: str | None
    changes: list[FieldChangeOut]

    @staticmethod
    def resolve_timestamp(obj: LogEntry) -> datetime:
        return timezone.localtime(obj.timestamp)  # Beijing time, with its offset

    @staticmethod
    def resolve_action(obj: LogEntry) -> str:
        return str(services.ACTION_LABELS.get(obj.action, obj.action))

    @staticmethod
    def resolve_model(obj: LogEntry) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    @staticmethod
    def resolve_object_id(obj: LogEntry) -> str:
        return obj.object_pk

    @staticmethod
    def resolve_actor(obj: LogEntry) -> str | None:
        return obj.actor.username if obj.actor else None

    @staticmethod
    def resolve_request_id(obj: LogEntry) -> str | None:
        return obj.cid

    @staticmethod
    def resolve_changes(obj: LogEntry) -> list[dict[str, str]]:
        return [{"field": f, "before": b, "after": a} for f, b, a in services.describe_changes(obj)]


class EventOut(Schema):
    id: int
    created_at: datetime
    kind: str
    kind_label: str
    username: str
    ip: str | None
    path: str
    request_id: str
    detail: str

    @staticmethod
    def resolve_created_at(obj: SecurityEvent) -> datetime:
        return timezone.localtime(obj.created_at)

    @staticmethod
    def resolve_kind_label(obj: SecurityEvent) -> str:
        return str(obj.get_kind_display())


def object_changes(instance: models.Model) -> Any:
    """The change history of an object the caller has already been allowed to view."""
    return services.changes_for(instance).select_related("content_type")


def _require_auditor(request: HttpRequest) -> None:
    if not request.user.has_perm("audit.view_securityevent"):
        raise Forbidden(audit="view audit log")


@router.get("/changes", response={200: list[ChangeOut], **READ_ERRORS}, summary="变更记录(管理员)")
@paginate(PageNumber)
def list_changes(request: HttpRequest, filters: Query[ChangeFilter]) -> Any:
    _require_auditor(request)
    return filters.filter(services.all_changes())


@router.get("/events", response={200: list[EventOut], **READ_ERRORS}, summary="安全事件(管理员)")
@paginate(PageNumber)
def list_events(request: HttpRequest, filters: Query[EventFilter]) -> Any:
    _require_auditor(request)
    return filters.filter(SecurityEvent.objects.all())
