"""Multi-year targets (到2026年实现招商引资到位资金1000亿元): setting them and their progress.

A :class:`~tiaodu.targets.models.MultiYearTarget` spans ``first_year``–``last_year`` (at most
:data:`MAX_SPAN` years) of an additive amount (a level that may be summed: 到位资金, 固定资产投资;
never a rate, a ratio or an index). The rules (ADR 0025, multi-year targets):

* **Completed** as of a period = the full-year cumulative figure (1—12月) of each past year of the
  span + the current year's latest cumulative figure up to the period (the same choice as the
  annual assessment, :func:`tiaodu.targets.services.stored_months`). A past year without its
  full-year figure is named in a note and not counted (never taken as zero).
* **完成率** = completed ÷ target × 100; **序时进度** = months elapsed in the span ÷ months of the
  span × 100 (the current year's months are those of its figure); both one decimal.
* **Yearly parts**: the annual targets of the span's years; their sum is compared with the
  multi-year value and a note warns when they do not add up (or some years have none).

Writing goes through :func:`set_multiyear_target` (create or revise: a change is a new version),
:func:`create_multiyear_target`, :func:`revise_multiyear_target`, :func:`delete_multiyear_target`;
each takes the acting user (``None`` = the operator) and re-checks the scope after saving.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction

from tiaodu.core import figures as fig
from tiaodu.core.errors import Conflict, FieldError, InvalidInput, ServiceError, invalid
from tiaodu.core.permissions import get_scoped
from tiaodu.monitoring.choices import IndicatorKind
from tiaodu.monitoring.computations import figures, value_text
from tiaodu.monitoring.models import Indicator, IndicatorValue
from tiaodu.monitoring.periods import MONTH_KINDS, Period, parse_period
from tiaodu.monitoring.services import find_indicator
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region
from tiaodu.regions.services import check_figure_region, get_region
from tiaodu.targets.choices import Status
from tiaodu.targets.models import MultiYearTarget, MultiYearTargetRevision, Target
from tiaodu.targets.services import (
    HUNDRED,
    MAX_NOTE,
    MAX_REASON,
    MONTHS,
    UNSET,
    _decimal,
    _points,
    _status,
    apply_change,
    check_year,
    create_versioned,
    delete_versioned,
    num,
    pct,
    resolve_responsible,
    round1,
    stored_months,
    upto_month,
)

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

MAX_SPAN = 10  # years


# --- validation ----------------------------------------------------------------------------------


def summable(indicator: Indicator) -> bool:
    """Whether the years of ``indicator`` may be summed: an additive level (an amount, a count)."""
    return indicator.kind == IndicatorKind.LEVEL and indicator.additive


def check_multiyear(
    indicator: Indicator | None, first_year: int | None, last_year: int | None, value: Decimal | None
) -> list[FieldError]:
    """The rules of a multi-year target whatever its way in (form, API, import)."""
    errors: list[FieldError] = []
    if first_year is not None and last_year is not None:
        if last_year < first_year:
            errors.append(
                FieldError(
                    "last_year",
                    "span_reversed",
                    f"截止年({last_year}年)不能早于起始年({first_year}年)",
                )
            )
        elif last_year - first_year + 1 > MAX_SPAN:
            errors.append(
                FieldError(
                    "last_year",
                    "span_too_long",
                    f"目标期最长{MAX_SPAN}年(现为{first_year}—{last_year}年,共{last_year - first_year + 1}年)",
                )
            )
    if indicator is not None and not summable(indicator):
        what = indicator.get_kind_display() if indicator.kind != IndicatorKind.LEVEL else "不可加总的总量"
        errors.append(
            FieldError(
                "indicator",
                "indicator_not_summable",
                f"“{indicator.name}”是{what}指标,各年数值不能累加,不能设定多年目标"
                "(多年目标只适用于到位资金、固定资产投资等可累加的总量指标)",
            )
        )
    if value is None:
        errors.append(FieldError("value", "required", "请填写多年目标值"))
    elif value <= 0:
        errors.append(FieldError("value", "target_not_positive", f"多年目标值须大于0(现为{num(value)})"))
    return errors


def _clean(
    region: Region | str,
    indicator: Indicator | str,
    first_year: Any,
    last_year: Any,
    value: Any,
    responsible: Organization | int | str | None,
    note: str,
) -> tuple[Region, Indicator, int, int, Decimal, Organization | None, str]:
    errors: list[FieldError] = []
    reg = ind = org = None
    first = last = None
    val = None
    steps: list[tuple[str, Any]] = [
        ("region", lambda: region if isinstance(region, Region) else get_region(region)),
        ("indicator", lambda: find_indicator(indicator)),
        ("first_year", lambda: check_year(first_year)),
        ("last_year", lambda: check_year(last_year)),
        ("value", lambda: _decimal(value, "value")),
    ]
    got: dict[str, Any] = {}
    for name, step in steps:
        try:
            got[name] = step()
            if name == "region":
                check_figure_region(got[name])
        except ServiceError as exc:
            # check_year speaks of "year": the error belongs to the field it was asked for
            errors += [FieldError(name, e.code, e.message) for e in exc.errors]
    reg, ind = got.get("region"), got.get("indicator")
    first, last, val = got.get("first_year"), got.get("last_year"), got.get("value")
    if not any(e.field == "value" for e in errors):
        errors += check_multiyear(ind, first, last, val)
    if reg is not None:
        try:
            org = resolve_responsible(responsible, reg)
        except ServiceError as exc:
            errors += exc.errors
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors.append(FieldError("note", "too_long", f"备注不能超过{MAX_NOTE}个字符"))
    if errors:
        raise InvalidInput(errors)
    assert reg is not None and ind is not None and first is not None and last is not None and val is not None
    return reg, ind, first, last, val, org, note


# --- writing -------------------------------------------------------------------------------------


def _revision(target: MultiYearTarget, actor: User | None, reason: str, source: str) -> None:
    MultiYearTargetRevision.objects.create(
        target=target,
        version=target.version,
        value=target.value,
        responsible=target.responsible,
        note=target.note,
        reason=reason[:MAX_REASON],
        set_by=actor,
        set_at=target.set_at,
        source=source[:255],
    )


def _label(reg: Region, ind: Indicator, first: int, last: int) -> str:
    return f"{reg.name}{first}—{last}年{ind.name}多年目标"


@transaction.atomic
def set_multiyear_target(
    actor: User | None,
    region: Region | str,
    indicator: Indicator | str,
    first_year: Any,
    last_year: Any,
    *,
    value: Any,
    responsible: Organization | int | str | None = None,
    note: str = "",
    reason: str = "",
    source: str = "",
) -> tuple[MultiYearTarget, str]:
    """Create the multi-year target or revise the existing one of the same region, indicator and
    span; returns it and "created", "updated" or "unchanged"."""
    reg, ind, first, last, val, org, text = _clean(
        region, indicator, first_year, last_year, value, responsible, note
    )
    existing = (
        MultiYearTarget.objects.select_for_update()
        .filter(region=reg, indicator=ind, first_year=first, last_year=last)
        .first()
    )
    if existing is None:
        fields = {"region": reg, "indicator": ind, "first_year": first, "last_year": last, "value": val}
        target = create_versioned(
            actor,
            MultiYearTarget,
            {**fields, "responsible": org, "note": text},
            Conflict("multiyear_target_exists", f"{_label(reg, ind, first, last)}已存在,请刷新后修改"),
            lambda t: _revision(t, actor, reason, source or "录入"),
        )
        return target, "created"
    if actor is not None:
        existing = get_scoped(MultiYearTarget, actor, "change", pk=existing.pk)
    return _apply(actor, existing, val, org, text, reason, source)


def _apply(
    actor: User | None,
    target: MultiYearTarget,
    value: Decimal,
    org: Organization | None,
    note: str,
    reason: str,
    source: str,
) -> tuple[MultiYearTarget, str]:
    new = {"value": value, "responsible_id": org.pk if org else None, "note": note}
    return apply_change(actor, target, new, lambda: _revision(target, actor, reason, source or "修改"))


@transaction.atomic
def create_multiyear_target(
    actor: User | None,
    region: Region | str,
    indicator: Indicator | str,
    first_year: Any,
    last_year: Any,
    *,
    value: Any,
    responsible: Organization | int | str | None = None,
    note: str = "",
    source: str = "",
) -> MultiYearTarget:
    """A new multi-year target; ``multiyear_target_exists`` (409) when the region has one for the
    indicator and span already."""
    reg, ind, first, last, *_rest = _clean(region, indicator, first_year, last_year, value, responsible, note)
    same = MultiYearTarget.objects.filter(region=reg, indicator=ind, first_year=first, last_year=last)
    if (same if actor is None else same.restrict(actor)).exists():
        raise Conflict(
            "multiyear_target_exists",
            f"{_label(reg, ind, first, last)}已存在,请修改该目标",
            [FieldError("indicator", "multiyear_target_exists", "该地区已设定此指标同一目标期的多年目标")],
        )
    target, _outcome = set_multiyear_target(
        actor, reg, ind, first, last, value=value, responsible=responsible, note=note, source=source
    )
    return target


@transaction.atomic
def revise_multiyear_target(
    actor: User | None,
    pk: int,
    *,
    value: Any = UNSET,
    responsible: Organization | int | str | None = UNSET,
    note: Any = UNSET,
    reason: str = "",
    source: str = "",
) -> tuple[MultiYearTarget, str]:
    """Change the value, responsible unit or note (a change writes a new version); region,
    indicator and span never change (set another target instead)."""
    if actor is None:
        target = MultiYearTarget.objects.select_for_update().filter(pk=pk).first()
        if target is None:
            raise ServiceError("not_found", "多年目标不存在", status=404)
    else:
        target = get_scoped(MultiYearTarget, actor, "change", pk=pk)
    _r, _i, _f, _l, val, org, text = _clean(
        target.region,
        target.indicator,
        target.first_year,
        target.last_year,
        target.value if value is UNSET else value,
        target.responsible if responsible is UNSET else responsible,
        target.note if note is UNSET else note,
    )
    if len(reason or "") > MAX_REASON:
        raise invalid("reason", "too_long", f"调整说明不能超过{MAX_REASON}个字符")
    return _apply(actor, target, val, org, text, reason or "", source)


@transaction.atomic
def delete_multiyear_target(actor: User | None, pk: int) -> None:
    """Delete a multi-year target set by mistake (its versions go with it)."""
    delete_versioned(MultiYearTarget, MultiYearTargetRevision, actor, pk, "多年目标不存在")


# --- progress ------------------------------------------------------------------------------------


@dataclass
class YearRow:
    """One year of the span: its yearly part (annual target) and the figure counted."""

    year: int
    part: Decimal | None  # the annual target's value (None: no annual target)
    actual: Decimal | None  # the figure counted (None: missing or not yet)
    data_period_label: str  # 全年, 1—6月, "" when missing
    state: str  # full | current | missing | future
    part_text: str = fig.NO_VALUE
    actual_text: str = fig.NO_VALUE

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "part": num(self.part),
            "part_text": self.part_text,
            "actual": num(self.actual),
            "actual_text": self.actual_text,
            "data_period": self.data_period_label or None,
            "state": self.state,
        }


@dataclass
class MultiYearProgress:
    target_id: int
    region_code: str
    region_name: str
    indicator_code: str
    indicator_name: str
    unit: str
    first_year: int
    last_year: int
    value: Decimal
    target_text: str  # 到2026年实现招商引资到位资金1000亿元
    responsible: str
    as_of_label: str  # 2022年6月: the last month counted
    years: list[YearRow]
    completed: Decimal | None = None
    completion: Decimal | None = None
    time_progress: Decimal | None = None
    gap: Decimal | None = None
    status: str = Status.MISSING
    sentence: str = ""
    parts_sum: Decimal | None = None
    parts_match: bool | None = None  # every year has a part and they add up to the value
    notes: list[str] = field(default_factory=list)

    @property
    def completed_text(self) -> str:
        return fig.NO_VALUE if self.completed is None else f"{fig.number(self.completed, 2)}{self.unit}"

    @property
    def status_text(self) -> str:
        return str(Status(self.status).label)

    def as_dict(self) -> dict[str, Any]:
        def p(v: Decimal | None) -> str | None:
            return None if v is None else pct(v)

        return {
            "target_id": self.target_id,
            "region": {"code": self.region_code, "name": self.region_name},
            "indicator": {"code": self.indicator_code, "name": self.indicator_name, "unit": self.unit},
            "first_year": self.first_year,
            "last_year": self.last_year,
            "value": num(self.value),
            "target_text": self.target_text,
            "responsible": self.responsible,
            "as_of": self.as_of_label,
            "completed": num(self.completed),
            "completion": p(self.completion),
            "time_progress": p(self.time_progress),
            "gap": p(self.gap),
            "status": self.status,
            "status_text": self.status_text,
            "sentence": self.sentence,
            "years": [y.as_dict() for y in self.years],
            "parts_sum": num(self.parts_sum),
            "parts_match": self.parts_match,
            "notes": list(self.notes),
        }


def multiyear_text(t: MultiYearTarget) -> str:
    """ "到2026年实现招商引资到位资金1000亿元"."""
    return f"到{t.last_year}年实现{t.indicator.name}{value_text(t.value, t.indicator)}"


def latest_period(t: MultiYearTarget, user: User | None = None) -> Period:
    """The latest cumulative period (1月—m月) of the span with the target's figure, else January
    of the first year: what a page shows by default."""
    base = IndicatorValue.objects.restrict(user, "view") if user is not None else IndicatorValue.objects.all()
    row = (
        base.filter(
            is_current=True,
            region_id=t.region_id,
            indicator_id=t.indicator_id,
            period__year__gte=t.first_year,
            period__year__lte=t.last_year,
            period__first=1,
            period__kind__in=MONTH_KINDS,
        )
        .order_by("-period__year", "-period__last")
        .values_list("period__year", "period__last")
        .first()
    )
    return Period.months(row[0], 1, row[1]) if row else Period.months(t.first_year, 1, 1)


def _yearly_parts(t: MultiYearTarget, user: User | None) -> dict[int, Decimal]:
    qs = Target.objects.restrict(user, "view") if user is not None else Target.objects.all()
    return dict(
        qs.filter(
            region_id=t.region_id,
            indicator_id=t.indicator_id,
            year__gte=t.first_year,
            year__lte=t.last_year,
            value__isnull=False,
        ).values_list("year", "value")
    )


def progress(
    t: MultiYearTarget, period: Period | str | None = None, user: User | None = None
) -> MultiYearProgress:
    """The multi-year target's progress as of ``period`` (default: :func:`latest_period`)."""
    ind, reg = t.indicator, t.region
    p = parse_period(period) if period is not None else latest_period(t, user)
    span_months = (t.last_year - t.first_year + 1) * MONTHS
    if p.year > t.last_year:  # after the span: the whole span
        year, upto = t.last_year, MONTHS
    else:
        year, upto = p.year, upto_month(p)
    parts = _yearly_parts(t, user)
    rows: list[YearRow] = []
    notes: list[str] = []
    completed = Decimal(0)
    counted = 0
    elapsed = 0
    as_of = (year, upto)
    for y in range(t.first_year, t.last_year + 1):
        part = parts.get(y)
        row = YearRow(y, part, None, "", "future")
        if part is not None:
            row.part_text = value_text(part, ind)
        rows.append(row)
        if y > year or (y == year and upto == 0):
            continue
        if y < year:
            f = figures(ind, Period.whole_year(y), [reg], user)[reg.pk]
            elapsed += MONTHS
            if f.value is None:
                row.state = "missing"
                notes.append(f"{reg.name}{y}年{ind.name}全年数据缺失,未计入累计完成")
                notes += [n for n in f.notes if n not in notes]
                continue
            row.state, row.actual, row.data_period_label = "full", f.value, Period.whole_year(y).label
        else:
            stored = stored_months(user, [reg.pk], [ind.pk], y, upto)[(reg.pk, ind.pk)]
            if not stored:
                elapsed += upto
                row.state = "missing"
                notes.append(f"{reg.name}{y}年1—{upto}月{ind.name}数据缺失,未计入累计完成")
                continue
            last = max(stored)
            dp = Period.months(y, 1, last)
            f = figures(ind, dp, [reg], user)[reg.pk]
            elapsed += last
            as_of = (y, last)
            if last < upto:
                notes.append(f"{reg.name}{y}年1—{upto}月{ind.name}数据尚未报送,按{dp.label}累计数计算")
            if f.value is None:
                row.state = "missing"
                notes += [n for n in f.notes if n not in notes]
                continue
            row.state = "full" if last == MONTHS else "current"
            row.actual, row.data_period_label = f.value, dp.label
        row.actual_text = value_text(row.actual, ind)
        completed += row.actual or 0
        counted += 1
    out = MultiYearProgress(
        target_id=t.pk,
        region_code=reg.code,
        region_name=reg.name,
        indicator_code=ind.code,
        indicator_name=ind.name,
        unit=ind.unit,
        first_year=t.first_year,
        last_year=t.last_year,
        value=t.value,
        target_text=multiyear_text(t),
        responsible=t.responsible.name if t.responsible else "",
        as_of_label=f"{as_of[0]}年{as_of[1]}月" if as_of[1] else f"{as_of[0]}年初",
        years=rows,
        notes=notes,
    )
    _parts(out, ind)
    if p.year < t.first_year or elapsed == 0:
        out.sentence = f"{out.target_text},目标期自{t.first_year}年开始,截至{p.full_label}尚无累计完成数据"
        out.notes.insert(0, f"{reg.name}{ind.name}多年目标截至{p.full_label}尚未开始计算进度")
        return out
    if counted == 0:
        out.sentence = f"{out.target_text},截至{out.as_of_label}暂无完成数据"
        return out
    out.completed = completed
    out.completion = round1(completed * HUNDRED / t.value)
    out.time_progress = round1(Decimal(elapsed) * HUNDRED / span_months)
    out.gap = out.completion - out.time_progress
    out.status = _status(out.gap, ind)
    head = (
        f"{out.target_text},截至{out.as_of_label}累计完成{value_text(completed, ind)},"
        f"占目标的{pct(out.completion)}%"
    )
    if elapsed == span_months:
        short = out.completion - HUNDRED
        tail = "超额完成目标" if short > 0 else "完成目标" if short == 0 else f"距目标差{pct(-short)}个百分点"
    else:
        tail = _points(out.gap, "序时进度")
    out.sentence = f"{head},{tail}"
    missing = [r.year for r in rows if r.state == "missing"]
    if missing:
        out.sentence += f"({fig.join(f'{y}年' for y in missing)}数据缺失,未计入)"
    return out


