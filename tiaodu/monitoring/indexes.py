"""Composite indices as stored data: definitions, the figures they are computed from, results.

The method itself is :mod:`tiaodu.monitoring.index` (pure, ADR 0022). This module

* stores a definition (``tiaodu index define FILE``) after checking it against the catalogue:
  every component names a known indicator, ``growth`` only for levels (a rate already is a
  growth), ``share`` only for a level that has a whole (技改投资 in 工业投资), and ``compare`` a
  known region;
* gathers, for one period, the (regions × components) matrix from the stored figures: the
  compared regions are the units under ``compare`` (重庆市 → its 38 county units), each cell the
  component's measure *as published* — a level's value, its year-on-year growth or its share,
  growth and share rounded to one decimal (see :mod:`tiaodu.monitoring.computations`), NaN when
  missing; directions from the catalogue unless the component gives one;
* computes and stores each region's value, citywide rank and 考核组 rank (``IndexValue``,
  replacing the period's earlier results), with the notes that concern the region;
* ranks an index the city publishes itself the same way: a definition with ``indicator:``
  instead of ``indicators:`` names the catalogue indicator of kind index whose imported figures
  *are* the index (工业经济运行综合指数), and ``compute`` ranks them (origin "imported"), rounded
  half up (四舍五入) to its decimals exactly as the bulletin's ranking rounds them.

A component named twice — by name, alias or code (工业投资, 工业投资额, gy_tz) with the same measure
— is refused (``index_component_duplicate``): its weight would count twice.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from tiaodu.core.errors import FieldError, ServiceError
from tiaodu.monitoring.choices import IndexOrigin, IndicatorKind, Measure
from tiaodu.monitoring.computations import figures
from tiaodu.monitoring.index import CODE_RE, IndexInvalid, IndexSpec, load_spec, parse_spec, rank_desc
from tiaodu.monitoring.models import CompositeIndex, IndexValue, Indicator
from tiaodu.monitoring.periods import Period, parse_period
from tiaodu.monitoring.services import compared_units, name_key, period_row
from tiaodu.regions.models import PeerGroup, Region
from tiaodu.regions.services import PEER_SCHEME

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

IMPORTED_KEYS = {"code", "name", "description", "compare", "indicator", "decimals"}
# The rank interval shown beside a computed index (dashboard, bulletin): fixed, so that the same
# figures always give the same interval (ADR 0022 addendum).
DISPLAY_DRAWS = 1000
DISPLAY_SEED = 0


def read_mapping(text: str) -> Any:
    """The definition file's mapping, read as :func:`~tiaodu.monitoring.index.load_spec` reads it."""
    if text.lstrip().startswith("{"):
        return json.loads(text)
    import yaml

    return yaml.safe_load(text)


def _fail(errors: list[FieldError]) -> IndexInvalid:
    return IndexInvalid(errors)


def _check_imported(data: Mapping[str, Any]) -> tuple[str, str, str, Indicator, int]:
    errors: list[FieldError] = []
    for key in data:
        if key not in IMPORTED_KEYS:
            errors.append(
                FieldError(
                    str(key),
                    "index_spec_unknown_field",
                    f"未知的字段“{key}”,发布值指数可用:{'、'.join(sorted(IMPORTED_KEYS))}",
                )
            )
    code = str(data.get("code") or "")
    if not CODE_RE.match(code):
        errors.append(
            FieldError("code", "index_spec_invalid", "指数代码应为1到32位字母、数字、下划线、点或连字符")
        )
    name = str(data.get("name") or "").strip()
    if not name:
        errors.append(FieldError("name", "index_spec_invalid", "缺少指数名称(name)"))
    compare = str(data.get("compare") or "").strip()
    indicator: Indicator | None = None
    ref = str(data.get("indicator") or "")
    from tiaodu.monitoring.services import indicator_names

    indicator = indicator_names().get(name_key(ref)) if ref else None
    if indicator is None:
        errors.append(FieldError("indicator", "index_indicator_unknown", f"指标“{ref}”不在指标目录中"))
    elif indicator.kind != IndicatorKind.INDEX:
        known = (
            Indicator.objects.filter(kind=IndicatorKind.INDEX).order_by("code").values_list("name", flat=True)
        )
        errors.append(
            FieldError(
                "indicator",
                "index_indicator_not_index",
                f"“{indicator.name}”是{indicator.get_kind_display()}指标,不是指数;发布值指数(indicator:)"
                f"只能引用指数类指标({'、'.join(known) or '指标目录中暂无'}),"
                "要按多个指标计算请改用 indicators: 列表",
            )
        )
    decimals = data.get("decimals", indicator.decimals if indicator else 2)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6:
        errors.append(FieldError("decimals", "index_decimals_invalid", "小数位数应为0到6的整数"))
        decimals = 2
    if errors:
        raise _fail(errors)
    assert indicator is not None
    return code, name, compare, indicator, int(decimals)


