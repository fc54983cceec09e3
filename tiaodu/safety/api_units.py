"""/api/v1/safety/ endpoints of lane units (mounted by tiaodu/safety/api.py): the units (list,
detail, add, change) and the sectors with their checklists. Schema names start with Safety.

Lists and details start from ``Model.objects.restrict(user)``; writes go through
:mod:`tiaodu.safety.units`.
"""

from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Header, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.concurrency import parse_version
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.safety import reference, units
from tiaodu.safety.choices import TWO_LISTS_TWO_CARDS, HazardGrade, RiskLevel, UnitType
from tiaodu.safety.forms_units import UnitFilter, open_hazards
from tiaodu.safety.models import ChecklistItem, Sector, Unit

router = Router()

Id = Annotated[int, Field(ge=1, le=2**62)]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", description='读取时的版本号,如 "3";与请求体的 version 二选一,已被他人修改时返回409'
    ),
]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=9, decimal_places=6)]
Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=8, decimal_places=6)]


class SafetyUnitOut(Schema):
    id: int
    version: int
    name: str
    credit_code: str = Field(..., description="统一社会信用代码(无则为空)")
    district_code: str
    township_code: str
    township_name: str
    sector_id: int
    sector_code: str
    sector_name: str
    unit_type: str = Field(
        ..., description="单位类型:" + "、".join(f"{v} {label}" for v, label in UnitType.choices)
    )
    risk_level: str = Field(..., description="风险等级:major 重大、large 较大、general 一般、low 低")
    risk_colour: str = Field(..., description="风险颜色:red、orange、yellow、blue")
    address: str
    contact_name: str
    has_risk_list: bool
    has_duty_list: bool
    has_operation_card: bool
    has_emergency_card: bool
    longitude: float | None
    latitude: float | None
    enterprise_id: int | None = Field(None, description="企业名录中的企业编号")
    project_id: int | None = Field(None, description="建筑工地对应的重点项目编号")
    is_active: bool

    @staticmethod
    def resolve_district_code(obj: Unit) -> str:
        return str(obj.district.code)

    @staticmethod
    def resolve_township_code(obj: Unit) -> str:
        return str(obj.township.code)

    @staticmethod
    def resolve_township_name(obj: Unit) -> str:
        return str(obj.township.name)

    @staticmethod
    def resolve_sector_code(obj: Unit) -> str:
        return obj.sector.code

    @staticmethod
    def resolve_sector_name(obj: Unit) -> str:
        return obj.sector.name

    @staticmethod
    def resolve_risk_colour(obj: Unit) -> str:
        return obj.risk_colour


class SafetyUnitDetailOut(SafetyUnitOut):
    open_hazards: int = Field(..., description="未销号隐患数(本人可见)")
    open_major_hazards: int = Field(..., description="其中重大隐患数")


class SafetyUnitIn(Schema):
    name: str = Field(..., min_length=1, max_length=128)
    township: str = Field(..., max_length=64, description="所属镇街:9位区划代码或名称")
    sector: str = Field(..., max_length=32, description="行业领域:代码或名称")
    credit_code: str = Field("", max_length=18, description="统一社会信用代码;有则按此关联企业名录")
    unit_type: UnitType = UnitType.ENTERPRISE
    risk_level: RiskLevel = RiskLevel.LOW
    address: str = Field("", max_length=200)
    contact_name: str = Field("", max_length=32)
    has_risk_list: bool = False
    has_duty_list: bool = False
    has_operation_card: bool = False
    has_emergency_card: bool = False
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    project: str | None = Field(None, max_length=128, description="建筑工地对应的重点项目:项目代码或名称")
    is_active: bool = True


class SafetyUnitPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    township: str | None = Field(None, max_length=64, description="所属镇街:9位区划代码或名称(限本区县)")
    sector: str | None = Field(None, max_length=32, description="行业领域:代码或名称")
    credit_code: str | None = Field(None, max_length=18)
    unit_type: UnitType | None = None
    risk_level: RiskLevel | None = None
    address: str | None = Field(None, max_length=200)
    contact_name: str | None = Field(None, max_length=32)
    has_risk_list: bool | None = None
    has_duty_list: bool | None = None
    has_operation_card: bool | None = None
    has_emergency_card: bool | None = None
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    project: str | None = Field(None, max_length=128)
    is_active: bool | None = None
    version: int | None = Field(None, ge=1, le=2**31, description="读取时的版本号")


class SafetySectorOut(Schema):
    id: int
    district_code: str
    code: str
    name: str
    department_id: int | None = Field(None, description="监管部门编号(三管三必须)")
    department_name: str | None
    order: int
    is_active: bool
    item_count: int = Field(..., description="启用的检查项数")
    major_criterion_count: int = Field(..., description="其中重大事故隐患判定项数")

    @staticmethod
    def resolve_district_code(obj: Sector) -> str:
        return str(obj.region.code)

    @staticmethod
    def resolve_department_name(obj: Sector) -> str | None:
        return obj.department.name if obj.department else None

    @staticmethod
    def resolve_item_count(obj: Any) -> int:
        return int(getattr(obj, "item_count", 0))

    @staticmethod
    def resolve_major_criterion_count(obj: Any) -> int:
        return int(getattr(obj, "major_count", 0))


