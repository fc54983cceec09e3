"""Test helpers: investment projects in a district, entered by the server operator."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

from tiaodu.investment import services
from tiaodu.investment.models import InvestmentProject
from tiaodu.regions.models import Region

TONGNAN, DADUKOU, WANZHOU = "500152", "500104", "500101"
_serial = count(1)


def district(code: str = TONGNAN) -> Region:
    region = Region.objects.get(code=code)
    services.ensure_defaults(region)
    return region


def project(
    code: str = TONGNAN, stage: str = "lead", on: date | None = None, **fields: Any
) -> InvestmentProject:
    """A project entered at ``stage`` on ``on`` (default 2022-01-05) in the district ``code``."""
    n = next(_serial)
    values: dict[str, Any] = {
        "name": f"招商测试项目{n}",
        "investor_name": f"测试投资{n}有限公司",
        "planned_investment": Decimal(10000),
    }
    values.update(fields)
    return services.create_project(
        None, stage=stage, on=on or date(2022, 1, 5), region=district(code), **values
    )
