"""/api/v1/enterprises: the enterprise registry, visits (走访), needs, services delivered and appeals.

Lists and details start from each model's ``restrict(user)``; writes go through
``tiaodu.enterprises.services`` (credit-code checksum, township, dates, the scope re-check).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import FilterSchema, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.accounts.models import User
from tiaodu.cases.api import CaseOut, case_list, related
from tiaodu.cases.filters import CaseFilter
from tiaodu.cases.models import Case
from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.errors import ServiceError, invalid
from tiaodu.core.http import current_user
from tiaodu.core.permissions import NOTHING, get_scoped
from tiaodu.enterprises import services
from tiaodu.enterprises.choices import NeedKind, OutputTier, ServiceKind
from tiaodu.enterprises.filters import EnterpriseFilter
from tiaodu.enterprises.models import Enterprise, Need, ServiceRecord, Visit
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region
from tiaodu.regions.services import normalize_code

router = Router(tags=["企业服务"])

Id = Annotated[int, Field(ge=1, le=2**62)]
# 万元, two decimals (the model's DecimalField(max_digits=14, decimal_places=2)).
Amount = Annotated[float, Field(ge=0, le=999_999_999_999, description="金额(万元)")]
NEED_LABELS = dict(NeedKind.choices)
SERVICE_LABELS = dict(ServiceKind.choices)
TIER_LABELS = dict(OutputTier.choices)


def _amount(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _region_q(lookup: str, value: str | None) -> Q:
    """``value`` is a region code: rows in that region or below it."""
    if not value:
        return Q()
    path = Region.objects.filter(code=normalize_code(value)).values_list("path", flat=True).first()
    return Q(**{f"{lookup}__path__startswith": path}) if path else NOTHING


# --- Enterprises ----------------------------------------------------------------------------------


class EnterpriseOut(Schema):
    id: int
    credit_code: str
    name: str
    organization_id: int
    township_code: str
    township_name: str
    industry_code: str
    is_above_scale: bool
    is_key: bool
    output_tier: str
    output_tier_label: str
    is_leading: bool
    is_shuangbai: bool
    is_specialized: bool
    contact_name: str
    contact_phone: str
    address: str
    liaison_leader_id: int | None
    liaison_department_id: int | None
    squad_id: int | None
    resident_officer_id: int | None
    notes: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_township_code(obj: Enterprise) -> str:
        return obj.township.code

    @staticmethod
    def resolve_township_name(obj: Enterprise) -> str:
        return obj.township.name

    @staticmethod
    def resolve_output_tier_label(obj: Enterprise) -> str:
        return str(TIER_LABELS.get(obj.output_tier, obj.output_tier)) if obj.output_tier else ""


class EnterpriseIn(Schema):
    credit_code: str = Field(..., min_length=1, max_length=32, description="统一社会信用代码(18位)")
    name: str = Field(..., min_length=1, max_length=128)
    township: str = Field(..., min_length=1, max_length=64, description="所属镇街:区划代码或名称")
    industry_code: str = Field("", max_length=8, description="行业代码(GB/T 4754-2017)")
    is_above_scale: bool = False
    is_key: bool = False
    output_tier: OutputTier = OutputTier.NONE
    is_leading: bool = False
    is_shuangbai: bool = False
    is_specialized: bool = False
    contact_name: str = Field("", max_length=32)
    contact_phone: str = Field("", max_length=32)
    address: str = Field("", max_length=255)
    liaison_leader_id: Id | None = Field(None, description="联系领导(用户编号)")
    liaison_department_id: Id | None = Field(None, description="联系科室(机构编号)")
    squad_id: Id | None = Field(None, description="服务专班(机构编号)")
    resident_officer_id: Id | None = Field(None, description="驻厂服务专员(用户编号)")
    notes: str = Field("", max_length=5000)


class EnterprisePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    township: str | None = Field(None, min_length=1, max_length=64, description="所属镇街:区划代码或名称")
    industry_code: str | None = Field(None, max_length=8)
    is_above_scale: bool | None = None
    is_key: bool | None = None
    output_tier: OutputTier | None = None
    is_leading: bool | None = None
    is_shuangbai: bool | None = None
    is_specialized: bool | None = None
    contact_name: str | None = Field(None, max_length=32)
    contact_phone: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=255)
    liaison_leader_id: Id | None = None
    liaison_department_id: Id | None = None
    squad_id: Id | None = None
    resident_officer_id: Id | None = None
    notes: str | None = Field(None, max_length=5000)


# Related links: (API field, model field, model, message).
LINKS = (
    ("liaison_leader_id", "liaison_leader", User, "联系领导不存在"),
    ("liaison_department_id", "liaison_department", Organization, "联系科室不存在"),
    ("squad_id", "squad", Organization, "服务专班不存在"),
    ("resident_officer_id", "resident_officer", User, "驻厂服务专员不存在"),
)
NULLABLE = {api_name for api_name, *_ in LINKS}


def _fields(user: User, data: dict[str, Any], current: Enterprise | None = None) -> dict[str, Any]:
    """Service keyword arguments from the payload; related ids go through the caller's scope."""
    for name, value in data.items():
        if value is None and name not in NULLABLE:
            raise invalid(name, "required", "此项不能为空")
    if isinstance(data.get("output_tier"), OutputTier):
        data["output_tier"] = data["output_tier"].value
    for api_name, field, model, message in LINKS:
        if api_name in data:
            now = getattr(current, f"{field}_id", None) if current else None
            data[field] = related(model, data.pop(api_name), api_name, message, user, now)
    return data


