"""The tabular import framework: files, encodings, headers, cell parsers, all-or-nothing and
partial writes, history and audit, the registry and the templates."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tiaodu.core import imports
from tiaodu.core.errors import Forbidden, ServiceError
from tiaodu.core.imports import (
    CellError,
    Column,
    ImportContext,
    Importer,
    Row,
    any_date,
    boolean,
    choice,
    decode_csv,
    past_date,
    register,
    run_import,
    template_workbook,
    text,
    text_of,
)
from tiaodu.core.models import ImportBatch
from tiaodu.orgs import services as org_services
from tiaodu.orgs.models import Organization

GUXI = "500152103"
YUXI = "500152107"
HEADERS = ["名称", "所属镇街代码", "成立日期", "启用", "类型"]


class OrgImporter(Importer):
    """A small importer for the tests: organisations of kind 其他, row by row through the service."""

    name = "test_orgs"
    title = "测试机构"
    model = Organization
    key_field = "name"
    field_headers = {"region": "所属镇街代码"}
    columns = [
        Column("名称", "name", True, text_of(20), aliases=("机构名称",), example="测试单位"),
        Column("所属镇街代码", "region_code", True, example=GUXI),
        Column("成立日期", "founded", parse=past_date, example="2022-03-01"),
        Column("启用", "is_active", parse=boolean, example="是", options=("是", "否")),
        Column("类型", "kind", parse=choice({"其他": "other"}, blank="other"), example="其他"),
    ]

    def clean(self, ctx: ImportContext, row: Row) -> None:
        if row.values.get("name") == "跨列错误":
            raise CellError("cross_column", "名称与类型不符")

    def save(self, ctx: ImportContext, row: Row) -> str:
        values = row.values
        org_services.create_organization(
            ctx.actor,
            name=values["name"],
            kind=values.get("kind") or "other",
            region_code=values["region_code"],
            is_active=values.get("is_active", True),
        )
        return "created"


@pytest.fixture
def toy() -> Any:
    register(OrgImporter)
    yield OrgImporter
    imports._REGISTRY.pop("test_orgs", None)


def xlsx(path: Path, rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def csv_file(path: Path, rows: list[list[Any]], encoding: str) -> Path:
    content = "\r\n".join(",".join(str(c) for c in row) for row in rows) + "\r\n"
    path.write_bytes(content.encode(encoding))
    return path


def org_count() -> int:
    return Organization.objects.count()


# --- cell parsers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("1", True),
        ("0", False),
        ("√", True),
        (" 是 ", True),
        (True, True),
        (False, False),
        (1, True),
        (0.0, False),
        (None, False),
        ("", False),
    ],
)
def test_boolean_accepts_chinese_and_excel_forms(raw: Any, expected: bool) -> None:
    assert boolean(raw) is expected


@pytest.mark.parametrize("raw", ["也许", "2", 3, "yes please"])
def test_boolean_rejects_other_values(raw: Any) -> None:
    with pytest.raises(CellError) as exc:
        boolean(raw)
    assert exc.value.code == "boolean_invalid"


@pytest.mark.parametrize(
    "raw",
    [
        "2022-03-01",
        "2022/3/1",
        "2022年3月1日",
        "2022.3.1",
        "2022-03-01 00:00:00",
        "20220301",
        datetime(2022, 3, 1, 0, 0),
        date(2022, 3, 1),
        44621,  # the Excel serial number of 2022-03-01
        44621.0,
    ],
)
def test_dates_in_every_accepted_form(raw: Any) -> None:
    assert any_date(raw) == date(2022, 3, 1)


@pytest.mark.parametrize("raw", ["2022-13-01", "2022-02-30", "三月一日", "03/01/2022", "abc", 0])
def test_invalid_dates(raw: Any) -> None:
    with pytest.raises(CellError) as exc:
        any_date(raw)
    assert exc.value.code == "date_invalid"


def test_future_date_rejected_today_accepted() -> None:
    today = timezone.localdate()
    assert past_date(today.isoformat()) == today
    with pytest.raises(CellError) as exc:
        past_date(today + timedelta(days=1))
    assert exc.value.code == "date_in_future"
    assert past_date(None) is None


def test_text_of_numbers_and_limits() -> None:
    assert text(13800000000.0) == "13800000000"
    assert text(1311) == "1311"
    assert text("  有空格  ") == "有空格"
    assert text(datetime(2022, 3, 1)) == "2022-03-01"
    assert text(None) == ""
    with pytest.raises(CellError) as exc:
        text_of(3)("四个字符")
    assert exc.value.code == "too_long"


def test_choice_by_label_or_code() -> None:
    parse = choice({"亿元以上": "100m", "百亿元以上": "10b"})
    assert parse("亿元以上") == "100m"
    assert parse("10b") == "10b"
    assert parse(None) == ""
    with pytest.raises(CellError) as exc:
        parse("很多")
    assert exc.value.code == "choice_invalid"
    assert "亿元以上" in exc.value.message


# --- encodings ------------------------------------------------------------------------------------

TEXT = "名称,所属镇街代码\r\n古溪测试单位,500152103\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings_are_detected(encoding: str) -> None:
    assert decode_csv(TEXT.encode(encoding)) == TEXT


def test_csv_gb18030_characters_outside_gbk() -> None:
    content = "名称\r\n𠀀测试\r\n"  # a CJK Extension B character: GB18030, not GBK
    assert decode_csv(content.encode("gb18030")) == content


def test_undecodable_csv() -> None:
    with pytest.raises(imports.FileProblem) as exc:
        decode_csv(b"\x81\x20\xff\xfe\x00abc")
    assert exc.value.code in ("file_encoding_unknown", "file_content_mismatch")


# --- files ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_import_in_each_encoding(toy: Any, tmp_path: Path, encoding: str) -> None:
    path = csv_file(
        tmp_path / "orgs.csv",
        [HEADERS, [f"编码测试{encoding}", GUXI, "2022/3/1", "是", "其他"]],
        encoding,
    )
    result = run_import("test_orgs", path)
    assert result.ok, result.errors
    assert result.created == 1
    assert Organization.objects.filter(name=f"编码测试{encoding}", region__code=GUXI).exists()


@pytest.mark.django_db
def test_tab_separated_csv(toy: Any, tmp_path: Path) -> None:
    path = tmp_path / "orgs.csv"
    path.write_bytes("名称\t所属镇街代码\r\n制表符单位\t500152103\r\n".encode("utf-16"))
    result = run_import("test_orgs", path)
    assert result.ok, result.errors
    assert Organization.objects.filter(name="制表符单位").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("orgs.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "file_type_not_allowed"),
        ("orgs.txt", "名称\n".encode(), "file_type_not_allowed"),
        ("orgs.pdf", b"%PDF-1.4", "file_type_not_allowed"),
        ("orgs", b"abc", "file_type_not_allowed"),
        ("orgs.xlsx", "名称,所属镇街代码\n".encode(), "file_content_mismatch"),
        ("orgs.csv", b"PK\x03\x04" + b"\x00" * 100, "file_content_mismatch"),
        ("orgs.csv", b"%PDF-1.4 binary", "file_content_mismatch"),
        ("orgs.xlsx", b"PK\x03\x04 this is not a zip archive", "file_unreadable"),
        ("orgs.csv", b"", "file_empty"),
    ],
)
def test_file_type_and_content_checks(toy: Any, name: str, content: bytes, code: str) -> None:
    before = org_count()
    result = run_import("test_orgs", io.BytesIO(content), file_name=name)
    assert not result.ok
    assert result.code == code
    assert result.errors[0].code == code
    assert result.errors[0].field == "文件"
    assert org_count() == before
    batch = ImportBatch.objects.get(pk=result.batch.pk)
    assert (batch.status, batch.code, batch.file_name) == ("failed", code, name)


@pytest.mark.django_db
def test_oversize_file_rejected_before_reading(toy: Any, settings: Any, tmp_path: Path) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    path = csv_file(
        tmp_path / "big.csv", [HEADERS] + [[f"单位{i}", GUXI, "", "", ""] for i in range(100)], "utf-8"
    )
    assert path.stat().st_size > 1024
    before = org_count()
    result = run_import("test_orgs", path)
    assert result.code == "file_too_large"
    assert "1024" not in result.message or "MB" in result.message
    assert org_count() == before


@pytest.mark.django_db
def test_header_below_a_title_row_and_extra_columns(toy: Any, tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "orgs.xlsx",
        [
            ["2022年潼南区测试机构名录"],
            [],
            ["序号", "机构名称*", "所属镇街代码(必填)", "备注"],
            [1, "标题行单位", GUXI, "多余的列被忽略"],
            [],
            [2, "空行之后的单位", GUXI, None],
        ],
    )
    result = run_import("test_orgs", path)
    assert result.ok, result.errors
    assert (result.rows, result.created) == (2, 2)
    assert Organization.objects.filter(name__in=["标题行单位", "空行之后的单位"]).count() == 2


@pytest.mark.django_db
def test_missing_headers_are_each_named(toy: Any, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "orgs.xlsx", [["名称", "启用"], ["缺列单位", "是"]])
    result = run_import("test_orgs", path)
    assert result.code == "header_missing"
    assert [(e.field, e.code, e.row) for e in result.errors] == [("所属镇街代码", "header_missing", 1)]
    assert "所属镇街代码" in result.message

    path = xlsx(tmp_path / "none.xlsx", [["完全", "无关"], ["a", "b"]])
    result = run_import("test_orgs", path)
    assert result.code == "header_missing"
    assert {e.field for e in result.errors} == {"名称", "所属镇街代码"}


@pytest.mark.django_db
def test_duplicate_header(toy: Any, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "orgs.xlsx", [["名称", "所属镇街代码", "机构名称"], ["a", GUXI, "b"]])
    result = run_import("test_orgs", path)
    assert result.code == "header_duplicate"


@pytest.mark.django_db
def test_no_data_rows(toy: Any, tmp_path: Path) -> None:
    result = run_import("test_orgs", xlsx(tmp_path / "orgs.xlsx", [HEADERS, [None, None]]))
    assert result.code == "file_empty"
    assert not result.ok


# --- rows: all-or-nothing and partial -----------------------------------------------------------


def mixed_rows() -> list[list[Any]]:
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    return [
        ["测试机构名录"],
        HEADERS,
        ["好单位一", GUXI, "2022-03-01", "是", "其他"],
        ["好单位二", GUXI, "2022年3月2日", "N", ""],
        ["坏单位甲", GUXI, future, "也许", "其他"],  # row 5: two bad cells
        ["", GUXI, "", "", ""],  # row 6: required cell empty
        ["好单位三", "999999999", "", "", ""],  # row 7: the service refuses the region
        ["跨列错误", GUXI, "", "", ""],  # row 8: the importer's clean refuses it
        ["这个名称超过了二十个字符的长度限制所以不行", GUXI, "", "", ""],  # row 9
    ]


@pytest.mark.django_db
def test_all_or_nothing_lists_every_bad_row_and_writes_nothing(toy: Any, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "mixed.xlsx", mixed_rows())
    before = org_count()
    result = run_import("test_orgs", path)
    assert not result.ok
    assert result.code == "validation_error"
    assert (result.created, result.rows) == (0, 7)
    found = {(e.row, e.field, e.code) for e in result.errors}
    assert found == {
        (5, "成立日期", "date_in_future"),
        (5, "启用", "boolean_invalid"),
        (6, "名称", "required"),
        (8, "名称", "cross_column"),
        (9, "名称", "too_long"),
    }
    assert org_count() == before
    assert "数据库未作任何修改" in result.message


@pytest.mark.django_db
def test_service_errors_while_writing_roll_back_the_good_rows(toy: Any, tmp_path: Path) -> None:
    rows = [HEADERS, ["写入好单位", GUXI, "", "", ""], ["写入坏单位", "999999999", "", "", ""]]
    before = org_count()
    result = run_import("test_orgs", xlsx(tmp_path / "w.xlsx", rows))
    assert result.code == "validation_error"
    assert [(e.row, e.field, e.code) for e in result.errors] == [(3, "所属镇街代码", "region_unknown")]
    assert org_count() == before
    assert result.created == 0


@pytest.mark.django_db
def test_partial_mode_skips_bad_rows(toy: Any, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "mixed.xlsx", mixed_rows())
    before = org_count()
    result = run_import("test_orgs", path, partial=True)
    assert result.ok
    assert result.status == "partial"
    assert (result.created, result.skipped) == (2, 5)
    assert {e.row for e in result.errors} == {5, 6, 7, 8, 9}
    assert org_count() == before + 2
    assert set(Organization.objects.filter(name__startswith="好单位").values_list("name", flat=True)) == {
        "好单位一",
        "好单位二",
    }
    batch = result.batch
    assert (batch.status, batch.created_count, batch.skipped_count, batch.error_count) == ("partial", 2, 5, 6)


@pytest.mark.django_db
def test_partial_mode_with_nothing_good_fails(toy: Any, tmp_path: Path) -> None:
    rows = [HEADERS, ["", GUXI, "", "", ""]]
    result = run_import("test_orgs", xlsx(tmp_path / "bad.xlsx", rows), partial=True)
    assert not result.ok
    assert result.code == "validation_error"


@pytest.mark.django_db
def test_scoped_actor_rows_outside_scope(toy: Any, users: Any, tmp_path: Path) -> None:
    rows = [HEADERS, ["古溪范围内单位", GUXI, "", "", ""], ["玉溪范围外单位", YUXI, "", "", ""]]
    before = org_count()
    result = run_import("test_orgs", xlsx(tmp_path / "scope.xlsx", rows), actor=users["guxi"])
    assert result.code == "validation_error"
    assert [(e.row, e.field, e.code) for e in result.errors] == [(3, "名称", "permission_denied")]
    assert org_count() == before
    from tiaodu.audit.models import SecurityEvent

    event = SecurityEvent.objects.filter(kind="permission_denied").latest("pk")
    assert "import test_orgs" in event.detail and "3" in event.detail


@pytest.mark.django_db
def test_actor_without_add_permission_is_refused(toy: Any, users: Any, tmp_path: Path) -> None:
    with pytest.raises(Forbidden):
        run_import("test_orgs", xlsx(tmp_path / "x.xlsx", [HEADERS]), actor=users["leader"])


# --- history and audit ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_batch_and_one_summary_audit_entry(toy: Any, users: Any, tmp_path: Path) -> None:
    admin = users["admin"]
    batch_type = ContentType.objects.get_for_model(ImportBatch)
    entries_before = LogEntry.objects.filter(content_type=batch_type).count()
    rows = [HEADERS, ["审计单位一", GUXI, "", "", ""], ["审计单位二", GUXI, "", "", ""]]
    result = run_import("test_orgs", xlsx(tmp_path / "audit.xlsx", rows), actor=admin)
    assert result.ok
    batch = result.batch
    assert (batch.kind, batch.file_name, batch.user, batch.status) == (
        "test_orgs",
        "audit.xlsx",
        admin,
        "succeeded",
    )
    assert (batch.rows, batch.created_count, batch.error_count) == (2, 2, 0)
    assert batch.kind_label == "测试机构"
    entries = LogEntry.objects.filter(content_type=batch_type)
    assert entries.count() == entries_before + 1
    entry = entries.latest("pk")
    assert entry.object_pk == str(batch.pk)
    assert entry.actor == admin
    assert entry.action == LogEntry.Action.CREATE
    assert entry.changes["created_count"] == [None, 2]
    assert entry.changes["file_name"] == [None, "audit.xlsx"]
    from tiaodu.audit.services import describe_changes

    assert ("新增", "", "2") in describe_changes(entry)


@pytest.mark.django_db
def test_failed_imports_are_in_the_history_with_their_errors(toy: Any, users: Any, tmp_path: Path) -> None:
    result = run_import("test_orgs", xlsx(tmp_path / "mixed.xlsx", mixed_rows()), actor=users["admin"])
    batch = ImportBatch.objects.get(pk=result.batch.pk)
    assert batch.status == "failed"
    assert batch.error_count == len(result.errors) == 5
    assert batch.errors[0] == {
        "field": "成立日期",
        "code": "date_in_future",
        "message": batch.errors[0]["message"],
        "row": 5,
    }
    assert ImportBatch.objects.restrict(users["admin"]).filter(pk=batch.pk).exists()
    assert not ImportBatch.objects.restrict(users["guxi"]).filter(pk=batch.pk).exists()


# --- registry and templates -------------------------------------------------------------------------


def test_registry_discovers_module_importers() -> None:
    names = imports.importer_names()
    assert {"enterprises", "visits", "appeals"} <= set(names)
    with pytest.raises(ServiceError) as exc:
        imports.get_importer("nope")
    assert exc.value.code == "import_kind_unknown"


@pytest.mark.django_db
def test_template_has_headers_example_and_notes(toy: Any, tmp_path: Path) -> None:
    wb = load_workbook(io.BytesIO(template_workbook("test_orgs")))
    assert wb.sheetnames == ["测试机构", "填写说明"]
    sheet = wb["测试机构"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert [c.value for c in sheet[2]] == ["测试单位", GUXI, "2022-03-01", "是", "其他"]
    assert sheet["A1"].font.color.rgb.endswith("C00000")  # required header in red
    notes = [[c.value for c in row] for row in wb["填写说明"].iter_rows()]
    assert notes[0] == ["列名", "是否必填", "说明", "示例"]
    assert notes[1][:2] == ["名称", "必填"]
    assert any(row[0] and "删除" in row[0] for row in notes)

    # The template imports as it is (its example row).
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_workbook("test_orgs"))
    result = run_import("test_orgs", path)
    assert result.ok, result.errors
    assert Organization.objects.filter(name="测试单位", region__code=GUXI).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["enterprises", "visits", "appeals"])
def test_module_templates_read_back_with_their_own_headers(kind: str) -> None:
    importer = imports.get_importer(kind)
    wb = load_workbook(io.BytesIO(template_workbook(kind)), read_only=True)
    header = next(wb.worksheets[0].iter_rows(values_only=True))
    assert list(header) == [c.header for c in importer.columns]
    assert set(importer.required_headers) <= set(header)
