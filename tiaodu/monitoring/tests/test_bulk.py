"""The bulk enterprise-data path (PostgreSQL COPY) gives what the framework import gives."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tiaodu.core.models import ImportBatch
from tiaodu.monitoring.bulk import load_enterprise_data
from tiaodu.monitoring.models import EnterpriseValue

pytestmark = pytest.mark.django_db

GUXI_FIRM = "91500152MA5U00001F"
GUXI_FIRM2 = "91500152MA5U00002J"
YUXI_FIRM = "91500152MA5U00003M"
WIDE = ["统一社会信用代码", "期别", "营业收入(万元)", "利润总额", "工业用电量"]
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path needs PostgreSQL")


def write(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def value(code: str, indicator: str, period: str = "2022-M01-02") -> Decimal | None:
    row = EnterpriseValue.objects.filter(
        enterprise__credit_code=code, indicator__code=indicator, period__key=period, is_current=True
    ).first()
    return None if row is None else row.value


def test_wide_gbk_file_and_versions(tmp_path: Path) -> None:
    """Runs the COPY path on PostgreSQL and the framework on SQLite: the same outcome."""
    path = write(
        tmp_path / "月报.csv",
        [
            ["2022年1-2月规上工业企业月报"],
            WIDE,
            [GUXI_FIRM, "2022年1-2月", "1,200.5", "-3", "12"],
            [GUXI_FIRM2, "2022年1—2月", "800", "", "—"],
            [YUXI_FIRM, "2022年1-2月", "50.12345", "1", ""],
            ["", "", "", "", ""],
        ],
        encoding="gbk",
    )
    result = load_enterprise_data(path)
    assert result.ok, result.error_lines()
    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 6, 0, 0)
    assert value(GUXI_FIRM, "yysr") == Decimal("1200.5")
    assert value(GUXI_FIRM, "lrze") == Decimal("-3")
    assert value(GUXI_FIRM2, "gy_yd") is None  # — is no figure
    assert value(YUXI_FIRM, "yysr") == Decimal("50.1235")  # four decimals, half up
    assert ImportBatch.objects.filter(
        kind="enterprise-data", file_name="月报.csv", status="succeeded"
    ).exists()
    again = load_enterprise_data(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    changed = write(tmp_path / "fix.csv", [WIDE, [GUXI_FIRM, "2022年1-2月", "1300", "-3", "12"]])
    fixed = load_enterprise_data(changed)
    assert (fixed.created, fixed.updated, fixed.unchanged) == (0, 1, 2)
    versions = EnterpriseValue.objects.filter(
        enterprise__credit_code=GUXI_FIRM, indicator__code="yysr"
    ).order_by("version")
    assert [(v.version, v.value, v.is_current) for v in versions] == [
        (1, Decimal("1200.5"), False),
        (2, Decimal("1300"), True),
    ]


@on_postgres
def test_every_bad_row_is_listed(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.csv",
        [
            WIDE,
            [GUXI_FIRM, "2022年2月", "100", "1", "1"],  # 2 fine
            ["91500152MA5U00009X", "2022年2月", "100", "1", "1"],  # 3 unknown enterprise
            [YUXI_FIRM, "2022年春季", "100", "1", "1"],  # 4 period form
            [GUXI_FIRM2, "2022年2月", "12%", "1", "1"],  # 5 a rate for a level
            [GUXI_FIRM2, "2022年3月", "很多", "1", "1"],  # 6 not a number
            [GUXI_FIRM, "2022-02", "101", "1", "1"],  # 7 duplicate of row 2, other value
            [GUXI_FIRM, "2022M02", "100", "1", "1"],  # 8 duplicate of row 2, same value: harmless
            [YUXI_FIRM, "2022年2月", "100", "-35.5", "-"],  # 9 a loss, and "-" for no figure: fine
            [YUXI_FIRM, "2022年3月", "100", "-35.5", " -2.5"],  # 10 negative electricity use
        ],
    )
    result = load_enterprise_data(path)
    assert not result.ok and result.code == "validation_error"
    assert [(e.row, e.field, e.code) for e in result.errors] == [
        (3, "统一社会信用代码", "enterprise_unknown"),
        (4, "期别", "period_unknown"),
        (5, "营业收入", "rate_for_level"),
        (6, "营业收入", "number_invalid"),
        (7, "统一社会信用代码", "duplicate_conflict"),
        (10, "工业用电量", "negative_value"),
    ]
    assert "第2行" in result.errors[4].message
    assert result.errors[5].message == "工业用电量不能为负数(现为-2.5万千瓦时)"
    assert not EnterpriseValue.objects.exists()
    assert "数据库未作任何修改" in result.message


@on_postgres
def test_long_form_and_scope(tmp_path: Path, users: Any) -> None:
    path = write(
        tmp_path / "long.csv",
        [
            ["统一社会信用代码", "期别", "指标", "数值"],
            [GUXI_FIRM, "2022年2月", "营业收入", "5"],
            [YUXI_FIRM, "2022年2月", "主营业务收入", "6"],  # an alias
            [YUXI_FIRM, "2022年2月", "规模以上工业增加值增速", "6"],  # not a level
            [YUXI_FIRM, "2022年2月", "利润总额", "-6"],  # a loss
            [GUXI_FIRM, "2022年2月", "工业用电量", "-1,000.5"],
            [YUXI_FIRM, "2022年3月", "工业用电量", "-0.00004"],  # 0 to four decimals, as elsewhere
            [GUXI_FIRM, "2022年3月", "营业收入", "-.5"],
        ],
    )
    result = load_enterprise_data(path)
    assert [(e.row, e.code) for e in result.errors] == [
        (4, "indicator_unknown"),
        (6, "negative_value"),
        (8, "negative_value"),
    ]
    assert result.errors[1].message == "工业用电量不能为负数(现为-1000.5万千瓦时)"
    assert result.errors[2].message == "营业收入不能为负数(现为-0.5万元)"
    good = write(
        tmp_path / "good.csv",
        [
            ["统一社会信用代码", "期别", "指标", "数值"],
            [GUXI_FIRM, "2022年2月", "营业收入", "5"],
            [YUXI_FIRM, "2022年2月", "营业收入", "6"],
        ],
    )
    refused = load_enterprise_data(good, users["guxi"])
    assert [(e.row, e.code) for e in refused.errors] == [(3, "permission_denied")]
    assert load_enterprise_data(good, users["jxw"]).created == 2


@on_postgres
def test_malformed_and_headerless_files(tmp_path: Path) -> None:
    extra = tmp_path / "extra.csv"
    extra.write_text("统一社会信用代码,期别,营业收入\n" + GUXI_FIRM + ",2022年2月,1,2,3\n", encoding="utf-8")
    assert load_enterprise_data(extra).code == "file_unreadable"
    headless = write(tmp_path / "none.csv", [["代码", "月份", "收入"], [GUXI_FIRM, "2022年2月", "1"]])
    assert load_enterprise_data(headless).code == "header_missing"
    with pytest.raises(CommandError, match="header_missing"):
        call_command("load_enterprise_data", str(headless))
    # a catalogue indicator with another unit is refused, as by the framework import
    other_unit = write(
        tmp_path / "unit.csv", [["统一社会信用代码", "期别", "营业收入(亿元)"], [GUXI_FIRM, "2022年2月", "1"]]
    )
    refused = load_enterprise_data(other_unit)
    assert refused.code == "unit_mismatch" and "第1行(表头)" in refused.message
    assert not EnterpriseValue.objects.exists()


def test_part_above_whole(tmp_path: Path) -> None:
    """工业技术改造投资 above 工业投资: refused on both paths (wide and long)."""
    wide = write(
        tmp_path / "share.csv",
        [
            ["统一社会信用代码", "期别", "工业投资", "工业技改投资"],
            [GUXI_FIRM, "2022年2月", "10", "12"],
            [YUXI_FIRM, "2022年2月", "10", "8"],
        ],
    )
    result = load_enterprise_data(wide)
    assert [(e.row, e.code) for e in result.errors] == [(2, "share_over_100")]
    long = write(
        tmp_path / "share-long.csv",
        [
            ["统一社会信用代码", "期别", "指标", "数值"],
            [GUXI_FIRM, "2022年2月", "工业技改投资", "12"],
            [GUXI_FIRM, "2022年2月", "工业投资", "10"],
        ],
    )
    result = load_enterprise_data(long)
    assert [(e.row, e.code) for e in result.errors][:1] in ([(2, "share_over_100")], [(3, "share_over_100")])


@on_postgres
def test_large_first_load_rebuilds_the_indexes(tmp_path: Path, monkeypatch: Any) -> None:
    """A load larger than the table drops the secondary indexes and builds them again."""
    from tiaodu.monitoring import bulk

    def indexes() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s", [EnterpriseValue._meta.db_table]
            )
            return {name for (name,) in cursor.fetchall()}

    before = indexes()
    assert len(before) == 3  # primary key, enterprise, the current figure's uniqueness
    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 0)
    path = write(
        tmp_path / "first.csv",
        [WIDE, [GUXI_FIRM, "2022年2月", "1", "2", "3"], [YUXI_FIRM, "2022年2月", "4", "", "6"]],
    )
    assert load_enterprise_data(path).created == 5
    assert indexes() == before
    assert value(YUXI_FIRM, "gy_yd", "2022-M02") == Decimal("6")
