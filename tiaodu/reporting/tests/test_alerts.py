"""Key-enterprise output alerts: the threshold rule, idempotency, revisions, follow-up, the CLI."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tiaodu.core.errors import ServiceError
from tiaodu.enterprises.models import Enterprise
from tiaodu.regions.models import Region
from tiaodu.reporting import services
from tiaodu.reporting.choices import AlertState
from tiaodu.reporting.models import OutputAlert
from tiaodu.reporting.tests.conftest import firm, seed

pytestmark = pytest.mark.django_db

# 2024 figures: the shared test database (and the reporting demo) has none for 2024 or 2023.
THIS, LAST = "2024年1-2月", "2023年1-2月"


def mine(firms: dict[str, Enterprise]) -> Any:
    return OutputAlert.objects.filter(enterprise__in=list(firms.values()), period__key="2024-M01-02")


def test_threshold_rule(firms: dict[str, Enterprise], tongnan: Region) -> None:
    more = {
        "exact": firm(11, "500152103", key=True),  # −10.0%: not beyond the threshold
        "beyond": firm(12, "500152103", key=True),  # −10.1%
        "no_basis": firm(13, "500152103", key=True),  # no figure last year
        "zero": firm(14, "500152103", key=True),  # last year 0: growth undefined
        "small": firm(15, "500152103", key=False),  # not a key enterprise
    }
    seed(more["exact"], LAST, "100")
    seed(more["exact"], THIS, "90")
    seed(more["beyond"], LAST, "100")
    seed(more["beyond"], THIS, "89.9")
    seed(more["no_basis"], THIS, "5")
    seed(more["zero"], LAST, "0")
    seed(more["zero"], THIS, "5")
    seed(more["small"], LAST, "100")
    seed(more["small"], THIS, "50")
    # A month is compared on the cumulative basis: 2024年2月 → 1月—2月.
    run = services.raise_alerts(None, tongnan, "2024年2月")
    assert run.period.key == "2024-M01-02" and run.indicator.code == "gy_zcz"
    assert run.threshold == Decimal("-10.0")
    alerts = mine(more)
    assert [a.enterprise for a in alerts] == [more["beyond"]]
    alert = alerts.get()
    assert (alert.value, alert.last_year_value, alert.growth) == (
        Decimal("89.9"),
        Decimal("100"),
        Decimal("-10.1"),
    )
    assert alert.state == AlertState.OPEN and alert.round is None and alert.district == tongnan
    assert run.evaluated >= 4 and run.no_basis >= 2 and run.raised >= 1
    assert more["beyond"] in [a.enterprise for a in run.alerts]


def test_idempotent_and_revisions(firms: dict[str, Enterprise], tongnan: Region) -> None:
    seed(firms["guxi_key"], LAST, "10")
    seed(firms["guxi_key"], THIS, "8")  # −20%
    first = services.raise_alerts(None, tongnan, THIS)
    assert mine(firms).count() == 1 and first.raised >= 1
    again = services.raise_alerts(None, tongnan, THIS)
    assert (
        again.raised == 0
        and again.updated == 0
        and again.unchanged == first.raised + first.updated + first.unchanged
    )
    assert mine(firms).count() == 1

    seed(firms["guxi_key"], THIS, "7")  # revised: −30%
    revised = services.raise_alerts(None, tongnan, THIS)
    assert revised.updated >= 1
    alert = mine(firms).get()
    assert alert.growth == Decimal("-30.0") and alert.value == Decimal("7")

    seed(firms["guxi_key"], THIS, "9.5")  # revised again: −5%, no longer an alert
    cleared = services.raise_alerts(None, tongnan, THIS)
    assert cleared.cleared >= 1
    alert.refresh_from_db()
    assert alert.state == AlertState.CLEARED and alert.growth == Decimal("-5.0")

    seed(firms["guxi_key"], THIS, "8")  # and back down: the alert opens again
    services.raise_alerts(None, tongnan, THIS)
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN and alert.growth == Decimal("-20.0")
    assert mine(firms).count() == 1


def test_a_mistyped_figure_gives_an_absurd_growth_not_a_crash(
    firms: dict[str, Enterprise], tongnan: Region
) -> None:
    seed(firms["guxi_key"], LAST, "100")
    seed(firms["guxi_key"], THIS, "80")  # −20%: an alert
    services.raise_alerts(None, tongnan, THIS)
    seed(firms["guxi_key"], THIS, "800000000")  # 80 typed with seven zeros: cleared, growth stored
    assert services.raise_alerts(None, tongnan, THIS).cleared >= 1
    alert = mine(firms).get()
    assert alert.state == AlertState.CLEARED and alert.growth == Decimal("799999900.0")


def test_indicator_threshold_and_basis(firms: dict[str, Enterprise], tongnan: Region) -> None:
    seed(firms["yuxi_key"], "2023年2月", "1000", "yysr")
    seed(firms["yuxi_key"], "2024年2月", "940", "yysr")  # −6% in February alone
    run = services.raise_alerts(
        None, tongnan, "2024年2月", indicator="营业收入", threshold="-5", cumulative=False
    )
    assert run.period.key == "2024-M02" and run.indicator.code == "yysr"
    alert = OutputAlert.objects.get(enterprise=firms["yuxi_key"], period__key="2024-M02")
    assert alert.growth == Decimal("-6.0") and alert.threshold == Decimal("-5.0")
    with pytest.raises(ServiceError) as exc:
        services.raise_alerts(None, tongnan, THIS, indicator="规模以上工业增加值增速")
    assert exc.value.errors[0].code == "indicator_not_level"
    with pytest.raises(ServiceError) as exc:
        services.raise_alerts(None, tongnan, THIS, threshold="abc")
    assert exc.value.errors[0].code == "number_invalid"


def test_who_may_raise(firms: dict[str, Enterprise], tongnan: Region, users: dict[str, Any]) -> None:
    seed(firms["guxi_key"], LAST, "10")
    seed(firms["guxi_key"], THIS, "5")
    for name in ("guxi", "qiye", "squad1"):
        with pytest.raises(ServiceError) as exc:
            services.raise_alerts(users[name], tongnan, THIS)
        assert exc.value.status == 403, name
    with pytest.raises(ServiceError) as exc:
        services.raise_alerts(users["leader"], Region.objects.get(code="500104"), THIS)
    assert exc.value.status == 403
    assert not mine(firms).exists()
    services.raise_alerts(users["jxw"], tongnan, THIS)
    assert mine(firms).count() == 1


def test_follow_up(firms: dict[str, Enterprise], tongnan: Region, users: dict[str, Any]) -> None:
    seed(firms["guxi_key"], LAST, "10")
    seed(firms["guxi_key"], THIS, "5")
    services.raise_alerts(None, tongnan, THIS)
    alert = mine(firms).get()
    # Who sees it: the district, its township, its liaison department; not 玉溪镇, not enterprises.
    for name, visible in (("leader", True), ("jxw", True), ("guxi", True), ("yuxi", False), ("qiye", False)):
        assert OutputAlert.objects.restrict(users[name]).filter(pk=alert.pk).exists() == visible, name
    with pytest.raises(ServiceError) as exc:
        services.follow_up(users["yuxi"], alert.pk, "acknowledge")
    assert exc.value.status == 404
    with pytest.raises(ServiceError) as exc:
        services.follow_up(users["guxi"], alert.pk, "handle", "")
    assert exc.value.errors[0].code == "required"
    with pytest.raises(ServiceError) as exc:
        services.follow_up(users["guxi"], alert.pk, "escalate")
    assert exc.value.errors[0].code == "invalid_choice"
    acknowledged = services.follow_up(users["guxi"], alert.pk, "acknowledge")
    assert acknowledged.state == AlertState.ACKNOWLEDGED and acknowledged.acknowledged_by == users["guxi"]
    handled = services.follow_up(users["jxw"], alert.pk, "handle", "已走访企业,协调订单对接")
    assert handled.state == AlertState.HANDLED and handled.note.startswith("已走访")
    with pytest.raises(ServiceError) as exc:
        services.follow_up(users["guxi"], alert.pk, "acknowledge")
    assert exc.value.code == "transition_not_allowed" and exc.value.status == 409
    # A handled alert stays handled when the rule runs again.
    services.raise_alerts(None, tongnan, THIS)
    alert.refresh_from_db()
    assert alert.state == AlertState.HANDLED


def test_command(firms: dict[str, Enterprise]) -> None:
    seed(firms["guxi_key"], LAST, "10")
    seed(firms["guxi_key"], THIS, "8.5")
    out = io.StringIO()
    call_command("alerts", "--region", "500152", "--period", "2024年2月", stdout=out)
    text = out.getvalue()
    assert "潼南区" in text and firms["guxi_key"].name in text and "-15.0%" in text
    assert mine(firms).count() == 1
    out = io.StringIO()
    call_command("alerts", "--region", "500152", "--period", "2024年2月", stdout=out)
    assert "新增0" in out.getvalue() and mine(firms).count() == 1
    with pytest.raises(CommandError, match="period_unknown"):
        call_command("alerts", "--region", "500152", "--period", "前年")
    with pytest.raises(CommandError, match="region_unknown"):
        call_command("alerts", "--region", "999999", "--period", "2024年2月")
    with pytest.raises(CommandError, match="permission_denied"):
        call_command("alerts", "--region", "500152", "--period", "2024年2月", "--as", "guxi")
