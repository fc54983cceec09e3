"""Test figures and targets of a year no demo uses (2030), imported like real tables.

Quarter 1 of 2030 (季督办):
  潼南区 招商引资到位资金 1000 → 1-3月 230 (23.0% vs 25.0%: behind 2.0)
  潼南区 固定资产投资 400 → 1-3月 100 (25.0%: on schedule)
  潼南区 规模以上工业总产值 400, 增长10% → 1-3月 120, 2029年1-3月 100 (30.0%, 增长20%: ahead)
  古溪镇 招商引资到位资金 20 → only 1-2月 3 (15.0% vs 16.7%: behind 1.7, on the 1-2月 figure)
  古溪镇 规模以上工业增加值增速 9% → 1-3月 8.5 (behind 0.5)
  玉溪镇 招商引资到位资金 10 → no figure (数据缺失)

The whole year 2030 (年评估 of 重庆市's units):
  潼南区 招商 1000 → 1000 (100.0 → 100); total 100.0, rank 1
  大渡口区 招商 500 → 600 (120.0 → capped 100); 固定资产投资 200 → only 1-6月 90 (45.0 ÷ 50.0 → 90.0);
      total 95.0, rank 2
  铜梁区 招商 400 → 380 (95.0 → 95.0); total 95.0, rank 2 (tie)
  璧山区 招商 100 → 50 (50.0); 增加值增速 8% → 6.5 (short 1.5 → 85.0); total 67.5, rank 4
  荣昌区 招商 300 → no figure: unranked
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from tiaodu.core.imports import run_import
from tiaodu.targets import services

YEAR = 2030
TONGNAN, DADUKOU, TONGLIANG, BISHAN, RONGCHANG = "500152", "500104", "500151", "500120", "500153"
GUXI, YUXI = "500152103", "500152107"
CITY = "500000"

FIGURES = [
    # 地区代码, 期别, 指标, 数值
    (TONGNAN, "2030年1-3月", "招商引资到位资金", "230"),
    (TONGNAN, "2030年1-3月", "固定资产投资", "100"),
    (TONGNAN, "2030年1-3月", "规模以上工业总产值", "120"),
    (TONGNAN, "2029年1-3月", "规模以上工业总产值", "100"),
    (GUXI, "2030年1-2月", "招商引资到位资金", "3"),
    (GUXI, "2030年1-3月", "规模以上工业增加值增速", "8.5"),
    (TONGNAN, "2030年", "招商引资到位资金", "1000"),
    (DADUKOU, "2030年", "招商引资到位资金", "600"),
    (DADUKOU, "2030年1-6月", "固定资产投资", "90"),
    (TONGLIANG, "2030年", "招商引资到位资金", "380"),
    (BISHAN, "2030年", "招商引资到位资金", "50"),
    (BISHAN, "2030年", "规模以上工业增加值增速", "6.5"),
]

TARGETS: list[tuple[str, str, dict[str, Any]]] = [
    (TONGNAN, "招商引资到位资金", {"value": "1000", "responsible": "区招商投资局"}),
    (TONGNAN, "固定资产投资", {"value": "400", "responsible": "区发展改革委"}),
    (TONGNAN, "规模以上工业总产值", {"value": "400", "growth": "10", "responsible": "区经济信息委"}),
    (GUXI, "招商引资到位资金", {"value": "20", "responsible": "古溪镇人民政府"}),
    (GUXI, "规模以上工业增加值增速", {"growth": "9", "responsible": "古溪镇人民政府"}),
    (YUXI, "招商引资到位资金", {"value": "10", "responsible": "玉溪镇人民政府"}),
    (DADUKOU, "招商引资到位资金", {"value": "500"}),
    (DADUKOU, "固定资产投资", {"value": "200"}),
    (TONGLIANG, "招商引资到位资金", {"value": "400"}),
    (BISHAN, "招商引资到位资金", {"value": "100"}),
    (BISHAN, "规模以上工业增加值增速", {"growth": "8"}),
    (RONGCHANG, "招商引资到位资金", {"value": "300"}),
]


def write_csv(path: Path, header: list[str], rows: list[Any], title: str | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        if title:
            writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)
    return path


def load_figures(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "figures.csv", ["地区代码", "期别", "指标", "数值"], FIGURES)
    result = run_import("indicators", path)
    assert result.ok, result.error_lines()


def load_targets() -> dict[tuple[str, str], int]:
    """The targets above, set by the server operator; their ids by (region code, indicator)."""
    out = {}
    for code, indicator, fields in TARGETS:
        target, outcome = services.set_target(None, code, indicator, YEAR, **fields)
        assert outcome == "created"
        out[(code, indicator)] = target.pk
    return out


HEADER_NOTE = ["地区代码", "年度", "指标", "目标值", "目标增速", "备注"]
