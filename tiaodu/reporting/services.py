"""Reporting rounds (周报/旬报/月报): open a round for a district's enterprises or departments,
submit figures, 催报, close and freeze; key-enterprise output alerts. ADR 0024.

Every function takes the acting user (``None`` = the server operator: CLI, the demo loader), runs
in one transaction, validates everything before it writes and re-checks the scope afterwards. Work
over a round's units is set-based, as in ``tiaodu.dispatch.services``: opening is one
``INSERT … SELECT``, the missing list one query, a reminder one ``UPDATE``, the totals one
aggregate; alerts are evaluated for all key enterprises of a district in one query.

Submitted figures are monitoring figures: ``write_versions`` keeps every version (the same value
again changes nothing, a different one is version + 1) and each submission is a ``DataSource``
naming the round and the unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tiaodu.core import rounds
from tiaodu.core.concurrency import claim_version
from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, ServiceError, invalid
from tiaodu.core.permissions import can, ensure_permitted, get_scoped
from tiaodu.core.rounds import district_of as district_of
from tiaodu.enterprises.models import Enterprise
from tiaodu.monitoring import services as monitoring
from tiaodu.monitoring.choices import IndicatorKind, ValueOrigin
from tiaodu.monitoring.computations import growth_rate
from tiaodu.monitoring.models import (
    VALUE_DECIMALS,
    VALUE_DIGITS,
    EnterpriseValue,
    Indicator,
    IndicatorValue,
    StatPeriod,
)
from tiaodu.monitoring.periods import Period, parse_period
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.reporting.choices import (
    DEFAULT_ALERT_INDICATOR,
    DEFAULT_ALERT_THRESHOLD,
    DEPARTMENT_FILTERS,
    ENTERPRISE_FILTERS,
    KEY_TIERS,
    AlertAction,
    AlertState,
    RoundKind,
    UnitFilter,
    UnitKind,
)
from tiaodu.reporting.models import OutputAlert, Reminder, ReportingRound, ReportSlot

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tiaodu.accounts.models import User

ONE_DECIMAL = Decimal("0.1")
ALERT_FIELDS = [
    "state",
    "value",
    "last_year_value",
    "growth",
    "threshold",
    "raised_at",
    "round",
    "updated_at",
]
QUANTUM = Decimal(1).scaleb(-VALUE_DECIMALS)
KIND_WORDS = {RoundKind.WEEK: "周报", RoundKind.XUN: "旬报", RoundKind.MONTH: "月报"}
UNIT_WORDS: dict[str, str] = {
    UnitFilter.ABOVE_SCALE: "规上企业",
    UnitFilter.KEY: "重点企业",
    UnitFilter.ALL: "企业",
    UnitFilter.DEPARTMENTS: "部门",
}


def plain(value: Any) -> str:
    """A stored figure without trailing zeros or exponent: 1.2500 → 1.25, 6000.0000 → 6000."""
    if value is None or value == "":
        return "—"
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    text = f"{number.normalize():f}"
    return "0" if text == "-0" else text


def in_district(district: Region, lookup: str = "township") -> Q:
    return Q(**{f"{lookup}__path__startswith": district.path})


def key_enterprises(district: Region) -> QuerySet[Enterprise]:
    """The district's key enterprises: marked 重点企业, or with output of 亿元以上."""
    return Enterprise.objects.filter(in_district(district)).filter(
        Q(is_key=True) | Q(output_tier__in=KEY_TIERS)
    )


def alert_indicator_code() -> str:
    return str(getattr(settings, "REPORTING_ALERT_INDICATOR", DEFAULT_ALERT_INDICATOR))


def default_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "REPORTING_ALERT_THRESHOLD", DEFAULT_ALERT_THRESHOLD)))


def figure_basis(period: Period, cumulative: bool) -> Period:
    """The period figures are reported for: the year so far (1—m月) for a cumulative month
    figure, the period itself otherwise (weeks and 旬 have no cumulative form)."""
    if cumulative and period.is_months:
        return Period.months(period.year, 1, period.last)
    return period


