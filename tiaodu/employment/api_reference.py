"""API of the reference data (mounted at /api/v1/employment/). Lane A.

- ``GET /occupations?q=&level=``: the 职业分类大典 catalogue (paginated), searched by code, name
  or keyword;
- ``GET /occupations/propose?title=&text=``: the occupation a job title most likely means;
- ``GET /markets?township=``: the 赶场 rules the user sees (a township's, or all);
- ``GET /markets/days?from=&to=&township=``: the market days of the period, per township.

Every list starts from ``Model.objects.restrict(user)``.
"""

from datetime import date
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from tiaodu.core.api import READ_ERRORS, PageNumber
from tiaodu.core.errors import invalid
from tiaodu.core.http import current_user
from tiaodu.core.resolve import actor_district
from tiaodu.employment import markets, reference
from tiaodu.employment.choices import OccupationLevel
from tiaodu.employment.models import MarketRule, Occupation
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

router = Router()


class EmploymentOccupationOut(Schema):
    code: str = Field(..., description="职业编码,如 6-05-01-03")
    name: str
    level: int = Field(..., description="层级:1 大类、2 中类、3 小类、4 细类(职业)")
    parent_code: str = Field(..., description="上级编码(大类为空)")
    keywords: list[str] = Field(..., description="岗位名称中常见的说法")
    is_shipped: bool = Field(..., description="随平台提供(否则为导入)")

    @staticmethod
    def resolve_parent_code(obj: Occupation) -> str:
        return reference.parent_code(obj.code)

    @staticmethod
    def resolve_keywords(obj: Occupation) -> list[str]:
        return reference.split_keywords(obj.keywords)


class EmploymentOccupationFilter(Schema):
    q: str | None = Field(None, max_length=64, description="编码、名称或关键词包含")
    level: OccupationLevel | None = Field(None, description="层级:1 大类、2 中类、3 小类、4 细类")


class EmploymentProposeParams(Schema):
    title: str = Field(..., min_length=1, max_length=64, description="岗位名称")
    text: str = Field("", max_length=1000, description="岗位要求或工作经历等文字(可选)")


class EmploymentMarketParams(Schema):
    township: str | None = Field(None, max_length=64, description="镇街代码或名称")


class EmploymentMarketDaysParams(Schema):
    model_config = ConfigDict(populate_by_name=True)

    date_from: date = Field(..., alias="from", description="开始日期 YYYY-MM-DD")
    date_to: date = Field(..., alias="to", description="结束日期 YYYY-MM-DD(含),不超过一年")
    township: str | None = Field(None, max_length=64, description="镇街代码或名称")


class EmploymentOccupationProposal(Schema):
    title: str
    occupation: EmploymentOccupationOut | None = Field(None, description="推荐的职业;无匹配时为空")
    path: list[str] = Field(..., description="从大类到该职业的编码")


class EmploymentMarketRuleOut(Schema):
    id: int
    district_code: str
    township_code: str
    township_name: str
    place: str
    calendar: str = Field(..., description="历法:solar 公历、lunar 农历")
    digits: str = Field(..., description="逢几赶场:日期末位数字,如 147")
    label: str = Field(..., description="如“古溪镇 农历逢1、4、7”")

    @staticmethod
    def resolve_district_code(obj: MarketRule) -> str:
        return str(obj.district.code)

    @staticmethod
    def resolve_township_code(obj: MarketRule) -> str:
        return str(obj.township.code)

    @staticmethod
    def resolve_township_name(obj: MarketRule) -> str:
        return str(obj.township.name)

    @staticmethod
    def resolve_label(obj: MarketRule) -> str:
        return str(obj)


class EmploymentMarketDaysOut(Schema):
    township_code: str
    township_name: str
    days: list[date]


@router.get(
    "/occupations",
    response={200: list[EmploymentOccupationOut], **READ_ERRORS},
    summary="职业分类(职业分类大典2022年版)",
)
@paginate(PageNumber)
def list_occupations(request: HttpRequest, filters: Query[EmploymentOccupationFilter]) -> Any:
    qs = Occupation.objects.restrict(current_user(request))
    if filters.q:
        text = filters.q.strip()
        qs = qs.filter(Q(code__startswith=text) | Q(name__contains=text) | Q(keywords__contains=text))
    if filters.level is not None:
        qs = qs.filter(level=filters.level)
    return qs.order_by("code")


@router.get(
    "/occupations/propose",
    response={200: EmploymentOccupationProposal, **READ_ERRORS},
    summary="根据岗位名称推荐职业编码",
)
def propose_occupation(request: HttpRequest, params: Query[EmploymentProposeParams]) -> Any:
    current_user(request)
    found = reference.propose_occupation(params.title, params.text)
    return {
        "title": params.title,
        "occupation": found,
        "path": reference.ancestors(found.code) if found else [],
    }


def _township(request: HttpRequest, ref: str | None) -> Region | None:
    if not ref:
        return None
    found = Region.objects.filter(code=ref, level=Level.TOWNSHIP).first()
    if found is None:
        district = actor_district(current_user(request))
        found = Region.objects.filter(
            name=ref, level=Level.TOWNSHIP, path__startswith=district.path if district else ""
        ).first()
    if found is None:
        raise invalid("township", "township_unknown", f"镇街“{ref}”不存在")
    return found


@router.get("/markets", response={200: list[EmploymentMarketRuleOut], **READ_ERRORS}, summary="赶场规则")
def list_markets(request: HttpRequest, params: Query[EmploymentMarketParams]) -> Any:
    qs = MarketRule.objects.restrict(current_user(request)).select_related("district", "township")
    town = _township(request, params.township)
    if town is not None:
        qs = qs.filter(township=town)
    return list(qs.order_by("township__code", "place", "pk"))


@router.get(
    "/markets/days",
    response={200: list[EmploymentMarketDaysOut], **READ_ERRORS},
    summary="时间段内各镇街的赶场日",
)
def market_days(request: HttpRequest, params: Query[EmploymentMarketDaysParams]) -> Any:
    qs = MarketRule.objects.restrict(current_user(request)).select_related("township")
    town = _township(request, params.township)
    if town is not None:
        qs = qs.filter(township=town)
    by_town: dict[int, list[MarketRule]] = {}
    towns: dict[int, Region] = {}
    for rule in qs.order_by("township__code", "pk"):
        by_town.setdefault(rule.township_id, []).append(rule)
        towns[rule.township_id] = rule.township
    out = []
    days = list(markets.period(params.date_from, params.date_to))
    for pk, rules in by_town.items():
        found = [d for d in days if any(markets.is_market_day(r, d) for r in rules)]
        out.append({"township_code": towns[pk].code, "township_name": towns[pk].name, "days": found})
    return out
