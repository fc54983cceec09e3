"""Demo investment pipeline (招商引资) for the two seed districts, built through the services.

潼南区 (500152), 2022 (seed 004):
- the 4 重点区域招商组 (粤港澳大湾区, 长三角, 京津冀, 成渝地区), 7 重点产业招商组 and the 23 镇街招商小分队,
  each group with its squad organisation under the 区招商投资局;
- on 1 January 2022, 115 key projects in talks (在谈/意向明显/拟签约) with 计划投资额 1182.57亿元,
  39 of them with a clear intent (金鹰集团, 中新能源, 雨中情 …): "在库重点在谈项目115个(计划投资额
  1182.57亿元)", "其中投资意向比较明显的39个"; beside them non-key projects in talks, key projects at
  an earlier stage, terminated or signed before the year, and projects entered later;
- from 1 January to 31 March 2022 the 23 town 小分队 report 45 leads to the 4 regional groups
  ("23个镇街招商小分队向4个重点区域招商组提供45条信息线索"); leads before and after, leads the groups
  report themselves, a duplicate report of an investor another town reported first (首报制, waiting
  for the 招商投资局), and leads converted into projects in the spring;
- the pipeline has moved on since: signings, starts, projects terminated, talks cooled down.

大渡口区 (500104), spring 2020 (seed 000):
- on 18 March 2020 the "大渡口区2020年一季度招商引资项目“云签约”活动": 19 projects signed, 协议投资额
  50.8亿元, in 大数据智能化, 生态环保, 大健康生物医药 and 文化休闲旅游;
- as of 31 March 2020: 11 projects 拟签约 for the second quarter (计划投资额 19.6亿元, "近20亿元"),
  41 projects 紧密跟进 and 29 在谈储备 among those not yet signed;
- since then: most signed projects registered and started, funds in place month by month, some
  of the second quarter's signings slipped and others were lost.

Follow-ups and funds in place go through :mod:`tiaodu.investment.tracking`, leads through
:mod:`tiaodu.investment.leads`, the signing event through :mod:`tiaodu.investment.signing_events`.
Everything is written by the server operator (actor ``None``) on past dates. Idempotent: a
district whose first demo project exists is left as it is.

``load_investment_accounts()`` (run by :func:`tiaodu.core.demo.load_demo`) adds the 招商投资局
user ``zsj`` only; the pipeline itself is loaded by ``tiaodu demo``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from tiaodu.investment import services
from tiaodu.investment.choices import (
    FollowLevel,
    FollowUpKind,
    FundSource,
    Source,
    Stage,
    TeamKind,
    TerminationReason,
)
from tiaodu.investment.models import FocusArea, IndustryChain, InvestmentProject, Lead, Team
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.projects.demo_seed import split
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

TONGNAN, DADUKOU = "500152", "500104"
# 潼南: the pipeline on 1 January 2022 and the leads of the first quarter.
TONGNAN_YEAR_START = date(2022, 1, 1)
TONGNAN_REPORT_ON = date(2022, 3, 31)
TONGNAN_IN_TALKS = 115
TONGNAN_CLEAR_INTENT = 39
TONGNAN_PLANNED = 11_825_700  # 万元: 1182.57亿元
TONGNAN_TOWN_LEADS = 45
# 大渡口: the 云签约 of 18 March 2020 and the pipeline at the end of March.
DADUKOU_EVENT = ("大渡口区2020年一季度招商引资项目“云签约”活动", date(2020, 3, 18))
DADUKOU_REPORT_ON = date(2020, 3, 31)
DADUKOU_EVENT_CHAINS = [
    ("大数据智能化", 7, 200_000),
    ("生态环保", 5, 140_000),
    ("大健康生物医药", 4, 100_000),
    ("文化休闲旅游", 3, 68_000),
]
DADUKOU_CHAINS = [name for name, _n, _a in DADUKOU_EVENT_CHAINS] + ["智能制造"]
DADUKOU_Q2_TO_SIGN = 11
DADUKOU_Q2_PLANNED = 196_000  # 万元: 19.6亿元, "近20亿元"
DADUKOU_CLOSE = 41
DADUKOU_RESERVE = 29

BUREAU = "区招商投资局"
REGIONAL_LEADERS = {
    "粤港澳大湾区": "区委常委、常务副区长",
    "长三角": "副区长(分管工业)",
    "京津冀": "副区长(分管商务)",
    "成渝地区": "区政协副主席",
}
SEED_INVESTORS = [
    # The seed's three named projects with a clear intent (潼南 2022).
    ("金鹰集团潼南智能制造产业园项目", "金鹰集团有限公司", 1),
    ("中新能源潼南储能电池生产基地项目", "中新能源科技有限公司", 4),
    ("雨中情潼南食品加工基地项目", "重庆雨中情食品有限公司", 3),
]

# --- investor names --------------------------------------------------------------------------------
# Brands of three characters from three disjoint pools, laid out so that two investors share at
# most one of them: no two investors of a district share a normalised key or come near one (the
# 首报制 check would flag them).
_A = "华金鑫瑞恒泰宏盛博嘉宇润海天德晟弘昌远汇"
_B = "科达丰茂通利祥隆兴鼎诚信凯睿翔云启航腾禾"
_C = "星辰明悦安康永佳丽美卓越飞鸿力伟豪峰锦绣"
_WORDS = ["电子", "新材料", "装备", "食品", "能源", "医药", "纺织", "化工", "智能", "环保", "文旅", "数据"]
_PLACES = ["深圳", "上海", "北京", "成都", "杭州", "苏州", "广州", "天津", "重庆", "西安"]
_OBJECTS = ["生产基地", "产业园", "智能工厂", "研发中心", "扩能改造", "总部基地"]


def investor(n: int) -> tuple[str, str]:
    """The ``n``-th generated (investor name, brand + industry word); distinct for n < 400."""
    row, col = n % 20, (n // 20) % 20
    brand = f"{_A[row]}{_B[col]}{_C[(row + col) % 20]}"
    word = _WORDS[(n + n // 12) % len(_WORDS)]
    return f"{_PLACES[n % len(_PLACES)]}{brand}{word}有限公司", f"{brand}{word}"


def project_name(district: Region, n: int) -> str:
    _name, short = investor(n)
    return f"{short}{district.name[:2]}{_OBJECTS[n % len(_OBJECTS)]}项目"


# --- reference data --------------------------------------------------------------------------------


def _org(name: str, kind: str, region: Region, **extra: Any) -> Organization:
    from tiaodu.core.demo import _org as make_org

    return make_org(name, kind, region, **extra)


def bureau(district: Region) -> Organization:
    return _org(BUREAU, OrgKind.DEPARTMENT, district, short_name="招商投资局")


def _team(district: Region, name: str, kind: str, **values: Any) -> Team:
    from tiaodu.investment import libraries

    team = Team.objects.filter(region=district, name=name).first()
    return team or libraries.save_team(None, region=district, name=name, kind=kind, **values)


@dataclass
class Teams:
    regional: list[Team] = field(default_factory=list)
    industry: list[Team] = field(default_factory=list)
    towns: list[Team] = field(default_factory=list)
    chains: list[IndustryChain] = field(default_factory=list)


def teams(district: Region, towns: bool = True) -> Teams:
    """The district's groups (with their squad organisations) and town 小分队, created once."""
    services.ensure_defaults(district)
    office = bureau(district)
    made = Teams(chains=list(IndustryChain.objects.filter(region=district, parent=None).order_by("order")))
    for area in FocusArea.objects.filter(region=district).order_by("order"):
        name = f"{area.name}招商组"
        squad = _org(name, OrgKind.SQUAD, district, parent=office)
        leader = REGIONAL_LEADERS.get(area.name, "")
        made.regional.append(
            _team(district, name, TeamKind.REGIONAL, focus_area=area, organization=squad, leader_name=leader)
        )
    for chain in made.chains:
        name = f"{chain.name}产业招商组"
        squad = _org(name, OrgKind.SQUAD, district, parent=office)
        made.industry.append(_team(district, name, TeamKind.INDUSTRY, chain=chain, organization=squad))
    if towns:
        for township in Region.objects.filter(parent=district, level=Level.TOWNSHIP).order_by("code"):
            town_org = Organization.objects.filter(region=township, kind=OrgKind.TOWN).first()
            made.towns.append(
                _team(
                    district,
                    f"{township.name}招商小分队",
                    TeamKind.TOWN,
                    township=township,
                    organization=town_org,
                )
            )
    return made


