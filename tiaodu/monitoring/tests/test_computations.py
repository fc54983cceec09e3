from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tiaodu.core import figures as fig
from tiaodu.core.imports import run_import
from tiaodu.monitoring.computations import (
    compare,
    competition_ranks,
    growth_rate,
    points_diff,
    points_phrase,
    ranking,
    share,
    trend,
)
from tiaodu.monitoring.index import rank_desc
from tiaodu.monitoring.tests.seed import CITY, PERIOD, SEED_SENTENCE, TONGNAN

D = Decimal


# --- pure functions ------------------------------------------------------------------------------


def test_growth_one_decimal_half_up() -> None:
    assert growth_rate(D("66.81"), D("57.35")) == D("16.5")  # 16.4952…
    assert growth_rate(D("18.09"), D("14.77")) == D("22.5")  # 22.478…
    assert growth_rate(D("116.45"), D("100")) == D("16.5")  # an exact half goes up
    assert growth_rate(D("83.55"), D("100")) == D("-16.5")  # and away from zero below
    assert growth_rate(D("100"), D("100")) == D("0.0")
    assert growth_rate(D("5"), D("0")) is None  # not defined
    assert growth_rate(None, D("3")) is None
    assert growth_rate(D("-5"), D("-10")) == D("50.0")  # a loss halved is growth on |last year|


def test_share_and_points() -> None:
    assert share(D("7.4"), D("18.09")) == D("40.9")
    assert share(D("170.5"), D("500")) == D("34.1")
    assert share(D("1"), D("0")) is None
    assert points_diff(D("40.9"), D("34.1")) == D("6.8")
    assert points_diff(D("16.4952"), D("12.9944")) == D("3.5")  # on the published 16.5 and 13.0
    assert points_phrase(D("10"), D("7.9"), "全市") == "高于全市2.1个百分点"
    assert points_phrase(D("7"), D("7.5"), "全国") == "低于全国0.5个百分点"
    assert points_phrase(D("7.5"), D("7.5"), "全市") == "与全市持平"
    assert points_phrase(D("7.54"), D("7.45"), "全市") == "与全市持平"  # 7.5 vs 7.5 as published


def test_ranks_share_the_better_rank() -> None:
    values = [D("10"), D("12.5"), D("12.5"), None, D("3")]
    assert competition_ranks(values) == [3, 1, 1, None, 4]
    assert competition_ranks(values, "lower") == [2, 3, 3, None, 1]
    floats = [None if v is None else float(v) for v in values]
    assert competition_ranks(values) == rank_desc(floats)  # the index module agrees


# --- the seed -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_the_seed_figures() -> None:
    output = compare(TONGNAN, PERIOD, "规上工业产值")
    assert output.value_text == "66.81亿元"
    assert output.growth_text == "同比增长16.5%"
    assert output.figures.growth_basis == "computed"
    assert output.benchmark(CITY).phrase == "高于全市3.5个百分点"  # type: ignore[union-attr]
    assert output.benchmark(CITY).percent == D("13.0")  # type: ignore[union-attr]

    invest = compare(TONGNAN, PERIOD, "工业投资")
    assert (invest.value_text, invest.growth_text) == ("18.09亿元", "同比增长22.5%")
    assert invest.benchmark(CITY).phrase == "高于全市7.9个百分点"  # type: ignore[union-attr]
    assert (invest.rank, invest.ranked, invest.group_name, invest.group_rank) == (17, 38, "主城新区", 9)
    assert fig.rank(invest.rank, invest.rank_word, verb="位列", suffix="名") == "位列全市第17名"
    assert fig.rank(invest.group_rank, "考核组", verb="", suffix="") == "考核组第9"

    tech = compare(TONGNAN, PERIOD, "工业技改投资")
    assert tech.value_text == "7.4亿元"
    assert tech.share_text == "占工业投资比重40.9%"
    assert tech.benchmark(CITY).phrase == "高于全市6.8个百分点"  # type: ignore[union-attr]
    assert (tech.rank, tech.group_rank) == (6, 6)
    assert tech.rank_text == "排名全市第6位"
    assert tech.group_rank_text == "考核组第6位"

    rate = compare(TONGNAN, PERIOD, "规模以上工业增加值增速")
    assert rate.value_text == "10%"
    assert [b.phrase for b in rate.benchmarks] == ["高于全市2.1个百分点", "高于全国2.5个百分点"]
    assert rate.rank_text == "排名全市第12位"

    index = compare(TONGNAN, PERIOD, "工业经济运行综合指数")
    assert (index.value_text, index.rank_text) == ("74.41", "排名全市第12位")


