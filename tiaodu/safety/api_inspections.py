"""/api/v1/safety/ endpoints of inspections and hazards (lane screens; mounted by
tiaodu/safety/api.py). Schema names start with Safety.

Lists and details start from ``Inspection.objects.restrict(user)`` / ``Hazard.objects.restrict(user)``;
related rows named by id are looked up through the caller's scope; writes go through
:mod:`tiaodu.safety.inspections` and :mod:`tiaodu.safety.hazards`.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Header, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.cases.api import CardRecordOut, CaseActionOut, CaseEventOut, related
from tiaodu.cases.api import action_list as case_actions
from tiaodu.cases.models import CaseEvent
from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.concurrency import parse_version
from tiaodu.core.errors import Forbidden, NotFound, invalid
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can, get_scoped
from tiaodu.orgs.models import Organization
from tiaodu.safety import hazards as hazard_services
from tiaodu.safety import inspections
from tiaodu.safety.choices import HazardGrade, InspectionKind, PhotoStage, RectifyMode
from tiaodu.safety.forms_inspections import SafetyHazardFilter, SafetyInspectionFilter
from tiaodu.safety.models import (
    Campaign,
    Hazard,
    HazardPhoto,
    HazardPlan,
    Inspection,
    Inspector,
    JointTeam,
    Unit,
)
from tiaodu.safety.views_inspections import hazard_count

router = Router()

Id = Annotated[int, Field(ge=1, le=2**62)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=10, decimal_places=6)]
Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=10, decimal_places=6)]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='读取时隐患的版本号,如 "3";与请求体的 version 二选一,已被他人修改时返回409',
    ),
]
INSPECTION_RELATED = ("unit", "township", "district", "sector", "department")
HAZARD_RELATED = ("case", "unit", "township", "district", "sector", "department", "case__handling_org")


# --- schemas ------------------------------------------------------------------------------------


class SafetyChecklistEntry(Schema):
    item: Id = Field(..., description="检查项编号")
    result: Literal["ok", "hazard", "na"] = Field(..., description="ok 合格 / hazard 有隐患 / na 不适用")


class SafetyHazardIn(Schema):
    description: str = Field(..., min_length=1, max_length=2000)
    checklist_item_id: Id | None = Field(None, description="对应检查项编号(重大事故隐患判定项则为重大隐患)")
    grade: HazardGrade | None = Field(None, description="隐患等级;不填按检查项判定,自行认定重大隐患须写理由")
    major_reason: str = Field("", max_length=255, description="认定重大隐患的理由")
    mode: RectifyMode = Field(
        RectifyMode.DEADLINE, description="整改方式:immediate 即查即改 / deadline 限期整改"
    )
    deadline: date | None = Field(None, description="整改期限;不填按默认工作日期限")
    responsible_person: str = Field("", max_length=32)
    longitude: Longitude | None = Field(None, description="经度;不填用检查的位置")
    latitude: Latitude | None = Field(None, description="纬度;不填用检查的位置")


class SafetyInspectionIn(Schema):
    unit_id: Id = Field(..., description="被检查单位编号")
    inspected_on: date
    kind: InspectionKind = Field(..., description="检查类型;企业用户只能登记 self(企业自查)")
    department_id: Id | None = Field(None, description="检查部门(机构编号),默认当前用户所在机构")
    campaign_id: Id | None = Field(None, description="专项行动编号")
    team_id: Id | None = Field(None, description="联合检查组编号")
    co_department_ids: list[Id] = Field(default_factory=list, max_length=50, description="参加单位(机构编号)")
    inspector_ids: list[Id] = Field(default_factory=list, max_length=50, description="执法人员编号")
    checklist: list[SafetyChecklistEntry] = Field(default_factory=list, max_length=500)
    findings: str = Field("", max_length=5000)
    number: str = Field("", max_length=40, description="检查编号;不填自动生成")
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    hazards: list[SafetyHazardIn] = Field(default_factory=list, max_length=50, description="发现的隐患")


class SafetyInspectionOut(Schema):
    id: int
    number: str
    inspected_on: date
    kind: str
    kind_label: str
    district_code: str
    township_code: str
    township_name: str
    unit_id: int
    unit_name: str
    sector_id: int
    sector_name: str
    department_id: int
    department_name: str
    campaign_id: int | None
    team_id: int | None
    plan_visit_id: int | None
    findings: str
    longitude: float | None
    latitude: float | None
    hazard_count: int
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj: Inspection) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_district_code(obj: Inspection) -> str:
        return obj.district.code

    @staticmethod
    def resolve_township_code(obj: Inspection) -> str:
        return obj.township.code

    @staticmethod
    def resolve_township_name(obj: Inspection) -> str:
        return obj.township.name

    @staticmethod
    def resolve_unit_name(obj: Inspection) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_sector_name(obj: Inspection) -> str:
        return obj.sector.name

    @staticmethod
    def resolve_department_name(obj: Inspection) -> str:
        return obj.department.name


class SafetyHazardOut(Schema):
    id: int
    number: str = Field(..., description="隐患编号(办理事项编号)")
    case_id: int
    inspection_id: int
    district_code: str
    township_code: str
    township_name: str
    unit_id: int
    unit_name: str
    sector_id: int
    sector_name: str
    department_id: int
    description: str
    checklist_item_id: int | None
    grade: str
    major_reason: str
    mode: str
    deadline: date | None
    responsible_person: str
    found_on: date
    rectified_on: date | None
    accepted_on: date | None
    is_supervised: bool
    supervised_on: date | None
    missing_plan: bool
    longitude: float | None
    latitude: float | None
    state: str = Field(
        ..., description="pending 待整改 / rectifying 整改中 / awaiting 待验收 / accepted 已验收(销号)"
    )
    state_label: str
    is_open: bool
    due_on: date | None = Field(None, description="当前期限(整改期限,提请验收后为验收期限)")
    card: str
    handling_org_id: int | None = Field(None, description="验收部门")
    handling_org_name: str | None
    version: int = Field(
        ..., description="版本号:流转时在 version 或 If-Match 中带回,已被他人修改则409 stale_write"
    )

    @staticmethod
    def resolve_number(obj: Hazard) -> str:
        return obj.case.number

    @staticmethod
    def resolve_district_code(obj: Hazard) -> str:
        return obj.district.code

    @staticmethod
    def resolve_township_code(obj: Hazard) -> str:
        return obj.township.code

    @staticmethod
    def resolve_township_name(obj: Hazard) -> str:
        return obj.township.name

    @staticmethod
    def resolve_unit_name(obj: Hazard) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_sector_name(obj: Hazard) -> str:
        return obj.sector.name

    @staticmethod
    def resolve_state(obj: Hazard) -> str:
        return obj.case.state

    @staticmethod
    def resolve_state_label(obj: Hazard) -> str:
        return obj.case.state_label

    @staticmethod
    def resolve_is_open(obj: Hazard) -> bool:
        return obj.case.is_open

    @staticmethod
    def resolve_due_on(obj: Hazard) -> date | None:
        return obj.case.due_on

    @staticmethod
    def resolve_card(obj: Hazard) -> str:
        return obj.case.card

    @staticmethod
    def resolve_handling_org_id(obj: Hazard) -> int | None:
        return obj.case.handling_org_id

    @staticmethod
    def resolve_handling_org_name(obj: Hazard) -> str | None:
        return obj.case.handling_org.name if obj.case.handling_org else None

    @staticmethod
    def resolve_version(obj: Hazard) -> int:
        return obj.case.version


class SafetyHazardPlanIn(Schema):
    goal: str = Field(..., min_length=1, max_length=5000, description="治理目标和任务")
    measures: str = Field(..., min_length=1, max_length=5000, description="采取的方法和措施")
    funds: Decimal = Field(..., ge=0, le=Decimal("9999999999"), decimal_places=2, description="经费(万元)")
    personnel: str = Field(..., min_length=1, max_length=255, description="负责治理的机构和人员")
    due_on: date = Field(..., description="治理时限")
    emergency_plan: str = Field(..., min_length=1, max_length=5000, description="安全措施和应急预案")


class SafetyHazardPlanOut(SafetyHazardPlanIn):
    funds: float  # type: ignore[assignment]
    updated_at: datetime


class SafetyHazardPhotoOut(Schema):
    id: int
    stage: str = Field(..., description="before 整改前 / after 整改后")
    name: str
    size: int
    content_type: str
    uploaded_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_uploaded_by(obj: HazardPhoto) -> str | None:
        return obj.uploaded_by.username if obj.uploaded_by else None


class SafetyHazardDetailOut(SafetyHazardOut):
    events: list[CaseEventOut] = Field(..., description="整改过程(时间线)")
    card_records: list[CardRecordOut] = Field(..., description="红黄牌挂牌、摘牌记录")
    actions: list[CaseActionOut] = Field(..., description="当前用户在当前状态下可执行的操作")
    plan: SafetyHazardPlanOut | None = Field(None, description="治理方案(重大隐患)")
    photos: list[SafetyHazardPhotoOut]

    # Read by hazard_detail() into attributes of the instance.
    @staticmethod
    def resolve_events(obj: Hazard) -> list[CaseEvent]:
        return obj.event_list  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_card_records(obj: Hazard) -> list[Any]:
        return list(obj.case.card_records.order_by("issued_on", "pk"))

    @staticmethod
    def resolve_actions(obj: Hazard) -> list[dict[str, Any]]:
        return obj.action_list  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_plan(obj: Hazard) -> HazardPlan | None:
        return HazardPlan.objects.filter(hazard=obj).first()

    @staticmethod
    def resolve_photos(obj: Hazard) -> list[HazardPhoto]:
        return list(obj.photos.select_related("uploaded_by"))


class SafetyInspectionDetailOut(SafetyInspectionOut):
    co_department_ids: list[int]
    inspector_ids: list[int]
    checklist: list[dict[str, Any]] = Field(..., description="检查表:[{item, result}]")
    hazards: list[SafetyHazardOut] = Field(..., description="发现的隐患(当前用户可见的)")

    @staticmethod
    def resolve_co_department_ids(obj: Inspection) -> list[int]:
        return sorted(obj.co_departments.values_list("pk", flat=True))

    @staticmethod
    def resolve_inspector_ids(obj: Inspection) -> list[int]:
        return sorted(obj.inspectors.values_list("pk", flat=True))

    @staticmethod
    def resolve_hazards(obj: Inspection) -> list[Hazard]:
        return obj.hazard_list  # type: ignore[attr-defined,no-any-return]


class SafetyStepIn(Schema):
    action: str = Field(
        ..., min_length=1, max_length=32, description="start、submit、accept、reject(见详情 actions)"
    )
    note: str = Field("", max_length=5000, description="说明;提请验收、验收不通过时必填")
    version: int | None = Field(None, ge=1, le=2**31, description="读取时的版本号(也可用 If-Match 头)")


# --- queries ------------------------------------------------------------------------------------


def _may_see(request: HttpRequest, model: Any) -> None:
    if not can(request.user, "view", model):
        raise Forbidden()


def _inspections(request: HttpRequest) -> Any:
    return (
        Inspection.objects.restrict(request.user)
        .prefetch_related(*INSPECTION_RELATED)  # for the page's rows only (see views_inspections)
        .annotate(hazard_count=hazard_count())
    )


def inspection_detail(request: HttpRequest, pk: int) -> Inspection:
    inspection = _inspections(request).filter(pk=pk).first() or get_scoped(Inspection, request.user, pk=pk)
    inspection.hazard_list = list(  # type: ignore[attr-defined,union-attr]
        Hazard.objects.restrict(request.user)
        .filter(inspection=inspection)
        .select_related(*HAZARD_RELATED)
        .order_by("pk")
    )
    return inspection  # type: ignore[no-any-return]


def _hazards(request: HttpRequest) -> Any:
    return Hazard.objects.restrict(request.user).select_related(*HAZARD_RELATED)


def hazard_detail(user: Any, pk: int) -> Hazard:
    """One hazard through the user's scope, with its timeline and the actions the user may take."""
    hazard = Hazard.objects.restrict(user).select_related(*HAZARD_RELATED).filter(pk=pk).first()
    hazard = hazard or get_scoped(Hazard, user, pk=pk)
    events = list(
        CaseEvent.objects.filter(case=hazard.case).select_related("actor").order_by("created_at", "pk")
    )
    for event in events:
        event.case = hazard.case
    hazard.event_list = events  # type: ignore[attr-defined]
    hazard.action_list = case_actions(user, hazard.case)  # type: ignore[attr-defined]
    return hazard