def _check_components(spec: IndexSpec) -> list[Indicator]:
    """The catalogue indicator of each component; every mismatch is an error."""
    errors: list[FieldError] = []
    found: list[Indicator] = []
    names = {}
    from tiaodu.monitoring.services import indicator_names

    names = indicator_names()
    # (indicator, measure) → the first component that names it: 工业投资, its alias 工业投资额 and
    # its code gy_tz are one indicator, whose weight would count twice.
    seen: dict[tuple[int, str], int] = {}
    for j, c in enumerate(spec.components):
        path = f"indicators[{j}]"
        ind = names.get(name_key(c.indicator))
        if ind is None:
            errors.append(
                FieldError(
                    f"{path}.indicator", "index_indicator_unknown", f"指标“{c.indicator}”不在指标目录中"
                )
            )
            continue
        found.append(ind)
        first = seen.setdefault((ind.pk, c.measure), j)
        if first != j:
            other = spec.components[first].indicator
            errors.append(
                FieldError(
                    f"{path}.indicator",
                    "index_component_duplicate",
                    f"第{j + 1}个指标“{c.indicator}”与第{first + 1}个指标“{other}”是同一指标“{ind.name}”"
                    f"(measure: {c.measure}),同一指标、同一口径只能出现一次,否则其权重被重复计算",
                )
            )
        if c.measure == Measure.GROWTH and ind.kind != IndicatorKind.LEVEL:
            errors.append(
                FieldError(
                    f"{path}.measure",
                    "index_measure_invalid",
                    f"“{ind.name}”是{ind.get_kind_display()}指标,不能再计算增速(measure 应为 value)",
                )
            )
        if c.measure == Measure.SHARE and not (ind.kind == IndicatorKind.LEVEL and ind.share_of_id):
            errors.append(
                FieldError(
                    f"{path}.measure",
                    "index_measure_invalid",
                    f"“{ind.name}”在指标目录中没有对应的总量(占比分母),不能按占比计算",
                )
            )
    if errors:
        raise _fail(errors)
    return found


def _compare_region(code: str, field_name: str = "compare") -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise _fail([FieldError(field_name, "region_unknown", f"比较范围“{code}”不是已加载的区划代码")])
    if not compared_units(region):
        raise _fail([FieldError(field_name, "index_no_regions", f"“{region.name}”没有下级地区可比较")])
    return region


@transaction.atomic
def define_index(actor: User | None, text: str) -> CompositeIndex:
    """Store (or replace) a definition from its YAML/JSON text, after checking it."""
    try:
        data = read_mapping(text)
    except Exception:
        data = None
    if isinstance(data, Mapping) and "indicator" in data and "indicators" not in data:
        code, name, compare, indicator, decimals = _check_imported(data)
        _compare_region(compare)
        spec = {**data, "compare": compare, "decimals": decimals}
    else:
        parsed = load_spec(text)  # every syntax and method error, with its field path
        _check_components(parsed)
        _compare_region(parsed.compare)
        code, name, indicator, spec = parsed.code, parsed.name, None, dict(data)
        spec["compare"] = parsed.compare
    index, _created = CompositeIndex.objects.update_or_create(
        code=code, defaults={"name": name, "spec": spec, "indicator": indicator, "defined_by": actor}
    )
    return index