@pytest.mark.usefixtures("seeded")
def test_the_seed_sentence_from_the_comparisons() -> None:
    """Every figure and comparison of the seed's sentence, put together the seed's way."""
    index = compare(TONGNAN, PERIOD, "工业经济运行综合指数")
    rate = compare(TONGNAN, PERIOD, "规模以上工业增加值增速")
    output = compare(TONGNAN, PERIOD, "规模以上工业总产值")
    invest = compare(TONGNAN, PERIOD, "工业投资")
    tech = compare(TONGNAN, PERIOD, "工业技术改造投资")
    assert index.rank and invest.rank and invest.group_rank and tech.group_rank
    sentence = (
        f"{index.period_label},{index.region_name}{index.indicator_name}{index.value_text},{index.rank_text};"
        f"{rate.indicator_name}{rate.value_text},{','.join(b.phrase for b in rate.benchmarks)},{rate.rank_text};"
        f"规上工业产值完成{output.value_text},{output.growth_text},{output.benchmarks[0].phrase};"
        f"{invest.indicator_name}完成{invest.value_text},{invest.growth_text},{invest.benchmarks[0].phrase},"
        f"{fig.rank(invest.rank, '全市', verb='位列', suffix='名')},{fig.rank(invest.group_rank, '考核组', verb='', suffix='')},"
        f"其中:工业技改投资{tech.value_text},{tech.share_text},{tech.benchmarks[0].phrase},"
        f"{tech.rank_text},{tech.group_rank_text}。"
    )
    assert sentence == SEED_SENTENCE


@pytest.mark.usefixtures("seeded")
def test_ranking_table_of_all_county_units() -> None:
    table = ranking(CITY, "工业投资", PERIOD)
    assert len(table.rows) == 38 and table.ranked == 38 and table.word == "全市"
    tongnan = table.row(TONGNAN)
    assert tongnan is not None and tongnan.figures.growth == D("22.5")
    ranks = sorted(r.rank for r in table.rows if r.rank)
    assert ranks == list(range(1, 39))
    groups = {r.group_name for r in table.rows}
    assert groups == {"主城新区", "中心城区", "渝东北三峡库区城镇群", "渝东南武陵山区城镇群"}


@pytest.mark.usefixtures("seeded")
def test_nation_benchmark_missing_is_said(tmp_path: Path) -> None:
    output = compare(TONGNAN, PERIOD, "规模以上工业总产值")
    nation = output.benchmark("100000")
    assert nation is not None and nation.phrase == "" and nation.diff is None
    assert "全国规模以上工业总产值数据缺失,无法比较" in output.notes


def _import(tmp_path: Path, rows: list[list[Any]], name: str = "x.csv") -> None:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["地区代码", "期别", "指标", "数值"], *rows])
    result = run_import("indicators", path)
    assert result.ok, result.error_lines()


@pytest.mark.usefixtures("seeded")
def test_reported_growth_and_share_win(tmp_path: Path) -> None:
    """The statistics office's published growth (可比口径) and share are used when stored."""
    _import(
        tmp_path,
        [
            [TONGNAN, PERIOD, "规模以上工业总产值增速", "16.8"],
            [CITY, PERIOD, "规模以上工业总产值增速", "12.1"],
            [TONGNAN, PERIOD, "工业技改投资占工业投资比重", "41"],
        ],
    )
    output = compare(TONGNAN, PERIOD, "规模以上工业总产值")
    assert (output.growth, output.figures.growth_basis) == (D("16.8"), "reported")
    assert output.benchmark(CITY).phrase == "高于全市4.7个百分点"  # type: ignore[union-attr]
    tech = compare(TONGNAN, PERIOD, "工业技术改造投资")
    assert (tech.share, tech.figures.share_basis) == (D("41.0"), "reported")
    assert tech.benchmark(CITY).phrase == "高于全市6.9个百分点"  # type: ignore[union-attr]


