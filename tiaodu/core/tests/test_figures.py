"""Figures in words (ADR 0013): concrete values as the seed reports write them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tiaodu.core import figures as f


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (12468, 2, "12468"),
        (Decimal("34051.00"), 2, "34051"),
        (4.60, 2, "4.6"),
        (66.814, 2, "66.81"),
        (66.815, 2, "66.82"),  # half up, not banker's rounding
        (Decimal("0.125"), 2, "0.13"),
        (Decimal("-0.04"), 1, "0"),
        (10.0, 1, "10"),
        (1182.57, 2, "1182.57"),
    ],
)
def test_number(value: f.Number, digits: int, text: str) -> None:
    assert f.number(value, digits) == text


def test_number_rejects_nan() -> None:
    with pytest.raises(ValueError, match="not a number"):
        f.number(float("nan"))


def test_count_is_exact() -> None:
    assert f.count(147, "家") == "147家"
    assert f.count(254, "件次") == "254件次"
    assert f.count(0, "笔") == "0笔"


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (2037, "人", "2000余人"),
        (213, "家", "200余家"),
        (12, "吨", "10余吨"),
        (Decimal("10.5"), "吨", "10余吨"),
        (35, "家", "30余家"),
        (108, "张", "100余张"),
        (523, "把", "500余把"),
        (352400, "只", "35万余只"),
        (9999, "人", "9000余人"),
        (10001, "人", "1万余人"),
        (350000, "只", "35万只"),  # already round: no 余
        (2000, "人", "2000人"),
        (100, "张", "100张"),
        (10, "家", "10家"),
        (7, "笔", "7笔"),  # below the threshold: exact
        (0, "人", "0人"),
        (Decimal("7.5"), "吨", "7.5吨"),
        (312_000_000, "元", "3亿余元"),
    ],
)
def test_about_rounds_down_with_yu(value: f.Number, unit: str, text: str) -> None:
    assert f.about(value, unit) == text


def test_about_threshold() -> None:
    assert f.about(47, "人", exact_below=50) == "47人"
    assert f.about(57, "人", exact_below=50) == "50余人"


@pytest.mark.parametrize(
    ("wan", "unit", "text"),
    [
        (46000, "auto", "4.6亿元"),
        (Decimal("46000.00"), "亿元", "4.6亿元"),
        (34051, "万元", "34051万元"),  # the source reports 万元: keep it
        (34051, "auto", "约3.41亿元"),  # converted and rounded: marked 约
        (34051, "亿元", "约3.41亿元"),
        (668100, "auto", "66.81亿元"),
        (1210000, "auto", "121亿元"),
        (9999, "auto", "9999万元"),
        (10000, "auto", "1亿元"),
        (Decimal("850.50"), "auto", "850.5万元"),
        (Decimal("201.92"), "万元", "201.92万元"),
        (0, "auto", "0万元"),
        (Decimal("4.6"), "亿元", "约0亿元"),
    ],
)
def test_amount(wan: f.Number, unit: f.AmountUnit, text: str) -> None:
    assert f.amount(wan, unit) == text


def test_amount_options() -> None:
    assert f.amount(34051, "亿元", approx=False) == "3.41亿元"
    assert f.amount(34051, "亿元", digits=4) == "3.4051亿元"
    assert f.amount(f.yuan_to_wan(2019200), "万元") == "201.92万元"
    with pytest.raises(ValueError, match="unknown amount unit"):
        f.amount(1, "元")  # type: ignore[arg-type]


def test_percent_and_share() -> None:
    assert f.percent(Decimal("98.3")) == "98.3%"
    assert f.percent(10) == "10%"
    assert f.percent(None) == "—"
    assert f.share(236, 254) == "92.9%"
    assert f.share(12160, 12368) == "98.3%"
    assert f.share(1, 3, digits=2) == "33.33%"
    assert f.share(0, 0) == "—"
    assert f.ratio(236, 254) == Decimal("92.9")
    assert f.ratio(5, 0) is None


def test_growth_and_change() -> None:
    assert f.growth(16.5) == "同比增长16.5%"
    assert f.growth(Decimal("-3.24")) == "同比下降3.2%"
    assert f.growth(0.04) == "同比持平"
    assert f.growth(10, prefix="比上月") == "比上月增长10%"
    assert f.change(Decimal("66.81"), Decimal("57.35")) == "同比增长16.5%"
    assert f.change(90, 100) == "同比下降10%"
    assert f.change(5, 0) == "—"


def test_points() -> None:
    assert f.points(10, Decimal("7.9")) == "高于全市2.1个百分点"
    assert f.points(10, 7.5, "全国") == "高于全国2.5个百分点"
    assert f.points(Decimal("40.9"), Decimal("34.1")) == "高于全市6.8个百分点"
    assert f.points(5.0, 5.5) == "低于全市0.5个百分点"
    assert f.points(5.01, 5.03) == "与全市持平"
    assert f.points(16.5, 13, against="全市平均") == "高于全市平均3.5个百分点"


def test_rank() -> None:
    assert f.rank(12) == "排名全市第12位"
    assert f.rank(17, "全市", verb="位列", suffix="名") == "位列全市第17名"
    assert f.rank(9, "考核组", verb="", suffix="") == "考核组第9"
    with pytest.raises(ValueError):
        f.rank(0)


def test_dates_and_lists() -> None:
    assert f.cn_date(date(2020, 2, 1)) == "2020年2月1日"
    assert f.cn_period(date(2020, 2, 1), date(2020, 4, 30)) == "2020年2月1日至4月30日"
    assert f.cn_period(date(2021, 12, 1), date(2022, 3, 31)) == "2021年12月1日至2022年3月31日"
    assert f.cn_period(date(2022, 3, 9), date(2022, 3, 9)) == "2022年3月9日"
    assert f.cn_period(date(2019, 1, 1), date(2019, 1, 31)) == "2019年1月1日至31日"
    assert (
        f.join(["酒精2批次共10余吨", "", "口罩15批次共35万余只"]) == "酒精2批次共10余吨、口罩15批次共35万余只"
    )


@pytest.mark.parametrize(
    ("wan", "text"),
    [
        (196000, "近20亿元"),  # 19.6亿: within 5 % below 20
        (199999, "近20亿元"),
        (184321, "约18.4亿元"),  # 1.6亿 short of 20: not "近"
        (200000, "20亿元"),  # a whole number is written as it is
        (5000, "5000万元"),
        (12345, "约1.2亿元"),
    ],
)
def test_amount_near(wan: int, text: str) -> None:
    assert f.amount_near(wan) == text
