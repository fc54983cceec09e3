"""赶场 market days and the fair planner's proposed dates. Lane A.

A township's :class:`~tiaodu.employment.models.MarketRule` says on which days its 场镇 holds
market: the days of the month whose last digit is one of ``digits`` (逢一四七: the 1st, 4th, 7th,
11th, 14th, 17th, 21st, 24th, 27th), counted on the 公历 or on the 农历 (lunardate). The digit 0
stands for the 10th, 20th and 30th — on the 农历 the 30th of a long month counts too.

The planner proposes, for a period, each market day of each township that has a rule (春风行动
专场 招聘会 are held where people gather anyway: on market days), in date order, skipping days
the township already has a fair on, and flagging — not dropping — statutory holidays
(chinese_calendar; weekends are not flagged).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from lunardate import LunarDate

from tiaodu.core.errors import invalid
from tiaodu.employment.choices import CalendarKind
from tiaodu.employment.models import JobFair, MarketRule
from tiaodu.regions.models import Region

MAX_PERIOD_DAYS = 366  # a planner period is at most a year


def day_number(rule: MarketRule, day: date) -> int:
    """The day of the month the rule counts with: the 公历 day or the 农历 day."""
    if rule.calendar == CalendarKind.LUNAR:
        return int(LunarDate.from_solar_date(day.year, day.month, day.day).day)
    return day.day


def is_market_day(rule: MarketRule, day: date) -> bool:
    """Is ``day`` a market day under ``rule`` (last digit of the day of the month in its digits)?"""
    return str(day_number(rule, day) % 10) in (rule.digits or "")


def period(start: date, end: date) -> Iterable[date]:
    """The days from ``start`` to ``end`` (both included); ``date_range`` when the period is
    backwards or longer than a year."""
    if end < start:
        raise invalid("to", "date_range", "结束日期不能早于开始日期")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise invalid("to", "date_range", f"时间段不能超过{MAX_PERIOD_DAYS}天")
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def market_days(township: Region, start: date, end: date) -> list[date]:
    """The township's market days from ``start`` to ``end`` (both included), under all its rules."""
    rules = list(MarketRule.objects.filter(township=township))
    return [day for day in period(start, end) if any(is_market_day(rule, day) for rule in rules)]


def holiday_name(day: date) -> str | None:
    """The statutory holiday ``day`` falls in (e.g. "Spring Festival"), None on other days
    (weekends included) and for years chinese_calendar does not know."""
    import chinese_calendar

    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name if on_holiday and name else None


@dataclass(frozen=True)
class Proposal:
    """A date the planner proposes for a fair in a township: one of its market days."""

    day: date
    township: Region
    rule: MarketRule
    holiday: bool
    holiday_name: str = ""


def propose_fair_dates(
    district: Region, start: date, end: date, townships: Iterable[Region] | None = None
) -> list[Proposal]:
    """Every market day from ``start`` to ``end`` of the district's townships that have a 赶场
    rule (only ``townships`` when given), sorted by day then township code; days on which the
    township already has a fair are left out, statutory holidays are flagged (``holiday``)."""
    days = list(period(start, end))
    rules = (
        MarketRule.objects.filter(district=district)
        .select_related("township")
        .order_by("township__code", "pk")
    )
    if townships is not None:
        rules = rules.filter(township__in=[t.pk for t in townships])
    taken = {
        (held_on, township_id)
        for township_id, held_on in JobFair.objects.filter(
            district=district, held_on__range=(start, end)
        ).values_list("township_id", "held_on")
    }
    holidays: dict[date, str | None] = {}
    found: dict[tuple[date, int], Proposal] = {}
    for rule in rules:
        for day in days:
            key = (day, rule.township_id)
            if key in found or key in taken or not is_market_day(rule, day):
                continue
            if day not in holidays:
                holidays[day] = holiday_name(day)
            name = holidays[day]
            found[key] = Proposal(day, rule.township, rule, name is not None, name or "")
    return sorted(found.values(), key=lambda p: (p.day, p.township.code))


def month_calendar(
    district: Region, year: int, month: int, townships: Iterable[Region] | None = None
) -> list[list[tuple[date | None, list[Region]]]]:
    """A month as weeks (Monday first) of (day, townships holding market that day); days outside
    the month are None. For the market page's calendar."""
    first = date(year, month, 1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    rules = list(
        MarketRule.objects.filter(district=district)
        .select_related("township")
        .order_by("township__code", "pk")
    )
    if townships is not None:
        wanted = {t.pk for t in townships}
        rules = [r for r in rules if r.township_id in wanted]
    weeks: list[list[tuple[date | None, list[Region]]]] = []
    week: list[tuple[date | None, list[Region]]] = [(None, [])] * first.weekday()
    for day in period(first, last):
        towns: list[Region] = []
        for rule in rules:
            if rule.township not in towns and is_market_day(rule, day):
                towns.append(rule.township)
        week.append((day, towns))
        if len(week) == 7:
            weeks.append(week)
            week = []
    if week:
        weeks.append(week + [(None, [])] * (7 - len(week)))
    return weeks
