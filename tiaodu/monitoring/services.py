"""Monitoring data: indicators by name, periods as rows, versioned figures, regions compared.

Every function that writes takes the acting user (``None`` = the server operator: CLI and the
imports it runs), runs in one transaction and never overwrites a figure: a different value is a
new version (the old one stays, no longer current), the same value is a no-op. See ADR 0021.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import QuerySet

from tiaodu.core.errors import FieldError, Forbidden, InvalidInput, invalid
from tiaodu.core.imports import bulk_insert
from tiaodu.core.permissions import can, ensure_permitted
from tiaodu.monitoring.choices import IndicatorKind, ValueOrigin
from tiaodu.monitoring.models import (
    VALUE_DECIMALS,
    VALUE_DIGITS,
    DataSource,
    EnterpriseValue,
    Indicator,
    IndicatorValue,
    StatPeriod,
    figure_regions,
)
from tiaodu.monitoring.periods import Period, parse_period
from tiaodu.regions.choices import Level
from tiaodu.regions.models import PeerGroup, Region
from tiaodu.regions.services import PEER_SCHEME, check_figure_region, is_grouping_node

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

QUANTUM = Decimal(1).scaleb(-VALUE_DECIMALS)
MAX_VALUE = Decimal(10) ** (VALUE_DIGITS - VALUE_DECIMALS)
NATION_CODE = "100000"
CHUNK = 2000


# --- values -----------------------------------------------------------------------------------------


def to_value(raw: Decimal | int | float | str) -> Decimal:
    """A figure as stored: Decimal with at most four decimals (rounded half up; spreadsheets
    carry float noise such as 66.81000000000001), within the column's range."""
    try:
        value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    except (InvalidOperation, ValueError):
        raise invalid("value", "number_invalid", f"“{raw}”不是数字") from None
    if not value.is_finite():
        raise invalid("value", "number_invalid", f"“{raw}”不是数字")
    if abs(value) >= MAX_VALUE:  # checked first: quantizing 1e30 to four decimals overflows
        raise invalid("value", "number_too_large", f"数值{raw}超出范围")
    value = value.quantize(QUANTUM, rounding=ROUND_HALF_UP)
    if abs(value) >= MAX_VALUE:
        raise invalid("value", "number_too_large", f"数值{raw}超出范围")
    return value


# --- indicators --------------------------------------------------------------------------------------

_NAME_NOISE = re.compile(r"[\s*]")


def name_key(text: str) -> str:
    """How indicator names are compared: NFKC (full-width letters and brackets), no spaces."""
    return _NAME_NOISE.sub("", unicodedata.normalize("NFKC", str(text))).lower()


def indicator_names(indicators: Iterable[Indicator] | None = None) -> dict[str, Indicator]:
    """Indicators (all of the catalogue by default) by code, name and alias (:func:`name_key`)."""
    found: dict[str, Indicator] = {}
    items = list(Indicator.objects.all() if indicators is None else indicators)
    # Names and codes win over aliases when they collide.
    for indicator in items:
        for alias in indicator.aliases or []:
            found.setdefault(name_key(alias), indicator)
    for indicator in items:
        found[name_key(indicator.code)] = indicator
        found[name_key(indicator.name)] = indicator
    return found


def find_indicator(ref: str | Indicator) -> Indicator:
    """An indicator by code, Chinese name or alias; ``indicator_unknown`` otherwise."""
    if isinstance(ref, Indicator):
        return ref
    found = indicator_names().get(name_key(ref))
    if found is None:
        raise invalid("indicator", "indicator_unknown", f"指标“{ref}”不在指标目录中")
    return found


# --- periods ----------------------------------------------------------------------------------------


def period_row(period: Period | str) -> StatPeriod:
    """The stored row of a period (made on first use)."""
    p = parse_period(period)
    row, _created = StatPeriod.objects.get_or_create(
        key=p.key,
        defaults={
            "kind": p.kind,
            "year": p.year,
            "first": p.first,
            "last": p.last,
            "part": p.part,
            "start": p.start,
            "end": p.end,
            "label": p.full_label,
        },
    )
    return row


