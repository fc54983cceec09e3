"""Annual targets: setting and revising them, and assessing them (月通报、季督办、年评估).

Writing: :func:`set_target` (create or revise, used by the import and the demo),
:func:`create_target`, :func:`revise_target`, :func:`delete_target`. Each takes the acting user
(``None`` = the server operator), runs in one transaction, validates with :func:`check_target`,
re-checks the scope after saving, and writes a :class:`~tiaodu.targets.models.TargetRevision`
for every change (the same values again change nothing).

Reading: :func:`completion` (one target), :func:`progress_table` (all targets of a region for a
period: the 月通报 section), :func:`supervision_list` (季督办: the targets behind schedule in a
quarter, the region and its children), :func:`evaluation_table` (年评估: per region completion,
score and rank). The rules (ADR 0025):

* **The figure compared** is the region's current cumulative figure of the year up to the period:
  the latest stored period from January (1月, 1月—2月, 一季度 …) whose last month is not after the
  period's. When a later month is not in yet, the earlier one is used and a note says so.
* **Completion** (a level target, 800亿元) = cumulative ÷ target × 100, one decimal, rounded half
  up. **Time progress** (序时进度) = months elapsed ÷ 12 × 100 of the figure's period (1月—2月:
  16.7%; 上半年: 50.0%, "时间过半、任务过半"). **Gap** = completion − time progress in percentage
  points, both as published. Above: 超序时进度; equal: 符合序时进度; below: 滞后序时进度 (at year
  end: 超额完成 / 完成 / 未完成).
* **A growth target** (增长10%, or the target of a reported rate such as 规模以上工业增加值增速) is
  compared with the published growth rate of the same period: gap = actual − target points.
  Ratios (%) and indices are compared by value.
* An indicator where lower is better is a ceiling: being above schedule is behind.
* **Missing data** is never zero: the target is listed with status 数据缺失 and a note naming the
  region, period and indicator; it is not scored.

Assessment percentages (完成率, 序时进度, gaps) are written with one fixed decimal ("23.0%",
"2.0个百分点"), as assessment tables do; the figures themselves as published (230亿元, 10%).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from tiaodu.core import figures as fig
from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, ServiceError, invalid
from tiaodu.core.permissions import can, ensure_permitted, get_scoped
from tiaodu.core.resolve import Resolver, district_of
from tiaodu.monitoring.choices import Direction, IndicatorKind
from tiaodu.monitoring.computations import Figures, competition_ranks, figures, value_text
from tiaodu.monitoring.models import Indicator, IndicatorValue
from tiaodu.monitoring.periods import MONTH_KINDS, Period, PeriodError, parse_period
from tiaodu.monitoring.services import area_word, compared_units, find_indicator, to_value
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region
from tiaodu.regions.services import check_figure_region, get_region
from tiaodu.targets.choices import Basis, Status
from tiaodu.targets.models import Target, TargetRevision

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_NOTE = 500
MAX_REASON = 255
MONTHS = 12
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")
FULL_SCORE = Decimal(100)
POINT_PENALTY = Decimal(10)  # score lost per percentage point (index point) short of the target
# Units a target can name as responsible: government bodies, departments, townships, squads.
UNIT_KINDS = (OrgKind.GOVERNMENT, OrgKind.DEPARTMENT, OrgKind.TOWN, OrgKind.SQUAD, OrgKind.OTHER)
REVISED_FIELDS = ("value", "growth", "responsible_id", "note")


# --- numbers -------------------------------------------------------------------------------------


def round1(value: Decimal) -> Decimal:
    """One decimal, rounded half up (四舍五入)."""
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def pct(value: Decimal) -> str:
    """An assessment percentage or gap with one fixed decimal: 23 → "23.0", 2 → "2.0"."""
    return format(round1(value), "f")


def num(value: Decimal | None) -> str | None:
    """A stored decimal without its padding zeros, for the API: 230.0000 → "230"."""
    if value is None:
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def time_progress(months: int) -> Decimal:
    """序时进度: months elapsed ÷ 12 × 100, one decimal (2 → 16.7, 6 → 50.0)."""
    return round1(Decimal(months) * HUNDRED / MONTHS)


def target_text(indicator: Indicator, value: Decimal | None, growth: Decimal | None) -> str:
    """How a target is written: "1000亿元", "增长10%", "1000亿元、增长10%", "9%" (a rate)."""
    parts = []
    if value is not None:
        parts.append(value_text(value, indicator))
    if growth is not None:
        if indicator.kind == IndicatorKind.RATE:
            parts.append(f"{fig.number(growth, 2)}%")
        else:
            parts.append(fig.growth(growth, prefix="", digits=2))
    return "、".join(parts)


# --- validation ----------------------------------------------------------------------------------


def check_target(indicator: Indicator, value: Decimal | None, growth: Decimal | None) -> list[FieldError]:
    """The rules every target obeys, whatever its way in (form, API, import).

    A level (亿元 …) takes a target value above zero and/or a growth target; a reported rate
    (…增速, %) takes only a growth target (its target rate); a ratio (%) and an index take only a
    value, a ratio between 0 and 100. Growth targets lie above −100%.
    """
    errors: list[FieldError] = []
    name = indicator.name
    kind = indicator.kind
    if kind == IndicatorKind.LEVEL:
        if value is None and growth is None:
            errors.append(FieldError("value", "required", f"请填写“{name}”的目标值或目标增速"))
        if value is not None and value < 0:
            what = "可加总的总量指标" if indicator.additive else "总量指标"
            errors.append(
                FieldError("value", "target_negative", f"“{name}”是{what},目标值不能为负数(现为{num(value)})")
            )
        elif value is not None and value == 0:
            errors.append(FieldError("value", "target_zero", "目标值须大于0(完成率以目标值为分母)"))
    elif kind == IndicatorKind.RATE:
        if value is not None:
            errors.append(
                FieldError(
                    "value",
                    "level_for_rate",
                    f"“{name}”是增速指标(%),不能设定总量目标;目标增速请填写在“目标增速”列",
                )
            )
        if growth is None:
            errors.append(FieldError("growth", "required", f"请填写“{name}”的目标增速"))
    else:  # ratio, index: the value itself
        if value is None:
            errors.append(FieldError("value", "required", f"请填写“{name}”的目标值"))
        if growth is not None:
            errors.append(
                FieldError(
                    "growth",
                    "growth_not_applicable",
                    f"“{name}”是{indicator.get_kind_display()}指标,只设定目标值,不设定目标增速",
                )
            )
        if kind == IndicatorKind.RATIO and value is not None:
            if value > HUNDRED:
                errors.append(
                    FieldError(
                        "value", "share_over_100", f"“{name}”为比重,目标不能超过100%(现为{num(value)}%)"
                    )
                )
            elif value < 0:
                errors.append(FieldError("value", "share_negative", f"“{name}”为比重,目标不能为负数"))
    if growth is not None and growth <= -HUNDRED:
        errors.append(FieldError("growth", "growth_invalid", f"目标增速须大于-100%(现为{num(growth)}%)"))
    return errors


def check_year(year: Any) -> int:
    try:
        number = int(year)
    except (TypeError, ValueError):
        raise invalid("year", "year_invalid", f"年度“{year}”不是整数") from None
    if not MIN_YEAR <= number <= MAX_YEAR:
        raise invalid("year", "year_invalid", f"年度应在{MIN_YEAR}至{MAX_YEAR}之间(现为{number})")
    return number


def _decimal(raw: Any, field_name: str) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        return to_value(raw)
    except ServiceError as exc:
        err = exc.errors[0]
        raise invalid(field_name, err.code, err.message) from None
    except InvalidOperation:  # beyond the decimal context (1e30): too large to store
        raise invalid(field_name, "number_too_large", f"数值{raw}超出范围") from None


def _family(org: Organization, region: Region) -> bool:
    """The organisation sits in the target's region, above it, or below it."""
    return region.path.startswith(org.region.path) or org.region.path.startswith(region.path)


