"""The bulletin as an Excel workbook (openpyxl): a sheet 通报 with the title, the text and the
notes, then one sheet per table. Figures are numbers (rounded half up to the published decimals,
with the matching number format: what Excel shows is what the text says), ranks are integers,
the region's row is shaded, and each table sheet carries a native bar chart of the ranking. Cells
go through the formula-safe writer (core.exports): names come from imported data.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tiaodu.core import exports
from tiaodu.monitoring.bulletin_render.cells import number_format
from tiaodu.monitoring.computations import round_half_up

if TYPE_CHECKING:
    from tiaodu.monitoring.bulletin import Bulletin, Column, Table

HIGHLIGHT = "FCE4D6"
HEADER_FILL = "D9E2F3"
BENCHMARK_FILL = "F2F2F2"
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(table: Table) -> str:
    """表1 工业经济运行综合指数 (at most 31 characters, none of []:*?/\\)."""
    return _SHEET_NAME_BAD.sub("", f"表{table.number} {table.indicator_name}")[:31]


def _value(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if column.kind == "number":
        return round_half_up(Decimal(value), column.decimals)
    if column.kind == "rank":
        return int(value)
    return value


def _table_sheet(wb: Any, table: Table) -> None:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(sheet_name(table))
    exports.append(ws, [table.title])
    ws["A1"].font = Font(bold=True, size=12)
    exports.append(ws, [c.label for c in table.columns])
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    formats = [number_format(c) if c.kind != "text" else None for c in table.columns]
    highlight = PatternFill("solid", fgColor=HIGHLIGHT)
    benchmark = PatternFill("solid", fgColor=BENCHMARK_FILL)
    for row in table.rows:
        exports.append(ws, [_value(v, c) for v, c in zip(row.cells, table.columns, strict=True)])
        cells = ws[ws.max_row]
        for cell, fmt in zip(cells, formats, strict=True):
            if fmt is not None:
                cell.number_format = fmt
            if row.highlight:
                cell.fill = highlight
                cell.font = Font(bold=True)
            elif row.benchmark:
                cell.fill = benchmark
    for i, col in enumerate(table.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = 22 if col.key == "name" else 14
    ws.freeze_panes = "B3"
    for note in table.notes:
        ws.append([])
        exports.append(ws, [f"注:{note}"])

    # the ranking as a native bar chart: the ranked county units, best on top
    first = 3 + sum(1 for r in table.rows if r.benchmark)
    ranked = sum(1 for r in table.unit_rows if r.cells[table.column("rank")] is not None)
    key = next((i for i, c in enumerate(table.columns) if c.key == table.figure_key), None)
    if ranked and key is not None:
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = f"{table.indicator_name}排名"
        chart.legend = None
        chart.y_axis.title = table.columns[key].label
        chart.x_axis.scaling.orientation = "maxMin"  # rank 1 on top
        data = Reference(ws, min_col=key + 1, min_row=first, max_row=first + ranked - 1)
        names = Reference(ws, min_col=1, min_row=first, max_row=first + ranked - 1)
        chart.add_data(data, titles_from_data=False)
        chart.set_categories(names)
        chart.height = max(10.0, 0.45 * ranked)
        chart.width = 16
        ws.add_chart(chart, f"{get_column_letter(len(table.columns) + 2)}2")


def render_xlsx(bulletin: Bulletin) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "通报"
    ws.column_dimensions["A"].width = 120
    exports.append(ws, [bulletin.title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    wrap = Alignment(wrap_text=True, vertical="top")
    for text in bulletin.paragraphs:
        exports.append(ws, [text])
        ws.cell(ws.max_row, 1).alignment = wrap
        ws.row_dimensions[ws.max_row].height = 15 * (len(text) // 60 + 1)
    if bulletin.notes:
        ws.append([])
        ws.append(["说明"])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        for i, note in enumerate(bulletin.notes, 1):
            exports.append(ws, [f"{i}. {note}"])
            ws.cell(ws.max_row, 1).alignment = wrap
    for table in bulletin.tables:
        _table_sheet(wb, table)
    wb.properties.title = bulletin.title
    wb.properties.creator = "区县经济运行调度平台"
    return exports.workbook_bytes(wb)
