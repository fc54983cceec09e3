from __future__ import annotations

from datetime import date

from django.db.models import Q
from pydantic import Field

from tiaodu.audit.choices import EventKind
from tiaodu.core.filters import TextSafeFilterSchema


class ChangeFilter(TextSafeFilterSchema):
    model: str | None = Field(None, max_length=64, description="对象类型,例如 orgs.organization")
    object_id: str | None = Field(None, max_length=64, description="对象编号")
    actor: str | None = Field(None, max_length=150, description="操作人用户名")
    date_from: date | None = Field(None, description="起始日期(含)")
    date_to: date | None = Field(None, description="截止日期(含)")

    def filter_model(self, value: str | None) -> Q:
        if not value or "." not in value:
            return Q() if not value else Q(pk__in=[])
        app_label, model = value.lower().split(".", 1)
        return Q(content_type__app_label=app_label, content_type__model=model)

    def filter_object_id(self, value: str | None) -> Q:
        return Q(object_pk=value) if value else Q()

    def filter_actor(self, value: str | None) -> Q:
        return Q(actor__username=value) if value else Q()

    def filter_date_from(self, value: date | None) -> Q:
        return Q(timestamp__date__gte=value) if value else Q()

    def filter_date_to(self, value: date | None) -> Q:
        return Q(timestamp__date__lte=value) if value else Q()


class EventFilter(TextSafeFilterSchema):
    kind: EventKind | None = Field(None, description="事件类型")
    username: str | None = Field(None, max_length=150, description="用户名")
    date_from: date | None = Field(None, description="起始日期(含)")
    date_to: date | None = Field(None, description="截止日期(含)")

    def filter_kind(self, value: str | None) -> Q:
        return Q(kind=value) if value else Q()

    def filter_username(self, value: str | None) -> Q:
        return Q(username=value) if value else Q()

    def filter_date_from(self, value: date | None) -> Q:
        return Q(created_at__date__gte=value) if value else Q()

    def filter_date_to(self, value: date | None) -> Q:
        return Q(created_at__date__lte=value) if value else Q()