# --- endpoints ----------------------------------------------------------------------------------


@router.get("/inspections", response={200: list[SafetyInspectionOut], **READ_ERRORS}, summary="检查记录列表")
@paginate(PageNumber)
def list_inspections(request: HttpRequest, filters: Query[SafetyInspectionFilter]) -> Any:
    _may_see(request, Inspection)
    return filters.filter(_inspections(request)).order_by("-inspected_on", "-pk")


@router.post(
    "/inspections", response={201: SafetyInspectionDetailOut, **ERRORS}, summary="登记检查记录(含发现的隐患)"
)
def create_inspection(request: HttpRequest, payload: SafetyInspectionIn) -> Any:
    user = current_user(request)
    if not can(user, "add", Inspection):
        raise Forbidden(audit="add safety.inspection")
    unit = related(Unit, payload.unit_id, "unit_id", "单位不存在", user)
    department = related(Organization, payload.department_id, "department_id", "检查部门不存在", user)
    department = department or user.organization
    if department is None:
        raise invalid("department_id", "required", "请指定检查部门")
    # Checklist items are the unit's sector's: the service checks them (hazards.N.checklist_item).
    found = []
    for h in payload.hazards:
        found.append(
            inspections.HazardInput(
                description=h.description,
                checklist_item=h.checklist_item_id,
                grade=h.grade.value if h.grade else None,
                major_reason=h.major_reason,
                mode=h.mode.value,
                deadline=h.deadline,
                responsible_person=h.responsible_person,
                longitude=h.longitude if h.longitude is not None else payload.longitude,
                latitude=h.latitude if h.latitude is not None else payload.latitude,
            )
        )
    inspection = inspections.record_inspection(
        user,
        unit=unit,
        inspected_on=payload.inspected_on,
        department=department,
        kind=payload.kind.value,
        campaign=related(Campaign, payload.campaign_id, "campaign_id", "专项行动不存在", user),
        team=related(JointTeam, payload.team_id, "team_id", "联合检查组不存在", user),
        co_departments=[
            related(Organization, pk, "co_department_ids", "参加单位不存在", user)
            for pk in dict.fromkeys(payload.co_department_ids)
        ],
        inspectors=[
            related(Inspector, pk, "inspector_ids", "执法人员不存在", user)
            for pk in dict.fromkeys(payload.inspector_ids)
        ],
        checklist=[e.dict() for e in payload.checklist],
        findings=payload.findings,
        number=payload.number,
        longitude=payload.longitude,
        latitude=payload.latitude,
        hazards=found,
    )
    return Status(201, inspection_detail(request, inspection.pk))