def resolve_responsible(
    ref: Organization | int | str | None, region: Region, resolver: Resolver | None = None
) -> Organization | None:
    """The responsible unit by instance, id, code, name or short name: a government body,
    department, township or squad of the target's region, one of its ancestors or its subtree.
    Names resolve by the one resolver's rule with the target's district first (``resolver``: one
    shared by an import's rows of that district)."""
    if ref is None or ref == "":
        return None
    allowed = "须为该地区或其上级、下级地区的党政机关、部门、镇街或专班"
    if isinstance(ref, Organization | int):
        org = (
            ref
            if isinstance(ref, Organization)
            else Organization.objects.select_related("region").filter(pk=ref).first()
        )
        if org is None:
            raise invalid("responsible", "organization_unknown", f"责任单位(编号{ref})不存在")
        if org.kind not in UNIT_KINDS or not _family(org, region):
            raise invalid(
                "responsible",
                "organization_out_of_region",
                f"“{org.name}”不能作为{region.name}的责任单位:{allowed}",
            )
        return org
    text = str(ref).strip()
    resolver = resolver or Resolver(district=district_of(region))
    try:
        org = resolver.organization(text, kinds=UNIT_KINDS, field="responsible", label="责任单位")
    except InvalidInput as exc:
        if exc.errors[0].code != "organization_unknown":
            raise
        raise invalid("responsible", "organization_unknown", f"责任单位“{text}”不存在:{allowed}") from None
    if not _family(org, region):
        raise invalid(
            "responsible", "organization_out_of_region", f"“{text}”不能作为{region.name}的责任单位:{allowed}"
        )
    return org


# --- writing -------------------------------------------------------------------------------------


def _actor_name(actor: User | None) -> str:
    return actor.display_name if actor is not None else "系统"


def _revision(target: Target, actor: User | None, reason: str, source: str) -> TargetRevision:
    return TargetRevision.objects.create(
        target=target,
        version=target.version,
        value=target.value,
        growth=target.growth,
        responsible=target.responsible,
        note=target.note,
        reason=reason[:MAX_REASON],
        set_by=actor,
        set_at=target.set_at,
        source=source[:255],
    )


def _clean(
    region: Region | str,
    indicator: Indicator | str,
    year: Any,
    value: Any,
    growth: Any,
    responsible: Organization | int | str | None,
    note: str,
) -> tuple[Region, Indicator, int, Decimal | None, Decimal | None, Organization | None, str]:
    errors: list[FieldError] = []
    reg = ind = org = None
    val = gro = None
    yr = 0
    for step in ("region", "indicator", "year", "value", "growth"):
        try:
            if step == "region":
                reg = region if isinstance(region, Region) else get_region(region)
                check_figure_region(reg)
            elif step == "indicator":
                ind = find_indicator(indicator)
            elif step == "year":
                yr = check_year(year)
            elif step == "value":
                val = _decimal(value, "value")
            else:
                gro = _decimal(growth, "growth")
        except ServiceError as exc:
            errors += exc.errors
    if ind is not None and not any(e.field in ("value", "growth") for e in errors):
        errors += check_target(ind, val, gro)
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
    assert reg is not None and ind is not None
    return reg, ind, yr, val, gro, org, note


