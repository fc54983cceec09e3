"""Comparisons as bulletins make them: growth, shares, percentage points, ranks and trends.

Two layers:

* **Pure functions** on ``Decimal`` (:func:`growth_rate`, :func:`share`, :func:`points_diff`,
  :func:`points_phrase`, :func:`competition_ranks`): the published conventions — one decimal,
  rounded half up (四舍五入); differences in percentage points between the *published* (rounded)
  figures, so that "增长16.5%,高于全市3.5个百分点" adds up for the reader (16.5 − 13.0 = 3.5);
  ranks on the published figures, ties sharing the better rank (1, 2, 2, 4).
* **The query layer** (:func:`figures`, :func:`ranking`, :func:`compare`, :func:`trend`): reads the
  current figures of the compared regions (the county units of the city for a county, the
  townships of the county for a township), the benchmarks (the city, 全国 100000) and last year's
  figures in a few queries, and returns dataclasses that carry both the exact numbers and the
  Chinese phrases the bulletin uses.

Which figure is compared (``Indicator.rank_by``): a level by its growth (规上工业产值, 工业投资) or
its share of another level (技改投资 in 工业投资), or its value; a reported rate (增加值增速), a
ratio and an index by their value. The growth of a level is the rate the statistics office
published for it (the catalogue's ``growth_of`` rate indicator, e.g. 规模以上工业总产值增速) when
there is one, otherwise computed from this year's and last year's cumulative figures. A share is
the reported ratio (工业技改投资占工业投资比重) when there is one, otherwise part ÷ whole × 100.
Missing figures are never filled in: the region is left unranked and a note says why (ADR 0021).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from tiaodu.core import figures as fig
from tiaodu.monitoring import confidentiality
from tiaodu.monitoring.choices import Direction, IndicatorKind, Measure
from tiaodu.monitoring.models import Indicator, IndicatorValue, StatPeriod
from tiaodu.monitoring.periods import Period, parse_period
from tiaodu.monitoring.rollup import Comparable, comparable_sums
from tiaodu.monitoring.services import (
    NATION_CODE,
    area_word,
    compared_units,
    find_indicator,
    ranking_parent,
)
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

PERCENT_DIGITS = 1
HUNDRED = Decimal(100)


# --- pure functions ------------------------------------------------------------------------------


def round_half_up(value: Decimal, digits: int = PERCENT_DIGITS) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def growth_rate(
    current: Decimal | None, previous: Decimal | None, digits: int = PERCENT_DIGITS
) -> Decimal | None:
    """Year-on-year growth in percent, rounded half up: (current − previous) ÷ previous × 100.
    ``None`` when either is missing or last year's figure is zero (growth is not defined)."""
    if current is None or previous is None or previous == 0:
        return None
    return round_half_up((current - previous) * HUNDRED / abs(previous), digits)


def share(part: Decimal | None, whole: Decimal | None, digits: int = PERCENT_DIGITS) -> Decimal | None:
    """``part`` as a percentage of ``whole``, rounded half up; ``None`` when undefined."""
    if part is None or whole is None or whole == 0:
        return None
    return round_half_up(part * HUNDRED / whole, digits)


def points_diff(ours: Decimal | None, theirs: Decimal | None, digits: int = PERCENT_DIGITS) -> Decimal | None:
    """The difference in percentage points of two published (rounded) percentages."""
    if ours is None or theirs is None:
        return None
    return round_half_up(round_half_up(ours, digits) - round_half_up(theirs, digits), digits)


def points_phrase(ours: Decimal, theirs: Decimal, against: str = "全市", digits: int = PERCENT_DIGITS) -> str:
    """ "高于全市2.1个百分点", "低于全国0.5个百分点", "与全市持平"."""
    return fig.points(round_half_up(ours, digits), round_half_up(theirs, digits), against, digits)


def competition_ranks(
    values: Sequence[Decimal | None], direction: str = Direction.HIGHER
) -> list[int | None]:
    """Ranks with ties sharing the better rank (1, 2, 2, 4); ``None`` stays unranked. Lower is
    better when ``direction`` is "lower"."""
    present = [v for v in values if v is not None]
    out: list[int | None] = []
    for v in values:
        if v is None:
            out.append(None)
        elif direction == Direction.LOWER:
            out.append(1 + sum(1 for o in present if o < v))
        else:
            out.append(1 + sum(1 for o in present if o > v))
    return out