# --- regions compared -------------------------------------------------------------------------------


def compared_units(parent: Region) -> list[Region]:
    """The regions compared with each other under ``parent``: its children, with grouping nodes
    (市辖区, 县) replaced by theirs — for 重庆市 500000 its 38 districts and counties."""
    children = list(Region.objects.filter(parent=parent))
    grouped = [c.pk for c in children if is_grouping_node(c)]
    units = [c for c in children if not is_grouping_node(c)]
    if grouped:
        units += list(Region.objects.filter(parent__in=grouped))
    return sorted(units, key=lambda r: r.code)


def ranking_parent(region: Region) -> Region | None:
    """The region whose units ``region`` is ranked among: the nearest ancestor that is not a
    grouping node (重庆市 for 潼南区, 潼南区 for 古溪镇)."""
    codes = [c for c in region.path.strip("/").split("/") if c and c != region.code]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    for code in reversed(codes):
        ancestor = by_code.get(code)
        if ancestor is not None and not is_grouping_node(ancestor):
            return ancestor
    return None


def area_word(region: Region) -> str:
    """How a bulletin names the whole of a region: 全国, 全省, 全市, 全区, 全县, 全镇, 全街道."""
    if region.code == NATION_CODE or region.level == Level.NATION:
        return "全国"
    name = region.name
    if region.level in (Level.PROVINCE, Level.CITY):
        return "全市" if name.endswith("市") else "全省" if name.endswith("省") else "全区"
    if region.level == Level.COUNTY:
        return "全县" if name.endswith("县") else "全市" if name.endswith("市") else "全区"
    return "全街道" if name.endswith("街道") else "全镇" if name.endswith("镇") else "全乡"


def peer_group(region: Region, scheme: str = PEER_SCHEME) -> PeerGroup | None:
    """The region's 考核组 (Chongqing's 一区两群 groups)."""
    return PeerGroup.objects.filter(scheme=scheme, members=region).first()


def city_of(region: Region) -> Region | None:
    """The city a county unit belongs to (its ranking parent at province or city level)."""
    parent = ranking_parent(region)
    while parent is not None and parent.level > Level.CITY:
        parent = ranking_parent(parent)
    return parent


# --- writing figures, versioned ---------------------------------------------------------------------


@dataclass
class WriteCounts:
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    kept: int = 0  # roll-ups not written over a figure of another origin
    revisions: list[dict[str, Any]] = field(default_factory=list)  # the first few, for reports
    kept_figures: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: WriteCounts) -> None:
        self.created += other.created
        self.revised += other.revised
        self.unchanged += other.unchanged
        self.kept += other.kept
        self.revisions += other.revisions[: max(0, 50 - len(self.revisions))]
        self.kept_figures += other.kept_figures[: max(0, 50 - len(self.kept_figures))]


Item = tuple[int, int, int, Decimal]  # (region or enterprise id, indicator id, period id, value)


def new_source(
    origin: str, name: str, actor: User | None, detail: dict[str, Any] | None = None
) -> DataSource:
    return DataSource.objects.create(origin=origin, name=name[:255], user=actor, detail=detail or {})