def _enterprises(request: HttpRequest) -> Any:
    return Enterprise.objects.restrict(request.user).select_related("township")


@router.get("", response={200: list[EnterpriseOut], **READ_ERRORS}, summary="企业列表")
@paginate(PageNumber)
def list_enterprises(request: HttpRequest, filters: Query[EnterpriseFilter]) -> Any:
    return filters.filter(_enterprises(request)).order_by("name", "pk")


@router.post("", response={201: EnterpriseOut, **ERRORS}, summary="新增企业")
def create_enterprise(request: HttpRequest, payload: EnterpriseIn) -> Any:
    user = current_user(request)
    data = payload.dict()
    code = services.ensure_registrable(user, data.pop("credit_code"))
    township = data.pop("township")
    enterprise, _created = services.save_enterprise(user, code, township, **_fields(user, data))
    return Status(201, enterprise)


# Static paths come before "/{enterprise_id}".

# --- Visits ---------------------------------------------------------------------------------------


class VisitOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    visited_on: date
    visiting_org_id: int | None
    visiting_org_name: str | None
    visitors: str
    record: str
    case_ids: list[int] = Field(..., description="走访中收集的诉求(办理事项编号)")
    created_at: datetime

    @staticmethod
    def resolve_enterprise_name(obj: Visit) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_visiting_org_name(obj: Visit) -> str | None:
        return obj.visiting_org.name if obj.visiting_org else None

    @staticmethod
    def resolve_case_ids(obj: Visit) -> list[int]:
        return sorted(c.pk for c in obj.cases.all())


class VisitAppealIn(Schema):
    category: str = Field(..., min_length=1, max_length=64, description="诉求类别:代码或名称")
    content: str = Field(..., min_length=1, max_length=5000, description="诉求内容")


class VisitIn(Schema):
    enterprise_id: Id
    visited_on: date
    visitors: str = Field(..., min_length=1, max_length=255, description="走访人")
    record: str = Field("", max_length=20000, description="情况记录")
    visiting_org_id: Id | None = Field(None, description="走访单位;默认为当前用户所在单位")
    appeals: list[VisitAppealIn] = Field([], max_length=50, description="走访中收集的困难诉求,逐条受理")


