"""The pipeline "as of" a date, computed from the stage history (``InvestmentStageChange``).

A project's stage on day D is that of its history row with ``on <= D`` and (``ended_on`` empty or
``ended_on > D``); the current ``stage`` of a project is never used for a past date. A project
entered after D has no such row and counts nowhere. Amounts (计划投资额, 协议投资额, 跟进级别,
计划签约日期) are the project's current values: they have no history.

Every function takes the district (a ``Region`` or its code) and an optional ``user``: with a user
the projects are those of ``InvestmentProject.objects.restrict(user)``, and a user who may not see
the pipeline's amounts (role town: commercial secrets, ``InvestmentProject.confidential``) gets
counts only — every amount is ``None``.

The rates (:func:`rates`), as the user guide words them:

履约率
    签约满N个月的项目(N为招商管理设置中的“签约后未开工挂牌月数”,默认6)中,在签约后N个月内开工的
    项目所占比例。签约日期为历史记录中首次进入签约(或其后阶段)的日期,开工日期为首次进入开工或投产的
    日期;签约后终止、未开工的项目计入分母。
开工率
    截至统计日已签约的项目(含签约后终止的)中,截至统计日已开工(含已投产)的项目所占比例。
投产率
    截至统计日已开工的项目中,截至统计日已投产的项目所占比例。
资金到位率
    截至统计日已签约项目的累计到位资金(统计日所在月及以前各月)÷ 这些项目的协议投资额之和。

The funnel (:func:`funnel`): the projects in the pipeline during the period (entered by its end
and, on its first day, neither 投产 nor 终止); for each stage of the chain, those that had reached
it (or a later stage) by the end of the period, with their amount (计划投资额 before 签约, 协议投资额
from 签约 on); the conversion rate of a stage is the share of them that reached the next stage; the
median days of a stage are over the stays in it that ended within the period.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractQuarter, ExtractYear

from tiaodu.core import figures as fig
from tiaodu.core.errors import invalid
from tiaodu.investment.choices import (
    OPEN_STAGES,
    SIGNED_STAGES,
    STAGE_CHAIN,
    Source,
    Stage,
    TeamKind,
)
from tiaodu.investment.models import (
    ROLES_WITH_SECRETS,
    FundsInPlace,
    InvestmentProject,
    InvestmentStageChange,
    Lead,
    Team,
)
from tiaodu.investment.services import pipeline_settings, stage_label
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

ALL_STAGES: list[str] = [*STAGE_CHAIN, Stage.TERMINATED]
STARTED_STAGES = [Stage.STARTED, Stage.PRODUCING]
CLOSED_STAGES = [*SIGNED_STAGES, Stage.TERMINATED]
ZERO = Decimal(0)
MONEY: Any = DecimalField(max_digits=16, decimal_places=2)
# The monitoring catalogue's indicator that the 招商引资到位资金 targets are set on.
FUNDS_INDICATOR_CODE = "zsyz_dw"
FUNDS_INDICATOR_NAME = "招商引资到位资金"


class StageFigure(NamedTuple):
    """Projects in one stage: how many and their amount (万元; ``None`` when hidden)."""

    count: int  # type: ignore[assignment]  # (a field, as the contract names it)
    amount: Decimal | None


# --- Scope ---------------------------------------------------------------------------------------


def district_of(district: Region | str) -> Region:
    if isinstance(district, Region):
        return district
    found = Region.objects.filter(code=str(district)).first()
    if found is None:
        raise invalid("region", "region_unknown", f"区划代码“{district}”不存在")
    return found


def shows_amounts(user: User | None) -> bool:
    """Whether ``user`` may see the pipeline's amounts (not a town user: commercial secrets)."""
    return user is None or user.is_superuser or user.role in ROLES_WITH_SECRETS


def projects(
    district: Region | str, user: User | None = None, qs: QuerySet[InvestmentProject] | None = None
) -> QuerySet[InvestmentProject]:
    """The district's projects (of ``qs`` when given), within ``user``'s scope when given."""
    base = qs if qs is not None else InvestmentProject.objects.all()
    base = base.filter(region=district_of(district))
    if user is not None:
        base = base.restrict(user)  # type: ignore[attr-defined]
    return base


