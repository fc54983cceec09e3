from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from stdnum.cn import uscc

from tiaodu.core.errors import Forbidden
from tiaodu.core.imports import run_import, template_workbook, write_xlsx
from tiaodu.monitoring.models import DataSource, EnterpriseValue, IndicatorValue
from tiaodu.monitoring.tests.seed import write_seed_csv

pytestmark = pytest.mark.django_db

LONG = ["地区代码", "期别", "指标", "数值"]
GUXI_FIRM = "91500152MA5U00001F"  # 重庆潼南古溪食品有限公司 (demo), 古溪镇
YUXI_FIRM = "91500152MA5U00003M"  # 重庆玉溪新材料有限公司 (demo), 玉溪镇
UNKNOWN_FIRM = "91500152MA5U00099" + uscc.calc_check_digit("91500152MA5U00099")


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def current(region: str, indicator: str, period: str = "2022-M01-02") -> Decimal | None:
    from tiaodu.monitoring.services import find_indicator

    row = IndicatorValue.objects.filter(
        region__code=region, indicator=find_indicator(indicator), period__key=period, is_current=True
    ).first()
    return None if row is None else row.value


def errors(result: Any) -> list[tuple[int | None, str, str]]:
    return [(e.row, e.field, e.code) for e in result.errors]


# --- long and wide, CSV (UTF-8, GBK) and xlsx ------------------------------------------------------


def test_long_form_csv(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "long.csv",
        [
            ["2022年1-2月 区县主要指标"],  # title row above the header
            [*LONG, "单位"],
            ["500152", "2022年1-2月", "规模以上工业总产值", "66.81", "亿元"],
            ["500152", "2022年1—2月", "规上工业产值", "66.81", ""],  # alias, em dash: same figure, harmless
            ["500152", "2022年1-2月", "gy_tz", "18.09", ""],  # by code
            ["500000", "2022年1-2月", "规模以上工业增加值增速", "7.9%", "%"],
            ["100000", "2022M01-02", "规模以上工业增加值增速", "7.5", ""],
            ["500152", "2022年1-2月", "工业技改投资占工业投资比重", "40.9", "%"],
        ],
    )
    result = run_import("indicators", path)
    assert result.ok, result.error_lines()
    assert (result.rows, result.created, result.updated, result.unchanged) == (6, 5, 0, 0)
    assert current("500152", "规模以上工业总产值") == Decimal("66.81")
    assert current("500152", "工业投资") == Decimal("18.09")
    assert current("500000", "规模以上工业增加值增速") == Decimal("7.9")
    assert current("100000", "规模以上工业增加值增速") == Decimal("7.5")
    value = IndicatorValue.objects.get(region__code="500152", indicator__code="gy_zcz")
    assert (value.version, value.is_current, value.source.name, value.source.origin) == (
        1,
        True,
        "long.csv",
        "import",
    )
    assert value.period.label == "2022年1月—2月"
    assert "新增5条" in result.message


def test_wide_form_gbk_csv_with_title_row(tmp_path: Path) -> None:
    path = write_seed_csv(tmp_path / "seed-gbk.csv", encoding="gbk")
    assert path.read_bytes().decode("gbk")  # really GBK
    result = run_import("indicators", path)
    assert result.ok, result.error_lines()
    assert current("500152", "规模以上工业总产值") == Decimal("66.81")
    assert current("500152", "规模以上工业总产值", "2021-M01-02") == Decimal("57.35")
    assert current("500152", "工业技术改造投资") == Decimal("7.4")
    assert current("500152", "工业经济运行综合指数") == Decimal("74.41")
    assert current("100000", "规模以上工业增加值增速") == Decimal("7.5")
    assert current("100000", "规模以上工业总产值") is None  # empty cells are no figure
    assert IndicatorValue.objects.filter(region__code="500101").count() == 7


