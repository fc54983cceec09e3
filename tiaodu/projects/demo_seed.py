"""Seed-scale key-project records: the figures of the two seed reports, from records.

大渡口区, spring 2020 (seed 000):
- 5 service squads (重点项目服务专班) with 32 cadres;
- a dispatch round "2020年3月下旬" of 30 continuing key projects, closed: 12468 of 12683 workers on
  site (到岗率98.3%);
- 23 project problems raised in those reports and resolved by April (材料运输, 前期审批 …):
  "累计解决涉及材料运输、前期审批等各类问题20余个";
- the 3 April 2020 collective ground-breaking: 28 projects, 约121亿元;
- 9 PPP projects in reserve (约42.3亿元) and 40 special-bond projects in the four fields
  (约74.6亿元, with the bond project of the basic demo).

潼南区, 2022 Q1 (seed 004): the collective signing / ground-breaking / completion event with 73 key
projects and 227亿元 in all: 14 completed and in production (海汇新材料 …), 23 signed (福建金冠,
the 18亿元 液化天然气清洁能源基地 …), 36 started (志特新材料 …).

Names beyond those in the seeds are generated ("…重点项目07"); amounts are chosen so that the totals
match the seeds' rounded figures. Projects, stages, rounds, reports and events are written through
the services; the problems' handling history is back-dated in one update (the demo stands for
records made in 2020). Coordinates are points inside the district's official outline. Idempotent:
recognised by the first generated project code.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from itertools import cycle

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from tiaodu.accounts.models import User
from tiaodu.cases.models import Case
from tiaodu.dispatch import services as dispatch
from tiaodu.dispatch.choices import PeriodKind, ProblemState
from tiaodu.events import services as events
from tiaodu.events.choices import EventAction
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.projects import services
from tiaodu.projects.choices import BondField, Stage
from tiaodu.projects.models import Project
from tiaodu.regions.boundaries import contains, outline
from tiaodu.regions.models import Region

DADUKOU_SEED_FIRST = "2003-500104-04-01-100001"
TONGNAN_SEED_FIRST = "2203-500152-04-01-100001"

DADUKOU_EVENT = ("大渡口区2020年首轮项目集中开工仪式", date(2020, 4, 3))
TONGNAN_EVENT = ("潼南区2022年第一季度重点项目集中签约、开工、竣工投产活动", date(2022, 3, 29))

# 23 problems resolved: (category name, count); the first two name the sentence.
PROBLEMS = [("材料运输", 9), ("前期审批", 7), ("用地", 3), ("用工", 2), ("协调", 2)]
PROBLEM_TEXT = {
    "材料运输": "钢材、砂石运输车辆通行受限",
    "前期审批": "施工许可办理进度滞后",
    "用地": "临时用地手续未落实",
    "用工": "外地务工人员返岗困难",
    "协调": "施工便道需与周边单位协调",
}


def split(total: int, parts: int, step: int = 100) -> list[int]:
    """``total`` in ``parts`` unequal amounts (multiples of ``step`` except the last) that add up."""
    weights = [3 + (i * 7) % 5 for i in range(parts)]
    scale = total / sum(weights)
    amounts = [int(w * scale / step) * step for w in weights]
    amounts[-1] += total - sum(amounts)
    return amounts


def points(code: str, n: int) -> list[tuple[Decimal, Decimal]]:
    """``n`` deterministic points inside the district's outline (a quasi-random walk over its box)."""
    geometry = outline(code)
    assert geometry is not None, f"no outline for {code}"
    rings = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    xs = [p[0] for poly in rings for p in poly[0]]
    ys = [p[1] for poly in rings for p in poly[0]]
    found: list[tuple[Decimal, Decimal]] = []
    i = 0
    while len(found) < n:
        i += 1
        x = min(xs) + (max(xs) - min(xs)) * ((i * 0.618034) % 1)
        y = min(ys) + (max(ys) - min(ys)) * ((i * 0.754878) % 1)
        if contains(code, x, y):
            found.append((Decimal(f"{x:.6f}"), Decimal(f"{y:.6f}")))
    return found


