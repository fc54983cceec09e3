"""The pipeline's list filters (HTML list, board, exports and API share them) and what a viewer
may see of a project (商业秘密: a town user sees the stage of the projects it reported, never
their amounts, notes or follow-ups)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q
from pydantic import Field

from tiaodu.core.errors import FieldError, InvalidInput
from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.permissions import NOTHING
from tiaodu.investment.choices import DuplicateStatus, FollowLevel, Source, Stage
from tiaodu.investment.models import ROLES_WITH_SECRETS, FocusArea, InvestmentProject
from tiaodu.regions.models import Region

# What a town user does not see besides the model's ``confidential`` fields: the card (hung for
# missing follow-ups) and the notes of the stage history.
CONFIDENTIAL_EXTRA = ("card", "stage_note")
CONFIDENTIAL = frozenset((*InvestmentProject.confidential, *CONFIDENTIAL_EXTRA))


def hidden_fields(user: Any) -> frozenset[str]:
    """The project fields ``user`` must not see: none for the roles that work the pipeline,
    :data:`CONFIDENTIAL` for everyone else (town users)."""
    if getattr(user, "is_superuser", False) or getattr(user, "role", None) in ROLES_WITH_SECRETS:
        return frozenset()
    return CONFIDENTIAL


def sees(user: Any, field: str) -> bool:
    return field not in hidden_fields(user)


def visible_fields(user: Any, fields: Any) -> list[str]:
    """``fields`` without those hidden from ``user`` (in their order)."""
    hidden = hidden_fields(user)
    return [f for f in fields if f not in hidden]


class InvestmentProjectFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="项目名称或投资方包含")
    stage: Stage | None = Field(None, description="阶段")
    chain: int | None = Field(None, ge=1, le=2**62, description="产业链编号(重点产业含其下各链)")
    team: int | None = Field(None, ge=1, le=2**62, description="招商组编号")
    source: Source | None = Field(None, description="来源")
    origin: str | None = Field(None, max_length=12, description="投资方所在地:区划代码(含下级)")
    focus_area: int | None = Field(None, ge=1, le=2**62, description="重点区域编号:投资方在该区域内")
    amount_min: Decimal | None = Field(
        None, ge=0, le=Decimal("999999999999"), description="投资额下限(万元;已签约按协议投资额)"
    )
    amount_max: Decimal | None = Field(
        None, ge=0, le=Decimal("999999999999"), description="投资额上限(万元;已签约按协议投资额)"
    )
    follow_level: FollowLevel | None = Field(None, description="跟进级别")
    is_key: bool | None = Field(None, description="重点项目")
    card: str | None = Field(None, max_length=8, description="督办牌:red、yellow,或 any(红黄牌)")
    duplicate: DuplicateStatus | None = Field(None, description="查重裁定状态:pending、confirmed、overruled")

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(name__contains=value) | Q(investor_name__contains=value)

    def filter_stage(self, value: Stage | None) -> Q:
        return Q(stage=value) if value else Q()

    def filter_chain(self, value: int | None) -> Q:
        return Q(chain_id=value) | Q(chain__parent_id=value) if value else Q()

    def filter_team(self, value: int | None) -> Q:
        return Q(team_id=value) if value else Q()

    def filter_source(self, value: Source | None) -> Q:
        return Q(source=value) if value else Q()

    def filter_origin(self, value: str | None) -> Q:
        if not value:
            return Q()
        from tiaodu.regions.services import normalize_code

        path = Region.objects.filter(code=normalize_code(value)).values_list("path", flat=True).first()
        return Q(investor_region__path__startswith=path) if path else NOTHING

    def filter_focus_area(self, value: int | None) -> Q:
        if not value:
            return Q()
        area = FocusArea.objects.filter(pk=value).first()
        if area is None:
            return NOTHING
        q = NOTHING
        for path in Region.objects.filter(code__in=area.region_codes or []).values_list("path", flat=True):
            q |= Q(investor_region__path__startswith=path)
        return q & Q(region_id=area.region_id)

    def filter_amount_min(self, value: Decimal | None) -> Q:
        if value is None:
            return Q()
        return Q(agreed_investment__gte=value) | Q(
            agreed_investment__isnull=True, planned_investment__gte=value
        )

    def filter_amount_max(self, value: Decimal | None) -> Q:
        if value is None:
            return Q()
        return Q(agreed_investment__lte=value) | Q(
            agreed_investment__isnull=True, planned_investment__lte=value
        )

    def filter_follow_level(self, value: FollowLevel | None) -> Q:
        return Q(follow_level=value) if value else Q()

    def filter_is_key(self, value: bool | None) -> Q:
        return Q() if value is None else Q(is_key=value)

    def filter_card(self, value: str | None) -> Q:
        if not value:
            return Q()
        if value == "any":
            return Q(card__in=("red", "yellow"))
        return Q(card=value) if value in ("red", "yellow") else NOTHING

    def filter_duplicate(self, value: DuplicateStatus | None) -> Q:
        return Q(duplicate_status=value) if value else Q()


class TownProjectFilter(InvestmentProjectFilter):
    """The filters of a viewer who may not see amounts or cards: those filters are refused
    (filtering by an amount range would reveal the amounts)."""

    def filter_amount_min(self, value: Decimal | None) -> Q:
        return _refused("amount_min", value)

    def filter_amount_max(self, value: Decimal | None) -> Q:
        return _refused("amount_max", value)

    def filter_card(self, value: str | None) -> Q:
        return _refused("card", value)


def _refused(field: str, value: Any) -> Q:
    if value is None or value == "":
        return Q()
    message = "镇街用户不能按投资额或督办牌筛选招商项目"
    raise InvalidInput([FieldError(field, "confidential_filter", message)], message)


def filter_for(user: Any) -> type[InvestmentProjectFilter]:
    """The filter schema for ``user``: :class:`TownProjectFilter` when amounts are hidden."""
    return TownProjectFilter if hidden_fields(user) else InvestmentProjectFilter
