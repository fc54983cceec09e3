"""/api/v1/safety/ endpoints of enforcement documents, the accident register and the accident-free
run (lane enforcement; mounted by tiaodu/safety/api.py). Schema names start with Safety.

Lists and details start from ``EnforcementDocument.objects.restrict(user)`` /
``Accident.objects.restrict(user)``; related rows named by id are looked up through the caller's
scope; writes go through :mod:`tiaodu.safety.enforcement` and :mod:`tiaodu.safety.accidents`. An
accident's grade is computed from its casualties and loss (条例第三条); it is never accepted.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.cases.api import related
from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.errors import Forbidden, invalid
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can, get_scoped
from tiaodu.core.resolve import Resolver, actor_district
from tiaodu.orgs.models import Organization
from tiaodu.safety import accidents as accident_services
from tiaodu.safety import enforcement
from tiaodu.safety.choices import DocumentKind, PenaltyKind
from tiaodu.safety.forms_enforcement import AccidentFilter, DocumentFilter
from tiaodu.safety.models import Accident, EnforcementDocument, Inspection, PenaltyItem, Sector, Unit

router = Router()

Id = Annotated[int, Field(ge=1, le=2**62)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), max_digits=14, decimal_places=2)]
Loss = Annotated[Decimal, Field(ge=0, le=Decimal("9999999999.99"), max_digits=12, decimal_places=2)]
DOCUMENT_RELATED = ("unit", "township", "district", "sector", "department", "inspection")
ACCIDENT_RELATED = ("unit", "township", "district", "sector")


# --- schemas --------------------------------------------------------------------------------------


class SafetyPenaltyOut(Schema):
    kind: str = Field(
        ..., description="处罚种类:" + "、".join(f"{v}({label})" for v, label in PenaltyKind.choices)
    )
    kind_label: str
    amount: float | None = Field(..., description="金额(元),仅罚款、没收违法所得")

    @staticmethod
    def resolve_kind_label(obj: PenaltyItem) -> str:
        return str(obj.get_kind_display())


class SafetyDocumentOut(Schema):
    id: int
    kind: str = Field(
        ...,
        description="文书种类:order(责令限期整改指令书)、review(整改复查意见书)、decision(行政处罚决定书)",
    )
    kind_label: str
    number: str = Field(..., description="文号(本区县内唯一)")
    district_code: str
    township_code: str
    township_name: str
    unit_id: int
    unit_name: str
    unit_credit_code: str
    sector_id: int
    sector_name: str
    department_id: int
    department_name: str
    inspection_id: int | None
    inspection_number: str | None
    issued_on: date
    penalties: list[SafetyPenaltyOut]
    fine_total: float = Field(..., description="罚款合计(元)")
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj: EnforcementDocument) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_district_code(obj: EnforcementDocument) -> str:
        return obj.district.code

    @staticmethod
    def resolve_township_code(obj: EnforcementDocument) -> str:
        return obj.township.code

    @staticmethod
    def resolve_township_name(obj: EnforcementDocument) -> str:
        return obj.township.name

    @staticmethod
    def resolve_unit_name(obj: EnforcementDocument) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_unit_credit_code(obj: EnforcementDocument) -> str:
        return obj.unit.credit_code

    @staticmethod
    def resolve_sector_name(obj: EnforcementDocument) -> str:
        return obj.sector.name

    @staticmethod
    def resolve_department_name(obj: EnforcementDocument) -> str:
        return obj.department.name

    @staticmethod
    def resolve_inspection_number(obj: EnforcementDocument) -> str | None:
        return obj.inspection.number if obj.inspection else None

    @staticmethod
    def resolve_penalties(obj: EnforcementDocument) -> list[PenaltyItem]:
        return list(obj.penalties.all())

    @staticmethod
    def resolve_fine_total(obj: EnforcementDocument) -> float:
        return float(enforcement.fine_total(obj))


class SafetyDocumentDetailOut(SafetyDocumentOut):
    content: str


class SafetyPenaltyIn(Schema):
    kind: str = Field(..., min_length=1, max_length=32, description="处罚种类:代码(fine)或名称(罚款)")
    amount: Money | None = Field(None, description="金额(元),罚款、没收违法所得必填,其他种类不填")


class SafetyDocumentIn(Schema):
    kind: DocumentKind = Field(..., description="文书种类")
    number: str = Field(..., min_length=1, max_length=64, description="文号(本区县内唯一)")
    unit_id: Id = Field(..., description="当事单位编号")
    department_id: Id | None = Field(None, description="执法部门编号;默认本人所在单位")
    issued_on: date = Field(..., description="文书日期")
    inspection_id: Id | None = Field(None, description="检查记录编号")
    content: str = Field("", max_length=5000, description="主要内容")
    penalties: list[SafetyPenaltyIn] = Field(
        default_factory=list, max_length=7, description="处罚种类(仅行政处罚决定书,至少一种)"
    )


class SafetyAccidentOut(Schema):
    id: int
    occurred_on: date
    district_code: str
    township_code: str
    township_name: str
    unit_id: int | None = Field(..., description="登记单位编号(未登记单位为 null)")
    unit_name: str
    sector_id: int
    sector_name: str
    deaths: int
    serious_injuries: int = Field(..., description="重伤人数(含急性工业中毒)")
    direct_loss: float = Field(..., description="直接经济损失(万元)")
    grade: str = Field(..., description="事故等级(按条例第三条计算):general、larger、major、extraordinary")
    grade_label: str
    summary: str
    created_at: datetime

    @staticmethod
    def resolve_district_code(obj: Accident) -> str:
        return obj.district.code

    @staticmethod
    def resolve_township_code(obj: Accident) -> str:
        return obj.township.code

    @staticmethod
    def resolve_township_name(obj: Accident) -> str:
        return obj.township.name

    @staticmethod
    def resolve_sector_name(obj: Accident) -> str:
        return obj.sector.name

    @staticmethod
    def resolve_grade_label(obj: Accident) -> str:
        return str(obj.get_grade_display())


class SafetyAccidentIn(Schema):
    occurred_on: date = Field(..., description="发生日期")
    township: str | None = Field(
        None, max_length=64, description="所属镇街:区划代码或名称(本区县优先);默认登记单位的镇街"
    )
    unit_id: Id | None = Field(None, description="登记单位编号(未登记单位不填,填写 unit_name)")
    unit_name: str = Field("", max_length=128, description="单位名称;默认登记单位的名称")
    sector_id: Id | None = Field(None, description="行业领域编号;默认登记单位的行业领域")
    deaths: Count = Field(0, description="死亡人数")
    serious_injuries: Count = Field(0, description="重伤人数(含急性工业中毒)")
    direct_loss: Loss = Field(Decimal(0), description="直接经济损失(万元)")
    summary: str = Field("", max_length=5000, description="事故简况")


class SafetyAccidentFreeRunOut(Schema):
    district_code: str
    district_name: str
    as_of: date
    months: int = Field(..., description="连续未发生较大及以上事故的整月数(含 as_of 所在月)")
    since: date = Field(..., description="本轮起算月的第一天")
    last_serious_id: int | None = Field(..., description="上一起较大及以上事故(无则为 null)")
    last_serious_on: date | None
    text: str = Field(..., description="如“连续69个月未发生较大及以上事故”")


# --- documents ------------------------------------------------------------------------------------


def _may_see(request: HttpRequest, model: Any) -> None:
    if not can(request.user, "view", model):
        raise Forbidden(audit=f"view {model._meta.label_lower}")


def _documents(request: HttpRequest) -> Any:
    return (
        EnforcementDocument.objects.restrict(request.user)
        .select_related(*DOCUMENT_RELATED)
        .prefetch_related(Prefetch("penalties", queryset=PenaltyItem.objects.order_by("pk")))
    )


def _document(request: HttpRequest, pk: int) -> EnforcementDocument:
    found: EnforcementDocument | None = _documents(request).filter(pk=pk).first()
    return found or get_scoped(EnforcementDocument, request.user, pk=pk)


@router.get("/documents", response={200: list[SafetyDocumentOut], **READ_ERRORS}, summary="执法文书列表")
@paginate(PageNumber)
def list_documents(request: HttpRequest, filters: Query[DocumentFilter]) -> Any:
    _may_see(request, EnforcementDocument)
    return filters.filter(_documents(request)).order_by("-issued_on", "-pk")


@router.post(
    "/documents", response={201: SafetyDocumentDetailOut, **ERRORS}, summary="录入执法文书(含处罚种类)"
)
def create_document(request: HttpRequest, payload: SafetyDocumentIn) -> Any:
    user = current_user(request)
    if not can(user, "add", EnforcementDocument):
        raise Forbidden(audit="add safety.enforcementdocument")
    unit = related(Unit, payload.unit_id, "unit_id", "单位不存在", user)
    department = related(Organization, payload.department_id, "department_id", "执法部门不存在", user)
    document = enforcement.create_document(
        user,
        kind=payload.kind.value,
        number=payload.number,
        unit=unit,
        department=department or user.organization,
        issued_on=payload.issued_on,
        inspection=related(Inspection, payload.inspection_id, "inspection_id", "检查记录不存在", user),
        content=payload.content,
        penalties=[(p.kind, p.amount) for p in payload.penalties],
    )
    return Status(201, _document(request, document.pk))


@router.get(
    "/documents/{document_id}", response={200: SafetyDocumentDetailOut, **READ_ERRORS}, summary="执法文书详情"
)
def get_document(request: HttpRequest, document_id: int) -> Any:
    return _document(request, document_id)


# --- accidents ------------------------------------------------------------------------------------


def _accidents(request: HttpRequest) -> Any:
    return Accident.objects.restrict(request.user).select_related(*ACCIDENT_RELATED)


def _accident(request: HttpRequest, pk: int) -> Accident:
    found: Accident | None = _accidents(request).filter(pk=pk).first()
    return found or get_scoped(Accident, request.user, pk=pk)


@router.get("/accidents", response={200: list[SafetyAccidentOut], **READ_ERRORS}, summary="生产安全事故列表")
@paginate(PageNumber)
def list_accidents(request: HttpRequest, filters: Query[AccidentFilter]) -> Any:
    _may_see(request, Accident)
    return filters.filter(_accidents(request)).order_by("-occurred_on", "-pk")


@router.post(
    "/accidents", response={201: SafetyAccidentOut, **ERRORS}, summary="登记生产安全事故(等级自动计算)"
)
def create_accident(request: HttpRequest, payload: SafetyAccidentIn) -> Any:
    user = current_user(request)
    if not can(user, "add", Accident):
        raise Forbidden(audit="add safety.accident")
    values: dict[str, Any] = {
        "occurred_on": payload.occurred_on,
        "deaths": payload.deaths,
        "serious_injuries": payload.serious_injuries,
        "direct_loss": payload.direct_loss,
        "summary": payload.summary,
    }
    if payload.unit_id is not None:
        values["unit"] = related(Unit, payload.unit_id, "unit_id", "单位不存在", user)
    if payload.unit_name:
        values["unit_name"] = payload.unit_name
    if payload.township:
        values["township"] = Resolver(user).township(payload.township)
    if payload.sector_id is not None:
        values["sector"] = related(Sector, payload.sector_id, "sector_id", "行业领域不存在", user)
    accident = accident_services.record_accident(user, **values)
    return Status(201, _accident(request, accident.pk))


@router.get(
    "/accidents/{accident_id}", response={200: SafetyAccidentOut, **READ_ERRORS}, summary="生产安全事故详情"
)
def get_accident(request: HttpRequest, accident_id: int) -> Any:
    return _accident(request, accident_id)


class SafetyAccidentFreeRunParams(Schema):
    region: str | None = Field(None, max_length=64, description="区县或镇街:区划代码或名称;默认本人所在区县")
    as_of: date | None = Field(None, description="截至日期,默认今天;该日所在月计入")


@router.get(
    "/accident-free-run",
    response={200: SafetyAccidentFreeRunOut, **READ_ERRORS},
    summary="连续未发生较大及以上事故的月数",
)
def accident_free_run(request: HttpRequest, params: Query[SafetyAccidentFreeRunParams]) -> Any:
    """The run of a district as of a date (the month rule: :func:`tiaodu.safety.accidents.accident_free_run`).
    Users of a district read their own district's run; administrators any district's."""
    from tiaodu.safety.reference import district_of

    _may_see(request, Accident)
    user = current_user(request)
    district = district_of(Resolver(user).region(params.region)) if params.region else actor_district(user)
    if district is None:
        raise invalid("region", "district_unknown", "请指定区县")
    own = actor_district(user) if user.region is not None or user.organization_id else None
    if not (user.is_superuser or user.role == "admin") and (own is None or own.pk != district.pk):
        raise Forbidden(audit=f"view safety.accident-free-run {district.code}")
    as_of = params.as_of or timezone.localdate()
    run = accident_services.accident_free_run(district, as_of)
    return {
        "district_code": district.code,
        "district_name": district.name,
        "as_of": as_of,
        "months": run.months,
        "since": run.since,
        "last_serious_id": run.last_serious.pk if run.last_serious else None,
        "last_serious_on": run.last_serious.occurred_on if run.last_serious else None,
        "text": run.text(),
    }
