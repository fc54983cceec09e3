"""Guards against silently wrong numbers whatever the way in: a part above its whole, growth of
roll-ups over different sets of enterprises, and the choropleth's answers to bad requests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tiaodu.core.errors import ServiceError
from tiaodu.monitoring.computations import compare, figures
from tiaodu.monitoring.models import IndicatorValue
from tiaodu.monitoring.rollup import rollup
from tiaodu.monitoring.services import check_value, find_indicator, record_value
from tiaodu.monitoring.tests.test_rollup import GUXI, TONGNAN, firms, import_enterprise_data  # noqa: F401
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

WANZHOU = "500101"


def codes(exc: pytest.ExceptionInfo[ServiceError]) -> list[str]:
    return [e.code for e in exc.value.errors] or [exc.value.code]


def test_manual_entry_refuses_a_negative_level_and_a_grouping_node() -> None:
    with pytest.raises(ServiceError) as exc:
        record_value(None, "工业投资", WANZHOU, "2022年1-2月", "-5")
    assert codes(exc) == ["negative_value"]
    with pytest.raises(ServiceError) as exc:
        record_value(None, "工业投资", "500100", "2022年1-2月", "5")
    assert codes(exc) == ["region_grouping_node"]
    assert not IndicatorValue.objects.filter(indicator__code="gy_tz").exists()
    # a loss and a falling rate are figures like any other
    record_value(None, "利润总额", WANZHOU, "2022年1-2月", "-3.5")
    record_value(None, "工业投资增速", WANZHOU, "2022年1-2月", "-12.4")
    assert IndicatorValue.objects.filter(region__code=WANZHOU, value__lt=0).count() == 2


def test_manual_entry_refuses_a_part_above_its_whole() -> None:
    record_value(None, "工业投资", WANZHOU, "2022年1-2月", "10")
    with pytest.raises(ServiceError) as exc:
        record_value(None, "工业技术改造投资", WANZHOU, "2022年1-2月", "30")
    assert codes(exc) == ["share_over_100"]
    assert "工业技术改造投资(30亿元)不能大于工业投资(10亿元)" in exc.value.errors[0].message
    assert not IndicatorValue.objects.filter(indicator__code="gy_jg_tz", region__code=WANZHOU).exists()
    # and the other way round: a whole below the stored part
    record_value(None, "工业技术改造投资", WANZHOU, "2022年1-2月", "4")
    with pytest.raises(ServiceError) as exc:
        record_value(None, "工业投资", WANZHOU, "2022年1-2月", "3")
    assert codes(exc) == ["share_over_100"]
    assert (
        IndicatorValue.objects.get(indicator__code="gy_tz", region__code=WANZHOU, is_current=True).value == 10
    )


def test_a_contradictory_share_is_never_published_or_ranked() -> None:
    """Figures that contradict each other, however they got in (here written directly, as an old
    database or a roll-up could hold them), give no share and say why."""
    from tiaodu.monitoring.models import DataSource, StatPeriod
    from tiaodu.monitoring.services import period_row

    period: StatPeriod = period_row("2022年1-2月")
    source = DataSource.objects.create(origin="manual", name="旧数据")
    wanzhou = Region.objects.get(code=WANZHOU)
    for code, value in (("gy_tz", "10"), ("gy_jg_tz", "30")):
        IndicatorValue.objects.create(
            region=wanzhou, indicator=find_indicator(code), period=period, value=Decimal(value), source=source
        )
    f = figures("工业技术改造投资", "2022年1-2月", [wanzhou])[wanzhou.pk]
    assert f.share is None and f.figure is None
    assert f.notes == ["工业技术改造投资与工业投资数据矛盾(比重为300.0%),未计算比重"]
    ratio = figures("工业技改投资占工业投资比重", "2022年1-2月", [wanzhou])[wanzhou.pk]
    assert ratio.value is None and "数据矛盾" in ratio.notes[0]
    cmp = compare(wanzhou, "2022年1-2月", "工业技术改造投资")
    assert cmp.rank is None and "未计算比重" in " ".join(cmp.notes)


def test_check_value_writes_the_number_as_staff_do() -> None:
    with pytest.raises(ServiceError) as exc:
        check_value(find_indicator("工业技改投资占工业投资比重"), Decimal("140"))
    assert "现为140%" in exc.value.errors[0].message


def test_reporting_round_refuses_a_part_above_its_whole(users: dict[str, Any]) -> None:
    from tiaodu.orgs.models import Organization
    from tiaodu.reporting import services

    jxw = users["jxw"]
    rnd = services.open_round(
        jxw,
        district=Region.objects.get(code=TONGNAN),
        period="2023年2月",
        indicators=["工业投资", "工业技术改造投资"],
        due_on=date(2023, 3, 5),
        unit_kind="department",
        organizations=Organization.objects.filter(pk=jxw.organization_id),
    )
    slot = rnd.slots.get()
    with pytest.raises(ServiceError) as exc:
        services.submit(jxw, rnd.pk, slot.pk, {"gy_tz": "10", "gy_jg_tz": "25"})
    assert codes(exc) == ["share_over_100"]
    assert not IndicatorValue.objects.filter(period=rnd.figure_period, region__code=TONGNAN).exists()
    services.submit(jxw, rnd.pk, slot.pk, {"gy_tz": "10", "gy_jg_tz": "2.5"})


def test_rollup_growth_is_over_the_same_enterprises(
    firms: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    """Growth of a roll-up is 同口径: over the enterprises with figures in both years. Two 古溪镇
    firms reported 100 each last year and only one of them 105 this year: the sums are 200 and
    105, but the firm grew 5%, it did not fall by 47.5%."""
    import_enterprise_data(
        tmp_path,
        [
            [firms["e1"], "2021年1-2月", "100", "", ""],
            [firms["e2"], "2021年1-2月", "100", "", ""],
            [firms["e3"], "2021年1-2月", "50", "", ""],
            [firms["e1"], "2022年1-2月", "105", "", ""],
        ],
    )
    rollup()
    guxi, tongnan = Region.objects.get(code=GUXI), Region.objects.get(code=TONGNAN)

    def growth(region: Region) -> tuple[Decimal | None, str, list[str]]:
        f = figures("营业收入", "2022年1-2月", [guxi, tongnan])[region.pk]
        return f.growth, f.growth_basis, f.notes

    f = figures("营业收入", "2022年1-2月", [guxi])[guxi.pk]
    assert f.value == Decimal("105") and f.last_year == Decimal("200")
    assert growth(guxi) == (
        Decimal("5.0"),
        "comparable",
        ["营业收入为企业数据汇总,本期1家、上年同期2家,同比增速按两期均有数据的1家企业同口径计算"],
    )
    # 潼南区 sums 古溪镇 and 玉溪镇 (e3, which reported last year only): the same one firm
    assert growth(tongnan)[:2] == (Decimal("5.0"), "comparable")
    assert "本期1家、上年同期3家" in growth(tongnan)[2][0]
    # the same number of firms both years is not the same firms: e2 this year, e3 (玉溪镇) not
    import_enterprise_data(tmp_path, [[firms["e2"], "2022年1-2月", "110", "", ""]], name="more.csv")
    rollup()
    assert growth(guxi) == (Decimal("7.5"), "comparable", [])  # (105 + 110) / (100 + 100)
    assert growth(tongnan)[:2] == (Decimal("7.5"), "comparable")  # not 215 / 250 − 1 = −14%
    assert "本期2家、上年同期3家" in growth(tongnan)[2][0]
    # enterprise data revised after the roll-up: no growth until it is rolled up again
    import_enterprise_data(tmp_path, [[firms["e2"], "2022年1-2月", "120", "", ""]], name="rev.csv")
    assert growth(guxi) == (None, "", ["营业收入汇总后企业数据有变动,请重新汇总后再计算同比增速"])
    rollup()
    assert growth(guxi) == (Decimal("12.5"), "comparable", [])
    # a firm reporting 0 leaves the sum as it was: the roll-up brings its count up to date, so
    # the figure is not taken for stale
    import_enterprise_data(tmp_path, [[firms["e3"], "2022年1-2月", "0", "", ""]], name="zero.csv")
    assert "汇总后企业数据有变动" in growth(tongnan)[2][0]
    rollup()
    assert (
        IndicatorValue.objects.get(
            region__code=TONGNAN, indicator__code="yysr", period__key="2022-M01-02", is_current=True
        ).contributors
        == 3
    )
    assert growth(tongnan) == (
        Decimal("-10.0"),  # (105 + 120 + 0) / (100 + 100 + 50) − 1
        "comparable",
        [],
    )
    # a figure the statistics office published keeps the plain computation
    record_value(None, "营业收入", GUXI, "2021年1-2月", "180")
    record_value(None, "营业收入", GUXI, "2022年1-2月", "200")
    assert growth(guxi) == (Decimal("11.1"), "computed", [])


def test_no_rollup_growth_over_a_zero_base(
    firms: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    import_enterprise_data(
        tmp_path,
        [
            [firms["e1"], "2021年1-2月", "0", "", ""],
            [firms["e1"], "2022年1-2月", "5", "", ""],
            [firms["e2"], "2022年1-2月", "5", "", ""],
        ],
    )
    rollup()
    guxi = Region.objects.get(code=GUXI)
    f = figures("营业收入", "2022年1-2月", [guxi, guxi])[guxi.pk]  # listed twice, summed once
    assert (f.value, f.growth) == (Decimal("10"), None)
    assert f.notes == ["营业收入为企业数据汇总,两期均有数据的1家企业上年同期合计为零,未计算同比增速"]


def test_the_bulletin_says_a_rollup_growth_is_comparable(
    firms: dict[str, str],  # noqa: F811
    tmp_path: Path,
    settings: Any,
) -> None:
    from tiaodu.core.imports import run_import
    from tiaodu.monitoring.bulletin import build_bulletin

    # two firms: the bulletin would withhold them (统计保密, ADR 0033) under the default thresholds
    settings.STAT_MIN_CONTRIBUTORS, settings.STAT_DOMINANCE_PERCENT = 1, 100

    path = tmp_path / "output.csv"
    path.write_text(
        "统一社会信用代码,期别,规模以上工业总产值\n"
        f"{firms['e1']},2021年1-2月,2.00\n{firms['e2']},2021年1-2月,1.00\n"
        f"{firms['e1']},2022年1-2月,2.30\n{firms['e3']},2022年1-2月,0.50\n",
        encoding="utf-8",
    )
    assert run_import("enterprise-data", path).ok
    rollup()
    b = build_bulletin(TONGNAN, "2022年1-2月")
    # 2.30 + 0.50 this year; the growth is e1's alone: 2.30 / 2.00 − 1 = 15% (not 2.80 / 3.00 − 1)
    assert "规上工业产值完成2.8亿元,同比增长15%" in b.paragraphs[0]
    assert (
        "潼南区1月—2月规模以上工业总产值为企业数据汇总,本期2家、上年同期2家,同比增速按两期均有数据的1家企业同口径计算"
        in b.notes
    )
    assert "规模以上工业总产值为企业数据汇总,同比增速按两期均有数据的企业同口径计算(现价)" in b.notes


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({}, 422, "choropleth_params_missing"),
        ({"index": "gyzs_city"}, 422, "choropleth_params_missing"),
        ({"index": "nope", "period": "2022-M01-02"}, 422, "index_unknown"),
        ({"index": "gyzs_city", "period": "某月"}, 422, "period_unknown"),
    ],
)
def test_choropleth_answers_bad_requests_in_json(
    users: dict[str, Any], client_for: Any, query: dict[str, str], status: int, code: str
) -> None:
    from tiaodu.monitoring.demo import load_monitoring_demo

    load_monitoring_demo()
    response = client_for(users["leader"]).get("/monitoring/choropleth.json", query)
    assert response.status_code == status, response.content
    body = response.json()
    assert code in [body["code"], *[e["code"] for e in body["errors"]]]
    assert body["message"]
