"""Bounded import input (issue 13 item 4): a small xlsx that inflates to gigabytes (a zip bomb)
is refused from its zip directory before openpyxl opens it — a 3.5 MB one grew the CLI to 1.5 GB
in 150 s — and every file is read within row, column and cell limits (settings or environment)."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tiaodu.core.imports import Limits, run_import, write_xlsx
from tiaodu.core.models import ImportBatch
from tiaodu.enterprises.models import Enterprise

HEADERS = ["统一社会信用代码", "企业名称", "所属镇街"]
SHEET = "xl/worksheets/sheet1.xml"


def bomb(path: Path, megabytes: int) -> Path:
    """A real workbook (a header and one row) whose first sheet then holds ``megabytes`` MB of
    empty rows: ``<row/>`` repeated deflates about a thousandfold."""
    plain = io.BytesIO()
    write_xlsx(plain, [HEADERS, ["91500152MA5U00001F", "炸弹企业", "古溪镇"]])
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    head, tail = members[SHEET].split(b"</sheetData>")
    filler = b"<row/>" * (1024 * 1024 // 6)  # about 1 MB
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            if name != SHEET:
                out.writestr(name, data)
        with out.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(head)
            for _ in range(megabytes):
                sheet.write(filler)
            sheet.write(b"</sheetData>" + tail)
    return path


def never_opened(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("openpyxl must not open a refused file")


@pytest.mark.django_db
def test_zip_bomb_is_refused_from_its_directory_before_openpyxl_reads_it(
    tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 8 * 1024 * 1024
    path = bomb(tmp_path / "bomb.xlsx", 40)
    assert path.stat().st_size < 200 * 1024  # 40 MB of rows in a small file
    monkeypatch.setattr("openpyxl.load_workbook", never_opened)
    before = Enterprise.objects.count()
    started = time.perf_counter()
    result = run_import("enterprises", path)
    assert time.perf_counter() - started < 5
    assert (result.status, result.code) == ("failed", "file_uncompressed_too_large")
    assert "解压后" in result.message and "8MB" in result.message
    assert [(e.field, e.code) for e in result.errors] == [("文件", "file_uncompressed_too_large")]
    assert ImportBatch.objects.get(pk=result.batch.pk).code == "file_uncompressed_too_large"
    assert Enterprise.objects.count() == before


@pytest.mark.django_db
def test_a_compression_ratio_no_workbook_has_is_refused(tmp_path: Path, monkeypatch: Any) -> None:
    path = bomb(tmp_path / "bomb.xlsx", 12)  # within 200 MB, but a thousandfold
    monkeypatch.setattr("openpyxl.load_workbook", never_opened)
    result = run_import("enterprises", path)
    assert result.code == "file_compression_suspicious"
    assert "压缩比异常" in result.message


def test_limits_come_from_settings_else_the_environment(settings: Any, monkeypatch: Any) -> None:
    for name in ("IMPORT_MAX_UNCOMPRESSED_BYTES", "IMPORT_MAX_ROWS"):
        if hasattr(settings, name):
            delattr(settings, name)
    assert Limits.current().uncompressed_bytes == 200 * 1024 * 1024
    assert Limits.current().rows == 1_000_000
    monkeypatch.setenv("TIAODU_IMPORT_MAX_UNCOMPRESSED_MB", "3")
    monkeypatch.setenv("TIAODU_IMPORT_MAX_ROWS", "50")
    assert (Limits.current().uncompressed_bytes, Limits.current().rows) == (3 * 1024 * 1024, 50)
    settings.IMPORT_MAX_ROWS = 7
    assert Limits.current().rows == 7


def csv_file(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.django_db
def test_rows_columns_and_cells_are_bounded_while_reading(tmp_path: Path, settings: Any) -> None:
    settings.IMPORT_MAX_ROWS = 5
    rows = [HEADERS] + [[f"9150015{i:011d}", f"企业{i}", "古溪镇"] for i in range(10)]
    result = run_import("enterprises", csv_file(tmp_path / "rows.csv", rows))
    assert result.code == "file_too_many_rows" and "5行" in result.message

    settings.IMPORT_MAX_ROWS = 1000
    settings.IMPORT_MAX_COLUMNS = 10
    wide = [[*HEADERS, *[""] * 20], ["x", "y", "z", *[""] * 20]]  # blank cells beyond: dropped
    result = run_import("enterprises", csv_file(tmp_path / "blank.csv", wide))
    assert result.code == "validation_error", result.code  # read, then the row is checked
    wide[1][15] = "值"
    result = run_import("enterprises", csv_file(tmp_path / "wide.csv", wide))
    assert result.code == "file_too_many_columns" and "第2行" in result.message

    settings.IMPORT_MAX_COLUMNS = 1000
    settings.IMPORT_MAX_CELLS = 20
    rows = [HEADERS] + [["a", "b", "c"]] * 10
    result = run_import("enterprises", csv_file(tmp_path / "cells.csv", rows))
    assert result.code == "file_too_many_cells"


@pytest.mark.django_db
def test_the_import_page_refuses_a_bomb_without_counting_its_rows(
    users: Any, client_for: Any, settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 8 * 1024 * 1024
    content = bomb(tmp_path / "bomb.xlsx", 40).read_bytes()
    monkeypatch.setattr("openpyxl.load_workbook", never_opened)
    monkeypatch.setattr("tiaodu.core.jobs.count_rows", never_opened)
    client = client_for(users["admin"])
    response = client.post(
        "/enterprises/import/enterprises/", {"file": SimpleUploadedFile("bomb.xlsx", content)}
    )
    assert response.status_code == 422
    assert 'data-code="file_uncompressed_too_large"' in response.content.decode()
