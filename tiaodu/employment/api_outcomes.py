"""/api/v1/employment/ endpoints of outcomes (求职对接): the placements, their steps along the
transition table and the follow-ups due. Lane E; mounted by tiaodu/employment/api.py. Schema names
start with EmploymentPlacement.

Lists and details start from ``Placement.objects.restrict(user)``; writes go through
:mod:`tiaodu.employment.outcomes`. The jobseeker appears with the masked ID number only; the name
in full for the employment staff and the towns, masked (张*) for enterprises."""

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Header, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.cases.api import related
from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.concurrency import parse_version
from tiaodu.core.errors import Forbidden
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can, get_scoped
from tiaodu.employment import outcomes
from tiaodu.employment.choices import LeaveReason, OutcomeState
from tiaodu.employment.forms_outcomes import EmploymentPlacementFilter
from tiaodu.employment.models import BusTrip, JobFair, Jobseeker, Placement, Vacancy

router = Router()

Id = Annotated[int, Field(ge=1, le=2**62)]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", description='读取时的版本号,如 "3";与请求体的 version 二选一,已被他人修改时返回409'
    ),
]
PLACEMENT_RELATED = (
    "jobseeker",
    "vacancy",
    "enterprise",
    "township",
    "district",
    "fair",
    "trip",
    "occupation",
)
ACTIONS_TEXT = "、".join(f"{t.action}({t.label})" for t in outcomes.TRANSITIONS.values())


# --- schemas --------------------------------------------------------------------------------------


class EmploymentPlacementStepOut(Schema):
    label: str = Field(..., description="步骤:达成意向、面试、录用、入职、30天回访、90天回访、已离岗、未达成")
    on: date
    detail: str = Field(..., description="回访结果(在岗/不在岗)或离岗、未达成的原因")


class EmploymentPlacementOut(Schema):
    id: int
    version: int = Field(..., description="版本号:登记下一步时带回(version 或 If-Match)")
    state: str = Field(
        ..., description="状态:" + "、".join(f"{v}({label})" for v, label in OutcomeState.choices)
    )
    state_label: str
    district_code: str
    township_code: str
    township_name: str
    jobseeker_id: int
    jobseeker_name: str = Field(..., description="求职者姓名(企业用户看到的是脱敏姓名)")
    jobseeker_id_mask: str = Field(..., description="脱敏身份证号")
    vacancy_id: int
    vacancy_title: str
    enterprise_id: int
    enterprise_name: str
    occupation_code: str | None
    fair_id: int | None
    trip_id: int | None
    intended_on: date
    interviewed_on: date | None
    hired_on: date | None
    started_on: date | None
    checked_30_on: date | None
    employed_30: bool | None = Field(..., description="30天回访是否在岗(未回访为 null)")
    checked_90_on: date | None
    employed_90: bool | None = Field(..., description="90天回访是否在岗(未回访为 null)")
    ended_on: date | None
    reason: str = Field(
        ...,
        description="离岗或未达成的原因:" + "、".join(f"{v}({label})" for v, label in LeaveReason.choices),
    )
    note: str

    @staticmethod
    def resolve_state_label(obj: Placement) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_district_code(obj: Placement) -> str:
        return obj.district.code

    @staticmethod
    def resolve_township_code(obj: Placement) -> str:
        return obj.township.code

    @staticmethod
    def resolve_township_name(obj: Placement) -> str:
        return obj.township.name

    @staticmethod
    def resolve_jobseeker_name(obj: Placement, context: Any) -> str:
        return outcomes.display_name(context["request"].user, obj.jobseeker)

    @staticmethod
    def resolve_jobseeker_id_mask(obj: Placement) -> str:
        return obj.jobseeker.id_mask

    @staticmethod
    def resolve_vacancy_title(obj: Placement) -> str:
        return obj.vacancy.title

    @staticmethod
    def resolve_enterprise_name(obj: Placement) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_occupation_code(obj: Placement) -> str | None:
        return obj.occupation.code if obj.occupation else None


class EmploymentPlacementDetailOut(EmploymentPlacementOut):
    steps: list[EmploymentPlacementStepOut] = Field(..., description="已登记的各步及其日期")
    actions: list[str] = Field(..., description="调用者现在可以登记的下一步:" + ACTIONS_TEXT)


class EmploymentPlacementFollowUpOut(EmploymentPlacementOut):
    due_action: str = Field(..., description="待做的回访:check_30 或 check_90")
    due_from: date = Field(..., description="可以登记该回访的最早日期(入职后第30或90天)")

    @staticmethod
    def resolve_due_action(obj: Placement) -> str:
        return outcomes.due_action(obj)

    @staticmethod
    def resolve_due_from(obj: Placement) -> date | None:
        return outcomes.follow_up_from(obj, outcomes.due_action(obj))


class EmploymentPlacementActionIn(Schema):
    on: date = Field(..., description="该步的日期(不早于上一步,不晚于今天;回访不早于入职后第30/90天)")
    reason: LeaveReason | None = Field(None, description="原因:离岗(leave)和未达成(drop)必填,其他步不填")
    note: str = Field("", max_length=255, description="备注")
    version: int | None = Field(None, ge=1, description="读取时的版本号(也可用 If-Match 头);不填则不检查")


