"""Working days from the official calendar (weekends, public holidays, adjusted working days).

The table is seeded from the ``chinese-calendar`` package, which carries the State Council's
announced schedules: out of the box it covers every year the package knows (2004 onwards) and the
year after the last one, which falls back to Monday–Friday until the package is upgraded and the
table refreshed (``tiaodu calendar load``). Years before the package's first year are refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import chinese_calendar
from django.db import transaction
from django.db.models import F, Max, Min

from tiaodu.cases.models import WorkDay
from tiaodu.core.errors import ServiceError


def known_years() -> tuple[int, int]:
    """The first and last year whose official schedule the holiday package carries."""
    days = [*chinese_calendar.constants.holidays, *chinese_calendar.constants.workdays]
    return min(days).year, max(days).year


FIRST_YEAR, LAST_YEAR = known_years()
DEFAULT_START = date(FIRST_YEAR, 1, 1)
# The year after the last announced one works Monday–Friday until its schedule is published.
DEFAULT_END = date(LAST_YEAR + 1, 12, 31)


def _classify(day: date) -> tuple[bool, str]:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # a year the package has no schedule for yet
        return day.weekday() < 5, ""
    label = chinese_calendar.constants.Holiday(name).chinese if isinstance(name, str) and name else ""
    return (not on_holiday), (label if on_holiday else "")


def _rows(model: Any, start: date, end: date, index: int) -> Iterator[Any]:
    """Rows for [start, end], the running index continuing from ``index``."""
    day = start
    while day <= end:
        is_workday, name = _classify(day)
        index += int(is_workday)
        yield model(date=day, is_workday=is_workday, holiday_name=name, workday_index=index)
        day += timedelta(days=1)


def _check_known(start: date) -> None:
    if start.year < FIRST_YEAR:
        raise ServiceError(
            "calendar_year_unknown",
            f"节假日库没有{start.year}年的安排(最早为{FIRST_YEAR}年),不能建立该年的工作日历",
        )


@transaction.atomic
def load_calendar(start: date = DEFAULT_START, end: date = DEFAULT_END) -> int:
    """(Re)build the calendar for [start, end] with a running working-day index."""
    if end < start:
        raise ServiceError("date_range_invalid", "结束日期不能早于开始日期")
    _check_known(start)
    last = WorkDay.objects.aggregate(m=Max("date"))["m"]
    if last is not None and start > last + timedelta(days=1):
        start = last + timedelta(days=1)  # no hole between the table and the new stretch
    WorkDay.objects.filter(date__gte=start, date__lte=end).delete()
    before = WorkDay.objects.filter(date__lt=start).order_by("-date").first()
    rows = list(_rows(WorkDay, start, end, before.workday_index if before else 0))
    WorkDay.objects.bulk_create(rows, batch_size=1000)
    # Later rows (if any) must continue the running index.
    after = WorkDay.objects.filter(date__gt=end).order_by("date")
    if after.exists():
        load_calendar(end + timedelta(days=1), after.aggregate(m=Max("date"))["m"])
    return len(rows)


def extend_calendar(model: Any = WorkDay, start: date = DEFAULT_START, end: date = DEFAULT_END) -> int:
    """Add the days of [start, end] the table lacks before its first or after its last day.

    Existing rows keep their dates and the differences between their indexes (every use of
    ``workday_index`` is a difference), so due dates computed before stay the same. One bulk
    insert per end and at most one UPDATE: fast enough for a migration. ``model`` is the
    migration's historical model. Returns the number of days added.
    """
    bounds = model.objects.aggregate(lo=Min("date"), hi=Max("date"))
    lo, hi = bounds["lo"], bounds["hi"]
    if lo is None:
        rows = list(_rows(model, start, end, 0))
        model.objects.bulk_create(rows, batch_size=1000)
        return len(rows)
    added = 0
    if start < lo:
        head = list(_rows(model, start, lo - timedelta(days=1), 0))
        first = model.objects.get(date=lo)
        base = first.workday_index - int(first.is_workday)  # the index "before" the first day
        model.objects.update(workday_index=F("workday_index") + (head[-1].workday_index - base))
        model.objects.bulk_create(head, batch_size=1000)
        added += len(head)
    if end > hi:
        top = model.objects.get(date=hi).workday_index
        tail = list(_rows(model, hi + timedelta(days=1), end, top))
        model.objects.bulk_create(tail, batch_size=1000)
        added += len(tail)
    return added


def ensure_calendar() -> None:
    if not WorkDay.objects.exists():
        load_calendar()


def _bounds() -> tuple[date | None, date | None]:
    bounds = WorkDay.objects.aggregate(lo=Min("date"), hi=Max("date"))
    return bounds["lo"], bounds["hi"]


def _missing(day: date) -> ServiceError:
    """The error for a day the table does not hold, naming its year and what to do."""
    if day.year < FIRST_YEAR:
        return ServiceError(
            "calendar_out_of_range",
            f"工作日历不含{day.year}年({day:%Y-%m-%d}):节假日库只有{FIRST_YEAR}年以来的安排,无法按工作日计算",
        )
    lo, hi = _bounds()
    held = f"现有{lo}至{hi}" if lo else "工作日历为空"
    return ServiceError(
        "calendar_out_of_range",
        f"工作日历不含{day.year}年({day:%Y-%m-%d}),{held};请运行 tiaodu calendar load --to {day.year}-12-31",
    )


def _row(day: date) -> WorkDay:
    try:
        return WorkDay.objects.get(date=day)
    except WorkDay.DoesNotExist:
        raise _missing(day) from None


def add_workdays(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    target = _row(start).workday_index + days
    found = (
        WorkDay.objects.filter(is_workday=True, workday_index=target).values_list("date", flat=True).first()
    )
    if found is None:
        lo, hi = _bounds()
        if days < 0:
            raise ServiceError(
                "calendar_out_of_range", f"{start:%Y-%m-%d}前第{-days}个工作日早于工作日历的起点{lo}"
            )
        year = hi.year + 1 if hi else start.year
        raise ServiceError(
            "calendar_out_of_range",
            f"{start:%Y-%m-%d}起第{days}个工作日落在{year}年,工作日历只到{hi};"
            f"请运行 tiaodu calendar load --to {year}-12-31",
        )
    return found


def workdays_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when end < start)."""
    return _row(end).workday_index - _row(start).workday_index


def is_workday(day: date) -> bool:
    return _row(day).is_workday
