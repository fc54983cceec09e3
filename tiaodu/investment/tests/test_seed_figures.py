"""Issue 14's "done when": the seed figures reproduced from IMPORTED records in a district and a
year the demo does not use — 万州区 (500101) in 2023 — as of past dates while the projects have
moved on since; duplicates across towns caught at import.

Real xlsx files (openpyxl) go through ``tiaodu import`` (investment-teams, investment-projects,
investment-leads, investment-funds, event-projects) as 万州区's administrator and 招商投资局 user.
The 4 regional groups, the 23 town 小分队 and 太安镇 have the same names in 潼南区 and 大渡口区
(three districts share them); the names resolve in 万州区.

The data (万州区, 2023):
- T: 115 key projects in talks on 1 January (计划投资额 1182.57亿元), 39 with a clear intent, all
  一般跟进; since then some signed, some lost, some ripened;
- E: 19 projects signed at the 18 March 云签约 (协议投资额 50.8亿元, four industries);
- Q: 11 projects 拟签约 on 31 March for the second quarter (19.6亿元), 紧密跟进;
- C: 30 more 紧密跟进 and R: 29 在谈储备 projects not signed on 31 March;
- what the counts must leave out: key projects terminated in 2022, still at 接洽 or entered in
  talks after 1 January, signed in 2022; close follow-ups terminated before or entered after
  31 March; leads before and after the quarter, and leads the groups report themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from tiaodu.accounts.services import create_user
from tiaodu.core.imports import run_import
from tiaodu.core.tests.districts import shared_township
from tiaodu.investment import demo, libraries, services
from tiaodu.investment.choices import IN_TALKS_STAGES, Stage
from tiaodu.investment.models import FundsInPlace, InvestmentProject, Lead, Team
from tiaodu.investment.report import investment_report
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.projects.demo_seed import split
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

WANZHOU = "500101"
YEAR_START = date(2023, 1, 1)
QUARTER_END = date(2023, 3, 31)
EVENT = ("万州区2023年一季度招商引资项目“云签约”活动", date(2023, 3, 18))
REGIONAL = ["粤港澳大湾区招商组", "长三角招商组", "京津冀招商组", "成渝地区招商组"]
INDUSTRIES = ["绿色化工新材料", "电子信息", "装备制造", "食品及农产品加工", "新能源", "生物医药", "纺织服装"]
EVENT_CHAINS = demo.DADUKOU_EVENT_CHAINS  # the seed's four industries, 20 + 14 + 10 + 6.8亿元

SENTENCES_ON_JANUARY_1 = {
    "in_talks": "在库重点在谈项目115个(计划投资额1182.57亿元)",
    "clear_intent": "其中投资意向比较明显的39个",
}
SENTENCES_OF_THE_QUARTER = {
    "leads": "23个镇街招商小分队向4个重点区域招商组提供45条信息线索",
    "signing": "现场签约项目19个,总投资50.8亿元,涉及大数据智能化、生态环保、大健康生物医药、文化休闲旅游等产业",
    "to_sign": "二季度拟签约项目11个、总投资近20亿元",
    "follow": "紧密跟进项目41个,在谈储备项目29个",
}

# --- the files -------------------------------------------------------------------------------------

STAGE_HEADERS = {
    Stage.LEAD: "线索日期",
    Stage.CONTACT: "接洽日期",
    Stage.NEGOTIATING: "在谈日期",
    Stage.INTENT: "意向明显日期",
    Stage.TO_SIGN: "拟签约日期",
    Stage.SIGNED: "签约日期",
    Stage.REGISTERED: "注册落地日期",
    Stage.STARTED: "开工日期",
    Stage.PRODUCING: "投产日期",
    Stage.TERMINATED: "终止日期",
}
PROJECT_HEADERS = [
    "项目名称",
    "投资方",
    "产业链",
    "计划投资额(万元)",
    "协议投资额(万元)",
    "重点项目",
    "跟进级别",
    "计划签约日期",
    "招商组",
    "首报单位",
    "首报日期",
    "来源",
    *STAGE_HEADERS.values(),
    "终止原因",
]
LEAD_HEADERS = [
    "投资方",
    "线索内容",
    "来源",
    "报送单位",
    "报送日期",
    "接收招商组",
    "产业链",
    "预计投资额(万元)",
]


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    """A real workbook: the header row, then the rows (dates as dates, amounts as numbers)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@dataclass
class P:
    """A project row: values and its dated stage path."""

    name: str
    investor: str
    chain: str
    planned: int
    path: list[tuple[str, date]]
    key: bool = False
    level: str = "一般跟进"
    planned_signing: date | None = None
    team: str = REGIONAL[0]
    reporter: str = ""
    source: str = "区域招商组"
    agreed: int | None = None
    reason: str = ""

    def row(self) -> list[Any]:
        stages = dict(self.path)
        signed = Stage.SIGNED in stages
        agreed = self.agreed if self.agreed is not None else self.planned * 9 // 10
        return [
            self.name,
            self.investor,
            self.chain,
            self.planned,
            agreed if signed else None,
            "是" if self.key else "否",
            self.level,
            self.planned_signing,
            self.team,
            self.reporter or self.team,
            self.path[0][1],
            self.source,
            *[stages.get(stage) for stage in STAGE_HEADERS],
            self.reason if Stage.TERMINATED in stages else None,
        ]


