"""``tiaodu import dispatch``: good files, and bad rows refused with nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tiaodu.cases.models import Case
from tiaodu.core.imports import run_import, template_workbook, write_xlsx
from tiaodu.dispatch import services
from tiaodu.dispatch.models import DispatchReport

pytestmark = pytest.mark.django_db

HEADERS = [
    "项目名称",
    "项目代码",
    "期次",
    "本期完成投资(万元)",
    "形象进度",
    "应到岗人数",
    "实到岗人数",
    "存在问题",
    "问题类别",
]


def write(tmp_path: Path, rows: list[list[Any]]) -> Path:
    path = tmp_path / "dispatch.xlsx"
    write_xlsx(path, [HEADERS, *rows])
    return path


def test_good_file(tmp_path: Path, rnd: Any, projects: dict[str, Any]) -> None:
    g1, g2 = projects["guxi1"], projects["guxi2"]
    path = write(
        tmp_path,
        [
            ["", g1.code, rnd.period_label, 100, "45%", 80, 78, "", ""],
            [g2.name, "", rnd.period_label, "1,00.5", 50, 20, 20, "1、钢材短缺\n2、用工不足", "材料运输"],
        ],
    )
    result = run_import("dispatch", path)
    assert result.ok, result.error_lines()
    assert result.created == 2
    r1 = DispatchReport.objects.get(round=rnd, project=g1)
    assert (r1.investment, r1.progress, r1.workers_on_site) == (100, 45, 78)
    assert DispatchReport.objects.get(round=rnd, project=g2).cases.count() == 2
    assert [p.pk for p in services.missing(rnd)] == [projects["yuxi"].pk]


def test_bad_rows_change_nothing(tmp_path: Path, rnd: Any, projects: dict[str, Any]) -> None:
    g1, g2, y = projects["guxi1"], projects["guxi2"], projects["yuxi"]
    path = write(
        tmp_path,
        [
            [g1.name, "", rnd.period_label, 10, 20, 10, 10, "缺钢材", ""],  # good
            ["不存在的项目", "", rnd.period_label, 10, 20, 10, 10, "", ""],
            [g2.name, "", rnd.period_label, -5, 20, 10, 10, "", ""],
            [y.name, "", rnd.period_label, 10, 120, 10, 10, "", ""],
            [y.name, "", "2099年第1旬", 10, 20, 10, 10, "", ""],
            [g2.name, "", rnd.period_label, 10, 20, 10, 30, "", ""],
        ],
    )
    cases_before = Case.objects.count()
    result = run_import("dispatch", path)
    assert not result.ok and result.code == "validation_error"
    found = {(e.row, e.field, e.code) for e in result.errors}
    assert found == {
        (3, "项目名称", "project_unknown"),
        (4, "本期完成投资(万元)", "negative_amount"),
        (5, "形象进度", "progress_out_of_range"),
        (6, "期次", "round_unknown"),
        (7, "实到岗人数", "workers_over_required"),
    }
    assert not DispatchReport.objects.filter(round=rnd, submitted_at__isnull=False).exists()
    assert Case.objects.count() == cases_before


def test_closed_round_row_refused(tmp_path: Path, rnd: Any, projects: dict[str, Any]) -> None:
    services.close_round(None, rnd.pk)
    path = write(tmp_path, [[projects["guxi1"].name, "", rnd.period_label, 10, 20, 10, 10, "", ""]])
    result = run_import("dispatch", path)
    assert [(e.row, e.field, e.code) for e in result.errors] == [(2, "期次", "round_closed")]


def test_scope_and_cli(tmp_path: Path, rnd: Any, projects: dict[str, Any], users: dict[str, Any]) -> None:
    path = write(tmp_path, [[projects["yuxi"].name, "", rnd.period_label, 10, 20, 10, 10, "", ""]])
    result = run_import("dispatch", path, actor=users["guxi"])
    assert [e.code for e in result.errors] == ["not_found"]
    call_command("import", "dispatch", str(path))
    assert DispatchReport.objects.get(round=rnd, project=projects["yuxi"]).submitted_at is not None


def test_template() -> None:
    assert template_workbook("dispatch")[:2] == b"PK"
