from __future__ import annotations

from datetime import date

from django.db.models import Q
from pydantic import Field

from tiaodu.cases.choices import Card
from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.permissions import NOTHING
from tiaodu.regions.models import Region
from tiaodu.regions.services import normalize_code


class CaseFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="编号、标题或内容包含")
    workflow: str | None = Field(None, max_length=32, description="办理流程,如 appeal(企业诉求)")
    state: str | None = Field(None, max_length=32, description="状态代码")
    category: str | None = Field(None, max_length=32, description="类别代码")
    card: Card | None = Field(None, description="督办牌:none / yellow / red")
    township: str | None = Field(None, max_length=12, description="区划代码:该地区及其下级的事项")
    handling_org: int | None = Field(None, ge=1, le=2**62, description="责任部门编号")
    is_open: bool | None = Field(None, description="是否未办结")
    raised_from: date | None = Field(None, description="提出日期起(含)")
    raised_to: date | None = Field(None, description="提出日期止(含)")

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(number__contains=value) | Q(title__contains=value) | Q(description__contains=value)

    def filter_category(self, value: str | None) -> Q:
        return Q(category__code=value) if value else Q()

    def filter_township(self, value: str | None) -> Q:
        if not value:
            return Q()
        path = Region.objects.filter(code=normalize_code(value)).values_list("path", flat=True).first()
        return Q(region__path__startswith=path) if path else NOTHING

    def filter_handling_org(self, value: int | None) -> Q:
        return Q(handling_org_id=value) if value else Q()

    def filter_raised_from(self, value: date | None) -> Q:
        return Q(raised_on__gte=value) if value else Q()

    def filter_raised_to(self, value: date | None) -> Q:
        return Q(raised_on__lte=value) if value else Q()
