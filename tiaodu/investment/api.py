"""/api/v1/investment/: the pipeline (项目库: list, detail, create, update, stage moves, follow-ups,
funds in place); leads and the libraries are mounted from their own modules.

Lists and details start from ``InvestmentProject.objects.restrict(user)``; writes go through
``tiaodu.investment.services`` (and 首报制 / tracking of the other modules). A town user reads the
projects its town reported with their confidential fields (amounts, notes, follow-up dates, card)
as ``null`` (:func:`tiaodu.investment.filters.hidden_fields`).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, cast

from django.http import HttpRequest
from ninja import Header, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.cases.api import related
from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.concurrency import parse_version
from tiaodu.core.errors import Forbidden, ServiceError, invalid
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can, get_scoped
from tiaodu.investment import services, tracking
from tiaodu.investment.api_leads import router as leads_router
from tiaodu.investment.api_libraries import router as libraries_router
from tiaodu.investment.choices import (
    FollowLevel,
    FollowUpKind,
    FundSource,
    Source,
    Stage,
    TerminationReason,
)
from tiaodu.investment.filters import InvestmentProjectFilter, filter_for, hidden_fields
from tiaodu.investment.models import (
    FollowUp,
    FundsInPlace,
    IndustryChain,
    InvestmentProject,
    InvestmentStageChange,
    Team,
)
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

router = Router(tags=["招商引资"])
router.add_router("/leads", leads_router)
router.add_router("/libraries", libraries_router)

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", description='读取时的版本号,如 "3";与请求体的 version 二选一,已被他人修改时返回409'
    ),
]
Id = Annotated[int, Field(ge=1, le=2**62)]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999"), decimal_places=2, description="万元")]
Version = Annotated[int, Field(ge=1, le=2**31)]
RELATED = ("chain", "team", "investor_region", "first_reporter", "first_township")


def _hidden(context: Any) -> frozenset[str]:
    """The fields the request's user may not see, decided once per request."""
    request = (context or {}).get("request")
    if request is None:
        return frozenset(InvestmentProject.confidential)
    cached = getattr(request, "_investment_hidden", None)
    if cached is None:
        cached = hidden_fields(request.user)
        request._investment_hidden = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[no-any-return]


def _secret_resolver(field: str) -> Any:
    """A schema resolver giving ``field``, or null to a viewer who may not see it."""

    def resolve(obj: Any, context: Any) -> Any:
        return None if field in _hidden(context) else getattr(obj, field)

    return staticmethod(resolve)


class InvestmentStageChangeOut(Schema):
    from_stage: str
    to_stage: str
    on: date
    ended_on: date | None
    reason: str
    actor: str | None
    note: str | None = Field(None, description="说明(镇街用户为 null)")

    @staticmethod
    def resolve_actor(obj: InvestmentStageChange) -> str | None:
        return cast("User", obj.actor).display_name if obj.actor_id else None

    @staticmethod
    def resolve_note(obj: InvestmentStageChange, context: Any) -> str | None:
        return None if "stage_note" in _hidden(context) else obj.note


