"""``tiaodu import targets FILE``: good files, every kind of bad row, all-or-nothing, scope."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tiaodu.core.imports import run_import, write_xlsx
from tiaodu.targets.models import Target, TargetRevision
from tiaodu.targets.tests.data import DADUKOU, GUXI, TONGNAN, YEAR, YUXI, write_csv

pytestmark = pytest.mark.django_db

HEADER = ["地区代码", "年度", "指标", "目标值", "目标增速", "责任单位"]


def test_a_good_file_with_a_title_row(no_targets: Any, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "targets.csv",
        HEADER,
        [
            [TONGNAN, "2030年", "招商引资到位资金", "1000", "", "区招商投资局"],
            [TONGNAN, 2030, "规上工业产值", "400亿元", "10%", "经信委"],
            [TONGNAN, 2030, "规模以上工业增加值增速", "", "9", "经信委"],
            [GUXI, 2030, "招商引资到位资金", "20", "", "古溪镇人民政府"],
            [GUXI, 2030, "招商引资到位资金", "20", "", "古溪镇人民政府"],  # the same again: harmless
        ],
        title="2030年各地区年度目标",
    )
    result = run_import("targets", path)
    assert result.ok, result.error_lines()
    assert (result.created, result.unchanged) == (4, 1)
    output = Target.objects.get(region__code=TONGNAN, indicator__code="gy_zcz", year=YEAR)
    assert (output.value, output.growth, output.responsible.name) == (
        Decimal(400),
        Decimal(10),
        "区经济信息委",
    )
    # A second file revises one target and leaves the rest.
    path = write_csv(tmp_path / "v2.csv", HEADER[:4], [[TONGNAN, 2030, "招商引资到位资金", "1100"]])
    result = run_import("targets", path)
    assert (result.ok, result.updated) == (True, 1)
    target = Target.objects.get(region__code=TONGNAN, indicator__code="zsyz_dw", year=YEAR)
    assert (target.version, target.value, target.responsible.name) == (2, Decimal(1100), "区招商投资局")
    assert TargetRevision.objects.get(target=target, version=2).source == "v2.csv"


def test_bad_rows_change_nothing_and_are_all_listed(no_targets: Any, tmp_path: Path) -> None:
    before = run_import(
        "targets", write_csv(tmp_path / "a.csv", HEADER, [[TONGNAN, 2030, "工业投资", "100", "", ""]])
    )
    assert before.ok
    rows = [
        [TONGNAN, 2030, "工业投资", "150", "", ""],  # 2: a valid revision, not written because of the rest
        ["999999", 2030, "工业投资", "1", "", ""],  # 3
        [TONGNAN, 2030, "不存在的指标", "1", "", ""],  # 4
        [TONGNAN, 2030, "招商引资到位资金", "-5", "", ""],  # 5
        [TONGNAN, 2030, "规模以上工业增加值增速", "800", "", ""],  # 6
        [TONGNAN, 2030, "固定资产投资", "16.5%", "", ""],  # 7
        [TONGNAN, 2030, "社会消费品零售总额", "300", "", ""],  # 8
        [TONGNAN, 2030, "社会消费品零售总额", "320", "", ""],  # 9: duplicate, different
        [TONGNAN, 2030, "固定资产投资", "400万元", "", ""],  # 10
        [TONGNAN, 1900, "固定资产投资", "400", "", ""],  # 11
        [GUXI, 2030, "工业投资", "5", "", "大渡口区人民政府"],  # 12
        [TONGNAN, 2030, "工业投资", "abc", "", ""],  # 13
        [TONGNAN, 2030, "地区生产总值", "1e30", "", ""],  # 14
        ["500100", 2030, "工业投资", "5", "", ""],  # 15: 市辖区 groups counties, it is not one
    ]
    result = run_import("targets", write_csv(tmp_path / "bad.csv", HEADER, rows))
    assert not result.ok and result.code == "validation_error"
    got = [(e.row, e.field, e.code) for e in result.errors]
    assert got == [
        (3, "地区代码", "region_unknown"),
        (4, "指标", "indicator_unknown"),
        (5, "目标值", "target_negative"),
        (6, "目标值", "level_for_rate"),
        (6, "目标增速", "required"),
        (7, "目标值", "rate_for_level"),
        (9, "指标", "duplicate_conflict"),
        (10, "目标值", "unit_mismatch"),
        (11, "年度", "year_invalid"),
        (12, "责任单位", "organization_out_of_region"),
        (13, "目标值", "number_invalid"),
        (14, "目标值", "number_too_large"),
        (15, "地区代码", "region_grouping_node"),
    ]
    messages = {e.row: e.message for e in result.errors}
    assert messages[9] == "与第8行重复(地区、年度、指标相同)但目标不同"
    assert "增速目标请填写在“目标增速”列或“固定资产投资增速”指标" in messages[7]
    assert result.message == "导入年度目标失败:12行有错误,数据库未作任何修改。"
    (target,) = Target.objects.all()
    assert (target.value, target.version) == (Decimal(100), 1)


def test_rows_outside_the_scope_are_refused(no_targets: Any, tmp_path: Path, users: dict) -> None:
    from tiaodu.audit.models import SecurityEvent

    path = write_csv(
        tmp_path / "scope.csv",
        HEADER,
        [[GUXI, 2030, "工业投资", "5", "", ""], [DADUKOU, 2030, "工业投资", "50", "", ""]],
    )
    result = run_import("targets", path, actor=users["jxw"])
    assert [(e.row, e.field, e.code) for e in result.errors] == [(3, "地区代码", "permission_denied")]
    assert not Target.objects.exists()
    assert SecurityEvent.objects.filter(detail__contains="import targets scope.csv").exists()
    # A township may not import at all.
    from tiaodu.core.errors import Forbidden

    with pytest.raises(Forbidden):
        run_import("targets", path, actor=users["guxi"])


def test_the_cli_and_an_xlsx_file(no_targets: Any, tmp_path: Path) -> None:
    path = tmp_path / "targets.xlsx"
    write_xlsx(path, [HEADER, [YUXI, 2030, "招商引资到位资金", 10, None, "玉溪镇人民政府"]])
    call_command("import", "targets", str(path))
    assert Target.objects.get(region__code=YUXI).value == Decimal(10)
    template = tmp_path / "template.xlsx"
    call_command("import", "template", "targets", str(template))
    assert template.stat().st_size > 0
