"""The 潼南 seed as data for tests: 2022年1-2月 and 2021年1-2月 figures for Chongqing's 38 county
units, 重庆市 500000 and 全国 100000 — the same rows as the demo's seed period
(:func:`tiaodu.monitoring.demo.seed_rows`, which explains how they are built).
"""

from __future__ import annotations

import csv
from pathlib import Path

from tiaodu.monitoring.demo import (  # noqa: F401  (re-exported for the tests)
    CITY,
    HEADERS,
    LAST_YEAR,
    NATION,
    PERIOD,
    SEED_SENTENCE,
    TONGNAN,
    seed_rows,
)


def write_seed_csv(path: Path, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["2022年1-2月各区县工业经济主要指标"])  # a title row, as the city's tables have
        writer.writerow(HEADERS)
        writer.writerows(seed_rows())
    return path


def load_seed(tmp_path: Path) -> None:
    from tiaodu.core.imports import run_import

    result = run_import("indicators", write_seed_csv(tmp_path / "seed.csv"))
    assert result.ok, result.error_lines()
