from __future__ import annotations

from django.db.models import Q
from pydantic import Field

from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.permissions import NOTHING
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.regions.services import normalize_code


class RegionFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="名称包含或代码开头")
    level: Level | None = Field(None, description="级别:0国家 1省 2市 3区县 4镇街")
    parent: str | None = Field(None, max_length=12, description="上级区划代码(直接下级)")
    within: str | None = Field(None, max_length=12, description="区划代码:返回其全部下级(含自身)")

    def filter_q(self, value: str | None) -> Q:
        return Q(name__contains=value) | Q(code__startswith=value) if value else Q()

    def filter_parent(self, value: str | None) -> Q:
        return Q(parent__code=normalize_code(value)) if value else Q()

    def filter_within(self, value: str | None) -> Q:
        if not value:
            return Q()
        path = Region.objects.filter(code=normalize_code(value)).values_list("path", flat=True).first()
        return Q(path__startswith=path) if path else NOTHING
