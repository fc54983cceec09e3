"""The working-day calendar: official holidays and adjusted working days (调休)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from tiaodu.cases.models import WorkDay
from tiaodu.cases.workdays import (
    FIRST_YEAR,
    LAST_YEAR,
    add_workdays,
    extend_calendar,
    is_workday,
    load_calendar,
    workdays_between,
)
from tiaodu.core.errors import ServiceError

pytestmark = pytest.mark.django_db


def workdays_in(year: int) -> int:
    return WorkDay.objects.filter(date__year=year, is_workday=True).count()


def test_2024_has_251_working_days() -> None:
    assert workdays_in(2024) == 251
    assert WorkDay.objects.filter(date__year=2024).count() == 366


@pytest.mark.parametrize(
    ("day", "working", "holiday"),
    [
        (date(2026, 2, 14), True, ""),  # Saturday, worked before the Spring Festival
        (date(2026, 2, 28), True, ""),  # Saturday, worked after it
        (date(2026, 2, 17), False, "春节"),
        (date(2024, 9, 29), True, ""),  # Sunday before National Day
        (date(2024, 10, 1), False, "国庆节"),
        (date(2024, 10, 7), False, "国庆节"),
        (date(2024, 10, 12), True, ""),  # Saturday after it
        (date(2024, 10, 13), False, ""),  # an ordinary Sunday
        (date(2025, 1, 1), False, "元旦"),
        (date(2020, 1, 2), True, ""),
    ],
)
def test_official_schedule(day: date, working: bool, holiday: str) -> None:
    assert is_workday(day) is working
    assert WorkDay.objects.get(date=day).holiday_name == holiday


def test_every_year_of_the_seed_is_plausible() -> None:
    for year in range(2020, 2027):
        assert 245 <= workdays_in(year) <= 252, year


def test_running_index_counts_working_days() -> None:
    rows = list(WorkDay.objects.filter(date__year=2024).order_by("date"))
    previous = WorkDay.objects.get(date=date(2023, 12, 31)).workday_index
    for row in rows:
        assert row.workday_index == previous + int(row.is_workday), row.date
        previous = row.workday_index


def test_add_workdays() -> None:
    assert add_workdays(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert add_workdays(date(2024, 9, 27), 1) == date(2024, 9, 29)  # the adjusted Sunday
    assert add_workdays(date(2024, 10, 3), 1) == date(2024, 10, 8)  # counting from a holiday
    assert add_workdays(date(2024, 9, 24), 5) == date(2024, 9, 30)
    assert add_workdays(date(2024, 10, 11), 1) == date(2024, 10, 12)
    assert add_workdays(date(2024, 12, 31), 0) == date(2024, 12, 31)


def test_workdays_between() -> None:
    assert workdays_between(date(2024, 9, 30), date(2024, 10, 12)) == 5
    assert workdays_between(date(2024, 10, 12), date(2024, 9, 30)) == -5
    assert workdays_between(date(2024, 1, 1), date(2024, 12, 31)) == 251  # Jan 1 is a holiday
    assert workdays_between(date(2024, 10, 1), date(2024, 10, 7)) == 0


def test_out_of_range() -> None:
    for fn, args in ((add_workdays, (date(2030, 1, 1), 1)), (is_workday, (date(1999, 1, 1),))):
        with pytest.raises(ServiceError) as info:
            fn(*args)  # type: ignore[operator]
        assert info.value.code == "calendar_out_of_range"
    with pytest.raises(ServiceError) as info:
        add_workdays(date(2027, 12, 30), 30)
    assert info.value.code == "calendar_out_of_range"
    assert "落在2028年" in info.value.message and "calendar load --to 2028-12-31" in info.value.message


def test_reload_keeps_the_index_consistent() -> None:
    before = dict(WorkDay.objects.filter(date__year__in=[2024, 2025]).values_list("date", "workday_index"))
    # Corrupt a stretch, then rebuild it: the rows after it must continue the running index.
    WorkDay.objects.filter(date__year=2024).update(workday_index=0, is_workday=False)
    assert load_calendar(date(2024, 1, 1), date(2024, 12, 31)) == 366
    after = dict(WorkDay.objects.filter(date__year__in=[2024, 2025]).values_list("date", "workday_index"))
    assert after == before
    with pytest.raises(ServiceError):
        load_calendar(date(2024, 2, 1), date(2024, 1, 1))


def test_calendar_command(capsys: Any) -> None:
    call_command("calendar", "load", "--from", "2026-01-01", "--to", "2026-12-31")
    assert "365" in capsys.readouterr().out
    assert is_workday(date(2026, 2, 14))
    with pytest.raises(CommandError, match="date_invalid"):
        call_command("calendar", "load", "--from", "2026-02-30")
    with pytest.raises(CommandError, match="date_range_invalid"):
        call_command("calendar", "load", "--from", "2026-02-01", "--to", "2026-01-01")


def test_weekdays_are_mostly_working() -> None:
    # Sanity: outside holidays, Monday–Friday work and weekends rest.
    day = date(2025, 3, 3)
    for offset in range(14):
        current = day + timedelta(days=offset)
        assert is_workday(current) is (current.weekday() < 5)


def test_out_of_the_box_every_year_the_holiday_package_knows() -> None:
    assert (FIRST_YEAR, LAST_YEAR) == (2004, 2026)  # chinese-calendar 1.11
    assert WorkDay.objects.order_by("date").first().date == date(2004, 1, 1)  # type: ignore[union-attr]
    assert WorkDay.objects.order_by("date").last().date == date(2027, 12, 31)  # type: ignore[union-attr]
    assert WorkDay.objects.count() == (date(2027, 12, 31) - date(2004, 1, 1)).days + 1
    for year in range(2004, 2027):
        assert 240 <= workdays_in(year) <= 252, year


def test_a_2019_date() -> None:
    assert is_workday(date(2019, 10, 1)) is False
    assert WorkDay.objects.get(date=date(2019, 10, 1)).holiday_name == "国庆节"
    assert is_workday(date(2019, 9, 29)) is True  # the Sunday worked before National Day
    assert add_workdays(date(2019, 9, 30), 1) == date(2019, 10, 8)
    assert add_workdays(date(2019, 9, 27), 1) == date(2019, 9, 29)
    # Across the old start of the table (2019-12-01): Friday 29 November to Monday 2 December.
    assert workdays_between(date(2019, 11, 29), date(2019, 12, 2)) == 1
    assert add_workdays(date(2019, 11, 20), 15) == date(2019, 12, 11)


def test_a_2005_date() -> None:
    assert WorkDay.objects.get(date=date(2005, 10, 3)).holiday_name == "国庆节"
    assert is_workday(date(2005, 10, 8)) is True  # Saturday worked after the golden week
    assert add_workdays(date(2005, 9, 30), 1) == date(2005, 10, 8)
    assert workdays_between(date(2005, 1, 1), date(2005, 12, 31)) == workdays_in(2005)


def test_a_year_the_holiday_package_does_not_know() -> None:
    with pytest.raises(ServiceError) as info:
        add_workdays(date(2003, 6, 2), 5)
    assert info.value.code == "calendar_out_of_range"
    assert "工作日历不含2003年" in info.value.message and "2004年以来" in info.value.message
    with pytest.raises(ServiceError) as info:
        load_calendar(date(2003, 1, 1), date(2004, 12, 31))
    assert info.value.code == "calendar_year_unknown"
    assert "2003年" in info.value.message
    with pytest.raises(ServiceError) as info:
        is_workday(date(2031, 3, 2))
    assert "工作日历不含2031年" in info.value.message and "--to 2031-12-31" in info.value.message


def test_a_load_past_the_end_leaves_no_hole() -> None:
    assert load_calendar(date(2029, 1, 1), date(2029, 1, 31)) == 366 + 31  # 2028 (a leap year) filled in too
    assert is_workday(date(2028, 6, 1)) is True
    assert workdays_between(date(2027, 12, 31), date(2028, 1, 3)) == 1


def test_extending_an_install_seeded_from_2019_keeps_every_due_date() -> None:
    full = dict(WorkDay.objects.values_list("date", "workday_index"))
    # The table as migration 0002 left it before: 2019-12-01 … 2027-12-31, index from 1.
    start = date(2019, 12, 1)
    offset = full[start - timedelta(days=1)]
    WorkDay.objects.filter(date__lt=start).delete()
    WorkDay.objects.update(workday_index=F("workday_index") - offset)
    due = add_workdays(date(2024, 9, 24), 5)
    assert extend_calendar() == (start - date(2004, 1, 1)).days
    assert dict(WorkDay.objects.values_list("date", "workday_index")) == full
    assert add_workdays(date(2024, 9, 24), 5) == due == date(2024, 9, 30)
    assert extend_calendar() == 0  # idempotent
