"""/api/v1/projects: the key-project library, stage transitions and milestones.

Lists and details start from ``Project.objects.restrict(user)``; writes go through
``tiaodu.projects.services`` (the stage table, money and coordinate rules, the scope re-check).
"""

from datetime import date, datetime
from typing import Annotated, Any

import orjson
from django.http import HttpRequest, HttpResponse
from ninja import Header, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.accounts.models import User
from tiaodu.cases.api import related
from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.concurrency import parse_version
from tiaodu.core.errors import invalid
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.orgs.models import Organization
from tiaodu.projects import oc4ids, services
from tiaodu.projects.choices import (
    BondField,
    Funding,
    MilestoneKind,
    ProjectCategory,
    ProjectKind,
    ProjectLevel,
    Stage,
)
from tiaodu.projects.filters import ProjectFilter
from tiaodu.projects.models import Milestone, Project, StageChange

router = Router(tags=["重点项目"])

# The version read, as an ETag ("3" or W/"3"); the body's version wins when both are sent.
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", description='读取时的版本号,如 "3";与请求体的 version 二选一,已被他人修改时返回409'
    ),
]

Id = Annotated[int, Field(ge=1, le=2**62)]
Amount = Annotated[float, Field(ge=0, le=999_999_999_999, description="金额(万元)")]
STAGES = dict(Stage.choices)


class MilestoneOut(Schema):
    id: int
    kind: str
    name: str
    order: int
    duration_days: int
    planned_on: date
    actual_on: date | None
    slippage_days: int = Field(..., description="延误天数:实际(未完成时为今天)减计划,未到期为0")
    is_critical: bool

    @staticmethod
    def resolve_slippage_days(obj: Milestone) -> int:
        return obj.slippage()


class StageChangeOut(Schema):
    from_stage: str
    to_stage: str
    on: date
    actor: str | None
    note: str

    @staticmethod
    def resolve_actor(obj: StageChange) -> str | None:
        return obj.actor.display_name if obj.actor else None


class ProjectOut(Schema):
    id: int
    name: str
    code: str
    level: str
    kind: str
    category: str
    industry_code: str
    township_code: str
    township_name: str
    longitude: float | None
    latitude: float | None
    owner_id: int | None
    responsible_unit_id: int | None
    leader_id: int | None
    squad_id: int | None
    total_investment: float = Field(..., description="总投资(万元)")
    annual_plan: float = Field(..., description="年度计划投资(万元)")
    investment_completed: float = Field(..., description="累计完成投资(万元)")
    funding: str
    bond_field: str
    is_intelligent_upgrade: bool
    stage: str
    stage_label: str
    suspended_from: str
    planned_start: date | None
    planned_completion: date | None
    signed_on: date | None
    landed_on: date | None
    started_on: date | None
    completed_on: date | None
    operating_on: date | None
    created_at: datetime
    updated_at: datetime
    version: int = Field(
        ..., description="版本号:变更阶段时在 version 或 If-Match 中带回,被他人修改过则返回409 stale_write"
    )

    @staticmethod
    def resolve_township_code(obj: Project) -> str:
        return obj.township.code

    @staticmethod
    def resolve_township_name(obj: Project) -> str:
        return obj.township.name

    @staticmethod
    def resolve_stage_label(obj: Project) -> str:
        return str(STAGES.get(obj.stage, obj.stage))


class ProjectDetailOut(ProjectOut):
    outline: str
    notes: str
    allowed_stages: list[str] = Field(..., description="下一步可变更的阶段")
    stage_changes: list[StageChangeOut]
    milestones: list[MilestoneOut]

    @staticmethod
    def resolve_allowed_stages(obj: Project) -> list[str]:
        return services.allowed_targets(obj)

    @staticmethod
    def resolve_stage_changes(obj: Project) -> list[StageChange]:
        return list(obj.stage_changes.select_related("actor").order_by("on", "pk"))

    @staticmethod
    def resolve_milestones(obj: Project) -> list[Milestone]:
        return list(obj.milestones.order_by("order", "planned_on", "pk"))


