"""The monthly bulletin (月通报) of one county unit: its text, tables and chart data.

:func:`build_bulletin` assembles what staff write by hand every month, from the stored figures
and nothing else (issue 5, item 9; ADR 0023):

* **the text** — one paragraph per group of clauses, in the seed's style, every figure and phrase
  taken from :func:`~tiaodu.monitoring.computations.compare`::

      1月—2月,潼南区工业经济运行综合指数74.41,排名全市第12位;规模以上工业增加值增速10%,高于全市
      2.1个百分点,高于全国2.5个百分点,排名全市第12位;规上工业产值完成66.81亿元,同比增长16.5%,
      高于全市3.5个百分点;工业投资完成18.09亿元,……,位列全市第17名,考核组第9,其中:工业技改投资
      7.4亿元,占工业投资比重40.9%,高于全市6.8个百分点,排名全市第6位,考核组第6位。

  What each clause says is data (:data:`CLAUSES`): the indicator, how the text names it, the verb
  (完成, 实现), which of value / growth / share / benchmarks / ranks it states and in which words
  (排名全市第6位 / 位列全市第17名 / 考核组第9). A clause whose indicator has no figure for the
  region is left out and a note says so; a part that cannot be said (no figure last year, no
  benchmark figure, not ranked) is left out of its clause with a note. Nothing is filled in.
* **the tables** — one per reported indicator: every county unit of the city with its value,
  last year's value and growth (levels), share (levels ranked by share), citywide rank, 考核组 and
  rank in it; the city (and the nation, when it has the figure) as benchmark rows; the region's
  own row marked.
* **the charts** (data only; :mod:`tiaodu.monitoring.bulletin_render` draws them) — the region's
  percentages against the city and the nation, a ranking bar chart of all county units for each
  rank the text states (``Clause.chart``), and the trend over the year.
* **the notes** — every missing figure and every computed (not published) basis, in Chinese.

Everything is read through the user's scope (``user=None``: the server operator, as in the CLI).
The bulletin is a publication: small rolled-up cells (统计保密, ADR 0033) are withheld from it
whoever makes it (``publication=True``), shown as "—" with a note, never as 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tiaodu.core import figures as fig
from tiaodu.core.errors import FieldError, Forbidden, ServiceError
from tiaodu.core.permissions import can
from tiaodu.monitoring import confidentiality
from tiaodu.monitoring.choices import IndicatorKind, Measure
from tiaodu.monitoring.computations import Comparison, Figures, compare, figures, ranking, trend
from tiaodu.monitoring.models import Indicator, IndicatorValue, StatPeriod
from tiaodu.monitoring.periods import Period, PeriodError, parse_period
from tiaodu.monitoring.services import NATION_CODE, area_word, ranking_parent
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.regions.services import is_grouping_node

if TYPE_CHECKING:
    from tiaodu.accounts.models import User


# --- what the text says: the clause specs ---------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    """How the bulletin states one indicator.

    ``rank`` / ``group_rank`` are (verb, suffix) pairs for :func:`tiaodu.core.figures.rank`:
    ("排名", "位") → 排名全市第12位, ("位列", "名") → 位列全市第17名, ("", "") → 考核组第9;
    ``None`` leaves the rank out. ``benchmarks`` name the comparisons in percentage points, in
    order: "city" (the whole the region is ranked in, 全市) and "nation" (全国). ``within``: the
    code of the clause this one is part of ("其中:"); it stands alone when that one is missing.
    ``required``: a missing figure is always noted; optional clauses (indicators not every city
    collects) are noted only when other county units have the figure.
    """

    indicator: str  # catalogue code
    name: str = ""  # how the text names it (规上工业产值); the catalogue name by default
    verb: str = ""  # between name and value: 完成, 实现
    growth: bool = False
    share: bool = False
    benchmarks: tuple[str, ...] = ("city",)
    rank: tuple[str, str] | None = ("排名", "位")
    group_rank: tuple[str, str] | None = None
    within: str | None = None
    paragraph: int = 0
    required: bool = False
    chart: bool = True  # a ranking bar chart of all county units (when the clause states a rank)


RANK = ("排名", "位")  # 排名全市第6位
RANK_LISTED = ("位列", "名")  # 位列全市第17名
GROUP_SHORT = ("", "")  # 考核组第9
GROUP = ("", "位")  # 考核组第6位

CLAUSES: tuple[Clause, ...] = (
    # The seed's paragraph: industry (工业经济运行).
    Clause("gy_zs", benchmarks=(), rank=RANK, required=True),
    Clause("gy_zjz_zs", benchmarks=("city", "nation"), rank=RANK, required=True),
    Clause("gy_zcz", name="规上工业产值", verb="完成", growth=True, rank=None, required=True),
    Clause("gy_tz", verb="完成", growth=True, rank=RANK_LISTED, group_rank=GROUP_SHORT, required=True),
    Clause(
        "gy_jg_tz",
        name="工业技改投资",
        share=True,
        rank=RANK,
        group_rank=GROUP,
        within="gy_tz",
        required=True,
    ),
    Clause("gy_yd", growth=True, rank=RANK),
    # The other main indicators, when the city collects them: each gets its table and its place in
    # the comparison chart; the ranking charts stay with the industry the bulletin is about.
    Clause("gdp", name="地区生产总值", verb="实现", growth=True, rank=RANK, paragraph=1, chart=False),
    Clause("gdzc_tz", verb="完成", growth=True, rank=RANK, group_rank=GROUP, paragraph=1, chart=False),
    Clause("shxf", verb="实现", growth=True, rank=RANK, group_rank=GROUP, paragraph=1, chart=False),
    Clause("zsyz_dw", growth=True, rank=RANK, group_rank=GROUP, paragraph=1, chart=False),
)

TITLES = ("工业经济运行情况通报", "经济运行情况通报")  # paragraph 0 present / only the others
TREND_INDICATORS = ("gy_zjz_zs", "gy_zcz", "gy_tz")  # the first reported one is charted over the year
MEASURE_WORDS = {"growth": "增速", "share": "占比"}
OPTIONAL_COLUMNS = frozenset({"last_year", "growth", "share"})


# --- what the bulletin holds ------------------------------------------------------------------------


@dataclass
class Column:
    key: str
    label: str
    kind: str = "number"  # text | number | rank
    decimals: int = 0


@dataclass
class Row:
    code: str
    name: str
    cells: list[Decimal | int | str | None]
    highlight: bool = False  # the region the bulletin is about
    benchmark: bool = False  # 全市 / 全国


@dataclass
class Table:
    number: int
    title: str  # 表1 1月—2月各区县工业投资
    indicator_code: str
    indicator_name: str
    columns: list[Column]
    rows: list[Row]
    ranked: int
    units: int
    notes: list[str] = field(default_factory=list)
    figure_key: str = "value"  # the column ranked: value | growth | share

    @property
    def unit_rows(self) -> list[Row]:
        return [r for r in self.rows if not r.benchmark]

    def column(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)


@dataclass
class Series:
    name: str
    values: list[float | None]


@dataclass
class Chart:
    kind: str  # compare | ranking | trend
    title: str
    labels: list[str]
    series: list[Series]
    unit: str = ""
    highlight: int | None = None  # index of the region's label (ranking)
    reference: float | None = None  # the city's figure, drawn as a line (ranking)
    reference_label: str = ""


@dataclass
class ClauseResult:
    spec: Clause
    comparison: Comparison
    text: str


@dataclass
class Bulletin:
    region_code: str
    region_name: str
    city_code: str
    city_name: str
    period_key: str
    period_label: str  # 1月—2月
    period_full_label: str  # 2022年1月—2月
    title: str
    paragraphs: list[str]
    clauses: list[ClauseResult]
    tables: list[Table]
    charts: list[Chart]
    notes: list[str]
    # rendered charts, filled by the renderers (PNG/SVG bytes by chart index and format)
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    def clause(self, indicator_code: str) -> ClauseResult | None:
        return next((c for c in self.clauses if c.spec.indicator == indicator_code), None)

    def as_dict(self) -> dict[str, Any]:
        def cell(v: Any) -> Any:
            return str(v) if isinstance(v, Decimal) else v

        return {
            "region": {"code": self.region_code, "name": self.region_name},
            "city": {"code": self.city_code, "name": self.city_name},
            "period": {"key": self.period_key, "label": self.period_full_label},
            "title": self.title,
            "paragraphs": self.paragraphs,
            "clauses": [{"indicator": c.spec.indicator, "text": c.text} for c in self.clauses],
            "tables": [
                {
                    "title": t.title,
                    "indicator": t.indicator_code,
                    "columns": [c.label for c in t.columns],
                    "rows": [
                        {
                            "code": r.code,
                            "cells": [cell(v) for v in r.cells],
                            "highlight": r.highlight,
                            "benchmark": r.benchmark,
                        }
                        for r in t.rows
                    ],
                }
                for t in self.tables
            ],
            "charts": [
                {
                    "kind": c.kind,
                    "title": c.title,
                    "labels": c.labels,
                    "series": [{"name": s.name, "values": s.values} for s in c.series],
                }
                for c in self.charts
            ],
            "notes": self.notes,
        }


# --- errors -------------------------------------------------------------------------------------------


class BulletinError(ServiceError):
    """A bulletin that cannot be made; ``code`` is the stable reason (``region_unknown``,
    ``region_not_county``, ``period_unknown``, ``period_invalid``, ``bulletin_no_data``)."""

    def __init__(self, code: str, field_name: str, message: str, status: int = 422) -> None:
        super().__init__(code, message, [FieldError(field_name, code, message)], status)


def _region(region: Region | str) -> tuple[Region, Region]:
    """The county unit and the city it is ranked in."""
    if isinstance(region, Region):
        reg = region
    else:
        from tiaodu.regions.services import get_region

        try:
            reg = get_region(str(region))
        except ServiceError as exc:
            code = exc.errors[0].code if exc.errors else exc.code
            raise BulletinError(
                code, "region", exc.errors[0].message if exc.errors else exc.message
            ) from None
    parent = ranking_parent(reg)
    if reg.level != Level.COUNTY or is_grouping_node(reg) or parent is None or parent.level > Level.CITY:
        raise BulletinError(
            "region_not_county", "region", f"“{reg.name}”({reg.code})不是区县,月通报按区县编制并在全市排名"
        )
    return reg, parent


def _period(period: Period | str) -> Period:
    try:
        return parse_period(period)
    except PeriodError as exc:
        raise BulletinError(exc.detail_code, "period", exc.message) from None


# --- the clauses ------------------------------------------------------------------------------------


def _related(catalogue: Sequence[Indicator], ind: Indicator) -> set[int]:
    """The indicators whose figures make up ``ind``'s (its published growth rate, its reported
    share) — a clause has data when any of them has."""
    ids = {ind.pk}
    for other in catalogue:
        if other.growth_of_id == ind.pk or (
            other.kind == IndicatorKind.RATIO and other.numerator_id == ind.pk
        ):
            ids.add(other.pk)
    return ids


def _clause_text(
    spec: Clause, cmp: Comparison, region: Region, city: Region, p: Period, notes: list[str]
) -> str | None:
    """The clause in the seed's words, or ``None`` when the region has no figure for it."""
    f = cmp.figures
    name = spec.name or cmp.indicator_name
    where = f"{region.name}{p.label}"
    if f.suppressed:  # 统计保密 (ADR 0033): the clause is left out, and the notes say why
        notes.append(f"{where}{cmp.indicator_name}{confidentiality.NOTE},通报未列此项")
        return None
    if f.value is None and f.figure is None and f.growth is None:
        notes.append(f"{where}{cmp.indicator_name}数据缺失,通报未列此项")
        return None
    # what the computation said of these figures (同口径 roll-up growth, contradictory shares)
    notes.extend(f"{where}{n}" for n in f.notes)
    parts: list[str] = []
    if f.value is not None:
        parts.append(f"{name}{spec.verb}{cmp.value_text}")
        if spec.growth:
            if f.growth is not None:
                parts.append(cmp.growth_text)
            elif not any("同比增速" in n for n in f.notes):
                notes.append(f"{where}{cmp.indicator_name}上年同期数据缺失,未计算同比增速")
    elif spec.growth and f.growth is not None:
        parts.append(f"{name}{cmp.growth_text}")
        notes.append(f"{where}{cmp.indicator_name}总量数据缺失,仅通报增速")
    else:
        notes.append(f"{where}{cmp.indicator_name}数据缺失,通报未列此项")
        return None
    if spec.share:
        if f.share is not None:
            parts.append(cmp.share_text)
        elif not any("未计算比重" in n for n in f.notes):
            notes.append(f"{where}{cmp.indicator_name}或{cmp.share_of_name}数据缺失,未计算比重")
    for which in spec.benchmarks:
        code = city.code if which == "city" else NATION_CODE
        bench = cmp.benchmark(code)
        if bench is None:
            continue
        if bench.phrase:
            parts.append(bench.phrase)
        elif f.percent is not None:
            notes.append(f"{bench.word}{cmp.indicator_name}数据缺失,未与{bench.word}比较")
    if spec.rank is not None:
        if cmp.rank is not None:
            parts.append(fig.rank(cmp.rank, cmp.rank_word, verb=spec.rank[0], suffix=spec.rank[1]))
        else:
            notes.append(f"{where}{cmp.indicator_name}缺少可比数据,未参与{cmp.rank_word or '全市'}排名")
    if spec.group_rank is not None and cmp.rank is not None:
        if cmp.group_rank is not None:
            parts.append(
                fig.rank(cmp.group_rank, "考核组", verb=spec.group_rank[0], suffix=spec.group_rank[1])
            )
        elif not cmp.group_name:
            notes.append(f"{region.name}未编入考核组,未列考核组排名")
    return ",".join(parts)


