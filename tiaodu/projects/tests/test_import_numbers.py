"""Numbers a project import cannot store (issue 13 item 5): ``1e30`` in 总投资 or 经度 raised
``decimal.InvalidOperation`` (a web 500, a CLI traceback). Every such cell is now refused with
``number_too_large`` naming the row and the column, from xlsx numbers and from text alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tiaodu.core.imports import run_import
from tiaodu.projects.models import Project
from tiaodu.projects.tests.test_imports import HEADERS, row

pytestmark = pytest.mark.django_db


def csv_file(path: Path, rows: list[list[Any]]) -> Path:
    lines = [",".join(str(c) for c in r) for r in [HEADERS, *rows]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def xlsx_file(path: Path, rows: list[list[Any]]) -> Path:
    from tiaodu.core.imports import write_xlsx

    write_xlsx(path, [HEADERS, *rows])
    return path


@pytest.mark.parametrize("writer", [csv_file, xlsx_file], ids=["csv", "xlsx"])
def test_huge_and_non_finite_numbers_are_refused_with_a_code(tmp_path: Path, writer: Any) -> None:
    numeric = writer is xlsx_file  # xlsx cells hold real floats (1e30, inf), CSV cells text
    rows = [
        row("总投资过大", **{"总投资(万元)": 1e30 if numeric else "1e30"}),
        row("经度过大", **{"经度": 1e30 if numeric else "1e30"}),
        row("年度无穷", **{"年度计划投资(万元)": "Infinity"}),
        row("纬度非数", **{"纬度": "NaN"}),
        row("十三位整数", **{"总投资(万元)": "1000000000000"}),  # 13 digits: the field holds 12
        row("经度超界", **{"经度": "181"}),
        row("很长的数", **{"总投资(万元)": "9" * 5000}),
    ]
    before = Project.objects.count()
    suffix = ".xlsx" if numeric else ".csv"
    result = run_import("projects", writer(tmp_path / f"numbers{suffix}", rows))
    assert not result.ok and result.code == "validation_error"
    found = {(e.row, e.field, e.code) for e in result.errors}
    assert {
        (2, "总投资(万元)", "number_too_large"),
        (3, "经度", "number_too_large"),
        (4, "年度计划投资(万元)", "number_too_large"),
        (5, "纬度", "number_invalid"),
        (6, "总投资(万元)", "number_too_large"),
        (7, "经度", "number_too_large"),
        (8, "总投资(万元)", "number_too_large"),
    } <= found
    # the message is Chinese and names the row and the column (the CLI and the page show these)
    lines = result.error_lines()
    assert any(line.startswith("第2行 [总投资(万元)]") and "超出范围" in line for line in lines)
    assert all(len(e.message) < 200 for e in result.errors)  # a 5,000-digit cell is not echoed whole
    assert Project.objects.count() == before


def test_the_largest_amount_the_field_holds_is_accepted(tmp_path: Path) -> None:
    rows = [row("最大金额", **{"总投资(万元)": "999,999,999,999.99", "年度计划投资(万元)": 1})]
    result = run_import("projects", xlsx_file(tmp_path / "ok.xlsx", rows))
    assert result.ok, result.error_lines()
    assert str(Project.objects.get(name="最大金额").total_investment) == "999999999999.99"


def test_integer_columns_share_the_rule() -> None:
    from tiaodu.core.imports import CellError, integer_between

    parse = integer_between(0, 4)
    assert parse("3") == 3 and parse(2.0) == 2
    for raw in ("1e30", 1e30, "Infinity", "5", "-1", "9" * 5000):
        with pytest.raises(CellError) as caught:
            parse(raw)
        assert caught.value.code == "number_too_large", raw
    for raw in ("NaN", "abc", "2.5"):
        with pytest.raises(CellError) as caught:
            parse(raw)
        assert caught.value.code == "integer_invalid", raw