class VisitFilter(FilterSchema):
    enterprise: int | None = Field(None, ge=1, le=2**62, description="企业编号")
    township: str | None = Field(None, max_length=12, description="区划代码:该地区企业的走访")
    date_from: date | None = Field(None, description="走访日期起(含)")
    date_to: date | None = Field(None, description="走访日期止(含)")
    q: str | None = Field(None, max_length=64, description="走访人或情况记录包含")

    def filter_enterprise(self, value: int | None) -> Q:
        return Q(enterprise_id=value) if value else Q()

    def filter_township(self, value: str | None) -> Q:
        return _region_q("enterprise__township", value)

    def filter_date_from(self, value: date | None) -> Q:
        return Q(visited_on__gte=value) if value else Q()

    def filter_date_to(self, value: date | None) -> Q:
        return Q(visited_on__lte=value) if value else Q()

    def filter_q(self, value: str | None) -> Q:
        return Q(visitors__contains=value) | Q(record__contains=value) if value else Q()


def _visits(request: HttpRequest) -> Any:
    return (
        Visit.objects.restrict(request.user)
        .select_related("enterprise", "visiting_org")
        .prefetch_related("cases")
    )


@router.get("/visits", response={200: list[VisitOut], **READ_ERRORS}, summary="走访记录")
@paginate(PageNumber)
def list_visits(request: HttpRequest, filters: Query[VisitFilter]) -> Any:
    return filters.filter(_visits(request)).order_by("-visited_on", "-pk")


@router.post("/visits", response={201: VisitOut, **ERRORS}, summary="登记走访(可同时受理收集的诉求)")
def create_visit(request: HttpRequest, payload: VisitIn) -> Any:
    user = current_user(request)
    with transaction.atomic():
        enterprise = related(Enterprise, payload.enterprise_id, "enterprise_id", "企业不存在", user)
        org = related(Organization, payload.visiting_org_id, "visiting_org_id", "走访单位不存在", user)
        visit = services.record_visit(
            user, enterprise, payload.visited_on, payload.visitors, payload.record, org
        )
        for i, appeal in enumerate(payload.appeals):
            try:
                services.raise_appeal(
                    user, enterprise, appeal.category, appeal.content, payload.visited_on, visit=visit
                )
            except ServiceError as exc:
                for error in exc.errors:
                    error.field = f"appeals.{i}.{error.field}"
                raise
    return Status(201, _visits(request).get(pk=visit.pk))


@router.get("/visits/{visit_id}", response={200: VisitOut, **READ_ERRORS}, summary="走访详情")
def get_visit(request: HttpRequest, visit_id: int) -> Any:
    return _visits(request).filter(pk=visit_id).first() or get_scoped(Visit, request.user, pk=visit_id)


# --- Needs ----------------------------------------------------------------------------------------


class NeedOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    kind: str
    kind_label: str
    raised_on: date
    people: int | None
    job_types: str
    amount_wan: float | None = Field(None, description="金额(万元)")
    description: str
    case_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_enterprise_name(obj: Need) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_kind_label(obj: Need) -> str:
        return str(NEED_LABELS.get(obj.kind, obj.kind))

    @staticmethod
    def resolve_amount_wan(obj: Need) -> float | None:
        return _float(obj.amount_wan)


class NeedIn(Schema):
    enterprise_id: Id
    kind: NeedKind
    raised_on: date
    people: int | None = Field(None, ge=0, le=10_000_000, description="用工人数")
    job_types: str = Field("", max_length=255, description="工种")
    amount_wan: Amount | None = None
    description: str = Field("", max_length=5000)
    case_id: Id | None = Field(None, description="对应诉求(办理事项编号)")


class EnterpriseRowFilter(FilterSchema):
    enterprise: int | None = Field(None, ge=1, le=2**62, description="企业编号")
    township: str | None = Field(None, max_length=12, description="区划代码:该地区企业的记录")
    date_from: date | None = Field(None, description="日期起(含)")
    date_to: date | None = Field(None, description="日期止(含)")

    def filter_enterprise(self, value: int | None) -> Q:
        return Q(enterprise_id=value) if value else Q()

    def filter_township(self, value: str | None) -> Q:
        return _region_q("enterprise__township", value)


class NeedFilter(EnterpriseRowFilter):
    kind: NeedKind | None = Field(None, description="需求类型")

    def filter_kind(self, value: str | None) -> Q:
        return Q(kind=value) if value else Q()

    def filter_date_from(self, value: date | None) -> Q:
        return Q(raised_on__gte=value) if value else Q()

    def filter_date_to(self, value: date | None) -> Q:
        return Q(raised_on__lte=value) if value else Q()


