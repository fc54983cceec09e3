from __future__ import annotations

from django.db.models import Q
from pydantic import Field

from tiaodu.accounts.choices import Role
from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.permissions import NOTHING
from tiaodu.regions.models import Region
from tiaodu.regions.services import normalize_code


class UserFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="用户名或姓名包含")
    role: Role | None = Field(None, description="角色")
    region: str | None = Field(None, max_length=12, description="区划代码:该地区及其下级的用户")
    organization: int | None = Field(None, ge=1, le=2**62, description="所属单位编号")
    is_active: bool | None = Field(None, description="是否启用")

    def filter_q(self, value: str | None) -> Q:
        return Q(username__icontains=value) | Q(full_name__contains=value) if value else Q()

    def filter_region(self, value: str | None) -> Q:
        if not value:
            return Q()
        path = Region.objects.filter(code=normalize_code(value)).values_list("path", flat=True).first()
        return Q(region__path__startswith=path) if path else NOTHING

    def filter_organization(self, value: int | None) -> Q:
        return Q(organization_id=value) if value else Q()
