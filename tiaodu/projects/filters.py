from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from tiaodu.cases.choices import Card
from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.permissions import NOTHING
from tiaodu.projects.choices import Funding, ProjectKind, ProjectLevel, Stage
from tiaodu.projects.models import Milestone
from tiaodu.regions.models import Region
from tiaodu.regions.services import normalize_code

# The “五张清单” (five lists) as saved views of the project list: name → (title, filter).
FIVE_LISTS: dict[str, tuple[Any, Q]] = {
    "signed": (_("重点签约项目清单"), Q(stage=Stage.SIGNED)),
    "landed": (_("重点落地项目清单"), Q(stage=Stage.LANDED)),
    "building": (_("重点在建项目清单"), Q(stage__in=[Stage.STARTED, Stage.BUILDING])),
    "operating": (_("重点投产项目清单"), Q(stage__in=[Stage.OPERATING, Stage.FULL_PRODUCTION])),
    "intelligent": (_("重点智能化改造项目清单"), Q(is_intelligent_upgrade=True) & ~Q(stage=Stage.CANCELLED)),
}


class ProjectFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="项目名称或项目代码包含")
    stage: Stage | None = Field(None, description="阶段")
    level: ProjectLevel | None = Field(None, description="项目级别")
    kind: ProjectKind | None = Field(None, description="项目类型")
    township: str | None = Field(None, max_length=12, description="区划代码:该地区(镇街)的项目")
    squad: int | None = Field(None, ge=1, le=2**62, description="服务专班编号")
    responsible_unit: int | None = Field(None, ge=1, le=2**62, description="责任单位编号")
    funding: Funding | None = Field(None, description="资金来源")
    list: str | None = Field(
        None, max_length=16, description="五张清单:signed、landed、building、operating、intelligent"
    )
    card: str | None = Field(None, max_length=8, description="督办牌:red、yellow,或 any(红牌或黄牌)")
    late: bool | None = Field(None, description="有逾期未完成的倒排工期节点(计划日期早于今天)")

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(name__contains=value) | Q(code__contains=value)

    def filter_card(self, value: str | None) -> Q:
        if not value:
            return Q()
        if value == "any":
            return Q(card__in=(Card.RED, Card.YELLOW))
        return Q(card=value) if value in (Card.RED, Card.YELLOW, Card.NONE) else NOTHING

    def filter_late(self, value: bool | None) -> Q:
        if value is None:
            return Q()
        late = Milestone.objects.filter(actual_on__isnull=True, planned_on__lt=timezone.localdate())
        ids = Q(pk__in=late.values("project_id"))
        return ids if value else ~ids

    def filter_stage(self, value: Stage | None) -> Q:
        return Q(stage=value) if value else Q()

    def filter_level(self, value: ProjectLevel | None) -> Q:
        return Q(level=value) if value else Q()

    def filter_kind(self, value: ProjectKind | None) -> Q:
        return Q(kind=value) if value else Q()

    def filter_funding(self, value: Funding | None) -> Q:
        return Q(funding=value) if value else Q()

    def filter_township(self, value: str | None) -> Q:
        if not value:
            return Q()
        path = Region.objects.filter(code=normalize_code(value)).values_list("path", flat=True).first()
        return Q(township__path__startswith=path) if path else NOTHING

    def filter_squad(self, value: int | None) -> Q:
        return Q(squad_id=value) if value else Q()

    def filter_responsible_unit(self, value: int | None) -> Q:
        return Q(responsible_unit_id=value) if value else Q()

    def filter_list(self, value: str | None) -> Q:
        if not value:
            return Q()
        return FIVE_LISTS[value][1] if value in FIVE_LISTS else NOTHING