@transaction.atomic
def set_target(
    actor: User | None,
    region: Region | str,
    indicator: Indicator | str,
    year: Any,
    *,
    value: Any = None,
    growth: Any = None,
    responsible: Organization | int | str | None = None,
    note: str = "",
    reason: str = "",
    source: str = "",
) -> tuple[Target, str]:
    """Create the target or revise the existing one; returns it and "created", "updated" or
    "unchanged" (the same values as the current version change nothing)."""
    reg, ind, yr, val, gro, org, note = _clean(region, indicator, year, value, growth, responsible, note)
    existing = Target.objects.select_for_update().filter(region=reg, indicator=ind, year=yr).first()
    if existing is None:
        fields = {"region": reg, "indicator": ind, "year": yr, "value": val, "growth": gro}
        target = create_versioned(
            actor,
            Target,
            {**fields, "responsible": org, "note": note},
            Conflict("target_exists", f"{reg.name}{yr}年{ind.name}目标已存在,请刷新后修改"),
            lambda t: _revision(t, actor, reason, source or "录入"),
        )
        return target, "created"
    if actor is not None:
        existing = get_scoped(Target, actor, "change", pk=existing.pk)
    return _apply(actor, existing, val, gro, org, note, reason, source)


def _apply(
    actor: User | None,
    target: Target,
    value: Decimal | None,
    growth: Decimal | None,
    org: Organization | None,
    note: str,
    reason: str,
    source: str,
) -> tuple[Target, str]:
    new = {"value": value, "growth": growth, "responsible_id": org.pk if org else None, "note": note}
    return apply_change(actor, target, new, lambda: _revision(target, actor, reason, source or "修改"))


def create_versioned(
    actor: User | None, model: Any, fields: dict[str, Any], conflict: Conflict, write_revision: Any
) -> Any:
    """Create version 1 of a target (annual or multi-year) set by ``actor`` now, with its first
    revision (``write_revision(target)``); ``conflict`` when the same target was set at the same
    moment by someone else; the scope re-checked after saving."""
    if actor is not None and not can(actor, "add", model):
        raise Forbidden(audit=f"add {model._meta.label_lower} region={fields['region'].code}")
    try:
        with transaction.atomic():
            target = model.objects.create(**fields, version=1, set_by=actor, set_at=timezone.now())
    except IntegrityError:
        raise conflict from None
    write_revision(target)
    if actor is not None:
        ensure_permitted(actor, "add", target)
    return target


def apply_change(
    actor: User | None, target: Any, new: dict[str, Any], write_revision: Any
) -> tuple[Any, str]:
    """Set ``new`` field values on a versioned target (annual or multi-year): the same values
    change nothing ("unchanged"); else a new version with who and when, its revision written by
    ``write_revision()``, the scope re-checked ("updated")."""
    if all(getattr(target, k) == v for k, v in new.items()):
        return target, "unchanged"
    for name, v in new.items():
        setattr(target, name, v)
    target.version += 1
    target.set_by, target.set_at = actor, timezone.now()
    target.save()
    write_revision()
    if actor is not None:
        ensure_permitted(actor, "change", target)
    return target, "updated"


@transaction.atomic
def create_target(
    actor: User | None,
    region: Region | str,
    indicator: Indicator | str,
    year: Any,
    *,
    value: Any = None,
    growth: Any = None,
    responsible: Organization | int | str | None = None,
    note: str = "",
    source: str = "",
) -> Target:
    """A new target; ``target_exists`` (409) when the region already has one for the indicator
    and year (revise that one instead)."""
    reg, ind, yr, *_rest = _clean(region, indicator, year, value, growth, responsible, note)
    same = Target.objects.filter(region=reg, indicator=ind, year=yr)
    # A target the actor may not see is not revealed: set_target then answers "not found".
    if (same if actor is None else same.restrict(actor)).exists():
        raise Conflict(
            "target_exists",
            f"{reg.name}{yr}年{ind.name}目标已存在,请修改该目标",
            [FieldError("indicator", "target_exists", "该地区本年度已设定此指标的目标")],
        )
    target, _outcome = set_target(
        actor, reg, ind, yr, value=value, growth=growth, responsible=responsible, note=note, source=source
    )
    return target


UNSET: Any = object()


@transaction.atomic
def revise_target(
    actor: User | None,
    pk: int,
    *,
    value: Any = UNSET,
    growth: Any = UNSET,
    responsible: Organization | int | str | None = UNSET,
    note: Any = UNSET,
    reason: str = "",
    source: str = "",
) -> tuple[Target, str]:
    """Change a target's value, growth, responsible unit or note (arguments left out keep their
    current values); a change writes a new version. Region, indicator and year never change."""
    if actor is None:
        target = Target.objects.select_for_update().filter(pk=pk).first()
        if target is None:
            raise ServiceError("not_found", "目标不存在", status=404)
    else:
        target = get_scoped(Target, actor, "change", pk=pk)
    _r, _i, _y, val, gro, org, text = _clean(
        target.region,
        target.indicator,
        target.year,
        target.value if value is UNSET else value,
        target.growth if growth is UNSET else growth,
        target.responsible if responsible is UNSET else responsible,
        target.note if note is UNSET else note,
    )
    if len(reason or "") > MAX_REASON:
        raise invalid("reason", "too_long", f"调整说明不能超过{MAX_REASON}个字符")
    return _apply(actor, target, val, gro, org, text, reason or "", source)


@transaction.atomic
def delete_target(actor: User | None, pk: int) -> None:
    """Delete a target set by mistake (its versions go with it; the change log keeps both)."""
    delete_versioned(Target, TargetRevision, actor, pk, "目标不存在")


