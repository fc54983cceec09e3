"""The penalties and accidents imports with real xlsx files: units found by credit code or name in
the township when three districts share the township's name, penalty rules per row, duplicate
文号 in the file and in the district, unknown 检查编号, the accident grade computed, all-or-nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tiaodu.core.imports import ImportResult, run_import, write_xlsx
from tiaodu.core.tests.districts import shared_township
from tiaodu.safety.choices import AccidentGrade, PenaltyKind
from tiaodu.safety.models import Accident, EnforcementDocument, PenaltyItem
from tiaodu.safety.tests.test_enforcement import department, inspection, sector, unit

pytestmark = pytest.mark.django_db

PENALTY_HEADER = [
    "决定书文号",
    "检查编号",
    "单位名称",
    "统一社会信用代码",
    "所属镇街",
    "处罚日期",
    "处罚种类",
    "罚款金额(元)",
]
ACCIDENT_HEADER = [
    "发生日期",
    "单位名称",
    "所属镇街",
    "行业领域",
    "死亡人数",
    "重伤人数",
    "直接经济损失(万元)",
    "事故简况",
]
CODE = "91500152MA5U0X0Q2T"  # a valid 统一社会信用代码


def xlsx(tmp_path: Path, header: list[str], rows: list[list[Any]], name: str = "data.xlsx") -> Path:
    path = tmp_path / name
    write_xlsx(path, [header, *rows])
    return path


def codes(result: ImportResult) -> set[tuple[int | None, str, str]]:
    return {(e.row, e.field, e.code) for e in result.errors}


def _valid_code() -> str:
    from stdnum.cn import uscc

    return str(uscc.validate(CODE[:17] + uscc.calc_check_digit(CODE[:17])))


# --- penalties -------------------------------------------------------------------------------------


def test_penalties_import_finds_units_and_writes_items(tmp_path: Path) -> None:
    towns = shared_township()
    tongnan_town = towns["500152"]
    by_name = unit(tongnan_town.code, name="太安砖厂")
    unit(towns["500101"].code, name="太安砖厂")  # same name in 万州区's 太安镇
    by_code = unit("500152103", name="古溪化工", credit_code=_valid_code())
    checked = inspection(by_code, on=date(2022, 2, 1), number="JC2022000001")
    path = xlsx(
        tmp_path,
        PENALTY_HEADER,
        [
            ["潼应急罚〔2022〕1号", "", "太安砖厂", "", "太安镇", "2022-03-01", "警告", ""],
            [
                "潼应急罚〔2022〕2号",
                "JC2022000001",
                "古溪化工(旧名)",
                _valid_code(),
                "",
                "2022/3/2",
                "警告、罚款",
                30000,
            ],
            ["潼应急罚〔2022〕3号", "", "太安砖厂", "", "万州区太安镇", "2022-03-03", "责令停产停业", ""],
        ],
    )
    result = run_import("penalties", path)
    assert result.ok, result.error_lines()
    assert result.created == 3
    first = EnforcementDocument.objects.get(number="潼应急罚〔2022〕1号")
    assert first.unit == by_name and first.kind == "decision"
    assert first.department == by_name.sector.department  # the sector's supervising department
    second = EnforcementDocument.objects.get(number="潼应急罚〔2022〕2号")
    assert (second.unit, second.inspection, second.department) == (by_code, checked, checked.department)
    assert dict(second.penalties.values_list("kind", "amount")) == {
        PenaltyKind.WARNING: None,
        PenaltyKind.FINE: Decimal("30000.00"),
    }
    third = EnforcementDocument.objects.get(number="潼应急罚〔2022〕3号")
    assert third.district.code == "500101"
    assert third.penalties.get().kind == PenaltyKind.SUSPENSION


def test_penalties_import_reports_every_bad_row_and_writes_nothing(tmp_path: Path) -> None:
    target = unit("500152103", name="古溪机械")
    other = unit("500152103", name="古溪食品")
    inspection(other, number="JC2022000777")
    from tiaodu.safety.enforcement import create_document

    create_document(
        None,
        kind="order",
        number="已用〔2022〕1号",
        unit=target,
        department=department(),
        issued_on=date(2022, 1, 4),
    )
    rows: list[list[Any]] = [
        ["A1", "", "古溪机械", "", "古溪镇", "2022-03-01", "罚款", ""],  # 2: fine without amount
        ["A2", "", "古溪机械", "", "古溪镇", "2022-03-01", "警告", 500],  # 3: amount without fine
        ["A3", "", "不存在的厂", "", "古溪镇", "2022-03-01", "警告", ""],  # 4: unknown unit
        ["已用〔2022〕1号", "", "古溪机械", "", "古溪镇", "2022-03-01", "警告", ""],  # 5: number taken
        ["A5", "", "古溪机械", "", "古溪镇", "2022-03-01", "警告", ""],  # 6: ok
        ["A5", "", "古溪机械", "", "古溪镇", "2022-03-01", "警告", ""],  # 7: repeats row 6
        ["A7", "JC2099", "古溪机械", "", "古溪镇", "2022-03-01", "警告", ""],  # 8: unknown inspection
        ["A8", "JC2022000777", "古溪机械", "", "古溪镇", "2022-03-01", "警告", ""],  # 9: other unit's
        ["A9", "", "古溪机械", "", "古溪镇", "2022-03-01", "罚酒", ""],  # 10: unknown kind
        ["A10", "", "古溪机械", "", "古溪镇", "2022-03-01", "罚款", -5],  # 11: negative
        ["A11", "", "古溪机械", "", "古溪镇", "2099-01-01", "警告", ""],  # 12: future
    ]
    result = run_import("penalties", xlsx(tmp_path, PENALTY_HEADER, rows))
    assert not result.ok
    assert codes(result) >= {
        (2, "罚款金额(元)", "fine_amount_required"),
        (3, "罚款金额(元)", "amount_without_fine"),
        (4, "单位名称", "unit_unknown"),
        (5, "决定书文号", "document_number_duplicate"),
        (7, "决定书文号", "document_number_duplicate"),
        (8, "检查编号", "inspection_unknown"),
        (9, "检查编号", "inspection_unit_mismatch"),
        (10, "处罚种类", "penalty_kind_unknown"),
        (11, "罚款金额(元)", "value_negative"),
        (12, "处罚日期", "date_in_future"),
    }
    assert 6 not in {e.row for e in result.errors}
    assert not EnforcementDocument.objects.filter(number__startswith="A").exists()
    assert not PenaltyItem.objects.filter(document__number__startswith="A").exists()


def test_penalties_import_by_department_user_is_scoped(tmp_path: Path) -> None:
    """A department issues as itself (the default 执法部门) on any unit; naming another department
    for a unit it does not supervise is refused (the row as written is out of its scope)."""
    from tiaodu.accounts.models import User

    jxw = User.objects.get(username="jxw")
    own = unit("500152103", name="电力一厂", sector=sector(name="电力", dept=jxw.organization))
    unit("500152103", name="工贸一厂")  # a 工贸 unit: 应急管理局's
    other = department().name
    path = xlsx(
        tmp_path,
        [*PENALTY_HEADER, "执法部门"],
        [
            ["经信罚1", "", "电力一厂", "", "古溪镇", "2022-03-01", "警告", "", other],
            ["经信罚2", "", "工贸一厂", "", "古溪镇", "2022-03-01", "警告", "", other],
            ["经信罚3", "", "工贸一厂", "", "古溪镇", "2022-03-01", "警告", "", ""],
        ],
    )
    result = run_import("penalties", path, actor=jxw)
    assert not result.ok
    assert codes(result) == {(3, "决定书文号", "permission_denied")}
    assert not EnforcementDocument.objects.filter(number__startswith="经信罚").exists()
    partial = run_import("penalties", path, actor=jxw, partial=True)
    assert partial.created == 2
    written = {d.number: d for d in EnforcementDocument.objects.filter(number__startswith="经信罚")}
    assert set(written) == {"经信罚1", "经信罚3"}
    assert (written["经信罚1"].unit, written["经信罚1"].created_by) == (own, jxw)
    assert written["经信罚3"].department == jxw.organization


def test_penalties_import_refused_to_town_users(tmp_path: Path) -> None:
    from tiaodu.accounts.models import User
    from tiaodu.core.errors import Forbidden

    with pytest.raises(Forbidden):
        run_import("penalties", xlsx(tmp_path, PENALTY_HEADER, []), actor=User.objects.get(username="guxi"))


# --- accidents -------------------------------------------------------------------------------------


def test_accidents_import_computes_grades_and_links_units(tmp_path: Path) -> None:
    registered = unit("500152103", name="古溪建材")
    sector("500152", name="建筑施工")
    rows = [
        ["2016-06-20", "某建筑工地", "古溪镇", "建筑施工", 3, 0, 120, "高处坠落"],
        ["2019-02-01", "古溪建材", "古溪镇", "", 0, 1, 35.5, "机械伤害"],
    ]
    path = xlsx(tmp_path, ACCIDENT_HEADER, rows)
    result = run_import("accidents", path)
    assert result.ok, result.error_lines()
    assert result.created == 2
    serious = Accident.objects.get(unit_name="某建筑工地")
    assert (serious.grade, serious.unit, serious.sector.name) == (AccidentGrade.LARGER, None, "建筑施工")
    linked = Accident.objects.get(unit_name="古溪建材")
    assert (linked.grade, linked.unit, linked.sector) == (
        AccidentGrade.GENERAL,
        registered,
        registered.sector,
    )
    assert linked.direct_loss == Decimal("35.50")
    # the same file again: nothing new; a corrected row updates the accident
    again = run_import("accidents", path)
    assert (again.created, again.unchanged) == (0, 2)
    rows[1][4] = 3
    fixed = run_import("accidents", xlsx(tmp_path, ACCIDENT_HEADER, rows, "fixed.xlsx"))
    assert (fixed.created, fixed.updated, fixed.unchanged) == (0, 1, 1)
    linked.refresh_from_db()
    assert linked.grade == AccidentGrade.LARGER
    from tiaodu.regions.models import Region
    from tiaodu.safety.accidents import accident_free_run

    assert accident_free_run(Region.objects.get(code="500152"), date(2022, 3, 31)).months == 37


def test_accidents_import_bad_rows(tmp_path: Path) -> None:
    rows = [
        ["2021-01-01", "甲厂", "古溪镇", "工贸", -1, 0, 0, ""],  # 2: negative deaths
        ["2021-01-01", "乙厂", "古溪镇", "工贸", 0, 0, -3, ""],  # 3: negative loss
        ["2021-01-01", "丙厂", "古溪镇", "", 0, 0, 0, ""],  # 4: no sector, unit unknown
        ["2021-01-01", "丁厂", "古溪镇", "采煤", 0, 0, 0, ""],  # 5: unknown sector
        ["2021-01-01", "戊厂", "不存在镇", "工贸", 0, 0, 0, ""],  # 6: unknown township
        ["2021-01-01", "己厂", "古溪镇", "工贸", 1.5, 0, 0, ""],  # 7: not a whole number
    ]
    sector("500152", name="工贸")
    result = run_import("accidents", xlsx(tmp_path, ACCIDENT_HEADER, rows))
    assert not result.ok
    assert codes(result) == {
        (2, "死亡人数", "value_negative"),
        (3, "直接经济损失(万元)", "value_negative"),
        (4, "行业领域", "sector_unknown"),
        (5, "行业领域", "sector_unknown"),
        (6, "所属镇街", "township_unknown"),
        (7, "死亡人数", "integer_invalid"),
    }
    assert not Accident.objects.exists()


def test_accidents_import_town_user_only_own_township(tmp_path: Path) -> None:
    from tiaodu.accounts.models import User

    sector("500152", name="工贸")
    guxi = User.objects.get(username="guxi")
    rows = [
        ["2021-01-01", "古溪某厂", "古溪镇", "工贸", 0, 1, 0, ""],
        ["2021-01-01", "玉溪某厂", "玉溪镇", "工贸", 0, 1, 0, ""],
    ]
    result = run_import("accidents", xlsx(tmp_path, ACCIDENT_HEADER, rows), actor=guxi)
    assert not result.ok
    assert {(e.row, e.code) for e in result.errors} == {(3, "permission_denied")}
    assert not Accident.objects.exists()


def test_templates_list_the_columns() -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from tiaodu.core.imports import template_workbook

    for kind, header in (("penalties", PENALTY_HEADER), ("accidents", ACCIDENT_HEADER)):
        sheet = load_workbook(BytesIO(template_workbook(kind))).worksheets[0]
        first = [c.value for c in sheet[1]]
        assert set(header) <= set(first), (kind, first)
