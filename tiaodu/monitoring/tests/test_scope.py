"""Who reads and adds which figures (ADR 0021): published county-and-above figures for every
government role, township figures inside the user's region, enterprise figures for the enterprise
itself and the government over its township; nothing for roles outside government."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from tiaodu.core.imports import run_import
from tiaodu.core.permissions import can
from tiaodu.monitoring.computations import compare
from tiaodu.monitoring.models import CompositeIndex, EnterpriseValue, Indicator, IndicatorValue

pytestmark = pytest.mark.django_db

GUXI_FIRM = "91500152MA5U00001F"  # 古溪镇 (qiye's enterprise)
YUXI_FIRM = "91500152MA5U00003M"  # 玉溪镇


@pytest.fixture
def figures(tmp_path: Path) -> None:
    path = tmp_path / "scope.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [
                ["地区代码", "期别", "指标", "数值"],
                ["100000", "2022年2月", "招商引资到位资金", "10000"],
                ["500000", "2022年2月", "招商引资到位资金", "300"],
                ["500152", "2022年2月", "招商引资到位资金", "20"],
                ["500104", "2022年2月", "招商引资到位资金", "10"],  # 大渡口区
                ["500152103", "2022年2月", "招商引资到位资金", "2"],  # 古溪镇
                ["500152107", "2022年2月", "招商引资到位资金", "3"],  # 玉溪镇
                ["500104001", "2022年2月", "招商引资到位资金", "1"],  # a 大渡口 street
            ]
        )
    assert run_import("indicators", path).ok
    ent = tmp_path / "ent.csv"
    ent.write_text(
        f"统一社会信用代码,期别,指标,数值\n{GUXI_FIRM},2022年2月,营业收入,5\n{YUXI_FIRM},2022年2月,营业收入,6\n",
        encoding="utf-8",
    )
    assert run_import("enterprise-data", ent).ok


def visible(user: Any) -> set[str]:
    return set(IndicatorValue.objects.restrict(user, "view").values_list("region__code", flat=True))


COUNTY_AND_ABOVE = {"100000", "500000", "500152", "500104"}


@pytest.mark.usefixtures("figures")
def test_region_figures(users: Any) -> None:
    assert visible(users["admin"]) == COUNTY_AND_ABOVE | {"500152103", "500152107", "500104001"}
    assert visible(users["leader"]) == COUNTY_AND_ABOVE | {"500152103", "500152107"}
    assert visible(users["jxw"]) == COUNTY_AND_ABOVE | {"500152103", "500152107"}
    assert visible(users["guxi"]) == COUNTY_AND_ABOVE | {"500152103"}
    assert visible(users["squad1"]) == COUNTY_AND_ABOVE | {"500152103", "500152107"}
    assert visible(users["qiye"]) == set()
    assert visible(users["yezhu"]) == set()
    assert visible(AnonymousUser()) == set()


@pytest.mark.usefixtures("figures")
def test_adding_region_figures(users: Any) -> None:
    added = set(IndicatorValue.objects.restrict(users["jxw"], "add").values_list("region__code", flat=True))
    assert added == COUNTY_AND_ABOVE | {"500152103", "500152107"}
    assert not IndicatorValue.objects.restrict(users["leader"], "add").exists()
    assert not IndicatorValue.objects.restrict(users["guxi"], "add").exists()
    assert can(users["jxw"], "add", IndicatorValue)
    assert not can(users["guxi"], "add", IndicatorValue)
    assert not IndicatorValue.objects.restrict(users["admin"], "change").filter(is_current=False).exists()


@pytest.mark.usefixtures("figures")
def test_enterprise_figures(users: Any) -> None:
    def firms(user: Any, action: str = "view") -> set[str]:
        return set(
            EnterpriseValue.objects.restrict(user, action).values_list("enterprise__credit_code", flat=True)
        )

    both = {GUXI_FIRM, YUXI_FIRM}
    assert firms(users["admin"]) == both
    assert firms(users["leader"]) == both
    assert firms(users["jxw"]) == both
    assert firms(users["guxi"]) == {GUXI_FIRM}
    assert firms(users["yuxi"]) == {YUXI_FIRM}
    assert firms(users["qiye"]) == {GUXI_FIRM}  # the enterprise itself
    assert firms(users["yezhu"]) == set()
    assert firms(users["guxi"], "add") == {GUXI_FIRM}
    assert firms(users["jxw"], "add") == both
    assert firms(users["qiye"], "add") == set()


def test_catalogue_and_index_definitions(users: Any) -> None:
    total = Indicator.objects.count()
    assert total >= 19
    for name in ("leader", "jxw", "guxi", "squad1", "admin"):
        assert Indicator.objects.restrict(users[name]).count() == total
    assert not Indicator.objects.restrict(users["qiye"]).exists()
    assert not Indicator.objects.restrict(AnonymousUser()).exists()
    CompositeIndex.objects.create(code="t", name="测试", spec={})
    assert CompositeIndex.objects.restrict(users["guxi"]).count() == 1
    assert not CompositeIndex.objects.restrict(users["yezhu"]).exists()


@pytest.mark.usefixtures("figures")
def test_comparisons_read_through_the_scope(users: Any) -> None:
    """A township user ranks its own township only against what it may see."""
    mine = compare("500152103", "2022年2月", "招商引资到位资金", user=users["guxi"])
    assert mine.value_text == "2亿元"
    assert mine.rank == 1 and mine.ranked == 1  # 玉溪's figure is not visible to 古溪's staff
    assert compare("500152103", "2022年2月", "招商引资到位资金", user=users["leader"]).ranked == 2
    county = compare("500152", "2022年2月", "招商引资到位资金", user=users["guxi"])
    assert county.value_text == "20亿元" and county.ranked == 2  # published county figures
    assert compare("500152", "2022年2月", "招商引资到位资金", user=users["qiye"]).value is None