def _history(
    district: Region | str, user: User | None, qs: QuerySet[InvestmentProject] | None
) -> QuerySet[InvestmentStageChange]:
    """History rows of the district's projects (in scope). Without a user or a queryset this is
    a join on the project's district (the planner then uses the project table's region index)."""
    rows = InvestmentStageChange.objects.all()
    if user is None and qs is None:
        return rows.filter(project__region=district_of(district))
    return rows.filter(project__in=projects(district, user, qs).values("pk"))


def rows_of_district(
    district: Region | str, user: User | None = None, qs: QuerySet[InvestmentProject] | None = None
) -> QuerySet[InvestmentStageChange]:
    """All history rows of the district's projects (in ``user``'s scope when given)."""
    return _history(district, user, qs)


def current_on(on: date) -> Q:
    """The history row that holds on ``on``: entered on or before, not ended by then."""
    return Q(on__lte=on) & (Q(ended_on__isnull=True) | Q(ended_on__gt=on))


def rows_on(
    district: Region | str,
    on: date,
    *,
    user: User | None = None,
    qs: QuerySet[InvestmentProject] | None = None,
) -> QuerySet[InvestmentStageChange]:
    """One history row per project that existed on ``on``: the row of its stage that day."""
    return _history(district, user, qs).filter(current_on(on))


def _amount_expr() -> Any:
    """计划投资额 before 签约, 协议投资额 (计划投资额 if missing) from 签约 on, per history row."""
    return Case(
        When(
            to_stage__in=SIGNED_STAGES,
            then=Coalesce("project__agreed_investment", "project__planned_investment"),
        ),
        default=F("project__planned_investment"),
        output_field=MONEY,
    )


# --- Stages on a date ------------------------------------------------------------------------------


def stage_counts(
    district: Region | str,
    on: date,
    *,
    key_only: bool = False,
    qs: QuerySet[InvestmentProject] | None = None,
    user: User | None = None,
) -> dict[str, StageFigure]:
    """Every stage (chain order, then 终止) → the projects in it on ``on`` and their amount:
    计划投资额 before 签约, 协议投资额 from 签约 on (计划投资额 where none was recorded).
    ``key_only``: 重点 projects only. One grouped query."""
    rows = rows_on(district, on, user=user, qs=qs)
    if key_only:
        rows = rows.filter(project__is_key=True)
    grouped = {
        r["to_stage"]: (r["n"], r["amount"] or ZERO)
        for r in rows.values("to_stage").annotate(n=Count("id"), amount=Sum(_amount_expr())).order_by()
    }
    amounts = shows_amounts(user)
    return {
        stage: StageFigure(
            grouped.get(stage, (0, ZERO))[0], grouped.get(stage, (0, ZERO))[1] if amounts else None
        )
        for stage in ALL_STAGES
    }


def total(figures: dict[str, StageFigure], stages: Sequence[str]) -> StageFigure:
    """The sum of some stages of :func:`stage_counts`."""
    chosen = [figures[s] for s in stages]
    amounts = [f.amount for f in chosen]
    return StageFigure(
        sum(f.count for f in chosen),
        None if any(a is None for a in amounts) else sum((a or ZERO for a in amounts), ZERO),
    )


def in_stage_on(
    district: Region | str,
    on: date,
    stages: Sequence[str],
    *,
    user: User | None = None,
    qs: QuerySet[InvestmentProject] | None = None,
) -> QuerySet[InvestmentProject]:
    """The projects whose stage on ``on`` (per history) is one of ``stages``."""
    held = InvestmentStageChange.objects.filter(current_on(on), to_stage__in=list(stages))
    return projects(district, user, qs).filter(pk__in=held.values("project"))


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


@dataclass
class QuarterFigure:
    year: int | None
    quarter: int | None  # None: no 计划签约日期
    count: int
    amount: Decimal | None


def to_sign_by_quarter(district: Region | str, on: date, *, user: User | None = None) -> list[QuarterFigure]:
    """拟签约 projects on ``on`` by the quarter of their 计划签约日期 (undated last), with their
    计划投资额."""
    return snapshot(district, on, user=user).quarters()


def follow_levels(district: Region | str, on: date, *, user: User | None = None) -> dict[str, int]:
    """跟进级别 → projects not yet signed (nor terminated) on ``on``."""
    return snapshot(district, on, user=user).follow_levels()