class EmploymentPlacementIn(Schema):
    jobseeker_id: Id = Field(..., description="求职者编号")
    vacancy_id: Id = Field(..., description="岗位编号(与求职者同一区县)")
    on: date = Field(..., description="达成意向日期")
    fair_id: Id | None = Field(None, description="招聘会编号")
    trip_id: Id | None = Field(None, description="求职专车编号")


class EmploymentFollowUpParams(Schema):
    on: date | None = Field(None, description="截至日期,默认今天")


# --- helpers --------------------------------------------------------------------------------------


def _may_see(request: HttpRequest) -> None:
    if not can(request.user, "view", Placement):
        raise Forbidden(audit="view employment.placement")


def _placements(request: HttpRequest) -> Any:
    return Placement.objects.restrict(request.user).select_related(*PLACEMENT_RELATED)


def _detail(request: HttpRequest, pk: int) -> Placement:
    """The placement with its dated steps and the actions open to the caller (``steps`` and
    ``actions`` of :class:`EmploymentPlacementDetailOut`)."""
    user = current_user(request)
    found: Placement | None = _placements(request).filter(pk=pk).first()
    if found is None:
        return get_scoped(Placement, user, pk=pk)  # raises: 404 (and the security log's attempt)
    changeable = Placement.objects.restrict(user, "change").filter(pk=pk).exists()
    found.steps = [  # type: ignore[attr-defined]
        {"label": label, "on": on, "detail": detail} for label, on, detail in outcomes.timeline(found)
    ]
    found.actions = [t.action for t in outcomes.allowed_actions(found, user)] if changeable else []  # type: ignore[attr-defined]
    return found


# --- endpoints ------------------------------------------------------------------------------------


@router.get(
    "/placements", response={200: list[EmploymentPlacementOut], **READ_ERRORS}, summary="求职对接列表"
)
@paginate(PageNumber)
def list_placements(request: HttpRequest, filters: Query[EmploymentPlacementFilter]) -> Any:
    _may_see(request)
    return filters.filter(_placements(request)).order_by("-intended_on", "-pk")


@router.post("/placements", response={201: EmploymentPlacementDetailOut, **ERRORS}, summary="登记求职意向")
def create_placement(request: HttpRequest, payload: EmploymentPlacementIn) -> Any:
    """One placement per jobseeker × vacancy: an existing one is returned (its fair and trip
    filled if empty)."""
    user = current_user(request)
    if not can(user, "add", Placement):
        raise Forbidden(audit="add employment.placement")
    jobseeker = related(Jobseeker, payload.jobseeker_id, "jobseeker_id", "求职者不存在", user)
    vacancy = related(Vacancy, payload.vacancy_id, "vacancy_id", "岗位不存在", user)
    fair = related(JobFair, payload.fair_id, "fair_id", "招聘会不存在", user)
    trip = related(BusTrip, payload.trip_id, "trip_id", "求职专车不存在", user)
    placement = outcomes.open_placement(
        user, jobseeker=jobseeker, vacancy=vacancy, on=payload.on, fair=fair, trip=trip
    )
    return Status(201, _detail(request, placement.pk))


@router.get(
    "/placements/follow-ups",
    response={200: list[EmploymentPlacementFollowUpOut], **READ_ERRORS},
    summary="待回访的求职对接(30天、90天)",
)
@paginate(PageNumber)
def follow_ups(request: HttpRequest, params: Query[EmploymentFollowUpParams]) -> Any:
    _may_see(request)
    on = params.on or timezone.localdate()
    return outcomes.follow_ups_due(current_user(request), on).select_related(*PLACEMENT_RELATED)


@router.get(
    "/placements/{placement_id}",
    response={200: EmploymentPlacementDetailOut, **READ_ERRORS},
    summary="求职对接详情(各步日期、可登记的下一步)",
)
def get_placement(request: HttpRequest, placement_id: int) -> Any:
    return _detail(request, placement_id)


@router.post(
    "/placements/{placement_id}/actions/{action}",
    response={200: EmploymentPlacementDetailOut, **ERRORS},
    summary="登记下一步(面试、录用、入职、回访、离岗、未达成)",
)
def act_on_placement(
    request: HttpRequest,
    placement_id: int,
    action: str,
    payload: EmploymentPlacementActionIn,
    if_match: IfMatch = None,
) -> Any:
    """``action``: one of the transition table's — interview, hire, start, check_30, check_90,
    leave, drop. Not allowed from the placement's state: 409 ``outcome_transition``; a date out of
    order: 422 ``outcome_date_order``; a follow-up too early: 422 ``follow_up_too_early``."""
    user = current_user(request)
    version = payload.version if payload.version is not None else parse_version(if_match)
    outcomes.advance(
        user,
        placement_id,
        action,
        on=payload.on,
        reason=payload.reason.value if payload.reason else "",
        note=payload.note,
        version=version,
    )
    return _detail(request, placement_id)