class SafetyChecklistItemOut(Schema):
    id: int
    code: str
    text: str
    basis: str
    is_major_criterion: bool = Field(..., description="重大事故隐患判定项:按此项发现的隐患即为重大隐患")
    order: int
    is_active: bool


class SafetySectorFilter(Schema):
    district: str | None = Field(None, max_length=12, description="区县代码,默认为本人所在区县")


# --- units ----------------------------------------------------------------------------------------


def _unit(request: HttpRequest, unit_id: int) -> Unit:
    return get_scoped(Unit, request.user, "view", pk=unit_id)


def _detail(request: HttpRequest, unit_id: int) -> Unit:
    user = current_user(request)
    unit = (
        Unit.objects.restrict(user)
        .select_related("district", "township", "sector")
        .filter(pk=unit_id)
        .first()
    )
    if unit is None:
        unit = _unit(request, unit_id)  # 404 (logged when it exists)
    counts = (
        open_hazards(user)
        .filter(unit=unit)
        .aggregate(n=Count("pk"), major=Count("pk", filter=Q(grade=HazardGrade.MAJOR)))
    )
    unit.open_hazards, unit.open_major_hazards = counts["n"], counts["major"]  # type: ignore[attr-defined]
    return unit


@router.get("/units", response={200: list[SafetyUnitOut], **READ_ERRORS}, summary="生产经营单位列表")
@paginate(PageNumber)
def list_units(request: HttpRequest, filters: Query[UnitFilter]) -> Any:
    qs = units.units_for(current_user(request)).select_related("district")
    return filters.filter(qs).order_by("township__code", "name", "pk")


@router.get(
    "/units/{unit_id}", response={200: SafetyUnitDetailOut, **READ_ERRORS}, summary="生产经营单位详情"
)
def unit_detail(request: HttpRequest, unit_id: Id) -> Any:
    return _detail(request, unit_id)


def _service_values(payload: dict[str, Any]) -> dict[str, Any]:
    values = dict(payload)
    for key in ("unit_type", "risk_level"):
        if values.get(key) is not None:
            values[key] = str(getattr(values[key], "value", values[key]))
    if "project" in values:
        values["project"] = values["project"] or None
    return values


@router.post("/units", response={201: SafetyUnitDetailOut, **ERRORS}, summary="登记生产经营单位")
def create_unit(request: HttpRequest, payload: SafetyUnitIn) -> Any:
    unit = units.create_unit(current_user(request), **_service_values(payload.dict()))
    return Status(201, _detail(request, unit.pk))


@router.patch("/units/{unit_id}", response={200: SafetyUnitDetailOut, **ERRORS}, summary="修改生产经营单位")
def update_unit(request: HttpRequest, unit_id: Id, payload: SafetyUnitPatch, if_match: IfMatch = None) -> Any:
    user = current_user(request)
    unit = _unit(request, unit_id)
    sent = {k: v for k, v in payload.dict().items() if k in payload.model_fields_set and k != "version"}
    for key in ("name", "township", "sector", "unit_type", "risk_level", *TWO_LISTS_TWO_CARDS, "is_active"):
        if key in sent and sent[key] is None:
            sent.pop(key)  # null: unchanged (these have no empty value)
    version = payload.version if payload.version is not None else parse_version(if_match)
    units.update_unit(user, unit.pk, version, **_service_values(sent))
    return _detail(request, unit.pk)


# --- sectors --------------------------------------------------------------------------------------


def _district(request: HttpRequest, code: str | None) -> Region:
    from tiaodu.core.errors import invalid
    from tiaodu.core.resolve import actor_district

    if code:
        found = Region.objects.filter(code=code, level=Level.COUNTY).first()
        if found is None:
            raise invalid("district", "district_unknown", f"区县“{code}”不存在")
        return found
    district = actor_district(request.user)
    if district is None:
        raise invalid("district", "district_unknown", "请指定区县")
    return reference.district_of(district)


@router.get("/sectors", response={200: list[SafetySectorOut], **READ_ERRORS}, summary="行业领域及其监管部门")
def list_sectors(request: HttpRequest, filters: Query[SafetySectorFilter]) -> Any:
    district = _district(request, filters.district)
    if not Sector.objects.filter(region=district).exists():
        reference.ensure_defaults(district)  # the district's default sectors, on first use
    return list(
        Sector.objects.restrict(current_user(request))
        .filter(region=district)
        .select_related("region", "department")
        .annotate(
            item_count=Count("items", filter=Q(items__is_active=True)),
            major_count=Count("items", filter=Q(items__is_active=True, items__is_major_criterion=True)),
        )
    )


@router.get(
    "/sectors/{sector_id}/checklist",
    response={200: list[SafetyChecklistItemOut], **READ_ERRORS},
    summary="行业检查表(含重大事故隐患判定项)",
)
def sector_checklist(request: HttpRequest, sector_id: Id, include_inactive: bool = False) -> Any:
    user = current_user(request)
    sector = get_scoped(Sector, user, "view", pk=sector_id)
    items = ChecklistItem.objects.restrict(user).filter(sector=sector)
    return list(items if include_inactive else items.filter(is_active=True))