def towns() -> list[Region]:
    """23 of 万州区's townships, 太安镇 (a name 潼南区 and 大渡口区 share) among them."""
    wanzhou = Region.objects.get(code=WANZHOU)
    all_towns = list(Region.objects.filter(parent=wanzhou, level=Level.TOWNSHIP).order_by("code"))
    taian = next(t for t in all_towns if t.name == "太安镇")
    return [taian, *[t for t in all_towns if t.pk != taian.pk][:22]]


def team_rows() -> list[list[Any]]:
    rows: list[list[Any]] = [["名称", "类型", "所属镇街", "负责区域", "组长"]]
    rows += [[name, "区域招商组", None, name[:-3], "区政府副区长"] for name in REGIONAL]
    rows += [[f"{name}产业招商组", "产业招商组", None, None, None] for name in INDUSTRIES[:2]]
    rows += [[f"{town.name}招商小分队", "镇街招商小分队", town.name, None, None] for town in towns()]
    return rows


def _day(start: date, days: int) -> date:
    return start + timedelta(days=days)


def project_plans() -> list[P]:
    plans: list[P] = []
    town_teams = [f"{t.name}招商小分队" for t in towns()]
    # T: 115 key projects in talks on 1 January, 39 with a clear intent.
    amounts = split(11_825_700, 115)
    for i in range(115):
        entered = date(2022, 3 + i % 7, 3 + i % 25)
        path: list[tuple[str, date]] = [(Stage.CONTACT, entered), (Stage.NEGOTIATING, _day(entered, 30))]
        if i < 39:
            path.append((Stage.INTENT, _day(entered, 60)))
        if i < 14:
            path.append((Stage.TO_SIGN, _day(entered, 90)))
        reason = ""
        if i < 5:
            path += [(Stage.SIGNED, date(2023, 2, 10 + i)), (Stage.REGISTERED, date(2023, 5, 10 + i))]
        elif i < 14:
            path.append((Stage.SIGNED, date(2023, 5, 6 + i)))
        elif i < 25:
            path += [(Stage.TO_SIGN, date(2023, 6, 1 + i)), (Stage.SIGNED, date(2023, 9, 1 + i))]
        elif i < 39:
            path.append((Stage.TERMINATED, date(2023, 8, 1 + i - 25)))
            reason = "被其他地区争取"
        elif i < 61:
            path.append((Stage.INTENT, date(2023, 5, 1 + i - 39)))
        elif i < 76:
            path.append((Stage.TERMINATED, date(2023, 7, 1 + i - 61)))
            reason = "要素条件不满足"
        by_town = i % 5 == 0
        plans.append(
            P(
                demo.project_name(Region(name="万州区"), i),
                demo.investor(i)[0],
                INDUSTRIES[i % 7],
                amounts[i],
                path,
                key=True,
                team=REGIONAL[i % 4],
                reporter=town_teams[i % 23] if by_town else "",
                source="镇街招商小分队" if by_town else "区域招商组",
                reason=reason,
            )
        )
    n = 115
    # E: the 19 projects signed at the 18 March event; registered, started or ended since.
    k = 0
    for chain, count, total in EVENT_CHAINS:
        for agreed in split(total, count):
            path = [
                (Stage.NEGOTIATING, date(2022, 10, 1 + k)),
                (Stage.TO_SIGN, date(2023, 1, 5 + k)),
                (Stage.SIGNED, EVENT[1]),
            ]
            reason = ""
            if k < 2:
                path.append((Stage.TERMINATED, date(2023, 11, 5 + k)))
                reason = "资金不到位"
            else:
                path.append((Stage.REGISTERED, date(2023, 5, 6 + k)))
                if k < 10:
                    path.append((Stage.STARTED, date(2023, 9, 1 + k)))
            plans.append(
                P(
                    demo.project_name(Region(name="万州区"), n),
                    demo.investor(n)[0],
                    chain,
                    agreed,
                    path,
                    level="紧密跟进",
                    agreed=agreed,
                    team=REGIONAL[k % 4],
                    reason=reason,
                )
            )
            n, k = n + 1, k + 1
    # Q: 11 projects 拟签约 on 31 March for the second quarter; 8 signed, one lost, two slipped.
    for k, amount in enumerate(split(196_000, 11)):
        path = [
            (Stage.NEGOTIATING, date(2022, 10, 1 + k)),
            (Stage.INTENT, date(2023, 1, 10 + k)),
            (Stage.TO_SIGN, date(2023, 3, 2 + k)),
        ]
        reason = ""
        if k < 8:
            path.append((Stage.SIGNED, date(2023, 5 + k % 2, 10 + k)))
        elif k == 8:
            path.append((Stage.TERMINATED, date(2023, 9, 1)))
            reason = "被其他地区争取"
        plans.append(
            P(
                demo.project_name(Region(name="万州区"), n),
                demo.investor(n)[0],
                INDUSTRIES[k % 7],
                amount,
                path,
                level="紧密跟进",
                planned_signing=date(2023, 4 + k % 3, 20),
                reason=reason,
            )
        )
        n += 1
    # C: 30 more 紧密跟进 (3 拟签约 for the third quarter, 12 意向明显, 15 在谈).
    for k in range(30):
        path = [(Stage.CONTACT, date(2022, 9, 1 + k % 28)), (Stage.NEGOTIATING, date(2022, 12, 1 + k % 28))]
        planned_on = None
        if k < 3:
            path += [(Stage.INTENT, date(2023, 2, 3 + k)), (Stage.TO_SIGN, date(2023, 3, 10 + k))]
            planned_on = date(2023, 8, 18)
            path.append((Stage.SIGNED, date(2023, 8, 18)))
        elif k < 15:
            path.append((Stage.INTENT, date(2023, 2, 3 + k)))
        plans.append(
            P(
                demo.project_name(Region(name="万州区"), n),
                demo.investor(n)[0],
                INDUSTRIES[k % 7],
                20_000 + k * 1_000,
                path,
                level="紧密跟进",
                planned_signing=planned_on,
            )
        )
        n += 1
    # R: 29 在谈储备; a third of them ended in December.
    for k in range(29):
        path = [(Stage.CONTACT, date(2022, 11, 1 + k))]
        if k < 10:
            path.append((Stage.NEGOTIATING, date(2023, 2, 1 + k)))
        reason = ""
        if k % 3 == 0:
            path.append((Stage.TERMINATED, date(2023, 12, 1 + k % 25)))
            reason = "战略调整"
        plans.append(
            P(
                demo.project_name(Region(name="万州区"), n),
                demo.investor(n)[0],
                INDUSTRIES[k % 7],
                30_000,
                path,
                level="在谈储备",
                reason=reason,
            )
        )
        n += 1
    # Left out of the counts.
    left_out: list[tuple[list[tuple[str, date]], dict[str, Any]]] = []
    for k in range(5):  # key, terminated in 2022
        path = [(Stage.NEGOTIATING, date(2022, 4, 1 + k)), (Stage.TERMINATED, date(2022, 11, 20 + k))]
        left_out.append((path, {"key": True, "reason": "战略调整"}))
    for k in range(6):  # key, at 接洽 on 1 January
        left_out.append(
            (
                [(Stage.CONTACT, date(2022, 10, 5 + k)), (Stage.NEGOTIATING, date(2023, 2, 15 + k))],
                {"key": True},
            )
        )
    for k in range(3):  # key, in talks from 20 January
        left_out.append(([(Stage.NEGOTIATING, date(2023, 1, 20 + k))], {"key": True}))
    for k in range(4):  # key, signed in 2022
        path = [
            (Stage.NEGOTIATING, date(2022, 1, 10 + k)),
            (Stage.SIGNED, date(2022, 6, 10 + k)),
            (Stage.STARTED, date(2022, 12, 10 + k)),
        ]
        left_out.append((path, {"key": True}))
    for k in range(2):  # close, terminated in February
        path = [(Stage.NEGOTIATING, date(2022, 8, 1 + k)), (Stage.TERMINATED, date(2023, 2, 20 + k))]
        left_out.append((path, {"level": "紧密跟进", "reason": "政策条件不满足"}))
    for k in range(2):  # close, entered in April
        left_out.append(([(Stage.NEGOTIATING, date(2023, 4, 15 + k))], {"level": "紧密跟进"}))
    for path, values in left_out:
        plans.append(
            P(
                demo.project_name(Region(name="万州区"), n),
                demo.investor(n)[0],
                INDUSTRIES[n % 7],
                40_000,
                path,
                **values,
            )
        )
        n += 1
    return plans


