"""/api/v1/safety/ endpoints of 双随机 planning (mounted by tiaodu/safety/api.py): plans (create,
draw, publish, verify, the inputs snapshot anyone can re-run), campaigns, joint teams,
inspectors, 综合查一次 and coverage. Lists and details start from ``restrict(user)``; writes go
through :mod:`tiaodu.safety.planning` and :mod:`tiaodu.safety.campaigns`."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.cases.api import related
from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.errors import invalid
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.core.resolve import Resolver, actor_district
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.safety import campaigns, planning
from tiaodu.safety.forms_planning import (
    MEMBER_KINDS,
    CampaignFilter,
    InspectorFilter,
    JointVisitFilter,
    PlanFilter,
    TeamFilter,
)
from tiaodu.safety.models import (
    Campaign,
    InspectionPlan,
    Inspector,
    JointTeam,
    JointVisit,
    PlanVisit,
    Sector,
    Unit,
)

router = Router()

Id = Annotated[int, Field(ge=1, le=2**62)]
Ids = Annotated[list[Id], Field(max_length=500)]
STATUS = {"draft": "草稿", "published": "已公布"}


def _many(model: Any, ids: list[int] | None, field: str, message: str, user: Any) -> list[Any]:
    return [related(model, pk, field, message, user) for pk in ids or ()]


def _org(
    resolver: Resolver, ref: str | None, field: str, label: str, kinds: Any = (OrgKind.DEPARTMENT,)
) -> Any:
    if not ref:
        return None
    return resolver.organization(ref, kinds=kinds, field=field, label=label)


# --- schemas ---------------------------------------------------------------------------------


class SafetyVisitOut(Schema):
    order: int
    unit_id: int
    unit_name: str
    township_name: str
    sector_name: str
    risk_level: str
    inspector_ids: list[int]
    inspector_names: list[str]
    joint_visit_id: int | None


class SafetyPlanOut(Schema):
    id: int
    name: str
    region_code: str
    department_id: int
    department_name: str
    year: int
    starts_on: date
    ends_on: date
    campaign_id: int | None
    sector_ids: list[int]
    sample_percent: float = Field(..., description="抽查比例(%)")
    recent_days: int
    yearly_cap: int
    inspectors_per_visit: int
    status: str = Field(..., description="draft(草稿)、published(已公布)")
    status_label: str
    seed: str = Field(..., description="随机种子(抽取后)")
    digest: str = Field(..., description="公布名单的 SHA-256 摘要")
    drawn_at: datetime | None
    published_at: datetime | None
    version: int

    @staticmethod
    def resolve_region_code(obj: InspectionPlan) -> str:
        return obj.region.code  # type: ignore[no-any-return]

    @staticmethod
    def resolve_department_name(obj: InspectionPlan) -> str:
        return obj.department.name  # type: ignore[no-any-return]

    @staticmethod
    def resolve_sector_ids(obj: InspectionPlan) -> list[int]:
        return [s.pk for s in obj.sectors.all()]

    @staticmethod
    def resolve_status_label(obj: InspectionPlan) -> str:
        return STATUS.get(obj.status, obj.status)


class SafetyPlanDetailOut(SafetyPlanOut):
    population: int | None = Field(None, description="名录库户数(抽取时)")
    excluded_recent: int | None = Field(None, description="近期已检查排除户数")
    excluded_cap: int | None = Field(None, description="达到年度上限排除户数")
    visits: list[SafetyVisitOut]

    @staticmethod
    def resolve_population(obj: InspectionPlan) -> int | None:
        return (obj.inputs or {}).get("population")

    @staticmethod
    def resolve_excluded_recent(obj: InspectionPlan) -> int | None:
        return (obj.inputs or {}).get("excluded_recent")

    @staticmethod
    def resolve_excluded_cap(obj: InspectionPlan) -> int | None:
        return (obj.inputs or {}).get("excluded_cap")

    @staticmethod
    def resolve_visits(obj: InspectionPlan) -> list[dict[str, Any]]:
        visits = list(
            PlanVisit.objects.filter(plan=obj)
            .select_related("unit__township", "unit__sector")
            .order_by("order")
        )
        names = dict(
            Inspector.objects.filter(pk__in={i for v in visits for i in v.inspector_ids}).values_list(
                "pk", "name"
            )
        )
        return [
            {
                "order": v.order,
                "unit_id": v.unit_id,
                "unit_name": v.unit.name,
                "township_name": v.unit.township.name,
                "sector_name": v.unit.sector.name,
                "risk_level": v.unit.risk_level,
                "inspector_ids": list(v.inspector_ids),
                "inspector_names": [names.get(i, "") for i in v.inspector_ids],
                "joint_visit_id": v.joint_visit_id,
            }
            for v in visits
        ]


class SafetyPlanIn(Schema):
    name: str = Field(..., min_length=1, max_length=128, description="计划名称")
    department: str | None = Field(
        None, max_length=128, description="抽查部门:机构代码、全称或简称;部门用户为本部门"
    )
    starts_on: date
    ends_on: date
    year: int | None = Field(None, ge=2000, le=2100, description="年度,默认开始日期所在年")
    campaign_id: Id | None = None
    sector_ids: Ids = Field(default_factory=list, description="抽查行业编号;空为本部门监管的行业")
    sample_percent: Decimal = Field(
        ..., gt=0, le=100, max_digits=5, decimal_places=2, description="抽查比例(%)"
    )
    recent_days: int | None = Field(None, ge=0, le=3660, description="近期已检查排除天数,默认按本区设置")
    yearly_cap: int | None = Field(None, ge=1, le=366, description="每年计划检查上限,默认按本区设置")
    inspectors_per_visit: int | None = Field(None, ge=2, le=20, description="每次检查执法人员数(≥2)")


class SafetyDrawIn(Schema):
    seed: str | None = Field(None, max_length=64, description="随机种子;空则随机生成")
    version: int | None = Field(None, ge=1, description="计划版本号(乐观并发检查)")


class SafetyPublishIn(Schema):
    version: int | None = Field(None, ge=1, description="计划版本号(乐观并发检查)")


class SafetyVerifyOut(Schema):
    matches: bool = Field(..., description="按记载的种子和输入重新抽取,结果与名单是否一致")
    digest: str = Field(..., description="重新抽取结果的 SHA-256")
    published_digest: str
    differences: list[str]
    expected: list[list[Any]] = Field(..., description="重新抽取的名单:[单位编号, [执法人员编号…]]")
    actual: list[list[Any]] = Field(..., description="现存名单")


class SafetyCampaignOut(Schema):
    id: int
    name: str
    starts_on: date
    ends_on: date | None
    lead_department_id: int | None
    department_ids: list[int]
    sector_ids: list[int]
    description: str

    @staticmethod
    def resolve_department_ids(obj: Campaign) -> list[int]:
        return [o.pk for o in obj.departments.all()]

    @staticmethod
    def resolve_sector_ids(obj: Campaign) -> list[int]:
        return [s.pk for s in obj.sectors.all()]


class SafetyCampaignIn(Schema):
    name: str = Field(..., min_length=1, max_length=128)
    starts_on: date
    ends_on: date | None = None
    lead_department: str | None = Field(None, max_length=128, description="牵头部门:机构代码、全称或简称")
    departments: list[Annotated[str, Field(max_length=128)]] = Field(
        default_factory=list, max_length=100, description="参与单位(名称或代码)"
    )
    sector_ids: Ids = Field(default_factory=list)
    description: str = Field("", max_length=5000)


class SafetyTeamOut(Schema):
    id: int
    name: str
    campaign_id: int | None
    lead_org_id: int | None
    organization_ids: list[int]
    note: str
    is_active: bool

    @staticmethod
    def resolve_organization_ids(obj: JointTeam) -> list[int]:
        return [o.pk for o in obj.organizations.all()]


class SafetyTeamIn(Schema):
    name: str = Field(..., min_length=1, max_length=128)
    campaign_id: Id | None = None
    lead_org: str | None = Field(None, max_length=128, description="牵头单位:机构代码、全称或简称")
    organizations: list[Annotated[str, Field(max_length=128)]] = Field(
        default_factory=list, max_length=100, description="成员单位(部门、镇街、公用企业)"
    )
    note: str = Field("", max_length=255)


class SafetyInspectorOut(Schema):
    id: int
    name: str
    organization_id: int
    organization_name: str
    certificate_no: str
    certificate_valid_until: date | None
    related_unit_ids: list[int]
    is_active: bool

    @staticmethod
    def resolve_organization_name(obj: Inspector) -> str:
        return obj.organization.name  # type: ignore[no-any-return]

    @staticmethod
    def resolve_related_unit_ids(obj: Inspector) -> list[int]:
        return [u.pk for u in obj.related_units.all()]


class SafetyInspectorIn(Schema):
    name: str = Field(..., min_length=1, max_length=32)
    organization: str | None = Field(None, max_length=128, description="所属部门;部门用户为本部门")
    certificate_no: str = Field("", max_length=32, description="执法证号")
    certificate_valid_until: date | None = Field(None, description="执法证有效期至")
    related_unit_ids: Ids = Field(default_factory=list, description="回避单位编号")


class SafetyInspectorPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=32)
    certificate_no: str | None = Field(None, max_length=32)
    certificate_valid_until: date | None = None
    related_unit_ids: Ids | None = Field(None, description="回避单位编号(整体替换)")
    is_active: bool | None = None


class SafetyJointVisitOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    starts_on: date
    ends_on: date
    lead_department_id: int | None
    plan_ids: list[int]

    @staticmethod
    def resolve_unit_name(obj: JointVisit) -> str:
        return obj.unit.name  # type: ignore[no-any-return]

    @staticmethod
    def resolve_plan_ids(obj: JointVisit) -> list[int]:
        return sorted(v.plan_id for v in obj.visits.all())


class SafetyMergeIn(Schema):
    start: date
    end: date


class SafetyCoverageUnitOut(Schema):
    id: int
    name: str
    township: str
    risk_level: str
    never_inspected: bool


class SafetyCoverageRowOut(Schema):
    sector_id: int | None
    sector: str = Field(..., description="行业领域;合计行为“合计”")
    units: int = Field(..., description="在营单位")
    inspected: int = Field(..., description="当年已执法检查(含联合检查)的单位")
    not_inspected: int
    never_inspected: int
    rate: float | None = Field(..., description="覆盖率(%)")


class SafetyCoverageParams(Schema):
    year: int = Field(..., ge=2000, le=2100, description="年度")
    as_of: date | None = Field(None, description="截至日期,默认今天(往年为12月31日)")
    sector: int | None = Field(None, ge=1, le=2**62, description="行业领域编号:列出其本年度未检查的单位")


class SafetyCoverageOut(Schema):
    region_code: str
    year: int
    as_of: date
    rows: list[SafetyCoverageRowOut]
    units: list[SafetyCoverageUnitOut] = Field(..., description="指定 sector 时:该行业本年度未检查的单位")


# --- plans -----------------------------------------------------------------------------------


def _plans(request: HttpRequest) -> Any:
    return (
        InspectionPlan.objects.restrict(request.user)
        .select_related("region", "department")
        .prefetch_related("sectors")
    )


def _plan(request: HttpRequest, pk: int) -> InspectionPlan:
    found = _plans(request).filter(pk=pk).first()
    return found or get_scoped(InspectionPlan, request.user, pk=pk)


@router.get("/plans", response={200: list[SafetyPlanOut], **READ_ERRORS}, summary="双随机抽查计划列表")
@paginate(PageNumber)
def list_plans(request: HttpRequest, filters: Query[PlanFilter]) -> Any:
    return filters.filter(_plans(request)).order_by("-year", "-starts_on", "pk")


@router.post("/plans", response={201: SafetyPlanDetailOut, **ERRORS}, summary="新建双随机抽查计划")
def create_plan(request: HttpRequest, payload: SafetyPlanIn) -> Any:
    user = current_user(request)
    values: dict[str, Any] = {
        "name": payload.name,
        "starts_on": payload.starts_on,
        "ends_on": payload.ends_on,
        "year": payload.year,
        "campaign": related(Campaign, payload.campaign_id, "campaign_id", "专项行动不存在", user),
        "sectors": _many(Sector, payload.sector_ids, "sector_ids", "行业领域不存在", user),
        "sample_percent": Decimal(str(payload.sample_percent)).quantize(Decimal("0.01")),
        "recent_days": payload.recent_days,
        "yearly_cap": payload.yearly_cap,
        "inspectors_per_visit": payload.inspectors_per_visit,
    }
    department = _org(Resolver(user), payload.department, "department", "抽查部门")
    if department is not None:
        values["department"] = department
    plan = planning.create_plan(user, **values)
    return Status(201, _plan(request, plan.pk))


@router.get(
    "/plans/{plan_id}", response={200: SafetyPlanDetailOut, **READ_ERRORS}, summary="抽查计划及抽取名单"
)
def get_plan(request: HttpRequest, plan_id: int) -> Any:
    return _plan(request, plan_id)


@router.post("/plans/{plan_id}/draw", response={200: SafetyPlanDetailOut, **ERRORS}, summary="抽取(草稿计划)")
def draw_plan(request: HttpRequest, plan_id: int, payload: SafetyDrawIn) -> Any:
    planning.draw(current_user(request), plan_id, seed=payload.seed, version=payload.version)
    return _plan(request, plan_id)


@router.post(
    "/plans/{plan_id}/publish", response={200: SafetyPlanDetailOut, **ERRORS}, summary="公布抽取结果"
)
def publish_plan(request: HttpRequest, plan_id: int, payload: SafetyPublishIn) -> Any:
    planning.publish(current_user(request), plan_id, version=payload.version)
    return _plan(request, plan_id)


@router.get(
    "/plans/{plan_id}/verify",
    response={200: SafetyVerifyOut, **READ_ERRORS},
    summary="按种子和输入复核抽取结果",
)
def verify_plan(request: HttpRequest, plan_id: int) -> Any:
    plan = _plan(request, plan_id)
    result = planning.verify(plan)
    return {**result.as_dict(), "published_digest": plan.digest}


@router.get(
    "/plans/{plan_id}/inputs",
    response={200: dict[str, Any], **READ_ERRORS},
    summary="抽取输入(随机种子、候选单位及权重、执法人员、回避关系),供任何人重新抽取",
)
def plan_inputs(request: HttpRequest, plan_id: int) -> Any:
    plan = _plan(request, plan_id)
    if not plan.inputs:
        raise invalid("plan", "plan_not_drawn", "抽查计划尚未抽取")
    return plan.inputs


# --- campaigns, teams, inspectors ------------------------------------------------------------


@router.get("/campaigns", response={200: list[SafetyCampaignOut], **READ_ERRORS}, summary="专项行动列表")
@paginate(PageNumber)
def list_campaigns(request: HttpRequest, filters: Query[CampaignFilter]) -> Any:
    campaigns_qs = Campaign.objects.restrict(request.user).prefetch_related("departments", "sectors")
    return filters.filter(campaigns_qs).order_by("-starts_on", "pk")


@router.post("/campaigns", response={201: SafetyCampaignOut, **ERRORS}, summary="新建专项行动")
def create_campaign(request: HttpRequest, payload: SafetyCampaignIn) -> Any:
    user = current_user(request)
    resolver = Resolver(user)
    campaign = campaigns.create_campaign(
        user,
        name=payload.name,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        lead_department=_org(resolver, payload.lead_department, "lead_department", "牵头部门"),
        departments=[
            _org(resolver, ref, "departments", "参与单位", MEMBER_KINDS) for ref in payload.departments
        ],
        sectors=_many(Sector, payload.sector_ids, "sector_ids", "行业领域不存在", user),
        description=payload.description,
    )
    return Status(201, campaign)


@router.get(
    "/campaigns/{campaign_id}", response={200: SafetyCampaignOut, **READ_ERRORS}, summary="专项行动详情"
)
def get_campaign(request: HttpRequest, campaign_id: int) -> Any:
    return get_scoped(Campaign, request.user, pk=campaign_id)


@router.get("/teams", response={200: list[SafetyTeamOut], **READ_ERRORS}, summary="联合检查组列表")
@paginate(PageNumber)
def list_teams(request: HttpRequest, filters: Query[TeamFilter]) -> Any:
    teams = JointTeam.objects.restrict(request.user).prefetch_related("organizations")
    return filters.filter(teams).order_by("name", "pk")


@router.post("/teams", response={201: SafetyTeamOut, **ERRORS}, summary="新建联合检查组")
def create_team(request: HttpRequest, payload: SafetyTeamIn) -> Any:
    user = current_user(request)
    resolver = Resolver(user)
    team = campaigns.create_team(
        user,
        name=payload.name,
        campaign=related(Campaign, payload.campaign_id, "campaign_id", "专项行动不存在", user),
        lead_org=_org(resolver, payload.lead_org, "lead_org", "牵头单位", MEMBER_KINDS),
        organizations=[
            _org(resolver, ref, "organizations", "成员单位", MEMBER_KINDS) for ref in payload.organizations
        ],
        note=payload.note,
    )
    return Status(201, team)


@router.get("/inspectors", response={200: list[SafetyInspectorOut], **READ_ERRORS}, summary="执法人员列表")
@paginate(PageNumber)
def list_inspectors(request: HttpRequest, filters: Query[InspectorFilter]) -> Any:
    people = Inspector.objects.restrict(request.user).select_related("organization")
    return filters.filter(people.prefetch_related("related_units")).order_by("organization_id", "name", "pk")


@router.post("/inspectors", response={201: SafetyInspectorOut, **ERRORS}, summary="登记执法人员")
def create_inspector(request: HttpRequest, payload: SafetyInspectorIn) -> Any:
    user = current_user(request)
    values: dict[str, Any] = {
        "name": payload.name,
        "certificate_no": payload.certificate_no,
        "certificate_valid_until": payload.certificate_valid_until,
        "related_units": _many(Unit, payload.related_unit_ids, "related_unit_ids", "回避单位不存在", user),
    }
    organization: Organization | None = _org(Resolver(user), payload.organization, "organization", "所属部门")
    if organization is not None:
        values["organization"] = organization
    inspector = campaigns.create_inspector(user, **values)
    return Status(201, inspector)


@router.get(
    "/inspectors/{inspector_id}", response={200: SafetyInspectorOut, **READ_ERRORS}, summary="执法人员详情"
)
def get_inspector(request: HttpRequest, inspector_id: int) -> Any:
    return get_scoped(Inspector, request.user, pk=inspector_id)


@router.patch(
    "/inspectors/{inspector_id}", response={200: SafetyInspectorOut, **ERRORS}, summary="修改执法人员"
)
def update_inspector(request: HttpRequest, inspector_id: int, payload: SafetyInspectorPatch) -> Any:
    user = current_user(request)
    data = payload.model_dump(exclude_unset=True)
    values: dict[str, Any] = {
        k: data[k] for k in ("name", "certificate_no", "certificate_valid_until", "is_active") if k in data
    }
    if "related_unit_ids" in data:
        values["related_units"] = _many(
            Unit, data["related_unit_ids"], "related_unit_ids", "回避单位不存在", user
        )
    campaigns.update_inspector(user, inspector_id, **values)
    return get_scoped(Inspector, user, pk=inspector_id)


# --- 综合查一次 and coverage -----------------------------------------------------------------


@router.get(
    "/joint-visits", response={200: list[SafetyJointVisitOut], **READ_ERRORS}, summary="综合查一次列表"
)
@paginate(PageNumber)
def list_joint_visits(request: HttpRequest, filters: Query[JointVisitFilter]) -> Any:
    joint = JointVisit.objects.restrict(request.user).select_related("unit").prefetch_related("visits")
    return filters.filter(joint).order_by("starts_on", "pk")


@router.post(
    "/joint-visits/merge",
    response={200: list[SafetyJointVisitOut], **ERRORS},
    summary="综合查一次:合并期间内已公布计划对同一单位的抽查",
)
def merge_joint_visits(request: HttpRequest, payload: SafetyMergeIn) -> Any:
    user = current_user(request)
    district = actor_district(user)
    if district is None:
        raise invalid("region", "region_required", "请指定所属区县")
    return planning.merge_joint_visits(district, payload.start, payload.end, actor=user)


@router.get("/coverage", response={200: SafetyCoverageOut, **READ_ERRORS}, summary="各行业检查覆盖情况")
def get_coverage(request: HttpRequest, params: Query[SafetyCoverageParams]) -> Any:
    user = current_user(request)
    district = actor_district(user)
    if district is None:
        raise invalid("region", "region_required", "请指定所属区县")
    year, as_of = params.year, params.as_of
    if as_of is not None and as_of.year != year:
        raise invalid("as_of", "as_of_outside_year", "截至日期应在所选年度内")
    until = planning.coverage_until(year, as_of)
    rows = planning.coverage(district, year, until, user=user)
    chosen = next((r for r in rows if r.sector is not None and r.sector.pk == params.sector), None)
    listed: list[dict[str, Any]] = []
    if chosen is not None:
        never = {u.id for u in chosen.never_inspected}
        listed = [{**u.__dict__, "never_inspected": u.id in never} for u in chosen.not_inspected]
    return {
        "region_code": district.code,
        "year": year,
        "as_of": until,
        "rows": [r.as_dict() for r in rows],
        "units": listed,
    }