class ProjectIn(Schema):
    name: str = Field(..., min_length=1, max_length=128)
    code: str = Field("", max_length=64, description="项目代码")
    level: ProjectLevel = ProjectLevel.DISTRICT
    kind: ProjectKind = ProjectKind.NEW
    category: ProjectCategory = ProjectCategory.INDUSTRY
    industry_code: str = Field("", max_length=8)
    township: str = Field(..., min_length=1, max_length=64, description="所属镇街:区划代码或名称")
    longitude: float | None = Field(None, ge=-180, le=180, description="经度")
    latitude: float | None = Field(None, ge=-90, le=90, description="纬度")
    outline: str = Field("", max_length=200_000, description="项目范围(GeoJSON Polygon/MultiPolygon)")
    owner_id: Id | None = Field(None, description="业主单位(机构编号)")
    responsible_unit_id: Id | None = Field(None, description="责任单位(机构编号)")
    leader_id: Id | None = Field(None, description="包保领导(用户编号)")
    squad_id: Id | None = Field(None, description="服务专班(机构编号)")
    total_investment: Amount = Field(0, description="总投资(万元)")
    annual_plan: Amount = Field(0, description="年度计划投资(万元)")
    investment_completed: Amount = Field(0, description="累计完成投资(万元)")
    funding: Funding = Funding.SOCIAL
    bond_field: BondField = BondField.NONE
    is_intelligent_upgrade: bool = False
    stage: Stage = Stage.RESERVE
    planned_start: date | None = None
    planned_completion: date | None = None
    notes: str = Field("", max_length=5000)


class StageIn(Schema):
    to: Stage = Field(..., description="新阶段")
    on: date | None = Field(None, description="日期,默认今天;不能晚于今天")
    note: str = Field("", max_length=255)
    version: int | None = Field(
        None,
        ge=1,
        le=2**31,
        description="读取时项目的版本号(也可用 If-Match 头);已被他人修改时返回409 stale_write;不填则不检查",
    )


class ScheduleIn(Schema):
    target_kind: MilestoneKind = Field(..., description="目标节点,如 start(开工)")
    target_date: date


class MilestoneIn(Schema):
    actual_on: date | None = Field(None, description="实际完成日期;空为未完成")


class OC4IDSParams(Schema):
    limit: int = Field(1000, ge=1, le=5000, description="最多返回的项目数(默认1000,最多5000)")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的项目数(按项目编号排序)")


class OC4IDSPublisher(Schema):
    name: str
    uri: str | None = None


class OC4IDSPackageOut(Schema):
    """An OC4IDS 0.9 project package (project-package-schema.json); each project follows
    project-schema.json. The mapping is in docs/adr/0018-oc4ids.md."""

    uri: str = Field(..., description="本次请求的地址")
    publishedDate: str = Field(..., description="包内数据最后一次变更的时间(ISO 8601)")
    publisher: OC4IDSPublisher
    version: str = Field(..., description="OC4IDS 版本,如 0.9")
    projects: list[dict[str, Any]] = Field(..., description="OC4IDS 项目(project-schema.json)")


LINKS = (
    ("owner_id", "owner", Organization, "业主单位不存在"),
    ("responsible_unit_id", "responsible_unit", Organization, "责任单位不存在"),
    ("leader_id", "leader", User, "包保领导不存在"),
    ("squad_id", "squad", Organization, "服务专班不存在"),
)


def _projects(request: HttpRequest) -> Any:
    return Project.objects.restrict(request.user).select_related("township")


def _detail(request: HttpRequest, pk: int) -> Project:
    project = _projects(request).filter(pk=pk).first()
    return project or get_scoped(Project, request.user, pk=pk)


@router.get("", response={200: list[ProjectOut], **READ_ERRORS}, summary="重点项目列表")
@paginate(PageNumber)
def list_projects(request: HttpRequest, filters: Query[ProjectFilter]) -> Any:
    return filters.filter(_projects(request)).order_by("name", "pk")