def _threshold(value: Any, errors: list[FieldError]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except ArithmeticError:
        errors.append(FieldError("alert_threshold", "number_invalid", "预警阈值应为数字"))
        return None
    if not number.is_finite() or not Decimal(-100) < number <= 0:
        errors.append(
            FieldError("alert_threshold", "threshold_invalid", "预警阈值应为-100至0之间的同比增速(%),如-10")
        )
        return None
    return number.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _indicators(refs: Iterable[Any], errors: list[FieldError]) -> list[Indicator]:
    names = monitoring.indicator_names()
    found: list[Indicator] = []
    for ref in refs:
        indicator = ref if isinstance(ref, Indicator) else names.get(monitoring.name_key(str(ref)))
        if indicator is None:
            errors.append(FieldError("indicators", "indicator_unknown", f"指标“{ref}”不在指标目录中"))
        elif indicator not in found:
            found.append(indicator)
    return found


# --- Opening a round ------------------------------------------------------------------------------


@transaction.atomic
def open_round(
    actor: User | None,
    *,
    district: Region,
    period: Period | str,
    indicators: Iterable[Indicator | str],
    due_on: date,
    unit_kind: str = UnitKind.ENTERPRISE,
    unit_filter: str = "",
    enterprises: QuerySet[Enterprise] | None = None,
    organizations: QuerySet[Organization] | None = None,
    cumulative: bool = True,
    alert_threshold: Any = None,
    title: str = "",
    notes: str = "",
    assignments: Mapping[Any, Iterable[Indicator | str]] | None = None,
) -> ReportingRound:
    """Open a round and create one empty slot per reporting unit (one ``INSERT … SELECT``).

    Enterprise rounds take the district's 规上 enterprises (``unit_filter`` ``above_scale``, the
    default), its key enterprises (``key``), all of them (``all``) or the ``enterprises`` given
    (``selected``); department rounds the district's departments or the ``organizations`` given.

    ``assignments`` (department rounds only) divides the work (分工): department (organisation,
    id or name) → the indicators it reports. The assigned departments are then the round's units,
    and every indicator of the round goes to exactly one of them, so no department overwrites
    another's figure.
    """
    rounds.ensure_may_open(KIND, actor)
    errors: list[FieldError] = []
    if district.level != Level.COUNTY:
        errors.append(FieldError("district", "district_invalid", "报送任务须按区县发起"))
    try:
        per = parse_period(period)
    except ServiceError as exc:
        errors += exc.errors
        per = None
    if per is not None and per.kind not in RoundKind.values:
        errors.append(
            FieldError(
                "period", "period_kind_invalid", f"报送任务的期别须为某一周、旬或月(现为“{per.full_label}”)"
            )
        )
    if unit_kind not in UnitKind.values:
        errors.append(FieldError("unit_kind", "invalid_choice", f"报送单位类型“{unit_kind}”不是可选值"))
    allowed_filters = ENTERPRISE_FILTERS if unit_kind == UnitKind.ENTERPRISE else DEPARTMENT_FILTERS
    unit_filter = unit_filter or (
        UnitFilter.SELECTED
        if (enterprises if unit_kind == UnitKind.ENTERPRISE else organizations) is not None
        else allowed_filters[0]
    )
    if unit_filter not in allowed_filters:
        errors.append(
            FieldError("unit_filter", "invalid_choice", f"报送范围“{unit_filter}”不适用于该报送单位类型")
        )
    chosen = _indicators(indicators, errors)
    if not chosen and not any(e.field == "indicators" for e in errors):
        errors.append(FieldError("indicators", "required", "请选择报送指标"))
    if unit_kind == UnitKind.ENTERPRISE:
        for indicator in chosen:
            if indicator.kind != IndicatorKind.LEVEL:
                errors.append(
                    FieldError(
                        "indicators",
                        "indicator_not_reportable",
                        f"企业只报送总量指标,“{indicator.name}”为{indicator.get_kind_display()}指标",
                    )
                )
    if per is not None and due_on < per.start:
        errors.append(FieldError("due_on", "date_order", "报送截止日期不能早于期别的开始日期"))
    threshold = _threshold(alert_threshold, errors)
    title = (title or "").strip()
    if len(title) > 64:
        errors.append(FieldError("title", "too_long", "报送任务名称不能超过64个字符"))
    if len(notes) > 2000:
        errors.append(FieldError("notes", "too_long", "说明不能超过2000个字符"))
    division: dict[int, list[Indicator]] = {}
    if assignments is not None:
        if unit_kind != UnitKind.DEPARTMENT:
            errors.append(
                FieldError("assignments", "assignments_not_allowed", "只有部门报送任务可以按部门分工指标")
            )
        else:
            division = _division(district, assignments, chosen, errors)
            organizations = Organization.objects.filter(pk__in=division)
            unit_filter = UnitFilter.SELECTED
    if errors or per is None:
        raise InvalidInput(errors)
    row = monitoring.period_row(per)
    if ReportingRound.objects.filter(district=district, unit_kind=unit_kind, period=row).exists():
        raise Conflict(
            "round_exists",
            f"{district.name}已有{per.full_label}的{UnitKind(unit_kind).label}报送任务",
            [FieldError("period", "round_exists", "该期别的报送任务已存在")],
        )
    units = _units(district, unit_kind, unit_filter, enterprises, organizations)
    cumulative = bool(cumulative and per.is_months)
    kind = RoundKind(per.kind)
    fields = {
        "district": district,
        "title": title or f"{per.full_label}{UNIT_WORDS.get(unit_filter, '')}{KIND_WORDS[kind]}",
        "unit_kind": unit_kind,
        "unit_filter": unit_filter,
        "period_kind": kind,
        "period": row,
        "cumulative": cumulative,
        "figure_period": monitoring.period_row(figure_basis(per, cumulative)),
        "due_on": due_on,
        "alert_threshold": threshold,
        "notes": notes.strip(),
    }
    rnd: ReportingRound = rounds.start(
        KIND,
        actor,
        fields,
        lambda rnd: _insert_slots(rnd, units),
        ("units", "round_no_units", "没有可报送的单位"),
        after_create=lambda rnd: rnd.indicators.set(chosen),
    )
    if division:
        through = ReportSlot.indicators.through
        slots = dict(ReportSlot.objects.filter(round=rnd).values_list("organization_id", "pk"))
        through.objects.bulk_create(
            through(reportslot_id=slots[org], indicator_id=ind.pk)
            for org, assigned in division.items()
            for ind in assigned
        )
    return rnd


def _division(
    district: Region,
    assignments: Mapping[Any, Iterable[Indicator | str]],
    chosen: list[Indicator],
    errors: list[FieldError],
) -> dict[int, list[Indicator]]:
    """Department id → its indicators, checked: departments of the district, indicators of the
    round, each indicator assigned once, none left unassigned."""
    departments = Organization.objects.filter(region=district, kind=OrgKind.DEPARTMENT, is_active=True)
    by_name = {o.name: o for o in departments}
    by_id = {o.pk: o for o in by_name.values()}
    in_round = {i.pk for i in chosen}
    division: dict[int, list[Indicator]] = {}
    owner: dict[int, str] = {}
    for key, refs in assignments.items():
        if isinstance(key, Organization):
            org = by_id.get(key.pk)
        elif isinstance(key, int):
            org = by_id.get(key)
        else:
            org = by_name.get(str(key).strip())
        if org is None:
            errors.append(
                FieldError("assignments", "organization_unknown", f"“{key}”不是{district.name}的区级部门")
            )
            continue
        assigned: list[Indicator] = []
        for indicator in _indicators(refs, errors):
            if indicator.pk not in in_round:
                errors.append(
                    FieldError(
                        "assignments",
                        "indicator_not_in_round",
                        f"{org.name}的“{indicator.name}”不是本次报送的指标",
                    )
                )
            elif indicator.pk in owner:
                errors.append(
                    FieldError(
                        "assignments",
                        "indicator_assigned_twice",
                        f"“{indicator.name}”同时分给了{owner[indicator.pk]}和{org.name},每项指标只能由一个部门报送",
                    )
                )
            else:
                owner[indicator.pk] = org.name
                assigned.append(indicator)
        if assigned:
            division.setdefault(org.pk, []).extend(assigned)
        elif not any(e.field == "assignments" for e in errors):
            errors.append(FieldError("assignments", "required", f"请为{org.name}指定报送指标"))
    left = [i.name for i in chosen if i.pk not in owner]
    if left and division:
        errors.append(
            FieldError("assignments", "indicator_unassigned", f"以下指标未分给任何部门:{'、'.join(left)}")
        )
    if not division and not any(e.field == "assignments" for e in errors):
        errors.append(FieldError("assignments", "required", "请指定各部门报送的指标"))
    return division


def parse_division(text: str) -> dict[str, list[str]]:
    """The 分工 as staff type it, one department per line: "发改委:固定资产投资、地区生产总值"
    (full- or half-width colon; 、 , ， ; or spaces between indicators). Blank lines are skipped."""
    division: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = re.split(r"[:：]", line, maxsplit=1)
        refs = [r for r in re.split(r"[、,，;；\s]+", parts[1]) if r] if len(parts) == 2 else []
        name = parts[0].strip()
        if not name or not refs:
            raise invalid(
                "assignments", "assignment_line_invalid", f"指标分工第{number}行应为“部门名称:指标、指标”"
            )
        division.setdefault(name, []).extend(refs)
    return division


def _units(
    district: Region,
    unit_kind: str,
    unit_filter: str,
    enterprises: QuerySet[Enterprise] | None,
    organizations: QuerySet[Organization] | None,
) -> QuerySet[Any]:
    """The reporting units as a queryset of (organisation, enterprise, region) rows."""
    if unit_kind == UnitKind.ENTERPRISE:
        inside = in_district(district)
        if unit_filter == UnitFilter.SELECTED:
            if enterprises is None:
                raise invalid("units", "required", "请指定报送企业")
            outside = list(enterprises.exclude(inside).values_list("name", flat=True)[:3])
            if outside:
                raise invalid(
                    "units", "enterprise_outside_district", f"企业不在{district.name}:{'、'.join(outside)}"
                )
            chosen = enterprises
        elif unit_filter == UnitFilter.KEY:
            chosen = key_enterprises(district)
        elif unit_filter == UnitFilter.ABOVE_SCALE:
            chosen = Enterprise.objects.filter(inside, is_above_scale=True)
        else:
            chosen = Enterprise.objects.filter(inside)
        return chosen.order_by().values(org=F("organization_id"), ent=F("pk"), reg=F("township_id"))
    if unit_filter == UnitFilter.SELECTED:
        if organizations is None:
            raise invalid("units", "required", "请指定报送部门")
        outside = list(
            organizations.exclude(in_district(district, "region")).values_list("name", flat=True)[:3]
        )
        if outside:
            raise invalid(
                "units", "organization_outside_district", f"单位不在{district.name}:{'、'.join(outside)}"
            )
        chosen_orgs = organizations
    else:
        chosen_orgs = Organization.objects.filter(region=district, kind=OrgKind.DEPARTMENT, is_active=True)
    return chosen_orgs.order_by().values(org=F("pk"), reg=F("region_id"))


def _insert_slots(rnd: ReportingRound, units: QuerySet[Any]) -> int:
    """One empty slot per unit: ``INSERT … SELECT`` over the units' rows."""
    now = rounds.now_param()
    enterprise = "s.ent" if rnd.unit_kind == UnitKind.ENTERPRISE else "NULL"
    return rounds.insert_select(
        ReportSlot,
        [
            "round_id",
            "organization_id",
            "enterprise_id",
            "region_id",
            "submission_count",
            "reminded_count",
            "version",
            "created_at",
            "updated_at",
        ],
        f"%s, s.org, {enterprise}, s.reg, 0, 0, 1, %s, %s",
        units,
        [rnd.pk, now, now],
    )


# --- Submitting ---------------------------------------------------------------------------------


@dataclass
class Submission:
    slot: ReportSlot
    created: int = 0
    revised: int = 0
    unchanged: int = 0


def round_slot(rnd: ReportingRound, slot_id: int, actor: User | None = None) -> ReportSlot:
    """The round's slot. For a user, a slot outside the round is 404 like a slot outside the
    user's slice, so the answer does not tell which slots exist; the operator (``actor=None``)
    gets ``slot_not_in_round``."""
    slot = ReportSlot.objects.filter(round=rnd, pk=slot_id).first()
    if slot is None:
        if actor is not None:
            raise NotFound()
        raise invalid("slot", "slot_not_in_round", f"该报送单位不在“{rnd.title}”中")
    return slot


def slot_for_unit(rnd: ReportingRound, organization_id: int) -> ReportSlot:
    """The round's slot of a unit (organisation), or ``slot_not_in_round``."""
    slot = ReportSlot.objects.filter(round=rnd, organization_id=organization_id).first()
    if slot is None:
        raise invalid("slot", "slot_not_in_round", f"该单位不在“{rnd.title}”中")
    return slot


def round_closed(rnd: ReportingRound) -> Conflict:
    return rounds.round_closed(KIND, rnd)


def _value(raw: Any) -> Decimal:
    """``monitoring.to_value``, with huge numbers refused before rounding (quantizing 1e30 to four
    decimals overflows the decimal context: ``InvalidOperation`` instead of a clear error)."""
    text = raw.strip().replace(",", "") if isinstance(raw, str) else raw
    try:
        number = Decimal(repr(text)) if isinstance(text, float) else Decimal(text)
    except (ArithmeticError, ValueError, TypeError):
        raise invalid("value", "number_invalid", f"“{raw}”不是数字") from None
    if number.is_finite() and abs(number) >= monitoring.MAX_VALUE:
        raise invalid("value", "number_too_large", f"数值{raw}超出范围")
    return monitoring.to_value(text)


def slot_indicators(rnd: ReportingRound, slot: ReportSlot) -> list[Indicator]:
    """What the unit reports: its share of a divided department round, else the round's indicators."""
    own = list(slot.indicators.order_by("order", "code"))
    return own or list(rnd.indicators.order_by("order", "code"))


def _elsewhere(rnd: ReportingRound, slot: ReportSlot) -> dict[int, str]:
    """Indicators of the round reported by another department (indicator id → its name)."""
    through = ReportSlot.indicators.through
    rows = through.objects.filter(reportslot__round=rnd).exclude(reportslot=slot)
    return dict(rows.values_list("indicator_id", "reportslot__organization__name"))


def validate_values(
    indicators: list[Indicator], values: Mapping[str, Any], elsewhere: Mapping[int, str] | None = None
) -> tuple[dict[int, Decimal], list[FieldError]]:
    """The cleaned figures (by indicator id) and every problem with them. Keys are indicator
    codes, names or aliases; errors name the indicator's code as the field. ``elsewhere``: the
    round's indicators another department reports (id → department), refused by name."""
    errors: list[FieldError] = []
    catalogue = monitoring.indicator_names()
    wanted = {i.pk: i for i in indicators}
    cleaned: dict[int, Decimal] = {}
    seen: dict[int, str] = {}
    for ref, raw in values.items():
        indicator = catalogue.get(monitoring.name_key(str(ref)))
        if indicator is None:
            errors.append(FieldError(str(ref), "indicator_unknown", f"指标“{ref}”不在指标目录中"))
            continue
        if indicator.pk not in wanted and elsewhere and indicator.pk in elsewhere:
            errors.append(
                FieldError(
                    indicator.code,
                    "indicator_assigned_elsewhere",
                    f"“{indicator.name}”由{elsewhere[indicator.pk]}报送,不在本单位的分工内",
                )
            )
            continue
        if indicator.pk not in wanted:
            errors.append(
                FieldError(indicator.code, "indicator_not_in_round", f"“{indicator.name}”不是本次报送的指标")
            )
            continue
        if indicator.pk in seen:
            errors.append(
                FieldError(
                    indicator.code,
                    "duplicate_indicator",
                    f"“{indicator.name}”填写了两次(“{seen[indicator.pk]}”和“{ref}”)",
                )
            )
            continue
        seen[indicator.pk] = str(ref)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            value = _value(raw)
            monitoring.check_value(indicator, value)
        except ServiceError as exc:
            errors += [
                FieldError(
                    indicator.code,
                    e.code,
                    e.message if e.message.startswith(indicator.name) else f"{indicator.name}:{e.message}",
                )
                for e in exc.errors
            ]
            continue
        cleaned[indicator.pk] = value
    for indicator in indicators:
        if indicator.pk not in cleaned and not any(e.field == indicator.code for e in errors):
            errors.append(FieldError(indicator.code, "required", f"请填写{indicator.name}"))
    return cleaned, errors


def unit_name(slot: ReportSlot) -> str:
    return slot.enterprise.name if slot.enterprise is not None else slot.organization.name


def slot_values(rnd: ReportingRound, slot: ReportSlot) -> dict[str, Any]:
    """A slot as a writer sees it (the ``current`` of a 409 ``stale_write``): the current figures
    by indicator code, and when and how often it was submitted."""
    figures = current_figures(rnd, slot)
    return {
        "values": {i.code: plain(figures[i.pk].value) for i in slot_indicators(rnd, slot) if i.pk in figures},
        "submitted": slot.submitted_at is not None,
        "submitted_at": slot.submitted_at.isoformat() if slot.submitted_at else None,
        "submission_count": slot.submission_count,
    }


@transaction.atomic
def submit(
    actor: User | None,
    round_id: int,
    slot_id: int,
    values: Mapping[str, Any],
    version: int | None = None,
) -> Submission:
    """Fill in (or, while the round is open, correct) a unit's figures.

    Every indicator of the round is required. The figures are written as monitoring figures of
    the round's figure period — the enterprise's own, or the district's for a department — with a
    new :class:`DataSource`; a value equal to the current figure changes nothing, a different one
    is a new version.

    ``version`` is the slot's version the writer read (the form's hidden field, the API's
    ``version`` or ``If-Match``): when someone else submitted since, nothing is written and the
    writer gets 409 ``stale_write`` with the current figures. ``None``: not checked.
    """
    rnd = rounds.lock_for_submit(KIND, actor, round_id)
    slot = round_slot(rnd, slot_id, actor)
    if actor is not None:
        slot = get_scoped(ReportSlot, actor, "change", pk=slot.pk)
    slot = ReportSlot.objects.select_related("organization", "enterprise").get(pk=slot.pk)
    cleaned, errors = validate_values(slot_indicators(rnd, slot), values, elsewhere=_elsewhere(rnd, slot))
    if slot.enterprise_id is not None:
        model: type[EnterpriseValue] | type[IndicatorValue] = EnterpriseValue
        owner = slot.enterprise_id
    else:
        model, owner = IndicatorValue, rnd.district_id
    if not errors:  # a part above its whole, in this report or against the stored figures
        errors = monitoring.part_whole_errors(model, owner, rnd.figure_period_id, cleaned)
    if errors:
        raise InvalidInput(errors)
    claim_version(slot, version, slot_values(rnd, slot) if version is not None else {})
    name = unit_name(slot)
    who = (actor.get_full_name() or actor.username) if actor is not None else "系统"
    source = monitoring.new_source(
        ValueOrigin.MANUAL,
        f"{rnd.title}:{name}填报({who})",
        actor,
        {"round": rnd.pk, "slot": slot.pk, "unit": name},
    )
    items = [(owner, indicator_id, rnd.figure_period_id, value) for indicator_id, value in cleaned.items()]
    counts = monitoring.write_versions(model, items, source)
    source.detail = {
        **source.detail,
        "created": counts.created,
        "revised": counts.revised,
        "unchanged": counts.unchanged,
    }
    source.save(update_fields=["detail"])
    slot.submitted_by = actor
    slot.submitted_at = timezone.now()
    slot.submission_count += 1
    slot.source = source
    slot.save()
    if actor is not None:
        ensure_permitted(actor, "change", slot)
    return Submission(slot, counts.created, counts.revised, counts.unchanged)


def current_figures(rnd: ReportingRound, slot: ReportSlot) -> dict[int, Any]:
    """The slot's current figures of the round's indicators (by indicator id), with their source:
    the enterprise's own, or the district's for a department slot."""
    if slot.enterprise_id is not None:
        rows: QuerySet[Any] = EnterpriseValue.objects.filter(enterprise_id=slot.enterprise_id)
    else:
        rows = IndicatorValue.objects.filter(region_id=rnd.district_id)
    return {
        row.indicator_id: row
        for row in rows.filter(
            period_id=rnd.figure_period_id, indicator__in=slot_indicators(rnd, slot), is_current=True
        ).select_related("source", "source__user")
    }


def figure_versions(rnd: ReportingRound, slot: ReportSlot) -> list[Any]:
    """Every version of the slot's figures of the round's indicators, newest first, with sources."""
    if slot.enterprise_id is not None:
        rows: QuerySet[Any] = EnterpriseValue.objects.filter(enterprise_id=slot.enterprise_id)
    else:
        rows = IndicatorValue.objects.filter(region_id=rnd.district_id)
    return list(
        rows.filter(period_id=rnd.figure_period_id, indicator__in=slot_indicators(rnd, slot))
        .select_related("indicator", "source", "source__user")
        .order_by("indicator__order", "indicator__code", "-version")
    )


# --- 催报 ---------------------------------------------------------------------------------------


def missing(rnd: ReportingRound) -> QuerySet[ReportSlot]:
    """The round's slots without a submission yet (the 催报 list)."""
    return (
        ReportSlot.objects.filter(round=rnd, submitted_at__isnull=True)
        .select_related("organization", "enterprise", "region")
        .order_by("organization__name", "pk")
    )


def remind(actor: User | None, round_id: int, note: str = "") -> Reminder:
    """催报: count a reminder on each missing slot (one UPDATE) and record who reminded whom."""
    reminder: Reminder = rounds.remind(KIND, actor, round_id, note)
    return reminder


# --- Totals and closing ---------------------------------------------------------------------------


@dataclass
class IndicatorTotal:
    code: str
    name: str
    unit: str
    sum: Decimal | None
    count: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "unit": self.unit,
            "sum": None if self.sum is None else plain(self.sum),
            "count": self.count,
        }