def test_xlsx_long_and_wide(tmp_path: Path) -> None:
    long = tmp_path / "long.xlsx"
    write_xlsx(
        long, [LONG, ["500152", "2022年2月", "工业用电量", 1234.5], ["500152", "2022年2月", "营业收入", 88]]
    )
    result = run_import("indicators", long)
    assert result.ok, result.error_lines()
    assert current("500152", "工业用电量", "2022-M02") == Decimal("1234.5")
    wide = tmp_path / "wide.xlsx"
    write_xlsx(
        wide,
        [
            ["地区代码", "地区名称", "期别", "固定资产投资(亿元)", "社零总额"],
            ["500152", "潼南区", "2022年一季度", 45.6, 30.25],
            ["500104", "大渡口区", "2022年1-3月", 20, None],  # 1-3月 is 一季度
        ],
    )
    result = run_import("indicators", wide)
    assert result.ok, result.error_lines()
    assert result.created == 3
    assert current("500104", "固定资产投资", "2022-Q1") == Decimal("20")
    assert current("500152", "社会消费品零售总额", "2022-Q1") == Decimal("30.25")


def test_xlsx_period_typed_as_a_decimal_number_is_a_row_error(tmp_path: Path) -> None:
    """Excel stores a typed "2022.10" as the number 2022.1: refused on its row, not read as 1月."""
    import io
    from datetime import datetime

    path = tmp_path / "periods.xlsx"
    write_xlsx(
        path,
        [
            LONG,
            ["500152", 202202, "工业投资", 3],  # a whole number: 2022年2月
            ["500152", datetime(2022, 3, 1), "工业投资", 4],  # an Excel date: 2022年3月
            ["500152", 2022.1, "工业投资", 5],  # was "2022.10"
        ],
    )
    result = run_import("indicators", path)
    assert errors(result) == [(4, "期别", "period_ambiguous")]
    assert "“2022年10月”" in result.errors[0].message
    assert current("500152", "工业投资", "2022-M01") is None
    assert current("500152", "工业投资", "2022-M02") is None  # all or nothing
    err = io.StringIO()
    with pytest.raises(CommandError, match="validation_error"):
        call_command("import", "indicators", str(path), stderr=err)
    assert "第4行 [期别]" in err.getvalue() and "(period_ambiguous)" in err.getvalue()
    path.unlink()
    write_xlsx(
        path, [LONG, ["500152", 202202, "工业投资", 3], ["500152", datetime(2022, 3, 1), "工业投资", 4]]
    )
    assert run_import("indicators", path).ok
    assert (current("500152", "工业投资", "2022-M02"), current("500152", "工业投资", "2022-M03")) == (3, 4)


def test_template_imports_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_workbook("indicators"))
    result = run_import("indicators", path)
    assert result.ok, result.error_lines()
    assert current("500152", "规模以上工业总产值") == Decimal("66.81")
    assert template_workbook("enterprise-data")


# --- bad input: all or nothing, every bad row listed ------------------------------------------------


def test_every_bad_row_is_listed_and_nothing_is_written(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            [*LONG, "单位"],
            ["500152", "2022年1-2月", "规模以上工业总产值", "66.81", ""],  # 2: fine
            ["500152", "2022年1-2月", "规上工业利润", "1", ""],  # 3: unknown indicator
            ["599999", "2022年1-2月", "工业投资", "1", ""],  # 4: unknown region
            ["500152", "2022年春季", "工业投资", "1", ""],  # 5: unknown period form
            ["500152", "2022年1-2月", "工业技改投资占工业投资比重", "120", ""],  # 6: share above 100%
            ["500152", "2022年1-2月", "工业投资", "16.5%", ""],  # 7: a rate where a level is expected
            ["500153", "2022年1-2月", "工业投资", "16.5", "%"],  # 8: the same, said by 单位
            ["500152", "2022年1-2月", "规模以上工业总产值", "66.9", ""],  # 9: duplicate of row 2, other value
            ["500152", "2022年1-2月", "营业收入", "很多", ""],  # 10: not a number
            ["500152", "2022年1-2月", "固定资产投资", "300", "万元"],  # 11: another unit
            ["500101", "2022年1-2月", "工业投资", "10", ""],  # 12: fine
            ["500101", "2022年1-2月", "工业技改投资", "12", ""],  # 13: part larger than its whole
            ["500152", "2022年13月", "工业投资", "1", ""],  # 14: impossible period
            ["500152", "2022年1-2月", "", "5", ""],  # 15: a number without an indicator
            ["500152", "2022年1-2月", "工业投资", "", ""],  # 16: an indicator without a number
            ["500153", "2022年1-2月", "工业投资", "-5", ""],  # 17: a negative investment
            ["500100", "2022年1-2月", "工业投资", "5", ""],  # 18: 市辖区, a grouping node
        ],
    )
    before = IndicatorValue.objects.count()
    result = run_import("indicators", path)
    assert not result.ok
    assert result.code == "validation_error"
    assert "数据库未作任何修改" in result.message
    assert IndicatorValue.objects.count() == before
    assert not DataSource.objects.filter(name="bad.csv").exists()
    assert errors(result) == [
        (3, "指标", "indicator_unknown"),
        (4, "地区代码", "region_unknown"),
        (5, "期别", "period_unknown"),
        (6, "数值", "share_over_100"),
        (7, "数值", "rate_for_level"),
        (8, "数值", "rate_for_level"),
        (9, "数值", "duplicate_conflict"),
        (10, "数值", "number_invalid"),
        (11, "单位", "unit_mismatch"),
        (13, "数值", "share_over_100"),
        (14, "期别", "period_invalid"),
        (15, "指标", "required"),
        (16, "数值", "required"),
        (17, "数值", "negative_value"),
        (18, "地区代码", "region_grouping_node"),
    ]
    messages = {e.row: e.message for e in result.errors}
    assert "第2行" in messages[9] and "66.81" in messages[9] and "66.9" in messages[9]
    assert "增速请填写到“工业投资增速”" in messages[7]
    assert "计量单位是亿元" in messages[7]
    assert "工业技术改造投资(12)大于工业投资(10)" in messages[13]
    assert "2022年1-2月" in messages[5]  # the accepted forms
    assert messages[17] == "工业投资不能为负数(现为-5亿元)"
    assert "500100“市辖区”是区划表中的分组" in messages[18]