@dataclass
class Snapshot:
    """The pipeline on one day in one grouped query (stage × 重点 × 跟进级别 × quarter of the
    计划签约日期), from which the report takes its stage counts, 拟签约 quarters and 跟进级别."""

    amounts_shown: bool
    groups: list[dict[str, Any]]

    def stage_counts(self, key_only: bool = False) -> dict[str, StageFigure]:
        counts: dict[str, int] = defaultdict(int)
        money: dict[str, Decimal] = defaultdict(Decimal)
        for g in self.groups:
            if key_only and not g["key"]:
                continue
            counts[g["to_stage"]] += g["n"]
            money[g["to_stage"]] += g["amount"] or ZERO
        return {
            s: StageFigure(counts.get(s, 0), money.get(s, ZERO) if self.amounts_shown else None)
            for s in ALL_STAGES
        }

    def quarters(self) -> list[QuarterFigure]:
        found: dict[tuple[int | None, int | None], list[Any]] = {}
        for g in self.groups:
            if g["to_stage"] == Stage.TO_SIGN:
                row = found.setdefault((g["y"], g["q"]), [0, ZERO])
                row[0] += g["n"]
                row[1] += g["planned"] or ZERO
        out = [
            QuarterFigure(y, q, n, amount if self.amounts_shown else None)
            for (y, q), (n, amount) in found.items()
        ]
        return sorted(out, key=lambda f: (f.year is None, f.year or 0, f.quarter or 0))

    def follow_levels(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for g in self.groups:
            if g["to_stage"] in OPEN_STAGES:
                out[g["level"]] += g["n"]
        return dict(out)


def snapshot(district: Region | str, on: date, *, user: User | None = None) -> Snapshot:
    rows = (
        rows_on(district, on, user=user)
        .values(
            "to_stage",
            key=F("project__is_key"),
            level=F("project__follow_level"),
            y=ExtractYear("project__planned_signing_on"),
            q=ExtractQuarter("project__planned_signing_on"),
        )
        .annotate(n=Count("id"), amount=Sum(_amount_expr()), planned=Sum("project__planned_investment"))
        .order_by()
    )
    return Snapshot(shows_amounts(user), list(rows))


# --- Leads ---------------------------------------------------------------------------------------


@dataclass
class TownLeads:
    """Leads reported by towns' 小分队 in a period (duplicates of a first report left out)."""

    towns: int  # distinct 镇街招商小分队 (by reporting team, else by township)
    groups: int  # distinct receiving 区域招商组
    leads: int


def town_leads(
    district: Region | str, date_from: date, date_to: date, *, user: User | None = None
) -> TownLeads:
    """Leads with ``reported_on`` in the period whose source is 镇街招商小分队 or whose reporting
    team is one; ``groups`` counts the distinct receiving teams that are 区域招商组."""
    leads = Lead.objects.all() if user is None else Lead.objects.restrict(user)
    rows = leads.filter(
        Q(source=Source.TOWN_TEAM) | Q(reporting_team__kind=TeamKind.TOWN),
        region=district_of(district),
        reported_on__range=(date_from, date_to),
    ).exclude(Q(status="duplicate") | Q(duplicate_status="confirmed"))
    agg = rows.aggregate(
        leads=Count("id"),
        teams=Count("reporting_team", distinct=True, filter=Q(reporting_team__kind=TeamKind.TOWN)),
        towns=Count(
            "township",
            distinct=True,
            filter=Q(reporting_team__isnull=True) | ~Q(reporting_team__kind=TeamKind.TOWN),
        ),
        groups=Count("team", distinct=True, filter=Q(team__kind=TeamKind.REGIONAL)),
    )
    return TownLeads(agg["teams"] + agg["towns"], agg["groups"], agg["leads"])


# --- Funds in place --------------------------------------------------------------------------------


@dataclass
class FundsProgress:
    year: int
    amount: Decimal | None  # 万元, 1 January … the month of ``on``
    target: Decimal | None  # 万元, the district's annual target, if set
    rate: Decimal | None  # percent of the target
    elapsed: Decimal  # 序时进度: months elapsed of 12, percent


def funds_totals(district: Region | str, on: date, *, user: User | None = None) -> tuple[Decimal, Decimal]:
    """(到位资金 from January to the month of ``on``, 到位资金 of every month up to it) of the
    district's projects, in one query."""
    funds = FundsInPlace.objects.all() if user is None else FundsInPlace.objects.restrict(user)
    agg = funds.filter(project__region=district_of(district), month__lte=on).aggregate(
        year=Sum("amount", filter=Q(month__gte=date(on.year, 1, 1))), total=Sum("amount")
    )
    return agg["year"] or ZERO, agg["total"] or ZERO


def funds_progress(
    district: Region | str,
    on: date,
    *,
    user: User | None = None,
    totals: tuple[Decimal, Decimal] | None = None,
) -> FundsProgress:
    """到位资金 of the district's projects from January to the month of ``on`` against the year's
    target of the indicator 招商引资到位资金 (targets app; kept in the indicator's unit, 亿元).
    ``totals``: :func:`funds_totals` when the caller has it already."""
    from tiaodu.targets.models import Target

    region = district_of(district)
    elapsed = fig.ratio(on.month, 12) or ZERO
    if not shows_amounts(user):
        return FundsProgress(on.year, None, None, None, elapsed)
    amount = (totals or funds_totals(region, on, user=user))[0]
    targets = Target.objects.all() if user is None else Target.objects.restrict(user)
    found = (
        targets.filter(region=region, year=on.year, value__isnull=False)
        .filter(Q(indicator__code=FUNDS_INDICATOR_CODE) | Q(indicator__name=FUNDS_INDICATOR_NAME))
        .select_related("indicator")
        .first()
    )
    target = None
    if found is not None and found.value is not None:
        unit = found.indicator.unit
        target = found.value * fig.WAN_PER_YI if unit == "亿元" else found.value
    rate = fig.ratio(amount, target) if target else None
    return FundsProgress(on.year, amount, target, rate, elapsed)


# --- Rates -----------------------------------------------------------------------------------------


@dataclass
class Rate:
    label: str
    part: int | Decimal | None
    whole: int | Decimal | None
    definition: str

    @property
    def value(self) -> Decimal | None:
        """Percent (one decimal), ``None`` when there is nothing to divide by or it is hidden."""
        if self.part is None or self.whole is None:
            return None
        return fig.ratio(self.part, self.whole)

    @property
    def text(self) -> str:
        return fig.percent(self.value)


RATE_DEFINITIONS = {
    "fulfilment": (
        "履约率",
        "签约满N个月的项目中在签约后N个月内开工的比例(N为“签约后未开工挂牌月数”,默认6;签约后终止未开工的计入分母)",
    ),
    "started": ("开工率", "截至统计日已签约项目(含签约后终止的)中已开工(含已投产)的比例"),
    "producing": ("投产率", "截至统计日已开工项目中已投产的比例"),
    "funds": ("资金到位率", "截至统计日已签约项目的累计到位资金÷其协议投资额之和"),
}


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, the day clamped to the month's end (31 Aug + 6 → 28/29 Feb)."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def rates(
    district: Region | str,
    on: date,
    *,
    user: User | None = None,
    totals: tuple[Decimal, Decimal] | None = None,
) -> dict[str, Rate]:
    """履约率, 开工率, 投产率, 资金到位率 on ``on`` (definitions: the module's docstring and
    ``RATE_DEFINITIONS``). One grouped query over the signed projects' history, one for the funds
    (none when ``totals``, :func:`funds_totals`, is given)."""
    region = district_of(district)
    months = pipeline_settings(region).not_started_months
    rows = (
        _history(region, user, None)
        .filter(on__lte=on, to_stage__in=SIGNED_STAGES)
        .values("project")
        .annotate(
            signed=Min("on"),
            started=Min("on", filter=Q(to_stage__in=STARTED_STAGES)),
            producing=Min("on", filter=Q(to_stage=Stage.PRODUCING)),
            agreed=Max("project__agreed_investment"),
        )
        .values_list("signed", "started", "producing", "agreed")
        .order_by()
    )
    due_by = add_months(on, -months)
    signed = started = producing = due = kept = 0
    agreed_total = ZERO
    for signed_on, started_on, producing_on, agreed in rows:
        signed += 1
        agreed_total += agreed or ZERO
        if started_on is not None:
            started += 1
            if producing_on is not None:
                producing += 1
        if signed_on <= due_by:
            due += 1
            if started_on is not None and started_on <= add_months(signed_on, months):
                kept += 1
    out = {
        "fulfilment": Rate(RATE_DEFINITIONS["fulfilment"][0], kept, due, RATE_DEFINITIONS["fulfilment"][1]),
        "started": Rate(RATE_DEFINITIONS["started"][0], started, signed, RATE_DEFINITIONS["started"][1]),
        "producing": Rate(
            RATE_DEFINITIONS["producing"][0], producing, started, RATE_DEFINITIONS["producing"][1]
        ),
    }
    funds_part: Decimal | None = None
    funds_whole: Decimal | None = None
    if shows_amounts(user):
        # 到位资金 is recorded only from a project's signing month on (tracking.record_funds), so the
        # funds of the district's projects up to ``on`` are those of the projects signed by then.
        funds_whole = agreed_total
        funds_part = (
            FundsInPlace.objects.filter(
                project__in=projects(region, user).values("pk"), month__lte=on
            ).aggregate(s=Sum("amount"))["s"]
            or ZERO
        )
    out["funds"] = Rate(RATE_DEFINITIONS["funds"][0], funds_part, funds_whole, RATE_DEFINITIONS["funds"][1])
    return out


