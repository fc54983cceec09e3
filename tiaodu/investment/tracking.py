"""Follow-ups (跟进记录) and funds in place (到位资金) of investment projects, and the district's
cumulative 招商引资到位资金 fed to the monitoring indicator the targets report on.

Rules:

- A follow-up is dated (not in the future); its next date, when given, is after it. The project
  keeps ``last_follow_up_on`` (the latest follow-up date) and ``next_follow_up_on`` (the next date
  of the latest follow-up: a newer follow-up without one clears it).
- Funds are entered per project, month and source (万元, not negative); entering the same
  (project, month, source) again corrects the amount. A project is given funds for a month only
  if its stage history shows it signed (or any later stage) by the end of that month, and not
  terminated before the month began — the current stage does not decide it.
- The district's figure of a year is the sum of its projects' funds from January to the month,
  written to the indicator ``zsyz_dw`` for the cumulative period 1月—M月 (1月, 一季度, 上半年,
  全年 … as the periods module names them) as a roll-up (origin 汇总) through the monitoring
  service that versions figures. After funds are recorded for a month of year Y, the periods
  1月—m月 are written for every m from the district's first month with funds in Y to the latest
  month with funds or already fed (a month without funds carries the figure before it). The
  same figure again writes nothing (no new version, no data source); a
  figure of another origin (the statistics bureau's import, a manual entry) is kept, not
  overwritten, and reported as kept.

Town users have no access to follow-ups or funds (commercial secrets).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone

from tiaodu.core.errors import FieldError, InvalidInput, invalid
from tiaodu.core.permissions import Action, ensure_permitted, get_scoped
from tiaodu.investment.choices import SIGNED_STAGES, FollowUpKind, FundSource, Stage
from tiaodu.investment.models import FollowUp, FundsInPlace, InvestmentProject, InvestmentStageChange

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.regions.models import Region

INDICATOR_CODE = "zsyz_dw"
SOURCE_NAME = "招商引资项目到位资金汇总"
MAX_AMOUNT = Decimal("999999999999.99")
# How many 万元 one unit of the indicator holds.
UNIT_FACTORS = {"万元": Decimal(1), "亿元": Decimal(10000)}


def _project(actor: User | None, project: InvestmentProject | int) -> InvestmentProject:
    """The project to write on: through the actor's scope (``change``; town users cannot), else
    locked for the operator."""
    pk = project if isinstance(project, int) else project.pk
    if actor is not None:
        return get_scoped(InvestmentProject, actor, "change", pk=pk)
    return InvestmentProject.objects.select_for_update().get(pk=pk)


# --- follow-ups ------------------------------------------------------------------------------------


@transaction.atomic
def record_follow_up(
    actor: User | None,
    project: InvestmentProject | int,
    *,
    kind: str,
    on: date,
    people: str,
    outcome: str,
    next_step: str = "",
    next_on: date | None = None,
) -> FollowUp:
    """Record one follow-up and bring the project's last / next follow-up dates up to date."""
    obj = _project(actor, project)
    errors: list[FieldError] = []
    if kind not in FollowUpKind.values:
        errors.append(
            FieldError(
                "kind",
                "invalid_choice",
                f"跟进方式“{kind}”不是可选值,可选:" + "、".join(str(x) for x in FollowUpKind.labels),
            )
        )
    if not isinstance(on, date):
        errors.append(FieldError("on", "required", "请填写跟进日期"))
    elif on > timezone.localdate():
        errors.append(FieldError("on", "date_in_future", "跟进日期不能晚于今天"))
    people, outcome, next_step = (people or "").strip(), (outcome or "").strip(), (next_step or "").strip()
    if not people:
        errors.append(FieldError("people", "required", "请填写跟进人"))
    elif len(people) > 128:
        errors.append(FieldError("people", "too_long", "跟进人不能超过128个字符"))
    if not outcome:
        errors.append(FieldError("outcome", "required", "请填写跟进情况"))
    if len(next_step) > 255:
        errors.append(FieldError("next_step", "too_long", "下一步工作不能超过255个字符"))
    if next_on is not None and isinstance(on, date) and next_on <= on:
        errors.append(FieldError("next_on", "date_order", "计划下次跟进日期应晚于本次跟进日期"))
    if errors:
        raise InvalidInput(errors)
    follow_up = FollowUp.objects.create(
        project=obj,
        kind=kind,
        on=on,
        people=people,
        outcome=outcome,
        next_step=next_step,
        next_on=next_on,
        created_by=actor,
    )
    if actor is not None:
        ensure_permitted(actor, "add", follow_up)
    latest = FollowUp.objects.filter(project=obj).order_by("-on", "-pk").values_list("on", "next_on").first()
    assert latest is not None  # the row just written
    obj.last_follow_up_on, obj.next_follow_up_on = latest
    obj.save(update_fields=["last_follow_up_on", "next_follow_up_on", "updated_at"])
    from tiaodu.investment.cards import lift_follow_up_cards

    lift_follow_up_cards(obj, on)
    return follow_up


