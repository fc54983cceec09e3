"""Fixtures of the reporting tests: enterprises of their own in 潼南区 (the shared test database
already holds the demo's), rounds over them for periods the demo does not use (2023, 2024)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tiaodu.enterprises.demo import credit_code
from tiaodu.enterprises.models import Enterprise
from tiaodu.enterprises.services import save_enterprise
from tiaodu.monitoring import services as monitoring
from tiaodu.monitoring.choices import ValueOrigin
from tiaodu.monitoring.models import EnterpriseValue
from tiaodu.regions.models import Region
from tiaodu.reporting import services
from tiaodu.reporting.models import ReportingRound

GUXI, YUXI = "500152103", "500152107"


@pytest.fixture
def tongnan(db: Any) -> Region:
    return Region.objects.get(code="500152")


def firm(serial: int, township: str, *, key: bool = False, above: bool = True) -> Enterprise:
    enterprise, _created = save_enterprise(
        None,
        credit_code("500152", "MR71", serial),
        township,
        name=f"测试报送企业{serial}",
        is_above_scale=above,
        is_key=key,
        output_tier="100m" if key else "small",
    )
    return enterprise


@pytest.fixture
def firms(users: dict[str, Any]) -> dict[str, Enterprise]:
    """Two 古溪镇 enterprises (one key, its liaison department 经信委), one key 玉溪镇 enterprise,
    and the demo user qiye's own (重庆潼南古溪食品有限公司)."""
    made = {
        "guxi_key": firm(1, GUXI, key=True),
        "guxi_small": firm(2, GUXI),
        "yuxi_key": firm(3, YUXI, key=True),
    }
    made["guxi_key"].liaison_department = users["jxw"].organization
    made["guxi_key"].save()
    made["qiye"] = Enterprise.objects.get(organization=users["qiye"].organization)
    return made


def open_test_round(
    firms: dict[str, Enterprise], period: str = "2023年2月", indicators: Any = ("gy_zcz", "yysr"), **kw: Any
) -> ReportingRound:
    chosen = kw.pop("enterprises", None)
    if chosen is None:
        chosen = Enterprise.objects.filter(pk__in=[f.pk for f in firms.values()])
    return services.open_round(
        kw.pop("actor", None),
        district=Region.objects.get(code="500152"),
        period=period,
        indicators=indicators,
        due_on=kw.pop("due_on", date(2023, 3, 5)),
        enterprises=chosen,
        **kw,
    )


@pytest.fixture
def rnd(firms: dict[str, Enterprise]) -> ReportingRound:
    return open_test_round(firms)


def seed(enterprise: Enterprise, period: str, value: Any, code: str = "gy_zcz") -> None:
    """A figure as the statistics bureau's import would store it."""
    source = monitoring.new_source(ValueOrigin.IMPORT, "测试导入", None)
    monitoring.write_versions(
        EnterpriseValue,
        [
            (
                enterprise.pk,
                monitoring.find_indicator(code).pk,
                monitoring.period_row(period).pk,
                Decimal(str(value)),
            )
        ],
        source,
    )


def slot_of(rnd: ReportingRound, enterprise: Enterprise) -> Any:
    return rnd.slots.get(enterprise=enterprise)


def current(enterprise: Enterprise, period: str, code: str = "gy_zcz") -> Any:
    return EnterpriseValue.objects.get(
        enterprise=enterprise,
        indicator__code=code,
        period__key=monitoring.parse_period(period).key,
        is_current=True,
    )