def delete_versioned(model: Any, revisions: Any, actor: User | None, pk: int, missing: str) -> None:
    """Delete a versioned target (annual or multi-year) and its versions, through the scope."""
    target = (
        model.objects.select_for_update().filter(pk=pk).first()
        if actor is None
        else get_scoped(model, actor, "delete", pk=pk)
    )
    if target is None:
        raise ServiceError("not_found", missing, status=404)
    revisions.objects.filter(target=target).delete()
    target.delete()


# --- assessment ----------------------------------------------------------------------------------


@dataclass
class Completion:
    """One target assessed for one period: figures, status, the report sentence and notes."""

    target_id: int
    region_code: str
    region_name: str
    indicator_code: str
    indicator_name: str
    unit: str
    kind: str  # the indicator's kind: level, rate, ratio, index
    year: int
    basis: str
    period_key: str  # the cumulative period asked for (2022-Q1)
    period_label: str  # 一季度
    target_value: Decimal | None
    target_growth: Decimal | None
    target_text: str
    responsible: str = ""
    responsible_id: int | None = None
    data_period_key: str = ""  # the period of the figure used ("" when missing)
    data_period_label: str = ""
    actual: Decimal | None = None  # cumulative level, or the rate / ratio / index value
    growth: Decimal | None = None  # year-on-year growth of a level (published or computed)
    completion: Decimal | None = None  # % of a level target
    time_progress: Decimal | None = None  # % of the year elapsed at the figure's period
    gap: Decimal | None = None  # points: completion − time progress, or actual − target
    growth_gap: Decimal | None = None  # points: growth − growth target (level with both)
    actual_text: str = fig.NO_VALUE  # 66.81亿元, 10%, 74.41
    done_text: str = fig.NO_VALUE  # what is compared with the target: 66.81亿元, 增长22.5%, 10%
    status: str = Status.MISSING
    year_end: bool = False  # the figure is the whole year's
    sentence: str = ""
    score: Decimal | None = None  # 年评估 item score (0–100)
    notes: list[str] = field(default_factory=list)

    @property
    def status_text(self) -> str:
        if self.status == Status.MISSING:
            return "数据缺失"
        if self.basis == Basis.LEVEL:
            if self.year_end:
                return {Status.AHEAD: "超额完成", Status.ON_TRACK: "完成", Status.BEHIND: "未完成"}[
                    Status(self.status)
                ]
            return str(Status(self.status).label)
        return {Status.AHEAD: "高于目标", Status.ON_TRACK: "达到目标", Status.BEHIND: "低于目标"}[
            Status(self.status)
        ]

    @property
    def behind(self) -> bool:
        return self.status == Status.BEHIND

    def as_dict(self) -> dict[str, Any]:
        def p(v: Decimal | None) -> str | None:
            return None if v is None else pct(v)

        return {
            "target_id": self.target_id,
            "region": {"code": self.region_code, "name": self.region_name},
            "indicator": {"code": self.indicator_code, "name": self.indicator_name, "unit": self.unit},
            "kind": self.kind,
            "year": self.year,
            "basis": self.basis,
            "period": {"key": self.period_key, "label": self.period_label},
            "data_period": {"key": self.data_period_key, "label": self.data_period_label}
            if self.data_period_key
            else None,
            "target_value": num(self.target_value),
            "target_growth": num(self.target_growth),
            "target_text": self.target_text,
            "responsible": self.responsible,
            "responsible_id": self.responsible_id,
            "actual": num(self.actual),
            "actual_text": self.actual_text,
            "done_text": self.done_text,
            "growth": num(self.growth),
            "completion": p(self.completion),
            "time_progress": p(self.time_progress),
            "gap": num(self.gap) if self.kind == IndicatorKind.INDEX else p(self.gap),
            "growth_gap": p(self.growth_gap),
            "status": self.status,
            "status_text": self.status_text,
            "sentence": self.sentence,
            "score": p(self.score),
            "notes": list(self.notes),
        }


def upto_month(period: Period) -> int:
    """The last whole month of the year that ``period`` reaches (0: none yet)."""
    if period.is_months:
        return period.last
    end = period.end
    if end.year > period.year:
        return MONTHS
    if end.year < period.year:
        return 0
    last_day = calendar.monthrange(end.year, end.month)[1]
    return end.month if end.day == last_day else end.month - 1


def cumulative_period(period: Period | str) -> Period | None:
    """The cumulative period from January that ``period`` asks about: 一季度 → 1—3月, 二季度 →
    上半年, 2022年3月 → 一季度; None before the end of January."""
    p = parse_period(period)
    upto = upto_month(p)
    return Period.months(p.year, 1, upto) if upto else None


def _basis(target: Target) -> str:
    kind = target.indicator.kind
    if kind == IndicatorKind.LEVEL:
        return Basis.LEVEL if target.value is not None else Basis.GROWTH
    return Basis.GROWTH if kind == IndicatorKind.RATE else Basis.VALUE


def _signed(gap: Decimal, indicator: Indicator) -> Decimal:
    """The gap turned so that positive is good (a lower-is-better indicator is a ceiling)."""
    return -gap if indicator.direction == Direction.LOWER else gap


def _status(gap: Decimal, indicator: Indicator) -> str:
    good = _signed(gap, indicator)
    return Status.AHEAD if good > 0 else Status.ON_TRACK if good == 0 else Status.BEHIND


def _points(gap: Decimal, against: str, unit: str = "个百分点") -> str:
    g = round1(gap)
    if g == 0:
        return f"与{against}持平"
    return f"{'高于' if g > 0 else '低于'}{against}{pct(abs(g))}{unit}"