@router.get(
    "/oc4ids.json",
    response={200: OC4IDSPackageOut, **READ_ERRORS},
    summary="重点项目 OC4IDS 数据包",
    description="按当前用户的数据范围和与项目列表相同的筛选条件,输出 OC4IDS 0.9 项目数据包"
    "(project package)。金额由万元换算为元(CNY);阶段、节点与机构角色的对应关系见 "
    "docs/adr/0018-oc4ids.md。按项目编号排序,超过 limit 时响应头 Link 给出下一页(rel=next),"
    "X-Total-Count 为符合条件的项目总数。",
)
def oc4ids_package(
    request: HttpRequest, filters: Query[ProjectFilter], params: Query[OC4IDSParams]
) -> HttpResponse:
    # Declared before the /{project_id} routes so that the path is not taken for a project id.
    scoped = filters.filter(Project.objects.restrict(request.user, "view")).order_by("pk")
    total = scoped.count()
    rows = list(oc4ids.package_queryset(scoped)[params.offset : params.offset + params.limit])
    package = oc4ids.build_package(
        rows,
        oc4ids.region_names(rows),
        uri=request.build_absolute_uri(),
        publisher=oc4ids.publisher_name(),
        publisher_uri=request.build_absolute_uri("/"),
    )
    response = HttpResponse(orjson.dumps(package), content_type="application/json")
    response["X-Total-Count"] = str(total)
    if params.offset + len(rows) < total:
        query = request.GET.copy()
        query["offset"] = str(params.offset + len(rows))
        query["limit"] = str(params.limit)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        response["Link"] = f'<{next_url}>; rel="next"'
    return response


@router.post("", response={201: ProjectDetailOut, **ERRORS}, summary="新增重点项目")
def create_project(request: HttpRequest, payload: ProjectIn) -> Any:
    user = current_user(request)
    data = payload.dict()
    for key in ("level", "kind", "category", "funding", "bond_field", "stage"):
        data[key] = str(getattr(data[key], "value", data[key]))
    for api_name, field, model, message in LINKS:
        data[field] = related(model, data.pop(api_name), api_name, message, user)
    project, _created = services.save_project(user, **data)
    return Status(201, _detail(request, project.pk))


@router.get("/{project_id}", response={200: ProjectDetailOut, **READ_ERRORS}, summary="重点项目详情")
def get_project(request: HttpRequest, project_id: int) -> Any:
    return _detail(request, project_id)


@router.post("/{project_id}/stage", response={200: ProjectDetailOut, **ERRORS}, summary="变更项目阶段")
def change_stage(request: HttpRequest, project_id: int, payload: StageIn, if_match: IfMatch = None) -> Any:
    user = current_user(request)
    project = get_scoped(Project, user, "view", pk=project_id)
    version = payload.version if payload.version is not None else parse_version(if_match)
    services.change_stage(user, project, payload.to.value, payload.on, payload.note, version=version)
    return _detail(request, project_id)


@router.post("/{project_id}/schedule", response={200: list[MilestoneOut], **ERRORS}, summary="倒排工期")
def schedule(request: HttpRequest, project_id: int, payload: ScheduleIn) -> Any:
    user = current_user(request)
    project = get_scoped(Project, user, "view", pk=project_id)
    return services.backward_schedule(user, project, payload.target_kind.value, payload.target_date)


@router.patch(
    "/{project_id}/milestones/{milestone_id}",
    response={200: MilestoneOut, **ERRORS},
    summary="登记节点完成日期",
)
def update_milestone(request: HttpRequest, project_id: int, milestone_id: int, payload: MilestoneIn) -> Any:
    user = current_user(request)
    milestone = get_scoped(Milestone, user, "view", pk=milestone_id, project_id=project_id)
    if "actual_on" not in payload.model_fields_set:
        raise invalid("actual_on", "required", "请填写实际完成日期")
    milestone = services.record_milestone(user, milestone, payload.actual_on)
    milestone.refresh_from_db()
    return milestone