def test_a_loss_is_a_negative_profit_and_no_other_level_may_be_negative(tmp_path: Path) -> None:
    from tiaodu.monitoring.models import Indicator

    negatives = set(Indicator.objects.filter(may_be_negative=True).values_list("code", flat=True))
    assert negatives == {"lrze"}  # the catalogue's column, set by migration 0003
    wide = write_csv(
        tmp_path / "wide.csv",
        [
            ["统一社会信用代码", "期别", "利润总额", "营业收入"],
            [GUXI_FIRM, "2022年1-2月", "-120.5", "800"],
            [YUXI_FIRM, "2022年1-2月", "30", "-1"],
        ],
    )
    result = run_import("enterprise-data", wide)
    assert errors(result) == [(3, "营业收入", "negative_value")]
    assert result.errors[0].message == "营业收入不能为负数(现为-1万元)"
    wide.write_text(wide.read_text(encoding="utf-8").replace("30,-1", "30,1"), encoding="utf-8")
    assert run_import("enterprise-data", wide).ok
    loss = EnterpriseValue.objects.get(enterprise__credit_code=GUXI_FIRM, indicator__code="lrze")
    assert loss.value == Decimal("-120.5")


def test_wide_form_errors_name_the_column(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "wide-bad.csv",
        [
            ["地区代码", "地区名称", "期别", "规模以上工业总产值", "工业投资", "工业技改投资"],
            ["500152", "潼南区", "2022年1-2月", "16.5%", "18.09", "20"],
            ["500152", "江北区", "2022年1-2月", "66.81", "", ""],
        ],
    )
    result = run_import("indicators", path)
    assert errors(result) == [
        (2, "规模以上工业总产值", "rate_for_level"),
        (2, "工业技术改造投资", "share_over_100"),
        (3, "地区名称", "region_name_mismatch"),
    ]


UNIT_HEADERS = ["序号", "地区代码", "期别", "规模以上工业总产值", "工业投资(%)", "规上工业产值(万元)"]
UNIT_TAIL = ["gy_jg_tz(亿元)", "备注", "地区名称(全称)"]  # the catalogue unit after a code; ignored