def _needs(target: Target, rates: dict[int, int]) -> tuple[set[int], tuple[int, int] | None]:
    """Which stored indicators give the target's figure: any of the first set, or both of the pair
    (a ratio derived from its two levels)."""
    ind = target.indicator
    if ind.kind == IndicatorKind.LEVEL and target.value is None and ind.pk in rates:
        return {ind.pk, rates[ind.pk]}, None
    if ind.kind == IndicatorKind.RATIO and ind.numerator_id and ind.denominator_id:
        return {ind.pk}, (ind.numerator_id, ind.denominator_id)
    return {ind.pk}, None


def stored_months(
    user: User | None, region_ids: Iterable[int], indicator_ids: Iterable[int], year: int, upto: int
) -> dict[tuple[int, int], set[int]]:
    """The months m (≤ ``upto``) whose cumulative figure 1月—m月 of ``year`` is stored, per
    (region id, indicator id); only figures ``user`` may read."""
    stored: dict[tuple[int, int], set[int]] = defaultdict(set)
    base = IndicatorValue.objects.restrict(user, "view") if user is not None else IndicatorValue.objects.all()
    rows = (
        base.filter(
            is_current=True,
            region_id__in=set(region_ids),
            indicator_id__in=set(indicator_ids),
            period__year=year,
            period__first=1,
            period__last__lte=upto,
            period__kind__in=MONTH_KINDS,
        )
        .values_list("region_id", "indicator_id", "period__last")
        .distinct()
    )
    for region_id, indicator_id, last in rows:
        stored[(region_id, indicator_id)].add(last)
    return stored


def assess(targets: Sequence[Target], period: Period | str, user: User | None = None) -> list[Completion]:
    """Assess targets (of ``period``'s year) against the region's cumulative figures, in a few
    queries per indicator and period. ``user``: only figures the user may read (ADR 0021)."""
    p = parse_period(period)
    wanted = cumulative_period(p)
    upto = wanted.last if wanted else 0
    targets = list(targets)
    if any(t.year != p.year for t in targets):
        raise ValueError(f"assess: every target must be of {p.year}")
    rates = dict(
        Indicator.objects.filter(kind=IndicatorKind.RATE, growth_of__isnull=False).values_list(
            "growth_of_id", "pk"
        )
    )
    needs = {t.pk: _needs(t, rates) for t in targets}
    # Which cumulative periods of the year hold a figure, per (region, indicator).
    stored: dict[tuple[int, int], set[int]] = defaultdict(set)
    if upto and targets:
        indicator_ids = {i for any_of, pair in needs.values() for i in (*any_of, *(pair or ()))}
        stored = stored_months(user, {t.region_id for t in targets}, indicator_ids, p.year, upto)
    chosen: dict[int, int | None] = {}
    for t in targets:
        any_of, pair = needs[t.pk]
        months: set[int] = set()
        for i in any_of:
            months |= stored[(t.region_id, i)]
        if pair:
            months |= stored[(t.region_id, pair[0])] & stored[(t.region_id, pair[1])]
        chosen[t.pk] = max(months) if months else None
    groups: dict[tuple[int, int], list[Target]] = defaultdict(list)
    for t in targets:
        last = chosen[t.pk]
        if last is not None:
            groups[(t.indicator_id, last)].append(t)
    found: dict[int, Figures] = {}
    for (_indicator_id, last), members in groups.items():
        figs = figures(
            members[0].indicator, Period.months(p.year, 1, last), [m.region for m in members], user
        )
        for m in members:
            found[m.pk] = figs[m.region_id]
    label = wanted.label if wanted else p.label
    key = wanted.key if wanted else p.key
    out = []
    for t in targets:
        last = chosen[t.pk]
        data_period = Period.months(p.year, 1, last) if last else None
        out.append(_complete(t, key, label, wanted, data_period, found.get(t.pk)))
    return out


def _complete(
    t: Target,
    key: str,
    label: str,
    wanted: Period | None,
    data_period: Period | None,
    f: Figures | None,
) -> Completion:
    ind, reg = t.indicator, t.region
    c = Completion(
        target_id=t.pk,
        region_code=reg.code,
        region_name=reg.name,
        indicator_code=ind.code,
        indicator_name=ind.name,
        unit=ind.unit,
        kind=str(ind.kind),
        year=t.year,
        basis=_basis(t),
        period_key=key,
        period_label=label,
        target_value=t.value,
        target_growth=t.growth,
        target_text=target_text(ind, t.value, t.growth),
        responsible=t.responsible.name if t.responsible else "",
        responsible_id=t.responsible_id,
    )
    name = ind.name
    asked = wanted.full_label if wanted else f"{t.year}年1月"
    missing_sentence = f"{name}年度目标{c.target_text},截至{label}暂无完成数据"
    if data_period is None or f is None:
        c.notes.append(f"{reg.name}{asked}{name}数据缺失,无法与目标比较")
        c.sentence = missing_sentence
        return c
    c.data_period_key, c.data_period_label = data_period.key, data_period.label
    c.year_end = data_period.last == MONTHS
    if wanted is not None and data_period.last < wanted.last:
        c.notes.append(f"{reg.name}{asked}{name}数据尚未报送,按{data_period.label}累计数计算")
    c.growth = f.growth if ind.kind == IndicatorKind.LEVEL else None
    c.actual = f.value
    if c.actual is not None:
        c.actual_text = c.done_text = value_text(c.actual, ind)
    if c.basis == Basis.GROWTH and ind.kind == IndicatorKind.LEVEL:
        c.done_text = fig.NO_VALUE if c.growth is None else fig.growth(c.growth, prefix="")
    if c.basis == Basis.LEVEL:
        _level(c, t, data_period)
    elif c.basis == Basis.GROWTH:
        _growth(c, t, data_period)
    else:
        _value(c, t, data_period)
    if c.status == Status.MISSING:
        c.sentence = missing_sentence
    return c