@dataclass
class Totals:
    expected: int
    reported: int
    indicators: list[IndicatorTotal] = field(default_factory=list)
    # True: the figures of the viewer's slice of the round, not of the whole round
    partial: bool = False

    @property
    def missing(self) -> int:
        return self.expected - self.reported

    @property
    def rate(self) -> Decimal | None:
        """报送率 = 已报 / 应报 (%), one decimal, rounded half up."""
        if not self.expected:
            return None
        return (Decimal(self.reported) * 100 / Decimal(self.expected)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def _sum(value: Any) -> Decimal | None:
    # SQLite sums decimals as floats: back to the figures' four decimals.
    return None if value is None else Decimal(str(value)).quantize(QUANTUM, rounding=ROUND_HALF_UP)


def totals(
    rnd: ReportingRound,
    slots: QuerySet[ReportSlot] | None = None,
    user: User | AnonymousUser | None = None,
) -> Totals:
    """The round's figures, live while open, in one aggregate query over the slots: counts, and
    per indicator the sum and count of the submitted enterprises' current figures (correlated
    subqueries). A department round's indicator totals are the district's current figures.
    ``slots`` (a viewer's slice) limits the slots counted; ``user`` the district figures to those
    the user may see."""
    indicators = list(rnd.indicators.order_by("order", "code"))
    submitted = Q(submitted_at__isnull=False)
    slots = (ReportSlot.objects.all() if slots is None else slots).filter(round=rnd)
    aggregates: dict[str, Any] = {"expected": Count("pk"), "reported": Count("pk", filter=submitted)}
    if rnd.is_enterprise_round:
        annotations = {
            f"v{i.pk}": Subquery(
                EnterpriseValue.objects.filter(
                    enterprise_id=OuterRef("enterprise_id"),
                    indicator_id=i.pk,
                    period_id=rnd.figure_period_id,
                    is_current=True,
                ).values("value")[:1],
                output_field=DecimalField(max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS),
            )
            for i in indicators
        }
        slots = slots.annotate(**annotations)
        for i in indicators:
            aggregates[f"s{i.pk}"] = Sum(f"v{i.pk}", filter=submitted)
            aggregates[f"n{i.pk}"] = Count(f"v{i.pk}", filter=submitted)
    row = slots.aggregate(**aggregates)
    result = Totals(expected=row["expected"] or 0, reported=row["reported"] or 0)
    if rnd.is_enterprise_round:
        for i in indicators:
            total = _sum(row[f"s{i.pk}"]) if i.additive else None
            result.indicators.append(IndicatorTotal(i.code, i.name, i.unit, total, row[f"n{i.pk}"] or 0))
    else:
        figures = IndicatorValue.objects.all() if user is None else IndicatorValue.objects.restrict(user)
        district = dict(
            figures.filter(
                region_id=rnd.district_id,
                period_id=rnd.figure_period_id,
                indicator__in=indicators,
                is_current=True,
            ).values_list("indicator_id", "value")
        )
        for i in indicators:
            value = district.get(i.pk)
            result.indicators.append(
                IndicatorTotal(i.code, i.name, i.unit, _sum(value), 0 if value is None else 1)
            )
    return result


def report_rate(reported: int, expected: int) -> Decimal | None:
    """报送率 (%), one decimal, rounded half up."""
    return Totals(expected, reported).rate


def with_progress(
    rounds: QuerySet[ReportingRound], user: User | AnonymousUser | None = None
) -> QuerySet[ReportingRound]:
    """Rounds annotated with ``live_expected`` and ``live_reported``, the number of slots and of
    submitted slots (one subquery each; equal to the frozen counts once a round is closed, because
    nothing is submitted after) — of ``user``'s slice of each round when given (issue 13: a
    township or an enterprise sees the progress of its own units, not the district's) — and with
    the alert counts :func:`shown_alert_count` reads."""
    slots = ReportSlot.objects.all() if user is None else ReportSlot.objects.restrict(user)

    def count(rows: QuerySet[Any], **lookups: Any) -> Any:
        grouped = rows.filter(**lookups).order_by().values(*lookups).annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(grouped[:1], output_field=IntegerField()), 0)

    annotated = rounds.annotate(
        live_expected=count(slots, round=OuterRef("pk")),
        live_reported=count(slots.filter(submitted_at__isnull=False), round=OuterRef("pk")),
    )
    if user is None:
        return annotated
    alerts = OutputAlert.objects.exclude(state=AlertState.CLEARED)
    where = {"district": OuterRef("district"), "period": OuterRef("figure_period")}
    if not can(user, "view", OutputAlert):
        return annotated.annotate(alerts_hidden=Value(True))
    visible = alerts.filter(pk__in=OutputAlert.objects.restrict(user).values("pk"))
    return annotated.annotate(alerts_all=count(alerts, **where), alerts_seen=count(visible, **where))


