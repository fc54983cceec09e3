"""Rounds: opening (set-based slots), submitting (versioned figures), 催报, closing and freezing;
bad input is refused with stable codes and writes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tiaodu.core.errors import ServiceError
from tiaodu.enterprises.models import Enterprise
from tiaodu.monitoring.models import DataSource, EnterpriseValue, IndicatorValue
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region
from tiaodu.reporting import services
from tiaodu.reporting.choices import RoundState, UnitFilter, UnitKind
from tiaodu.reporting.models import Reminder, ReportingRound, ReportSlot
from tiaodu.reporting.tests.conftest import current, open_test_round, seed, slot_of

pytestmark = pytest.mark.django_db

GOOD = {"gy_zcz": "1.25", "yysr": "12000"}


def fails(code: str, fn: Any, *args: Any, **kw: Any) -> ServiceError:
    with pytest.raises(ServiceError) as exc:
        fn(*args, **kw)
    err = exc.value
    assert err.code == code or code in [e.code for e in err.errors], err.as_dict()
    return err


def counts() -> tuple[int, ...]:
    return (
        ReportingRound.objects.count(),
        ReportSlot.objects.count(),
        ReportSlot.objects.filter(submitted_at__isnull=False).count(),
        EnterpriseValue.objects.count(),
        IndicatorValue.objects.count(),
        DataSource.objects.count(),
        Reminder.objects.count(),
    )


def test_open_creates_one_slot_per_unit(rnd: ReportingRound, firms: dict[str, Enterprise]) -> None:
    assert rnd.expected_count == 4 == rnd.slots.count()
    assert rnd.state == RoundState.OPEN and rnd.unit_filter == UnitFilter.SELECTED
    assert rnd.period.key == "2023-M02" and rnd.period_kind == "month"
    assert rnd.figure_period.key == "2023-M01-02"  # a month round reports the year so far
    assert rnd.title == "2023年2月月报"
    slot = slot_of(rnd, firms["yuxi_key"])
    assert slot.organization_id == firms["yuxi_key"].organization_id
    assert slot.region.code == "500152107" and slot.submitted_at is None
    assert set(rnd.indicators.values_list("code", flat=True)) == {"gy_zcz", "yysr"}


def test_period_kinds_and_basis(firms: dict[str, Enterprise]) -> None:
    week = open_test_round(firms, "2023年第10周", due_on=date(2023, 3, 12))
    assert (week.period_kind, week.figure_period.key, week.cumulative) == ("week", "2023-W10", False)
    xun = open_test_round(firms, "2023年3月上旬", due_on=date(2023, 3, 12))
    assert (xun.period_kind, xun.figure_period.key) == ("xun", "2023-M03-X1")
    month = open_test_round(firms, "2023年4月", cumulative=False, due_on=date(2023, 5, 5))
    assert month.figure_period.key == "2023-M04" and not month.cumulative
    assert "旬报" in xun.title and "周报" in week.title


def test_unit_filters(firms: dict[str, Enterprise], tongnan: Region) -> None:
    key = open_test_round(
        firms, "2023年5月", enterprises=None, unit_filter=UnitFilter.KEY, due_on=date(2023, 6, 5)
    )
    keys = set(key.slots.values_list("enterprise_id", flat=True))
    assert {firms["guxi_key"].pk, firms["yuxi_key"].pk} <= keys and firms["guxi_small"].pk not in keys
    assert keys == set(services.key_enterprises(tongnan).values_list("pk", flat=True))
    assert "重点企业" in key.title
    above = services.open_round(
        None,
        district=tongnan,
        period="2023年6月",
        indicators=["规上工业产值"],  # an alias
        due_on=date(2023, 7, 5),
    )
    assert above.unit_filter == UnitFilter.ABOVE_SCALE
    expected = Enterprise.objects.filter(township__path__startswith=tongnan.path, is_above_scale=True)
    assert set(above.slots.values_list("enterprise_id", flat=True)) == set(
        expected.values_list("pk", flat=True)
    )
    depts = services.open_round(
        None,
        district=tongnan,
        period="2023年6月",
        indicators=["gdp_zs", "固定资产投资"],  # departments may report rates
        due_on=date(2023, 7, 5),
        unit_kind=UnitKind.DEPARTMENT,
    )
    assert depts.unit_filter == UnitFilter.DEPARTMENTS
    expected_orgs = Organization.objects.filter(region=tongnan, kind=OrgKind.DEPARTMENT, is_active=True)
    assert set(depts.slots.values_list("organization_id", flat=True)) == set(
        expected_orgs.values_list("pk", flat=True)
    )
    assert not depts.slots.filter(enterprise__isnull=False).exists()


def test_bad_rounds_change_nothing(
    firms: dict[str, Enterprise], tongnan: Region, users: dict[str, Any]
) -> None:
    before = counts()
    fails("period_kind_invalid", open_test_round, firms, "2023年一季度")
    fails("period_unknown", open_test_round, firms, "去年春天")
    fails("indicator_unknown", open_test_round, firms, indicators=["没有的指标"])
    fails("required", open_test_round, firms, indicators=[])
    fails("indicator_not_reportable", open_test_round, firms, indicators=["规模以上工业增加值增速"])
    fails("date_order", open_test_round, firms, due_on=date(2023, 1, 31))
    fails("threshold_invalid", open_test_round, firms, alert_threshold=5)
    fails("threshold_invalid", open_test_round, firms, alert_threshold=-120)
    fails("invalid_choice", open_test_round, firms, unit_filter=UnitFilter.DEPARTMENTS)
    other = Enterprise.objects.filter(township__path__startswith=Region.objects.get(code="500104").path)
    fails("enterprise_outside_district", open_test_round, firms, enterprises=other)
    fails("round_no_units", open_test_round, firms, enterprises=Enterprise.objects.none())
    fails(
        "district_invalid",
        services.open_round,
        None,
        district=Region.objects.get(code="500152103"),
        period="2023年2月",
        indicators=["gy_zcz"],
        due_on=date(2023, 3, 5),
    )
    fails("permission_denied", open_test_round, firms, actor=users["guxi"])
    assert counts() == before
    open_test_round(firms)
    after = counts()
    err = fails("round_exists", open_test_round, firms)
    assert err.status == 409
    assert counts() == after


def test_lifecycle(rnd: ReportingRound, firms: dict[str, Enterprise], users: dict[str, Any]) -> None:
    values = {
        "guxi_key": {"gy_zcz": "1.5", "yysr": "14000"},
        "guxi_small": {"gy_zcz": "0.25", "yysr": "2300.5"},
        "yuxi_key": {"gy_zcz": "2", "yysr": "19000"},
    }
    for name, figures in values.items():
        services.submit(None, rnd.pk, slot_of(rnd, firms[name]).pk, figures)
    assert current(firms["guxi_key"], "2023年1-2月").value == Decimal("1.5")
    live = services.totals(rnd)
    assert (live.expected, live.reported, live.missing, live.rate) == (4, 3, 1, Decimal("75.0"))
    sums = {t.code: (t.sum, t.count) for t in live.indicators}
    assert sums == {"gy_zcz": (Decimal("3.75"), 3), "yysr": (Decimal("35300.5"), 3)}
    assert [s.enterprise_id for s in services.missing(rnd)] == [firms["qiye"].pk]

    reminder = services.remind(users["leader"], rnd.pk, "请于今日报送")
    assert reminder.missing_count == 1 and reminder.actor == users["leader"]
    assert reminder.unit_names == [firms["qiye"].name]
    assert slot_of(rnd, firms["qiye"]).reminded_count == 1
    assert slot_of(rnd, firms["guxi_key"]).reminded_count == 0

    closed = services.close_round(users["leader"], rnd.pk)
    assert closed.state == RoundState.CLOSED and closed.closed_by == users["leader"]
    assert (closed.expected_count, closed.reported_count, closed.report_rate) == (4, 3, Decimal("75.0"))
    assert {t["code"]: t["sum"] for t in closed.totals} == {"gy_zcz": "3.75", "yysr": "35300.5"}
    frozen = services.frozen_totals(closed)
    assert frozen.rate == Decimal("75.0") and frozen.indicators[0].sum == Decimal("3.75")

    before = counts()
    err = fails("round_closed", services.submit, None, rnd.pk, slot_of(rnd, firms["qiye"]).pk, GOOD)
    assert err.status == 409
    fails("round_closed", services.remind, users["leader"], rnd.pk)
    fails("round_closed", services.close_round, users["leader"], rnd.pk)
    assert counts() == before


def test_nothing_to_remind(firms: dict[str, Enterprise]) -> None:
    rnd = open_test_round(firms, enterprises=Enterprise.objects.filter(pk=firms["guxi_key"].pk))
    services.submit(None, rnd.pk, slot_of(rnd, firms["guxi_key"]).pk, GOOD)
    assert fails("nothing_missing", services.remind, None, rnd.pk).status == 409


def test_bad_submissions_write_nothing(rnd: ReportingRound, firms: dict[str, Enterprise]) -> None:
    slot = slot_of(rnd, firms["guxi_key"]).pk
    other = open_test_round(firms, "2023年3月", due_on=date(2023, 4, 5))
    before = counts()
    fails("negative_value", services.submit, None, rnd.pk, slot, {"gy_zcz": "-1", "yysr": "1"})
    fails("indicator_unknown", services.submit, None, rnd.pk, slot, {**GOOD, "没有的指标": "1"})
    fails("indicator_not_in_round", services.submit, None, rnd.pk, slot, {**GOOD, "利润总额": "1"})
    fails("required", services.submit, None, rnd.pk, slot, {"gy_zcz": "1"})
    fails("required", services.submit, None, rnd.pk, slot, {"gy_zcz": "1", "yysr": " "})
    fails("number_invalid", services.submit, None, rnd.pk, slot, {"gy_zcz": "一点五", "yysr": "1"})
    fails("number_invalid", services.submit, None, rnd.pk, slot, {"gy_zcz": "NaN", "yysr": "1"})
    fails("number_too_large", services.submit, None, rnd.pk, slot, {"gy_zcz": "1e30", "yysr": "1"})
    fails("slot_not_in_round", services.submit, None, rnd.pk, slot_of(other, firms["guxi_key"]).pk, GOOD)
    fails("round_unknown", services.submit, None, 10**9, slot, GOOD)
    assert counts() == before
    assert not ReportSlot.objects.get(pk=slot).is_submitted


def test_negative_where_allowed(firms: dict[str, Enterprise]) -> None:
    rnd = open_test_round(firms, indicators=["gy_zcz", "利润总额"])
    services.submit(None, rnd.pk, slot_of(rnd, firms["guxi_small"]).pk, {"gy_zcz": "0.3", "lrze": "-12.5"})
    assert current(firms["guxi_small"], "2023年1-2月", "lrze").value == Decimal("-12.5")


def test_resubmission_is_a_new_version(
    rnd: ReportingRound, firms: dict[str, Enterprise], users: dict[str, Any]
) -> None:
    qiye = users["qiye"]
    slot = slot_of(rnd, firms["qiye"]).pk
    first = services.submit(qiye, rnd.pk, slot, {"gy_zcz": "1.5", "yysr": "14000"})
    assert (first.created, first.revised, first.unchanged) == (2, 0, 0)
    same = services.submit(qiye, rnd.pk, slot, {"gy_zcz": "1.50", "yysr": "14000"})
    assert (same.created, same.revised, same.unchanged) == (0, 0, 2)
    revised = services.submit(qiye, rnd.pk, slot, {"gy_zcz": "1.7", "yysr": "14000"})
    assert (revised.created, revised.revised, revised.unchanged) == (0, 1, 1)
    rows = list(
        EnterpriseValue.objects.filter(
            enterprise=firms["qiye"], indicator__code="gy_zcz", period=rnd.figure_period
        )
        .select_related("source")
        .order_by("version")
    )
    assert [(r.version, r.value, r.is_current) for r in rows] == [
        (1, Decimal("1.5"), False),
        (2, Decimal("1.7"), True),
    ]
    assert rows[1].source.user == qiye and rows[1].source.detail["round"] == rnd.pk
    assert rnd.title in rows[1].source.name and firms["qiye"].name in rows[1].source.name
    saved = ReportSlot.objects.get(pk=slot)
    assert saved.submission_count == 3 and saved.source == rows[1].source and saved.submitted_by == qiye
    history = services.figure_versions(rnd, saved)
    assert [(v.indicator.code, v.version) for v in history] == [("gy_zcz", 2), ("gy_zcz", 1), ("yysr", 1)]


def test_department_round_writes_district_figures(tongnan: Region, users: dict[str, Any]) -> None:
    jxw = users["jxw"]
    rnd = services.open_round(
        jxw,
        district=tongnan,
        period="2023年2月",
        indicators=["工业投资", "工业投资增速"],
        due_on=date(2023, 3, 5),
        unit_kind=UnitKind.DEPARTMENT,
        organizations=Organization.objects.filter(pk=jxw.organization_id),
    )
    assert rnd.opened_by == jxw and rnd.expected_count == 1
    slot = rnd.slots.get()
    assert slot.enterprise_id is None and slot.region == tongnan
    services.submit(jxw, rnd.pk, slot.pk, {"gy_tz": "18.09", "gy_tz_zs": "-2.5"})
    figure = IndicatorValue.objects.get(
        region=tongnan, indicator__code="gy_tz", period=rnd.figure_period, is_current=True
    )
    assert figure.value == Decimal("18.09") and figure.source.user == jxw
    totals = services.totals(rnd)
    assert {t.code: t.sum for t in totals.indicators} == {
        "gy_tz": Decimal("18.09"),
        "gy_tz_zs": Decimal("-2.5"),
    }
    closed = services.close_round(jxw, rnd.pk)  # the department opened it, so it may close it
    assert closed.report_rate == Decimal("100.0") and closed.alert_count == 0


def test_closing_raises_alerts(
    rnd: ReportingRound, firms: dict[str, Enterprise], users: dict[str, Any]
) -> None:
    seed(firms["guxi_key"], "2022年1-2月", "2")
    seed(firms["yuxi_key"], "2022年1-2月", "2")
    services.submit(None, rnd.pk, slot_of(rnd, firms["guxi_key"]).pk, {"gy_zcz": "1.7", "yysr": "1"})  # −15%
    services.submit(None, rnd.pk, slot_of(rnd, firms["yuxi_key"]).pk, {"gy_zcz": "1.9", "yysr": "1"})  # −5%
    closed = services.close_round(users["leader"], rnd.pk)
    assert closed.alert_count == 1
    alert = closed.alerts.get()
    assert alert.enterprise == firms["guxi_key"] and alert.growth == Decimal("-15.0")
    assert alert.period.key == "2023-M01-02" and alert.threshold == Decimal("-10.0")
    assert alert.last_year_value == Decimal("2") and alert.value == Decimal("1.7")


def test_round_threshold(firms: dict[str, Enterprise]) -> None:
    rnd = open_test_round(firms, alert_threshold="-4")
    assert rnd.alert_threshold == Decimal("-4.0")
    seed(firms["yuxi_key"], "2022年1-2月", "2")
    services.submit(None, rnd.pk, slot_of(rnd, firms["yuxi_key"]).pk, {"gy_zcz": "1.9", "yysr": "1"})
    assert services.close_round(None, rnd.pk).alerts.get().growth == Decimal("-5.0")


def test_figures_shown_plain() -> None:
    assert services.plain(Decimal("6000.0000")) == "6000"
    assert services.plain(Decimal("1.2500")) == "1.25"
    assert services.plain(Decimal("-0.0000")) == "0"
    assert services.plain(None) == "—"


# --- 分工: a department round divided between departments ------------------------------------------


def _divided(tongnan: Region, actor: Any = None, **kw: Any) -> ReportingRound:
    return services.open_round(
        actor,
        district=tongnan,
        period=kw.pop("period", "2023年4月"),
        indicators=kw.pop("indicators", ["固定资产投资", "社会消费品零售总额", "招商引资到位资金"]),
        due_on=date(2023, 5, 5),
        unit_kind=kw.pop("unit_kind", UnitKind.DEPARTMENT),
        **kw,
    )


def test_a_divided_department_round(tongnan: Region, users: dict[str, Any]) -> None:
    rnd = _divided(
        tongnan,
        users["jxw"],
        assignments={
            "区发展改革委": ["固定资产投资"],
            "区商务委": ["shxf"],
            "区招商投资局": ["招商引资到位资金"],
        },
    )
    # only the assigned departments report, each its own indicators
    slots = {s.organization.name: s for s in rnd.slots.select_related("organization")}
    assert set(slots) == {"区发展改革委", "区商务委", "区招商投资局"} and rnd.expected_count == 3
    assert rnd.unit_filter == UnitFilter.SELECTED
    assert [i.code for i in services.slot_indicators(rnd, slots["区商务委"])] == ["shxf"]
    # a department fills in its own indicator only; another's is refused by name
    business = slots["区商务委"]
    fails("required", services.submit, None, rnd.pk, business.pk, {})
    err = fails(
        "indicator_assigned_elsewhere",
        services.submit,
        None,
        rnd.pk,
        business.pk,
        {"shxf": "50", "gdzc_tz": "9"},
    )
    assert any("由区发展改革委报送" in e.message for e in err.errors)
    assert not IndicatorValue.objects.filter(source__detail__round=rnd.pk).exists()
    services.submit(None, rnd.pk, business.pk, {"社会消费品零售总额": "50.5"})
    assert IndicatorValue.objects.get(
        region=tongnan, indicator__code="shxf", period=rnd.figure_period, is_current=True
    ).value == Decimal("50.5")
    assert services.totals(rnd).reported == 1
    # the round's totals still cover every indicator of the round
    assert [t.code for t in services.totals(rnd).indicators] == ["gdzc_tz", "shxf", "zsyz_dw"]


def test_bad_divisions_change_nothing(tongnan: Region, firms: dict[str, Enterprise]) -> None:
    before = counts()
    fails("organization_unknown", _divided, tongnan, assignments={"区不存在局": ["gdzc_tz"]})
    fails(
        "indicator_assigned_twice",
        _divided,
        tongnan,
        assignments={"区发展改革委": ["gdzc_tz", "shxf"], "区商务委": ["shxf"], "区招商投资局": ["zsyz_dw"]},
    )
    fails(
        "indicator_unassigned",
        _divided,
        tongnan,
        assignments={"区发展改革委": ["gdzc_tz"], "区商务委": ["shxf"]},
    )
    fails(
        "indicator_not_in_round",
        _divided,
        tongnan,
        assignments={"区发展改革委": ["gdzc_tz", "gdp"], "区商务委": ["shxf"], "区招商投资局": ["zsyz_dw"]},
    )
    fails("indicator_unknown", _divided, tongnan, assignments={"区发展改革委": ["没有的指标"]})
    fails("required", _divided, tongnan, assignments={})
    fails(
        "assignments_not_allowed",
        _divided,
        tongnan,
        unit_kind=UnitKind.ENTERPRISE,
        indicators=["gy_zcz"],
        assignments={"区发展改革委": ["gy_zcz"]},
    )
    # a department of another district is not one of 潼南's
    fails("organization_unknown", _divided, tongnan, assignments={"大渡口区经信委": ["gdzc_tz"]})
    assert counts() == before


def test_parse_division() -> None:
    assert services.parse_division(
        "区发展改革委:固定资产投资、地区生产总值\n\n 区商务委:社会消费品零售总额\n"
    ) == {
        "区发展改革委": ["固定资产投资", "地区生产总值"],
        "区商务委": ["社会消费品零售总额"],
    }
    assert services.parse_division("区招商投资局: zsyz_dw, gdp;gdzc_tz") == {
        "区招商投资局": ["zsyz_dw", "gdp", "gdzc_tz"]
    }
    for bad in ("区发展改革委 固定资产投资", "区商务委:", ":shxf"):
        fails("assignment_line_invalid", services.parse_division, bad)