def _level(c: Completion, t: Target, dp: Period) -> None:
    ind = t.indicator
    assert t.value is not None
    if c.actual is None:
        c.notes.append(f"{t.region.name}{dp.full_label}{ind.name}数据缺失,无法计算完成率")
        return
    c.completion = round1(c.actual * HUNDRED / t.value)
    c.time_progress = time_progress(dp.last)
    c.gap = c.completion - c.time_progress
    c.status = _status(c.gap, ind)
    done = f"{ind.name}完成{value_text(c.actual, ind)},占年度目标的{pct(c.completion)}%"
    if c.year_end:
        short = c.completion - HUNDRED
        tail = (
            "超额完成年度目标"
            if short > 0
            else "完成年度目标"
            if short == 0
            else f"距年度目标差{pct(-short)}个百分点"
        )
    else:
        tail = _points(c.gap, "序时进度")
    c.sentence = f"{done},{tail}"
    if t.growth is not None:
        if c.growth is None:
            c.notes.append(f"{t.region.name}{dp.full_label}{ind.name}缺少上年同期数据,无法与目标增速比较")
        else:
            c.growth_gap = round1(c.growth) - round1(t.growth)
            c.sentence += f",{fig.growth(c.growth)},{_points(c.growth_gap, '年度目标增速')}"


def _growth(c: Completion, t: Target, dp: Period) -> None:
    ind = t.indicator
    assert t.growth is not None
    rate = c.growth if ind.kind == IndicatorKind.LEVEL else c.actual
    if rate is None:
        what = "同比增速" if ind.kind == IndicatorKind.LEVEL else "数据"
        c.notes.append(f"{t.region.name}{dp.full_label}{ind.name}{what}缺失,无法与目标比较")
        return
    c.gap = round1(rate) - round1(t.growth)
    c.status = _status(c.gap, ind)
    if ind.kind == IndicatorKind.LEVEL:
        done = (
            f"{ind.name}完成{value_text(c.actual, ind)},{fig.growth(rate)}"
            if c.actual is not None
            else f"{ind.name}{fig.growth(rate)}"
        )
        c.sentence = f"{done},{_points(c.gap, '年度目标增速')}"
    else:
        c.sentence = f"{ind.name}{value_text(rate, ind)},{_points(c.gap, '年度目标')}"


def _value(c: Completion, t: Target, dp: Period) -> None:
    ind = t.indicator
    assert t.value is not None
    if c.actual is None:
        c.notes.append(f"{t.region.name}{dp.full_label}{ind.name}数据缺失,无法与目标比较")
        return
    if ind.kind == IndicatorKind.RATIO:
        c.gap = round1(c.actual) - round1(t.value)
        phrase = _points(c.gap, "年度目标")
    else:
        quantum = Decimal(1).scaleb(-ind.decimals)
        c.gap = c.actual.quantize(quantum, ROUND_HALF_UP) - t.value.quantize(quantum, ROUND_HALF_UP)
        word = (
            "与年度目标持平"
            if c.gap == 0
            else f"{'高于' if c.gap > 0 else '低于'}年度目标{fig.number(abs(c.gap), ind.decimals)}"
        )
        phrase = word
    c.status = _status(c.gap, ind)
    c.sentence = f"{ind.name}{value_text(c.actual, ind)},{phrase}"


def _targets(user: User | None) -> Any:
    qs = Target.objects.restrict(user, "view") if user is not None else Target.objects.all()
    return qs.select_related("region", "indicator", "indicator__share_of", "responsible")


def _ordered(qs: Any) -> Any:
    return qs.order_by("region__code", "indicator__order", "indicator__code")


def _region(ref: Region | str) -> Region:
    return ref if isinstance(ref, Region) else get_region(ref)


def completion(
    region: Region | str, indicator: Indicator | str, period: Period | str, user: User | None = None
) -> Completion:
    """One target of ``region`` for ``indicator`` assessed at ``period`` (``target_not_found``,
    404, when the region has no such target for the year, or the user may not see it)."""
    reg, ind, p = _region(region), find_indicator(indicator), parse_period(period)
    target = _targets(user).filter(region=reg, indicator=ind, year=p.year).first()
    if target is None:
        raise ServiceError(
            "target_not_found", f"{reg.name}{p.year}年未设定{ind.name}目标(或您无权查看)", status=404
        )
    return assess([target], p, user)[0]


def _sentences(rows: Iterable[Completion]) -> str:
    parts = [r.sentence for r in rows if r.sentence]
    return ";".join(parts) + "。" if parts else ""


@dataclass
class ProgressTable:
    """All targets of one region at one period (the 月通报's target section)."""

    region_code: str
    region_name: str
    year: int
    period_key: str
    period_label: str
    time_progress: Decimal | None
    rows: list[Completion]

    @property
    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for r in self.rows:
            out[r.status] += 1
        return out

    @property
    def paragraph(self) -> str:
        """The rows' sentences as one paragraph: "…,低于序时进度2.0个百分点;…。"."""
        return _sentences(self.rows)

    @property
    def summary(self) -> str:
        """ "截至一季度(序时进度25.0%),潼南区4项年度目标中,超序时进度1项,符合序时进度0项,滞后序时进度2项,数据缺失1项"."""
        c = self.counts
        head = f"截至{self.period_label}"
        if self.time_progress is not None:
            head += f"(序时进度{pct(self.time_progress)}%)"
        parts = [f"{Status(s).label}{n}项" for s, n in c.items() if n or s != Status.MISSING]
        return f"{head},{self.region_name}{len(self.rows)}项年度目标中,{','.join(parts)}"

    @property
    def notes(self) -> list[str]:
        return [n for r in self.rows for n in r.notes]

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": {"code": self.region_code, "name": self.region_name},
            "year": self.year,
            "period": {"key": self.period_key, "label": self.period_label},
            "time_progress": None if self.time_progress is None else pct(self.time_progress),
            "counts": self.counts,
            "summary": self.summary,
            "paragraph": self.paragraph,
            "rows": [r.as_dict() for r in self.rows],
            "notes": self.notes,
        }