def shown_alert_count(rnd: Any) -> int | None:
    """The round's 预警数 as the viewer may see it (issue 13, L3): ``None`` for a viewer who may
    see no alerts (enterprises, project owners); the frozen count for a viewer who sees every
    alert of the round's district and period; else the alerts the viewer sees (not cleared). A
    round not annotated by :func:`with_progress` with a user shows its frozen count."""
    if getattr(rnd, "alerts_hidden", False):
        return None
    if (
        not hasattr(rnd, "alerts_seen")
        or rnd.is_open
        or not rnd.is_enterprise_round  # raises no alerts: 0
        or rnd.alerts_seen == rnd.alerts_all
    ):
        return int(rnd.alert_count)
    return int(rnd.alerts_seen)


def viewer_totals(user: User | AnonymousUser | None, rnd: ReportingRound) -> Totals:
    """The figures of a round as ``user`` may see them (issue 13): a viewer who sees every slot of
    the round gets the round's figures (frozen when closed, live while open); a viewer who sees
    only some gets the figures of those (live), marked ``partial`` — district figures of a
    department round only when the viewer may see them. ``None`` is the server operator."""
    if user is None:
        return frozen_totals(rnd)
    visible = ReportSlot.objects.restrict(user)
    if visible.filter(round=rnd).count() == ReportSlot.objects.filter(round=rnd).count():
        return frozen_totals(rnd)
    figures = totals(rnd, visible, user)
    figures.partial = True
    return figures