# --- funds in place --------------------------------------------------------------------------------


def month_start(value: date | str) -> date:
    """The first day of the month of ``value`` (a date, or "2022-03" / "2022-03-15")."""
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value).strip()
    try:
        parts = [int(p) for p in text.replace("/", "-").split("-")[:2]]
        return date(parts[0], parts[1], 1)
    except (ValueError, IndexError):
        raise invalid("month", "month_invalid", f"年月“{text}”无法识别,应写作2022-03") from None


def month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def signed_by(project: InvestmentProject, on: date) -> bool:
    """Whether the stage history shows the project signed (or later) on or before ``on``."""
    return InvestmentStageChange.objects.filter(
        project=project, to_stage__in=SIGNED_STAGES, on__lte=on
    ).exists()


def terminated_before(project: InvestmentProject, on: date) -> date | None:
    """The date the project was terminated, if that was before ``on``."""
    return (
        InvestmentStageChange.objects.filter(project=project, to_stage=Stage.TERMINATED, on__lt=on)
        .values_list("on", flat=True)
        .first()
    )


def _amount(raw: Any) -> Decimal:
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise invalid("amount", "number_invalid", f"到位资金“{raw}”应为数字(万元)") from None
    if not value.is_finite():
        raise invalid("amount", "number_invalid", f"到位资金“{raw}”应为数字(万元)")
    if value < 0:
        raise invalid("amount", "negative_amount", "到位资金不能为负数")
    if value > MAX_AMOUNT:
        raise invalid("amount", "number_too_large", "到位资金超出范围")
    return value.quantize(Decimal("0.01"))


def check_funds(project: InvestmentProject, month: date) -> None:
    """``funds_before_signing`` / ``funds_after_termination`` for a project and a month (first day)."""
    if not signed_by(project, month_end(month)):
        raise invalid(
            "month",
            "funds_before_signing",
            f"项目“{project.name}”{month.year}年{month.month}月底前尚未签约,不能填报该月到位资金",
        )
    ended = terminated_before(project, month)
    if ended is not None:
        raise invalid(
            "month",
            "funds_after_termination",
            f"项目“{project.name}”已于{ended:%Y-%m-%d}终止,不能填报{month.year}年{month.month}月到位资金",
        )


@transaction.atomic
def record_funds(
    actor: User | None,
    project: InvestmentProject | int,
    *,
    month: date | str,
    amount: Decimal | int | str,
    source: str,
    feed: bool = True,
) -> FundsInPlace:
    """Enter (or correct) one project's funds in place for a month and a source, then feed the
    district's cumulative figure to monitoring (``feed=False``: the caller feeds once, e.g. an
    import after all its rows)."""
    obj = _project(actor, project)
    first = month_start(month)
    value = _amount(amount)
    if source not in FundSource.values:
        raise invalid(
            "source",
            "invalid_choice",
            f"资金来源“{source}”不是可选值,可选:" + "、".join(str(x) for x in FundSource.labels),
        )
    if first > timezone.localdate():
        raise invalid("month", "date_in_future", "到位资金年月不能晚于本月")
    check_funds(obj, first)
    row = FundsInPlace.objects.select_for_update().filter(project=obj, month=first, source=source).first()
    if row is None:
        row = FundsInPlace.objects.create(
            project=obj, month=first, amount=value, source=source, created_by=actor
        )
        action: Action = "add"
    else:
        action = "change"
        if row.amount != value:
            row.amount = value
            row.save(update_fields=["amount", "updated_at"])
    if actor is not None:
        ensure_permitted(actor, action, row)
    if feed:
        feed_from(cast("Region", obj.region), first)
    return row