def progress_table(region: Region | str, period: Period | str, user: User | None = None) -> ProgressTable:
    """Every target of ``region`` for ``period``'s year assessed at ``period``, in catalogue
    order: what the monthly bulletin (月通报) says about targets."""
    reg, p = _region(region), parse_period(period)
    wanted = cumulative_period(p)
    targets = list(_ordered(_targets(user).filter(region=reg, year=p.year)))
    rows = assess(targets, p, user)
    return ProgressTable(
        region_code=reg.code,
        region_name=reg.name,
        year=p.year,
        period_key=wanted.key if wanted else p.key,
        period_label=wanted.label if wanted else p.label,
        time_progress=time_progress(wanted.last) if wanted else None,
        rows=rows,
    )


def _units(parent: Region) -> list[Region]:
    """The region itself and the units directly below it (grouping nodes replaced by theirs)."""
    return [parent, *compared_units(parent)]


def parse_quarter(quarter: Period | str) -> Period:
    """A quarter (2022年一季度, 2022-Q1, 2022年1-3月); ``quarter_invalid`` for anything else."""
    try:
        p = parse_period(quarter)
    except PeriodError as exc:
        raise invalid("quarter", exc.detail_code, exc.errors[0].message) from None
    if p.kind != "quarter":
        raise invalid(
            "quarter",
            "quarter_invalid",
            f"季督办须按季度选择期别(如{p.year}年一季度),“{p.full_label}”不是季度",
        )
    return p


@dataclass
class SupervisionList:
    """季督办: the targets behind schedule at a quarter, of a region and its children."""

    region_code: str
    region_name: str
    year: int
    quarter_key: str
    quarter_label: str  # 一季度
    period_label: str  # the cumulative period assessed (一季度, 上半年, 1月—9月, 全年)
    time_progress: Decimal
    assessed: int  # how many targets were assessed
    rows: list[Completion]  # behind schedule
    missing: list[Completion]  # without data: not judged, listed

    @property
    def summary(self) -> str:
        return (
            f"{self.year}年{self.quarter_label}(截至{self.period_label},序时进度{pct(self.time_progress)}%),"
            f"{self.region_name}及所辖地区共{self.assessed}项年度目标,滞后序时进度{len(self.rows)}项,"
            f"数据缺失{len(self.missing)}项"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": {"code": self.region_code, "name": self.region_name},
            "year": self.year,
            "quarter": {"key": self.quarter_key, "label": self.quarter_label},
            "period_label": self.period_label,
            "time_progress": pct(self.time_progress),
            "assessed": self.assessed,
            "summary": self.summary,
            "rows": [r.as_dict() for r in self.rows],
            "missing": [r.as_dict() for r in self.missing],
        }


def supervision_list(
    parent_region: Region | str, quarter: Period | str, user: User | None = None
) -> SupervisionList:
    """Every target of ``parent_region`` and its children that is behind its time schedule at the
    end of ``quarter`` (cumulative from January), with the responsible unit; targets without data
    are listed apart (never taken as zero, never dropped)."""
    parent, q = _region(parent_region), parse_quarter(quarter)
    units = _units(parent)
    order = {u.pk: i for i, u in enumerate(units)}
    targets = list(_ordered(_targets(user).filter(region__in=units, year=q.year)))
    targets.sort(key=lambda t: order[t.region_id])  # the parent first, then its units by code
    rows = assess(targets, q, user)
    wanted = Period.months(q.year, 1, q.last)
    return SupervisionList(
        region_code=parent.code,
        region_name=parent.name,
        year=q.year,
        quarter_key=q.key,
        quarter_label=q.label,
        period_label=wanted.label,
        time_progress=time_progress(q.last),
        assessed=len(rows),
        rows=[r for r in rows if r.status == Status.BEHIND],
        missing=[r for r in rows if r.status == Status.MISSING],
    )


# --- 年评估 ---------------------------------------------------------------------------------------


def item_score(c: Completion, indicator: Indicator) -> Decimal | None:
    """The score (0–100, one decimal) of one assessed target; None without data.

    * a level target: completion ÷ time progress × 100, at most 100 (at year end: the completion
      rate itself, capped at 100); for a ceiling (lower is better) 100 minus 10 per point above
      the time progress;
    * a growth, rate, ratio or index target: 100 when reached, minus 10 per percentage point (index
      point) short, at least 0.
    """
    if c.status == Status.MISSING or c.gap is None:
        return None
    if c.basis == Basis.LEVEL and indicator.direction != Direction.LOWER:
        assert c.completion is not None and c.time_progress is not None
        return round1(min(FULL_SCORE, max(Decimal(0), c.completion) * HUNDRED / c.time_progress))
    short = -_signed(c.gap, indicator)
    if short <= 0:
        return FULL_SCORE.quantize(TENTH)
    return round1(max(Decimal(0), FULL_SCORE - POINT_PENALTY * short))


