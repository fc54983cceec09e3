from __future__ import annotations

from django.db.models import Q
from pydantic import Field

from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.permissions import NOTHING
from tiaodu.monitoring.services import indicator_names, name_key
from tiaodu.regions.models import Region
from tiaodu.regions.services import normalize_code


class TargetFilter(TextSafeFilterSchema):
    """The targets list (page, export and API)."""

    year: int | None = Field(None, ge=2000, le=2100, description="年度")
    region: str | None = Field(None, max_length=12, description="区划代码:该地区及其所辖地区的目标")
    indicator: str | None = Field(None, max_length=64, description="指标代码或名称")
    responsible: int | None = Field(None, ge=1, le=2**62, description="责任单位编号")

    def filter_year(self, value: int | None) -> Q:
        return Q(year=value) if value else Q()

    def filter_region(self, value: str | None) -> Q:
        if not value:
            return Q()
        path = Region.objects.filter(code=normalize_code(value)).values_list("path", flat=True).first()
        return Q(region__path__startswith=path) if path else NOTHING

    def filter_indicator(self, value: str | None) -> Q:
        if not value:
            return Q()
        found = indicator_names().get(name_key(value))
        return Q(indicator=found) if found else NOTHING

    def filter_responsible(self, value: int | None) -> Q:
        return Q(responsible_id=value) if value else Q()
