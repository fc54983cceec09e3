"""Demo key projects for 潼南区 (dated relative to today) and 大渡口区 (spring 2020).

A modest set: every stage, the five lists (签约/落地/在建/投产/智能化改造), special bonds and PPP,
backward schedules with some milestones late, and projects in 古溪镇 and 玉溪镇 so that the town
users ``guxi`` and ``yuxi`` each see their own. Names follow the seed reports where they name
projects. Written through the services (as the server operator). Idempotent: each district is
loaded once, recognised by its first project's code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from tiaodu.accounts.models import User
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.projects import services
from tiaodu.projects.choices import MilestoneKind, Stage
from tiaodu.projects.models import Project

TONGNAN_FIRST = "2201-500152-04-01-000001"
DADUKOU_FIRST = "2001-500104-04-01-000001"


@dataclass
class DemoProject:
    code: str
    name: str
    township: str
    lon: str
    lat: str
    stage: str
    # (stage, days before the reference date) in order, after registration in the first one.
    path: list[tuple[str, int]]
    total: int
    plan: int
    done: int
    responsible: str = "发改委"
    level: str = "district"
    kind: str = "new"
    category: str = "industry"
    funding: str = "social"
    bond_field: str = ""
    intelligent: bool = False
    owner: bool = False
    squad: bool = False
    leader: bool = False
    schedule: tuple[str, int] | None = None  # (target milestone kind, days after the reference date)
    done_milestones: int = 0  # how many scheduled milestones are reached (on time)
    extra: dict[str, Any] = field(default_factory=dict)


def _tongnan() -> list[DemoProject]:
    return [
        DemoProject(
            TONGNAN_FIRST,
            "海汇新材料年产5万吨高性能复合材料项目",
            "500152001",
            "105.8512",
            "30.1623",
            Stage.OPERATING,
            [
                (Stage.SIGNED, 700),
                (Stage.LANDED, 640),
                (Stage.STARTED, 560),
                (Stage.BUILDING, 550),
                (Stage.COMPLETED, 60),
                (Stage.OPERATING, 20),
            ],
            68000,
            15000,
            66500,
            responsible="经信委",
            level="city",
            leader=True,
        ),
        DemoProject(
            "2201-500152-04-01-000002",
            "液化天然气清洁能源基地项目",
            "500152119",
            "105.7316",
            "30.0892",
            Stage.SIGNED,
            [(Stage.SIGNED, 30)],
            180000,
            20000,
            0,
            responsible="招商投资局",
            level="city",
            squad=True,
            schedule=(MilestoneKind.START, 150),
        ),
        DemoProject(
            "2201-500152-04-01-000003",
            "志特新材料年产120万平方米建筑铝模板项目",
            "500152001",
            "105.8704",
            "30.1788",
            Stage.BUILDING,
            [(Stage.SIGNED, 300), (Stage.LANDED, 240), (Stage.STARTED, 90), (Stage.BUILDING, 80)],
            50000,
            30000,
            21000,
            responsible="经信委",
            squad=True,
            leader=True,
        ),
        DemoProject(
            "2201-500152-04-01-000004",
            "古溪镇污水处理厂提标改造工程",
            "500152103",
            "105.9312",
            "30.3021",
            Stage.BUILDING,
            [(Stage.STARTED, 120), (Stage.BUILDING, 110)],
            4800,
            3000,
            2100,
            responsible="住建委",
            kind="continuing",
            category="infrastructure",
            funding="special_bond",
            bond_field="municipal",
            owner=True,
            squad=True,
            schedule=(MilestoneKind.COMPLETION, 40),
            done_milestones=2,
        ),
        DemoProject(
            "2201-500152-04-01-000005",
            "重庆古溪机械制造有限公司数字化车间智能化改造项目",
            "500152103",
            "105.9255",
            "30.2954",
            Stage.BUILDING,
            [(Stage.STARTED, 60), (Stage.BUILDING, 50)],
            3200,
            2500,
            1400,
            responsible="经信委",
            category="intelligent",
            intelligent=True,
        ),
        DemoProject(
            "2201-500152-04-01-000006",
            "玉溪镇农村供水保障工程",
            "500152107",
            "105.7792",
            "30.2586",
            Stage.RESERVE,
            [],
            2600,
            800,
            0,
            responsible="住建委",
            kind="reserve",
            category="livelihood",
            funding="government",
            owner=True,
            schedule=(MilestoneKind.START, 20),
            done_milestones=1,
        ),
        DemoProject(
            "2201-500152-04-01-000007",
            "潼南区城区智慧停车场PPP项目",
            "500152002",
            "105.8431",
            "30.1957",
            Stage.LANDED,
            [(Stage.SIGNED, 200), (Stage.LANDED, 100)],
            42300,
            12000,
            0,
            responsible="住建委",
            category="infrastructure",
            funding="ppp",
            owner=True,
            schedule=(MilestoneKind.START, 10),
            done_milestones=2,
        ),
        DemoProject(
            "2201-500152-04-01-000008",
            "大佛街道老旧小区改造配套道路工程",
            "500152003",
            "105.8188",
            "30.2103",
            Stage.SUSPENDED,
            [(Stage.STARTED, 300), (Stage.BUILDING, 290), (Stage.SUSPENDED, 45)],
            6500,
            2000,
            2300,
            responsible="住建委",
            kind="continuing",
            category="livelihood",
            funding="special_bond",
            bond_field="old_community",
            owner=True,
        ),
        DemoProject(
            "2201-500152-04-01-000009",
            "潼南区应急物资储备库建设项目",
            "500152101",
            "105.9087",
            "30.1421",
            Stage.COMPLETED,
            [(Stage.STARTED, 400), (Stage.BUILDING, 390), (Stage.COMPLETED, 15)],
            5200,
            1200,
            5100,
            responsible="应急管理局",
            category="social",
            funding="special_bond",
            bond_field="reserves",
        ),
    ]


def _dadukou() -> list[DemoProject]:
    return [
        DemoProject(
            DADUKOU_FIRST,
            "建桥工业园区C区标准厂房建设项目",
            "500104103",
            "106.4623",
            "29.4187",
            Stage.BUILDING,
            [(Stage.STARTED, 120), (Stage.BUILDING, 110)],
            36000,
            18000,
            9000,
            responsible="经信委",
            kind="continuing",
            funding="government",
        ),
        DemoProject(
            "2001-500104-04-01-000002",
            "八桥镇老旧小区配套基础设施改造项目",
            "500104101",
            "106.4917",
            "29.4568",
            Stage.STARTED,
            [(Stage.STARTED, 20)],
            8600,
            8600,
            1200,
            responsible="住建委",
            category="livelihood",
            funding="special_bond",
            bond_field="old_community",
        ),
        DemoProject(
            "2001-500104-04-01-000003",
            "跳磴镇智能装备产业园项目",
            "500104103",
            "106.4481",
            "29.4052",
            Stage.SIGNED,
            [(Stage.SIGNED, 40)],
            120000,
            10000,
            0,
            responsible="招商投资局",
            level="city",
        ),
    ]


def load_project_demo() -> None:
    """Idempotent; called by ``tiaodu demo`` after the organisations and users exist."""
    with transaction.atomic():
        if not Project.objects.filter(code=TONGNAN_FIRST).exists():
            _load("500152", _tongnan(), timezone.localdate())
        if not Project.objects.filter(code=DADUKOU_FIRST).exists():
            _load("500104", _dadukou(), date(2020, 4, 30))


def _load(district: str, projects: list[DemoProject], reference: date) -> None:
    departments = {
        o.short_name: o for o in Organization.objects.filter(kind=OrgKind.DEPARTMENT, region__code=district)
    }
    owner = Organization.objects.filter(kind=OrgKind.OWNER, region__path__contains=f"/{district}/").first()
    squad = Organization.objects.filter(kind=OrgKind.SQUAD, region__code=district).order_by("name").first()
    leader = User.objects.filter(username="leader").first() if district == "500152" else None
    for spec in projects:
        first, *rest = spec.path or [(Stage.RESERVE, 200)]
        project, _created = services.save_project(
            None,
            code=spec.code,
            name=spec.name,
            township=spec.township,
            longitude=Decimal(spec.lon),
            latitude=Decimal(spec.lat),
            level=spec.level,
            kind=spec.kind,
            category=spec.category,
            funding=spec.funding,
            bond_field=spec.bond_field,
            is_intelligent_upgrade=spec.intelligent,
            total_investment=Decimal(spec.total),
            annual_plan=Decimal(spec.plan),
            investment_completed=Decimal(spec.done),
            responsible_unit=departments.get(spec.responsible),
            owner=owner if spec.owner else None,
            squad=squad if spec.squad else None,
            leader=leader if spec.leader else None,
            stage=first[0],
            stage_on=reference - timedelta(days=first[1]),
            planned_start=reference - timedelta(days=first[1] - 30),
            planned_completion=reference + timedelta(days=365),
        )
        for stage, days in rest:
            project = services.change_stage(None, project, stage, reference - timedelta(days=days))
        if spec.schedule is not None:
            kind, days = spec.schedule
            milestones = services.backward_schedule(None, project, kind, reference + timedelta(days=days))
            for milestone in milestones[: spec.done_milestones]:
                services.record_milestone(None, milestone, min(milestone.planned_on, reference))
            services.refresh_critical(project, reference)