def _parts(out: MultiYearProgress, ind: Indicator) -> None:
    """The yearly parts' sum against the multi-year value, with a note when they do not add up."""
    set_years = [r for r in out.years if r.part is not None]
    if not set_years:
        out.notes.append(f"{out.first_year}—{out.last_year}年均未设定{ind.name}年度目标")
        return
    total = sum((r.part for r in set_years if r.part is not None), Decimal(0))
    out.parts_sum = total
    unset = [r.year for r in out.years if r.part is None]
    diff = total - out.value
    if unset:
        out.parts_match = False
        out.notes.append(
            f"{fig.join(f'{y}年' for y in unset)}未设定年度目标;已设定的年度目标合计{value_text(total, ind)}"
            f"(多年目标{value_text(out.value, ind)})"
        )
        if diff > 0:
            out.notes.append(f"已设定的年度目标合计已超过多年目标{value_text(diff, ind)}")
    elif diff != 0:
        out.parts_match = False
        out.notes.append(
            f"各年度目标合计{value_text(total, ind)},与多年目标{value_text(out.value, ind)}不一致"
            f"({'多' if diff > 0 else '少'}{value_text(abs(diff), ind)})"
        )
    else:
        out.parts_match = True


def progress_list(
    targets: Iterable[MultiYearTarget], period: Period | str | None = None, user: User | None = None
) -> list[MultiYearProgress]:
    return [progress(t, period, user) for t in targets]


def visible(user: User | None) -> Any:
    qs = MultiYearTarget.objects.restrict(user, "view") if user is not None else MultiYearTarget.objects.all()
    return qs.select_related("region", "indicator", "responsible", "set_by").order_by(
        "-last_year", "region__code", "indicator__order", "first_year"
    )


def rows_for(
    user: User | None,
    *,
    region: str | None = None,
    indicator: str | None = None,
    period: Period | str | None = None,
    limit: int | None = None,
) -> list[MultiYearProgress]:
    """The multi-year targets ``user`` may see (of ``region`` and its subtree, of ``indicator``),
    each with its progress as of ``period`` (default: the latest figures of its span)."""
    from tiaodu.targets.filters import TargetFilter

    qs = TargetFilter(region=region, indicator=indicator, year=None, responsible=None).filter(visible(user))
    if limit is not None:
        qs = qs[:limit]
    return progress_list(qs, period, user)
