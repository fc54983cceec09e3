from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tiaodu.monitoring.tests.seed import load_seed


@pytest.fixture
def seeded(db: Any, tmp_path: Path) -> None:
    """The 潼南 seed figures of 2022年1-2月 and 2021年1-2月 for the 38 county units, 重庆市, 全国."""
    load_seed(tmp_path)
