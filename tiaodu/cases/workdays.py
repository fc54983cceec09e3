"""Working days from the official calendar (weekends, public holidays, adjusted working days).

The table is seeded from the ``chinese-calendar`` package, which carries the State Council's
announced schedules; years it does not know yet fall back to Monday–Friday until the table is
refreshed (``tiaodu calendar load``).
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
from django.db import transaction
from django.db.models import Max, Min

from tiaodu.cases.models import WorkDay
from tiaodu.core.errors import ServiceError

DEFAULT_START = date(2019, 12, 1)
DEFAULT_END = date(2027, 12, 31)


def _classify(day: date) -> tuple[bool, str]:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # a year the package has no schedule for yet
        return day.weekday() < 5, ""
    label = chinese_calendar.constants.Holiday(name).chinese if isinstance(name, str) and name else ""
    return (not on_holiday), (label if on_holiday else "")


@transaction.atomic
def load_calendar(start: date = DEFAULT_START, end: date = DEFAULT_END) -> int:
    """(Re)build the calendar for [start, end] with a running working-day index."""
    if end < start:
        raise ServiceError("date_range_invalid", "结束日期不能早于开始日期")
    WorkDay.objects.filter(date__gte=start, date__lte=end).delete()
    before = WorkDay.objects.filter(date__lt=start).order_by("-date").first()
    index = before.workday_index if before else 0
    rows = []
    day = start
    while day <= end:
        is_workday, name = _classify(day)
        if is_workday:
            index += 1
        rows.append(WorkDay(date=day, is_workday=is_workday, holiday_name=name, workday_index=index))
        day += timedelta(days=1)
    WorkDay.objects.bulk_create(rows, batch_size=1000)
    # Later rows (if any) must continue the running index.
    after = WorkDay.objects.filter(date__gt=end).order_by("date")
    if after.exists():
        load_calendar(end + timedelta(days=1), after.aggregate(m=Max("date"))["m"])
    return len(rows)


def ensure_calendar() -> None:
    if not WorkDay.objects.exists():
        load_calendar()


def _row(day: date) -> WorkDay:
    try:
        return WorkDay.objects.get(date=day)
    except WorkDay.DoesNotExist:
        bounds = WorkDay.objects.aggregate(lo=Min("date"), hi=Max("date"))
        raise ServiceError(
            "calendar_out_of_range",
            f"工作日历不含{day:%Y年%m月%d日}(现有{bounds['lo']}至{bounds['hi']}),请运行 tiaodu calendar load",
        ) from None


def add_workdays(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    target = _row(start).workday_index + days
    found = (
        WorkDay.objects.filter(is_workday=True, workday_index=target).values_list("date", flat=True).first()
    )
    if found is None:
        raise ServiceError("calendar_out_of_range", "工作日历范围不足,请运行 tiaodu calendar load")
    return found


def workdays_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when end < start)."""
    return _row(end).workday_index - _row(start).workday_index


def is_workday(day: date) -> bool:
    return _row(day).is_workday