# --- the tables -------------------------------------------------------------------------------------


def _measure_word(ind: Indicator) -> str:
    if ind.kind == IndicatorKind.LEVEL:
        return MEASURE_WORDS.get(str(ind.rank_by), "")
    return ""


def _table(
    number: int,
    ind: Indicator,
    p: Period,
    region: Region,
    city: Region,
    user: User | None,
    notes: list[str],
) -> tuple[Table, Any]:
    table = ranking(city, ind, p, user, publication=True)
    level = ind.kind == IndicatorKind.LEVEL
    unit = "" if ind.kind == IndicatorKind.INDEX else f"({ind.unit})"
    value_digits = 1 if ind.unit == "%" else ind.decimals
    columns = [Column("name", "地区", "text")]
    columns.append(Column("value", f"{'本期' if level else ind.name}{unit}", "number", value_digits))
    if level:
        columns.append(Column("last_year", f"上年同期{unit}", "number", ind.decimals))
        columns.append(Column("growth", "同比增长(%)", "number", 1))
    share_of = ind.share_of if level and ind.share_of_id else None
    if share_of is not None:
        columns.append(Column("share", f"占{share_of.name}比重(%)", "number", 1))
    columns += [
        Column("rank", f"{table.word}排名", "rank"),
        Column("group", "考核组", "text"),
        Column("group_rank", "考核组排名", "rank"),
    ]

    def cells(f: Figures, name: str, rank: int | None, group: str, group_rank: int | None) -> list[Any]:
        out: list[Any] = [name, f.value]
        if level:
            out += [f.last_year, f.growth]
        if share_of is not None:
            out.append(f.share)
        return [*out, rank, group, group_rank]

    bench_regions = [city, *Region.objects.filter(code=NATION_CODE)]
    bench = figures(ind, p, bench_regions, user, publication=True)
    rows: list[Row] = []
    for b in bench_regions:
        bf = bench[b.pk]
        if bf.value is None and bf.figure is None and (b.code == NATION_CODE or bf.growth is None):
            continue
        rows.append(Row(b.code, b.name, cells(bf, f"{area_word(b)}", None, "", None), benchmark=True))
    ordered = sorted(table.rows, key=lambda r: (r.rank is None, r.rank or 0, r.region_code))
    for r in ordered:
        rows.append(
            Row(
                r.region_code,
                r.region_name,
                cells(r.figures, r.region_name, r.rank, r.group_name, r.group_rank),
                highlight=r.region_code == region.code,
            )
        )
    # optional columns no row has a figure in (技改投资 has no last year's figure) are left out
    keep = [
        i
        for i, c in enumerate(columns)
        if c.key not in OPTIONAL_COLUMNS or any(r.cells[i] is not None for r in rows)
    ]
    if len(keep) < len(columns):
        columns = [columns[i] for i in keep]
        for row in rows:
            row.cells = [row.cells[i] for i in keep]
    withheld = [r.region_name for r in ordered if r.figures.withheld]
    missing = [r.region_name for r in ordered if r.rank is None and not r.figures.withheld]
    table_notes = []
    if withheld:  # 统计保密 (ADR 0033): "—" in the table, never 0
        table_notes.append(f"{fig.join(withheld)}{p.label}{ind.name}{confidentiality.NOTE}")
        notes.extend(table_notes)
    if missing:
        table_notes.append(
            f"{fig.join(missing)}{p.label}{ind.name}数据缺失或无上年同期数,未参与排名(共{len(missing)}个)"
        )
        notes.extend(table_notes)
    title = f"表{number} {p.label}各区县{ind.name}"
    figure_key = str(table.measure) if level else "value"
    return (
        Table(
            number,
            title,
            ind.code,
            ind.name,
            columns,
            rows,
            table.ranked,
            len(table.rows),
            table_notes,
            figure_key,
        ),
        table,
    )