def value_text(value: Decimal | None, indicator: Indicator) -> str:
    """66.81亿元, 10%, 74.41 (an index has no unit), "—" when missing."""
    if value is None:
        return fig.NO_VALUE
    unit = "" if indicator.kind == IndicatorKind.INDEX else indicator.unit
    return f"{fig.number(value, indicator.decimals)}{unit}"


# --- the figures of one indicator --------------------------------------------------------------------


@dataclass
class Figures:
    """One region's figures of one indicator for one period."""

    value: Decimal | None = None  # the level, rate, ratio or index (a ratio may be derived)
    last_year: Decimal | None = None  # the level a year before (for levels)
    growth: Decimal | None = None  # year-on-year, % (one decimal)
    growth_basis: str = ""  # "reported" (published rate) | "computed" | "comparable" (同口径 roll-up)
    share: Decimal | None = None  # % of the share_of indicator (one decimal)
    share_basis: str = ""  # "reported" | "computed"
    measure: str = Measure.VALUE  # which figure is ranked
    figure: Decimal | None = None  # the ranked figure, rounded as published
    percent: Decimal | None = None  # the figure compared in percentage points, if any
    notes: list[str] = field(default_factory=list)
    # 统计保密 (ADR 0033): the figures withheld from this reader ("value", "last_year", "growth",
    # "share"); ``suppressed`` when the value itself is
    withheld: list[str] = field(default_factory=list)

    @property
    def suppressed(self) -> bool:
        return "value" in self.withheld

    def withhold(self, what: str, *fields: str) -> None:
        """Withhold ``fields`` with the confidentiality note about ``what`` (once each)."""
        for item in fields:
            if item not in self.withheld:
                self.withheld.append(item)
            setattr(self, item, None)
        note = f"{what}{confidentiality.NOTE}" if what else confidentiality.NOTE
        if note not in self.notes:
            self.notes.append(note)


@dataclass(frozen=True)
class _Plan:
    """Which stored indicators one indicator's figures are made of."""

    indicator: Indicator
    growth_rate: Indicator | None  # published growth of a level
    whole: Indicator | None  # share_of (level) or denominator (ratio)
    part: Indicator | None  # numerator (ratio)
    ratio: Indicator | None  # the reported share of a level (ratio with numerator = level)

    @property
    def ids(self) -> set[int]:
        return {i.pk for i in (self.indicator, self.growth_rate, self.whole, self.part, self.ratio) if i}


def _plan(indicator: Indicator) -> _Plan:
    growth = whole = part = ratio = None
    if indicator.kind == IndicatorKind.LEVEL:
        growth = Indicator.objects.filter(kind=IndicatorKind.RATE, growth_of=indicator).first()
        if indicator.share_of_id:
            whole = indicator.share_of
            ratio = Indicator.objects.filter(
                kind=IndicatorKind.RATIO, numerator=indicator, denominator_id=indicator.share_of_id
            ).first()
    elif indicator.kind == IndicatorKind.RATIO:
        part, whole = indicator.numerator, indicator.denominator
    return _Plan(indicator, growth, whole, part, ratio)


def _measure(indicator: Indicator) -> str:
    if indicator.kind == IndicatorKind.LEVEL:
        return str(indicator.rank_by)
    return Measure.VALUE


def _percent_measure(indicator: Indicator) -> str | None:
    """Which figure is compared with a benchmark in percentage points."""
    if indicator.kind == IndicatorKind.LEVEL:
        return Measure.SHARE if indicator.rank_by == Measure.SHARE else Measure.GROWTH
    if indicator.kind in (IndicatorKind.RATE, IndicatorKind.RATIO):
        return Measure.VALUE
    return None


def _checked_share(
    f: Figures, part: Indicator, whole: Indicator, part_value: Decimal | None, whole_value: Decimal | None
) -> Decimal | None:
    """part ÷ whole, or ``None`` with a note when the stored figures contradict each other (a part
    above its whole, a negative whole): such a share is never published or ranked. The write paths
    refuse these figures; this guards what came in before or by another way (a roll-up of
    enterprises that reported only the part)."""
    value = share(part_value, whole_value)
    if value is not None and (value > HUNDRED or value < 0):
        f.notes.append(f"{part.name}与{whole.name}数据矛盾(比重为{value}%),未计算比重")
        return None
    return value


