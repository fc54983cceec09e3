"""/api/v1/investment/libraries: the 企业库, 资源库 and 政策库 (mounted by tiaodu/investment/api.py).

Lists and details start from :func:`tiaodu.investment.libraries.rows` (the models' scope plus the
district's rows for the district's users); a list is of one district, ``?district=CODE`` or by
default the caller's own. Policies are public documents: any caller reads any district's.
"""

from datetime import date
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from tiaodu.core.api import READ_ERRORS, PageNumber
from tiaodu.core.http import current_user
from tiaodu.investment import libraries
from tiaodu.investment.forms_libraries import PolicyFilter, ResourceFilter, TargetFilter
from tiaodu.investment.models import Policy, Resource, TargetCompany

router = Router(tags=["招商引资"])

Id = Annotated[int, Field(ge=1, le=2**62)]


def _of_district(request: HttpRequest, qs: QuerySet[Any], code: str | None) -> QuerySet[Any]:
    """The caller's district unless the filter names one (the filter applies it)."""
    return qs if code else qs.filter(region=libraries.district_for(request.user))


class TargetCompanyOut(Schema):
    id: int
    district_code: str
    name: str = Field(..., description="企业名称")
    credit_code: str = Field(..., description="统一社会信用代码(境外或未注册企业可为空)")
    kind: str = Field(..., description="类别:fortune500、china500、chain_leader、listed、other")
    home_region_code: str | None = Field(None, description="总部所在地区划代码")
    home_region_name: str | None
    chain_id: int | None
    chain_name: str | None
    industry_code: str
    team_id: int | None
    team_name: str | None
    enterprise_id: int | None = Field(None, description="已在区内注册时:企业库中的企业编号")
    description: str

    @staticmethod
    def resolve_district_code(obj: TargetCompany) -> str:
        return str(obj.region.code)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_name(obj: TargetCompany) -> str:
        return obj.investor_name

    @staticmethod
    def resolve_credit_code(obj: TargetCompany) -> str:
        return obj.investor_credit_code

    @staticmethod
    def resolve_home_region_code(obj: TargetCompany) -> str | None:
        return obj.home_region.code if obj.home_region else None

    @staticmethod
    def resolve_home_region_name(obj: TargetCompany) -> str | None:
        return obj.home_region.name if obj.home_region else None

    @staticmethod
    def resolve_chain_name(obj: TargetCompany) -> str | None:
        return obj.chain.name if obj.chain else None

    @staticmethod
    def resolve_team_name(obj: TargetCompany) -> str | None:
        return obj.team.name if obj.team else None


class ResourceOut(Schema):
    id: int
    district_code: str
    kind: str = Field(..., description="类型:land 土地、factory 标准厂房")
    name: str
    township_code: str | None
    township_name: str | None
    location: str
    longitude: float | None
    latitude: float | None
    area_mu: float | None = Field(None, description="面积(亩)")
    floor_area: float | None = Field(None, description="建筑面积(平方米)")
    price: float | None
    price_unit: str
    zoning: str
    available_from: date | None
    status: str = Field(
        ..., description="状态:available 可供、reserved 意向锁定、taken 已落地、withdrawn 撤回"
    )
    project_id: int | None
    notes: str

    @staticmethod
    def resolve_district_code(obj: Resource) -> str:
        return str(obj.region.code)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_township_code(obj: Resource) -> str | None:
        return obj.township.code if obj.township else None

    @staticmethod
    def resolve_township_name(obj: Resource) -> str | None:
        return obj.township.name if obj.township else None


class ClauseOut(Schema):
    number: str
    text: str


class PolicyOut(Schema):
    id: int
    district_code: str
    title: str
    issuer: str
    doc_number: str
    issued_on: date | None
    valid_from: date | None
    valid_until: date | None
    industry_ids: list[int] = Field(..., description="适用产业链编号;空表示不限")
    industry_codes: list[str] = Field(..., description="适用行业代码;空表示不限")
    sizes: list[str] = Field(..., description="适用企业规模:large、medium、small、micro;空表示不限")
    summary: str
    is_active: bool

    @staticmethod
    def resolve_district_code(obj: Policy) -> str:
        return str(obj.region.code)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_industry_ids(obj: Policy) -> list[int]:
        return [c.pk for c in obj.industries.all()]

    @staticmethod
    def resolve_industry_codes(obj: Policy) -> list[str]:
        return [c for c in obj.industry_codes.split(",") if c]


class PolicyDetailOut(PolicyOut):
    clauses: list[ClauseOut]

    @staticmethod
    def resolve_clauses(obj: Policy) -> list[dict[str, str]]:
        return [{"number": c.number, "text": c.text} for c in obj.clauses.order_by("order", "pk")]


@router.get("/targets", response={200: list[TargetCompanyOut], **READ_ERRORS}, summary="企业库(目标企业)列表")
@paginate(PageNumber)
def list_targets(request: HttpRequest, filters: Query[TargetFilter]) -> Any:
    qs = libraries.rows(TargetCompany, current_user(request)).select_related(
        "region", "home_region", "chain", "team"
    )
    return filters.filter(_of_district(request, qs, filters.district)).order_by("investor_name", "pk")


@router.get("/targets/{target_id}", response={200: TargetCompanyOut, **READ_ERRORS}, summary="目标企业详情")
def target_detail(request: HttpRequest, target_id: Id) -> Any:
    return libraries.get_row(TargetCompany, current_user(request), pk=target_id)


@router.get(
    "/resources", response={200: list[ResourceOut], **READ_ERRORS}, summary="资源库(土地、标准厂房)列表"
)
@paginate(PageNumber)
def list_resources(request: HttpRequest, filters: Query[ResourceFilter]) -> Any:
    qs = libraries.rows(Resource, current_user(request)).select_related("region", "township")
    return filters.filter(_of_district(request, qs, filters.district)).order_by("kind", "name", "pk")


@router.get("/resources/{resource_id}", response={200: ResourceOut, **READ_ERRORS}, summary="载体资源详情")
def resource_detail(request: HttpRequest, resource_id: Id) -> Any:
    return libraries.get_row(Resource, current_user(request), pk=resource_id)


@router.get(
    "/policies",
    response={200: list[PolicyOut], **READ_ERRORS},
    summary="政策库列表(可按产业链、行业、规模、有效日期检索)",
)
@paginate(PageNumber)
def list_policies(request: HttpRequest, filters: Query[PolicyFilter]) -> Any:
    qs = libraries.rows(Policy, current_user(request)).select_related("region").prefetch_related("industries")
    return filters.filter(_of_district(request, qs, filters.district)).order_by("-issued_on", "title", "pk")


@router.get(
    "/policies/{policy_id}", response={200: PolicyDetailOut, **READ_ERRORS}, summary="政策详情(含条款)"
)
def policy_detail(request: HttpRequest, policy_id: Id) -> Any:
    return libraries.get_row(Policy, current_user(request), pk=policy_id)