@pytest.mark.usefixtures("seeded")
def test_derived_ratio_indicator() -> None:
    ratio = compare(TONGNAN, PERIOD, "工业技改投资占工业投资比重")
    assert ratio.value == D("40.9")
    assert ratio.value_text == "40.9%"
    assert ratio.benchmark(CITY).phrase == "高于全市6.8个百分点"  # type: ignore[union-attr]
    assert ratio.rank == 6


@pytest.mark.usefixtures("seeded")
def test_ties_and_missing_regions(tmp_path: Path) -> None:
    # 渝中区 500103 gets exactly 潼南's growth: they share the better rank; 万州 500101 loses its figure
    _import(tmp_path, [["500103", PERIOD, "工业投资", "122.5"], ["500103", "2021年1-2月", "工业投资", "100"]])
    from tiaodu.monitoring.models import IndicatorValue

    IndicatorValue.objects.filter(region__code="500101", indicator__code="gy_tz").delete()
    table = ranking(CITY, "工业投资", PERIOD)
    assert table.row("500103").rank == table.row(TONGNAN).rank  # type: ignore[union-attr]
    assert table.row("500101").rank is None  # type: ignore[union-attr]
    assert table.ranked == 37
    missing = compare("500101", PERIOD, "工业投资")
    assert missing.rank is None and "万州区1月—2月工业投资数据缺失" in missing.notes


@pytest.mark.usefixtures("seeded")
def test_lower_is_better(tmp_path: Path) -> None:
    from tiaodu.monitoring.models import Indicator

    Indicator.objects.filter(code="gy_zjz_zs").update(direction="lower")
    assert compare(TONGNAN, PERIOD, "规模以上工业增加值增速").rank == 27  # 38 − 12 + 1


@pytest.mark.usefixtures("seeded")
def test_trend_over_the_year(tmp_path: Path) -> None:
    _import(
        tmp_path,
        [
            [TONGNAN, "2022年1-3月", "规模以上工业总产值", "100.2"],
            [TONGNAN, "2021年一季度", "规模以上工业总产值", "88"],
            [TONGNAN, "2022年2月", "规模以上工业总产值", "30"],  # a single month: another basis
        ],
    )
    points = trend(TONGNAN, "规模以上工业总产值", "2022年一季度")
    assert [(p.label, p.figures.value, p.figures.growth) for p in points] == [
        ("1月—2月", D("66.81"), D("16.5")),
        ("一季度", D("100.2"), D("13.9")),
    ]
    ranked = trend(TONGNAN, "工业投资", PERIOD, with_ranks=True)
    assert [(p.label, p.rank) for p in ranked] == [("1月—2月", 17)]


@pytest.mark.usefixtures("seeded")
def test_townships_rank_within_their_district(tmp_path: Path) -> None:
    _import(
        tmp_path,
        [
            ["500152103", "2022年2月", "工业用电量", "300"],  # 古溪镇
            ["500152107", "2022年2月", "工业用电量", "500"],  # 玉溪镇
            ["500152", "2022年2月", "工业用电量", "5000"],
            ["500152103", "2021年2月", "工业用电量", "200"],
            ["500152107", "2021年2月", "工业用电量", "500"],
            ["500152", "2021年2月", "工业用电量", "4000"],
        ],
    )
    guxi = compare("500152103", "2022年2月", "工业用电量")
    assert guxi.rank_word == "全区"
    assert guxi.rank == 1 and guxi.ranked == 2
    assert guxi.benchmark(TONGNAN).phrase == "高于全区25个百分点"  # type: ignore[union-attr]
