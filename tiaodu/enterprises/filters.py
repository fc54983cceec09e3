from __future__ import annotations

from django.db.models import Q
from pydantic import Field

from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.permissions import NOTHING
from tiaodu.regions.models import Region
from tiaodu.regions.services import normalize_code


class EnterpriseFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="企业名称或统一社会信用代码包含")
    township: str | None = Field(None, max_length=12, description="区划代码:该地区(镇街)的企业")
    is_above_scale: bool | None = Field(None, description="规上企业")
    is_key: bool | None = Field(None, description="重点企业")
    is_specialized: bool | None = Field(None, description="专精特新")
    industry_code: str | None = Field(None, max_length=8, description="行业代码(前缀)")
    squad: int | None = Field(None, ge=1, le=2**62, description="服务专班编号")

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(name__contains=value) | Q(credit_code__contains=value.upper())

    def filter_township(self, value: str | None) -> Q:
        if not value:
            return Q()
        path = Region.objects.filter(code=normalize_code(value)).values_list("path", flat=True).first()
        return Q(township__path__startswith=path) if path else NOTHING

    def filter_industry_code(self, value: str | None) -> Q:
        return Q(industry_code__startswith=value.upper()) if value else Q()

    def filter_squad(self, value: int | None) -> Q:
        return Q(squad_id=value) if value else Q()