# --- the charts -------------------------------------------------------------------------------------


def _num(v: Decimal | None) -> float | None:
    return None if v is None else float(v)


def _compare_chart(results: list[ClauseResult], region: Region, city: Region) -> Chart | None:
    labels: list[str] = []
    ours: list[float | None] = []
    theirs: list[float | None] = []
    nation: list[float | None] = []
    for c in results:
        cmp = c.comparison
        f = cmp.figures
        if f.percent is None or cmp.kind == IndicatorKind.INDEX:
            continue
        name = c.spec.name or cmp.indicator_name
        suffix = ""
        if cmp.kind == IndicatorKind.LEVEL:
            suffix = "比重" if f.measure == Measure.SHARE else "增速"
        labels.append(f"{name}{suffix}")
        ours.append(_num(f.percent))
        b = cmp.benchmark(city.code)
        theirs.append(_num(b.percent) if b else None)
        n = cmp.benchmark(NATION_CODE)
        nation.append(_num(n.percent) if n else None)
    if not labels:
        return None
    series = [Series(region.name, ours), Series(area_word(city), theirs)]
    if any(v is not None for v in nation):
        series.append(Series("全国", nation))
    return Chart("compare", f"{region.name}主要指标与{area_word(city)}、全国比较", labels, series, "%")