def _needs(request: HttpRequest) -> Any:
    return Need.objects.restrict(request.user).select_related("enterprise")


@router.get("/needs", response={200: list[NeedOut], **READ_ERRORS}, summary="企业需求")
@paginate(PageNumber)
def list_needs(request: HttpRequest, filters: Query[NeedFilter]) -> Any:
    return filters.filter(_needs(request)).order_by("-raised_on", "-pk")


@router.post("/needs", response={201: NeedOut, **ERRORS}, summary="登记企业需求")
def create_need(request: HttpRequest, payload: NeedIn) -> Any:
    user = current_user(request)
    enterprise = related(Enterprise, payload.enterprise_id, "enterprise_id", "企业不存在", user)
    case = related(Case, payload.case_id, "case_id", "对应诉求不存在", user)
    need = services.NeedInput(
        kind=payload.kind.value,
        raised_on=payload.raised_on,
        people=payload.people,
        job_types=payload.job_types,
        amount_wan=_amount(payload.amount_wan),
        description=payload.description,
    )
    row = services.record_need(user, enterprise, need, case)
    return Status(201, _needs(request).get(pk=row.pk))


# --- Services delivered ---------------------------------------------------------------------------


class ServiceRecordOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    kind: str
    kind_label: str
    served_on: date
    org_id: int | None
    counterpart: str
    amount_wan: float | None = Field(None, description="金额(万元)")
    quantity: int | None
    unit: str
    description: str
    case_id: int | None
    policy_id: int | None = Field(None, description="政策兑现所依据的政策(政策库)")
    created_at: datetime

    @staticmethod
    def resolve_enterprise_name(obj: ServiceRecord) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_kind_label(obj: ServiceRecord) -> str:
        return str(SERVICE_LABELS.get(obj.kind, obj.kind))

    @staticmethod
    def resolve_amount_wan(obj: ServiceRecord) -> float | None:
        return _float(obj.amount_wan)


class ServiceRecordIn(Schema):
    enterprise_id: Id
    kind: ServiceKind
    served_on: date
    org_id: Id | None = Field(None, description="服务单位;默认为当前用户所在单位")
    counterpart: str = Field("", max_length=128, description="合作方:银行、配套企业等")
    amount_wan: Amount | None = None
    quantity: int | None = Field(None, ge=0, le=1_000_000_000, description="笔数、家次、张数、批次等")
    unit: str = Field("", max_length=8)
    description: str = Field("", max_length=5000)
    case_id: Id | None = Field(None, description="对应诉求(办理事项编号)")
    policy_id: Id | None = Field(None, description="政策兑现:所依据的政策(本区县政策库中有效的政策)")


class ServiceRecordFilter(EnterpriseRowFilter):
    kind: ServiceKind | None = Field(None, description="服务类型")

    def filter_kind(self, value: str | None) -> Q:
        return Q(kind=value) if value else Q()

    def filter_date_from(self, value: date | None) -> Q:
        return Q(served_on__gte=value) if value else Q()

    def filter_date_to(self, value: date | None) -> Q:
        return Q(served_on__lte=value) if value else Q()


def _services(request: HttpRequest) -> Any:
    return ServiceRecord.objects.restrict(request.user).select_related("enterprise")


@router.get("/services", response={200: list[ServiceRecordOut], **READ_ERRORS}, summary="服务记录")
@paginate(PageNumber)
def list_services(request: HttpRequest, filters: Query[ServiceRecordFilter]) -> Any:
    return filters.filter(_services(request)).order_by("-served_on", "-pk")


