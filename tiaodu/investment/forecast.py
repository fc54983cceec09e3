"""Next quarter's signings: a forecast from the district's own history.

For every project open on the day asked about (线索 … 拟签约 per the stage history), the chance
that it signs within the next quarter depends on its stage. The chance of a stage is learnt from
the district's CLOSED projects — those that had reached 签约 (or a later stage) or 终止 by that
day: of the closed projects that were ever in the stage, the share that signed within three
months of (last) entering it. Until a stage has at least ``MIN_CLOSED`` (20) closed projects the
district's default (``PipelineSettings.default_probabilities``, else ``DEFAULT_PROBABILITIES``) is
used and marked "默认".

The expected number of signings is the sum of the chances; the expected amount the sum of chance ×
计划投资额. The "slipped" bucket (逾期未签约) lists the open projects whose 计划签约日期 has passed.
A town user gets counts only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Min, Q, Sum

from tiaodu.core import figures as fig
from tiaodu.investment import queries
from tiaodu.investment.choices import OPEN_STAGES, SIGNED_STAGES, Stage
from tiaodu.investment.models import InvestmentProject
from tiaodu.investment.services import pipeline_settings, stage_label

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.regions.models import Region

MIN_CLOSED = 20
WINDOW_MONTHS = 3
# Percent, per open stage: the chance of signing within a quarter until the district has learnt its own.
DEFAULT_PROBABILITIES: dict[str, Decimal] = {
    Stage.LEAD: Decimal(5),
    Stage.CONTACT: Decimal(10),
    Stage.NEGOTIATING: Decimal(20),
    Stage.INTENT: Decimal(40),
    Stage.TO_SIGN: Decimal(70),
}
DEFAULT_MARK = "默认"


@dataclass
class StageForecast:
    stage: str
    open_count: int
    open_amount: Decimal | None
    probability: Decimal  # percent
    learnt: bool
    closed: int  # closed projects that were in the stage (the sample)
    signed_within: int  # of them, signed within three months of entering the stage
    expected_count: Decimal = Decimal(0)
    expected_amount: Decimal | None = None

    @property
    def label(self) -> str:
        return stage_label(self.stage)

    @property
    def basis(self) -> str:
        return f"{self.signed_within}/{self.closed}" if self.learnt else DEFAULT_MARK


@dataclass
class Forecast:
    on: date
    year: int
    quarter: int
    stages: list[StageForecast] = field(default_factory=list)
    slipped: list[InvestmentProject] = field(default_factory=list)
    slipped_amount: Decimal | None = None
    amounts_shown: bool = True

    @property
    def expected_count(self) -> Decimal:
        return sum((s.expected_count for s in self.stages), Decimal(0))

    @property
    def expected_amount(self) -> Decimal | None:
        if not self.amounts_shown:
            return None
        return sum((s.expected_amount or Decimal(0) for s in self.stages), Decimal(0))

    @property
    def quarter_label(self) -> str:
        return f"{self.year}年第{self.quarter}季度"


def next_quarter(day: date) -> tuple[int, int]:
    year, quarter = queries.quarter_of(day)
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def default_probability(stage: str, configured: dict[str, Any]) -> Decimal:
    """The district's default for a stage (a fraction ≤ 1 or a percent), else the built-in one."""
    value = configured.get(stage)
    try:
        found = Decimal(str(value)) if value is not None else None
    except ArithmeticError:
        found = None
    if found is None or found < 0:
        return DEFAULT_PROBABILITIES[stage]
    return found * 100 if found <= 1 else min(found, Decimal(100))


def learnt(region: Region, on: date) -> tuple[Counter[str], Counter[str]]:
    """(closed projects per open stage, those of them that signed within three months of last
    entering it), from the district's history up to ``on``. One grouped query, a row per closed
    project."""
    rows = (
        queries.rows_of_district(region)
        .filter(on__lte=on)
        .values("project")
        .annotate(
            signed=Min("on", filter=Q(to_stage__in=SIGNED_STAGES)),
            ended=Min("on", filter=Q(to_stage=Stage.TERMINATED)),
            **{f"in_{s}": Max("on", filter=Q(to_stage=s)) for s in OPEN_STAGES},
        )
        .filter(Q(signed__isnull=False) | Q(ended__isnull=False))
        .order_by()
    )
    closed: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for row in rows.iterator(chunk_size=5000):
        won = row["signed"] is not None and (row["ended"] is None or row["signed"] <= row["ended"])
        for stage in OPEN_STAGES:
            entered = row[f"in_{stage}"]
            if entered is None:
                continue
            closed[stage] += 1
            if won and row["signed"] <= queries.add_months(entered, WINDOW_MONTHS):
                hits[stage] += 1
    return closed, hits


def forecast(district: Region | str, on: date, *, user: User | None = None) -> Forecast:
    region = queries.district_of(district)
    year, quarter = next_quarter(on)
    result = Forecast(on, year, quarter, amounts_shown=queries.shows_amounts(user))
    configured = pipeline_settings(region).default_probabilities or {}
    closed, hits = learnt(region, on)
    open_rows = {
        r["to_stage"]: r
        for r in queries.rows_on(region, on, user=user)
        .filter(to_stage__in=OPEN_STAGES)
        .values("to_stage")
        .annotate(n=Count("id"), amount=Sum("project__planned_investment"))
        .order_by()
    }
    for stage in OPEN_STAGES:
        row = open_rows.get(stage, {"n": 0, "amount": None})
        amount = (row["amount"] or Decimal(0)) if result.amounts_shown else None
        is_learnt = closed[stage] >= MIN_CLOSED
        chance = (
            fig.ratio(hits[stage], closed[stage], 1) or Decimal(0)
            if is_learnt
            else default_probability(stage, configured)
        )
        line = StageForecast(stage, row["n"], amount, chance, is_learnt, closed[stage], hits[stage])
        line.expected_count = row["n"] * chance / 100
        line.expected_amount = amount * chance / 100 if amount is not None else None
        result.stages.append(line)
    slipped = (
        queries.in_stage_on(region, on, OPEN_STAGES, user=user)
        .filter(planned_signing_on__lt=on)
        .select_related("team")
        .order_by("planned_signing_on", "name", "pk")
    )
    result.slipped = list(slipped)
    if result.amounts_shown:
        result.slipped_amount = sum((p.planned_investment for p in result.slipped), Decimal(0))
    return result


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    end = queries.add_months(start, 3) - timedelta(days=1)
    return start, end