def frozen_totals(rnd: ReportingRound) -> Totals:
    """A round's figures: frozen when closed, computed while open."""
    if rnd.is_open:
        return totals(rnd)
    return Totals(
        expected=rnd.expected_count,
        reported=rnd.reported_count,
        indicators=[
            IndicatorTotal(
                t["code"], t["name"], t["unit"], None if t["sum"] is None else Decimal(t["sum"]), t["count"]
            )
            for t in rnd.totals or []
        ],
    )


def close_round(actor: User | None, round_id: int) -> ReportingRound:
    """Close a round: freeze its totals, refuse further submissions, and (enterprise rounds) raise
    the key-enterprise output alerts of the district for the round's figure period."""
    rnd: ReportingRound = rounds.close(KIND, actor, round_id)
    return rnd


class ReportingKind(rounds.RoundKind):
    name = "reporting"
    noun = "报送任务"
    unit_noun = "单位"
    round_model = ReportingRound
    slot_model = ReportSlot
    reminder_model = Reminder
    nothing_missing_message = "所有单位均已报送,无需催报"

    def title(self, rnd: ReportingRound) -> str:
        return rnd.title

    def closed_message(self, rnd: ReportingRound) -> str:
        return f"“{rnd.title}”已关闭,不能再填报或修改"

    def missing_units(self, rnd: ReportingRound) -> list[dict[str, Any]]:
        rows = missing(rnd).values_list("pk", "organization__name", "enterprise__name")
        return [{"slot": pk, "unit": ent or org} for pk, org, ent in rows]

    def freeze(self, rnd: ReportingRound, now: Any) -> None:
        figures = totals(rnd)
        rnd.expected_count = figures.expected
        rnd.reported_count = figures.reported
        rnd.report_rate = figures.rate
        rnd.totals = [t.as_dict() for t in figures.indicators]
        if rnd.is_enterprise_round:
            run = evaluate_alerts(
                rnd.district, rnd.figure_period.period, threshold=rnd.alert_threshold, rnd=rnd
            )
            rnd.alert_count = run.raised + run.updated + run.unchanged

    def find(self, district: Region, period: str, **options: Any) -> ReportingRound:
        unit_kind = options.get("unit_kind") or UnitKind.ENTERPRISE
        row = monitoring.period_row(parse_period(period))
        rnd = ReportingRound.objects.filter(district=district, unit_kind=unit_kind, period=row).first()
        if rnd is None:
            raise invalid(
                "period",
                "round_unknown",
                f"{district.name}没有{row.period.full_label}的{UnitKind(unit_kind).label}报送任务",
            )
        return rnd