def write_versions(
    model: type[IndicatorValue] | type[EnterpriseValue],
    items: Sequence[Item],
    source: DataSource,
    *,
    contributors: dict[tuple[int, int, int], int] | None = None,
    largest: dict[tuple[int, int, int], Decimal] | None = None,
    yield_to_others: bool = False,
) -> WriteCounts:
    """Store figures as new versions where they differ from the current ones.

    ``items`` must not repeat a key. The same value as the current version: unchanged. A
    different value: the current version is retired and a new one (version + 1) written. No
    current version: version 1. ``yield_to_others`` (roll-ups): a current figure from another
    origin (an import, a manual entry) is kept, and counted in ``kept``. ``contributors`` and
    ``largest`` (roll-ups): how many enterprise figures each sum adds up and the largest of them.
    """
    owner = "region_id" if model is IndicatorValue else "enterprise_id"
    counts = WriteCounts()
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        owners = {i[0] for i in chunk}
        indicators = {i[1] for i in chunk}
        periods = {i[2] for i in chunk}
        current = {
            (row[owner], row["indicator_id"], row["period_id"]): row
            for row in model.objects.filter(
                **{f"{owner}__in": owners},
                indicator_id__in=indicators,
                period_id__in=periods,
                is_current=True,
            )
            .select_for_update()
            .values(
                "pk",
                owner,
                "indicator_id",
                "period_id",
                "value",
                "version",
                "source__origin",
                *(["contributors", "largest"] if model is IndicatorValue else []),
            )
        }
        retire: list[int] = []
        rows: list[dict[str, Any]] = []
        # (contributors, largest) → unchanged roll-up ids
        recount: dict[tuple[int, Decimal | None], list[int]] = defaultdict(list)
        for owner_id, indicator_id, period_id, value in chunk:
            key = (owner_id, indicator_id, period_id)
            old = current.get(key)
            if old is not None and old["value"] == value:
                counts.unchanged += 1
                # the same sum over another number of enterprises (a firm reporting 0): the figure
                # stands, the count it was summed over is brought up to date (no new version)
                if (
                    contributors is not None
                    and old["source__origin"] == ValueOrigin.ROLLUP
                    and key in contributors
                ):
                    now = (contributors[key], (largest or {}).get(key, old["largest"]))
                    if (old["contributors"], old["largest"]) != now:
                        recount[now].append(old["pk"])
                continue
            if old is not None and yield_to_others and old["source__origin"] != ValueOrigin.ROLLUP:
                counts.kept += 1
                if len(counts.kept_figures) < 50:
                    counts.kept_figures.append({"key": key, "kept": old["value"], "rollup": value})
                continue
            row = {
                owner: owner_id,
                "indicator_id": indicator_id,
                "period_id": period_id,
                "value": value,
                "version": 1 if old is None else old["version"] + 1,
                "is_current": True,
                "source_id": source.pk,
            }
            if model is IndicatorValue:
                row["contributors"] = (contributors or {}).get(key)
                row["largest"] = (largest or {}).get(key)
            rows.append(row)
            if old is None:
                counts.created += 1
            else:
                counts.revised += 1
                retire.append(old["pk"])
                if len(counts.revisions) < 50:
                    counts.revisions.append({"key": key, "old": old["value"], "new": value})
        if retire:
            model.objects.filter(pk__in=retire).update(is_current=False)
        for (number, big), pks in recount.items():
            IndicatorValue.objects.filter(pk__in=pks).update(contributors=number, largest=big)
        insert_rows(model, rows)
    return counts


