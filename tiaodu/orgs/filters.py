from __future__ import annotations

from django.db.models import Q
from pydantic import Field

from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.permissions import NOTHING
from tiaodu.orgs.choices import OrgKind
from tiaodu.regions.models import Region
from tiaodu.regions.services import normalize_code


class OrganizationFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="名称、简称或机构代码包含")
    kind: OrgKind | None = Field(None, description="类型")
    region: str | None = Field(None, max_length=12, description="区划代码:该地区及其下级的机构")
    parent: int | None = Field(None, ge=1, le=2**62, description="上级机构编号")
    is_active: bool | None = Field(None, description="是否启用")

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(name__contains=value) | Q(short_name__contains=value) | Q(code__contains=value)

    def filter_region(self, value: str | None) -> Q:
        if not value:
            return Q()
        path = Region.objects.filter(code=normalize_code(value)).values_list("path", flat=True).first()
        return Q(region__in=Region.objects.filter(path__startswith=path).values("pk")) if path else NOTHING

    def filter_parent(self, value: int | None) -> Q:
        return Q(parent_id=value) if value else Q()