class _Maker:
    def __init__(self, district: str, prefix: str) -> None:
        self.district = Region.objects.get(code=district)
        self.townships = cycle(
            list(Region.objects.filter(parent=self.district).order_by("code").values_list("code", flat=True))
        )
        self.units = cycle(
            list(
                Organization.objects.filter(kind=OrgKind.DEPARTMENT, region=self.district)
                .filter(short_name__in=["发改委", "经信委", "住建委", "招商投资局", "交通局"])
                .order_by("short_name")
            )
        )
        self.where = iter(points(district, 200))
        self.prefix, self.serial = prefix, 0

    def project(self, name: str, total: int, stage: str, on: date, **fields: object) -> Project:
        self.serial += 1
        lon, lat = next(self.where)
        values: dict[str, object] = {
            "code": f"{self.prefix}{100000 + self.serial}",
            "name": name,
            "township": next(self.townships),
            "longitude": lon,
            "latitude": lat,
            "level": "district",
            "kind": "new",
            "category": "industry",
            "funding": "social",
            "total_investment": Decimal(total),
            "annual_plan": Decimal(total // 4),
            "investment_completed": Decimal(0),
            "responsible_unit": next(self.units),
            "stage": stage,
            "stage_on": on,
            "planned_start": on,
        }
        values.update(fields)
        return services.save_project(None, **values)[0]  # type: ignore[arg-type]


def load_seed_projects() -> None:
    with transaction.atomic():
        if not Project.objects.filter(code=DADUKOU_SEED_FIRST).exists():
            _dadukou()
        if not Project.objects.filter(code=TONGNAN_SEED_FIRST).exists():
            _tongnan()


def _squads(district: Region) -> list[Organization]:
    names = ["一", "二", "三", "四", "五"]
    squads = [
        Organization.objects.get_or_create(
            name=f"{district.name}重点项目服务{n}专班", kind=OrgKind.SQUAD, region=district
        )[0]
        for n in names
    ]
    unusable = make_password(None)
    cadres = User.objects.bulk_create(
        [
            User(
                username=f"ddk-cadre{i:02d}",
                full_name=f"专班干部{i:02d}",
                password=unusable,
                role="squad",
                region=district,
                is_active=False,
            )
            for i in range(1, 33)
        ],
        ignore_conflicts=True,
    )
    cadres = list(User.objects.filter(username__startswith="ddk-cadre").order_by("username"))
    for i, squad in enumerate(squads):
        squad.members.add(*cadres[i::5])
    return squads


def _dadukou() -> None:
    make = _Maker("500104", "2003-500104-04-01-")
    district = make.district
    squads = cycle(_squads(district))

    # 30 continuing key projects, in construction since 2019, with squads.
    building = [
        make.project(
            f"大渡口区续建重点项目{i:02d}",
            total,
            Stage.STARTED,
            date(2019, 6, 1),
            kind="continuing",
            squad=next(squads),
            annual_plan=Decimal(total // 3),
        )
        for i, total in enumerate(split(1_560_000, 30), start=1)
    ]
    for p in building:
        services.change_stage(None, p, Stage.BUILDING, date(2019, 7, 1))

    # The 3月下旬 dispatch round: 12683 required, 12468 on site; 23 problems.
    rnd = dispatch.open_round(
        None,
        district=district,
        period_kind=PeriodKind.XUN,
        period_label="2020年3月下旬",
        period_start=date(2020, 3, 21),
        period_end=date(2020, 3, 31),
        due_on=date(2020, 4, 2),
        projects=Project.objects.filter(pk__in=[p.pk for p in building]),
        notes="各责任单位填报本旬投资完成、形象进度、到岗人数和存在问题。",
    )
    required = split(12_683, 30, step=1)
    absent = split(215, 30, step=1)
    problems = [name for name, n in PROBLEMS for _ in range(n)]  # 23: one each for the first reports
    for i, p in enumerate(building):
        category = problems[i] if i < len(problems) else ""
        dispatch.submit_report(
            None,
            rnd.pk,
            p.pk,
            dispatch.ReportInput(
                investment=(p.annual_plan / 36).quantize(Decimal("0.01")),
                progress=35 + i,
                workers_required=required[i],
                workers_on_site=required[i] - absent[i],
                problems=PROBLEM_TEXT[category] if category else "",
                problem_category=category,
            ),
        )
    dispatch.close_round(None, rnd.pk)
    _resolve_problems(rnd.pk)

    # The 3 April 2020 collective ground-breaking: 28 projects, 约121亿元 (120.96亿).
    started = [
        make.project(f"大渡口区2020年集中开工项目{i:02d}", total, Stage.RESERVE, date(2020, 1, 10))
        for i, total in enumerate(split(1_209_600, 28), start=1)
    ]
    for p in started:
        services.change_stage(None, p, Stage.STARTED, DADUKOU_EVENT[1])
    events.record_event(
        None,
        name=DADUKOU_EVENT[0],
        held_on=DADUKOU_EVENT[1],
        region=district,
        place="大渡口区",
        entries=[(p, EventAction.START) for p in started],
    )

    # Reserves: 9 PPP projects (约42.3亿, 42.28) and 39 special-bond projects (+1 of the basic demo:
    # 40 projects, 约74.6亿 = 74.58).
    for i, total in enumerate(split(422_800, 9), start=1):
        make.project(
            f"大渡口区PPP策划项目{i:02d}",
            total,
            Stage.RESERVE,
            date(2020, 4, 10),
            funding="ppp",
            level="general",
            category="infrastructure",
        )
    fields = cycle(
        [BondField.PUBLIC_HEALTH, BondField.MUNICIPAL, BondField.OLD_COMMUNITY, BondField.RESERVES]
    )
    for i, total in enumerate(split(745_800 - 8_600, 39), start=1):
        make.project(
            f"大渡口区专项债储备项目{i:02d}",
            total,
            Stage.RESERVE,
            date(2020, 4, 15),
            funding="special_bond",
            bond_field=next(fields),
            level="general",
            category="livelihood",
        )


def _resolve_problems(round_id: int) -> None:
    """The round's problems were handled in April 2020: back-date their history in one update."""
    accepted = timezone.make_aware(datetime.combine(date(2020, 4, 1), time(9)))
    resolved = timezone.make_aware(datetime.combine(date(2020, 4, 20), time(17)))
    Case.objects.filter(dispatch_reports__round_id=round_id).update(
        state=ProblemState.RESOLVED,
        is_open=False,
        raised_on=date(2020, 4, 1),
        due_on=date(2020, 4, 30),
        accepted_at=accepted,
        resolved_at=resolved,
    )


def _tongnan() -> None:
    make = _Maker("500152", "2203-500152-04-01-")
    district = make.district
    day = TONGNAN_EVENT[1]
    # 227亿元 in all: 14 completed (海汇新材料 …), 23 signed (福建金冠, 液化天然气 18亿 …), 36 started.
    complete = [("海汇新材料生产基地项目", 0)] + [(f"潼南区竣工投产项目{i:02d}", 0) for i in range(2, 15)]
    sign = [("福建金冠新能源装备项目", 0), ("液化天然气清洁能源基地项目", 180_000)] + [
        (f"潼南区签约项目{i:02d}", 0) for i in range(3, 24)
    ]
    start = [("志特新材料年产120万平方米建筑铝模板项目", 0)] + [
        (f"潼南区开工项目{i:02d}", 0) for i in range(2, 37)
    ]
    amounts = iter(split(2_270_000 - 180_000, 72))
    entries: list[tuple[Project, str]] = []
    for name, fixed in complete:
        p = make.project(name, fixed or next(amounts), Stage.BUILDING, date(2021, 3, 1), level="district")
        services.change_stage(None, p, Stage.COMPLETED, date(2022, 3, 20))
        entries.append((services.change_stage(None, p, Stage.OPERATING, day), EventAction.COMPLETE))
    for name, fixed in sign:
        p = make.project(name, fixed or next(amounts), Stage.RESERVE, date(2022, 1, 5))
        entries.append((services.change_stage(None, p, Stage.SIGNED, day), EventAction.SIGN))
    for name, fixed in start:
        p = make.project(name, fixed or next(amounts), Stage.RESERVE, date(2022, 1, 5))
        entries.append((services.change_stage(None, p, Stage.STARTED, day), EventAction.START))
    events.record_event(
        None, name=TONGNAN_EVENT[0], held_on=day, region=district, place="潼南高新区", entries=entries
    )
