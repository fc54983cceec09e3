from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from tiaodu.monitoring.periods import Period, PeriodError, parse_period

# (what staff write, canonical key, label, full label, start, end, same period last year)
FORMS = [
    (
        "2022年1-2月",
        "2022-M01-02",
        "1月—2月",
        "2022年1月—2月",
        date(2022, 1, 1),
        date(2022, 2, 28),
        "2021-M01-02",
    ),
    (
        "2022年1—2月",
        "2022-M01-02",
        "1月—2月",
        "2022年1月—2月",
        date(2022, 1, 1),
        date(2022, 2, 28),
        "2021-M01-02",
    ),
    (
        "2022年1–2月",
        "2022-M01-02",
        "1月—2月",
        "2022年1月—2月",
        date(2022, 1, 1),
        date(2022, 2, 28),
        "2021-M01-02",
    ),
    (
        "2022年1~2月",
        "2022-M01-02",
        "1月—2月",
        "2022年1月—2月",
        date(2022, 1, 1),
        date(2022, 2, 28),
        "2021-M01-02",
    ),
    (
        "2022年1至2月",
        "2022-M01-02",
        "1月—2月",
        "2022年1月—2月",
        date(2022, 1, 1),
        date(2022, 2, 28),
        "2021-M01-02",
    ),
    (
        "2022年1月—2月",
        "2022-M01-02",
        "1月—2月",
        "2022年1月—2月",
        date(2022, 1, 1),
        date(2022, 2, 28),
        "2021-M01-02",
    ),
    (
        "２０２２年１－２月",
        "2022-M01-02",
        "1月—2月",
        "2022年1月—2月",
        date(2022, 1, 1),
        date(2022, 2, 28),
        "2021-M01-02",
    ),
    (
        "2022年1-2月份",
        "2022-M01-02",
        "1月—2月",
        "2022年1月—2月",
        date(2022, 1, 1),
        date(2022, 2, 28),
        "2021-M01-02",
    ),
    (
        "2022M01-02",
        "2022-M01-02",
        "1月—2月",
        "2022年1月—2月",
        date(2022, 1, 1),
        date(2022, 2, 28),
        "2021-M01-02",
    ),
    (
        "2024年1-2月",
        "2024-M01-02",
        "1月—2月",
        "2024年1月—2月",
        date(2024, 1, 1),
        date(2024, 2, 29),
        "2023-M01-02",
    ),
    ("2022年2月", "2022-M02", "2月", "2022年2月", date(2022, 2, 1), date(2022, 2, 28), "2021-M02"),
    ("2022年2月份", "2022-M02", "2月", "2022年2月", date(2022, 2, 1), date(2022, 2, 28), "2021-M02"),
    ("2022-02", "2022-M02", "2月", "2022年2月", date(2022, 2, 1), date(2022, 2, 28), "2021-M02"),
    ("2022-2", "2022-M02", "2月", "2022年2月", date(2022, 2, 1), date(2022, 2, 28), "2021-M02"),
    ("2022/02", "2022-M02", "2月", "2022年2月", date(2022, 2, 1), date(2022, 2, 28), "2021-M02"),
    ("2022M02", "2022-M02", "2月", "2022年2月", date(2022, 2, 1), date(2022, 2, 28), "2021-M02"),
    ("2022m2", "2022-M02", "2月", "2022年2月", date(2022, 2, 1), date(2022, 2, 28), "2021-M02"),
    ("202202", "2022-M02", "2月", "2022年2月", date(2022, 2, 1), date(2022, 2, 28), "2021-M02"),
    ("2022年一季度", "2022-Q1", "一季度", "2022年一季度", date(2022, 1, 1), date(2022, 3, 31), "2021-Q1"),
    ("2022年1季度", "2022-Q1", "一季度", "2022年一季度", date(2022, 1, 1), date(2022, 3, 31), "2021-Q1"),
    ("2022年第一季度", "2022-Q1", "一季度", "2022年一季度", date(2022, 1, 1), date(2022, 3, 31), "2021-Q1"),
    ("2022年1-3月", "2022-Q1", "一季度", "2022年一季度", date(2022, 1, 1), date(2022, 3, 31), "2021-Q1"),
    ("2022Q1", "2022-Q1", "一季度", "2022年一季度", date(2022, 1, 1), date(2022, 3, 31), "2021-Q1"),
    ("2022年三季度", "2022-Q3", "三季度", "2022年三季度", date(2022, 7, 1), date(2022, 9, 30), "2021-Q3"),
    ("2022年四季度", "2022-Q4", "四季度", "2022年四季度", date(2022, 10, 1), date(2022, 12, 31), "2021-Q4"),
    (
        "2022年前三季度",
        "2022-M01-09",
        "1月—9月",
        "2022年1月—9月",
        date(2022, 1, 1),
        date(2022, 9, 30),
        "2021-M01-09",
    ),
    ("2022年上半年", "2022-H1", "上半年", "2022年上半年", date(2022, 1, 1), date(2022, 6, 30), "2021-H1"),
    ("2022年1-6月", "2022-H1", "上半年", "2022年上半年", date(2022, 1, 1), date(2022, 6, 30), "2021-H1"),
    ("2022年下半年", "2022-H2", "下半年", "2022年下半年", date(2022, 7, 1), date(2022, 12, 31), "2021-H2"),
    ("2022H1", "2022-H1", "上半年", "2022年上半年", date(2022, 1, 1), date(2022, 6, 30), "2021-H1"),
    ("2022年", "2022-Y", "全年", "2022年", date(2022, 1, 1), date(2022, 12, 31), "2021-Y"),
    ("2022", "2022-Y", "全年", "2022年", date(2022, 1, 1), date(2022, 12, 31), "2021-Y"),
    ("2022年全年", "2022-Y", "全年", "2022年", date(2022, 1, 1), date(2022, 12, 31), "2021-Y"),
    ("2022年度", "2022-Y", "全年", "2022年", date(2022, 1, 1), date(2022, 12, 31), "2021-Y"),
    ("2022年1-12月", "2022-Y", "全年", "2022年", date(2022, 1, 1), date(2022, 12, 31), "2021-Y"),
    (
        "2022年3月上旬",
        "2022-M03-X1",
        "3月上旬",
        "2022年3月上旬",
        date(2022, 3, 1),
        date(2022, 3, 10),
        "2021-M03-X1",
    ),
    (
        "2022年3月中旬",
        "2022-M03-X2",
        "3月中旬",
        "2022年3月中旬",
        date(2022, 3, 11),
        date(2022, 3, 20),
        "2021-M03-X2",
    ),
    (
        "2022年3月下旬",
        "2022-M03-X3",
        "3月下旬",
        "2022年3月下旬",
        date(2022, 3, 21),
        date(2022, 3, 31),
        "2021-M03-X3",
    ),
    (
        "2022年2月下旬",
        "2022-M02-X3",
        "2月下旬",
        "2022年2月下旬",
        date(2022, 2, 21),
        date(2022, 2, 28),
        "2021-M02-X3",
    ),
    (
        "2022年第9旬",
        "2022-M03-X3",
        "3月下旬",
        "2022年3月下旬",
        date(2022, 3, 21),
        date(2022, 3, 31),
        "2021-M03-X3",
    ),
    (
        "2022-M03-X1",
        "2022-M03-X1",
        "3月上旬",
        "2022年3月上旬",
        date(2022, 3, 1),
        date(2022, 3, 10),
        "2021-M03-X1",
    ),
    ("2022年第10周", "2022-W10", "第10周", "2022年第10周", date(2022, 3, 7), date(2022, 3, 13), "2021-W10"),
    ("2022年10周", "2022-W10", "第10周", "2022年第10周", date(2022, 3, 7), date(2022, 3, 13), "2021-W10"),
    ("2022W10", "2022-W10", "第10周", "2022年第10周", date(2022, 3, 7), date(2022, 3, 13), "2021-W10"),
    ("2022-W1", "2022-W01", "第1周", "2022年第1周", date(2022, 1, 3), date(2022, 1, 9), "2021-W01"),
    # a 53-week year compares its 53rd week with the last week of a 52-week year
    ("2020年第53周", "2020-W53", "第53周", "2020年第53周", date(2020, 12, 28), date(2021, 1, 3), "2019-W52"),
]