KIND = rounds.register(ReportingKind())


# --- Key-enterprise output alerts ----------------------------------------------------------------


@dataclass
class AlertRun:
    """What one evaluation found: ``evaluated`` key enterprises with a figure this period,
    ``no_basis`` of them without last year's (or with zero), alerts ``raised`` (new), ``updated``
    (figures revised, or raised again after being cleared), ``unchanged``, ``cleared``."""

    district: Region
    period: StatPeriod
    indicator: Indicator
    threshold: Decimal
    evaluated: int = 0
    no_basis: int = 0
    raised: int = 0
    updated: int = 0
    unchanged: int = 0
    cleared: int = 0
    alerts: list[OutputAlert] = field(default_factory=list)

    @property
    def message(self) -> str:
        return (
            f"{self.district.name}{self.period.label}{self.indicator.name}:重点企业{self.evaluated}家有数据,"
            f"其中{self.no_basis}家无上年同期数据;同比降幅超过{-self.threshold}%的"
            f"{self.raised + self.updated + self.unchanged}家(新增{self.raised}、更新{self.updated}),"
            f"解除{self.cleared}家"
        )


@transaction.atomic
def raise_alerts(
    actor: User | None,
    district: Region,
    period: Period | str,
    *,
    indicator: Indicator | str | None = None,
    threshold: Any = None,
    cumulative: bool = True,
) -> AlertRun:
    """Evaluate the output of a district's key enterprises for a period and raise, update or clear
    their alerts (idempotent). A month is compared on the cumulative basis (1—m月) unless
    ``cumulative`` is false. The actor must be able to open rounds in the district."""
    if actor is not None and (not can(actor, "add", ReportingRound) or not _within_reach(actor, district)):
        raise Forbidden(audit=f"add reporting.outputalert district={district.code}")
    errors: list[FieldError] = []
    limit = _threshold(threshold, errors)
    if errors:
        raise InvalidInput(errors)
    if district.level != Level.COUNTY:
        raise invalid("district", "district_invalid", "预警须按区县计算")
    basis = figure_basis(parse_period(period), cumulative)
    return evaluate_alerts(district, basis, indicator=indicator, threshold=limit)