def insert_rows(model: type[IndicatorValue] | type[EnterpriseValue], rows: list[dict[str, Any]]) -> None:
    """INSERT figure rows: ``COPY`` on PostgreSQL (one round trip for thousands of rows, where an
    ``executemany`` spends most of a roll-up's time), the framework's ``bulk_insert`` elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        bulk_insert(model, rows)
        return
    columns = list(rows[0])
    table = connection.ops.quote_name(model._meta.db_table)
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    names = ", ".join(connection.ops.quote_name(column_of[c]) for c in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


@transaction.atomic
def record_value(
    actor: User | None,
    indicator: Indicator | str,
    region: Region | str,
    period: Period | str,
    value: Decimal | int | float | str,
    note: str = "",
) -> IndicatorValue:
    """Enter one region figure by hand (a new version unless it equals the current one)."""
    from tiaodu.regions.services import get_region

    ind = find_indicator(indicator)
    reg = region if isinstance(region, Region) else get_region(region)
    if actor is not None and not can(actor, "add", IndicatorValue):
        raise Forbidden(audit=f"add monitoring.indicatorvalue region={reg.code}")
    check_figure_region(reg)
    check_value(ind, to_value(value))
    per = period_row(period)
    problems = part_whole_errors(IndicatorValue, reg.pk, per.pk, {ind.pk: to_value(value)})
    if problems:
        raise InvalidInput(problems)
    name = note or (f"{actor.get_full_name() or actor.username}录入" if actor is not None else "系统录入")
    source = new_source(ValueOrigin.MANUAL, name, actor)
    write_versions(IndicatorValue, [(reg.pk, ind.pk, per.pk, to_value(value))], source)
    saved = IndicatorValue.objects.get(region=reg, indicator=ind, period=per, is_current=True)
    if actor is not None:
        ensure_permitted(actor, "add", saved)
    return saved


def check_value(indicator: Indicator, value: Decimal) -> None:
    """Rules every figure obeys whatever its way in (import, manual entry, reporting round): a share
    lies between 0 and 100%; a level is not negative unless the catalogue allows it (利润总额)."""
    if indicator.kind == IndicatorKind.LEVEL and value < 0 and not indicator.may_be_negative:
        raise invalid(
            "value",
            "negative_value",
            f"{indicator.name}不能为负数(现为{value.normalize():f}{indicator.unit})",
        )
    if indicator.kind == "ratio":
        if value > 100:
            raise invalid(
                "value", "share_over_100", f"{indicator.name}为比重,不能超过100%(现为{value.normalize():f}%)"
            )
        if value < 0:
            raise invalid("value", "share_negative", f"{indicator.name}为比重,不能为负数")


def part_whole_pairs() -> list[tuple[Indicator, Indicator]]:
    """(part, whole) of the catalogue: a level and the level it is a share of (技改投资 in 工业投资),
    and the numerator and denominator of each ratio."""
    pairs: dict[tuple[int, int], tuple[Indicator, Indicator]] = {}
    for ind in Indicator.objects.select_related("share_of", "numerator", "denominator"):
        if ind.share_of is not None:
            pairs[(ind.pk, ind.share_of.pk)] = (ind, ind.share_of)
        if ind.kind == "ratio" and ind.numerator is not None and ind.denominator is not None:
            pairs[(ind.numerator.pk, ind.denominator.pk)] = (ind.numerator, ind.denominator)
    return list(pairs.values())


def part_whole_errors(
    model: type[IndicatorValue] | type[EnterpriseValue],
    owner_id: int,
    period_id: int,
    values: dict[int, Decimal],
) -> list[FieldError]:
    """A part larger than its whole (技改投资 above 工业投资) among the figures about to be written
    (indicator id → value) or against the owner's current figures of the same period: such a
    share would read above 100%. Used by the write paths that take a few figures at a time
    (manual entry, reporting rounds); the imports check their files the same way."""
    pairs = [(part, whole) for part, whole in part_whole_pairs() if part.pk in values or whole.pk in values]
    if not pairs:
        return []
    owner = "region_id" if model is IndicatorValue else "enterprise_id"
    wanted = {i.pk for pair in pairs for i in pair} - set(values)
    stored = dict(
        model.objects.filter(
            **{owner: owner_id}, period_id=period_id, indicator_id__in=wanted, is_current=True
        ).values_list("indicator_id", "value")
    )
    errors = []
    for part, whole in pairs:
        part_value = values.get(part.pk, stored.get(part.pk))
        whole_value = values.get(whole.pk, stored.get(whole.pk))
        if part_value is None or whole_value is None or whole_value <= 0 or part_value <= whole_value:
            continue
        errors.append(
            FieldError(
                part.code if part.pk in values else whole.code,
                "share_over_100",
                f"{part.name}({part_value.normalize():f}{part.unit})不能大于{whole.name}"
                f"({whole_value.normalize():f}{whole.unit}),否则比重超过100%",
            )
        )
    return errors


def versions(region: Region, indicator: Indicator | str, period: Period | str) -> QuerySet[IndicatorValue]:
    """Every version of one figure, newest first, with its source."""
    ind = find_indicator(indicator)
    return (
        IndicatorValue.objects.filter(region=region, indicator=ind, period__key=parse_period(period).key)
        .select_related("source", "source__user")
        .order_by("-version")
    )


def writable_regions(actor: User | None) -> QuerySet[Region] | None:
    """Regions whose figures the actor may add (None: all, for the server operator)."""
    if actor is None:
        return None
    rule = figure_regions(actor, "add", IndicatorValue.scope)
    return None if rule is None else Region.objects.filter(rule)