def get_index(code: str) -> CompositeIndex:
    index = CompositeIndex.objects.filter(code=code).select_related("indicator").first()
    if index is None:
        known = "、".join(CompositeIndex.objects.values_list("code", flat=True)) or "无"
        raise IndexInvalid(
            [
                FieldError(
                    "index",
                    "index_unknown",
                    f"指数“{code}”未定义(已定义:{known}),请先执行 tiaodu index define",
                )
            ]
        )
    return index


# --- gathering the figures -------------------------------------------------------------------------


@dataclass
class Matrix:
    """The figures an index is computed from for one period."""

    spec: IndexSpec
    regions: list[Region]
    values: list[list[float]]  # (regions × components), NaN = missing
    directions: list[str]
    labels: list[str]

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.regions]

    @property
    def names(self) -> dict[str, str]:
        return {r.code: r.name for r in self.regions}


def _measure_of(ind: Indicator, measure: str, f: Any) -> Decimal | None:
    if measure == Measure.GROWTH:
        return f.growth  # type: ignore[no-any-return]
    if measure == Measure.SHARE:
        return f.share  # type: ignore[no-any-return]
    return f.value  # type: ignore[no-any-return]


def gather(index: CompositeIndex, period: Period | str, user: User | None = None) -> Matrix:
    """The (regions × components) matrix of a computed index for ``period``."""
    spec = parse_spec(index.spec)
    indicators = _check_components(spec)
    region = _compare_region(spec.compare)
    units = compared_units(region)
    p = parse_period(period)
    values = [[math.nan] * len(spec.components) for _ in units]
    for j, (c, ind) in enumerate(zip(spec.components, indicators, strict=True)):
        figs = figures(ind, p, units, user)
        for i, u in enumerate(units):
            v = _measure_of(ind, c.measure, figs[u.pk])
            if v is not None:
                values[i][j] = float(v)
    directions = [c.direction or ind.direction for c, ind in zip(spec.components, indicators, strict=True)]
    return Matrix(spec, units, values, directions, spec.labels)


@dataclass
class RankInterval:
    text: str  # 第3位(90%区间1–3位)
    method: str  # the draws in one Chinese sentence


def rank_interval(
    index: CompositeIndex, period: Period | str, region_code: str, user: User | None = None
) -> RankInterval | None:
    """A computed index's 90% rank interval for one region (:func:`~tiaodu.monitoring.uncertainty.
    uncertainty` with :data:`DISPLAY_DRAWS` draws and seed :data:`DISPLAY_SEED`), or ``None`` for
    an index the city publishes or a region outside the comparison.

    The draws rank the same regions as the stored rank (:func:`compute_index`): every compared
    unit, gathered without ``user``'s scope — a township user's township is ranked among all the
    district's townships, not among the one it can see. Only ``region_code``'s interval is
    returned, which states no other region's figure; with ``user``, only when the user may see
    that region's stored result."""
    from tiaodu.monitoring.uncertainty import uncertainty

    if index.indicator_id is not None:
        return None
    p = parse_period(period)
    if user is not None:
        visible = IndexValue.objects.restrict(user).filter(
            index=index, region__code=region_code, period__key=p.key
        )
        if not visible.exists():
            return None
    matrix = gather(index, p)
    result = uncertainty(
        matrix.spec,
        matrix.codes,
        matrix.values,
        matrix.directions,
        draws=DISPLAY_DRAWS,
        seed=DISPLAY_SEED,
        region_names=matrix.names,
    )
    if region_code not in result.region_codes:
        return None
    return RankInterval(result.interval_text(result.region_codes.index(region_code)), result.method)


# --- results ----------------------------------------------------------------------------------------


