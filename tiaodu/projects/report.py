"""重点项目调度情况: the key-project figures of a region up to a date, in numbers and in words.

``project_report(region, date_from, date_to, user=None)`` computes every figure from the records
and writes the sentences in the seed reports' form. ``date_to`` is the "as of" date (``tiaodu report
projects --date``); ``date_from`` (default 1 January of that year) bounds what happened "this year".

==================== ===============================================================================
重点项目N个          市级/区级重点 projects of the region, not cancelled, whose first stage is dated by ``date_to``;
总投资X亿元          their total investment; 年度计划投资 their annual plan
完成投资X亿元,       investment reported in the dispatch rounds closed in the range (their frozen
占年度计划Y%         reports), against the annual plan of the same projects
累计到岗人数N人,     the latest dispatch round ending in the range: workers on site, and on site /
到岗率Y%             required (key projects only)
专班N个、干部M人     service squads serving the key projects; their distinct members
累计解决…问题N个     project problems (dispatch cases) resolved in the range; the two categories
                     with most of them are named; "20余个" below exact figures of 10
集中活动             events held in the range: per event the viewer may open "涉及N个重点项目、总投资额X亿元",
                     and per kind across events "集中开工项目N个,总投资约X亿元", "N个项目集中竣工投产"
策划PPP项目N个       PPP-funded projects not cancelled, with their total investment
争取专项债项目N个    special-bond projects not cancelled, their total investment and fields
红牌N个、黄牌M个     projects carrying a red / (only) a yellow card on ``date_to`` (card history)
==================== ===============================================================================

With ``user`` every queryset goes through ``restrict(user)``: a town user's report counts only its
township's projects.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Min, QuerySet, Sum

from tiaodu.cases.models import Case
from tiaodu.core import figures as fig
from tiaodu.core.errors import invalid
from tiaodu.dispatch.choices import RoundState
from tiaodu.dispatch.models import DispatchReport, DispatchRound
from tiaodu.events import services as events
from tiaodu.events.choices import EventAction
from tiaodu.events.models import CollectiveEvent, EventProject
from tiaodu.orgs.models import Organization
from tiaodu.projects.cards import hung_on
from tiaodu.projects.choices import BondField, Funding, ProjectLevel, Stage
from tiaodu.projects.models import Project, StageChange
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

KEY_LEVELS = (ProjectLevel.CITY, ProjectLevel.DISTRICT)


def yi(wan: Decimal) -> str:
    return events.yi(wan)


@dataclass
class EventLine:
    name: str
    held_on: date
    projects: int
    investment: Decimal
    sentence: str


@dataclass
class ProjectReport:
    region_code: str
    region_name: str
    date_from: date
    date_to: date
    key_projects: int = 0
    key_investment: Decimal = Decimal(0)
    annual_plan: Decimal = Decimal(0)
    investment_done: Decimal = Decimal(0)
    completion_rate: Decimal | None = None
    round_label: str = ""
    workers_required: int = 0
    workers_on_site: int = 0
    attendance_rate: Decimal | None = None
    squads: int = 0
    squad_members: int = 0
    problems_raised: int = 0
    problems_resolved: int = 0
    problem_categories: list[str] = field(default_factory=list)
    events: list[EventLine] = field(default_factory=list)
    by_action: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    ppp_count: int = 0
    ppp_investment: Decimal = Decimal(0)
    bond_count: int = 0
    bond_investment: Decimal = Decimal(0)
    bond_fields: list[str] = field(default_factory=list)
    red: int = 0
    yellow: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.region_name}重点项目调度情况({fig.cn_period(self.date_from, self.date_to)})"

    def sentences(self) -> dict[str, str]:
        s: dict[str, str] = {}
        s["library"] = f"纳入调度的重点项目{self.key_projects}个、总投资{yi(self.key_investment)}"
        if self.annual_plan:
            s["investment"] = (
                f"年度计划投资{yi(self.annual_plan)},完成投资{yi(self.investment_done)},"
                f"完成率{fig.percent(self.completion_rate)}"
            )
        if self.squads:
            s["squads"] = f"抽调干部{self.squad_members}人,成立{self.squads}个重点项目服务专班"
        if self.problems_resolved:
            kinds = "、".join(self.problem_categories)
            about = fig.about(self.problems_resolved)
            s["problems"] = (
                f"累计解决涉及{kinds}等各类问题{about}个" if kinds else f"累计解决各类问题{about}个"
            )
        if self.workers_required:
            s["workers"] = (
                f"重点建设项目累计到岗人数{self.workers_on_site}人,到岗率{fig.percent(self.attendance_rate)}"
            )
        for i, line in enumerate(self.events, start=1):
            s[f"event{i}"] = line.sentence
        phrases = events.ACTION_PHRASE
        for action in (EventAction.START, EventAction.SIGN, EventAction.COMPLETE):
            if action in self.by_action:
                n, money = self.by_action[action]
                s[f"events_{action}"] = f"{phrases[action]}项目{n}个,总投资{yi(money)}"
        if self.ppp_count:
            s["ppp"] = f"策划PPP项目{self.ppp_count}个、投资{yi(self.ppp_investment)}"
        if self.bond_count:
            fields = "、".join(self.bond_fields)
            head = f"围绕{fields}{len(self.bond_fields)}个重点领域," if fields else ""
            s["bonds"] = f"{head}争取专项债项目{self.bond_count}个,投资{yi(self.bond_investment)}"
        s["cards"] = (
            f"红牌{self.red}个、黄牌{self.yellow}个" if (self.red or self.yellow) else "无挂牌督办项目"
        )
        return s

    @property
    def paragraph(self) -> str:
        return ";".join(self.sentences().values()) + "。"

    def text(self) -> str:
        lines = [self.title, "", self.paragraph, ""]
        lines += [f"{label}:{value}" for label, value in self.key_figures()]
        return "\n".join(lines) + "\n"

    def key_figures(self) -> list[tuple[str, str]]:
        rows = [
            ("重点项目(个)", str(self.key_projects)),
            ("总投资(万元)", fig.number(self.key_investment)),
            ("年度计划投资(万元)", fig.number(self.annual_plan)),
            ("完成投资(万元)", fig.number(self.investment_done)),
            ("投资完成率", fig.percent(self.completion_rate)),
            ("调度期次", self.round_label or "—"),
            ("应到岗人数", str(self.workers_required)),
            ("实到岗人数", str(self.workers_on_site)),
            ("到岗率", fig.percent(self.attendance_rate)),
            ("问题(登记/解决)", f"{self.problems_raised}/{self.problems_resolved}"),
            ("PPP项目(个/万元)", f"{self.ppp_count}/{fig.number(self.ppp_investment)}"),
            ("专项债项目(个/万元)", f"{self.bond_count}/{fig.number(self.bond_investment)}"),
            ("红牌/黄牌(个)", f"{self.red}/{self.yellow}"),
        ]
        rows += [(f"阶段:{Stage(k).label}", str(v)) for k, v in self.by_stage.items()]
        return rows

    def as_dict(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            if isinstance(v, Decimal):
                return str(v)
            if isinstance(v, date):
                return v.isoformat()
            return v

        data = {k: plain(v) for k, v in self.__dict__.items() if k not in ("events", "by_action")}
        data["events"] = [{k: plain(v) for k, v in e.__dict__.items()} for e in self.events]
        data["by_action"] = {k: {"count": n, "investment": str(m)} for k, (n, m) in self.by_action.items()}
        data["sentences"] = self.sentences()
        data["paragraph"] = self.paragraph
        return data


def _scoped(model: Any, user: User | None) -> QuerySet[Any]:
    return model.objects.restrict(user) if user is not None else model.objects.all()


def _region(code: str | Region) -> Region:
    if isinstance(code, Region):
        return code
    region = Region.objects.filter(code=str(code)).first()
    if region is None:
        raise invalid("region", "region_unknown", f"区划代码“{code}”不存在")
    return region


def project_report(
    region_code: str | Region, date_from: date, date_to: date, user: User | None = None
) -> ProjectReport:
    if date_to < date_from:
        raise invalid("date_to", "date_range_invalid", "结束日期不能早于开始日期")
    region = _region(region_code)
    report = ProjectReport(region.code, region.name, date_from, date_to)
    in_region = (
        _scoped(Project, user).filter(township__path__startswith=region.path).exclude(stage=Stage.CANCELLED)
    )
    # Registered by then: the first recorded stage is on or before ``date_to``.
    later = StageChange.objects.values("project").annotate(first=Min("on")).filter(first__gt=date_to)
    existing = in_region.exclude(pk__in=later.values("project"))
    key = existing.filter(level__in=KEY_LEVELS)

    agg = key.aggregate(n=Count("pk"), total=Sum("total_investment"), plan=Sum("annual_plan"))
    report.key_projects = agg["n"] or 0
    report.key_investment = agg["total"] or Decimal(0)
    report.annual_plan = agg["plan"] or Decimal(0)
    report.by_stage = {
        row["stage"]: row["n"] for row in key.values("stage").annotate(n=Count("pk")).order_by("stage")
    }

    reports = _scoped(DispatchReport, user).filter(project__in=key, submitted_at__isnull=False)
    closed = reports.filter(
        round__state=RoundState.CLOSED, round__period_start__gte=date_from, round__period_end__lte=date_to
    )
    report.investment_done = closed.aggregate(s=Sum("investment"))["s"] or Decimal(0)
    report.completion_rate = fig.ratio(report.investment_done, report.annual_plan)

    latest = (
        DispatchRound.objects.filter(reports__in=reports, period_end__gte=date_from, period_end__lte=date_to)
        .order_by("-period_end", "-pk")
        .first()
    )
    if latest is not None:
        workers = reports.filter(round=latest).aggregate(r=Sum("workers_required"), s=Sum("workers_on_site"))
        report.round_label = latest.period_label
        report.workers_required, report.workers_on_site = workers["r"] or 0, workers["s"] or 0
        report.attendance_rate = fig.ratio(report.workers_on_site, report.workers_required)

    squads = Organization.objects.filter(pk__in=key.exclude(squad=None).values("squad"))
    report.squads = squads.count()
    report.squad_members = squads.values("members").exclude(members=None).distinct().count()

    problems = _scoped(Case, user).filter(dispatch_reports__project__in=in_region).distinct()
    report.problems_raised = problems.filter(raised_on__range=(date_from, date_to)).count()
    resolved = Case.objects.filter(
        pk__in=problems.filter(resolved_at__date__range=(date_from, date_to)).values("pk")
    )
    report.problems_resolved = resolved.count()
    ranked = Counter(dict(resolved.values_list("category__name").annotate(n=Count("pk"))))
    report.problem_categories = [name for name, _n in ranked.most_common(2)]

    _events(report, region, date_from, date_to, user)

    ppp = existing.filter(funding=Funding.PPP).aggregate(n=Count("pk"), s=Sum("total_investment"))
    report.ppp_count, report.ppp_investment = ppp["n"] or 0, ppp["s"] or Decimal(0)
    bonds = existing.filter(funding=Funding.SPECIAL_BOND)
    b = bonds.aggregate(n=Count("pk"), s=Sum("total_investment"))
    report.bond_count, report.bond_investment = b["n"] or 0, b["s"] or Decimal(0)
    used = set(bonds.exclude(bond_field="").values_list("bond_field", flat=True))
    report.bond_fields = [str(label) for value, label in BondField.choices if value in used]

    cards = hung_on(date_to, in_region)
    report.red, report.yellow = cards["red"], cards["yellow"]
    return report


def _events(report: ProjectReport, region: Region, date_from: date, date_to: date, user: User | None) -> None:
    entries = _scoped(EventProject, user).filter(
        project__township__path__startswith=region.path, event__held_on__range=(date_from, date_to)
    )
    event_ids = entries.values("event").distinct()
    # Only events the viewer may open are named (a town user sees its projects' entries but no
    # event); the per-kind totals below still count every entry of the viewer's projects.
    for event in _scoped(CollectiveEvent, user).filter(pk__in=event_ids).order_by("held_on", "pk"):
        mine = entries.filter(event=event)
        totals = events.totals(mine)
        report.events.append(
            EventLine(
                event.name,
                event.held_on,
                totals.projects,
                totals.investment,
                events.event_sentence(event, mine),
            )
        )
    overall = events.totals(entries)
    report.by_action = {a: (t.count, t.investment) for a, t in overall.by_action.items()}


CLI_REPORTS = {"projects": ("重点项目调度情况(项目、投资、到岗、问题、集中活动、红黄牌)", project_report)}
