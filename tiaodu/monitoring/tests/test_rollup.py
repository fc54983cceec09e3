from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from stdnum.cn import uscc

from tiaodu.core.errors import Forbidden, ServiceError
from tiaodu.core.imports import run_import
from tiaodu.monitoring.models import IndicatorValue
from tiaodu.monitoring.rollup import rollup
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

PERIOD = "2022年1-2月"
GUXI, YUXI, TONGNAN, DADUKOU, CITY = "500152103", "500152107", "500152", "500104", "500000"


def credit(serial: int) -> str:
    base = f"91500152MA7R{serial:05d}"
    return base + uscc.calc_check_digit(base)


@pytest.fixture
def firms(db: Any) -> dict[str, str]:
    """Five enterprises: two in 古溪镇, one in 玉溪镇 (潼南区), two in a 大渡口区 township."""
    from tiaodu.enterprises.services import save_enterprise

    dadukou_town = Region.objects.filter(parent__code=DADUKOU).order_by("code").first()
    assert dadukou_town is not None
    made = {}
    for serial, town in ((1, GUXI), (2, GUXI), (3, YUXI), (4, dadukou_town.code), (5, dadukou_town.code)):
        code = credit(serial)
        save_enterprise(None, code, town, name=f"汇总测试企业{serial}")
        made[f"e{serial}"] = code
    made["dadukou_town"] = dadukou_town.code
    return made


def import_enterprise_data(tmp_path: Path, rows: list[list[Any]], name: str = "ent.csv") -> None:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [["统一社会信用代码", "期别", "营业收入", "利润总额", "地区生产总值"], *rows]
        )
    result = run_import("enterprise-data", path)
    assert result.ok, result.error_lines()


def figure(region: str, indicator: str, period: str = "2022-M01-02") -> IndicatorValue | None:
    return (
        IndicatorValue.objects.filter(
            region__code=region, indicator__code=indicator, period__key=period, is_current=True
        )
        .select_related("source")
        .first()
    )


@pytest.fixture
def reported(firms: dict[str, str], tmp_path: Path) -> dict[str, str]:
    import_enterprise_data(
        tmp_path,
        [
            [firms["e1"], PERIOD, "100.25", "10", "7"],
            [firms["e2"], PERIOD, "200.5", "-3.5", "7"],
            [firms["e3"], PERIOD, "50", "", "7"],
            [firms["e4"], PERIOD, "1000", "100", "7"],
            [firms["e5"], PERIOD, "0.0001", "1", "7"],
            [firms["e1"], "2022年2月", "40", "", ""],
        ],
    )
    return firms


def test_enterprise_to_township_district_city(reported: dict[str, str]) -> None:
    result = rollup()
    town = reported["dadukou_town"]
    expected = {
        (GUXI, "yysr"): Decimal("300.75"),
        (YUXI, "yysr"): Decimal("50"),
        (TONGNAN, "yysr"): Decimal("350.75"),
        (town, "yysr"): Decimal("1000.0001"),
        (DADUKOU, "yysr"): Decimal("1000.0001"),
        (CITY, "yysr"): Decimal("1350.7501"),
        (GUXI, "lrze"): Decimal("6.5"),
        (TONGNAN, "lrze"): Decimal("6.5"),
        (CITY, "lrze"): Decimal("107.5"),
    }
    for (region, code), value in expected.items():
        found = figure(region, code)
        assert found is not None, (region, code)
        assert found.value == value, (region, code)
        assert (found.source.origin, found.source.name) == ("rollup", "汇总")
    assert figure(CITY, "yysr").contributors == 5  # type: ignore[union-attr]
    assert figure(YUXI, "lrze") is None  # 玉溪's enterprise reported no profit: no figure, not 0
    assert figure(TONGNAN, "yysr", "2022-M02").value == Decimal("40")  # type: ignore[union-attr]
    # not additive (分级核算): never summed
    assert not IndicatorValue.objects.filter(indicator__code="gdp").exists()
    # no placeholder (市辖区) or nation totals
    assert not IndicatorValue.objects.filter(region__code__in=["500100", "100000"]).exists()
    assert result.counts.created == IndicatorValue.objects.count()
    assert "汇总企业数据" in result.message


def test_again_is_a_no_op_and_a_revision_revises_every_level(
    reported: dict[str, str], tmp_path: Path
) -> None:
    first = rollup()
    again = rollup()
    assert (again.counts.created, again.counts.revised, again.counts.unchanged) == (
        0,
        0,
        first.counts.created,
    )
    import_enterprise_data(tmp_path, [[reported["e1"], PERIOD, "110.25", "10", "7"]], "fix.csv")
    third = rollup(periods=[PERIOD], indicators=["营业收入"])
    assert third.counts.revised == 3  # 古溪镇, 潼南区, 重庆市
    assert figure(CITY, "yysr").value == Decimal("1360.7501")  # type: ignore[union-attr]
    old = IndicatorValue.objects.get(
        region__code=CITY, indicator__code="yysr", period__key="2022-M01-02", version=1
    )
    assert not old.is_current and old.value == Decimal("1350.7501")


def test_an_imported_figure_is_not_replaced(reported: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "official.csv"
    path.write_text(f"地区代码,期别,指标,数值\n{TONGNAN},{PERIOD},营业收入,400\n", encoding="utf-8")
    assert run_import("indicators", path).ok
    result = rollup()
    assert result.counts.kept == 1
    assert figure(TONGNAN, "yysr").value == Decimal("400")  # type: ignore[union-attr]
    assert figure(CITY, "yysr").value == Decimal("1350.7501")  # type: ignore[union-attr]  # the sum of townships
    assert "未以汇总值替换" in result.message


def test_within_a_district_writes_no_city_total(reported: dict[str, str]) -> None:
    result = rollup(within=Region.objects.get(code=TONGNAN))
    assert figure(TONGNAN, "yysr").value == Decimal("350.75")  # type: ignore[union-attr]
    assert figure(CITY, "yysr") is None
    assert figure(DADUKOU, "yysr") is None
    assert result.townships == 2


def test_non_additive_indicators_are_refused(reported: dict[str, str]) -> None:
    with pytest.raises(ServiceError) as err:
        rollup(indicators=["地区生产总值", "工业投资增速"])
    assert err.value.errors[0].code == "indicator_not_additive"


def test_scope_of_a_users_rollup(reported: dict[str, str], users: Any) -> None:
    with pytest.raises(Forbidden):
        rollup(users["guxi"])
    result = rollup(users["jxw"])  # a 潼南 department: its own district only
    assert figure(TONGNAN, "yysr") is not None
    assert figure(CITY, "yysr") is None
    assert result.townships == 2


def test_command(reported: dict[str, str], capsys: Any) -> None:
    call_command("rollup", "--period", PERIOD, "--indicator", "营业收入")
    assert "汇总企业数据5条" in capsys.readouterr().out
    assert figure(CITY, "yysr") is not None
    assert figure(CITY, "lrze") is None


def test_command_names_the_figures_it_kept(reported: dict[str, str], tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "official.csv"
    path.write_text(f"地区代码,期别,指标,数值\n{TONGNAN},{PERIOD},营业收入,400\n", encoding="utf-8")
    assert run_import("indicators", path).ok
    call_command("rollup")
    assert "保留已有数据:潼南区2022年1月—2月营业收入 现值400,汇总值350.75" in capsys.readouterr().out
