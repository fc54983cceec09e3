"""Follow-ups, funds in place judged from the stage history, and the district figure fed to the
monitoring indicator that the targets report on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from tiaodu.core.errors import Forbidden, InvalidInput, NotFound
from tiaodu.investment import services, tracking
from tiaodu.investment.models import FollowUp, FundsInPlace
from tiaodu.investment.tests.factories import DADUKOU, TONGNAN, WANZHOU, district, project
from tiaodu.monitoring.models import IndicatorValue
from tiaodu.regions.models import Region
from tiaodu.targets import services as targets

pytestmark = pytest.mark.django_db


def signed(code: str = TONGNAN, on: date = date(2022, 3, 9), **fields: Any) -> Any:
    p = project(code, on=date(2022, 1, 5), **fields)
    return services.change_stage(None, p, "signed", on, agreed_investment=D(50000))


def follow(p: Any, actor: Any = None, **kw: Any) -> FollowUp:
    values = {"kind": "visit", "on": date(2022, 2, 1), "people": "张三", "outcome": "面谈用地需求"} | kw
    return tracking.record_follow_up(actor, p, **values)


# --- follow-ups --------------------------------------------------------------------------------------


def test_follow_ups_keep_the_latest_dates_on_the_project() -> None:
    p = project()
    follow(p, on=date(2022, 2, 1), next_on=date(2022, 2, 20))
    p.refresh_from_db()
    assert (p.last_follow_up_on, p.next_follow_up_on) == (date(2022, 2, 1), date(2022, 2, 20))
    # an older record entered late changes neither date
    follow(p, kind="call", on=date(2022, 1, 20), next_on=date(2022, 3, 1))
    p.refresh_from_db()
    assert (p.last_follow_up_on, p.next_follow_up_on) == (date(2022, 2, 1), date(2022, 2, 20))
    # a newer one without a next date clears it
    follow(p, kind="talks", on=date(2022, 2, 18))
    p.refresh_from_db()
    assert (p.last_follow_up_on, p.next_follow_up_on) == (date(2022, 2, 18), None)
    assert FollowUp.objects.filter(project=p).count() == 3


def test_follow_up_refuses_bad_input_and_writes_nothing() -> None:
    p = project()
    with pytest.raises(InvalidInput) as err:
        follow(p, kind="dinner", on=date(2099, 1, 1), people=" ", outcome="", next_on=date(2098, 1, 1))
    assert {e.code for e in err.value.errors} == {
        "invalid_choice",
        "date_in_future",
        "required",
        "date_order",
    }
    with pytest.raises(InvalidInput) as err:
        follow(p, on=date(2022, 2, 1), next_on=date(2022, 2, 1))
    assert [e.code for e in err.value.errors] == ["date_order"]
    assert not FollowUp.objects.filter(project=p).exists()


def test_follow_up_scope(users: Any) -> None:
    jxw, guxi = users["jxw"], users["guxi"]
    mine = project(lead_unit=jxw.organization, first_township=Region.objects.get(code="500152103"))
    assert follow(mine, jxw).created_by == jxw
    # the town that reported the project sees its stage, not its follow-ups
    with pytest.raises(Forbidden):
        follow(mine, guxi)
    with pytest.raises(NotFound):
        follow(project(DADUKOU), jxw)
    # a department reads the district's pipeline but writes only on what is assigned to it
    with pytest.raises(Forbidden):
        follow(project(), jxw)
    assert FollowUp.objects.filter(project=mine).count() == 1


# --- funds in place ----------------------------------------------------------------------------------


def test_funds_are_refused_before_signing_by_the_history_not_the_current_stage() -> None:
    p = signed(on=date(2022, 3, 9))
    assert p.stage == "signed"  # signed now, but not in February
    with pytest.raises(InvalidInput) as err:
        tracking.record_funds(None, p, month=date(2022, 2, 1), amount=D(100), source="in_city")
    assert err.value.errors[0].code == "funds_before_signing"
    assert "2022年2月底前尚未签约" in err.value.errors[0].message
    row = tracking.record_funds(None, p, month=date(2022, 3, 31), amount=D(100), source="in_city")
    assert (row.month, row.amount) == (date(2022, 3, 1), D(100))
    assert FundsInPlace.objects.filter(project=p).count() == 1


def test_funds_never_for_a_project_never_signed_nor_after_termination() -> None:
    p = project()
    with pytest.raises(InvalidInput) as err:
        tracking.record_funds(None, p, month=date(2022, 2, 1), amount=D(1), source="abroad")
    assert err.value.errors[0].code == "funds_before_signing"
    q = signed(on=date(2022, 3, 9))
    services.change_stage(None, q, "terminated", date(2022, 5, 10), reason="funds")
    tracking.record_funds(None, q, month="2022-05", amount=D(7), source="abroad")  # the month it ended
    with pytest.raises(InvalidInput) as err:
        tracking.record_funds(None, q, month="2022-06", amount=D(7), source="abroad")
    assert err.value.errors[0].code == "funds_after_termination"


def test_funds_reentry_corrects_and_bad_input_is_refused() -> None:
    p = signed()
    tracking.record_funds(None, p, month=date(2022, 4, 1), amount=D(100), source="in_city")
    tracking.record_funds(None, p, month=date(2022, 4, 15), amount="120.5", source="in_city")
    tracking.record_funds(None, p, month=date(2022, 4, 1), amount=D(30), source="abroad")
    rows = {r.source: r.amount for r in FundsInPlace.objects.filter(project=p)}
    assert rows == {"in_city": D("120.50"), "abroad": D(30)}
    for kw, code in (
        ({"amount": D(-1)}, "negative_amount"),
        ({"amount": "abc"}, "number_invalid"),
        ({"source": "mars"}, "invalid_choice"),
        ({"month": "2099-01"}, "date_in_future"),
        ({"month": "March"}, "month_invalid"),
    ):
        values = {"month": date(2022, 5, 1), "amount": D(1), "source": "in_city"} | kw
        with pytest.raises(InvalidInput) as err:
            tracking.record_funds(None, p, **values)
        assert err.value.errors[0].code == code
    assert FundsInPlace.objects.filter(project=p).count() == 2


def test_funds_scope(users: Any) -> None:
    jxw, guxi = users["jxw"], users["guxi"]
    mine = signed(lead_unit=jxw.organization, first_township=Region.objects.get(code="500152103"))
    tracking.record_funds(jxw, mine, month=date(2022, 4, 1), amount=D(1), source="in_city")
    with pytest.raises(Forbidden):
        tracking.record_funds(guxi, mine, month=date(2022, 5, 1), amount=D(1), source="in_city")
    with pytest.raises(NotFound):
        tracking.record_funds(jxw, signed(DADUKOU), month=date(2022, 4, 1), amount=D(1), source="in_city")
    assert FundsInPlace.objects.filter(project=mine).count() == 1


# --- the district figure, and the targets reading it ------------------------------------------------


def current(region: Region, key: str) -> list[tuple[int, D]]:
    return list(
        IndicatorValue.objects.filter(region=region, indicator__code="zsyz_dw", period__key=key)
        .order_by("version")
        .values_list("version", "value")
    )


def test_cumulative_funds_feed_the_indicator_and_the_target() -> None:
    wanzhou = district(WANZHOU)
    a, b = signed(WANZHOU, on=date(2025, 1, 6)), signed(WANZHOU, on=date(2025, 1, 8))
    other = signed(TONGNAN, on=date(2025, 1, 6))  # another district's funds are not counted
    tracking.record_funds(None, other, month="2025-01", amount=D(999999), source="in_city")
    tracking.record_funds(None, a, month="2025-01", amount=D(15000), source="in_city")
    tracking.record_funds(None, b, month="2025-01", amount=D(5000), source="abroad")
    assert tracking.cumulative_funds(wanzhou, 2025, 1) == D(20000)
    # 万元 → 亿元; each change of the figure is a new version
    assert current(wanzhou, "2025-M01") == [(1, D("1.5")), (2, D(2))]
    tracking.record_funds(None, a, month="2025-03", amount=D(10000), source="in_city")
    # 1—2月 and 一季度 are written too (February had nothing more)
    assert current(wanzhou, "2025-M01-02") == [(1, D(2))]
    assert current(wanzhou, "2025-Q1") == [(1, D(3))]
    # the same figure again writes no version and no data source
    fed = tracking.feed_indicator(wanzhou, 2025, 3)
    assert (fed.period_key, fed.value, fed.written) == ("2025-Q1", D(3), "unchanged")
    assert current(wanzhou, "2025-Q1") == [(1, D(3))]
    source = IndicatorValue.objects.get(region=wanzhou, period__key="2025-Q1").source
    assert (source.origin, source.name) == ("rollup", "招商引资项目到位资金汇总")
    # a correction of January reaches every later month already fed
    tracking.record_funds(None, b, month="2025-01", amount=D(10000), source="abroad")
    assert current(wanzhou, "2025-M01")[-1] == (3, D("2.5"))
    assert current(wanzhou, "2025-Q1")[-1] == (2, D("3.5"))

    targets.set_target(None, wanzhou, "zsyz_dw", 2025, value=D(10))
    c = targets.completion(wanzhou, "zsyz_dw", "2025年一季度")
    assert (c.actual, c.completion, c.time_progress, c.data_period_key) == (
        D("3.5"),
        D("35.0"),
        D("25.0"),
        "2025-Q1",
    )
    assert c.sentence == "招商引资到位资金完成3.5亿元,占年度目标的35.0%,高于序时进度10.0个百分点"


def test_a_figure_of_another_origin_is_kept() -> None:
    from tiaodu.monitoring.services import record_value

    wanzhou = district(WANZHOU)
    record_value(None, "zsyz_dw", wanzhou, "2025年1-4月", D(8))  # the statistics bureau's figure
    p = signed(WANZHOU, on=date(2025, 4, 2))
    tracking.record_funds(None, p, month="2025-04", amount=D(10000), source="in_city")
    assert current(wanzhou, "2025-M01-04") == [(1, D(8))]
    assert tracking.feed_indicator(wanzhou, 2025, 4).written == "kept"
