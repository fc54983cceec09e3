from __future__ import annotations

from typing import Any

import pytest

from tiaodu.monitoring.tests.conftest import seeded  # noqa: F401


@pytest.fixture
def no_targets(db: Any) -> None:
    """Start from no targets at all (the demo may hold some; the test's transaction rolls back)."""
    from tiaodu.targets.models import Target, TargetRevision

    TargetRevision.objects.all().delete()
    Target.objects.all().delete()


@pytest.fixture
def scenario(no_targets: Any, tmp_path: Any) -> dict[tuple[str, str], int]:
    """The 2030 figures and targets of :mod:`tiaodu.targets.tests.data` (ids by region, indicator)."""
    from tiaodu.targets.tests.data import load_figures, load_targets

    load_figures(tmp_path)
    return load_targets()
