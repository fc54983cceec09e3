"""The demo targets: idempotent, derived from the demo figures as documented."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from tiaodu.monitoring.models import IndicatorValue
from tiaodu.regions.models import Region
from tiaodu.regions.services import peer_group_of
from tiaodu.targets import services
from tiaodu.targets.demo import TONGNAN_FACTORS, load_targets_demo
from tiaodu.targets.models import Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def monitoring_demo(no_targets: Any) -> None:
    from tiaodu.monitoring.demo import load_monitoring_demo

    load_monitoring_demo()


def first_figure(indicator: str) -> tuple[Decimal, int]:
    row = (
        IndicatorValue.objects.filter(
            region__code="500152",
            indicator__name=indicator,
            is_current=True,
            period__year=2022,
            period__first=1,
        )
        .order_by("period__last")
        .values_list("value", "period__last")
        .first()
    )
    assert row is not None
    return row


def test_demo_targets(monitoring_demo: Any) -> None:
    assert load_targets_demo()["created"] > 0
    assert load_targets_demo() == {"created": 0}
    tongnan = {
        t.indicator.name: t
        for t in Target.objects.filter(region__code="500152", year=2022).select_related(
            "indicator", "responsible"
        )
    }
    assert sorted(tongnan) == sorted(
        ["规模以上工业总产值", "工业投资", "招商引资到位资金", "固定资产投资", "规模以上工业增加值增速"]
    )
    # From the seed's 1月—2月: 66.81 ÷ 2 × 12 × 1.05 → 421, 18.09 ÷ 2 × 12 × 0.95 → 103.
    assert (tongnan["规模以上工业总产值"].value, tongnan["规模以上工业总产值"].growth) == (
        Decimal(421),
        Decimal(10),
    )
    assert tongnan["工业投资"].value == Decimal(103)
    for name in ("招商引资到位资金", "固定资产投资"):  # first published for 一季度
        value, months = first_figure(name)
        expected = (value * 12 / months * TONGNAN_FACTORS[name]).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        assert tongnan[name].value == expected
    assert (tongnan["规模以上工业增加值增速"].value, tongnan["规模以上工业增加值增速"].growth) == (
        None,
        Decimal(9),
    )
    assert tongnan["招商引资到位资金"].responsible.name == "区招商投资局"
    c = services.completion("500152", "规模以上工业总产值", "2022年1-2月")
    assert c.sentence == (
        "规模以上工业总产值完成66.81亿元,占年度目标的15.9%,低于序时进度0.8个百分点,同比增长16.5%,"
        "高于年度目标增速6.5个百分点"
    )
    group = peer_group_of(Region.objects.get(code="500152"))
    assert group is not None
    peers = set(group.members.values_list("code", flat=True))
    with_rate = Target.objects.filter(year=2022, indicator__code="gy_zjz_zs").values_list(
        "region__code", flat=True
    )
    assert set(with_rate) == peers
    townships = Target.objects.filter(year=2022, region__parent__code="500152", indicator__code="zsyz_dw")
    assert townships.count() == 23
    assert all(5 <= t.value <= 15 and t.responsible is not None for t in townships)
    # The townships have no figures in the demo: listed as missing, never as zero.
    table = services.supervision_list("500152", "2022年一季度")
    assert len(table.missing) == 23 and all(r.region_code != "500152" for r in table.missing)
    ev = services.evaluation_table("500000", 2022)
    assert {r.region_code for r in ev.rows} == peers and all(r.rank is not None for r in ev.rows)


def test_without_a_figure_tongnan_gets_the_fixed_target(seeded: Any, no_targets: Any) -> None:
    IndicatorValue.objects.filter(region__code="500152", indicator__code="zsyz_dw").delete()
    load_targets_demo()
    target = Target.objects.get(region__code="500152", year=2022, indicator__code="zsyz_dw")
    assert target.value == Decimal(300)