def _ranking_chart(table: Table, raw: Any, ind: Indicator, p: Period, region: Region) -> Chart | None:
    rows = [r for r in raw.rows if r.rank is not None and r.figures.figure is not None]
    if not rows:
        return None
    rows.sort(key=lambda r: (r.rank, r.region_code))
    labels = [r.region_name for r in rows]
    values = [_num(r.figures.figure) for r in rows]
    highlight = next((i for i, r in enumerate(rows) if r.region_code == region.code), None)
    measure = _measure_word(ind)
    unit = "%" if measure or ind.unit == "%" else ("" if ind.kind == IndicatorKind.INDEX else ind.unit)
    city_row = next((r for r in table.rows if r.benchmark and r.code != NATION_CODE), None)
    reference = None
    if city_row is not None:
        idx = next((i for i, c in enumerate(table.columns) if c.key == table.figure_key), None)
        cell = city_row.cells[idx] if idx is not None else None
        reference = float(cell) if isinstance(cell, Decimal) else None
    return Chart(
        "ranking",
        f"{p.label}各区县{ind.name}{measure}排名",
        labels,
        [Series(f"{ind.name}{measure}", values)],
        unit,
        highlight,
        reference,
        city_row.cells[0] if city_row is not None and isinstance(city_row.cells[0], str) else "",
    )