def _comparable_growth(
    f: Figures, ind: Indicator, contributors: int, last_year: int | None, c: Comparable, open_: bool = True
) -> None:
    """The growth of a roll-up over the enterprises with figures in both periods (同口径), or a
    note saying why there is none. ``last_year``: how many enterprise figures last year's
    roll-up summed (None when last year's figure is not a roll-up)."""
    if c.total != f.value or c.count != contributors:
        f.notes.append(f"{ind.name}汇总后企业数据有变动,请重新汇总后再计算同比增速")
        return
    if c.matched == 0:
        f.notes.append(f"{ind.name}为企业数据汇总,本期{c.count}家企业上年同期均无数据,未计算同比增速")
        return
    if not open_ and c.matched < confidentiality.min_contributors():
        # the 同口径 growth of one or two enterprises is theirs, and so is the news that their
        # base is zero (统计保密, ADR 0033)
        f.withhold(f"{ind.name}同比增速", "growth")
        return
    if c.before == 0:
        f.notes.append(
            f"{ind.name}为企业数据汇总,两期均有数据的{c.matched}家企业上年同期合计为零,未计算同比增速"
        )
        return
    f.growth, f.growth_basis = growth_rate(c.now, c.before), "comparable"
    if c.matched < c.count or (last_year is not None and c.matched < last_year):
        before = f"上年同期{last_year}家" if last_year is not None else "上年同期为统计部门数据"
        f.notes.append(
            f"{ind.name}为企业数据汇总,本期{c.count}家、{before},"
            f"同比增速按两期均有数据的{c.matched}家企业同口径计算"
        )


def figures(
    indicator: Indicator | str,
    period: Period | str,
    regions: Iterable[Region],
    user: User | None = None,
    *,
    publication: bool = False,
) -> dict[int, Figures]:
    """The figures of ``indicator`` for ``period`` for each region (by region id), in three
    queries (a fourth for roll-ups, :func:`~tiaodu.monitoring.rollup.comparable_sums`). With
    ``user``, only figures the user may read are used (ADR 0021), and small rolled-up cells are
    withheld from a user who may not see the enterprise figures they sum (统计保密, ADR 0033);
    ``publication`` withholds them whoever reads (the bulletin)."""
    ind = find_indicator(indicator)
    p = parse_period(period)
    plan = _plan(ind)
    regions = list(regions)
    region_ids = [r.pk for r in regions]
    keys = [p.key]
    if ind.kind == IndicatorKind.LEVEL:
        keys.append(p.same_period_last_year().key)
    periods = {row.key: row.pk for row in StatPeriod.objects.filter(key__in=keys)}
    base = IndicatorValue.objects.restrict(user, "view") if user is not None else IndicatorValue.objects.all()
    qs = base.filter(
        indicator_id__in=plan.ids, period_id__in=periods.values(), region_id__in=region_ids, is_current=True
    )
    stored: dict[tuple[int, int, int], Decimal] = {}
    summed: dict[tuple[int, int, int], int] = {}  # how many enterprise figures a roll-up summed
    for r in qs.values("region_id", "indicator_id", "period_id", "value", "contributors"):
        key = (r["region_id"], r["indicator_id"], r["period_id"])
        stored[key] = r["value"]
        if r["contributors"] is not None:
            summed[key] = r["contributors"]
    now = periods.get(p.key)
    before = periods.get(p.same_period_last_year().key) if ind.kind == IndicatorKind.LEVEL else None
    viewer = confidentiality.Viewer(user, publication)
    hidden = confidentiality.suppressed(viewer, [(i, pid) for i in plan.ids for pid in periods.values()])

    def get(region_id: int, item: Indicator | None, period_id: int | None) -> Decimal | None:
        if item is None or period_id is None:
            return None
        return stored.get((region_id, item.pk, period_id))

    def withheld(region_id: int, item: Indicator | None, period_id: int | None) -> bool:
        return item is not None and period_id is not None and (region_id, item.pk, period_id) in hidden

    # A rolled-up level's growth is computed over the enterprises that reported both periods (同口径)
    comparable: dict[int, Comparable] = {}
    if ind.kind == IndicatorKind.LEVEL and now is not None:
        rolled = [
            r for r in regions if (r.pk, ind.pk, now) in summed and get(r.pk, plan.growth_rate, now) is None
        ]
        comparable = comparable_sums(ind.pk, now, before, rolled)
    out: dict[int, Figures] = {}
    measure = _measure(ind)
    pct = _percent_measure(ind)
    names = {r.pk: r for r in regions}
    for rid in region_ids:
        f = Figures(measure=measure)
        f.value = get(rid, ind, now)
        open_ = viewer.may_see(names[rid].path)
        if withheld(rid, ind, now):
            # a small rolled-up cell: nothing of it is shown, never 0 (统计保密, ADR 0033)
            f.withhold(ind.name, "value", "last_year", "growth", *(["share"] if plan.whole else []))
        elif ind.kind == IndicatorKind.LEVEL:
            f.last_year = get(rid, ind, before)
            reported = get(rid, plan.growth_rate, now)
            if reported is not None:
                f.growth, f.growth_basis = round_half_up(reported), "reported"
            elif withheld(rid, ind, before):
                # with this year's value, the growth would give last year's away
                f.withhold(f"{ind.name}上年同期数", "last_year", "growth")
            elif rid in comparable:
                counted = summed[(rid, ind.pk, now or 0)], summed.get((rid, ind.pk, before or 0))
                _comparable_growth(f, ind, *counted, comparable[rid], open_)
            else:
                f.growth = growth_rate(f.value, f.last_year)
                f.growth_basis = "computed" if f.growth is not None else ""
            if withheld(rid, ind, before) and "last_year" not in f.withheld:
                f.withhold(f"{ind.name}上年同期数", "last_year")
            if plan.whole is not None:
                reported_share = get(rid, plan.ratio, now)
                if reported_share is not None:
                    f.share, f.share_basis = round_half_up(reported_share), "reported"
                elif withheld(rid, plan.whole, now):
                    f.withhold(plan.whole.name, "share")  # the share would give the whole away
                else:
                    f.share = _checked_share(f, ind, plan.whole, f.value, get(rid, plan.whole, now))
                    f.share_basis = "computed" if f.share is not None else ""
        elif ind.kind == IndicatorKind.RATIO and f.value is None and plan.part and plan.whole:
            if withheld(rid, plan.part, now) or withheld(rid, plan.whole, now):
                f.withhold(ind.name, "value")
            else:
                f.value = _checked_share(
                    f, plan.part, plan.whole, get(rid, plan.part, now), get(rid, plan.whole, now)
                )
        if measure == Measure.GROWTH:
            f.figure = f.growth
        elif measure == Measure.SHARE:
            f.figure = f.share
        else:
            digits = PERCENT_DIGITS if ind.unit == "%" else ind.decimals
            f.figure = None if f.value is None else round_half_up(f.value, digits)
        if pct == Measure.GROWTH:
            f.percent = f.growth
        elif pct == Measure.SHARE:
            f.percent = f.share
        elif pct == Measure.VALUE:
            f.percent = None if f.value is None else round_half_up(f.value)
        out[rid] = f
    return out


