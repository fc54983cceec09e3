"""The bulletin as a Word document (python-docx): A4, the title in 黑体, the text in 宋体 with the
first line indented two characters, the charts as PNG pictures, one table per indicator (header
row repeated on each page, the region's row shaded), and the notes.

Word picks the font of Chinese characters from ``w:eastAsia``, not from the Latin font name, and
a theme attribute (``w:eastAsiaTheme``) overrides an explicit name: every style used here gets
explicit ``w:ascii``/``w:hAnsi``/``w:eastAsia`` names and no theme attributes, and the document
language is zh-CN. Table cells are written at the XML level (one paragraph, one run each), which is
several times faster than python-docx's cell API for tables of forty rows.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from tiaodu.monitoring.bulletin_render.cells import cell_text
from tiaodu.monitoring.bulletin_render.charts import chart_images

if TYPE_CHECKING:
    from tiaodu.monitoring.bulletin import Bulletin, Table

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
HIGHLIGHT = "FCE4D6"
HEADER_FILL = "D9E2F3"
BENCHMARK_FILL = "F2F2F2"
TABLE_STYLE = "BulletinTableText"
TEXT_WIDTH = 15.8 * 360000  # A4 less 2.6 cm margins, in EMU
THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _fonts(rpr: Any, latin: str, east_asia: str) -> None:
    from docx.oxml.ns import qn

    rfonts = rpr.get_or_add_rFonts()
    for attr in THEME_ATTRS:
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _style(doc: Any, name: str, east_asia: str, size: float, bold: bool = False) -> Any:
    from docx.shared import Pt, RGBColor

    style = doc.styles[name]
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    _fonts(style.element.get_or_add_rPr(), LATIN_FONT, east_asia)
    return style


def _setup(doc: Any) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.5)
    # document defaults: Chinese text in 宋体, language zh-CN
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            _fonts(rpr, LATIN_FONT, BODY_FONT)
            lang = rpr.find(qn("w:lang"))
            if lang is None:
                lang = OxmlElement("w:lang")
                rpr.append(lang)
            lang.set(qn("w:eastAsia"), "zh-CN")
    normal = _style(doc, "Normal", BODY_FONT, 12)
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(0)
    title = _style(doc, "Heading 1", HEADING_FONT, 18, bold=True)
    title.paragraph_format.space_before = Pt(6)
    title.paragraph_format.space_after = Pt(12)
    heading = _style(doc, "Heading 2", HEADING_FONT, 14, bold=True)
    heading.paragraph_format.space_before = Pt(12)
    heading.paragraph_format.space_after = Pt(6)
    cells = doc.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cells.base_style = normal
    cells.font.size = Pt(9)
    cells.paragraph_format.line_spacing = 1.0
    cells.paragraph_format.first_line_indent = Pt(0)
    caption = doc.styles.add_style("BulletinCaption", WD_STYLE_TYPE.PARAGRAPH)
    caption.base_style = normal
    caption.font.size = Pt(10.5)
    _fonts(caption.element.get_or_add_rPr(), LATIN_FONT, HEADING_FONT)


def _shade(tc: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc.get_or_add_tcPr().append(shd)


def _fill(tc: Any, text: str, style_id: str, align: Any, bold: bool) -> None:
    p = tc.p_lst[0]
    ppr = p.get_or_add_pPr()
    ppr.style = style_id
    ppr.jc_val = align
    if text:
        r = p.add_r()
        r.text = text
        if bold:
            r.get_or_add_rPr().b_val = True


def _table(doc: Any, table: Table, style_id: str) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Emu

    grid = doc.add_table(rows=len(table.rows) + 1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    # names and 考核组 get the room they need, the figures share the rest
    weights = [2.6 if c.key == "name" else 2.6 if c.key == "group" else 1.4 for c in table.columns]
    widths = [Emu(int(TEXT_WIDTH * w / sum(weights))) for w in weights]
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    rows = grid.rows
    header = rows[0]
    trpr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for col, cell, width in zip(table.columns, header.cells, widths, strict=True):
        cell._tc.width = width
        _fill(cell._tc, col.label, style_id, WD_ALIGN_PARAGRAPH.CENTER, True)
        _shade(cell._tc, HEADER_FILL)
    for source, row in zip(table.rows, list(rows)[1:], strict=True):
        for value, col, cell, width in zip(source.cells, table.columns, row.cells, widths, strict=True):
            tc = cell._tc
            tc.width = width
            align = WD_ALIGN_PARAGRAPH.RIGHT if col.kind != "text" else WD_ALIGN_PARAGRAPH.LEFT
            _fill(tc, cell_text(value, col), style_id, align, source.highlight)
            if source.highlight:
                _shade(tc, HIGHLIGHT)
            elif source.benchmark:
                _shade(tc, BENCHMARK_FILL)


def render_docx(bulletin: Bulletin) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    _setup(doc)
    style_id = doc.styles[TABLE_STYLE].style_id
    props = doc.core_properties
    props.title = bulletin.title
    props.subject = f"{bulletin.region_name}{bulletin.period_full_label}月通报"
    props.author = props.last_modified_by = "区县经济运行调度平台"

    title = doc.add_paragraph(bulletin.title, style="Heading 1")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in bulletin.paragraphs:
        para = doc.add_paragraph(text)
        para.paragraph_format.first_line_indent = Pt(24)
        para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    images = chart_images(bulletin, "png")
    if images:
        doc.add_paragraph("一、主要指标图示", style="Heading 2")
        for n, (chart, png) in enumerate(zip(bulletin.charts, images, strict=True), 1):
            doc.add_picture(io.BytesIO(png), width=Cm(15.5))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            caption = doc.add_paragraph(f"图{n} {chart.title}", style="BulletinCaption")
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if bulletin.tables:
        doc.add_paragraph(f"{'二' if images else '一'}、各区县主要指标", style="Heading 2")
        for table in bulletin.tables:
            caption = doc.add_paragraph(table.title, style="BulletinCaption")
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
            caption.paragraph_format.keep_with_next = True
            _table(doc, table, style_id)
            for note in table.notes:
                doc.add_paragraph(f"注:{note}", style=TABLE_STYLE)
    if bulletin.notes:
        number = "一二三"[int(bool(images)) + int(bool(bulletin.tables))]
        doc.add_paragraph(f"{number}、说明", style="Heading 2")
        for i, note in enumerate(bulletin.notes, 1):
            doc.add_paragraph(f"{i}. {note}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