def _trend_chart(
    results: list[ClauseResult],
    by_code: dict[str, Indicator],
    region: Region,
    city: Region,
    p: Period,
    user: User | None,
) -> Chart | None:
    reported = {c.spec.indicator: c for c in results}
    chosen = next((reported[code] for code in TREND_INDICATORS if code in reported), None)
    if chosen is None:
        chosen = next((c for c in results if c.comparison.figures.percent is not None), None)
    if chosen is None:
        return None
    cmp = chosen.comparison
    ind = by_code[cmp.indicator_code]
    own = trend(region, ind, p, user, publication=True)
    if not own:
        return None
    theirs = {t.period_key: t.figures for t in trend(city, ind, p, user, publication=True)}
    labels = [t.label for t in own]
    ours = [_num(t.figures.percent) for t in own]
    city_values = [_num(theirs[t.period_key].percent) if t.period_key in theirs else None for t in own]
    if all(v is None for v in ours):
        return None
    name = chosen.spec.name or cmp.indicator_name
    word = "" if cmp.kind != IndicatorKind.LEVEL else "增速"
    series = [Series(region.name, ours)]
    if any(v is not None for v in city_values):
        series.append(Series(area_word(city), city_values))
    return Chart("trend", f"{p.year}年{name}{word}走势", labels, series, "%")