# --- rankings -------------------------------------------------------------------------------------


@dataclass
class RankRow:
    region_code: str
    region_name: str
    figures: Figures
    rank: int | None = None
    group_rank: int | None = None
    group_name: str = ""


@dataclass
class Ranking:
    """Every compared region's figures and ranks for one indicator and period (the bulletin's
    table of all county units)."""

    parent_code: str
    word: str  # 全市
    indicator_code: str
    indicator_name: str
    measure: str
    period_key: str
    period_label: str
    rows: list[RankRow]

    def row(self, code: str) -> RankRow | None:
        return next((r for r in self.rows if r.region_code == code), None)

    @property
    def ranked(self) -> int:
        return sum(1 for r in self.rows if r.rank is not None)


def _groups(units: Sequence[Region]) -> dict[int, tuple[str, list[int]]]:
    """{region id: (group name, member ids among the units)} for the 考核组 of the units."""
    from tiaodu.regions.models import PeerGroup
    from tiaodu.regions.services import PEER_SCHEME

    ids = {u.pk for u in units}
    out: dict[int, tuple[str, list[int]]] = {}
    for group in (
        PeerGroup.objects.filter(scheme=PEER_SCHEME, members__in=ids).distinct().prefetch_related("members")
    ):
        members = [m.pk for m in group.members.all() if m.pk in ids]
        for m in members:
            out.setdefault(m, (group.name, members))
    return out


