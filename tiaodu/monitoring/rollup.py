"""Roll enterprise figures up to townships, counties and the city (``tiaodu rollup``).

One set-based statement sums the current enterprise figures of the additive indicators per
township, indicator and period (``GROUP BY``, over the partial unique index of current figures);
the few thousand township sums are then added up the region tree in Python (county = its
townships, city = its counties) and stored as region figures whose source is "汇总", versioned
like every figure: the same sum again changes nothing, a different sum is a new version.

Rules (ADR 0021):

* only indicators marked additive in the catalogue are summed (产值, 投资, 营业收入, 用电量 …);
  rates, ratios, indices and 地区生产总值 (分级核算) never are, and naming one is an error;
* a roll-up never replaces a figure that came from elsewhere (an import of the statistics
  office's figure, a manual entry): it is kept, and the result lists the difference;
* each rolled-up figure records how many enterprise figures it sums (``contributors``): a sum of
  what was reported, not an estimate of what was not; and the largest of them (``largest``), so
  that small cells can be suppressed for readers who may not see enterprise figures (统计保密,
  :mod:`tiaodu.monitoring.confidentiality`, ADR 0033);
* rolling up part of the tree (``within`` a district) writes only the regions wholly inside it,
  so a district's roll-up never produces a partial city total.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from tiaodu.core.errors import Forbidden, invalid
from tiaodu.core.permissions import can
from tiaodu.monitoring.choices import IndicatorKind, ValueOrigin
from tiaodu.monitoring.models import EnterpriseValue, Indicator, IndicatorValue, StatPeriod
from tiaodu.monitoring.periods import Period, parse_period
from tiaodu.monitoring.services import (
    WriteCounts,
    find_indicator,
    new_source,
    write_versions,
)
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.regions.services import is_grouping_node

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

SOURCE_NAME = "汇总"
SCALE = 10_000  # SQLite sums integers of 1/10000 (its decimals are floats); PostgreSQL sums numeric


@dataclass
class RollupResult:
    periods: list[str]
    indicators: list[str]
    enterprise_figures: int = 0
    townships: int = 0
    regions: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)
    source_id: int | None = None
    elapsed_ms: int = 0

    @property
    def message(self) -> str:
        c = self.counts
        text = (
            f"汇总企业数据{self.enterprise_figures}条,涉及{self.townships}个镇街、共{self.regions}个地区:"
            f"新增{c.created}条,更新{c.revised}条,未变化{c.unchanged}条"
        )
        if c.kept:
            text += f";另有{c.kept}条已有导入或录入数据,未以汇总值替换"
        return text + "。"


def _sum_sql(
    vendor: str, indicator_ids: Sequence[int], period_ids: Sequence[int] | None, within: Region | None
) -> tuple[str, list[Any]]:
    if vendor == "postgresql":
        value, largest = "SUM(v.value)", "MAX(ABS(v.value))"
    else:
        value = f"SUM(CAST(ROUND(v.value * {SCALE}) AS INTEGER))"
        largest = f"MAX(ABS(CAST(ROUND(v.value * {SCALE}) AS INTEGER)))"
    ev = EnterpriseValue._meta.db_table
    from tiaodu.enterprises.models import Enterprise

    ent = Enterprise._meta.db_table
    reg = Region._meta.db_table
    where = ["v.is_current", f"v.indicator_id IN ({', '.join(['%s'] * len(indicator_ids))})"]
    params: list[Any] = list(indicator_ids)
    if period_ids is not None:
        where.append(f"v.period_id IN ({', '.join(['%s'] * len(period_ids))})")
        params += list(period_ids)
    if within is not None:
        where.append(f"e.township_id IN (SELECT r.id FROM {reg} r WHERE r.path LIKE %s)")  # noqa: S608
        params.append(within.path + "%")
    # Identifiers come from the models' metadata; every value is a parameter.
    sql = (
        f"SELECT e.township_id, v.indicator_id, v.period_id, {value}, COUNT(*), {largest} "  # noqa: S608
        f"FROM {ev} v JOIN {ent} e ON e.id = v.enterprise_id "
        f"WHERE {' AND '.join(where)} "
        "GROUP BY e.township_id, v.indicator_id, v.period_id"
    )
    return sql, params


def township_sums(
    indicator_ids: Sequence[int], period_ids: Sequence[int] | None = None, within: Region | None = None
) -> list[tuple[int, int, int, Decimal, int, Decimal]]:
    """(township id, indicator id, period id, sum, number of figures, largest absolute figure) of
    current enterprise figures."""
    sql, params = _sum_sql(connection.vendor, indicator_ids, period_ids, within)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return [(t, i, p, Decimal(s), n, Decimal(m)) for t, i, p, s, n, m in rows]
    return [(t, i, p, Decimal(int(s)).scaleb(-4), n, Decimal(int(m)).scaleb(-4)) for t, i, p, s, n, m in rows]


@dataclass
class Comparable:
    """A region's current enterprise figures of one indicator for one period: all of them, and
    those of the enterprises that also have a figure for the period a year before (同口径)."""

    total: Decimal = Decimal(0)  # the sum of every figure: what the roll-up stored, if up to date
    count: int = 0
    matched: int = 0  # enterprises with a figure in both periods
    now: Decimal = Decimal(0)  # their sum this year
    before: Decimal = Decimal(0)  # their sum a year before


def comparable_sums(
    indicator_id: int, period_id: int, before_id: int | None, regions: Sequence[Region]
) -> dict[int, Comparable]:
    """region id → :class:`Comparable` over the enterprises of each region's townships, in one
    query (grouped by township, added up by region path). Growth of a roll-up is computed over the
    enterprises that reported both periods, as statistics offices compute 同口径 growth: a firm
    that stopped reporting, or one new to the list, does not read as a fall or a rise."""
    regions = list({r.pk: r for r in regions}.values())  # a region listed twice is summed once
    out = {r.pk: Comparable() for r in regions}
    if not regions:
        return out
    from tiaodu.enterprises.models import Enterprise

    postgres = connection.vendor == "postgresql"

    def total(expr: str) -> str:
        return f"SUM({expr})" if postgres else f"SUM(CAST(ROUND({expr} * {SCALE}) AS INTEGER))"

    ev, ent, reg = EnterpriseValue._meta.db_table, Enterprise._meta.db_table, Region._meta.db_table
    paths = " OR ".join(["r.path LIKE %s"] * len(regions))
    # Identifiers come from the models' metadata; every value is a parameter.
    sql = (
        f"SELECT r.path, {total('a.value')}, COUNT(*), "  # noqa: S608
        f"{total('CASE WHEN b.id IS NOT NULL THEN a.value END')}, {total('b.value')}, COUNT(b.id) "
        f"FROM {ev} a JOIN {ent} e ON e.id = a.enterprise_id JOIN {reg} r ON r.id = e.township_id "
        f"LEFT JOIN {ev} b ON b.enterprise_id = a.enterprise_id AND b.indicator_id = a.indicator_id "
        "AND b.period_id = %s AND b.is_current "
        f"WHERE a.is_current AND a.indicator_id = %s AND a.period_id = %s AND ({paths}) GROUP BY r.path"
    )
    params: list[Any] = [before_id or 0, indicator_id, period_id, *[r.path + "%" for r in regions]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    def number(raw: Any) -> Decimal:
        if raw is None:
            return Decimal(0)
        return Decimal(raw) if postgres else Decimal(int(raw)).scaleb(-4)

    for path, all_sum, count, now, before, matched in rows:
        for r in regions:
            if path.startswith(r.path):
                c = out[r.pk]
                c.total += number(all_sum)
                c.count += count
                c.now += number(now)
                c.before += number(before)
                c.matched += matched
    return out


def _ancestors(township_ids: set[int], within: Region | None) -> dict[int, list[int]]:
    """township id → the ids of the regions its figures add up to (county, city), skipping grouping
    nodes (市辖区) and the nation, and keeping only regions wholly inside ``within``."""
    towns = list(Region.objects.filter(pk__in=township_ids).values("pk", "path"))
    codes = {c for t in towns for c in t["path"].strip("/").split("/")}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    out: dict[int, list[int]] = {}
    for t in towns:
        chain = [regions[c] for c in t["path"].strip("/").split("/")[:-1] if c in regions]
        targets = []
        for r in reversed(chain):  # nearest first
            if r.level == Level.NATION or is_grouping_node(r):
                continue
            if within is not None and not r.path.startswith(within.path):
                continue
            targets.append(r.pk)
            if r.level <= Level.CITY:
                break  # the city (重庆市 for its counties): no province or nation totals
        out[t["pk"]] = targets
    return out


@transaction.atomic
def rollup(
    actor: User | None = None,
    *,
    periods: Sequence[Period | str] | None = None,
    indicators: Sequence[Indicator | str] | None = None,
    within: Region | None = None,
) -> RollupResult:
    """Sum current enterprise figures up to townships, counties and the city; store them as
    region figures (source "汇总"). ``actor`` None is the server operator; a user needs to be
    allowed to add region figures, and rolls up within their own region."""
    started = time.perf_counter()
    if actor is not None:
        if not can(actor, "add", IndicatorValue):
            raise Forbidden(audit="rollup monitoring")
        if getattr(actor, "role", "") != "admin" and not actor.is_superuser:
            if actor.region is None:
                raise Forbidden(audit="rollup monitoring")
            if within is None or not within.path.startswith(actor.region.path):
                within = actor.region
    if indicators:
        chosen = [find_indicator(i) for i in indicators]
        refused = [i.name for i in chosen if not (i.additive and i.kind == IndicatorKind.LEVEL)]
        if refused:
            raise invalid(
                "indicator",
                "indicator_not_additive",
                f"{'、'.join(refused)}不能跨地区加总(只有指标目录中标为可加总的总量指标可以汇总)",
            )
    else:
        chosen = list(Indicator.objects.filter(additive=True, kind=IndicatorKind.LEVEL))
    period_ids: list[int] | None = None
    keys: list[str] = []
    if periods:
        keys = [parse_period(p).key for p in periods]
        period_ids = list(StatPeriod.objects.filter(key__in=keys).values_list("pk", flat=True))
    result = RollupResult(periods=keys, indicators=[i.name for i in chosen])
    if not chosen or period_ids == []:
        result.elapsed_ms = int((time.perf_counter() - started) * 1000)
        return result
    sums = township_sums([i.pk for i in chosen], period_ids, within)
    result.enterprise_figures = sum(row[4] for row in sums)
    towns = {row[0] for row in sums}
    result.townships = len(towns)
    up = _ancestors(towns, within)
    totals: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
    counts: dict[tuple[int, int, int], int] = defaultdict(int)
    largest: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)  # for 统计保密 (ADR 0033)
    for town, indicator, period, total, n, big in sums:
        targets = [town, *up.get(town, [])]  # the SQL kept only townships inside ``within``
        for region in targets:
            key = (region, indicator, period)
            totals[key] += total
            counts[key] += n
            largest[key] = max(largest[key], big)
    result.regions = len({k[0] for k in totals})
    source = new_source(
        ValueOrigin.ROLLUP,
        SOURCE_NAME,
        actor,
        {
            "periods": keys or "all",
            "indicators": [i.code for i in chosen],
            "within": within.code if within else None,
        },
    )
    items = [(r, i, p, v) for (r, i, p), v in sorted(totals.items())]
    result.counts = write_versions(
        IndicatorValue, items, source, contributors=dict(counts), largest=dict(largest), yield_to_others=True
    )
    c = result.counts
    source.detail.update(
        created=c.created,
        revised=c.revised,
        unchanged=c.unchanged,
        kept=c.kept,
        enterprise_figures=result.enterprise_figures,
    )
    source.save(update_fields=["detail"])
    result.source_id = source.pk
    if not result.periods:
        result.periods = sorted(
            StatPeriod.objects.filter(pk__in={row[2] for row in sums}).values_list("key", flat=True)
        )
    result.elapsed_ms = int((time.perf_counter() - started) * 1000)
    return result