# --- the service ------------------------------------------------------------------------------------


def _target_paragraphs(region: Region, p: Period, user: User | None, notes: list[str]) -> list[str]:
    """The 月通报's words on the annual targets (tiaodu.targets), when the region has any for the
    period's year: the summary, then one clause per target."""
    from tiaodu.targets.services import progress_table

    table = progress_table(region, p, user)
    if not table.rows:
        return []
    notes.extend(table.notes)
    return [f"{table.summary}。{table.paragraph}"]


def _index_clauses(
    codes: Sequence[str], reg: Region, city: Region, p: Period, user: User | None, notes: list[str]
) -> list[str]:
    """The clauses of the composite indices asked for by code (``--index``), from their stored
    results: "工业经济运行监测指数63.52,排名全市第3位,考核组第2位". A computed index is said to be
    computed here, with its 90% rank interval, in the notes; an index not computed for the period,
    or in which the region is not ranked, is left out with a note."""
    from tiaodu.monitoring.indexes import get_index, rank_interval, withheld_regions
    from tiaodu.monitoring.models import CompositeIndex, IndexValue

    pieces: list[str] = []
    for code in dict.fromkeys(codes):
        try:
            index = get_index(code)
        except ServiceError as exc:
            message = exc.errors[0].message if exc.errors else exc.message
            raise BulletinError("index_unknown", "indices", message) from exc
        if user is not None and not CompositeIndex.objects.restrict(user).filter(pk=index.pk).exists():
            raise BulletinError("index_unknown", "indices", f"指数“{code}”未定义")
        if str(index.spec.get("compare", "")) != city.code:
            raise BulletinError(
                "index_not_comparable",
                "indices",
                f"{index.name}比较的不是{city.name}各区县,不能写入{reg.name}的月通报",
            )
        values = IndexValue.objects.restrict(user) if user is not None else IndexValue.objects.all()
        stored = values.filter(index=index, region=reg, period__key=p.key).first()
        if stored is None:
            notes.append(f"{index.name}{p.full_label}尚未计算(tiaodu index compute),通报未列此项")
            continue
        if withheld_regions(index, p, [reg], user, publication=True):
            notes.append(f"{reg.name}{p.label}{index.name}{confidentiality.NOTE},通报未列此项")
            continue
        if stored.value is None or stored.rank is None:
            notes.append(f"{reg.name}{p.label}{index.name}缺少可比数据,未参与排名,通报未列此项")
            continue
        text = f"{index.name}{stored.value:.{int(index.spec.get('decimals', 2))}f},{fig.rank(stored.rank)}"
        if stored.group_rank is not None:
            text += f",{fig.rank(stored.group_rank, '考核组', verb='')}"
        pieces.append(text)
        interval = rank_interval(index, p, reg.code, user)
        if interval is not None:
            notes.append(
                f"{index.name}由本平台按指数定义“{index.code}”测算,非{city.name}发布;"
                f"权重和标准化方法变动时名次为{interval.text}。{interval.method}"
            )
    return pieces


