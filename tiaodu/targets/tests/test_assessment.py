"""Completion, time progress, the 月通报 table, 季督办 and 年评估, to the digit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tiaodu.monitoring.models import Indicator
from tiaodu.monitoring.periods import Period
from tiaodu.targets import services
from tiaodu.targets.choices import Status
from tiaodu.targets.tests.data import (
    BISHAN,
    CITY,
    DADUKOU,
    GUXI,
    RONGCHANG,
    TONGLIANG,
    TONGNAN,
    YEAR,
    YUXI,
)

pytestmark = pytest.mark.django_db
D = Decimal


# --- time progress and periods --------------------------------------------------------------------


def test_time_progress_is_months_elapsed_over_twelve() -> None:
    assert [str(services.time_progress(m)) for m in (1, 2, 3, 6, 9, 11, 12)] == [
        "8.3",
        "16.7",
        "25.0",
        "50.0",
        "75.0",
        "91.7",
        "100.0",
    ]


@pytest.mark.parametrize(
    ("asked", "cumulative"),
    [
        ("2030年一季度", "2030-Q1"),
        ("2030年二季度", "2030-H1"),  # the second quarter is judged on 1—6月
        ("2030年3月", "2030-Q1"),
        ("2030年1-2月", "2030-M01-02"),
        ("2030年三季度", "2030-M01-09"),
        ("2030年", "2030-Y"),
        ("2030年3月中旬", "2030-M01-02"),  # only whole months count
        ("2030年第13周", "2030-Q1"),  # week 13 ends on Sunday 31 March 2030
        ("2030年第12周", "2030-M01-02"),
    ],
)
def test_the_cumulative_period_asked_about(asked: str, cumulative: str) -> None:
    found = services.cumulative_period(asked)
    assert found is not None and found.key == cumulative


def test_before_the_end_of_january_there_is_nothing_to_compare() -> None:
    assert services.cumulative_period("2030年1月上旬") is None


# --- one target -----------------------------------------------------------------------------------


def test_completion_sentence_of_the_issue(scenario: Any) -> None:
    c = services.completion(TONGNAN, "招商引资到位资金", "2030年一季度")
    assert c.sentence == "招商引资到位资金完成230亿元,占年度目标的23.0%,低于序时进度2.0个百分点"
    assert (c.actual, c.target_value) == (D("230"), D("1000"))
    assert (c.completion, c.time_progress, c.gap) == (D("23.0"), D("25.0"), D("-2.0"))
    assert c.status == Status.BEHIND and c.status_text == "滞后序时进度"
    assert (c.data_period_key, c.period_label, c.responsible) == ("2030-Q1", "一季度", "区招商投资局")
    assert c.notes == []
    assert c.as_dict()["completion"] == "23.0" and c.as_dict()["gap"] == "-2.0"


def test_on_schedule_and_ahead_with_a_growth_target(scenario: Any) -> None:
    on = services.completion(TONGNAN, "固定资产投资", "2030年3月")
    assert on.sentence == "固定资产投资完成100亿元,占年度目标的25.0%,与序时进度持平"
    assert on.status == Status.ON_TRACK and on.status_text == "符合序时进度"
    ahead = services.completion(TONGNAN, "规模以上工业总产值", "2030年一季度")
    assert ahead.sentence == (
        "规模以上工业总产值完成120亿元,占年度目标的30.0%,高于序时进度5.0个百分点,"
        "同比增长20%,高于年度目标增速10.0个百分点"
    )
    assert (ahead.status, ahead.growth, ahead.growth_gap) == (Status.AHEAD, D("20.0"), D("10.0"))


def test_an_earlier_month_is_used_and_said(scenario: Any) -> None:
    c = services.completion(GUXI, "招商引资到位资金", "2030年一季度")
    assert c.sentence == "招商引资到位资金完成3亿元,占年度目标的15.0%,低于序时进度1.7个百分点"
    assert (c.data_period_key, c.time_progress) == ("2030-M01-02", D("16.7"))
    assert c.notes == ["古溪镇2030年一季度招商引资到位资金数据尚未报送,按1月—2月累计数计算"]


def test_a_rate_target(scenario: Any) -> None:
    c = services.completion(GUXI, "规模以上工业增加值增速", "2030年一季度")
    assert c.sentence == "规模以上工业增加值增速8.5%,低于年度目标0.5个百分点"
    assert (c.basis, c.gap, c.status_text) == ("growth", D("-0.5"), "低于目标")


def test_missing_data_is_said_never_zero(scenario: Any) -> None:
    c = services.completion(YUXI, "招商引资到位资金", "2030年一季度")
    assert c.status == Status.MISSING and c.status_text == "数据缺失"
    assert (c.actual, c.completion, c.gap) == (None, None, None)
    assert c.sentence == "招商引资到位资金年度目标10亿元,截至一季度暂无完成数据"
    assert c.notes == ["玉溪镇2030年一季度招商引资到位资金数据缺失,无法与目标比较"]


def test_no_target_is_a_404(scenario: Any) -> None:
    with pytest.raises(services.ServiceError) as err:
        services.completion(TONGNAN, "工业投资", "2030年一季度")
    assert (err.value.code, err.value.status) == ("target_not_found", 404)


def test_the_seed_figures_against_targets(seeded: Any, no_targets: Any) -> None:
    """2022年1-2月 of the 潼南 seed: 产值 66.81 (增长16.5%), 工业投资 18.09 (22.5%), 技改占比 40.9%,
    增加值增速 10%, 指数 74.41."""
    for indicator, fields in [
        ("规模以上工业增加值增速", {"growth": "9"}),
        ("规模以上工业总产值", {"value": "430", "growth": "10"}),
        ("工业投资", {"growth": "25"}),
        ("工业技改投资占工业投资比重", {"value": "40"}),
        ("工业经济运行综合指数", {"value": "80"}),
    ]:
        services.set_target(None, TONGNAN, indicator, 2022, **fields)
    table = services.progress_table(TONGNAN, "2022年2月")
    assert table.paragraph == (
        "规模以上工业增加值增速10%,高于年度目标1.0个百分点;"
        "规模以上工业总产值完成66.81亿元,占年度目标的15.5%,低于序时进度1.2个百分点,同比增长16.5%,"
        "高于年度目标增速6.5个百分点;"
        "工业投资完成18.09亿元,同比增长22.5%,低于年度目标增速2.5个百分点;"
        "工业技改投资占工业投资比重40.9%,高于年度目标0.9个百分点;"
        "工业经济运行综合指数74.41,低于年度目标5.59。"
    )
    assert table.summary == (
        "截至1月—2月(序时进度16.7%),潼南区5项年度目标中,超序时进度2项,符合序时进度0项,滞后序时进度3项"
    )
    assert [r.status for r in table.rows] == ["ahead", "behind", "behind", "ahead", "behind"]
    rows = table.as_dict()["rows"]
    assert rows[1]["completion"] == "15.5"
    assert [r["gap"] for r in rows] == ["1.0", "-1.2", "-2.5", "0.9", "-5.59"]  # an index in its points
    assert [r["done_text"] for r in rows] == ["10%", "66.81亿元", "增长22.5%", "40.9%", "74.41"]


def test_a_ceiling_is_ahead_below_schedule(scenario: Any, tmp_path: Any) -> None:
    from tiaodu.core.imports import run_import
    from tiaodu.targets.tests.data import write_csv

    Indicator.objects.create(
        code="t_nh", name="测试综合能耗", unit="万吨标准煤", kind="level", direction="lower", additive=True
    )
    path = write_csv(
        tmp_path / "e.csv",
        ["地区代码", "期别", "指标", "数值"],
        [[TONGNAN, "2030年1-6月", "测试综合能耗", "40"]],
    )
    assert run_import("indicators", path).ok
    services.set_target(None, TONGNAN, "测试综合能耗", YEAR, value="100")
    c = services.completion(TONGNAN, "测试综合能耗", "2030年上半年")
    assert (c.completion, c.gap, c.status) == (D("40.0"), D("-10.0"), Status.AHEAD)
    assert services.item_score(c, Indicator.objects.get(code="t_nh")) == D("100.0")


# --- 月通报, 季督办, 年评估 ------------------------------------------------------------------------


def test_progress_table_of_a_region(scenario: Any) -> None:
    table = services.progress_table(TONGNAN, "2030年一季度")
    assert [r.indicator_name for r in table.rows] == [
        "规模以上工业总产值",
        "固定资产投资",
        "招商引资到位资金",
    ]
    assert table.counts == {"ahead": 1, "on_track": 1, "behind": 1, "missing": 0}
    assert table.time_progress == D("25.0")
    assert table.paragraph.endswith("招商引资到位资金完成230亿元,占年度目标的23.0%,低于序时进度2.0个百分点。")


def test_supervision_lists_exactly_the_lagging_targets(scenario: Any) -> None:
    result = services.supervision_list(TONGNAN, "2030年一季度")
    assert [(r.region_code, r.indicator_name, r.responsible) for r in result.rows] == [
        (TONGNAN, "招商引资到位资金", "区招商投资局"),
        (GUXI, "规模以上工业增加值增速", "古溪镇人民政府"),
        (GUXI, "招商引资到位资金", "古溪镇人民政府"),
    ]
    assert [(r.region_code, r.indicator_name) for r in result.missing] == [(YUXI, "招商引资到位资金")]
    assert result.assessed == 6
    assert result.summary == (
        "2030年一季度(截至一季度,序时进度25.0%),潼南区及所辖地区共6项年度目标,滞后序时进度3项,数据缺失1项"
    )


def test_supervision_needs_a_quarter(scenario: Any) -> None:
    with pytest.raises(services.InvalidInput) as err:
        services.supervision_list(TONGNAN, "2030年2月")
    assert err.value.errors[0].code == "quarter_invalid"
    assert services.supervision_list(TONGNAN, "2030-Q1").quarter_label == "一季度"


def test_evaluation_scores_and_ties(scenario: Any) -> None:
    ev = services.evaluation_table(CITY, YEAR)
    got = [(r.region_code, str(r.score) if r.score is not None else None, r.rank) for r in ev.rows]
    assert got == [
        (TONGNAN, "100.0", 1),
        (DADUKOU, "95.0", 2),
        (TONGLIANG, "95.0", 2),
        (BISHAN, "67.5", 4),
        (RONGCHANG, None, None),
    ]
    assert ev.ranked == 4
    dadukou = ev.rows[1]
    assert [str(i.score) for i in dadukou.items] == ["90.0", "100.0"]  # 固定资产投资, 招商引资到位资金
    assert dadukou.item("zsyz_dw").completion == D("120.0")
    fixed = dadukou.item("gdzc_tz")
    assert (fixed.data_period_key, fixed.completion, fixed.time_progress) == ("2030-H1", D("45.0"), D("50.0"))
    assert dadukou.notes == ["大渡口区2030年固定资产投资数据尚未报送,按上半年累计数计算"]
    bishan = ev.rows[3]
    assert [str(i.score) for i in bishan.items] == ["85.0", "50.0"]
    assert ev.rows[4].notes == ["荣昌区全部目标数据缺失,未参与排名"]
    assert ev.rows[4].items[0].notes == ["荣昌区2030年招商引资到位资金数据缺失,无法与目标比较"]
    assert [c for c, _n, _u in ev.indicators] == ["gy_zjz_zs", "gy_zcz", "gdzc_tz", "zsyz_dw"]
    totals = {t.indicator_code: t for t in ev.totals}
    assert totals["zsyz_dw"].target == D("2300") and totals["zsyz_dw"].actual is None  # 荣昌 has none
    assert ev.as_dict()["rows"][0]["score"] == "100.0"


def test_evaluation_of_a_district_ranks_its_townships(scenario: Any) -> None:
    services.set_target(None, GUXI, "固定资产投资", YEAR, value="8")  # no figure: not scored
    ev = services.evaluation_table(TONGNAN, YEAR)
    assert [c.indicator_name for c in ev.own] == ["规模以上工业总产值", "固定资产投资", "招商引资到位资金"]
    # No whole-year figure for the townships: 古溪 is scored on 1-3月 (增速) and 1-2月 (招商).
    guxi = next(r for r in ev.rows if r.region_code == GUXI)
    assert [str(i.score) for i in guxi.items] == ["95.0", "None", "89.8"]  # 8.5 vs 9: −0.5 → 95; 15.0 ÷ 16.7
    assert guxi.score == D("92.4") and guxi.rank == 1
    assert (guxi.scored, len(guxi.items)) == (2, 3)
    assert guxi.notes == [
        "古溪镇2030年规模以上工业增加值增速数据尚未报送,按一季度累计数计算",
        "古溪镇2030年招商引资到位资金数据尚未报送,按1月—2月累计数计算",
        "古溪镇固定资产投资数据缺失,未计入得分",
    ]
    yuxi = next(r for r in ev.rows if r.region_code == YUXI)
    assert yuxi.rank is None and yuxi.score is None


def test_assessment_reads_through_the_users_figure_scope(scenario: Any, users: dict) -> None:
    """A 玉溪 user may not read 古溪's township figures: assessing 古溪 for them finds none."""
    (target,) = services._targets(None).filter(region__code=GUXI, indicator__code="zsyz_dw")
    (c,) = services.assess([target], Period.quarter(YEAR, 1), users["yuxi"])
    assert c.status == Status.MISSING
