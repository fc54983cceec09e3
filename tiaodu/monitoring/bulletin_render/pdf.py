"""The bulletin as PDF (ReportLab platypus): A4, the CJK TrueType font of :mod:`.fonts` embedded as a
subset (``/FontFile2``), so the file shows its Chinese on any reader without the font installed;
the charts as PNG pictures, the tables with a repeated header and the region's row shaded, page
numbers. ``invariant`` output: no creation date or random document id, so the same bulletin gives
the same bytes.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from tiaodu.monitoring.bulletin_render.cells import cell_text
from tiaodu.monitoring.bulletin_render.charts import chart_images
from tiaodu.monitoring.bulletin_render.fonts import pdf_fonts

if TYPE_CHECKING:
    from tiaodu.monitoring.bulletin import Bulletin, Table

HIGHLIGHT = "#FCE4D6"
HEADER_FILL = "#D9E2F3"
BENCHMARK_FILL = "#F2F2F2"


def _styles(regular: str, bold: str) -> dict[str, Any]:
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("body", fontName=regular, fontSize=11, leading=20, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontName=bold, fontSize=17, leading=26, alignment=TA_CENTER, spaceAfter=12
        ),
        "body": ParagraphStyle("text", parent=base, firstLineIndent=22, alignment=TA_JUSTIFY),
        "heading": ParagraphStyle(
            "heading",
            parent=base,
            fontName=bold,
            fontSize=13,
            leading=20,
            spaceBefore=12,
            spaceAfter=6,
            keepWithNext=1,
        ),
        "caption": ParagraphStyle(
            "caption",
            parent=base,
            fontName=bold,
            fontSize=10,
            leading=15,
            alignment=TA_CENTER,
            spaceAfter=6,
            keepWithNext=1,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=bold, fontSize=8, leading=10),
        "head": ParagraphStyle(
            "head", parent=base, fontName=bold, fontSize=8, leading=10, alignment=TA_CENTER
        ),
        "note": ParagraphStyle("note", parent=base, fontSize=9, leading=14),
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(table: Table, styles: dict[str, Any], regular: str, bold: str, width: float) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as PdfTable

    header = [Paragraph(_escape(c.label), styles["head"]) for c in table.columns]
    body: list[list[Any]] = [header]
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), regular, 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#7f7f7f")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(HEADER_FILL)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    for i, col in enumerate(table.columns):
        if col.kind != "text":
            commands.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
    for n, row in enumerate(table.rows, 1):
        cells: list[Any] = []
        style = styles["cell_bold" if row.highlight else "cell"]
        for value, col in zip(row.cells, table.columns, strict=True):
            text = cell_text(value, col)
            # long names (彭水苗族土家族自治县) wrap inside their column
            cells.append(Paragraph(_escape(text), style) if col.key in ("name", "group") else text)
        body.append(cells)
        if row.highlight:
            commands.append(("BACKGROUND", (0, n), (-1, n), colors.HexColor(HIGHLIGHT)))
            commands.append(("FONT", (0, n), (-1, n), bold, 8))
        elif row.benchmark:
            commands.append(("BACKGROUND", (0, n), (-1, n), colors.HexColor(BENCHMARK_FILL)))
    weights = [2.6 if c.key == "name" else 2.4 if c.key == "group" else 1.4 for c in table.columns]
    total = sum(weights)
    widths = [width * w / total for w in weights]
    grid = PdfTable(body, colWidths=widths, repeatRows=1)
    grid.setStyle(TableStyle(commands))
    return grid


def render_pdf(bulletin: Bulletin) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer

    regular, bold = pdf_fonts()
    styles = _styles(regular, bold)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=2.2 * cm,
        rightMargin=2.2 * cm,
        topMargin=2.2 * cm,
        bottomMargin=2 * cm,
        title=bulletin.title,
        author="区县经济运行调度平台",
        subject=f"{bulletin.region_name}{bulletin.period_full_label}月通报",
        creator="tiaodu",
        invariant=1,
        initialFontName=regular,  # no reference to an unembedded Helvetica
        initialFontSize=11,
    )
    width = doc.width
    story: list[Any] = [Paragraph(_escape(bulletin.title), styles["title"])]
    story += [Paragraph(_escape(text), styles["body"]) for text in bulletin.paragraphs]

    images = chart_images(bulletin, "png")
    section = iter("一二三四")
    if images:
        story.append(Paragraph(f"{next(section)}、主要指标图示", styles["heading"]))
        for n, (chart, png) in enumerate(zip(bulletin.charts, images, strict=True), 1):
            picture = Image(io.BytesIO(png))
            scale = min(width * 0.95 / picture.imageWidth, (doc.height * 0.85) / picture.imageHeight)
            picture.drawWidth = picture.imageWidth * scale
            picture.drawHeight = picture.imageHeight * scale
            story.append(
                KeepTogether([picture, Paragraph(_escape(f"图{n} {chart.title}"), styles["caption"])])
            )
    if bulletin.tables:
        story.append(Paragraph(f"{next(section)}、各区县主要指标", styles["heading"]))
        for table in bulletin.tables:
            story.append(Paragraph(_escape(table.title), styles["caption"]))
            story.append(_table(table, styles, regular, bold, width))
            for note in table.notes:
                story.append(Paragraph(_escape(f"注:{note}"), styles["note"]))
            story.append(Spacer(1, 8))
    if bulletin.notes:
        story.append(Paragraph(f"{next(section)}、说明", styles["heading"]))
        story += [Paragraph(_escape(f"{i}. {n}"), styles["note"]) for i, n in enumerate(bulletin.notes, 1)]

    def page_number(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 9)
        canvas.drawCentredString(A4[0] / 2, 1.2 * cm, f"第{document.page}页")
        canvas.restoreState()

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return out.getvalue()
