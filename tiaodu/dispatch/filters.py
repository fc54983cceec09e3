from __future__ import annotations

from django.db.models import Q
from pydantic import Field

from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.dispatch.choices import PeriodKind, RoundState


class RoundFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=32, description="期次包含")
    period_kind: PeriodKind | None = Field(None, description="调度周期:week、xun、month")
    state: RoundState | None = Field(None, description="状态:open、closed")

    def filter_q(self, value: str | None) -> Q:
        return Q(period_label__contains=value) if value else Q()

    def filter_period_kind(self, value: PeriodKind | None) -> Q:
        return Q(period_kind=value) if value else Q()

    def filter_state(self, value: RoundState | None) -> Q:
        return Q(state=value) if value else Q()