class InvestmentProjectOut(Schema):
    id: int
    name: str
    investor_name: str
    investor_credit_code: str
    investor_region_code: str | None
    investor_region_name: str | None
    chain_id: int | None
    chain_name: str | None
    industry_code: str
    planned_investment: float | None = Field(None, description="计划投资额(万元;镇街用户为 null)")
    agreed_investment: float | None = Field(None, description="协议投资额(万元;镇街用户为 null)")
    land_mu: float | None = Field(None, description="用地需求(亩;镇街用户为 null)")
    expected_output: float | None = Field(None, description="预计年产值(万元;镇街用户为 null)")
    expected_tax: float | None = Field(None, description="预计年税收(万元;镇街用户为 null)")
    team_id: int | None
    team_name: str | None
    lead_unit_id: int | None
    first_reporter_id: int | None
    first_reporter_name: str | None
    first_township_code: str | None
    first_reported_on: date | None
    source: str
    is_key: bool
    follow_level: str
    planned_signing_on: date | None
    stage: str
    stage_label: str
    stage_on: date | None
    signed_on: date | None
    termination_reason: str
    key_project_id: int | None
    duplicate_of_id: int | None
    duplicate_status: str
    last_follow_up_on: date | None = Field(None, description="最近跟进日期(镇街用户为 null)")
    next_follow_up_on: date | None = Field(None, description="计划下次跟进日期(镇街用户为 null)")
    card: str | None = Field(None, description="督办牌(镇街用户为 null)")
    created_at: datetime
    updated_at: datetime
    version: int = Field(
        ..., description="版本号:修改或变更阶段时在 version 或 If-Match 中带回,已被他人修改则409 stale_write"
    )

    @staticmethod
    def resolve_investor_region_code(obj: InvestmentProject) -> str | None:
        return obj.investor_region.code if obj.investor_region else None

    @staticmethod
    def resolve_investor_region_name(obj: InvestmentProject) -> str | None:
        return obj.investor_region.name if obj.investor_region else None

    @staticmethod
    def resolve_chain_name(obj: InvestmentProject) -> str | None:
        return obj.chain.name if obj.chain else None

    @staticmethod
    def resolve_team_name(obj: InvestmentProject) -> str | None:
        return obj.team.name if obj.team else None

    @staticmethod
    def resolve_first_reporter_name(obj: InvestmentProject) -> str | None:
        return obj.first_reporter.name if obj.first_reporter else None

    @staticmethod
    def resolve_first_township_code(obj: InvestmentProject) -> str | None:
        return obj.first_township.code if obj.first_township else None

    @staticmethod
    def resolve_stage_label(obj: InvestmentProject) -> str:
        return services.stage_label(obj.stage)

    # The confidential fields: null for a viewer who may not see them.
    resolve_planned_investment = _secret_resolver("planned_investment")
    resolve_agreed_investment = _secret_resolver("agreed_investment")
    resolve_land_mu = _secret_resolver("land_mu")
    resolve_expected_output = _secret_resolver("expected_output")
    resolve_expected_tax = _secret_resolver("expected_tax")
    resolve_last_follow_up_on = _secret_resolver("last_follow_up_on")
    resolve_next_follow_up_on = _secret_resolver("next_follow_up_on")
    resolve_card = _secret_resolver("card")


class InvestmentProjectDetailOut(InvestmentProjectOut):
    notes: str | None = Field(None, description="备注(镇街用户为 null)")
    allowed_stages: list[str] = Field(..., description="按阶段流转表下一步可变更的阶段")
    stage_changes: list[InvestmentStageChangeOut]

    resolve_notes = _secret_resolver("notes")

    @staticmethod
    def resolve_allowed_stages(obj: InvestmentProject) -> list[str]:
        return list(services.allowed_targets(obj.stage))

    @staticmethod
    def resolve_stage_changes(obj: InvestmentProject) -> list[InvestmentStageChange]:
        return list(obj.stage_changes.select_related("actor").order_by("on", "pk"))


class ProjectFields(Schema):
    """The editable values (the names of ``services.EDITABLE``; links by id or code)."""

    name: str = Field(..., min_length=1, max_length=128)
    investor_name: str = Field(..., min_length=1, max_length=128, description="投资方")
    investor_credit_code: str = Field("", max_length=18, description="投资方统一社会信用代码(区外企业可空)")
    investor_region: str | None = Field(None, max_length=12, description="投资方所在地:区划代码")
    chain_id: Id | None = Field(None, description="产业链编号")
    industry_code: str = Field("", max_length=8, description="行业代码(GB/T 4754)")
    planned_investment: Amount = Field(Decimal(0), description="计划投资额(万元)")
    agreed_investment: Amount | None = Field(None, description="协议投资额(万元,签约后)")
    land_mu: Amount | None = Field(None, description="用地需求(亩)")
    expected_output: Amount | None = Field(None, description="预计年产值(万元)")
    expected_tax: Amount | None = Field(None, description="预计年税收(万元)")
    team_id: Id | None = Field(None, description="招商组编号")
    lead_unit_id: Id | None = Field(None, description="招商责任单位(机构编号),默认区招商投资局")
    first_reporter_id: Id | None = Field(None, description="首报单位(机构编号)")
    first_township: str | None = Field(None, max_length=12, description="首报镇街:区划代码")
    first_reported_on: date | None = None
    source: Source = Source.OTHER
    is_key: bool = False
    follow_level: FollowLevel = FollowLevel.GENERAL
    planned_signing_on: date | None = None
    notes: str = Field("", max_length=5000)


