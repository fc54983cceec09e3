"""``tiaodu import projects``: good files, bad rows leaving the database untouched, the scope."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from tiaodu.core.imports import run_import, template_workbook
from tiaodu.projects.models import Project, StageChange
from tiaodu.projects.tests.factories import project

pytestmark = pytest.mark.django_db

HEADERS = [
    "项目名称",
    "项目代码",
    "项目级别",
    "项目类型",
    "所属镇街",
    "业主单位",
    "责任单位",
    "包保领导",
    "总投资(万元)",
    "年度计划投资(万元)",
    "阶段",
    "资金来源",
    "专项债领域",
    "计划开工日期",
    "计划竣工日期",
    "经度",
    "纬度",
]


def row(name: str, code: str = "", township: str = "古溪镇", **over: Any) -> list[Any]:
    values = {
        "项目名称": name,
        "项目代码": code,
        "项目级别": "区级重点",
        "项目类型": "新建",
        "所属镇街": township,
        "业主单位": "重庆潼南城市建设投资(集团)有限公司",
        "责任单位": "经信委",
        "包保领导": "leader",
        "总投资(万元)": 12000,
        "年度计划投资(万元)": 5000,
        "阶段": "签约",
        "资金来源": "社会投资",
        "专项债领域": "",
        "计划开工日期": "2030-03-01",
        "计划竣工日期": "2031年12月31日",
        "经度": 105.93,
        "纬度": 30.30,
    }
    values.update(over)
    return [values[h] for h in HEADERS]


def xlsx(path: Path, rows: list[list[Any]], title: bool = True) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if title:
        ws.append(["潼南区2022年重点项目清单"])
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_good_file_creates_and_then_updates(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "p.xlsx", [row("导入项目甲", "IMP-0001"), row("导入项目乙", township="玉溪镇")])
    result = run_import("projects", path)
    assert result.ok, result.error_lines()
    assert (result.created, result.updated) == (2, 0)
    a = Project.objects.select_related("owner", "responsible_unit", "leader", "township").get(code="IMP-0001")
    assert a.township.code == "500152103" and a.stage == "signed" and a.signed_on is not None
    assert a.owner is not None and a.responsible_unit.short_name == "经信委" and a.leader.username == "leader"
    assert str(a.planned_completion) == "2031-12-31"
    assert StageChange.objects.filter(project=a).count() == 1
    # the same file again: unchanged; a next stage: updated through the stage table
    again = run_import("projects", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    moved = xlsx(tmp_path / "q.xlsx", [row("导入项目甲", "IMP-0001", 阶段="落地")])
    assert run_import("projects", moved).updated == 1
    assert Project.objects.get(code="IMP-0001").stage == "landed"


def test_bad_rows_write_nothing_and_name_row_and_column(tmp_path: Path) -> None:
    before = Project.objects.count()
    rows = [
        row("好项目", "IMP-0100"),
        row("负投资", **{"总投资(万元)": -5}),
        row("坐标错", **{"经度": 2.35, "纬度": 48.85}),
        row("未知镇街", township="火星镇"),
        row("专项债无领域", **{"资金来源": "专项债"}),
        row("", "IMP-0101"),
        row("坏阶段", **{"阶段": "腾飞"}),
        row("年度超总投资", **{"年度计划投资(万元)": 99999}),
    ]
    result = run_import("projects", xlsx(tmp_path / "bad.xlsx", rows))
    assert not result.ok and result.code == "validation_error"
    assert Project.objects.count() == before
    found = {(e.row, e.field, e.code) for e in result.errors}
    # row 1 is the title, row 2 the header, data from row 3
    assert (4, "总投资(万元)", "negative_amount") in found
    assert (5, "经度", "coordinate_outside_china") in found
    assert (6, "所属镇街", "township_unknown") in found
    assert (7, "专项债领域", "required") in found
    assert (8, "项目名称", "required") in found
    assert (9, "阶段", "choice_invalid") in found
    assert (10, "年度计划投资(万元)", "annual_plan_exceeds_total") in found
    assert 3 not in {e.row for e in result.errors}


def test_forbidden_stage_jump_on_update_is_a_row_error(tmp_path: Path) -> None:
    p = project(code="IMP-0200", stage="reserve")
    result = run_import("projects", xlsx(tmp_path / "j.xlsx", [row(p.name, "IMP-0200", 阶段="投产")]))
    assert not result.ok
    assert [(e.row, e.field, e.code) for e in result.errors] == [(3, "阶段", "transition_not_allowed")]
    p.refresh_from_db()
    assert p.stage == "reserve"


def test_town_user_imports_only_its_township(tmp_path: Path, users: dict) -> None:
    path = xlsx(
        tmp_path / "t.xlsx", [row("古溪导入", "IMP-0300"), row("玉溪导入", "IMP-0301", township="玉溪镇")]
    )
    result = run_import("projects", path, actor=users["guxi"])
    assert not result.ok
    assert [e.row for e in result.errors] == [4]
    assert not Project.objects.filter(code__in=["IMP-0300", "IMP-0301"]).exists()


def test_template_and_cli(tmp_path: Path) -> None:
    wb = load_workbook(__import__("io").BytesIO(template_workbook("projects")))
    headers = [c.value for c in next(wb.worksheets[0].iter_rows(max_row=1))]
    assert headers[:5] == ["项目名称", "项目代码", "项目级别", "项目类型", "项目类别"]
    good = xlsx(tmp_path / "cli.xlsx", [row("命令行导入", "IMP-0400")], title=False)
    call_command("import", "projects", str(good))
    assert Project.objects.filter(code="IMP-0400").exists()
    bad = xlsx(tmp_path / "cli-bad.xlsx", [row("命令行坏", "IMP-0401", **{"纬度": ""})], title=False)
    with pytest.raises(CommandError, match="validation_error"):
        call_command("import", "projects", str(bad))


def test_web_import_page(tmp_path: Path, users: dict, client_for: Any) -> None:
    client = client_for(users["admin"])
    assert client.get("/projects/import/").status_code == 200
    assert client.get("/projects/import/template.xlsx").status_code == 200
    path = xlsx(tmp_path / "web.xlsx", [row("网页导入", "IMP-0500", **{"总投资(万元)": "abc"})])
    with path.open("rb") as fh:
        response = client.post("/projects/import/", {"file": fh})
    assert response.status_code == 422
    assert "总投资(万元)" in response.content.decode()
    assert client_for(users["qiye"]).get("/projects/import/").status_code == 403
