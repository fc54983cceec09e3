"""Support for the fair, bus and public-page tests (lane D): a ready district (``scene``) and the
``lanes`` fixture, which checks that the other lanes' services the fair code calls are there
(jobseekers.register/touch, outcomes.open_placement/record_result, markets.propose_fair_dates)."""

from __future__ import annotations

from typing import Any

import pytest

from tiaodu.employment import jobseekers, markets, outcomes
from tiaodu.employment.tests import factories
from tiaodu.regions.models import Region

GUXI, YUXI, TONGNAN = "500152103", "500152107", "500152"

# --- the other lanes' services ---------------------------------------------------------------------

# The services of the other lanes the fair, bus and public code calls (through their modules).
NEEDED = [
    (jobseekers, "touch"),
    (jobseekers, "register"),
    (outcomes, "open_placement"),
    (outcomes, "record_result"),
    (markets, "propose_fair_dates"),
]


@pytest.fixture
def lanes() -> list[str]:
    """The other lanes' services the tests run against (their real implementations; while they
    were being written the tests ran against small stand-ins of the contract's signatures)."""
    missing = [f"{m.__name__}.{name}" for m, name in NEEDED if not callable(getattr(m, name, None))]
    assert not missing, f"services missing: {missing}"
    return [f"{m.__name__.rsplit('.', 1)[-1]}.{name}" for m, name in NEEDED]


# --- scene -----------------------------------------------------------------------------------------


def scene() -> dict[str, Any]:
    """潼南区 ready for employment: settings, 人社局 staff, a 古溪镇 user, two enterprises of the
    demo with vacancies, two jobseekers."""
    from tiaodu.cases.tests.factories import credit_code, enterprise, qiye_enterprise, yuxi_enterprise

    factories.settings_for(TONGNAN)
    food = qiye_enterprise()
    materials = yuxi_enterprise()
    toys = enterprise(credit_code(9_100_001), GUXI, "重庆古溪玩具有限公司")
    return {
        "district": Region.objects.get(code=TONGNAN),
        "guxi": Region.objects.get(code=GUXI),
        "yuxi": Region.objects.get(code=YUXI),
        "staff": factories.staff(TONGNAN),
        "town": factories.town_user(GUXI),
        "food": food,
        "materials": materials,
        "toys": toys,
        "packer": factories.vacancy(food, "包装工", headcount=20, wage_min=3000, wage_max=4500),
        "sewer": factories.vacancy(toys, "缝纫工", headcount=30, wage_min=3500, wage_max=5000),
        "mixer": factories.vacancy(materials, "配料工", headcount=5),
        "zhang": factories.jobseeker(GUXI, "张三"),
        "li": factories.jobseeker(YUXI, "李四", experience="制衣厂缝纫五年,玩具厂包装两年"),
    }
