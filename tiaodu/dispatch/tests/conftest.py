from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tiaodu.dispatch import services
from tiaodu.dispatch.choices import PeriodKind
from tiaodu.dispatch.demo import link_problem_departments
from tiaodu.dispatch.models import DispatchRound
from tiaodu.projects.tests.factories import GUXI, YUXI, project
from tiaodu.regions.models import Region


@pytest.fixture
def tongnan(db: Any) -> Region:
    link_problem_departments()
    return Region.objects.get(code="500152")


@pytest.fixture
def projects(tongnan: Region) -> dict[str, Any]:
    """Two projects in 古溪镇 and one in 玉溪镇 (total 1000, completed 100 万元 each)."""
    return {"guxi1": project(GUXI), "guxi2": project(GUXI), "yuxi": project(YUXI)}


def open_test_round(projects: dict[str, Any], label: str = "2022年第3旬", **kw: Any) -> DispatchRound:
    from tiaodu.projects.models import Project

    start = date.today() - timedelta(days=5)
    return services.open_round(
        kw.pop("actor", None),
        district=Region.objects.get(code="500152"),
        period_kind=kw.pop("period_kind", PeriodKind.XUN),
        period_label=label,
        period_start=start,
        period_end=start + timedelta(days=9),
        due_on=start + timedelta(days=9),
        projects=kw.pop("qs", Project.objects.filter(pk__in=[p.pk for p in projects.values()])),
        **kw,
    )


@pytest.fixture
def rnd(projects: dict[str, Any]) -> DispatchRound:
    return open_test_round(projects)