@router.get(
    "/inspections/{inspection_id}",
    response={200: SafetyInspectionDetailOut, **READ_ERRORS},
    summary="检查记录详情(含检查表和隐患)",
)
def get_inspection(request: HttpRequest, inspection_id: int) -> Any:
    return inspection_detail(request, inspection_id)


@router.get("/hazards", response={200: list[SafetyHazardOut], **READ_ERRORS}, summary="隐患列表")
@paginate(PageNumber)
def list_hazards(request: HttpRequest, filters: Query[SafetyHazardFilter]) -> Any:
    _may_see(request, Hazard)
    return filters.filter(_hazards(request)).order_by("-found_on", "-pk")


@router.get(
    "/hazards/{hazard_id}",
    response={200: SafetyHazardDetailOut, **READ_ERRORS},
    summary="隐患详情(含整改过程)",
)
def get_hazard(request: HttpRequest, hazard_id: int) -> Any:
    return hazard_detail(request.user, hazard_id)


@router.post(
    "/hazards/{hazard_id}/steps",
    response={200: SafetyHazardDetailOut, **ERRORS},
    summary="整改流转(开始整改、提请验收、验收通过、验收不通过)",
)
def step_hazard(request: HttpRequest, hazard_id: int, payload: SafetyStepIn, if_match: IfMatch = None) -> Any:
    user = current_user(request)
    hazard = get_scoped(Hazard, user, pk=hazard_id)
    version = payload.version if payload.version is not None else parse_version(if_match)
    hazard_services.step(user, hazard.pk, payload.action, payload.note, version=version)
    return hazard_detail(user, hazard_id)