def ranking(
    parent: Region | str,
    indicator: Indicator | str,
    period: Period | str,
    user: User | None = None,
    *,
    publication: bool = False,
) -> Ranking:
    """Rank the units under ``parent`` (重庆市 → its 38 county units) on the indicator's ranked
    figure, citywide and within each 考核组."""
    from tiaodu.regions.services import get_region

    par = parent if isinstance(parent, Region) else get_region(parent)
    ind = find_indicator(indicator)
    p = parse_period(period)
    units = compared_units(par)
    figs = figures(ind, p, units, user, publication=publication)
    values = [figs[u.pk].figure for u in units]
    ranks = competition_ranks(values, ind.direction)
    rows = [RankRow(u.code, u.name, figs[u.pk], rank) for u, rank in zip(units, ranks, strict=True)]
    groups = _groups(units)
    for u, row in zip(units, rows, strict=True):
        if u.pk not in groups:
            continue
        name, members = groups[u.pk]
        group_ranks = competition_ranks([figs[m].figure for m in members], ind.direction)
        row.group_name = name
        row.group_rank = group_ranks[members.index(u.pk)]
    return Ranking(par.code, area_word(par), ind.code, ind.name, _measure(ind), p.key, p.full_label, rows)


# --- one region's comparison -----------------------------------------------------------------------


@dataclass
class Benchmark:
    code: str
    name: str
    word: str  # 全市, 全国
    percent: Decimal | None  # their figure compared in points
    diff: Decimal | None  # ours − theirs, percentage points (one decimal)
    phrase: str  # 高于全市3.5个百分点 / 低于… / 与全市持平; "" when it cannot be said