@pytest.mark.parametrize(("text", "key", "label", "full", "start", "end", "last_year"), FORMS)
def test_every_form_staff_write(
    text: str, key: str, label: str, full: str, start: date, end: date, last_year: str
) -> None:
    p = parse_period(text)
    assert (p.key, p.label, p.full_label, str(p)) == (key, label, full, full)
    assert (p.start, p.end) == (start, end)
    assert p.same_period_last_year().key == last_year
    assert parse_period(p.key) == p  # the canonical key reads back


def test_kinds_and_numbers() -> None:
    assert parse_period("2022年1-2月").kind == "cumulative"
    assert parse_period("2022年1-2月").numbers == (1, 2)
    assert parse_period("2022年2月").kind == "month"
    assert parse_period("2022年一季度").kind == "quarter"
    assert parse_period("2022年一季度").numbers == (1,)
    assert parse_period("2022年上半年").kind == "half"
    assert parse_period("2022年").kind == "year"
    assert parse_period("2022年").numbers == ()
    assert parse_period("2022年3月上旬").kind == "xun"
    assert parse_period("2022年3月上旬").numbers == (3, 1)
    assert parse_period("2022年第10周").kind == "week"
    assert parse_period("2022年第10周").numbers == (10,)


def test_same_months_are_the_same_period() -> None:
    """A cumulative 1—3月 figure is the first quarter's: both forms land on one key."""
    assert parse_period("2022年1-3月") == parse_period("2022年一季度") == Period.quarter(2022, 1)
    assert parse_period("2022年1-6月") == Period.half(2022, 1)
    assert parse_period("2022年1-12月") == Period.whole_year(2022)
    assert parse_period("2022年4-6月") == Period.quarter(2022, 2)
    assert Period.months(2022, 3, 5).kind == "cumulative"  # a range that is not a quarter


