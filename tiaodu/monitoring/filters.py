from __future__ import annotations

from django.db.models import Q
from pydantic import Field

from tiaodu.core.filters import TextSafeFilterSchema


class FigureFilter(TextSafeFilterSchema):
    indicator: str | None = Field(None, max_length=32, description="指标代码")
    region: str | None = Field(None, max_length=12, description="地区代码")
    period: str | None = Field(None, max_length=16, description="期别代码,如 2022-M01-02")

    def filter_indicator(self, value: str | None) -> Q:
        return Q(indicator__code=value) if value else Q()

    def filter_region(self, value: str | None) -> Q:
        return Q(region__code=value) if value else Q()

    def filter_period(self, value: str | None) -> Q:
        return Q(period__key=value) if value else Q()


class IndicatorFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=32, description="指标名称或代码包含")

    def filter_q(self, value: str | None) -> Q:
        return Q(name__contains=value) | Q(code__contains=value) if value else Q()