class InvestmentProjectIn(ProjectFields):
    stage: Stage = Field(Stage.LEAD, description="入库阶段(不能为终止)")
    on: date | None = Field(None, description="入库日期,默认今天")
    submit_as_duplicate: bool = Field(
        False, description="投资方已由其他单位首报时仍然提交:标记为疑似重复,由区招商投资局裁定"
    )


class ProjectPatch(ProjectFields):
    """Only the fields sent are changed."""

    name: str = Field("", max_length=128)  # type: ignore[assignment]
    investor_name: str = Field("", max_length=128)  # type: ignore[assignment]
    version: Version | None = Field(None, description="读取时的版本号(也可用 If-Match 头)")


class InvestmentStageIn(Schema):
    to: Stage = Field(..., description="新阶段")
    on: date | None = Field(None, description="日期,默认今天;不能晚于今天")
    reason: TerminationReason | None = Field(None, description="终止原因(仅终止时)")
    agreed_investment: Amount | None = Field(None, description="协议投资额(万元;签约时必填,除非已有)")
    note: str = Field("", max_length=255)
    version: Version | None = Field(None, description="读取时的版本号(也可用 If-Match 头);已被他人修改时409")


class FollowUpIn(Schema):
    kind: FollowUpKind
    on: date
    people: str = Field(..., min_length=1, max_length=128)
    outcome: str = Field(..., min_length=1, max_length=5000)
    next_step: str = Field("", max_length=255)
    next_on: date | None = None


class FollowUpOut(Schema):
    id: int
    kind: str
    on: date
    people: str
    outcome: str
    next_step: str
    next_on: date | None


class FundsIn(Schema):
    month: date = Field(..., description="年月(当月任一日,按当月1日记)")
    amount: Amount
    source: FundSource


class FundsOut(Schema):
    id: int
    month: date
    amount: float
    source: str


def _projects(request: HttpRequest) -> Any:
    return InvestmentProject.objects.restrict(request.user).select_related(*RELATED)


def _detail(request: HttpRequest, pk: int) -> InvestmentProject:
    project = _projects(request).filter(pk=pk).first()
    return project or get_scoped(InvestmentProject, request.user, pk=pk)  # type: ignore[no-any-return]


def _region(code: str | None, field: str) -> Region | None:
    from tiaodu.regions.services import get_region

    if not code:
        return None
    try:
        return get_region(code)
    except ServiceError as exc:
        raise invalid(field, "region_unknown", exc.errors[0].message if exc.errors else exc.message) from None


LINKS = (
    ("chain_id", "chain", IndustryChain, "产业链不存在"),
    ("team_id", "team", Team, "招商组不存在"),
    ("lead_unit_id", "lead_unit", Organization, "招商责任单位不存在"),
    ("first_reporter_id", "first_reporter", Organization, "首报单位不存在"),
)