@transaction.atomic
def load_investment_accounts() -> list[tuple[str, str, str]]:
    """The 招商投资局 user of 潼南 (``zsj``): (username, role, where)."""
    from tiaodu.accounts.models import User
    from tiaodu.core.demo import _user, demo_password

    office = bureau(Region.objects.get(code=TONGNAN))
    if not User.objects.filter(username="zsj").exists():
        _user("zsj", "department", demo_password(), full_name="招商投资局干部", org=str(office.pk))
    return [("zsj", "department", BUREAU)]


# --- projects --------------------------------------------------------------------------------------


@dataclass
class Plan:
    """One demo project: its values and its dated stage path (the first step enters it)."""

    name: str
    investor: str
    amount: int
    path: Sequence[tuple[str, date]]
    chain: IndustryChain | None = None
    team: Team | None = None
    is_key: bool = True
    follow_level: str = FollowLevel.GENERAL
    planned_signing_on: date | None = None
    source: str = Source.REGIONAL_TEAM
    reason: str = TerminationReason.OTHER
    extra: dict[str, Any] = field(default_factory=dict)


def build(district: Region, plan: Plan) -> InvestmentProject:
    """Enter the project at its first stage and move it along its path through the stage table."""
    first_stage, first_on = plan.path[0]
    agreed = Decimal(plan.amount * 9 // 10)
    signed_first = first_stage in (Stage.SIGNED, Stage.REGISTERED, Stage.STARTED, Stage.PRODUCING)
    project = services.create_project(
        None,
        stage=first_stage,
        on=first_on,
        region=district,
        name=plan.name,
        investor_name=plan.investor,
        planned_investment=Decimal(plan.amount),
        chain=plan.chain,
        team=plan.team,
        is_key=plan.is_key,
        follow_level=plan.follow_level,
        planned_signing_on=plan.planned_signing_on,
        source=plan.source,
        first_reported_on=first_on,
        **({"agreed_investment": agreed} if signed_first else {}),
        **plan.extra,
    )
    for stage, on in plan.path[1:]:
        project = services.change_stage(
            None,
            project,
            stage,
            on,
            reason=plan.reason if stage == Stage.TERMINATED else "",
            agreed_investment=agreed if stage == Stage.SIGNED and project.agreed_investment is None else None,
        )
    return project


def _day(start: date, days: int) -> date:
    return start + timedelta(days=days)


# --- 潼南区 2022 -----------------------------------------------------------------------------------


def _tongnan_plans(district: Region, made: Teams) -> list[Plan]:
    plans: list[Plan] = []
    amounts = split(TONGNAN_PLANNED, TONGNAN_IN_TALKS)
    groups = made.regional + made.industry
    for i in range(TONGNAN_IN_TALKS):
        if i < len(SEED_INVESTORS) + 14 and i >= 14:
            name, who, chain_no = SEED_INVESTORS[i - 14]
            chain = made.chains[chain_no]
        else:
            name, (who, _short) = project_name(district, i), investor(i)
            chain = made.chains[i % len(made.chains)]
        entered = date(2021, 3 + i % 7, 3 + i % 25)
        path = [(Stage.CONTACT, entered), (Stage.NEGOTIATING, _day(entered, 30))]
        if i < TONGNAN_CLEAR_INTENT:
            path.append((Stage.INTENT, _day(entered, 60)))
        if i < 14:
            path.append((Stage.TO_SIGN, _day(entered, 90)))
        reason = TerminationReason.OTHER
        # What happened after 1 January 2022.
        if i < 5:  # signed in the first quarter
            path.append((Stage.SIGNED, date(2022, 2, 10 + i)))
            path.append((Stage.REGISTERED, date(2022, 5, 10 + i)))
            path.append((Stage.STARTED, date(2022, 9, 1 + i)))
        elif i < 14:  # signed in the spring; some started
            path.append((Stage.SIGNED, date(2022, 5, 6 + i)))
            if i % 2:
                path.append((Stage.STARTED, date(2022, 11, 1 + i)))
        elif i < 25:  # intent → 拟签约 → signed in the autumn
            path += [(Stage.TO_SIGN, date(2022, 6, 1 + i)), (Stage.SIGNED, date(2022, 9, 1 + i))]
        elif i < 32:  # talks cooled down
            path.append((Stage.NEGOTIATING, date(2022, 6, 1 + i - 25)))
        elif i < TONGNAN_CLEAR_INTENT:  # lost to another region
            path.append((Stage.TERMINATED, date(2022, 8, 1 + i - 32)))
            reason = TerminationReason.LOST
        elif i < 61:  # intent in the spring
            path.append((Stage.INTENT, date(2022, 5, 1 + i - 39)))
        elif i < 76:  # terminated: land or energy not available
            path.append((Stage.TERMINATED, date(2022, 7, 1 + i - 61)))
            reason = TerminationReason.FACTORS
        plans.append(
            Plan(
                name,
                who,
                amounts[i],
                path,
                chain=chain,
                team=groups[i % len(groups)],
                follow_level=FollowLevel.CLOSE if i < TONGNAN_CLEAR_INTENT else FollowLevel.GENERAL,
                planned_signing_on=date(2022, 3 + i % 9, 28) if i < TONGNAN_CLEAR_INTENT else None,
                reason=reason,
            )
        )
    # Beside them, what the 1 January count must leave out.
    n = 200
    for k in range(12):  # not key projects, in talks
        stage_path = [(Stage.CONTACT, date(2021, 4, 1 + k)), (Stage.NEGOTIATING, date(2021, 6, 1 + k))]
        if k % 3 == 0:
            stage_path.append((Stage.INTENT, date(2021, 9, 1 + k)))
        plans.append(_extra(district, made, n + k, stage_path, is_key=False))
    n += 12
    for k in range(6):  # key, still at 接洽 on 1 January; in talks from February
        path = [(Stage.CONTACT, date(2021, 10, 5 + k)), (Stage.NEGOTIATING, date(2022, 2, 15 + k))]
        plans.append(_extra(district, made, n + k, path))
    n += 6
    for k in range(5):  # key, in talks in 2021, terminated before the year
        path = [
            (Stage.CONTACT, date(2021, 2, 1 + k)),
            (Stage.NEGOTIATING, date(2021, 4, 1 + k)),
            (Stage.TERMINATED, date(2021, 11, 20 + k)),
        ]
        plans.append(_extra(district, made, n + k, path, reason=TerminationReason.STRATEGY))
    n += 5
    for k in range(4):  # key, signed in 2021 and in production since
        path = [
            (Stage.NEGOTIATING, date(2021, 1, 10 + k)),
            (Stage.SIGNED, date(2021, 6, 10 + k)),
            (Stage.REGISTERED, date(2021, 9, 10 + k)),
            (Stage.STARTED, date(2021, 12, 10 + k)),
            (Stage.PRODUCING, date(2023, 6, 10 + k)),
        ]
        plans.append(_extra(district, made, n + k, path))
    n += 4
    for k in range(3):  # key, entered in talks after 1 January
        plans.append(_extra(district, made, n + k, [(Stage.NEGOTIATING, date(2022, 1, 20 + k))]))
    return plans


def _extra(district: Region, made: Teams, n: int, path: Sequence[tuple[str, date]], **values: Any) -> Plan:
    who, _short = investor(n)
    return Plan(
        project_name(district, n),
        who,
        30_000 + (n % 9) * 10_000,
        path,
        chain=made.chains[n % len(made.chains)],
        team=made.regional[n % len(made.regional)],
        **values,
    )


def _tongnan_leads(district: Region, made: Teams) -> list[Lead]:
    """45 leads of the 23 towns to the 4 regional groups in the first quarter, and others."""
    from tiaodu.investment import leads

    office = bureau(district)
    reported: list[Lead] = []

    def report(
        n: int, on: date, reporting: Team, team: Team, source: str, reporter: Organization | None
    ) -> Lead:
        who, short = investor(n)
        lead = leads.report_lead(
            None,
            region=district,
            investor_name=who,
            content=f"{short}拟在西部地区布局生产基地,已初步接触",
            source=source,
            reporter=reporter,
            reporting_team=reporting,
            township=reporting.township,
            reported_on=on,
            team=team,
            chain=made.chains[n % len(made.chains)],
            estimated_investment=Decimal(5_000 + (n % 7) * 5_000),
        )
        reported.append(lead)
        return lead

    def town_lead(n: int, on: date, k: int, team: Team) -> Lead:
        town = made.towns[k % len(made.towns)]
        return report(n, on, town, team, Source.TOWN_TEAM, town.organization)

    n = 300
    for i in range(TONGNAN_TOWN_LEADS):
        town_lead(n + i, _day(date(2022, 1, 4), i * 9 // 5), i, made.regional[i % len(made.regional)])
    n += TONGNAN_TOWN_LEADS
    for k in range(6):  # December 2021: before the year
        town_lead(n + k, date(2021, 12, 6 + k), k, made.regional[k % 4])
    n += 6
    for k in range(4):  # April 2022: after the quarter
        town_lead(n + k, date(2022, 4, 6 + k), k + 3, made.regional[k % 4])
    n += 4
    for k in range(5):  # reported by the regional groups themselves to an industry group
        group = made.regional[k % 4]
        report(n + k, date(2022, 2, 7 + k), group, made.industry[k], Source.REGIONAL_TEAM, group.organization)
    n += 5
    # 首报制: 玉溪镇 reports in April an investor 古溪镇 reported in January; the 招商投资局 decides.
    first = reported[0]
    second_town = made.towns[(made.towns.index(first.reporting_team) + 1) % len(made.towns)]  # type: ignore[arg-type]
    leads.report_lead(
        None,
        region=district,
        investor_name=first.investor_name,
        content="该企业有意在我镇投资建厂",
        source=Source.TOWN_TEAM,
        reporter=second_town.organization,
        reporting_team=second_town,
        township=second_town.township,
        reported_on=date(2022, 4, 12),
        team=made.regional[1],
        submit_as_duplicate=True,
    )
    del office
    return reported


@transaction.atomic
def load_tongnan() -> bool:
    from tiaodu.investment import leads, tracking

    district = Region.objects.get(code=TONGNAN)
    made = teams(district)
    plans = _tongnan_plans(district, made)
    if InvestmentProject.objects.filter(region=district, name=plans[0].name).exists():
        return False
    projects = [build(district, plan) for plan in plans]
    lead_rows = _tongnan_leads(district, made)
    # Leads converted into projects after the quarter.
    for k, lead in enumerate(lead_rows[1:9]):
        leads.convert_lead(
            None,
            lead,
            name=f"{lead.investor_name[2:-4]}{district.name[:2]}项目",
            planned_investment=lead.estimated_investment or Decimal(10_000),
            on=date(2022, 5, 5 + k),
        )
    # Visits and invitations to the 39 projects with a clear intent (加大登门拜访和邀请力度).
    for k, project in enumerate(projects[:TONGNAN_CLEAR_INTENT]):
        tracking.record_follow_up(
            None,
            project,
            kind=FollowUpKind.VISIT,
            on=date(2022, 2, 8 + k % 20),
            people="区招商投资局、" + (project.team.name if project.team else "招商组"),
            outcome="登门拜访企业负责人,了解投资意向和要素需求",
            next_step="邀请企业来潼考察",
            next_on=date(2022, 3, 15 + k % 10),
        )
        tracking.record_follow_up(
            None,
            project,
            kind=FollowUpKind.INSPECTION,
            on=date(2022, 3, 15 + k % 10),
            people="区招商投资局",
            outcome="企业来潼考察园区和标准厂房",
            next_step="洽谈投资协议",
        )
    # Funds in place of the projects signed in 2022.
    for project in projects[:25]:
        project.refresh_from_db()
        if project.signed_on is None or project.stage == Stage.TERMINATED:
            continue
        first = date(project.signed_on.year, project.signed_on.month, 1)
        for m in range(1, 7):
            month = date(first.year + (first.month + m - 1) // 12, (first.month + m - 1) % 12 + 1, 1)
            tracking.record_funds(
                None,
                project,
                month=month,
                amount=(project.agreed_investment or Decimal(0)) / 20,
                source=FundSource.OUT_OF_CITY if m % 2 else FundSource.OUT_OF_DISTRICT,
                feed=False,
            )
    # 潼南区's 招商引资到位资金 of 2022 is the monitoring demo's (the published figures of 1-6月): the
    # records are not fed, or the dashboard's latest period would become a 1-12月 with one figure.
    return True


# --- 大渡口区 2020 ---------------------------------------------------------------------------------


def _dadukou_chains(district: Region) -> None:
    """大渡口's key industries (its own, not 潼南's seven the defaults would give it)."""
    from tiaodu.investment import libraries

    if not IndustryChain.objects.filter(region=district).exists():
        for i, name in enumerate(DADUKOU_CHAINS, 1):
            libraries.save_chain(None, region=district, name=name, order=i)


def _dadukou_plans(district: Region, made: Teams) -> tuple[list[Plan], list[Plan]]:
    """(the 19 signed at the event, the rest)."""
    chain_of = {c.name: c for c in made.chains}
    event_day = DADUKOU_EVENT[1]
    signed: list[Plan] = []
    n = 0
    for chain_name, count, total in DADUKOU_EVENT_CHAINS:
        for k, amount in enumerate(split(total * 10 // 9, count)):
            entered = date(2019, 6 + (n % 6), 10 + k)
            path = [
                (Stage.CONTACT, entered),
                (Stage.NEGOTIATING, date(2019, 12, 1 + n)),
                (Stage.TO_SIGN, date(2020, 1, 6 + n)),
                (Stage.SIGNED, event_day),
            ]
            if n < 2:  # funds never came
                path.append((Stage.TERMINATED, date(2020, 11, 5 + n)))
            elif n < 15:
                path.append((Stage.REGISTERED, date(2020, 5, 6 + n)))
                if n < 10:
                    path.append((Stage.STARTED, date(2020, 9, 1 + n)))
                if n < 4:
                    path.append((Stage.PRODUCING, date(2021, 9, 1 + n)))
            signed.append(
                Plan(
                    project_name(district, n),
                    investor(n)[0],
                    amount,
                    path,
                    chain=chain_of[chain_name],
                    team=made.regional[n % 4],
                    follow_level=FollowLevel.CLOSE,
                    reason=TerminationReason.FUNDS,
                )
            )
            n += 1
    # The agreed amounts add up to 50.8亿元 exactly: set them per chain.
    rest: list[Plan] = []
    chains = made.chains
    q2 = split(DADUKOU_Q2_PLANNED, DADUKOU_Q2_TO_SIGN)
    for k in range(DADUKOU_Q2_TO_SIGN):  # 拟签约 for the second quarter
        n += 1
        path = [
            (Stage.NEGOTIATING, date(2019, 10, 1 + k)),
            (Stage.INTENT, date(2020, 1, 10 + k)),
            (Stage.TO_SIGN, date(2020, 3, 2 + k)),
        ]
        if k < 8:
            path.append((Stage.SIGNED, date(2020, 5 + k % 2, 10 + k)))
        elif k == 8:
            path.append((Stage.TERMINATED, date(2020, 9, 1)))
        rest.append(
            Plan(
                project_name(district, n),
                investor(n)[0],
                q2[k],
                path,
                chain=chains[k % len(chains)],
                team=made.regional[k % 4],
                follow_level=FollowLevel.CLOSE,
                planned_signing_on=date(2020, 4 + k % 3, 20),
                reason=TerminationReason.LOST,
            )
        )
    close_rest = DADUKOU_CLOSE - DADUKOU_Q2_TO_SIGN
    for k in range(close_rest):  # the other close follow-ups: 3 for the third quarter, then 意向/在谈
        n += 1
        path = [(Stage.CONTACT, date(2019, 9, 1 + k)), (Stage.NEGOTIATING, date(2019, 12, 1 + k))]
        planned_on = None
        if k < 3:
            path += [(Stage.INTENT, date(2020, 2, 3 + k)), (Stage.TO_SIGN, date(2020, 3, 10 + k))]
            planned_on = date(2020, 8, 18)
            path.append((Stage.SIGNED, date(2020, 8, 18)))
        elif k < 15:
            path.append((Stage.INTENT, date(2020, 2, 3 + k)))
            if k % 2:
                path.append((Stage.TO_SIGN, date(2020, 7, 1 + k)))
        elif k < 20:
            path.append((Stage.TERMINATED, date(2020, 10, 1 + k)))
        rest.append(_dadukou_plan(district, made, n, path, FollowLevel.CLOSE, planned_on))
    for k in range(DADUKOU_RESERVE):
        n += 1
        path = [(Stage.CONTACT, date(2019, 11, 1 + k))]
        if k < 10:
            path.append((Stage.NEGOTIATING, date(2020, 2, 1 + k)))
        if k % 3 == 0:
            path.append((Stage.TERMINATED, date(2020, 12, 1 + k % 25)))
        rest.append(
            _dadukou_plan(district, made, n, path, FollowLevel.RESERVE, None, TerminationReason.STRATEGY)
        )
    for k in range(12):  # 一般跟进
        n += 1
        rest.append(
            _dadukou_plan(district, made, n, [(Stage.LEAD, date(2020, 1, 6 + k))], FollowLevel.GENERAL)
        )
    # What the end-of-March counts leave out: close follow-ups terminated in February or entered
    # in April, one signed in January outside the event.
    for k in range(2):
        n += 1
        path = [(Stage.NEGOTIATING, date(2019, 8, 1 + k)), (Stage.TERMINATED, date(2020, 2, 20 + k))]
        rest.append(_dadukou_plan(district, made, n, path, FollowLevel.CLOSE, None, TerminationReason.POLICY))
    for k in range(2):
        n += 1
        rest.append(
            _dadukou_plan(district, made, n, [(Stage.NEGOTIATING, date(2020, 4, 15 + k))], FollowLevel.CLOSE)
        )
    n += 1
    path = [(Stage.TO_SIGN, date(2019, 12, 2)), (Stage.SIGNED, date(2020, 1, 15))]
    rest.append(_dadukou_plan(district, made, n, path, FollowLevel.CLOSE))
    return signed, rest


def _dadukou_plan(
    district: Region,
    made: Teams,
    n: int,
    path: Sequence[tuple[str, date]],
    level: str,
    planned_on: date | None = None,
    reason: str = TerminationReason.OTHER,
) -> Plan:
    return Plan(
        project_name(district, n),
        investor(n)[0],
        20_000 + (n % 8) * 10_000,
        path,
        chain=made.chains[n % len(made.chains)],
        team=made.regional[n % 4],
        follow_level=level,
        planned_signing_on=planned_on,
        reason=reason,
    )


@transaction.atomic
def load_dadukou() -> bool:
    from tiaodu.events import services as events
    from tiaodu.investment import signing_events, tracking

    district = Region.objects.get(code=DADUKOU)
    _dadukou_chains(district)
    made = teams(district, towns=False)
    signed, rest = _dadukou_plans(district, made)
    if InvestmentProject.objects.filter(region=district, name=signed[0].name).exists():
        return False
    # 协议投资额 per chain as the event's totals: 20亿 + 14亿 + 10亿 + 6.8亿 = 50.8亿元.
    agreed = [a for _c, count, total in DADUKOU_EVENT_CHAINS for a in split(total, count)]
    at_event = []
    for plan, amount in zip(signed, agreed, strict=True):
        project = build(district, Plan(**{**plan.__dict__, "path": plan.path[:3]}))
        project = services.change_stage(
            None, project, Stage.SIGNED, DADUKOU_EVENT[1], agreed_investment=Decimal(amount)
        )
        at_event.append(project)
    event = events.record_event(
        None,
        name=DADUKOU_EVENT[0],
        held_on=DADUKOU_EVENT[1],
        region=district,
        place="线上(屏对屏)",
        entries=[],
    )
    for project in at_event:
        signing_events.add_to_event(None, event, project)
    # After the event: registration, start, production, or the end.
    for plan, project in zip(signed, at_event, strict=True):
        for stage, on in plan.path[4:]:
            project = services.change_stage(
                None, project, stage, on, reason=plan.reason if stage == Stage.TERMINATED else ""
            )
        if project.stage in (Stage.REGISTERED, Stage.STARTED, Stage.PRODUCING):
            for m in range(4, 13):
                tracking.record_funds(
                    None,
                    project,
                    month=date(2020, m, 1),
                    amount=(project.agreed_investment or Decimal(0)) / 15,
                    source=FundSource.OUT_OF_CITY,
                    feed=False,
                )
    for plan in rest:
        project = build(district, plan)
        if plan.follow_level == FollowLevel.CLOSE and project.stage not in (Stage.TERMINATED,):
            tracking.record_follow_up(
                None,
                project,
                kind=FollowUpKind.CALL,
                on=max(plan.path[0][1], date(2020, 3, 2)),
                people="区招商投资局",
                outcome="视频洽谈(不见面招商),企业确认投资意向",
                next_step="疫情缓解后邀请来区考察",
            )
    tracking.feed_from(district, date(2020, 1, 1))
    return True


def load_investment_demo() -> dict[str, bool]:
    """Load both districts' pipelines (each once); which ones were loaded now."""
    return {TONGNAN: load_tongnan(), DADUKOU: load_dadukou()}