def round_published(value: Decimal, decimals: int) -> Decimal:
    """An index value as published: rounded half up (四舍五入, as :func:`~tiaodu.monitoring.index.
    round_half_up` and the bulletin's :func:`~tiaodu.monitoring.computations.round_half_up` do),
    never to even: 74.405 is 74.41 wherever it is shown."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


@dataclass
class IndexRow:
    region_code: str
    region_name: str
    value: Decimal | None
    rank: int | None
    group_rank: int | None
    group_name: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class IndexRun:
    code: str
    name: str
    period_key: str
    period_label: str
    compare_name: str
    origin: str
    decimals: int
    rows: list[IndexRow]
    notes: list[str]
    method: str = ""

    def value_text(self, row: IndexRow) -> str:
        return "" if row.value is None else f"{row.value:.{self.decimals}f}"

    def ordered(self) -> list[IndexRow]:
        return sorted(self.rows, key=lambda r: (r.rank is None, r.rank or 0, r.region_code))


def group_ranks(codes: Sequence[str], values: Sequence[float | None]) -> dict[str, tuple[str, int | None]]:
    """{code: (考核组, rank within it)} — ``rank_desc`` over each group's members."""
    position = {c: i for i, c in enumerate(codes)}
    out: dict[str, tuple[str, int | None]] = {}
    for group in PeerGroup.objects.filter(scheme=PEER_SCHEME, members__code__in=codes).distinct():
        members = [m for m in group.members.values_list("code", flat=True) if m in position]
        ranks = rank_desc([values[position[m]] for m in members])
        for m, r in zip(members, ranks, strict=True):
            out.setdefault(m, (group.name, r))
    return out


def _store(index: CompositeIndex, period: Period, run: IndexRun, regions: dict[str, Region]) -> None:
    row = period_row(period)
    now = timezone.now()
    IndexValue.objects.filter(index=index, period=row).delete()
    IndexValue.objects.bulk_create(
        [
            IndexValue(
                index=index,
                region=regions[r.region_code],
                period=row,
                value=r.value,
                rank=r.rank,
                group_rank=r.group_rank,
                origin=run.origin,
                computed_at=now,
                notes=r.notes,
            )
            for r in run.rows
        ]
    )


@transaction.atomic
def compute_index(
    actor: User | None, code: str, period: Period | str, *, store: bool = True, user: User | None = None
) -> IndexRun:
    """Compute (or, for a published index, rank) the index for one period and store the results."""
    from tiaodu.monitoring.index import compute, method_text

    index = get_index(code)
    p = parse_period(period)
    if index.indicator_id:
        run, regions = _rank_imported(index, p, user)
    else:
        matrix = gather(index, p, user)
        result = compute(
            matrix.spec, matrix.codes, matrix.values, matrix.directions, region_names=matrix.names
        )
        groups = group_ranks(matrix.codes, result.values)
        rows = []
        for r, value, rank in zip(matrix.regions, result.values, result.ranks, strict=True):
            name, group_rank = groups.get(r.code, ("", None))
            rows.append(
                IndexRow(
                    r.code,
                    r.name,
                    None if value is None else round_published(Decimal(repr(value)), matrix.spec.decimals),
                    rank,
                    group_rank,
                    name,
                    [n for n in result.notes if r.name in n],
                )
            )
        compare = Region.objects.get(code=matrix.spec.compare)
        run = IndexRun(
            index.code,
            index.name,
            p.key,
            p.full_label,
            compare.name,
            IndexOrigin.COMPUTED,
            matrix.spec.decimals,
            rows,
            result.notes,
            result.method or method_text(matrix.spec),
        )
        regions = {r.code: r for r in matrix.regions}
    if store:
        _store(index, p, run, regions)
    return run


