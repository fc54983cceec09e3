from __future__ import annotations

from datetime import date

from django.db.models import Q
from pydantic import Field

from tiaodu.core.filters import TextSafeFilterSchema


class EventFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="活动名称包含")
    held_from: date | None = Field(None, description="活动日期起")
    held_to: date | None = Field(None, description="活动日期止")

    def filter_q(self, value: str | None) -> Q:
        return Q(name__contains=value) if value else Q()

    def filter_held_from(self, value: date | None) -> Q:
        return Q(held_on__gte=value) if value else Q()

    def filter_held_to(self, value: date | None) -> Q:
        return Q(held_on__lte=value) if value else Q()