def _values(user: Any, data: dict[str, Any], project: InvestmentProject | None = None) -> dict[str, Any]:
    """API names → service values (links looked up through the user's scope)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("source", "follow_level", "stage"):
            out[key] = str(getattr(value, "value", value))
        elif key == "investor_region" or key == "first_township":
            out[key] = _region(value, key)
        else:
            out[key] = value
    for api_name, field, model, message in LINKS:
        if api_name in out:
            current = getattr(project, f"{field}_id") if project else None
            out[field] = related(model, out.pop(api_name), api_name, message, user, current)
    return out


def _may_see(request: HttpRequest, model: Any) -> None:
    if not can(request.user, "view", model):
        raise Forbidden()


@router.get("/projects", response={200: list[InvestmentProjectOut], **READ_ERRORS}, summary="招商项目列表")
@paginate(PageNumber)
def list_projects(request: HttpRequest, filters: Query[InvestmentProjectFilter]) -> Any:
    _may_see(request, InvestmentProject)
    # A town user's filters are the town schema's (no amount or card filters).
    schema = filter_for(request.user)
    if schema is not type(filters):
        filters = schema(**filters.model_dump())
    return filters.filter(_projects(request)).order_by("name", "pk")


@router.post(
    "/projects", response={201: InvestmentProjectDetailOut, **ERRORS}, summary="新增招商项目(首报制查重)"
)
def create_project(request: HttpRequest, payload: InvestmentProjectIn) -> Any:
    from tiaodu.investment.views import create_checked

    user = current_user(request)
    data = _values(user, payload.dict())
    project = create_checked(user, **data)
    return Status(201, _detail(request, project.pk))


@router.get(
    "/projects/{project_id}",
    response={200: InvestmentProjectDetailOut, **READ_ERRORS},
    summary="招商项目详情",
)
def get_project(request: HttpRequest, project_id: int) -> Any:
    return _detail(request, project_id)


@router.patch(
    "/projects/{project_id}", response={200: InvestmentProjectDetailOut, **ERRORS}, summary="修改招商项目"
)
def update_project(
    request: HttpRequest, project_id: int, payload: ProjectPatch, if_match: IfMatch = None
) -> Any:
    user = current_user(request)
    project = get_scoped(InvestmentProject, user, "view", pk=project_id)
    sent = {k: v for k, v in payload.dict().items() if k in payload.model_fields_set and k != "version"}
    version = payload.version if payload.version is not None else parse_version(if_match)
    services.update_project(user, project.pk, version, **_values(user, sent, project))
    return _detail(request, project_id)


@router.post(
    "/projects/{project_id}/stage", response={200: InvestmentProjectDetailOut, **ERRORS}, summary="变更阶段"
)
def change_stage(
    request: HttpRequest, project_id: int, payload: InvestmentStageIn, if_match: IfMatch = None
) -> Any:
    user = current_user(request)
    project = get_scoped(InvestmentProject, user, "view", pk=project_id)
    version = payload.version if payload.version is not None else parse_version(if_match)
    services.change_stage(
        user,
        project,
        payload.to.value,
        payload.on,
        reason=payload.reason.value if payload.reason else "",
        note=payload.note,
        agreed_investment=payload.agreed_investment,
        version=version,
    )
    return _detail(request, project_id)


@router.get(
    "/projects/{project_id}/follow-ups", response={200: list[FollowUpOut], **READ_ERRORS}, summary="跟进记录"
)
def list_follow_ups(request: HttpRequest, project_id: int) -> Any:
    project = get_scoped(InvestmentProject, request.user, pk=project_id)  # 404 first: no oracle
    _may_see(request, FollowUp)
    return list(FollowUp.objects.restrict(request.user).filter(project=project).order_by("-on", "-pk"))


@router.post(
    "/projects/{project_id}/follow-ups", response={201: FollowUpOut, **ERRORS}, summary="登记跟进记录"
)
def add_follow_up(request: HttpRequest, project_id: int, payload: FollowUpIn) -> Any:
    user = current_user(request)
    project = get_scoped(InvestmentProject, user, pk=project_id)
    data = payload.dict()
    data["kind"] = payload.kind.value
    return Status(201, tracking.record_follow_up(user, project, **data))


@router.get("/projects/{project_id}/funds", response={200: list[FundsOut], **READ_ERRORS}, summary="到位资金")
def list_funds(request: HttpRequest, project_id: int) -> Any:
    project = get_scoped(InvestmentProject, request.user, pk=project_id)  # 404 first: no oracle
    _may_see(request, FundsInPlace)
    return list(
        FundsInPlace.objects.restrict(request.user).filter(project=project).order_by("month", "source")
    )


@router.post("/projects/{project_id}/funds", response={201: FundsOut, **ERRORS}, summary="登记到位资金")
def add_funds(request: HttpRequest, project_id: int, payload: FundsIn) -> Any:
    user = current_user(request)
    project = get_scoped(InvestmentProject, user, pk=project_id)
    month = payload.month.replace(day=1)
    return Status(
        201,
        tracking.record_funds(user, project, month=month, amount=payload.amount, source=payload.source.value),
    )