def test_wide_form_column_with_another_unit_is_refused(tmp_path: Path) -> None:
    """ "工业投资(%)" and "规上工业产值(万元)" are not 工业投资 and 规模以上工业总产值: the import
    fails naming the columns instead of dropping them and reporting success."""
    path = write_csv(
        tmp_path / "units.csv",
        [
            [*UNIT_HEADERS, *UNIT_TAIL],
            ["1", "500152", "2022年2月", "66.81", "16.5", "668100", "3", "说明", "潼南区"],
        ],
    )
    before = IndicatorValue.objects.count()
    result = run_import("indicators", path)
    assert not result.ok and result.code == "rate_for_level"
    assert errors(result) == [
        (1, "工业投资(%)", "rate_for_level"),
        (1, "规上工业产值(万元)", "unit_mismatch"),
    ]
    first, second = (e.message for e in result.errors)
    assert "计量单位是亿元" in first and "增速请填写到“工业投资增速”" in first
    assert "“万元”与“规模以上工业总产值”的计量单位亿元不符" in second
    assert "第1行(表头)" in result.message and "另有1列" in result.message
    assert IndicatorValue.objects.count() == before  # nothing written
    # the same in the enterprise form: 营业收入 is kept in 万元
    ent = write_csv(
        tmp_path / "ent.csv", [["统一社会信用代码", "期别", "营业收入(亿元)"], [GUXI_FIRM, "2022年2月", "1"]]
    )
    result = run_import("enterprise-data", ent)
    assert errors(result) == [(1, "营业收入(亿元)", "unit_mismatch")]
    # without the two columns: the catalogue unit after a code is read, other headers are ignored
    good = write_csv(
        tmp_path / "good.csv",
        [[*UNIT_HEADERS[:4], *UNIT_TAIL], ["1", "500152", "2022年2月", "66.81", "3", "说明", "潼南区"]],
    )
    result = run_import("indicators", good)
    assert result.ok and result.created == 2, result.error_lines()
    assert current("500152", "工业技术改造投资", "2022-M02") == Decimal("3")


def test_the_framework_hands_the_header_row_to_check_header(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "units.csv", [["地区代码", "期别", "工业投资(%)"], ["500152", "2022年2月", "16.5"]]
    )
    assert run_import("indicators", path).code == "rate_for_level"


def test_a_file_without_indicator_columns_is_refused(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "none.csv", [["地区代码", "期别", "规上工业利润增幅"], ["500152", "2022年2月", "3"]]
    )
    result = run_import("indicators", path)
    assert result.code == "header_missing"


def test_share_against_the_stored_whole(tmp_path: Path) -> None:
    assert run_import(
        "indicators", write_csv(tmp_path / "a.csv", [LONG, ["500152", "2022年2月", "工业投资", "10"]])
    ).ok
    result = run_import(
        "indicators", write_csv(tmp_path / "b.csv", [LONG, ["500152", "2022年2月", "工业技改投资", "12"]])
    )
    assert errors(result) == [(2, "数值", "share_over_100")]
    assert "大于已有的工业投资(10)" in result.errors[0].message


# --- versions ------------------------------------------------------------------------------------


def test_same_value_again_is_a_no_op_and_a_revision_keeps_the_old_version(tmp_path: Path) -> None:
    first = write_csv(
        tmp_path / "v1.csv",
        [LONG, ["500152", "2022年1-2月", "工业投资", "18.09"], ["500152", "2022年1-2月", "营业收入", "5"]],
    )
    assert run_import("indicators", first).created == 2
    again = run_import("indicators", first)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert IndicatorValue.objects.filter(region__code="500152", indicator__code="gy_tz").count() == 1
    revised = write_csv(
        tmp_path / "v2.csv",
        [LONG, ["500152", "2022年1-2月", "工业投资", "18.1"], ["500152", "2022年1-2月", "营业收入", "5.0"]],
    )
    result = run_import("indicators", revised)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert "更新1条" in result.message
    assert result.audit_data is not None and result.audit_data["revised"] == 1
    rows = list(
        IndicatorValue.objects.filter(region__code="500152", indicator__code="gy_tz").order_by("version")
    )
    assert [(r.version, r.value, r.is_current, r.source.name) for r in rows] == [
        (1, Decimal("18.09"), False, "v1.csv"),
        (2, Decimal("18.1"), True, "v2.csv"),
    ]
    from tiaodu.monitoring.services import versions
    from tiaodu.regions.models import Region

    assert [v.version for v in versions(Region.objects.get(code="500152"), "工业投资", "2022年1-2月")] == [
        2,
        1,
    ]


def test_partial_import_writes_the_good_rows(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "p.csv",
        [LONG, ["500152", "2022年2月", "工业投资", "3"], ["500152", "2022年2月", "工业投资增速", "x"]],
    )
    result = run_import("indicators", path, partial=True)
    assert result.ok and result.skipped == 1 and result.created == 1


