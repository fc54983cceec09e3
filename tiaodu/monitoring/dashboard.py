"""The monitoring dashboard of one region and period: indicator cards, the index with its rank
interval, trends over the year, the rank history and the choropleth of the index over the city's
county units. Everything is read through the user's scope (:func:`figures` and the stored index
results); nothing here is stored. The one exception is the rank interval of a computed index: it
is drawn over all the compared regions, like the stored rank it stands beside, and only the shown
region's own interval is given (:func:`~tiaodu.monitoring.indexes.rank_interval`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tiaodu.core import figures as fig
from tiaodu.core.errors import ServiceError
from tiaodu.monitoring.computations import Comparison, compare, trend
from tiaodu.monitoring.confidentiality import NOTE
from tiaodu.monitoring.models import CompositeIndex, IndexValue, IndicatorValue, StatPeriod
from tiaodu.monitoring.periods import Period, parse_period
from tiaodu.monitoring.services import area_word, compared_units, find_indicator, ranking_parent
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

# The cards, in the order a bulletin reports them; an indicator without data is left out.
CARD_INDICATORS = (
    "规模以上工业增加值增速",
    "规模以上工业总产值",
    "工业投资",
    "工业技术改造投资",
    "固定资产投资",
    "社会消费品零售总额",
    "招商引资到位资金",
    "地区生产总值",
)


@dataclass
class Card:
    comparison: Comparison
    trend: list[tuple[str, Decimal | None]]  # (label, the ranked figure) over the year

    @property
    def notes(self) -> list[str]:
        """The comparison's notes, without "全国…数据缺失,无法比较": the nation publishes few of
        these figures, and a card would say so every month."""
        return [n for n in self.comparison.notes if not (n.startswith("全国") and "无法比较" in n)]

    @property
    def headline(self) -> str:
        c = self.comparison
        return c.growth_text or c.share_text or ""


@dataclass
class IndexCard:
    code: str
    name: str
    origin: str  # imported | computed
    value: Decimal | None
    rank: int | None
    group_rank: int | None
    ranked: int
    decimals: int = 2
    interval: str = ""  # 第12位(90%区间10–14位), computed indices only
    method: str = ""
    history: list[tuple[str, int | None]] = field(default_factory=list)  # (label, rank)
    word: str = "全市"  # the compared whole (:func:`area_word` of the index's compare region): 全区 …
    suppressed: bool = False  # 统计保密 (ADR 0033): value and ranks withheld from this reader
    notes: list[str] = field(default_factory=list)

    @property
    def rank_text(self) -> str:
        return "" if self.rank is None else fig.rank(self.rank, self.word)

    @property
    def value_text(self) -> str:
        return fig.NO_VALUE if self.value is None else f"{self.value:.{self.decimals}f}"


@dataclass
class Dashboard:
    region: Region
    period: Period
    cards: list[Card]
    indices: list[IndexCard]
    periods: list[StatPeriod]  # periods of the year with data, for the selector
    notes: list[str]

    @property
    def title(self) -> str:
        return f"{self.region.name}{self.period.full_label}经济运行监测"


def county_of(region: Region | None) -> Region | None:
    """The county unit a region lies in (itself for a county unit)."""
    if region is None:
        return None
    if region.level == Level.COUNTY:
        return region
    codes = [c for c in region.path.strip("/").split("/") if c]
    return Region.objects.filter(code__in=codes, level=Level.COUNTY).order_by("-code").first()


def region_options(user: User) -> list[Region]:
    """The regions the dashboard offers: the county units compared with the user's own (the
    city's 38 for a Chongqing user) — their figures are published statistics every government
    role reads (ADR 0021)."""
    home = county_of(getattr(user, "region", None)) or Region.objects.filter(code="500152").first()
    parent = ranking_parent(home) if home is not None else None
    return compared_units(parent) if parent is not None else ([home] if home is not None else [])


def periods_with_data(region: Region) -> list[StatPeriod]:
    """Periods with a current figure of the region, latest first."""
    ids = (
        IndicatorValue.objects.filter(region=region, is_current=True)
        .values_list("period_id", flat=True)
        .distinct()
    )
    return list(StatPeriod.objects.filter(pk__in=ids).order_by("-end", "start"))


def _compare_word(index: CompositeIndex) -> str:
    """How the index's rank names the regions it compares: 全市 for Chongqing's county units, 全区
    for a district's townships."""
    compare = Region.objects.filter(code=str(index.spec.get("compare", ""))).first()
    return area_word(compare) if compare is not None else "全市"


