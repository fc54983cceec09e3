"""/api/v1/investment/leads: leads (线索) and 首报制.

Lists and details start from ``Lead.objects.restrict(user)`` (a town reads its own township's
leads); writes go through :mod:`tiaodu.investment.leads`. An investor already in the district's
pipeline is refused with 409 ``duplicate_investor``, the first report in ``match``; sending
``submit_as_duplicate: true`` saves the lead as a duplicate waiting for 区招商投资局.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.cases.api import related
from tiaodu.core.api import ERRORS, READ_ERRORS, ErrorOut, PageNumber
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.core.resolve import Resolver
from tiaodu.investment import leads
from tiaodu.investment.choices import LeadStatus, Source, Stage
from tiaodu.investment.dedupe import Match
from tiaodu.investment.filters_leads import LeadFilter
from tiaodu.investment.forms_leads import REPORTER_KINDS
from tiaodu.investment.models import IndustryChain, InvestmentProject, Lead, Team

router = Router(tags=["招商引资"])

Id = Annotated[int, Field(ge=1, le=2**62)]
Amount = Annotated[float, Field(ge=0, le=999_999_999_999, description="金额(万元)")]
STATUS = dict(LeadStatus.choices)
RELATED = ("township", "reporter", "reporting_team", "team", "chain")


class MatchOut(Schema):
    kind: str = Field(..., description="lead(线索)、project(在库项目)、enterprise(区内企业)")
    kind_label: str
    id: int
    investor_name: str = Field(..., description="首报时填写的投资方名称")
    title: str = Field(..., description="首报记录的名称(项目名称或线索的投资方)")
    reporter: str = Field(..., description="首报单位(企业则为所属镇街)")
    reported_on: date | None = Field(..., description="首报日期")
    exact: bool = Field(..., description="信用代码或归一名称相同;否则为名称相近")
    score: float = Field(..., description="名称相似度(0–100)")


class DuplicateOut(ErrorOut):
    match: MatchOut | None = Field(None, description="仅 duplicate_investor(409):首报记录")


class LeadOut(Schema):
    id: int
    investor_name: str
    investor_credit_code: str
    content: str
    source: str
    reporter_id: int | None
    reporter_name: str
    reporting_team_id: int | None
    township_code: str | None
    township_name: str | None
    reported_on: date
    team_id: int | None
    team_name: str | None
    chain_id: int | None
    estimated_investment: float | None = Field(..., description="预计投资额(万元)")
    status: str
    status_label: str
    duplicate_status: str = Field(..., description="查重裁定:空、pending、confirmed、overruled")
    duplicate_of_lead_id: int | None
    duplicate_of_project_id: int | None
    project_id: int | None = Field(..., description="转化的招商项目")
    decided_on: date | None
    decision_note: str
    created_at: datetime

    @staticmethod
    def resolve_reporter_name(obj: Lead) -> str:
        return obj.reporter.name if obj.reporter else ""

    @staticmethod
    def resolve_township_code(obj: Lead) -> str | None:
        return obj.township.code if obj.township else None

    @staticmethod
    def resolve_township_name(obj: Lead) -> str | None:
        return obj.township.name if obj.township else None

    @staticmethod
    def resolve_team_name(obj: Lead) -> str | None:
        return obj.team.name if obj.team else None

    @staticmethod
    def resolve_status_label(obj: Lead) -> str:
        return str(STATUS.get(obj.status, obj.status))


class LeadDetailOut(LeadOut):
    first_report: MatchOut | None = Field(..., description="疑似重复时:首报记录(按当前数据重新比对)")

    @staticmethod
    def resolve_first_report(obj: Lead) -> dict[str, Any] | None:
        match = leads.first_report(obj) if obj.duplicate_status else None
        return match.as_dict() if match else None


class LeadIn(Schema):
    investor_name: str = Field(..., min_length=1, max_length=128, description="投资方(企业全称)")
    investor_credit_code: str = Field("", max_length=18, description="投资方统一社会信用代码")
    content: str = Field(..., min_length=1, max_length=5000, description="线索内容")
    source: Source | None = Field(None, description="来源;镇街用户默认 town_team")
    township: str | None = Field(
        None, max_length=64, description="所属镇街:区划代码或名称(本区县优先);镇街用户为本镇街"
    )
    reporter: str | None = Field(
        None, max_length=128, description="报送单位:机构代码、全称或简称;默认本人所在单位"
    )
    reporting_team_id: Id | None = Field(None, description="报送小分队/组编号")
    team_id: Id | None = Field(None, description="接收招商组编号")
    chain_id: Id | None = Field(None, description="产业链编号")
    estimated_investment: Amount | None = Field(None, description="预计投资额(万元)")
    reported_on: date | None = Field(None, description="报送日期,默认今天")
    submit_as_duplicate: bool = Field(
        False, description="投资方已在库时仍然报送,提请区招商投资局裁定(否则返回409 duplicate_investor)"
    )


class CheckIn(Schema):
    investor_name: str = Field(..., min_length=1, max_length=128)
    investor_credit_code: str = Field("", max_length=18)


class CheckOut(Schema):
    duplicate: MatchOut | None = Field(..., description="首报记录(有则为重复报送)")
    enterprise: MatchOut | None = Field(..., description="本区已注册的同名企业(仅供参考,不构成重复)")


class AssignIn(Schema):
    team_id: Id | None = Field(..., description="接收招商组编号;null 为撤回分派")


class ConvertIn(Schema):
    name: str | None = Field(
        None, min_length=1, max_length=128, description="项目名称,默认“<投资方>投资项目”"
    )
    stage: Literal["lead", "contact"] = Field("lead", description="入库阶段:lead(线索)或 contact(接洽)")
    on: date | None = Field(None, description="转化日期,默认今天")
    planned_investment: Amount | None = Field(None, description="计划投资额(万元),默认线索的预计投资额")
    team_id: Id | None = Field(None, description="招商组,默认线索的接收招商组")
    chain_id: Id | None = Field(None, description="产业链,默认线索的产业链")


class ConvertOut(Schema):
    project_id: int
    project_name: str
    stage: str
    lead: LeadDetailOut


class DecideIn(Schema):
    decision: Literal["confirmed", "overruled"] = Field(
        ..., description="confirmed:认定重复,成果归首报;overruled:认定不重复"
    )
    note: str = Field("", max_length=255, description="裁定说明")


class ProjectDecisionOut(Schema):
    id: int
    name: str
    duplicate_status: str
    stage: str


DUPLICATE_ERRORS = {**ERRORS, 409: DuplicateOut}


def _leads(request: HttpRequest) -> Any:
    return Lead.objects.restrict(request.user).select_related(*RELATED)


def _detail(request: HttpRequest, pk: int) -> Lead:
    lead = _leads(request).filter(pk=pk).first()
    return lead or get_scoped(Lead, request.user, pk=pk)


def _duplicate(exc: leads.DuplicateInvestor) -> Status:
    return Status(409, {**exc.as_dict(), "match": exc.match.as_dict()})


def _match(match: Match | None) -> dict[str, Any] | None:
    return match.as_dict() if match else None


@router.get("", response={200: list[LeadOut], **READ_ERRORS}, summary="招商线索列表")
@paginate(PageNumber)
def list_leads(request: HttpRequest, filters: Query[LeadFilter]) -> Any:
    return filters.filter(_leads(request)).order_by("-reported_on", "-pk")


@router.post("/check", response={200: CheckOut, **ERRORS}, summary="首报制查重(不保存)")
def check(request: HttpRequest, payload: CheckIn) -> Any:
    result = leads.check_investor(current_user(request), payload.investor_name, payload.investor_credit_code)
    return {"duplicate": _match(result["duplicate"]), "enterprise": _match(result["enterprise"])}


@router.post("", response={201: LeadDetailOut, **DUPLICATE_ERRORS}, summary="报送线索")
def create_lead(request: HttpRequest, payload: LeadIn) -> Any:
    user = current_user(request)
    resolver = Resolver(user)
    values: dict[str, Any] = {
        "investor_name": payload.investor_name,
        "investor_credit_code": payload.investor_credit_code,
        "content": payload.content,
        "estimated_investment": leads.money(payload.estimated_investment),
        "reported_on": payload.reported_on,
        "reporting_team": related(
            Team, payload.reporting_team_id, "reporting_team_id", "报送小分队/组不存在", user
        ),
        "team": related(Team, payload.team_id, "team_id", "接收招商组不存在", user),
        "chain": related(IndustryChain, payload.chain_id, "chain_id", "产业链不存在", user),
    }
    if payload.source is not None:
        values["source"] = payload.source.value
    if payload.township:
        values["township"] = resolver.township(payload.township)
    if payload.reporter:
        values["reporter"] = resolver.organization(
            payload.reporter, kinds=REPORTER_KINDS, field="reporter", label="报送单位"
        )
    try:
        lead = leads.report_lead(user, submit_as_duplicate=payload.submit_as_duplicate, **values)
    except leads.DuplicateInvestor as exc:
        return _duplicate(exc)
    return Status(201, _detail(request, lead.pk))


@router.post(
    "/projects/{project_id}/decide",
    response={200: ProjectDecisionOut, **ERRORS},
    summary="裁定疑似重复的招商项目(区招商投资局)",
)
def decide_project(request: HttpRequest, project_id: int, payload: DecideIn) -> Any:
    user = current_user(request)
    project = get_scoped(InvestmentProject, user, pk=project_id)
    return leads.decide_duplicate(user, project, payload.decision, payload.note)


@router.get("/{lead_id}", response={200: LeadDetailOut, **READ_ERRORS}, summary="招商线索详情")
def get_lead(request: HttpRequest, lead_id: int) -> Any:
    return _detail(request, lead_id)


@router.post("/{lead_id}/assign", response={200: LeadDetailOut, **ERRORS}, summary="分派线索(区招商投资局)")
def assign(request: HttpRequest, lead_id: int, payload: AssignIn) -> Any:
    user = current_user(request)
    get_scoped(Lead, user, pk=lead_id)
    leads.require_bureau(user, "分派线索")
    team = related(Team, payload.team_id, "team_id", "接收招商组不存在", user)
    leads.assign_lead(user, lead_id, team)
    return _detail(request, lead_id)


@router.post("/{lead_id}/convert", response={201: ConvertOut, **DUPLICATE_ERRORS}, summary="线索转为招商项目")
def convert(request: HttpRequest, lead_id: int, payload: ConvertIn) -> Any:
    user = current_user(request)
    get_scoped(Lead, user, pk=lead_id)
    values: dict[str, Any] = {"stage": Stage(payload.stage).value, "on": payload.on}
    if payload.name:
        values["name"] = payload.name
    if payload.planned_investment is not None:
        values["planned_investment"] = leads.money(payload.planned_investment)
    if payload.team_id is not None:
        values["team"] = related(Team, payload.team_id, "team_id", "招商组不存在", user)
    if payload.chain_id is not None:
        values["chain"] = related(IndustryChain, payload.chain_id, "chain_id", "产业链不存在", user)
    try:
        project = leads.convert_lead(user, lead_id, **values)
    except leads.DuplicateInvestor as exc:
        return _duplicate(exc)
    lead = _detail(request, lead_id)
    return Status(
        201, {"project_id": project.pk, "project_name": project.name, "stage": project.stage, "lead": lead}
    )


@router.post(
    "/{lead_id}/decide", response={200: LeadDetailOut, **ERRORS}, summary="裁定重复线索(区招商投资局)"
)
def decide(request: HttpRequest, lead_id: int, payload: DecideIn) -> Any:
    user = current_user(request)
    lead = get_scoped(Lead, user, pk=lead_id)
    leads.decide_duplicate(user, lead, payload.decision, payload.note)
    return _detail(request, lead_id)