@router.get(
    "/hazards/{hazard_id}/plan",
    response={200: SafetyHazardPlanOut, **READ_ERRORS},
    summary="重大隐患治理方案",
)
def get_plan(request: HttpRequest, hazard_id: int) -> Any:
    hazard = get_scoped(Hazard, request.user, pk=hazard_id)
    plan = HazardPlan.objects.filter(hazard=hazard).first()
    if plan is None:
        raise NotFound("该隐患尚无治理方案")
    return plan


@router.put(
    "/hazards/{hazard_id}/plan", response={200: SafetyHazardPlanOut, **ERRORS}, summary="制定或修改治理方案"
)
def put_plan(request: HttpRequest, hazard_id: int, payload: SafetyHazardPlanIn) -> Any:
    user = current_user(request)
    hazard = get_scoped(Hazard, user, pk=hazard_id)
    return hazard_services.save_plan(user, hazard.pk, **payload.dict())


@router.get(
    "/hazards/{hazard_id}/photos",
    response={200: list[SafetyHazardPhotoOut], **READ_ERRORS},
    summary="隐患照片",
)
def list_photos(request: HttpRequest, hazard_id: int) -> Any:
    hazard = get_scoped(Hazard, request.user, pk=hazard_id)
    return list(hazard.photos.select_related("uploaded_by"))


@router.post(
    "/hazards/{hazard_id}/photos",
    response={201: SafetyHazardPhotoOut, **ERRORS},
    summary="上传隐患照片(JPEG、PNG、WebP)",
)
def add_photo(
    request: HttpRequest,
    hazard_id: int,
    file: File[UploadedFile],
    stage: Form[PhotoStage] = PhotoStage.BEFORE,
) -> Any:
    user = current_user(request)
    hazard = get_scoped(Hazard, user, pk=hazard_id)
    photo = hazard_services.add_photo(user, hazard.pk, file, PhotoStage(stage).value)
    return Status(201, HazardPhoto.objects.select_related("uploaded_by").get(pk=photo.pk))


@router.get(
    "/hazards/{hazard_id}/photos/{photo_id}",
    response={200: None, **READ_ERRORS},
    summary="下载隐患照片",
)
def photo_file(request: HttpRequest, hazard_id: int, photo_id: int) -> Any:
    hazard = get_scoped(Hazard, request.user, pk=hazard_id)
    photo = hazard.photos.filter(pk=photo_id).first()
    if photo is None:
        raise NotFound("照片不存在")
    return FileResponse(photo.file.open("rb"), filename=photo.name, content_type=photo.content_type)