# --- the district's figure -------------------------------------------------------------------------


def cumulative_funds(district: Region, year: int, month: int) -> Decimal:
    """The district's funds in place from January to ``month`` of ``year`` (万元)."""
    total = FundsInPlace.objects.filter(
        project__region=district, month__gte=date(year, 1, 1), month__lte=date(year, month, 1)
    ).aggregate(total=Sum("amount"))["total"]
    return total if total is not None else Decimal(0)


@dataclass
class Feed:
    """What one write of the district's figure did."""

    period_key: str
    value: Decimal  # in the indicator's unit
    written: str  # "created", "revised", "unchanged" or "kept" (another origin's figure stands)


def feed_indicator(district: Region, year: int, month: int) -> Feed:
    """Write the district's cumulative funds (1月 to ``month``) as the 招商引资到位资金 figure."""
    from tiaodu.monitoring.choices import ValueOrigin
    from tiaodu.monitoring.models import IndicatorValue
    from tiaodu.monitoring.periods import Period
    from tiaodu.monitoring.services import find_indicator, new_source, period_row, to_value, write_versions

    indicator = find_indicator(INDICATOR_CODE)
    factor = UNIT_FACTORS.get(indicator.unit)
    if factor is None:
        raise invalid(
            "indicator", "indicator_unit_unknown", f"指标“{indicator.name}”的单位“{indicator.unit}”无法换算"
        )
    period = period_row(Period.months(year, 1, month))
    value = to_value(cumulative_funds(district, year, month) / factor)
    current = (
        IndicatorValue.objects.select_for_update()
        .filter(region=district, indicator=indicator, period=period, is_current=True)
        .values_list("value", "source__origin")
        .first()
    )
    if current is not None and current[0] == value:
        return Feed(period.key, value, "unchanged")
    if current is not None and current[1] != ValueOrigin.ROLLUP:
        return Feed(period.key, value, "kept")
    source = new_source(
        ValueOrigin.ROLLUP,
        SOURCE_NAME,
        None,
        {"app": "investment", "region": district.code, "year": year, "month": month},
    )
    counts = write_versions(
        IndicatorValue, [(district.pk, indicator.pk, period.pk, value)], source, yield_to_others=True
    )
    return Feed(period.key, value, "created" if counts.created else "revised")


def fed_months(district: Region, year: int) -> set[int]:
    """The months m of ``year`` whose 1月—m月 figure of the district was written already."""
    from tiaodu.monitoring.models import IndicatorValue
    from tiaodu.monitoring.periods import MONTH_KINDS

    return set(
        IndicatorValue.objects.filter(
            region=district,
            indicator__code=INDICATOR_CODE,
            period__year=year,
            period__kind__in=MONTH_KINDS,
            period__first=1,
            is_current=True,
        ).values_list("period__last", flat=True)
    )


def feed_from(district: Region, first: date) -> list[Feed]:
    """After funds of the month ``first`` changed: write 1月—m月 of that year for every m from the
    district's first month with funds that year to its latest month with funds or already fed
    (figures that did not change are left as they are)."""
    year = first.year
    span = FundsInPlace.objects.filter(
        project__region=district, month__gte=date(year, 1, 1), month__lte=date(year, 12, 1)
    ).aggregate(earliest=Min("month"), latest=Max("month"))
    months = [first.month]
    months += [span[k].month for k in ("earliest", "latest") if span[k] is not None]
    months += fed_months(district, year)
    return [feed_indicator(district, year, m) for m in range(min(months), max(months) + 1)]
