"""List filters shared by the HTML lists, their exports and the API."""

from __future__ import annotations

from django.db.models import Q
from pydantic import Field

from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.monitoring.periods import parse_period
from tiaodu.reporting.choices import AlertState, RoundKind, RoundState, UnitKind


class ReportingRoundFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="报送任务名称包含")
    period_kind: RoundKind | None = Field(None, description="报送周期:week、xun、month")
    unit_kind: UnitKind | None = Field(None, description="报送单位类型:enterprise、department")
    state: RoundState | None = Field(None, description="状态:open、closed")

    def filter_q(self, value: str | None) -> Q:
        return Q(title__contains=value) if value else Q()

    def filter_period_kind(self, value: RoundKind | None) -> Q:
        return Q(period_kind=value) if value else Q()

    def filter_unit_kind(self, value: UnitKind | None) -> Q:
        return Q(unit_kind=value) if value else Q()

    def filter_state(self, value: RoundState | None) -> Q:
        return Q(state=value) if value else Q()


class OutputAlertFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="企业名称包含")
    state: AlertState | None = Field(None, description="状态:open、acknowledged、handled、cleared")
    period: str | None = Field(None, max_length=32, description="期别,如 2022年1-2月")

    def filter_q(self, value: str | None) -> Q:
        return Q(enterprise__name__contains=value) if value else Q()

    def filter_state(self, value: AlertState | None) -> Q:
        return Q(state=value) if value else Q()

    def filter_period(self, value: str | None) -> Q:
        # An unreadable period is a ServiceError (period_unknown): the list shows it, the API 422s.
        return Q(period__key=parse_period(value).key) if value else Q()