# --- Funnel ------------------------------------------------------------------------------------------


@dataclass
class FunnelStep:
    stage: str
    count: int
    amount: Decimal | None
    conversion: Decimal | None = None  # percent reaching the next stage
    median_days: float | None = None
    stays: int = 0  # stays in this stage ended within the period

    @property
    def label(self) -> str:
        return stage_label(self.stage)


@dataclass
class Funnel:
    date_from: date
    date_to: date
    projects: int
    steps: list[FunnelStep] = field(default_factory=list)
    terminated: int = 0  # of the projects, terminated by the end of the period


def funnel(district: Region | str, date_from: date, date_to: date, *, user: User | None = None) -> Funnel:
    """See the module's docstring. Two queries: a row per project (furthest stage reached, closed
    before the period, amounts) and the stays that ended in the period."""
    region = district_of(district)
    history = _history(region, user, None)
    rank = Case(
        *[When(to_stage=s, then=Value(i)) for i, s in enumerate(STAGE_CHAIN)],
        default=Value(-1),
        output_field=IntegerField(),
    )
    flag: dict[str, Any] = {"default": Value(0), "output_field": IntegerField()}
    # One row per project entered by the end of the period: the furthest stage of the chain it
    # reached, whether it was closed (投产/终止) before the period and terminated by its end, and
    # its amounts. Summed up per furthest stage here (a project each: no SQL per project).
    rows = (
        history.filter(on__lte=date_to)
        .values("project")
        .annotate(
            furthest=Max(rank),
            closed=Max(
                Case(
                    When(
                        current_on(date_from)
                        & Q(on__lt=date_from, to_stage__in=[Stage.PRODUCING, Stage.TERMINATED]),
                        then=Value(1),
                    ),
                    **flag,
                )
            ),
            ended=Max(Case(When(to_stage=Stage.TERMINATED, then=Value(1)), **flag)),
            planned=Max("project__planned_investment"),
            agreed=Max(Coalesce("project__agreed_investment", "project__planned_investment")),
        )
        .values_list("furthest", "closed", "ended", "planned", "agreed")
        .order_by()
    )
    by_rank: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"n": 0, "terminated": 0, "planned": ZERO, "agreed": ZERO}
    )
    for furthest, closed, ended, planned, agreed in rows.iterator(chunk_size=5000):
        if closed:
            continue
        group = by_rank[furthest]
        group["n"] += 1
        group["terminated"] += ended
        group["planned"] += planned or ZERO
        group["agreed"] += agreed or ZERO
    amounts = shows_amounts(user)
    result = Funnel(date_from, date_to, sum(r["n"] for r in by_rank.values()))
    result.terminated = sum(r["terminated"] for r in by_rank.values())
    for i, stage in enumerate(STAGE_CHAIN):
        reached = [r for k, r in by_rank.items() if k >= i]
        money = "agreed" if stage in SIGNED_STAGES else "planned"
        result.steps.append(
            FunnelStep(
                stage,
                sum(r["n"] for r in reached),
                sum((r[money] or ZERO for r in reached), ZERO) if amounts else None,
            )
        )
    for step, following in zip(result.steps, result.steps[1:], strict=False):
        step.conversion = fig.ratio(following.count, step.count) if step.count else None
    days = median_days(region, date_from, date_to, user=user)
    for step in result.steps:
        step.median_days, step.stays = days.get(step.stage, (None, 0))
    return result