def _within_reach(actor: User, district: Region) -> bool:
    from tiaodu.accounts.choices import Role

    if actor.is_superuser or actor.role == Role.ADMIN:
        return True
    return actor.region is not None and district.path.startswith(actor.region.path)


def evaluate_alerts(
    district: Region,
    period: Period,
    *,
    indicator: Indicator | str | None = None,
    threshold: Decimal | None = None,
    rnd: ReportingRound | None = None,
) -> AlertRun:
    """The alert rule (no permission check: callers check). For every key enterprise of the
    district with a current figure of ``indicator`` for ``period`` — one query, this year's and last
    year's figures as correlated subqueries — growth = (this − last) ÷ |last| × 100, one decimal
    rounded half up (``monitoring.computations.growth_rate``); growth *below* the threshold raises
    an alert. No last-year figure (or zero): no growth, no alert, counted in ``no_basis``."""
    ind = monitoring.find_indicator(indicator or alert_indicator_code())
    if ind.kind != IndicatorKind.LEVEL:
        raise invalid("indicator", "indicator_not_level", f"“{ind.name}”不是总量指标,不能计算同比增速")
    limit = default_threshold() if threshold is None else threshold
    this_row = monitoring.period_row(period)
    last_row = monitoring.period_row(period.same_period_last_year())
    run = AlertRun(district=district, period=this_row, indicator=ind, threshold=limit)

    def figure(row: StatPeriod) -> Subquery:
        return Subquery(
            EnterpriseValue.objects.filter(
                enterprise_id=OuterRef("pk"), indicator_id=ind.pk, period_id=row.pk, is_current=True
            ).values("value")[:1],
            output_field=DecimalField(max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS),
        )

    rows = list(
        key_enterprises(district)
        .annotate(this=figure(this_row), last=figure(last_row))
        .filter(this__isnull=False)
        .values_list("pk", "this", "last")
    )
    existing = {
        a.enterprise_id: a
        for a in OutputAlert.objects.select_for_update().filter(
            indicator=ind, period=this_row, enterprise_id__in=[pk for pk, _t, _l in rows]
        )
    }
    now = timezone.now()
    created: list[OutputAlert] = []
    changed: list[OutputAlert] = []
    for pk, this, last in rows:
        run.evaluated += 1
        growth = growth_rate(this, last)
        alert = existing.get(pk)
        if growth is None:
            run.no_basis += 1
        if growth is None or growth >= limit:
            if alert is not None and alert.state in (AlertState.OPEN, AlertState.ACKNOWLEDGED):
                alert.state, alert.value, alert.updated_at = AlertState.CLEARED, this, now
                if last is not None:
                    alert.last_year_value = last
                if growth is not None:
                    alert.growth = growth
                changed.append(alert)
                run.cleared += 1
            continue
        if alert is None:
            alert = OutputAlert(
                enterprise_id=pk,
                district=district,
                round=rnd,
                indicator=ind,
                period=this_row,
                value=this,
                last_year_value=last,
                growth=growth,
                threshold=limit,
                raised_at=now,
                updated_at=now,
            )
            created.append(alert)
            run.raised += 1
        elif alert.state == AlertState.CLEARED or (
            alert.value,
            alert.last_year_value,
            alert.growth,
            alert.threshold,
        ) != (this, last, growth, limit):
            alert.value, alert.last_year_value, alert.growth, alert.threshold = this, last, growth, limit
            alert.updated_at = now
            if alert.state == AlertState.CLEARED:
                alert.state, alert.raised_at = AlertState.OPEN, now
            if alert.round_id is None and rnd is not None:
                alert.round = rnd
            changed.append(alert)
            run.updated += 1
        else:
            run.unchanged += 1
        run.alerts.append(alert)
    # Set-based writes (one INSERT and one UPDATE per batch): like the figures themselves, they
    # bypass the per-object change log; the round's save and every follow-up are logged.
    OutputAlert.objects.bulk_create(created, batch_size=500)
    OutputAlert.objects.bulk_update(changed, ALERT_FIELDS, batch_size=500)
    return run