@dataclass
class Comparison:
    """Everything the bulletin says about one indicator of one region for one period."""

    region_code: str
    region_name: str
    period_key: str
    period_label: str  # 1月—2月
    indicator_code: str
    indicator_name: str
    unit: str
    kind: str
    figures: Figures
    benchmarks: list[Benchmark]
    rank: int | None
    ranked: int  # how many units were ranked
    rank_word: str  # 全市
    group_name: str
    group_rank: int | None
    group_ranked: int
    share_of_name: str = ""
    notes: list[str] = field(default_factory=list)
    _indicator: Indicator | None = field(default=None, repr=False, compare=False)

    @property
    def value(self) -> Decimal | None:
        return self.figures.value

    @property
    def growth(self) -> Decimal | None:
        return self.figures.growth

    @property
    def share(self) -> Decimal | None:
        return self.figures.share

    def benchmark(self, code: str) -> Benchmark | None:
        return next((b for b in self.benchmarks if b.code == code), None)

    # phrases

    @property
    def value_text(self) -> str:
        assert self._indicator is not None
        return value_text(self.value, self._indicator)

    @property
    def growth_text(self) -> str:
        return "" if self.growth is None else fig.growth(self.growth)

    @property
    def share_text(self) -> str:
        return "" if self.share is None else f"占{self.share_of_name}比重{fig.percent(self.share)}"

    @property
    def rank_text(self) -> str:
        return "" if self.rank is None else fig.rank(self.rank, self.rank_word)

    @property
    def group_rank_text(self) -> str:
        return "" if self.group_rank is None else fig.rank(self.group_rank, "考核组", verb="")

    def as_dict(self) -> dict[str, Any]:
        f = self.figures

        def num(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {
            "region": {"code": self.region_code, "name": self.region_name},
            "period": {"key": self.period_key, "label": self.period_label},
            "indicator": {"code": self.indicator_code, "name": self.indicator_name, "unit": self.unit},
            "value": num(f.value),
            "last_year": num(f.last_year),
            "growth": num(f.growth),
            "growth_basis": f.growth_basis,
            "share": num(f.share),
            "share_basis": f.share_basis,
            "measure": f.measure,
            "figure": num(f.figure),
            "suppressed": f.suppressed,
            "suppressed_reason": confidentiality.PUBLIC_REASON if f.withheld else None,
            "withheld": list(f.withheld),
            "benchmarks": [
                {
                    "code": b.code,
                    "name": b.name,
                    "figure": num(b.percent),
                    "diff": num(b.diff),
                    "phrase": b.phrase,
                }
                for b in self.benchmarks
            ],
            "rank": self.rank,
            "ranked": self.ranked,
            "group": self.group_name,
            "group_rank": self.group_rank,
            "group_ranked": self.group_ranked,
            "notes": self.notes,
        }


def compare(
    region: Region | str,
    period: Period | str,
    indicator: Indicator | str,
    user: User | None = None,
    benchmarks: Sequence[str] | None = None,
    *,
    publication: bool = False,
) -> Comparison:
    """Value, growth, share, the differences in percentage points from the city (全市) and the
    nation (全国 100000), the rank among the city's county units and the rank in the 考核组."""
    from tiaodu.regions.services import get_region

    reg = region if isinstance(region, Region) else get_region(region)
    ind = find_indicator(indicator)
    p = parse_period(period)
    parent = ranking_parent(reg)
    table = ranking(parent, ind, p, user, publication=publication) if parent is not None else None
    if benchmarks is None:  # the whole the region is ranked in (全市 for a county), and 全国
        codes = [c for c in ([parent.code] if parent else []) + [NATION_CODE] if c != reg.code]
    else:
        codes = [c for c in benchmarks if c != reg.code]
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    bench_regions = [found[c] for c in codes if c in found]
    row = table.row(reg.code) if table is not None else None
    own = row.figures if row is not None else figures(ind, p, [reg], user, publication=publication)[reg.pk]
    bench_figs = figures(ind, p, bench_regions, user, publication=publication) if bench_regions else {}
    notes = list(own.notes)
    if own.value is None and own.figure is None and not own.suppressed:
        notes.append(f"{reg.name}{p.label}{ind.name}数据缺失")
    out_benchmarks = []
    for b in bench_regions:
        theirs = bench_figs[b.pk].percent
        word = area_word(b)
        diff = points_diff(own.percent, theirs)
        phrase = (
            points_phrase(own.percent, theirs, word) if own.percent is not None and theirs is not None else ""
        )
        if own.percent is not None and theirs is None and _percent_measure(ind) is not None:
            if bench_figs[b.pk].withheld:
                notes.append(f"{word}{ind.name}{confidentiality.NOTE},无法比较")
            else:
                notes.append(f"{word}{ind.name}数据缺失,无法比较")
        out_benchmarks.append(Benchmark(b.code, b.name, word, theirs, diff, phrase))
    group_size = 0
    if row is not None and row.group_name and table is not None:
        group_size = sum(1 for r in table.rows if r.group_name == row.group_name and r.group_rank is not None)
    if row is not None and row.rank is None and own.figure is not None:
        notes.append("未参与排名")
    share_of_name = ind.share_of.name if ind.kind == IndicatorKind.LEVEL and ind.share_of else ""
    return Comparison(
        region_code=reg.code,
        region_name=reg.name,
        period_key=p.key,
        period_label=p.label,
        indicator_code=ind.code,
        indicator_name=ind.name,
        unit=ind.unit,
        kind=ind.kind,
        figures=own,
        benchmarks=out_benchmarks,
        rank=row.rank if row else None,
        ranked=table.ranked if table else 0,
        rank_word=table.word if table else "",
        group_name=row.group_name if row else "",
        group_rank=row.group_rank if row else None,
        group_ranked=group_size,
        share_of_name=share_of_name,
        notes=notes,
        _indicator=ind,
    )


# --- trends ---------------------------------------------------------------------------------------


@dataclass
class TrendPoint:
    period_key: str
    label: str
    figures: Figures
    rank: int | None = None


def trend(
    region: Region | str,
    indicator: Indicator | str,
    period: Period | str,
    user: User | None = None,
    with_ranks: bool = False,
    *,
    publication: bool = False,
) -> list[TrendPoint]:
    """The year's figures on the same basis up to ``period`` (1月, 1—2月, 一季度 … for a
    cumulative figure), only the periods that have data; ranks on demand."""
    from tiaodu.regions.services import get_region

    reg = region if isinstance(region, Region) else get_region(region)
    ind = find_indicator(indicator)
    p = parse_period(period)
    stored = set(StatPeriod.objects.filter(key__in=[s.key for s in p.series()]).values_list("key", flat=True))
    parent = ranking_parent(reg) if with_ranks else None
    points = []
    for s in p.series():
        if s.key not in stored:
            continue
        if parent is not None:
            table = ranking(parent, ind, s, user, publication=publication)
            row = table.row(reg.code)
            f = row.figures if row else figures(ind, s, [reg], user, publication=publication)[reg.pk]
            rank = row.rank if row else None
        else:
            f, rank = figures(ind, s, [reg], user, publication=publication)[reg.pk], None
        if f.value is None and f.figure is None and not f.withheld:
            continue  # no data; a withheld figure stays, shown as "—"
        points.append(TrendPoint(s.key, s.label, f, rank))
    return points
