"""Accidents (生产安全事故): the grade by 《生产安全事故报告和调查处理条例》第三条, the register and
the "连续N个月未发生较大及以上事故" run.

The grade is computed from the casualties and the direct economic loss, never typed:

=========== ============ ============== =====================
grade       死亡 (人)     重伤 (人)        直接经济损失 (万元)
=========== ============ ============== =====================
特别重大     30 以上        100 以上         10000 (1亿元) 以上
重大         10 – 29        50 – 99         5000 – 9999.99
较大         3 – 9          10 – 49         1000 – 4999.99
一般         0 – 2          0 – 9           0 – 999.99
=========== ============ ============== =====================

"以上"含本数,"以下"不含本数 (条例第三条第二款): 30 deaths is 特别重大, 29 is 重大. Each of the
three measures gives a grade; the accident's grade is the highest of them (重伤 includes 急性工业
中毒).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from tiaodu.core.errors import FieldError, InvalidInput, invalid
from tiaodu.core.permissions import ensure_added, ensure_permitted, get_scoped
from tiaodu.core.resolve import district_of
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.safety.choices import SERIOUS_GRADES, AccidentGrade
from tiaodu.safety.models import Accident, SafetySettings, Sector, Unit

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

# (grade, minimum deaths, minimum serious injuries, minimum direct loss in 万元), highest first.
# A measure at or above its minimum ("以上含本数") reaches the grade.
GRADE_TABLE: tuple[tuple[AccidentGrade, int, int, Decimal], ...] = (
    (AccidentGrade.EXTRAORDINARY, 30, 100, Decimal("10000")),
    (AccidentGrade.MAJOR, 10, 50, Decimal("5000")),
    (AccidentGrade.LARGER, 3, 10, Decimal("1000")),
)

# The measures, with their field names and labels (for ``value_negative``).
MEASURES = (("deaths", "死亡人数"), ("serious_injuries", "重伤人数"), ("direct_loss", "直接经济损失"))


def grade_of(
    deaths: int, serious_injuries: int, direct_loss_wan: Decimal | int | float | str
) -> AccidentGrade:
    """The grade of an accident by 条例第三条 (see the module's table). Negative values are
    refused with ``value_negative``."""
    loss = _decimal(direct_loss_wan, "direct_loss", "直接经济损失")
    _check_not_negative({"deaths": deaths, "serious_injuries": serious_injuries, "direct_loss": loss})
    for grade, min_deaths, min_injuries, min_loss in GRADE_TABLE:
        if deaths >= min_deaths or serious_injuries >= min_injuries or loss >= min_loss:
            return grade
    return AccidentGrade.GENERAL


def is_serious(grade: str) -> bool:
    """较大及以上: the grades that break the accident-free run."""
    return grade in SERIOUS_GRADES


def _decimal(value: Any, field: str, label: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise invalid(field, "number_invalid", f"{label}“{value}”不是数字") from None


def _check_not_negative(values: dict[str, Any]) -> None:
    errors = [
        FieldError(field, "value_negative", f"{label}不能为负数")
        for field, label in MEASURES
        if values.get(field) is not None and values[field] < 0
    ]
    if errors:
        raise InvalidInput(errors)


# --- the register ------------------------------------------------------------------------------

EDITABLE = (
    "township",
    "occurred_on",
    "unit",
    "unit_name",
    "sector",
    "deaths",
    "serious_injuries",
    "direct_loss",
    "summary",
)


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check the values an accident would have; raises ``InvalidInput`` with every
    problem at once. Facts keep the unit's township and sector when not given."""
    errors: list[FieldError] = []
    unit: Unit | None = values.get("unit")
    if unit is not None:
        values.setdefault("township", unit.township)
        values.setdefault("sector", unit.sector)
        if not (values.get("unit_name") or "").strip():
            values["unit_name"] = unit.name
    values["unit_name"] = (values.get("unit_name") or "").strip()
    if not values["unit_name"]:
        errors.append(FieldError("unit_name", "required", "事故单位名称不能为空"))
    township = values.get("township")
    if not isinstance(township, Region) or township.level != Level.TOWNSHIP:
        errors.append(FieldError("township", "township_unknown", "所属镇街必须是镇或街道"))
        township = None
    occurred_on = values.get("occurred_on")
    if not isinstance(occurred_on, date):
        errors.append(FieldError("occurred_on", "required", "请填写事故发生日期"))
    elif occurred_on > timezone.localdate():
        errors.append(FieldError("occurred_on", "date_in_future", "事故发生日期不能晚于今天"))
    for field, label in MEASURES:
        raw = values.get(field)
        if field == "direct_loss":
            try:
                values[field] = _decimal(raw, field, label)
            except InvalidInput as exc:
                errors.extend(exc.errors)
                values[field] = None
        else:
            try:
                values[field] = int(raw or 0)
            except (TypeError, ValueError):
                errors.append(FieldError(field, "number_invalid", f"{label}“{raw}”不是整数"))
                values[field] = None
    errors.extend(
        FieldError(field, "value_negative", f"{label}不能为负数")
        for field, label in MEASURES
        if values.get(field) is not None and values[field] < 0
    )
    district = district_of(township) if township is not None else None
    sector: Sector | None = values.get("sector")
    if sector is None:
        errors.append(FieldError("sector", "sector_unknown", "请选择行业领域"))
    elif district is not None and sector.region_id != district.pk:
        errors.append(FieldError("sector", "sector_unknown", f"行业领域“{sector}”不属于{district.name}"))
    if unit is not None and district is not None and unit.district_id != district.pk:
        errors.append(FieldError("unit", "unit_unknown", f"单位“{unit}”不属于{district.name}"))
    if errors:
        raise InvalidInput(errors)
    values["district"] = district
    return values


@transaction.atomic
def record_accident(actor: User | None, **fields: Any) -> Accident:
    """Add an accident to the register (``actor`` None: the operator, an import, the demo).

    Fields: ``occurred_on``, ``unit`` (optional) or ``unit_name``, ``township`` and ``sector``
    (default: the unit's), ``deaths``, ``serious_injuries``, ``direct_loss`` (万元), ``summary``.
    The grade is computed (:func:`grade_of`); negative values → ``value_negative``.
    """
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise invalid(sorted(unknown)[0], "field_unknown", f"未知字段:{'、'.join(sorted(unknown))}")
    values = _clean(dict(fields))
    accident = Accident(created_by=actor, **values)
    accident.grade = grade_of(accident.deaths, accident.serious_injuries, accident.direct_loss)
    accident.save()
    if actor is not None:
        ensure_added(actor, accident)
    return accident


@transaction.atomic
def update_accident(actor: User | None, pk: int, **fields: Any) -> Accident:
    """Correct an accident's facts; the grade is computed again."""
    if actor is not None:
        accident = get_scoped(Accident, actor, "change", pk=pk)
    else:
        accident = Accident.objects.select_for_update().get(pk=pk)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise invalid(sorted(unknown)[0], "field_not_editable", f"不能修改:{'、'.join(sorted(unknown))}")
    current = {f: getattr(accident, f) for f in EDITABLE}
    values = _clean(current | fields)
    for field, value in values.items():
        setattr(accident, field, value)
    accident.grade = grade_of(accident.deaths, accident.serious_injuries, accident.direct_loss)
    accident.save()
    if actor is not None:
        ensure_permitted(actor, "change", accident)
    return accident


# --- the accident-free run ---------------------------------------------------------------------


@dataclass(frozen=True)
class AccidentFreeRun:
    """ "连续``months``个月未发生较大及以上事故": the run started on ``since`` (the first day of
    its first month); ``last_serious`` is the 较大及以上 accident that ended the previous run
    (None when the register has none up to the date)."""

    months: int
    since: date
    last_serious: Accident | None

    def text(self) -> str:
        return f"连续{self.months}个月未发生较大及以上事故"


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _first_of(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def accident_free_run(district: Region, as_of: date) -> AccidentFreeRun:
    """The run of whole calendar months without a 较大及以上 accident in ``district`` up to ``as_of``.

    The month rule:

    - the run starts in the month **after** the month of the last 较大及以上 accident that occurred
      on or before ``as_of`` (the month of the accident itself is not accident-free); with no
      such accident it starts in the month of ``SafetySettings.record_start`` (the register is
      complete from then on); a run never starts before ``record_start``'s month;
    - the run counts every calendar month from its start up to **and including** the month of
      ``as_of`` (as of 2022-03-31 or 2022-03-15 alike, March 2022 is the run's last month); an
      accident after ``as_of`` is not seen;
    - with neither a serious accident nor a ``record_start``, the register's first accident of
      any grade marks where it is known to start; an empty register without ``record_start``
      gives 0 months from the month after ``as_of``.

    Example (潼南区): the last 较大事故 in June 2016 (or ``record_start`` 2016-07-01 and none
    since) gives 69 months as of 2022-03: July 2016 … March 2022.
    """
    district = district_of(district)
    registered = Accident.objects.filter(district=district, occurred_on__lte=as_of)
    last = (
        registered.filter(grade__in=SERIOUS_GRADES)
        .select_related("sector")
        .order_by("-occurred_on", "-pk")
        .first()
    )
    record_start = (
        SafetySettings.objects.filter(region=district).values_list("record_start", flat=True).first()
    )
    starts: list[int] = []
    if last is not None:
        starts.append(_month_index(last.occurred_on) + 1)
    if record_start is not None:
        starts.append(_month_index(record_start))
    if not starts:
        first = registered.order_by("occurred_on").values_list("occurred_on", flat=True).first()
        starts.append(_month_index(first) if first is not None else _month_index(as_of) + 1)
    start = max(starts)
    end = _month_index(as_of)
    return AccidentFreeRun(months=max(0, end - start + 1), since=_first_of(start), last_serious=last)