def test_cumulative_basis() -> None:
    assert parse_period("2022年1-2月").is_cumulative
    assert parse_period("2022年一季度").is_cumulative
    assert parse_period("2022年1月").is_cumulative
    assert not parse_period("2022年2月").is_cumulative
    assert not parse_period("2022年三季度").is_cumulative
    assert not parse_period("2022年第10周").is_cumulative


def test_dates_and_excel_cells() -> None:
    assert parse_period(date(2022, 2, 1)).key == "2022-M02"
    assert parse_period(datetime(2022, 2, 1, 0, 0)).key == "2022-M02"  # Excel turned "2022-02" into a date
    assert parse_period(Period.month(2022, 2)) == Period.month(2022, 2)


def test_whole_numbers_from_excel_are_read_as_digits() -> None:
    assert parse_period(202202).key == "2022-M02"
    assert parse_period(202202.0).key == "2022-M02"  # a whole number stored as a float
    assert parse_period(Decimal("202210")).key == "2022-M10"
    assert parse_period(2022).key == "2022-Y"


@pytest.mark.parametrize(
    "raw", [2022.1, 2022.12, Decimal("2022.10"), Decimal("2022.1"), 202202.5, float("nan")]
)
def test_numbers_with_a_fraction_are_ambiguous(raw: object) -> None:
    """Excel turns a typed "2022.10" into the number 2022.1: it must not be read as 2022年1月."""
    with pytest.raises(PeriodError) as err:
        parse_period(raw)
    assert err.value.detail_code == "period_ambiguous"
    assert err.value.errors[0].code == "period_ambiguous"
    assert "“2022年10月”" in err.value.message and "文字" in err.value.message


def test_series_for_trends() -> None:
    assert [p.label for p in parse_period("2022年1-4月").series()] == ["1月", "1月—2月", "一季度", "1月—4月"]
    assert [p.label for p in parse_period("2022年3月").series()] == ["1月", "2月", "3月"]
    assert [p.label for p in parse_period("2022年三季度").series()] == ["一季度", "二季度", "三季度"]
    assert [p.label for p in parse_period("2022年下半年").series()] == ["上半年", "下半年"]
    assert len(parse_period("2022年2月中旬").series()) == 5
    assert [p.key for p in parse_period("2022年第3周").series()] == ["2022-W01", "2022-W02", "2022-W03"]
    whole = [p.label for p in parse_period("2022年").series()]  # the year is the cumulative 1—12月
    assert len(whole) == 12
    assert whole[-1] == "全年"
    assert whole[5] == "上半年"


@pytest.mark.parametrize(
    "text",
    ["1-2月", "二〇二二年二月", "2022年春季", "2022-01-02", "2022年第五季度", "本月", "", "2022年2月上下旬"],
)
def test_unknown_forms(text: str) -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(text)
    assert err.value.detail_code == "period_unknown"
    assert err.value.errors[0].code == "period_unknown"
    assert err.value.code == "validation_error"
    assert "无法识别" in err.value.message or "不能为空" in err.value.message
    assert "2022年1-2月" in err.value.message  # the message shows the accepted forms


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2022年13月", "月份应在1至12之间"),
        ("2022年3-1月", "起始月份(3月)不能晚于截止月份(1月)"),
        ("2022年第53周", "2022年只有52周"),
        ("2022年第37旬", "一年只有36旬"),
        ("2022年0月", "月份应在1至12之间"),
        ("1800年", "超出范围"),
    ],
)
def test_impossible_periods(text: str, message: str) -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(text)
    assert err.value.detail_code == "period_invalid"
    assert message in err.value.message


def test_none_is_an_error() -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(None)
    assert err.value.detail_code == "period_unknown"
