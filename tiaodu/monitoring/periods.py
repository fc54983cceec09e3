"""Reporting periods as Chinese statistics write them: 周, 旬, 月, 1—2月 (累计), 季度, 半年, 年.

A :class:`Period` is a small immutable value: ``kind``, ``year`` and its numbers. Everything that
is made of whole months is one *month range* of one year (``first`` … ``last``) and is normalised
when it is built, so the same months always make the same period whatever staff wrote:

======================= ============ ================ ==================
written                 kind         key (stored)     label
======================= ============ ================ ==================
2022年2月, 2022-02       month        2022-M02         2月
2022年1-2月, 2022年1—2月 cumulative   2022-M01-02      1月—2月
2022年1-3月, 2022年一季度 quarter      2022-Q1          一季度
2022年4-6月, 2022年二季度 quarter      2022-Q2          二季度
2022年1-6月, 2022年上半年 half         2022-H1          上半年
2022年1-12月, 2022年     year         2022-Y           全年
2022年3月上旬            xun          2022-M03-X1      3月上旬
2022年第10周, 2022W10    week         2022-W10         第10周
======================= ============ ================ ==================

Quarters, halves and the year are month ranges too: 2022年1-3月 and 2022年一季度 are the same
period (a cumulative 1—3月 figure *is* the first quarter's), so imports that write either land
on the same key. Other ranges (1—2月, 1—9月 = 前三季度, 3—5月) are ``cumulative`` ranges.
Weeks are ISO 8601 weeks (Monday to Sunday; week 1 holds the year's first Thursday), 旬 are
days 1–10, 11–20 and 21 to the month's end. The canonical key is what the database stores; it
sorts by year and reads without a table.

:func:`parse_period` accepts what staff type (full-width digits, any dash, 月份, 第一季度,
1季度, Q1, H1, M02, 第3旬 of the year …); anything else is a :class:`PeriodError` with the stable
code ``period_unknown`` (or ``period_invalid`` for 13月, 3—1月, 第54周). A number with a fraction is
``period_ambiguous``: Excel stores a typed "2022.10" as the number 2022.1, which cannot be told
from 2022年1月, so only whole numbers (202202) and Excel dates are read from numeric cells.
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tiaodu.core.errors import FieldError, InvalidInput
from tiaodu.monitoring.choices import PeriodKind

CN_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
QUARTER_WORDS = {1: "一", 2: "二", 3: "三", 4: "四"}
XUN_WORDS = {1: "上旬", 2: "中旬", 3: "下旬"}
XUN_PARTS = {"上": 1, "中": 2, "下": 3}
HALF_WORDS = {1: "上半年", 2: "下半年"}
MONTH_KINDS = frozenset(
    k.value
    for k in (PeriodKind.MONTH, PeriodKind.CUMULATIVE, PeriodKind.QUARTER, PeriodKind.HALF, PeriodKind.YEAR)
)
FORMS_HINT = "2022年1-2月、2022年2月、2022年一季度、2022年上半年、2022年、2022年3月上旬或2022年第10周"
MIN_YEAR, MAX_YEAR = 1949, 2100
RANGE_DASH = "—"  # the em dash of "1月—2月", as the bulletins write it


class PeriodError(InvalidInput):
    """An unreadable or impossible period; ``detail_code`` is ``period_unknown``, ``period_invalid``
    or ``period_ambiguous``."""

    def __init__(self, detail_code: str, message: str) -> None:
        super().__init__([FieldError("period", detail_code, message)], message)
        self.detail_code = detail_code


def _unknown(text: str) -> PeriodError:
    return PeriodError("period_unknown", f"期别“{text}”无法识别,可写作{FORMS_HINT}")


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError("period_invalid", f"年份{year}超出范围({MIN_YEAR}—{MAX_YEAR})")


def iso_weeks(year: int) -> int:
    """How many ISO weeks the year has (52 or 53)."""
    return date(year, 12, 28).isocalendar().week


@dataclass(frozen=True)
class Period:
    """One reporting period. Build it with the class methods (they normalise and validate).

    ``first``/``last``: the first and last month for month ranges, the week number (twice) for a
    week, the month (twice) for a 旬; ``part``: 1 上旬, 2 中旬, 3 下旬 (0 otherwise).
    """

    kind: str
    year: int
    first: int
    last: int
    part: int = 0

    # --- construction ---------------------------------------------------------------------------

    @classmethod
    def months(cls, year: int, first: int, last: int | None = None) -> Period:
        """The months ``first``…``last`` of ``year``, as month, quarter, half, year or range."""
        last = first if last is None else last
        _check_year(year)
        for month in (first, last):
            if not 1 <= month <= 12:
                raise PeriodError("period_invalid", f"月份应在1至12之间(现为{month})")
        if first > last:
            raise PeriodError("period_invalid", f"起始月份({first}月)不能晚于截止月份({last}月)")
        if first == last:
            kind = PeriodKind.MONTH
        elif (first, last) == (1, 12):
            kind = PeriodKind.YEAR
        elif (first, last) in ((1, 6), (7, 12)):
            kind = PeriodKind.HALF
        elif last - first == 2 and first % 3 == 1:
            kind = PeriodKind.QUARTER
        else:
            kind = PeriodKind.CUMULATIVE
        return cls(str(kind), year, first, last)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls.months(year, month, month)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise PeriodError("period_invalid", f"季度应在1至4之间(现为{quarter})")
        return cls.months(year, quarter * 3 - 2, quarter * 3)

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        if half not in (1, 2):
            raise PeriodError("period_invalid", "半年应为上半年或下半年")
        return cls.months(year, 1, 6) if half == 1 else cls.months(year, 7, 12)

    @classmethod
    def whole_year(cls, year: int) -> Period:
        return cls.months(year, 1, 12)

    @classmethod
    def week(cls, year: int, week: int) -> Period:
        _check_year(year)
        weeks = iso_weeks(year)
        if not 1 <= week <= weeks:
            raise PeriodError("period_invalid", f"{year}年只有{weeks}周(现为第{week}周)")
        return cls(str(PeriodKind.WEEK), year, week, week)

    @classmethod
    def xun(cls, year: int, month: int, part: int) -> Period:
        _check_year(year)
        if not 1 <= month <= 12:
            raise PeriodError("period_invalid", f"月份应在1至12之间(现为{month})")
        if part not in XUN_WORDS:
            raise PeriodError("period_invalid", "旬应为上旬、中旬或下旬")
        return cls(str(PeriodKind.XUN), year, month, month, part)

    @classmethod
    def from_key(cls, key: str) -> Period:
        return parse_period(key)

    # --- what it is -------------------------------------------------------------------------------

    @property
    def is_months(self) -> bool:
        """Made of whole months (month, range, quarter, half, year)."""
        return self.kind in MONTH_KINDS

    @property
    def is_cumulative(self) -> bool:
        """From January to a month: the basis of 累计 figures (1月, 1—2月, 一季度, 上半年, 全年)."""
        return self.is_months and self.first == 1

    @property
    def numbers(self) -> tuple[int, ...]:
        """The numbers that name it within the year: (2,) for 2月, (1, 2) for 1—2月, (1,) for
        一季度 and 上半年, () for the year, (3, 1) for 3月上旬, (10,) for 第10周."""
        if self.kind == PeriodKind.MONTH or self.kind == PeriodKind.WEEK:
            return (self.first,)
        if self.kind == PeriodKind.CUMULATIVE:
            return (self.first, self.last)
        if self.kind == PeriodKind.QUARTER:
            return (self.last // 3,)
        if self.kind == PeriodKind.HALF:
            return (1 if self.first == 1 else 2,)
        if self.kind == PeriodKind.XUN:
            return (self.first, self.part)
        return ()

    @property
    def key(self) -> str:
        """The canonical key stored in the database: 2022-M01-02, 2022-Q1, 2022-W10 …"""
        y = self.year
        if self.kind == PeriodKind.MONTH:
            return f"{y}-M{self.first:02d}"
        if self.kind == PeriodKind.CUMULATIVE:
            return f"{y}-M{self.first:02d}-{self.last:02d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{y}-Q{self.last // 3}"
        if self.kind == PeriodKind.HALF:
            return f"{y}-H{1 if self.first == 1 else 2}"
        if self.kind == PeriodKind.YEAR:
            return f"{y}-Y"
        if self.kind == PeriodKind.XUN:
            return f"{y}-M{self.first:02d}-X{self.part}"
        return f"{y}-W{self.first:02d}"

    @property
    def label(self) -> str:
        """The label without the year, as bulletins write it: 1月—2月, 2月, 一季度, 上半年, 全年,
        3月上旬, 第10周."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.first}月"
        if self.kind == PeriodKind.CUMULATIVE:
            return f"{self.first}月{RANGE_DASH}{self.last}月"
        if self.kind == PeriodKind.QUARTER:
            return f"{QUARTER_WORDS[self.last // 3]}季度"
        if self.kind == PeriodKind.HALF:
            return HALF_WORDS[1 if self.first == 1 else 2]
        if self.kind == PeriodKind.YEAR:
            return "全年"
        if self.kind == PeriodKind.XUN:
            return f"{self.first}月{XUN_WORDS[self.part]}"
        return f"第{self.first}周"

    @property
    def full_label(self) -> str:
        """With the year: 2022年1月—2月, 2022年一季度, 2022年 (the whole year), 2022年第10周."""
        return f"{self.year}年" if self.kind == PeriodKind.YEAR else f"{self.year}年{self.label}"

    def __str__(self) -> str:
        return self.full_label

    @property
    def start(self) -> date:
        if self.kind == PeriodKind.WEEK:
            return date.fromisocalendar(self.year, self.first, 1)
        if self.kind == PeriodKind.XUN:
            return date(self.year, self.first, (self.part - 1) * 10 + 1)
        return date(self.year, self.first, 1)

    @property
    def end(self) -> date:
        if self.kind == PeriodKind.WEEK:
            return self.start + timedelta(days=6)
        last_day = calendar.monthrange(self.year, self.last)[1]
        if self.kind == PeriodKind.XUN:
            return date(self.year, self.first, last_day if self.part == 3 else self.part * 10)
        return date(self.year, self.last, last_day)

    def same_period_last_year(self) -> Period:
        """The period a year-on-year figure compares with. A 53rd week compares with the last
        week of a 52-week year."""
        if self.kind == PeriodKind.WEEK:
            return Period.week(self.year - 1, min(self.first, iso_weeks(self.year - 1)))
        return Period(self.kind, self.year - 1, self.first, self.last, self.part)

    def series(self) -> list[Period]:
        """The year's periods of the same basis up to this one, for a trend: 1月, 1—2月 … for a
        cumulative figure; the months, quarters, 旬 or weeks so far otherwise."""
        y = self.year
        if self.kind == PeriodKind.WEEK:
            return [Period.week(y, w) for w in range(1, self.first + 1)]
        if self.kind == PeriodKind.XUN:
            return [
                Period.xun(y, m, p)
                for m in range(1, self.first + 1)
                for p in (1, 2, 3)
                if (m, p) <= (self.first, self.part)
            ]
        if self.is_cumulative:
            return [Period.months(y, 1, m) for m in range(1, self.last + 1)]
        if self.kind == PeriodKind.MONTH:
            return [Period.month(y, m) for m in range(1, self.first + 1)]
        if self.kind == PeriodKind.QUARTER:
            return [Period.quarter(y, q) for q in range(1, self.last // 3 + 1)]
        if self.kind == PeriodKind.HALF:
            return [Period.half(y, 1), self]
        return [self]

    @property
    def sort_key(self) -> tuple[int, date, date]:
        return (self.year, self.end, self.start)


# --- parsing ----------------------------------------------------------------------------------------

_DASHES = re.compile(r"[-—–−~〜至到]+")
_Y = r"(?P<y>\d{4})"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # canonical keys and ISO-ish forms
    (re.compile(_Y + r"-?M(?P<a>\d{1,2})-M?(?P<b>\d{1,2})"), "range"),
    (re.compile(_Y + r"-?M(?P<m>\d{1,2})-?X(?P<p>[123])"), "xun_key"),
    (re.compile(_Y + r"(?:-?M|[-/.])(?P<m>\d{1,2})"), "month"),
    (re.compile(r"(?P<y>\d{4})(?P<m>0[1-9]|1[0-2])"), "month"),
    (re.compile(_Y + r"-?Q(?P<q>[1-4])"), "quarter"),
    (re.compile(_Y + r"-?H(?P<h>[12])"), "half"),
    (re.compile(_Y + r"-?W(?P<w>\d{1,2})"), "week"),
    (re.compile(_Y + r"(?:-?Y)?"), "year"),
    # Chinese forms
    (re.compile(_Y + r"年(?P<a>\d{1,2})月?-(?P<b>\d{1,2})月(?:份)?"), "range"),
    (re.compile(_Y + r"年(?P<m>\d{1,2})月(?:份)?"), "month"),
    (re.compile(_Y + r"年(?P<m>\d{1,2})月(?P<p>[上中下])旬"), "xun"),
    (re.compile(_Y + r"年第?(?P<n>\d{1,2})旬"), "xun_of_year"),
    (re.compile(_Y + r"年第?(?P<q>[一二三四1-4])季度?"), "quarter"),
    (re.compile(_Y + r"年(?:第?(?P<q1>[一1])-(?:第)?)(?P<q>[一二三四1-4])季度"), "quarters"),
    (re.compile(_Y + r"年前(?P<q>[一二三1-3])季度"), "quarters"),
    (re.compile(_Y + r"年(?P<h>[上下])半年"), "half_cn"),
    (re.compile(_Y + r"年第?(?P<w>\d{1,2})周"), "week"),
    (re.compile(_Y + r"年(?:全年|度)?"), "year"),
]


def _normalise(text: str) -> str:
    value = unicodedata.normalize("NFKC", text)  # full-width digits and letters, ～ and －
    value = re.sub(r"\s+", "", value).upper()
    return _DASHES.sub("-", value)


def parse_period(raw: Any) -> Period:
    """A :class:`Period` from what staff write (see the module documentation for the forms).

    A ``Period`` is returned as it is; a date or datetime (Excel turns "2022-02" into
    2022-02-01) is its month. A number is read as the digits of a whole number (202202 is
    2022年2月); a number with a fraction is refused (``period_ambiguous``): Excel turns a typed
    "2022.10" into 2022.1, the same number as "2022.1".
    """
    if isinstance(raw, Period):
        return raw
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return Period.month(raw.year, raw.month)
    if raw is None:
        raise PeriodError("period_unknown", f"期别不能为空,可写作{FORMS_HINT}")
    if isinstance(raw, float | Decimal):
        raw = _whole_number(raw)
    text = str(raw).strip()
    value = _normalise(text)
    for pattern, form in _PATTERNS:
        match = pattern.fullmatch(value)
        if match:
            return _build(form, {k: v for k, v in match.groupdict().items() if v is not None})
    raise _unknown(text)


def _whole_number(raw: float | Decimal) -> int:
    """A numeric cell as the whole number it holds; ``period_ambiguous`` when it has a fraction."""
    finite = raw.is_finite() if isinstance(raw, Decimal) else math.isfinite(raw)
    if finite and raw == int(raw):
        return int(raw)
    raise PeriodError(
        "period_ambiguous",
        f"期别“{raw}”是带小数的数字,无法确定月份(Excel会把输入的“2022.10”存为数字2022.1,与2022年1月无法区分);"
        "请将期别写成文字,如“2022年10月”,或把该列设为文本格式后重新填写",
    )


def _build(form: str, g: dict[str, str]) -> Period:
    year = int(g["y"])
    if form == "range":
        return Period.months(year, int(g["a"]), int(g["b"]))
    if form == "month":
        return Period.month(year, int(g["m"]))
    if form == "xun":
        return Period.xun(year, int(g["m"]), XUN_PARTS[g["p"]])
    if form == "xun_key":
        return Period.xun(year, int(g["m"]), int(g["p"]))
    if form == "xun_of_year":
        n = int(g["n"])
        if not 1 <= n <= 36:
            raise PeriodError("period_invalid", f"一年只有36旬(现为第{n}旬)")
        return Period.xun(year, (n - 1) // 3 + 1, (n - 1) % 3 + 1)
    if form == "quarter":
        return Period.quarter(year, CN_NUMERALS[g["q"]])
    if form == "quarters":  # 前三季度, 1—3季度: cumulative from January
        return Period.months(year, 1, CN_NUMERALS[g["q"]] * 3)
    if form == "half":
        return Period.half(year, int(g["h"]))
    if form == "half_cn":
        return Period.half(year, 1 if g["h"] == "上" else 2)
    if form == "week":
        return Period.week(year, int(g["w"]))
    _check_year(year)
    return Period.whole_year(year)