def lead_rows() -> list[list[Any]]:
    """45 leads of the 23 towns to the 4 regional groups in the first quarter, and the others."""
    town_teams = [f"{t.name}招商小分队" for t in towns()]
    rows: list[list[Any]] = [LEAD_HEADERS]

    def lead(n: int, reporter: str, on: date, team: str, source: str = "镇街招商小分队") -> None:
        investor, short = demo.investor(n)
        rows.append(
            [investor, f"{short}拟布局西部生产基地", source, reporter, on, team, INDUSTRIES[n % 7], 10_000]
        )

    for i in range(45):
        lead(300 + i, town_teams[i % 23], _day(date(2023, 1, 4), i * 9 // 5), REGIONAL[i % 4])
    for k in range(6):
        lead(345 + k, town_teams[k], date(2022, 12, 6 + k), REGIONAL[k % 4])
    for k in range(4):
        lead(351 + k, town_teams[k + 3], date(2023, 4, 6 + k), REGIONAL[k % 4])
    for k in range(5):
        lead(355 + k, REGIONAL[k % 4], date(2023, 2, 7 + k), f"{INDUSTRIES[k % 2]}产业招商组", "区域招商组")
    return rows


def funds_rows(plans: list[P]) -> list[list[Any]]:
    rows: list[list[Any]] = [["项目名称", "年月", "到位资金(万元)", "资金来源"]]
    for plan in plans:
        stages = dict(plan.path)
        if Stage.REGISTERED in stages and stages[Stage.SIGNED] <= EVENT[1]:
            for month in (4, 5, 6):
                rows.append([plan.name, f"2023年{month}月", 1_000 + month * 100, "市外境内"])
    return rows


# --- the district and the imports ------------------------------------------------------------------


@dataclass
class Wanzhou:
    admin: Any
    bureau: Any
    plans: list[P]
    files: dict[str, Path]


def _users() -> tuple[Any, Any]:
    wanzhou = Region.objects.get(code=WANZHOU)
    office = Organization.objects.filter(
        region=wanzhou, name=demo.BUREAU
    ).first() or Organization.objects.create(
        region=wanzhou, kind=OrgKind.DEPARTMENT, name=demo.BUREAU, short_name="招商投资局"
    )
    admin = create_user(None, username="wzadmin", role="admin", region_code=WANZHOU).user
    bureau = create_user(
        None, username="wzzsj", role="department", region_code=WANZHOU, org=str(office.pk)
    ).user
    return admin, bureau


def import_file(kind: str, path: Path, username: str) -> str:
    out, err = StringIO(), StringIO()
    try:
        call_command("import", kind, str(path), "--as", username, stdout=out, stderr=err)
    except CommandError as exc:
        raise CommandError(f"{exc}\n{err.getvalue()}") from exc
    return out.getvalue()


@pytest.fixture
def wanzhou(tmp_path: Path) -> Iterator[Wanzhou]:
    # Three districts share the names: 潼南区's and 大渡口区's groups and 小分队 exist too.
    shared_township("太安镇")
    demo.teams(Region.objects.get(code=demo.TONGNAN))
    demo.teams(Region.objects.get(code=demo.DADUKOU), towns=False)
    district = Region.objects.get(code=WANZHOU)
    services.ensure_defaults(district)  # 潼南's seven industries and the four 重点区域
    for i, (chain, _n, _a) in enumerate(EVENT_CHAINS, 10):  # the signing event's industries
        libraries.save_chain(None, region=district, name=chain, order=i)
    admin, bureau = _users()
    plans = project_plans()
    files = {
        "teams": write_xlsx(tmp_path / "招商组.xlsx", team_rows()),
        "projects": write_xlsx(tmp_path / "招商项目.xlsx", [PROJECT_HEADERS] + [p.row() for p in plans]),
        "leads": write_xlsx(tmp_path / "招商线索.xlsx", lead_rows()),
        "funds": write_xlsx(tmp_path / "到位资金.xlsx", funds_rows(plans)),
        "event": write_xlsx(
            tmp_path / "云签约.xlsx",
            [["活动名称", "活动日期", "项目名称", "活动类型", "活动地点"]]
            + [
                [EVENT[0], EVENT[1], p.name, "签约", "线上"]
                for p in plans
                if dict(p.path).get(Stage.SIGNED) == EVENT[1]
            ],
        ),
    }
    yield Wanzhou(admin, bureau, plans, files)


def load_all(w: Wanzhou) -> None:
    assert (
        "新增27" in import_file("investment-teams", w.files["teams"], "wzadmin")
        or Team.objects.filter(region__code=WANZHOU).count() == 29
    )
    import_file("investment-projects", w.files["projects"], "wzzsj")
    import_file("investment-leads", w.files["leads"], "wzzsj")
    import_file("investment-funds", w.files["funds"], "wzzsj")
    # Collective events are the district's (CollectiveEvent.scope has no unit): its administrator
    # records them; a department user is refused (permission_denied).
    import_file("event-projects", w.files["event"], "wzadmin")


# --- the figures -----------------------------------------------------------------------------------


def test_seed_figures_from_imported_records(wanzhou: Wanzhou) -> None:
    load_all(wanzhou)
    district = Region.objects.get(code=WANZHOU)
    assert Team.objects.filter(region=district).count() == 29
    assert InvestmentProject.objects.filter(region=district).count() == len(wanzhou.plans)
    assert Lead.objects.filter(region=district).count() == 60
    assert FundsInPlace.objects.filter(project__region=district).count() == len(funds_rows(wanzhou.plans)) - 1
    # The town 小分队 of 万州区 got the leads, not 潼南区's namesakes.
    taian = Team.objects.get(region=district, name="太安镇招商小分队")
    assert taian.township is not None and taian.township.code.startswith(WANZHOU)
    assert Lead.objects.filter(reporting_team=taian).count() == 3
    assert not Lead.objects.filter(region__code=demo.TONGNAN).exists()

    january = investment_report(WANZHOU, YEAR_START, YEAR_START)
    for key, sentence in SENTENCES_ON_JANUARY_1.items():
        assert january.sentences()[key] == sentence
    quarter = investment_report(WANZHOU, YEAR_START, QUARTER_END)
    for key, sentence in SENTENCES_OF_THE_QUARTER.items():
        assert quarter.sentences()[key] == sentence

    # The projects have moved on: today's stages give other figures than the history.
    now = InvestmentProject.objects.filter(region=district)
    assert now.filter(is_key=True, stage__in=IN_TALKS_STAGES).count() != 115
    assert now.filter(stage=Stage.TO_SIGN, planned_signing_on__quarter=2).count() != 11
    assert quarter.key_in_talks.count != 115
    later = investment_report(WANZHOU, YEAR_START, date(2023, 12, 31))
    assert later.sentences()["to_sign"] != SENTENCES_OF_THE_QUARTER["to_sign"]
    assert later.sentences()["follow"] != SENTENCES_OF_THE_QUARTER["follow"]

    # The same through the command line.
    out = StringIO()
    call_command("report", "investment", "--region", WANZHOU, "--date", "2023-03-31", stdout=out)
    for sentence in SENTENCES_OF_THE_QUARTER.values():
        assert sentence in out.getvalue()


def test_a_second_towns_lead_for_the_same_investor_is_refused(wanzhou: Wanzhou, tmp_path: Path) -> None:
    load_all(wanzhou)
    district = Region.objects.get(code=WANZHOU)
    # 上海… (a prefix the name key strips) was reported first by the second town's 小分队.
    investor, short = demo.investor(301)
    first = Lead.objects.select_related("reporting_team").get(region=district, investor_name=investor)
    first_team = f"{towns()[1].name}招商小分队"
    assert first.reporting_team is not None and first.reporting_team.name == first_team
    assert investor.startswith("上海")
    other_town = "太安镇"
    project_investor = wanzhou.plans[20].investor
    rows = [
        LEAD_HEADERS,
        # 太安镇 reports the same investor, its name written another way.
        [
            f"{short}(重庆)有限公司",
            "同一企业",
            "镇街招商小分队",
            f"{other_town}招商小分队",
            date(2023, 4, 20),
            REGIONAL[1],
            INDUSTRIES[0],
            5_000,
        ],
        # A fresh investor: written only if the whole file is.
        [
            demo.investor(390)[0],
            "新线索",
            "镇街招商小分队",
            f"{other_town}招商小分队",
            date(2023, 4, 21),
            REGIONAL[1],
            INDUSTRIES[0],
            5_000,
        ],
        # An investor already in the pipeline as a project.
        [
            project_investor,
            "已在库项目",
            "镇街招商小分队",
            f"{other_town}招商小分队",
            date(2023, 4, 22),
            REGIONAL[2],
            INDUSTRIES[1],
            5_000,
        ],
    ]
    before = Lead.objects.filter(region=district).count()
    path = write_xlsx(tmp_path / "重复线索.xlsx", rows)
    result = run_import("investment-leads", path, actor=wanzhou.bureau)
    assert not result.ok
    errors = {e.row: e for e in result.errors}
    assert set(errors) == {2, 4}
    assert {e.code for e in result.errors} == {"duplicate_investor"}
    assert first_team in errors[2].message and "2023-01-05" in errors[2].message
    assert wanzhou.plans[20].name in errors[4].message
    assert Lead.objects.filter(region=district).count() == before
    with pytest.raises(CommandError, match="validation_error"):
        import_file("investment-leads", path, "wzzsj")


def test_funds_before_signing_are_refused(wanzhou: Wanzhou, tmp_path: Path) -> None:
    load_all(wanzhou)
    q_project = wanzhou.plans[115 + 19]  # 拟签约 on 31 March, signed in May
    path = write_xlsx(
        tmp_path / "到位资金-早.xlsx",
        [["项目名称", "年月", "到位资金(万元)", "资金来源"], [q_project.name, "2023年3月", 500, "市外境内"]],
    )
    result = run_import("investment-funds", path, actor=wanzhou.bureau)
    assert [e.code for e in result.errors] == ["funds_before_signing"]
    assert not FundsInPlace.objects.filter(project__name=q_project.name).exists()
    assert Decimal(0) == sum(
        (f.amount for f in FundsInPlace.objects.filter(project__name=q_project.name)), Decimal(0)
    )
