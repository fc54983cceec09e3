from __future__ import annotations

from decimal import Decimal
from itertools import count
from typing import Any

from tiaodu.projects import services
from tiaodu.projects.models import Project

GUXI, YUXI = "500152103", "500152107"
_serial = count(1)


def project(township: str = GUXI, **fields: Any) -> Project:
    """A project registered by the server operator (no scope), in 古溪镇 by default."""
    n = next(_serial)
    values: dict[str, Any] = {
        "name": f"测试项目{n}",
        "code": f"TEST-{n:06d}",
        "township": township,
        "total_investment": Decimal(1000),
        "annual_plan": Decimal(500),
        "investment_completed": Decimal(100),
    }
    values.update(fields)
    return services.save_project(None, **values)[0]