def _rank_imported(index: CompositeIndex, p: Period, user: User | None) -> tuple[IndexRun, dict[str, Region]]:
    spec = index.spec
    region = _compare_region(str(spec.get("compare", "")))
    units = compared_units(region)
    indicator = index.indicator
    assert indicator is not None
    decimals = int(spec.get("decimals", indicator.decimals))
    figs = figures(indicator, p, units, user)
    values = [figs[u.pk].value for u in units]
    rounded = [None if v is None else round_published(v, decimals) for v in values]
    ranks = rank_desc([None if v is None else float(v) for v in rounded])
    codes = [u.code for u in units]
    groups = group_ranks(codes, [None if v is None else float(v) for v in rounded])
    notes = [
        f"{u.name}没有{p.label}{indicator.name}数据,未参与排名"
        for u, v in zip(units, values, strict=True)
        if v is None
    ]
    rows = []
    for u, v, rank in zip(units, rounded, ranks, strict=True):
        name, group_rank = groups.get(u.code, ("", None))
        rows.append(
            IndexRow(u.code, u.name, v, rank, group_rank, name, [n for n in notes if n.startswith(u.name)])
        )
    method = f"采用{indicator.name}的导入值(发布值),按数值从高到低排名,并列取较好位次。"
    run = IndexRun(
        index.code,
        index.name,
        p.key,
        p.full_label,
        region.name,
        IndexOrigin.IMPORTED,
        decimals,
        rows,
        notes,
        method,
    )
    return run, {u.code: u for u in units}


def withheld_regions(
    index: CompositeIndex,
    period: Period | str,
    regions: Sequence[Region],
    user: User | None,
    *,
    publication: bool = False,
) -> set[int]:
    """The ids of ``regions`` whose stored index value ``user`` may not see because one of its
    components is a small rolled-up cell withheld from that user (统计保密, ADR 0033): a
    composite of one small cell would give the cell away. An index the city publishes is a
    published statistic and never withheld."""
    from tiaodu.monitoring import confidentiality

    if index.indicator_id is not None or not regions or confidentiality.Viewer(user, publication).sees_all:
        return set()
    try:
        spec = parse_spec(index.spec)
        indicators = _check_components(spec)
    except ServiceError:  # a definition that no longer reads: withhold rather than guess
        return {r.pk for r in regions}
    field_of: dict[str, str] = {Measure.GROWTH: "growth", Measure.SHARE: "share"}
    out: set[int] = set()
    for c, ind in zip(spec.components, indicators, strict=True):
        what = field_of.get(c.measure, "value")
        for rid, f in figures(ind, period, regions, user, publication=publication).items():
            if what in f.withheld:
                out.add(rid)
    return out


def stored_run(code: str, period: Period | str, user: User | None = None) -> IndexRun | None:
    """The stored results of an index for a period (as last computed), or None; with ``user``,
    only the regions whose figures the user may see (an index over a district's townships is
    seen by that district's users only, ADR 0021)."""
    index = get_index(code)
    p = parse_period(period)
    values = IndexValue.objects.all() if user is None else IndexValue.objects.restrict(user)
    rows = list(
        values.filter(index=index, period__key=p.key).select_related("region").order_by("region__code")
    )
    if not rows:
        return None
    from tiaodu.monitoring.confidentiality import NOTE

    hidden = withheld_regions(index, p, [r.region for r in rows], user)
    for r in rows:
        if r.region_id in hidden:  # shown as "—", unranked, with the note (ADR 0033)
            r.value, r.rank, r.group_rank, r.notes = None, None, None, [*r.notes, f"{index.name}{NOTE}"]
    decimals = int(index.spec.get("decimals", 2))
    codes = [r.region.code for r in rows]
    groups = group_ranks(codes, [None if r.value is None else float(r.value) for r in rows])
    return IndexRun(
        index.code,
        index.name,
        p.key,
        p.full_label,
        "",
        rows[0].origin,
        decimals,
        [
            IndexRow(
                r.region.code,
                r.region.name,
                r.value,
                r.rank,
                r.group_rank,
                groups.get(r.region.code, ("", None))[0],
                list(r.notes),
            )
            for r in rows
        ],
        sorted({n for r in rows for n in r.notes}),
    )