@transaction.atomic
def follow_up(actor: User | None, alert_id: int, action: str, note: str = "") -> OutputAlert:
    """知悉 (acknowledge) or 处置 (handle, with a note saying what was done) an open alert."""
    if actor is not None:
        alert = get_scoped(OutputAlert, actor, "change", pk=alert_id)
    else:
        alert = OutputAlert.objects.select_for_update().get(pk=alert_id)
    note = (note or "").strip()
    errors: list[FieldError] = []
    if action not in AlertAction.values:
        errors.append(
            FieldError("action", "invalid_choice", f"操作“{action}”不是可选值(acknowledge、handle)")
        )
    if action == AlertAction.HANDLE and not note:
        errors.append(FieldError("note", "required", "请填写处置情况"))
    if len(note) > 2000:
        errors.append(FieldError("note", "too_long", "处置情况不能超过2000个字符"))
    if errors:
        raise InvalidInput(errors)
    allowed = {
        AlertAction.ACKNOWLEDGE: (AlertState.OPEN,),
        AlertAction.HANDLE: (AlertState.OPEN, AlertState.ACKNOWLEDGED),
    }[AlertAction(action)]
    if alert.state not in allowed:
        raise Conflict(
            "transition_not_allowed",
            f"预警当前为“{alert.get_state_display()}”,不能{AlertAction(action).label}",
        )
    now = timezone.now()
    if action == AlertAction.ACKNOWLEDGE:
        alert.state, alert.acknowledged_by, alert.acknowledged_at = AlertState.ACKNOWLEDGED, actor, now
        if note:
            alert.note = note
    else:
        alert.state, alert.handled_by, alert.handled_at, alert.note = AlertState.HANDLED, actor, now, note
        if alert.acknowledged_at is None:
            alert.acknowledged_by, alert.acknowledged_at = actor, now
    alert.save()
    if actor is not None:
        ensure_permitted(actor, "change", alert)
    return alert
