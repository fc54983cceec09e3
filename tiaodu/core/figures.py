"""Figures in words: numbers written the way Chinese government reports write them.

Every module that turns records into a bulletin (通报, 简报, 工作总结) formats its numbers here, so
that "4.6亿元", "2000余人" and "高于全市2.1个百分点" mean the same thing everywhere. The rules
(ADR 0013, ``docs/adr/0013-figures-in-words.md``):

Plain numbers
    No thousands separators ("12468人"); at most ``digits`` decimals, rounded half up, trailing
    zeros dropped ("66.81", "4.6", "10" — never "4.60" or "10.0").

Counts: :func:`count` (exact) and :func:`about` (余)
    ``count(147, "家")`` → "147家". ``about`` rounds *down* and says so with 余, as the reports
    do: below 1万 it keeps the leading digit ("2000余人" for 2037, "200余家" for 213, "10余吨" for
    12, "30余家" for 35); from 1万 it counts whole 万 with 余 after 万 ("35万余只" for 352400),
    from 1亿 whole 亿 ("3亿余"). A count that is already round gets no 余 ("2000人"), and
    counts below ``exact_below`` (default 10) are written exactly ("7笔"), since "0余" says
    nothing. Which counts are rounded is the caller's choice: the seeds round collected needs
    and supplies ("2000余人") but give visits and appeals exactly ("走访企业147家").

Amounts: :func:`amount`, in 万元 / 亿元
    Amounts are stored in 万元 (``amount_wan``). ``unit="万元"`` keeps them in 万元 exactly as a
    source that reports 万元 does ("34051万元"); ``unit="亿元"`` converts (46000万元 → "4.6亿元");
    ``unit="auto"`` (the default) writes 亿元 from 1亿元 up and 万元 below. Converted amounts keep
    ``digits`` (2) decimals; when that rounding loses anything, the figure is marked "约"
    ("约3.41亿元" for 34051万元), because a bulletin must not pass a rounded figure off as exact.
    :func:`yuan_to_wan` converts amounts kept in 元.

Percentages: :func:`percent`, :func:`share`, :func:`ratio`, :func:`growth`
    One decimal by default ("98.3%", "10%"). ``share(236, 254)`` → "92.9%"; a share of nothing is
    "—". Growth is "同比增长16.5%" / "同比下降3.2%" / "同比持平".

Percentage points: :func:`points`
    The difference of two percentages, rounded to ``digits``: "高于全市2.1个百分点",
    "低于全国0.5个百分点", and "与全市持平" when the rounded difference is zero.

Ranks: :func:`rank`
    "排名全市第12位" by default; ``rank(17, "全市", verb="位列", suffix="名")`` → "位列全市第17名",
    ``rank(9, "考核组", verb="", suffix="")`` → "考核组第9".

Dates and lists
    :func:`cn_date` → "2020年2月1日"; :func:`cn_period` → "2020年2月1日至4月30日" (the year is
    not repeated within one year, nor the month within one month: "2019年1月1日至31日");
    :func:`join` joins items with the enumeration comma "、".

Punctuation follows the project's Chinese text: "," between clauses, "、" between items of a list,
"。" at the end of a sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

Number = int | float | Decimal
AmountUnit = Literal["auto", "万元", "亿元"]

WAN = Decimal(10_000)
YI = Decimal(100_000_000)
WAN_PER_YI = Decimal(10_000)
APPROX = "约"
NO_VALUE = "—"


def _dec(value: Number) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _rounded(value: Decimal, digits: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def number(value: Number, digits: int = 2) -> str:
    """A plain number: rounded half up to ``digits`` decimals, trailing zeros dropped, no separators.

    >>> number(Decimal("34051.00")), number(4.60), number(66.814), number(-0.04, 1)
    ('34051', '4.6', '66.81', '0')
    """
    try:
        value = _dec(value)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a number: {value!r}")
    rounded = _rounded(value, digits)
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def count(value: Number, unit: str = "") -> str:
    """An exact count with its measure word: ``count(147, "家")`` → "147家"."""
    return f"{number(value)}{unit}"


def about(value: Number, unit: str = "", exact_below: Number = 10) -> str:
    """A count rounded down, marked with 余: 2037 → "2000余", 352400 → "35万余", 7 → "7".

    Below ``exact_below`` the exact figure is given. A value that is already round has no 余.
    """
    n = _dec(value)
    if n < _dec(exact_below) or n < 10:
        return count(n, unit)
    if n >= YI:
        base, magnitude = (n / YI).to_integral_value(rounding=ROUND_DOWN), "亿"
        exact = base * YI == n
    elif n >= WAN:
        base, magnitude = (n / WAN).to_integral_value(rounding=ROUND_DOWN), "万"
        exact = base * WAN == n
    else:
        whole = n.to_integral_value(rounding=ROUND_DOWN)
        step = Decimal(10) ** (len(str(int(whole))) - 1)
        base, magnitude = (whole / step).to_integral_value(rounding=ROUND_DOWN) * step, ""
        exact = base == n
    return f"{number(base, 0)}{magnitude}{'' if exact else '余'}{unit}"


def yuan_to_wan(value: Number) -> Decimal:
    """An amount in 元 expressed in 万元 (exact)."""
    return _dec(value) / WAN


def amount(wan: Number, unit: AmountUnit = "auto", digits: int = 2, approx: bool = True) -> str:
    """An amount given in 万元, written in 万元 or 亿元.

    >>> amount(46000), amount(34051, "万元"), amount(34051), amount(850.5)
    ('4.6亿元', '34051万元', '约3.41亿元', '850.5万元')
    """
    value = _dec(wan)
    if unit not in ("auto", "万元", "亿元"):
        raise ValueError(f"unknown amount unit: {unit!r}")
    if unit == "亿元" or (unit == "auto" and abs(value) >= WAN_PER_YI):
        value, suffix = value / WAN_PER_YI, "亿元"
    else:
        suffix = "万元"
    text = number(value, digits)
    lossy = approx and _rounded(value, digits) != value
    return f"{APPROX if lossy else ''}{text}{suffix}"


# "近X亿元": how far below a whole number of 亿元 a total may fall and still be written as "近" it.
NEAR_WITHIN = Decimal("0.05")


def amount_near(wan: Number) -> str:
    """A total in 亿元 the way reports round it towards a round figure: "近20亿元" when it rounds up
    to a whole 20亿元 and falls short by at most 5 % (19.5 to 19.99亿元); else one decimal, with
    "约" when rounded ("约18.4亿元"); below 1亿元 in 万元.

    >>> amount_near(196000), amount_near(184321), amount_near(200000), amount_near(5000)
    ('近20亿元', '约18.4亿元', '20亿元', '5000万元')
    """
    value = _dec(wan)
    if value < WAN_PER_YI:
        return amount(value)
    yi = value / WAN_PER_YI
    whole = yi.to_integral_value(rounding=ROUND_CEILING)
    if whole != yi and whole - yi <= Decimal("0.5") and whole - yi <= whole * NEAR_WITHIN:
        return f"近{number(whole, 0)}亿元"
    return amount(value, "亿元", 1)


def ratio(part: Number, whole: Number, digits: int = 1) -> Decimal | None:
    """``part`` as a percentage of ``whole`` (rounded), or ``None`` when ``whole`` is zero."""
    whole_d = _dec(whole)
    if whole_d == 0:
        return None
    return _rounded(_dec(part) * 100 / whole_d, digits)


def percent(value: Number | None, digits: int = 1) -> str:
    """A value already in percent: 98.3 → "98.3%", 10 → "10%"; ``None`` → "—"."""
    return NO_VALUE if value is None else f"{number(value, digits)}%"


def share(part: Number, whole: Number, digits: int = 1) -> str:
    """``share(236, 254)`` → "92.9%"; a share of nothing is "—"."""
    return percent(ratio(part, whole, digits), digits)


def growth(rate: Number, prefix: str = "同比", digits: int = 1) -> str:
    """A growth rate in percent: 16.5 → "同比增长16.5%", -3.2 → "同比下降3.2%", 0 → "同比持平"."""
    value = _rounded(_dec(rate), digits)
    if value == 0:
        return f"{prefix}持平"
    verb = "增长" if value > 0 else "下降"
    return f"{prefix}{verb}{number(abs(value), digits)}%"


def change(current: Number, previous: Number, prefix: str = "同比", digits: int = 1) -> str:
    """Growth from ``previous`` to ``current``; "—" when there is nothing to compare with."""
    prev = _dec(previous)
    if prev == 0:
        return NO_VALUE
    return growth((_dec(current) - prev) * 100 / prev, prefix, digits)


def points(ours: Number, theirs: Number, against: str = "全市", digits: int = 1) -> str:
    """Percentage-point difference: "高于全市2.1个百分点", "低于全市0.5个百分点", "与全市持平"."""
    diff = _rounded(_dec(ours) - _dec(theirs), digits)
    if diff == 0:
        return f"与{against}持平"
    word = "高于" if diff > 0 else "低于"
    return f"{word}{against}{number(abs(diff), digits)}个百分点"


def rank(position: int, within: str = "全市", verb: str = "排名", suffix: str = "位") -> str:
    """ "排名全市第12位"; ``verb``/``suffix`` give "位列全市第17名" or "考核组第9"."""
    if position < 1:
        raise ValueError("a rank starts at 1")
    return f"{verb}{within}第{position}{suffix}"


def cn_date(day: date) -> str:
    """2020-02-01 → "2020年2月1日"."""
    return f"{day.year}年{day.month}月{day.day}日"


def cn_period(start: date, end: date) -> str:
    """ "2020年2月1日至4月30日", "2019年1月1日至31日": only what changes is repeated."""
    if start == end:
        return cn_date(start)
    if start.year != end.year:
        tail = cn_date(end)
    elif start.month != end.month:
        tail = f"{end.month}月{end.day}日"
    else:
        tail = f"{end.day}日"
    return f"{cn_date(start)}至{tail}"


def join(items: Iterable[str], sep: str = "、") -> str:
    """Items of one list, joined with the enumeration comma: "酒精…、口罩…"."""
    return sep.join(item for item in items if item)
