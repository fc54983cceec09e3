"""The lead list's filters, shared by the page, its export and the API list."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from pydantic import Field

from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.permissions import NOTHING
from tiaodu.investment.choices import DuplicateStatus, LeadStatus, Source
from tiaodu.regions.models import Region
from tiaodu.regions.services import normalize_code


class LeadFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="投资方或线索内容包含")
    status: LeadStatus | None = Field(None, description="状态:new、assigned、converted、duplicate、closed")
    duplicate_status: DuplicateStatus | None = Field(
        None, description="查重裁定:pending(待裁定)、confirmed、overruled"
    )
    source: Source | None = Field(None, description="来源")
    team: int | None = Field(None, ge=1, le=2**62, description="接收招商组编号")
    chain: int | None = Field(None, ge=1, le=2**62, description="产业链编号")
    township: str | None = Field(None, max_length=12, description="所属镇街区划代码")
    reported_from: date | None = Field(None, description="报送日期起")
    reported_to: date | None = Field(None, description="报送日期止")

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(investor_name__contains=value) | Q(content__contains=value)

    def filter_status(self, value: LeadStatus | None) -> Q:
        return Q(status=value) if value else Q()

    def filter_duplicate_status(self, value: DuplicateStatus | None) -> Q:
        return Q(duplicate_status=value) if value else Q()

    def filter_source(self, value: Source | None) -> Q:
        return Q(source=value) if value else Q()

    def filter_team(self, value: int | None) -> Q:
        return Q(team_id=value) if value else Q()

    def filter_chain(self, value: int | None) -> Q:
        return Q(chain_id=value) if value else Q()

    def filter_township(self, value: str | None) -> Q:
        if not value:
            return Q()
        path = Region.objects.filter(code=normalize_code(value)).values_list("path", flat=True).first()
        return Q(township__path__startswith=path) if path else NOTHING

    def filter_reported_from(self, value: date | None) -> Q:
        return Q(reported_on__gte=value) if value else Q()

    def filter_reported_to(self, value: date | None) -> Q:
        return Q(reported_on__lte=value) if value else Q()