def test_cli(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cli.csv", [LONG, ["500152", "2022年2月", "工业投资", "3"]])
    call_command("import", "indicators", str(path))
    assert current("500152", "工业投资", "2022-M02") == Decimal("3")
    bad = write_csv(tmp_path / "cli-bad.csv", [LONG, ["500152", "2022年2月", "工业投资", "3%"]])
    with pytest.raises(CommandError, match="validation_error"):
        call_command("import", "indicators", str(bad))


# --- scope ----------------------------------------------------------------------------------------


def test_department_imports_published_figures_and_its_own_townships(tmp_path: Path, users: Any) -> None:
    path = write_csv(
        tmp_path / "jxw.csv",
        [
            LONG,
            ["500104", "2022年2月", "工业投资", "3"],  # another district: published county figure
            ["500000", "2022年2月", "工业投资", "300"],
            ["500152103", "2022年2月", "工业投资", "1"],  # own township
            ["500104001", "2022年2月", "工业投资", "1"],  # another district's township
        ],
    )
    result = run_import("indicators", path, actor=users["jxw"])
    assert errors(result) == [(5, "地区代码", "permission_denied")]
    with pytest.raises(Forbidden):
        run_import("indicators", path, actor=users["guxi"])  # town staff do not import region figures
    assert run_import("indicators", path, actor=users["admin"]).ok


# --- enterprise data ------------------------------------------------------------------------------


def test_enterprise_data_long_and_wide(tmp_path: Path) -> None:
    long = write_csv(
        tmp_path / "ent.csv",
        [
            ["统一社会信用代码", "企业名称", "期别", "指标", "数值"],
            [GUXI_FIRM, "重庆潼南古溪食品有限公司", "2022年1-2月", "营业收入", "1200.5"],
            [YUXI_FIRM.lower(), "", "2022年1-2月", "营业收入", "800"],
        ],
    )
    result = run_import("enterprise-data", long)
    assert result.ok, result.error_lines()
    assert EnterpriseValue.objects.get(enterprise__credit_code=GUXI_FIRM).value == Decimal("1200.5")
    wide = tmp_path / "ent.xlsx"
    write_xlsx(
        wide,
        [["统一社会信用代码", "期别", "营业收入", "利润总额(万元)"], [GUXI_FIRM, "2022年1-2月", 1200.5, -30]],
    )
    result = run_import("enterprise-data", wide)
    assert (result.created, result.unchanged) == (1, 1)


def test_enterprise_data_errors(tmp_path: Path, users: Any) -> None:
    path = write_csv(
        tmp_path / "ent-bad.csv",
        [
            ["统一社会信用代码", "企业名称", "期别", "指标", "数值"],
            ["91500152MA5U00001X", "", "2022年2月", "营业收入", "1"],  # bad check digit
            [UNKNOWN_FIRM, "", "2022年2月", "营业收入", "1"],  # valid, not in the registry
            [GUXI_FIRM, "", "2022年2月", "规模以上工业增加值增速", "5"],  # a rate: enterprises report levels
            [GUXI_FIRM, "别的公司", "2022年2月", "营业收入", "1"],
            [GUXI_FIRM, "", "2022年2月", "营业收入", "12%"],
        ],
    )
    result = run_import("enterprise-data", path)
    codes = [c for _r, _f, c in errors(result)]
    assert codes[0] in ("credit_code_invalid", "credit_code_length")
    assert codes[1:] == [
        "enterprise_unknown",
        "indicator_not_reportable",
        "enterprise_name_mismatch",
        "rate_for_level",
    ]
    # a town user imports for its own township's enterprises only
    own = write_csv(
        tmp_path / "guxi.csv",
        [
            ["统一社会信用代码", "期别", "指标", "数值"],
            [GUXI_FIRM, "2022年2月", "营业收入", "1"],
            [YUXI_FIRM, "2022年2月", "营业收入", "1"],
        ],
    )
    result = run_import("enterprise-data", own, actor=users["guxi"])
    assert errors(result) == [(3, "统一社会信用代码", "permission_denied")]
    with pytest.raises(Forbidden):
        run_import("enterprise-data", own, actor=users["qiye"])