@dataclass
class EvaluationRow:
    region_code: str
    region_name: str
    items: list[Completion]
    score: Decimal | None
    rank: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def scored(self) -> int:
        return sum(1 for i in self.items if i.score is not None)

    def item(self, indicator_code: str) -> Completion | None:
        return next((i for i in self.items if i.indicator_code == indicator_code), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": {"code": self.region_code, "name": self.region_name},
            "score": None if self.score is None else pct(self.score),
            "rank": self.rank,
            "scored": self.scored,
            "targets": len(self.items),
            "items": [i.as_dict() for i in self.items],
            "notes": self.notes,
        }


@dataclass
class EvaluationTotal:
    """Sum over the ranked units of an additive level's targets and their cumulative figures."""

    indicator_code: str
    indicator_name: str
    unit: str
    target: Decimal
    actual: Decimal | None  # None when some unit has no figure
    completion: Decimal | None


@dataclass
class Evaluation:
    """年评估: per region completion of every target for the year, score and rank."""

    region_code: str
    region_name: str
    word: str  # 全区 / 全市
    year: int
    indicators: list[tuple[str, str, str]]  # (code, name, unit) of the columns
    rows: list[EvaluationRow]
    own: list[Completion]  # the parent region's own targets (not ranked)
    totals: list[EvaluationTotal]

    @property
    def ranked(self) -> int:
        return sum(1 for r in self.rows if r.rank is not None)

    @property
    def notes(self) -> list[str]:
        return [n for r in self.rows for n in r.notes]

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": {"code": self.region_code, "name": self.region_name},
            "year": self.year,
            "indicators": [{"code": c, "name": n, "unit": u} for c, n, u in self.indicators],
            "ranked": self.ranked,
            "rows": [r.as_dict() for r in self.rows],
            "own": [c.as_dict() for c in self.own],
            "totals": [
                {
                    "indicator": {"code": t.indicator_code, "name": t.indicator_name, "unit": t.unit},
                    "target": num(t.target),
                    "actual": num(t.actual),
                    "completion": None if t.completion is None else pct(t.completion),
                }
                for t in self.totals
            ],
            "notes": self.notes,
            "rule": SCORING_RULE,
        }


SCORING_RULE = (
    "每项目标得分:总量目标按完成率÷序时进度×100计(全年数据即完成率),最高100分;增速、比重、指数目标达到目标得100分,"
    "每低1个百分点(指数1点)扣10分,最低0分;数据缺失的目标不计分并列明。地区得分为各计分项得分的算术平均,保留1位小数;"
    "按得分从高到低排名,同分同名次。"
)


def evaluation_table(parent_region: Region | str, year: Any, user: User | None = None) -> Evaluation:
    """Every unit under ``parent_region`` with targets for ``year``: each target's completion for
    the year (the whole year's figure, or the latest of the year with a note), an item score, the
    unit's score (mean of its scored items) and its rank (ties share the better rank). The
    parent's own targets are assessed too, unranked. The rule is :data:`SCORING_RULE`."""
    parent, yr = _region(parent_region), check_year(year)
    units = compared_units(parent)
    unit_ids = [u.pk for u in units]
    targets = list(_ordered(_targets(user).filter(Q(region__in=unit_ids) | Q(region=parent), year=yr)))
    assessed = assess(targets, Period.whole_year(yr), user)
    by_target = {t.pk: t for t in targets}
    for c in assessed:
        c.score = item_score(c, by_target[c.target_id].indicator)
    own = [c for c in assessed if c.region_code == parent.code]
    by_region: dict[str, list[Completion]] = defaultdict(list)
    for c in assessed:
        if c.region_code != parent.code:
            by_region[c.region_code].append(c)
    rows: list[EvaluationRow] = []
    for u in units:
        items = by_region.get(u.code)
        if not items:
            continue
        scores = [i.score for i in items if i.score is not None]
        notes = [n for i in items if i.score is not None for n in i.notes]
        unscored = [i.indicator_name for i in items if i.score is None]
        score = round1(sum(scores, Decimal(0)) / len(scores)) if scores else None
        if score is None:
            notes.append(f"{u.name}全部目标数据缺失,未参与排名")
        elif unscored:
            notes.append(f"{u.name}{fig.join(unscored)}数据缺失,未计入得分")
        rows.append(EvaluationRow(u.code, u.name, items, score, notes=notes))
    for row, rank in zip(rows, competition_ranks([r.score for r in rows]), strict=True):
        row.rank = rank
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.region_code))
    columns = sorted(
        {t.indicator for t in targets if t.region_id != parent.pk}, key=lambda i: (i.order, i.code)
    )
    totals = _totals(rows, targets, parent)
    indicators = [(i.code, i.name, i.unit) for i in columns]
    return Evaluation(parent.code, parent.name, area_word(parent), yr, indicators, rows, own, totals)


def _totals(rows: list[EvaluationRow], targets: list[Target], parent: Region) -> list[EvaluationTotal]:
    indicators = {
        t.indicator.code: t.indicator
        for t in targets
        if t.region_id != parent.pk and t.indicator.kind == IndicatorKind.LEVEL and t.indicator.additive
    }
    out = []
    for code, ind in indicators.items():
        items = [r.item(code) for r in rows]
        present = [i for i in items if i is not None and i.target_value is not None]
        if not present:
            continue
        target = sum((i.target_value for i in present if i.target_value is not None), Decimal(0))
        complete = (
            all(i.actual is not None for i in present) and len({i.data_period_key for i in present}) == 1
        )
        actual = sum((i.actual for i in present if i.actual is not None), Decimal(0)) if complete else None
        done = round1(actual * HUNDRED / target) if actual is not None and target else None
        out.append(EvaluationTotal(code, ind.name, ind.unit, target, actual, done))
    return out