def _index_cards(region: Region, p: Period, user: User | None) -> list[IndexCard]:
    from tiaodu.monitoring.indexes import rank_interval, withheld_regions

    series = [s.key for s in p.series()]
    cards = []
    # The city's published index first, then the indices computed here.
    visible = CompositeIndex.objects.restrict(user)  # type: ignore[arg-type]
    indices = sorted(visible, key=lambda i: (i.indicator_id is None, i.code))
    for index in indices:
        stored = (
            IndexValue.objects.restrict(user).filter(index=index, region=region, period__key=p.key).first()
        )
        if stored is None:
            continue
        ranked = IndexValue.objects.filter(index=index, period__key=p.key, rank__isnull=False).count()
        history = list(
            IndexValue.objects.filter(index=index, region=region, period__key__in=series)
            .order_by("period__end")
            .values_list("period__label", "rank")
        )
        card = IndexCard(
            index.code,
            index.name,
            stored.origin,
            stored.value,
            stored.rank,
            stored.group_rank,
            ranked,
            decimals=int(index.spec.get("decimals", 2)),
            history=[(str(label), rank) for label, rank in history],
            word=_compare_word(index),
        )
        if withheld_regions(index, p, [region], user):
            card.value = card.rank = card.group_rank = None
            card.suppressed, card.notes = True, [f"{index.name}{NOTE}"]
            card.history = []
        elif stored.rank is not None:
            interval = rank_interval(index, p, region.code, user)
            if interval is not None:
                card.interval, card.method = interval.text, interval.method
        cards.append(card)
    return cards


def build_dashboard(region: Region | str, period: Period | str | None, user: User | None) -> Dashboard:
    """The dashboard of ``region`` for ``period`` (default: the latest period with data)."""
    from tiaodu.regions.services import get_region

    reg = region if isinstance(region, Region) else get_region(region)
    available = periods_with_data(reg)
    if period in (None, ""):
        if not available:
            raise ServiceError("monitoring_no_data", f"{reg.name}还没有监测数据,请先导入指标数据", status=404)
        # The latest cumulative period of the latest year (1-6月 before 6月).
        p = max((s.period for s in available), key=lambda q: (q.end, q.end - q.start))
    else:
        p = parse_period(period)
    cards: list[Card] = []
    notes: list[str] = []
    for name in CARD_INDICATORS:
        indicator = find_indicator(name)
        c = compare(reg, p, indicator, user)
        if c.value is None and c.figures.figure is None and not c.figures.withheld:
            continue  # no data; a withheld figure keeps its card, shown as "—" with the note
        points = trend(reg, indicator, p, user)
        # a point withheld for confidentiality stays, as None ("—"); others without a figure do not
        shown = [
            (pt.label, pt.figures.figure)
            for pt in points
            if pt.figures.figure is not None or pt.figures.withheld
        ]
        cards.append(Card(c, shown))
    indices = _index_cards(reg, p, user)
    if not cards and not indices:
        notes.append(f"{reg.name}{p.full_label}没有监测数据")
    return Dashboard(reg, p, cards, indices, available, notes)


def choropleth(index_code: str, period: Period | str, user: User | None) -> dict[str, Any]:
    """GeoJSON of the compared units' simplified outlines with the index value and rank."""
    from tiaodu.monitoring.indexes import get_index
    from tiaodu.regions.boundaries import simplified_outline

    index = get_index(index_code)
    p = parse_period(period)
    compare_code = str(index.spec.get("compare", ""))
    parent = Region.objects.filter(code=compare_code).first()
    if parent is None:
        raise ServiceError("index_compare_unknown", f"指数比较范围“{compare_code}”不存在", status=404)
    values = {
        v.region_id: v
        for v in IndexValue.objects.restrict(user)
        .filter(index=index, period__key=p.key)
        .select_related("region")
    }
    units = compared_units(parent)
    from tiaodu.monitoring.indexes import withheld_regions

    hidden = withheld_regions(index, p, [u for u in units if u.pk in values], user)
    features = []
    for unit in units:
        geometry = simplified_outline(unit.code)
        if geometry is None:
            continue
        stored = values.get(unit.pk)
        withheld = unit.pk in hidden  # 统计保密 (ADR 0033): no value, no rank, the note
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "code": unit.code,
                    "name": unit.name,
                    "value": None
                    if stored is None or stored.value is None or withheld
                    else float(stored.value),
                    "rank": None if stored is None or withheld else stored.rank,
                    "suppressed": withheld,
                    "note": f"{index.name}{NOTE}" if withheld else "",
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "index": {"code": index.code, "name": index.name},
        "period": {"key": p.key, "label": p.full_label},
        "features": features,
    }