def median_days(
    district: Region | str, date_from: date, date_to: date, *, user: User | None = None
) -> dict[str, tuple[float | None, int]]:
    """Stage → (median days spent in it, number of stays) over the stays that ended in the
    period (a history row whose ``ended_on`` falls in it)."""
    rows = (
        _history(district, user, None)
        .filter(ended_on__range=(date_from, date_to))
        .values_list("to_stage", "on", "ended_on")
        .order_by()
    )
    spans: dict[str, list[int]] = defaultdict(list)
    for stage, start, end in rows.iterator(chunk_size=5000):
        if end is not None:
            spans[stage].append((end - start).days)
    return {stage: (float(statistics.median(v)), len(v)) for stage, v in spans.items()}


# --- Team ranking ------------------------------------------------------------------------------------


RANK_ORDER = ("-signings", "-agreed", "-funds", "-received", "-reported", "name", "pk")
RANK_ORDER_COUNTS = ("-signings", "-received", "-reported", "name", "pk")  # amounts hidden


@dataclass
class TeamRow:
    rank: int
    team_id: int
    name: str
    kind: str
    leads_reported: int
    leads_received: int
    signings: int
    agreed: Decimal | None
    funds: Decimal | None


def team_ranking(
    district: Region | str, date_from: date, date_to: date, *, user: User | None = None
) -> list[TeamRow]:
    """Per team of the district: leads it reported and received in the period, its projects
    signed in the period (first entry into 签约 or later) with their 协议投资额, and 到位资金 of
    its projects in the months of the period. Ranked by signings, then 协议投资额, 到位资金,
    leads. Teams with nothing in the period are left out."""
    region = district_of(district)
    in_scope = projects(region, user)
    leads = (Lead.objects.all() if user is None else Lead.objects.restrict(user)).filter(
        region=region, reported_on__range=(date_from, date_to)
    )
    first_signed = (
        InvestmentStageChange.objects.filter(project__region=region, to_stage__in=SIGNED_STAGES)
        .values("project")
        .annotate(first=Min("on"))
        .filter(first__range=(date_from, date_to))
        .values("project")
    )
    signed = in_scope.filter(pk__in=first_signed)
    month_from = date(date_from.year, date_from.month, 1)

    def count_of(qs: QuerySet[Any], lookup: str) -> Subquery:
        return Subquery(
            qs.filter(**{lookup: OuterRef("pk")}).values(lookup).annotate(c=Count("pk")).values("c")[:1],
            output_field=IntegerField(),
        )

    def sum_of(qs: QuerySet[Any], lookup: str, column: str) -> Subquery:
        return Subquery(
            qs.filter(**{lookup: OuterRef("pk")}).values(lookup).annotate(s=Sum(column)).values("s")[:1],
            output_field=MONEY,
        )

    funds = FundsInPlace.objects.filter(project__in=in_scope, month__gte=month_from, month__lte=date_to)
    teams = (
        Team.objects.filter(region=region)
        .annotate(
            reported=Coalesce(count_of(leads, "reporting_team"), 0),
            received=Coalesce(count_of(leads, "team"), 0),
            signings=Coalesce(count_of(signed, "team"), 0),
            agreed=Coalesce(sum_of(signed, "team", "agreed_investment"), Value(ZERO, MONEY)),
            funds=Coalesce(sum_of(funds, "project__team", "amount"), Value(ZERO, MONEY)),
        )
        .filter(Q(reported__gt=0) | Q(received__gt=0) | Q(signings__gt=0) | Q(funds__gt=0))
        .order_by(*(RANK_ORDER if shows_amounts(user) else RANK_ORDER_COUNTS))
        .values_list("pk", "name", "kind", "reported", "received", "signings", "agreed", "funds")
    )
    amounts = shows_amounts(user)
    out: list[TeamRow] = []
    previous: tuple[Any, ...] | None = None
    for i, (pk, name, kind, reported, received, signings, agreed, money) in enumerate(teams, start=1):
        key = (signings, agreed, money, received, reported) if amounts else (signings, received, reported)
        rank = out[-1].rank if previous == key and out else i
        previous = key
        out.append(
            TeamRow(
                rank,
                pk,
                name,
                kind,
                reported,
                received,
                signings,
                agreed if amounts else None,
                money if amounts else None,
            )
        )
    return out
