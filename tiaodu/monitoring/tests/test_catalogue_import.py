"""``tiaodu import catalogue``: administrators add indicators, which the figure imports, the
comparisons and the index then use like the built-in ones."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tiaodu.core.errors import Forbidden
from tiaodu.core.imports import run_import, template_workbook
from tiaodu.monitoring.computations import figures
from tiaodu.monitoring.models import Indicator
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

HEADER = [
    "指标代码",
    "指标名称",
    "计量单位",
    "指标类型",
    "别名",
    "排名依据",
    "可跨地区加总",
    "可为负数",
    "占比分母",
    "分子指标",
    "分母指标",
    "所报增速对应的总量指标",
]


def write(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


GOOD = [
    # a level ranked by growth, with an alias
    [
        "fw_yysr",
        "规模以上服务业营业收入",
        "亿元",
        "总量",
        "规上服务业营收;规上服务业营业收入",
        "同比增速",
        "是",
        "否",
        "",
        "",
        "",
        "",
    ],
    # its published growth rate, linked to the row above
    ["fw_yysr_zs", "规模以上服务业营业收入增速", "%", "增速", "", "", "", "", "", "", "", "规上服务业营收"],
    # a level that is part of a built-in level, and the ratio of the two
    ["gy_szh_tz", "工业数字化改造投资", "亿元", "总量", "", "占比", "是", "否", "工业投资", "", "", ""],
    [
        "gy_szh_zb",
        "数字化改造投资占工业投资比重",
        "%",
        "比重",
        "",
        "",
        "",
        "",
        "",
        "gy_szh_tz",
        "工业投资",
        "",
    ],
    # a level that may be negative (a net figure)
    ["jck_ce", "外贸进出口差额", "亿元", "总量", "", "", "是", "是", "", "", "", ""],
]


def test_indicators_added_by_file_are_used_like_built_in_ones(tmp_path: Path) -> None:
    result = run_import("catalogue", write(tmp_path / "catalogue.csv", GOOD))
    assert result.ok, result.error_lines()
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    added = {
        i.code: i
        for i in Indicator.objects.filter(builtin=False).select_related(
            "growth_of", "share_of", "numerator", "denominator"
        )
    }
    assert set(added) == {"fw_yysr", "fw_yysr_zs", "gy_szh_tz", "gy_szh_zb", "jck_ce"}
    assert added["fw_yysr"].aliases == ["规上服务业营收", "规上服务业营业收入"]
    assert (added["fw_yysr"].kind, added["fw_yysr"].rank_by, added["fw_yysr"].additive) == (
        "level",
        "growth",
        True,
    )
    assert added["fw_yysr_zs"].growth_of == added["fw_yysr"]
    assert added["gy_szh_tz"].share_of.code == "gy_tz"  # type: ignore[union-attr]
    assert (added["gy_szh_zb"].numerator, added["gy_szh_zb"].denominator.code) == (  # type: ignore[union-attr]
        added["gy_szh_tz"],
        "gy_tz",
    )
    assert added["jck_ce"].may_be_negative and not added["fw_yysr"].may_be_negative
    # the figure import names them by alias, and the comparisons use the published rate
    data = tmp_path / "figures.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [
                ["地区代码", "期别", "指标", "数值"],
                ["500152", "2022年1-2月", "规上服务业营收", "12.5"],
                ["500152", "2022年1-2月", "规模以上服务业营业收入增速", "6.2"],
                ["500152", "2022年1-2月", "外贸进出口差额", "-3.1"],
                ["500152", "2022年1-2月", "工业投资", "18.09"],
                ["500152", "2022年1-2月", "工业数字化改造投资", "2"],
            ]
        )
    imported = run_import("indicators", data)
    assert imported.ok, imported.error_lines()
    tongnan = Region.objects.get(code="500152")
    f = figures("fw_yysr", "2022年1-2月", [tongnan])[tongnan.pk]
    assert (f.value, f.growth, f.growth_basis) == (Decimal("12.5"), Decimal("6.2"), "reported")
    share = figures("gy_szh_tz", "2022年1-2月", [tongnan])[tongnan.pk]
    assert (share.share, share.figure) == (Decimal("11.1"), Decimal("11.1"))  # 2 / 18.09
    # the same file again changes nothing; an edit of an added indicator updates it
    again = run_import("catalogue", write(tmp_path / "catalogue.csv", GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    edited = [row[:] for row in GOOD[:1]]
    edited[0][1] = "规模以上服务业企业营业收入"
    changed = run_import("catalogue", write(tmp_path / "edit.csv", edited))
    assert (changed.created, changed.updated) == (0, 1)
    assert Indicator.objects.get(code="fw_yysr").name == "规模以上服务业企业营业收入"
    assert Indicator.objects.get(code="fw_yysr_zs").growth_of.code == "fw_yysr"  # type: ignore[union-attr]


def test_every_bad_row_is_listed_and_nothing_is_written(tmp_path: Path) -> None:
    before = Indicator.objects.count()
    rows = [
        ["gy_zcz", "规模以上工业总产值", "亿元", "总量", "", "", "", "", "", "", "", ""],  # 2 built in
        ["Bad-Code", "某指标", "亿元", "总量", "", "", "", "", "", "", "", ""],  # 3 code form
        ["a1", "工业投资额", "亿元", "总量", "", "", "", "", "", "", "", ""],  # 4 a built-in alias
        ["a2", "某增速", "亿元", "增速", "", "", "", "", "", "", "", ""],  # 5 a rate in 亿元
        ["a3", "某总量", "%", "总量", "", "", "", "", "", "", "", ""],  # 6 a level in %
        ["a4", "某指数", "指数", "指数", "", "同比增速", "是", "", "", "", "", ""],  # 7 level-only options
        ["a5", "某比重", "%", "比重", "", "", "", "", "", "gy_tz", "", ""],  # 8 one part only
        ["a6", "某占比总量", "亿元", "总量", "", "占比", "", "", "", "", "", ""],  # 9 share without its whole
        ["a7", "某总量二", "亿元", "总量", "", "", "", "", "不存在的指标", "", "", ""],  # 10 unknown link
        [
            "a8",
            "某增速二",
            "%",
            "增速",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "规模以上工业增加值增速",
        ],  # 11 a rate's rate
        ["a9", "某总量三", "亿元", "总量", "", "", "", "", "a7", "", "", ""],  # 12 links to a bad row
        ["a10", "某总量二", "亿元", "总量", "", "", "", "", "", "", "", ""],  # 13 name of row 10
        ["a11", "某总量四", "亿元", "类别", "", "", "", "", "", "", "", ""],  # 14 unknown kind
    ]
    result = run_import("catalogue", write(tmp_path / "bad.csv", rows))
    assert not result.ok and result.code == "validation_error"
    assert [(e.row, e.field, e.code) for e in result.errors] == [
        (2, "指标代码", "indicator_builtin"),
        (3, "指标代码", "code_invalid"),
        (4, "指标名称", "name_taken"),
        (5, "计量单位", "unit_invalid"),
        (6, "计量单位", "unit_invalid"),
        (7, "排名依据", "level_only"),
        (7, "可跨地区加总", "level_only"),
        (8, "分子指标", "ratio_parts_missing"),
        (9, "占比分母", "share_of_missing"),
        (10, "占比分母", "link_unknown"),
        (11, "所报增速对应的总量指标", "link_not_level"),
        (12, "指标代码", "link_unknown"),
        (13, "指标名称", "name_taken"),
        (14, "指标类型", "choice_invalid"),
    ]
    messages = {(e.row, e.code): e.message for e in result.errors}
    assert messages[(4, "name_taken")] == "“工业投资额”已是指标“工业投资”的名称、代码或别名"
    assert messages[(13, "name_taken")] == "“某总量二”与第10行的指标名称、代码或别名重复"
    assert "内置指标“规模以上工业总产值”" in messages[(2, "indicator_builtin")]
    assert Indicator.objects.count() == before


def test_only_administrators_add_indicators(tmp_path: Path, users: dict[str, Any]) -> None:
    path = write(tmp_path / "c.csv", GOOD[:1])
    with pytest.raises(Forbidden):
        run_import("catalogue", path, actor=users["jxw"])
    assert run_import("catalogue", path, actor=users["admin"]).created == 1
    assert template_workbook("catalogue")[:2] == b"PK"  # the downloadable xlsx template


def test_the_import_page(tmp_path: Path, users: dict[str, Any], client_for: Any) -> None:
    admin, jxw, qiye = client_for(users["admin"]), client_for(users["jxw"]), client_for(users["qiye"])
    page = jxw.get("/monitoring/import/")
    html = page.content.decode()
    assert (
        page.status_code == 200 and "导入指标数据" in html and "/monitoring/import/enterprise-data/" in html
    )
    assert "/monitoring/import/catalogue/" not in html  # the tab is for administrators
    assert jxw.get("/monitoring/import/catalogue/").status_code == 403
    assert qiye.get("/monitoring/import/").status_code == 403
    assert "/monitoring/import/catalogue/" in admin.get("/monitoring/import/").content.decode()
    template = admin.get("/monitoring/import/catalogue/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    with write(tmp_path / "c.csv", GOOD[:1]).open("rb") as fh:
        response = admin.post("/monitoring/import/catalogue/", {"file": fh})
    assert response.status_code == 200
    assert Indicator.objects.filter(code="fw_yysr", builtin=False).exists()
    listing = admin.get("/monitoring/indicators/").content.decode()
    assert "规模以上服务业营业收入" in listing and "/monitoring/import/catalogue/" in listing
    assert "/monitoring/import/catalogue/" not in jxw.get("/monitoring/indicators/").content.decode()
    assert "/monitoring/import/" in jxw.get("/monitoring/figures/").content.decode()
    # a town user imports its enterprises' figures: the page opens on the first tab it may use
    town = client_for(users["guxi"]).get("/monitoring/import/")
    assert town.status_code == 200 and "导入企业指标数据" in town.content.decode()


def test_indicators_that_would_be_misread_or_inconsistent_are_refused(tmp_path: Path) -> None:
    assert run_import("catalogue", write(tmp_path / "good.csv", GOOD)).ok
    rows = [
        ["b1", "某总量", "亿元", "总量", "本期数;工业投资(亿元)", "", "", "", "", "", "", ""],  # 2
        ["b2", "规上工业产值增速二", "%", "增速", "", "", "", "", "", "", "", "规模以上工业总产值"],  # 3
        ["b3", "甲", "亿元", "总量", "", "占比", "", "", "乙", "", "", ""],  # 4 甲 in 乙
        ["b4", "乙", "亿元", "总量", "", "占比", "", "", "甲", "", "", ""],  # 5 乙 in 甲
        ["b5", "某比重", "%", "比重", "", "", "", "", "", "工业投资", "gy_tz", ""],  # 6 the same level
        ["b6", "某比重二", "%", "比重", "", "", "", "", "", "营业收入", "工业投资", ""],  # 7 万元 / 亿元
        ["b7", "某占比", "万元", "总量", "", "占比", "", "", "工业投资", "", "", ""],  # 8 万元 in 亿元
        ["fw_yysr", "规模以上服务业营业收入", "指数", "指数", "", "", "", "", "", "", "", ""],  # 9 in use
    ]
    result = run_import("catalogue", write(tmp_path / "bad.csv", rows))
    assert [(e.row, e.field, e.code) for e in result.errors] == [
        (2, "别名", "name_taken"),
        (2, "别名", "name_taken"),
        (3, "所报增速对应的总量指标", "rate_exists"),
        (4, "占比分母", "share_cycle"),
        (5, "占比分母", "share_cycle"),
        (6, "分母指标", "ratio_parts_same"),
        (7, "分母指标", "unit_mismatch"),
        (8, "占比分母", "unit_mismatch"),
        (9, "指标类型", "indicator_in_use"),
    ]
    messages = [e.message for e in result.errors]
    assert messages[0] == "“本期数”是数据导入文件的列名,不能作为指标名称或别名"
    assert messages[1] == "“工业投资(亿元)”已是指标“工业投资”的名称、代码或别名"
    assert (
        messages[2] == "“规模以上工业总产值”已有所报增速指标“规模以上工业总产值增速”,一个总量指标只能有一个"
    )
    assert messages[8] == "指标“规模以上服务业营业收入增速”等以本指标为总量指标,不能改为指数指标"


def test_an_update_is_checked_as_the_indicator_will_be(tmp_path: Path) -> None:
    assert run_import("catalogue", write(tmp_path / "good.csv", GOOD)).ok
    Indicator.objects.filter(code="gy_szh_tz").update(decimals=3)
    # only the required columns: 工业数字化改造投资 keeps its ranking by share and its whole
    short = tmp_path / "short.csv"
    with short.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER[:4], ["gy_szh_tz", "工业数字化改造投资", "亿元", "总量"]])
    assert run_import("catalogue", short).unchanged == 1
    # …and cannot become a rate with them: it is still ranked by share, additive, part of 工业投资
    short.write_text(short.read_text(encoding="utf-8").replace("亿元,总量", "%,增速"), encoding="utf-8")
    refused = run_import("catalogue", short)
    assert {(e.field, e.code) for e in refused.errors} >= {
        ("排名依据", "level_only"),
        ("可跨地区加总", "level_only"),
        ("占比分母", "level_only"),
    }
    # a blank cell in a present column is the default (发布小数位数 2)
    with short.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [[*HEADER[:4], "发布小数位数"], ["gy_szh_tz", "工业数字化改造投资", "亿元", "总量", ""]]
        )
    assert run_import("catalogue", short).updated == 1
    assert Indicator.objects.get(code="gy_szh_tz").decimals == 2