def build_bulletin(
    region: Region | str,
    period: Period | str,
    user: User | None = None,
    clauses: Sequence[Clause] = CLAUSES,
    indices: Sequence[str] = (),
) -> Bulletin:
    """The 月通报 of a county unit for a period, read within ``user``'s scope (``None``: all).

    ``indices``: codes of composite indices (``tiaodu index define``) whose stored results are
    stated after the published index, at the head of the industry paragraph (the seed's sentence
    states only the city's index, so none are by default).

    Raises :class:`BulletinError` (``region_unknown``, ``region_not_county``, ``period_unknown``,
    ``period_invalid``, ``bulletin_no_data``, ``index_unknown``, ``index_not_comparable``) and
    :class:`~tiaodu.core.errors.Forbidden` for a user whose role reads no figures (enterprise,
    project owner).
    """
    if user is not None and not can(user, "view", IndicatorValue):
        raise Forbidden("您没有查看经济运行监测数据的权限", audit="月通报")
    reg, city = _region(region)
    p = _period(period)

    catalogue = list(Indicator.objects.select_related("share_of", "numerator", "denominator"))
    by_code = {i.code: i for i in catalogue}
    stored_period = StatPeriod.objects.filter(key=p.key).first()
    from tiaodu.monitoring.services import compared_units

    units = compared_units(city)
    values = (
        IndicatorValue.objects.restrict(user, "view") if user is not None else IndicatorValue.objects.all()
    )
    present: set[int] = set()
    own: set[int] = set()
    if stored_period is not None:
        rows = (
            values.filter(period=stored_period, is_current=True, region__in=[u.pk for u in units])
            .values_list("indicator_id", "region_id")
            .distinct()
        )
        for indicator_id, region_id in rows:
            present.add(indicator_id)
            if region_id == reg.pk:
                own.add(indicator_id)
    if not present:
        raise BulletinError(
            "bulletin_no_data", "period", f"{area_word(city)}各区县{p.full_label}没有监测数据,无法编制月通报"
        )

    notes: list[str] = []
    results: list[ClauseResult] = []
    for spec in clauses:
        ind = by_code.get(spec.indicator)
        if ind is None:
            continue
        related = _related(catalogue, ind)
        if not related & present:
            if spec.required:
                notes.append(f"{area_word(city)}各区县{p.label}{ind.name}均无数据,通报未列此项")
            continue
        if not related & own:
            notes.append(f"{reg.name}{p.label}{ind.name}数据缺失,通报未列此项")
            continue
        cmp = compare(reg, p, ind, user=user, publication=True)
        text = _clause_text(spec, cmp, reg, city, p, notes)
        if text is not None:
            results.append(ClauseResult(spec, cmp, text))
    index_pieces = _index_clauses(indices, reg, city, p, user, notes)
    if not results and not index_pieces:
        raise BulletinError(
            "bulletin_no_data", "period", f"{reg.name}{p.full_label}没有可通报的监测数据,无法编制月通报"
        )

    # paragraphs: clauses in order, a "within" clause joined to its parent with ",其中:"
    paragraphs: list[str] = []
    for number in sorted({c.spec.paragraph for c in results} | ({0} if index_pieces else set())):
        pieces: list[str] = []
        position: dict[str, int] = {}
        for c in results:
            if c.spec.paragraph != number:
                continue
            parent = position.get(c.spec.within or "")
            if parent is not None:
                pieces[parent] = f"{pieces[parent]},其中:{c.text}"
            else:
                position[c.spec.indicator] = len(pieces)
                pieces.append(c.text)
        if number == 0 and index_pieces:
            # after the city's published index when it is stated, else first
            at = position["gy_zs"] + 1 if "gy_zs" in position else 0
            pieces[at:at] = index_pieces
        paragraphs.append(f"{p.label},{reg.name}{';'.join(pieces)}。")
    paragraphs += _target_paragraphs(reg, p, user, notes)

    # basis of the growth figures: say when a growth was computed rather than published
    for c in results:
        f = c.comparison.figures
        if c.spec.growth and f.growth_basis == "computed":
            notes.append(f"{c.comparison.indicator_name}同比增速按本期与上年同期累计值计算(现价)")
        elif c.spec.growth and f.growth_basis == "comparable":
            notes.append(
                f"{c.comparison.indicator_name}为企业数据汇总,同比增速按两期均有数据的企业同口径计算(现价)"
            )
        if c.spec.share and f.share_basis == "computed" and c.comparison.share_of_name:
            notes.append(f"{c.comparison.indicator_name}占{c.comparison.share_of_name}比重按两项总量计算")

    tables: list[Table] = []
    charts: list[Chart] = []
    compare_chart = _compare_chart(results, reg, city)
    if compare_chart is not None:
        charts.append(compare_chart)
    for c in results:
        ind = by_code[c.spec.indicator]
        table, raw = _table(len(tables) + 1, ind, p, reg, city, user, notes)
        tables.append(table)
        # a ranking chart for each rank the text states (the seed ranks 产值 in no words)
        chart = _ranking_chart(table, raw, ind, p, reg) if c.spec.rank and c.spec.chart else None
        if chart is not None:
            charts.append(chart)
    trend_chart = _trend_chart(results, by_code, reg, city, p, user)
    if trend_chart is not None:
        charts.append(trend_chart)
    notes.append("增速、比重均按四舍五入保留一位小数后比较和排名,并列者名次相同")

    title_kind = TITLES[0] if index_pieces or any(c.spec.paragraph == 0 for c in results) else TITLES[1]
    return Bulletin(
        region_code=reg.code,
        region_name=reg.name,
        city_code=city.code,
        city_name=city.name,
        period_key=p.key,
        period_label=p.label,
        period_full_label=p.full_label,
        title=f"{reg.name}{p.full_label}{title_kind}",
        paragraphs=paragraphs,
        clauses=results,
        tables=tables,
        charts=charts,
        notes=list(dict.fromkeys(notes)),
    )


def county_units(city: Region | str) -> list[Region]:
    """The county units a bulletin can be made for under ``city`` (its 38 districts and counties)."""
    from tiaodu.monitoring.services import compared_units
    from tiaodu.regions.services import get_region

    par = city if isinstance(city, Region) else get_region(city)
    return [u for u in compared_units(par) if u.level == Level.COUNTY]


def periods_with_data(user: User | None = None, region: Region | None = None) -> list[StatPeriod]:
    """The periods that have county-unit figures (readable by ``user``), newest first."""
    values = (
        IndicatorValue.objects.restrict(user, "view") if user is not None else IndicatorValue.objects.all()
    )
    qs = values.filter(is_current=True, region__level=Level.COUNTY)
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    return list(StatPeriod.objects.filter(pk__in=qs.values("period")).order_by("-year", "-end", "start"))