@router.post("/services", response={201: ServiceRecordOut, **ERRORS}, summary="登记服务记录")
def create_service(request: HttpRequest, payload: ServiceRecordIn) -> Any:
    user = current_user(request)
    enterprise = related(Enterprise, payload.enterprise_id, "enterprise_id", "企业不存在", user)
    org = related(Organization, payload.org_id, "org_id", "服务单位不存在", user)
    case = related(Case, payload.case_id, "case_id", "对应诉求不存在", user)
    row = services.record_service(
        user,
        enterprise,
        kind=payload.kind.value,
        served_on=payload.served_on,
        org=org or user.organization,
        counterpart=payload.counterpart.strip(),
        amount_wan=_amount(payload.amount_wan),
        quantity=payload.quantity,
        unit=payload.unit.strip(),
        description=payload.description.strip(),
        case=case,
        policy_id=payload.policy_id,
    )
    return Status(201, _services(request).get(pk=row.pk))


# --- One enterprise -------------------------------------------------------------------------------


class AppealIn(Schema):
    category: str = Field(
        ..., min_length=1, max_length=64, description="诉求类别:代码或名称,见 /cases/categories"
    )
    content: str = Field(..., min_length=1, max_length=5000, description="诉求内容")
    title: str = Field("", max_length=200, description="标题;默认取内容第一行")
    raised_on: date | None = Field(None, description="提出日期,默认今天")
    source: str = Field("", max_length=32, description="来源,例如 走访、电话、平台")
    visit_id: Id | None = Field(None, description="收集该诉求的走访记录")


@router.get("/{enterprise_id}", response={200: EnterpriseOut, **READ_ERRORS}, summary="企业详情")
def get_enterprise(request: HttpRequest, enterprise_id: int) -> Any:
    found = _enterprises(request).filter(pk=enterprise_id).first()
    return found or get_scoped(Enterprise, request.user, pk=enterprise_id)


@router.patch("/{enterprise_id}", response={200: EnterpriseOut, **ERRORS}, summary="修改企业")
def update_enterprise(request: HttpRequest, enterprise_id: int, payload: EnterprisePatch) -> Any:
    user = current_user(request)
    with transaction.atomic():
        enterprise = get_scoped(Enterprise, user, "change", pk=enterprise_id)
        data = payload.dict(exclude_unset=True)
        township = data.pop("township", None) or enterprise.township
        updated, _created = services.save_enterprise(
            user, enterprise.credit_code, township, **_fields(user, data, enterprise)
        )
    return _enterprises(request).get(pk=updated.pk)


class EnterpriseContactOut(Schema):
    contact_name: str
    contact_phone: str = Field(description="完整号码(本次查看已记入安全审计)")


@router.post(
    "/{enterprise_id}/contact-phone",
    response={200: EnterpriseContactOut, **ERRORS},
    summary="查看联系人完整电话(记入审计;仅负责该企业的用户)",
)
def reveal_contact(request: HttpRequest, enterprise_id: int) -> Any:
    user = current_user(request)
    enterprise = get_scoped(Enterprise, user, pk=enterprise_id)
    phone = services.reveal_contact_phone(user, enterprise)
    return {"contact_name": enterprise.contact_name, "contact_phone": phone}


@router.get("/{enterprise_id}/appeals", response={200: list[CaseOut], **READ_ERRORS}, summary="企业的诉求")
@paginate(PageNumber)
def list_appeals(request: HttpRequest, enterprise_id: int, filters: Query[CaseFilter]) -> Any:
    enterprise = get_scoped(Enterprise, request.user, pk=enterprise_id)
    return case_list(request, filters).filter(submitter_org_id=enterprise.organization_id)


@router.post("/{enterprise_id}/appeals", response={201: CaseOut, **ERRORS}, summary="提出诉求(受理)")
def raise_appeal(request: HttpRequest, enterprise_id: int, payload: AppealIn) -> Any:
    user = current_user(request)
    enterprise = get_scoped(Enterprise, user, pk=enterprise_id)
    visit = None
    if payload.visit_id is not None:
        visit = related(Visit, payload.visit_id, "visit_id", "走访记录不存在", user)
        if visit.enterprise_id != enterprise.pk:
            raise invalid("visit_id", "visit_mismatch", "该走访记录不是本企业的")
    case = services.raise_appeal(
        user,
        enterprise,
        payload.category,
        payload.content,
        payload.raised_on or timezone.localdate(),
        source=payload.source.strip(),
        visit=visit,
        title=payload.title.strip(),
    )
    return Status(201, case_list(request).get(pk=case.pk))
