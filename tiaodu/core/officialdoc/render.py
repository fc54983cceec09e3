"""Word and PDF of an :class:`~tiaodu.core.officialdoc.OfficialDocument` by 《党政机关公文格式》
GB/T 9704-2012 (ADR 0039).

    from tiaodu.core.officialdoc.render import render_docx, render_pdf

    data = render_docx(document)  # bytes of a .docx
    data = render_pdf(document)  # bytes of a .pdf

The layout (both formats):

* A4; 天头 (top margin) 37 mm, 订口 (left margin) 28 mm, 版心 156 × 225 mm: 22 lines of 28
  characters of 3号 (16 pt) text, a line pitch of 28.95 pt;
* 版头: the 发文机关标志 in red 小标宋, centred, its top 35 mm below the 版心's top edge, as large as
  fits one line (at most 36 pt); the 发文字号 two lines below in 3号仿宋, centred; 4 mm below it a red
  rule as wide as the 版心;
* 主体: the title two lines below the rule in 2号 (22 pt) 小标宋, centred; the 主送机关 one line
  below, flush left, with a full-width colon; the text in 3号仿宋, first line indented two
  characters, justified; headings 一、 in 黑体, （一） in 楷体, 1. and （1） in 仿宋 (numbered here when
  the text does not start with its number already); tables with a 黑体 caption, 仿宋 五号 (10.5 pt)
  cells, the header row repeated on every page and the highlighted rows shaded; pictures centred
  with their caption below; 附件说明 one line below the text; the 发文机关署名 one line below,
  right-indented two characters, and the 成文日期 under it in Arabic numerals ("2022年3月31日"),
  its first character two characters right of the signature's (GB/T 9704 7.3.5.2, documents
  without a seal; a date longer than the signature keeps two characters to the right and moves
  the signature left);
* 版记 at the foot of the last page: 抄送 and 印发机关 + 印发日期 in 4号 (14 pt) 仿宋, one character
  in from each side, between a thick rule (0.35 mm) above and below and a thin one (0.25 mm)
  between them;
* page numbers "— 1 —" in 4号宋体, 7 mm below the 版心: odd pages on the right, even pages on the
  left, one character in (GB/T 9704 7.5) — the Word file through a PAGE field in distinct odd and
  even footers.

All the text passes through :func:`tiaodu.core.officialdoc.punctuation.official` (GB/T 15834).
The Word file names the fonts government PCs have (:data:`fonts.DOCX_FONTS` in ``w:eastAsia``); the
PDF embeds free lookalikes (:mod:`.fonts`). Both carry the title, subject, author and keywords;
the PDF its creation date (now), creator, producer and language zh-CN.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from tiaodu.core.officialdoc import Block, DocTable, OfficialDocument
from tiaodu.core.officialdoc.fonts import DOCX_FONTS, LATIN
from tiaodu.core.officialdoc.punctuation import official

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

MM = 72 / 25.4  # points per millimetre
PAGE_W, PAGE_H = 210 * MM, 297 * MM
TOP, LEFT = 37 * MM, 28 * MM
TEXT_W, TEXT_H = 156 * MM, 225 * MM
RIGHT, BOTTOM = PAGE_W - LEFT - TEXT_W, PAGE_H - TOP - TEXT_H
BODY_PT = 16.0  # 3号
TITLE_PT = 22.0  # 2号
FOOT_PT = 14.0  # 4号: 版记 and page numbers
TABLE_PT = 10.5  # 五号
LINE = TEXT_H / 22  # 28.95 pt: 22 lines a page
MARK_MAX_PT = 36.0
RED = "FF0000"
SHADE = "F2F2F2"
HIGHLIGHT = "FCE4D6"
CREATOR = "区县经济运行调度平台"
PRODUCER = "tiaodu officialdoc (GB/T 9704-2012)"

CN_DIGITS = "零一二三四五六七八九"
_NUMBERED = (
    re.compile(r"^[一二三四五六七八九十百]+、"),
    re.compile(r"^[（(][一二三四五六七八九十百]+[)）]"),
    re.compile(r"^\d+[.．]"),
    re.compile(r"^[（(]\d+[)）]"),
)


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (heading numbers up to 99)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def cn_date(day: date) -> str:
    """成文日期 in Arabic numerals, no leading zeros: 2022年3月31日."""
    return f"{day.year}年{day.month}月{day.day}日"


def text_width(text: str) -> float:
    """Width in characters of the body font: a Chinese character 1, an ASCII character ½."""
    return sum(0.5 if ord(c) < 0x2E80 and c not in "—…“”‘’" else 1.0 for c in text)


def numbered(blocks: list[Block]) -> Iterator[Block]:
    """The blocks with heading numbers 一、 （一） 1. （1） where the text lacks one; a heading
    restarts the counters of the levels below it."""
    counters = [0, 0, 0, 0]
    for block in blocks:
        if not block.kind.startswith("heading"):
            yield block
            continue
        level = int(block.kind[-1])
        counters[level - 1] += 1
        for lower in range(level, 4):
            counters[lower] = 0
        text = official(block.text)
        if not _NUMBERED[level - 1].match(text):
            n = counters[level - 1]
            prefix = (f"{cn_number(n)}、", f"（{cn_number(n)}）", f"{n}.", f"（{n}）")[level - 1]
            text = prefix + text
        yield replace(block, text=text)


def signature_indents(
    signature: str, signed: str, width: Callable[[str], float] = text_width
) -> tuple[float, float]:
    """Right indents (in characters) of the 署名 and the 成文日期 (GB/T 9704 7.3.5.2); ``width``
    measures a text in characters (the PDF passes its font's real widths)."""
    sig, day = width(signature), width(signed)
    date_indent = max(2.0, sig - day) if signature else 4.0
    sig_indent = date_indent + day + 2 - sig
    return sig_indent, date_indent


def prepared(doc: OfficialDocument) -> dict[str, Any]:
    """What both renderers lay out, with official punctuation and the defaults filled in."""
    issuer = doc.letterhead.issuer
    signature = official(doc.signature or issuer)
    printed_on = doc.printed_on or doc.signed_on
    cc = [official(c).rstrip("，。,. ") for c in doc.cc if c.strip()]
    addressee = official(doc.addressee).rstrip("：:") if doc.addressee else ""
    return {
        "mark": official(doc.letterhead.mark),
        "number": official(doc.letterhead.number),
        "title": official(doc.title),
        "addressee": f"{addressee}：" if addressee else "",
        "blocks": list(numbered(doc.blocks)),
        "attachments": [official(a) for a in doc.attachments if a.strip()],
        "signature": signature,
        "signed": cn_date(doc.signed_on),
        "cc": f"抄送：{'，'.join(cc)}。" if cc else "",
        "printer": official(doc.printer or f"{issuer}办公室" if issuer else doc.printer),
        "printed": f"{cn_date(printed_on)}印发",
        "author": doc.author or issuer or CREATOR,
        "subject": official(doc.subject or doc.title),
        "keywords": [k for k in doc.keywords if k],
    }


def mark_size(mark: str) -> float:
    """The 发文机关标志's font size: as large as fits the 版心 on one line, at most 36 pt."""
    width = text_width(mark) or 1
    return min(MARK_MAX_PT, int(TEXT_W / width * 2) / 2)


def column_weights(table: DocTable) -> list[float]:
    """Relative column widths from the widest text of each column (header and cells), bounded so
    that a long name column does not squeeze the figures out."""
    count = len(table.header)
    widths = []
    for i in range(count):
        texts = [table.header[i]] + [row[i] if i < len(row) else "" for row in table.rows]
        widest = max((text_width(str(t)) for t in texts), default=1)
        widths.append(min(max(widest, 2.5), 12.0))
    return widths


def cell(row: list[str], i: int) -> str:
    return official(str(row[i])) if i < len(row) and row[i] is not None else ""


# ---------------------------------------------------------------------------------------- Word


def _docx_fonts(rpr: Any, east_asia: str) -> None:
    from docx.oxml.ns import qn

    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), LATIN)
    rfonts.set(qn("w:hAnsi"), LATIN)
    rfonts.set(qn("w:cs"), LATIN)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _run(paragraph: Any, text: str, role: str, size: float, color: str = "", bold: bool = False) -> Any:
    from docx.shared import Pt, RGBColor

    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    if bold:
        run.font.bold = True
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    _docx_fonts(run._r.get_or_add_rPr(), DOCX_FONTS[role])
    return run


def _para(
    doc: Any,
    text: str = "",
    role: str = "fangsong",
    size: float = BODY_PT,
    align: str = "justify",
    indent_chars: float = 0,
    before: float = 0,
    right_chars: float = 0,
    color: str = "",
    line: float | None = LINE,
) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.alignment = {
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
    }[align]
    fmt.first_line_indent = Pt(indent_chars * size) if indent_chars else Pt(0)
    fmt.right_indent = Pt(right_chars * size) if right_chars else None
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(0)
    if line is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line)
    else:  # single spacing of its own size, not 28.95 pt rows of the page's line grid
        _off_grid(paragraph._p.get_or_add_pPr())
    if text:
        _run(paragraph, text, role, size, color)
    return paragraph


SCHEMA_ORDER = {  # ECMA-376 sequences of the property elements written here
    "pPr": (
        "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
        "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
        "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
        "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
        "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
        "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
    ),
    "tblPr": (
        "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
        "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd",
        "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange",
    ),
}  # fmt: skip


def _insert_ordered(parent: Any, child: Any) -> Any:
    """Put ``child`` where the schema wants it among ``parent``'s children (Word refuses a file
    whose property elements are out of order), replacing one of the same tag."""
    tags = [qname(t) for t in SCHEMA_ORDER[parent.tag.rsplit("}", 1)[1]]]
    for existing in parent.findall(child.tag):
        parent.remove(existing)
    later = set(tags[tags.index(child.tag) + 1 :])
    for existing in parent:
        if existing.tag in later:
            existing.addprevious(child)
            return child
    parent.append(child)
    return child


def qname(tag: str) -> str:
    from docx.oxml.ns import qn

    return str(qn(tag))


def _off_grid(ppr: Any) -> None:
    """The paragraph keeps its own line height instead of snapping to the document grid."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    _insert_ordered(ppr, snap)


def _border(paragraph: Any, edge: str, size_eighths: int, color: str, space: int = 0) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = _insert_ordered(ppr, OxmlElement("w:pBdr"))
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), str(space))
    line.set(qn("w:color"), color)
    borders.append(line)


def _page_number(footer: Any, align: str) -> None:
    """ "— N —" with a PAGE field, one character in from the right (odd) or left (even) edge."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph = footer.paragraphs[0]
    fmt = paragraph.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT if align == "right" else WD_ALIGN_PARAGRAPH.LEFT
    if align == "right":
        fmt.right_indent = Pt(FOOT_PT)
    else:
        fmt.left_indent = Pt(FOOT_PT)
    _run(paragraph, "— ", "song", FOOT_PT)
    for kind, text in (("begin", ""), ("instr", " PAGE "), ("separate", ""), ("text", "1"), ("end", "")):
        run = _run(paragraph, "", "song", FOOT_PT)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        elif kind == "text":
            run.text = text
        else:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
    _run(paragraph, " —", "song", FOOT_PT)


def _docx_setup(document: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(21)  # the number's dash 7 mm below the 版心
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    # 22 lines of 28 characters: the line pitch in twips, the character pitch as Word's
    # charSpace (1/4096 pt added to the 16 pt default character: 156 mm / 28 = 15.79 pt → -848)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(round(LINE * 20)))
    grid.set(qn("w:charSpace"), str(round((TEXT_W / 28 - BODY_PT) * 4096)))
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr")) if defaults is not None else None
    if rpr is not None:
        _docx_fonts(rpr, DOCX_FONTS["fangsong"])
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), "zh-CN")
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _docx_fonts(normal.element.get_or_add_rPr(), DOCX_FONTS["fangsong"])
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, "right")
    _page_number(section.even_page_footer, "left")


def _shade(tc: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc.get_or_add_tcPr().append(shd)


def _docx_table(document: Any, table: DocTable) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Emu, Pt

    if table.title:
        caption = _para(document, official(table.title), "hei", FOOT_PT, "center", line=None)
        caption.paragraph_format.space_before = Pt(6)
        caption.paragraph_format.space_after = Pt(4)
        caption.paragraph_format.keep_with_next = True
    cols = len(table.header)
    grid = document.add_table(rows=len(table.rows) + 1, cols=cols)
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    weights = column_weights(table)
    total_emu = int(TEXT_W / 72 * 914400)
    widths = [Emu(int(total_emu * w / sum(weights))) for w in weights]
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    rows = list(grid.rows)
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    rows[0]._tr.get_or_add_trPr().append(repeat)

    def fill(tc: Any, text: str, role: str, align: Any, bold: bool, width: Any) -> None:
        tc.width = width
        p = tc.p_lst[0]
        ppr = p.get_or_add_pPr()
        ppr.jc_val = align
        _off_grid(ppr)
        spacing = ppr.get_or_add_spacing()
        spacing.set(qn("w:before"), "0")
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")
        spacing.set(qn("w:lineRule"), "auto")
        if not text:
            return
        r = p.add_r()
        r.text = text
        rpr = r.get_or_add_rPr()
        _docx_fonts(rpr, DOCX_FONTS[role])
        rpr.sz_val = Pt(TABLE_PT)
        if bold:
            rpr.b_val = True

    for i, (tcell, width) in enumerate(zip(rows[0].cells, widths, strict=True)):
        fill(tcell._tc, cell(table.header, i), "hei", WD_ALIGN_PARAGRAPH.CENTER, False, width)
        _shade(tcell._tc, SHADE)
    for n, (source, row) in enumerate(zip(table.rows, rows[1:], strict=True)):
        marked = n in table.highlight
        for i, (tcell, width) in enumerate(zip(row.cells, widths, strict=True)):
            text = cell(source, i)
            numeric = bool(re.fullmatch(r"[-+−]?[\d,.]+%?|—|-", text))
            align = WD_ALIGN_PARAGRAPH.RIGHT if numeric else WD_ALIGN_PARAGRAPH.LEFT
            fill(tcell._tc, text, "fangsong", align, marked, width)
            if marked:
                _shade(tcell._tc, HIGHLIGHT)
    for note in table.notes:
        _para(
            document,
            official(f"注：{note}" if not note.startswith("注") else note),
            "fangsong",
            12,
            "left",
            line=None,
        )


def _docx_record(document: Any, data: dict[str, Any]) -> None:
    """版记: a table floating at the foot of the last page's 版心 (GB/T 9704 8)."""
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    lines = [data["cc"]] if data["cc"] else []
    lines.append("")  # the 印发 line, written with a tab stop below
    record = document.add_table(rows=len(lines), cols=1)
    tbl = record._tbl
    tblpr = tbl.tblPr
    position = OxmlElement("w:tblpPr")
    for key, value in (
        ("w:vertAnchor", "margin"),
        ("w:horzAnchor", "margin"),
        ("w:tblpYSpec", "bottom"),
        ("w:tblpXSpec", "center"),
    ):
        position.set(qn(key), value)
    _insert_ordered(tblpr, position)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(round(TEXT_W * 20)))
    width.set(qn("w:type"), "dxa")
    _insert_ordered(tblpr, width)
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        m = OxmlElement(f"w:{edge}")
        m.set(qn("w:w"), "0")
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    _insert_ordered(tblpr, margins)
    borders = OxmlElement("w:tblBorders")
    # in the schema's order; sizes in eighths of a point: 1 pt ≈ 0.35 mm, 0.75 pt ≈ 0.25 mm
    for edge, size in (("top", 8), ("left", 0), ("bottom", 8), ("right", 0), ("insideH", 6), ("insideV", 0)):
        b = OxmlElement(f"w:{edge}")
        if size:
            b.set(qn("w:val"), "single")
            b.set(qn("w:sz"), str(size))
            b.set(qn("w:space"), "0")
            b.set(qn("w:color"), "000000")
        else:
            b.set(qn("w:val"), "nil")
        borders.append(b)
    _insert_ordered(tblpr, borders)
    for row, text in zip(record.rows, lines, strict=True):
        tc = row.cells[0]
        tc.width = Pt(TEXT_W)
        paragraph = tc.paragraphs[0]
        fmt = paragraph.paragraph_format
        fmt.left_indent = fmt.right_indent = Pt(FOOT_PT)
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing = Pt(LINE)
        if text:
            if text.startswith("抄送："):
                fmt.first_line_indent = Pt(0)
            _run(paragraph, text, "fangsong", FOOT_PT)
        else:
            fmt.tab_stops.add_tab_stop(Pt(TEXT_W - 2 * FOOT_PT), WD_TAB_ALIGNMENT.RIGHT)
            _run(paragraph, f"{data['printer']}\t{data['printed']}", "fangsong", FOOT_PT)


def render_docx(doc: OfficialDocument) -> bytes:
    """The document as a Word file (bytes of a .docx)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    data = prepared(doc)
    document = Document()
    _docx_setup(document)

    # 版头
    if data["mark"]:
        size = mark_size(data["mark"])
        _para(
            document, data["mark"], "xbs", size, "center", before=35 * MM - 0.2 * size, color=RED, line=None
        )
        last = document.paragraphs[-1]
        if data["number"]:
            last = _para(document, data["number"], "fangsong", BODY_PT, "center", before=2 * LINE)
        _border(last, "bottom", 12, RED, space=11)  # 4 mm below, 1.5 pt
        title_before = 2 * LINE
    else:
        title_before = 0
    # 主体
    _para(
        document, data["title"], "xbs", TITLE_PT, "center", before=title_before, line=None
    ).paragraph_format.line_spacing = Pt(LINE * 1.15)
    if data["addressee"]:
        _para(document, data["addressee"], "fangsong", BODY_PT, "left", before=LINE)
    for block in data["blocks"]:
        if block.kind == "paragraph":
            _para(document, official(block.text), indent_chars=2)
        elif block.kind == "heading1":
            _para(document, block.text, "hei", indent_chars=2).paragraph_format.keep_with_next = True
        elif block.kind == "heading2":
            _para(document, block.text, "kai", indent_chars=2).paragraph_format.keep_with_next = True
        elif block.kind in ("heading3", "heading4"):
            _para(document, block.text, indent_chars=2).paragraph_format.keep_with_next = True
        elif block.kind == "table" and block.table is not None:
            _docx_table(document, block.table)
        elif block.kind == "image" and block.image:
            document.add_picture(io.BytesIO(block.image), width=Cm(15.0))
            picture = document.paragraphs[-1]
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            picture.paragraph_format.keep_with_next = True
            if block.text:
                _para(document, official(block.text), "fangsong", FOOT_PT, "center", line=None)
    if data["attachments"]:
        many = len(data["attachments"]) > 1
        for n, name in enumerate(data["attachments"], 1):
            label = ("附件：" if n == 1 else "") + (f"{n}.{name}" if many else name)
            p = _para(document, label, indent_chars=2, before=LINE if n == 1 else 0)
            if n > 1:
                p.paragraph_format.first_line_indent = Pt(5 * BODY_PT)
    sig_indent, date_indent = signature_indents(data["signature"], data["signed"])
    if data["signature"]:
        _para(document, data["signature"], align="right", right_chars=sig_indent, before=LINE)
    _para(
        document,
        data["signed"],
        align="right",
        right_chars=date_indent,
        before=0 if data["signature"] else LINE,
    )
    # 版记
    _docx_record(document, data)

    props = document.core_properties
    props.title = data["title"]
    props.subject = data["subject"]
    props.author = data["author"]
    props.last_modified_by = data["author"]
    props.keywords = "，".join(data["keywords"])
    props.language = "zh-CN"
    props.category = "公文"
    props.comments = data["number"]
    now = timezone.now().replace(microsecond=0, tzinfo=None)  # core properties are UTC
    props.created = props.modified = now
    props.revision = 1
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ----------------------------------------------------------------------------------------- PDF


def _pdf_styles(fonts: dict[str, str]) -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle(
        "body",
        fontName=fonts["fangsong"],
        fontSize=BODY_PT,
        leading=LINE,
        firstLineIndent=2 * BODY_PT,
        alignment=TA_JUSTIFY,
        wordWrap="CJK",
    )
    # table cells: 仿宋 in the tables' smaller size, left; figures right, headers 黑体 centred
    cell = ParagraphStyle(
        "cell", parent=body, fontSize=TABLE_PT, leading=TABLE_PT * 1.25, firstLineIndent=0, alignment=TA_LEFT
    )
    return {
        "body": body,
        "mark": ParagraphStyle(
            "mark",
            parent=body,
            fontName=fonts["xbs"],
            alignment=TA_CENTER,
            firstLineIndent=0,
            textColor=colors.HexColor("#" + RED),
        ),
        "number": ParagraphStyle("number", parent=body, alignment=TA_CENTER, firstLineIndent=0),
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontName=fonts["xbs"],
            fontSize=TITLE_PT,
            leading=LINE * 1.15,
            alignment=TA_CENTER,
            firstLineIndent=0,
        ),
        "addressee": ParagraphStyle("addressee", parent=body, alignment=TA_LEFT, firstLineIndent=0),
        "heading1": ParagraphStyle("heading1", parent=body, fontName=fonts["hei"], keepWithNext=1),
        "heading2": ParagraphStyle("heading2", parent=body, fontName=fonts["kai"], keepWithNext=1),
        "heading3": ParagraphStyle("heading3", parent=body, keepWithNext=1),
        "heading4": ParagraphStyle("heading4", parent=body, keepWithNext=1),
        "right": ParagraphStyle("right", parent=body, alignment=TA_RIGHT, firstLineIndent=0),
        "caption": ParagraphStyle(
            "caption",
            parent=body,
            fontName=fonts["hei"],
            fontSize=FOOT_PT,
            leading=FOOT_PT * 1.5,
            alignment=TA_CENTER,
            firstLineIndent=0,
            keepWithNext=1,
            spaceBefore=6,
            spaceAfter=4,
        ),
        "picture_caption": ParagraphStyle(
            "picture_caption",
            parent=body,
            fontSize=FOOT_PT,
            leading=FOOT_PT * 1.5,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceAfter=6,
        ),
        "cell": cell,
        "cell_right": ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=cell, fontName=fonts["hei"], alignment=TA_CENTER),
        "note": ParagraphStyle("note", parent=body, fontSize=12, leading=18, firstLineIndent=0),
        "record_right": ParagraphStyle(
            "record_right",
            parent=body,
            fontSize=FOOT_PT,
            leading=LINE,
            firstLineIndent=0,
            alignment=TA_RIGHT,
            rightIndent=FOOT_PT,
        ),
        "record": ParagraphStyle(
            "record",
            parent=body,
            fontSize=FOOT_PT,
            leading=LINE,
            firstLineIndent=0,
            alignment=TA_LEFT,
            leftIndent=FOOT_PT,
            rightIndent=FOOT_PT,
        ),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _pdf_table(table: DocTable, styles: dict[str, Any], fonts: dict[str, str]) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as PdfTable

    out: list[Any] = []
    if table.title:
        out.append(Paragraph(_esc(official(table.title)), styles["caption"]))
    body: list[list[Any]] = [
        [Paragraph(_esc(cell(table.header, i)), styles["head"]) for i in range(len(table.header))]
    ]
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), fonts["fangsong"], TABLE_PT),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#" + SHADE)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for n, row in enumerate(table.rows):
        cells: list[Any] = []
        for i in range(len(table.header)):
            text = cell(row, i)
            numeric = bool(re.fullmatch(r"[-+−]?[\d,.]+%?|—|-", text))
            style = styles["cell_right" if numeric else "cell"]
            if n in table.highlight:
                text = f"<b>{_esc(text)}</b>"
                cells.append(Paragraph(text, style))
            else:
                cells.append(Paragraph(_esc(text), style))
        body.append(cells)
        if n in table.highlight:
            commands.append(("BACKGROUND", (0, n + 1), (-1, n + 1), colors.HexColor("#" + HIGHLIGHT)))
    weights = column_weights(table)
    widths = [TEXT_W * w / sum(weights) for w in weights]
    grid = PdfTable(body, colWidths=widths, repeatRows=1)
    grid.setStyle(TableStyle(commands))
    out.append(grid)
    out += [
        Paragraph(_esc(official(f"注：{note}" if not note.startswith("注") else note)), styles["note"])
        for note in table.notes
    ]
    return out


def _at_foot(inner: Any) -> Any:
    """A flowable drawn at the bottom of the frame it lands in (the 版记 on the last page): it takes
    the rest of the page; when the rest is too short, it goes to the next page's foot."""
    from reportlab.platypus import Flowable

    class AtFoot(Flowable):  # type: ignore[misc]
        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            _w, self.inner_height = inner.wrap(avail_width, avail_height)
            self.width = avail_width
            self.height = (
                max(self.inner_height, avail_height - 1)
                if self.inner_height <= avail_height
                else self.inner_height
            )
            return self.width, self.height

        def draw(self) -> None:
            inner.drawOn(self.canv, 0, 0)

    return AtFoot()


def _pdf_record(data: dict[str, Any], styles: dict[str, Any]) -> Any:
    from reportlab.lib import colors
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as PdfTable

    rows: list[list[Any]] = []
    if data["cc"]:
        rows.append([Paragraph(_esc(data["cc"]), styles["record"])])
    date_width = stringWidth(data["printed"], styles["record_right"].fontName, FOOT_PT) + 1.5 * FOOT_PT
    printed = PdfTable(
        [
            [
                Paragraph(_esc(data["printer"]), styles["record"]),
                Paragraph(_esc(data["printed"]), styles["record_right"]),
            ]
        ],
        colWidths=[TEXT_W - date_width, date_width],
    )
    font = styles["record"].fontName  # a table's own font (Helvetica by default): never left unembedded
    printed.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, FOOT_PT),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    rows.append([printed])
    thick, thin = 0.35 * MM, 0.25 * MM
    record = PdfTable(rows, colWidths=[TEXT_W])
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, FOOT_PT),
        ("LINEABOVE", (0, 0), (-1, 0), thick, colors.black),
        ("LINEBELOW", (0, -1), (-1, -1), thick, colors.black),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if len(rows) > 1:
        commands.append(("LINEBELOW", (0, 0), (-1, 0), thin, colors.black))
    record.setStyle(TableStyle(commands))
    return _at_foot(record)


NO_LINE_START = "，、。；：？！）》〕】”’…—％"


def _kinsoku() -> None:
    """Full-width marks never start a line (GB/T 15834 4.1–4.5: 标号 not at a line's start):
    ReportLab's CJK wrapping knows the Japanese set; add the Chinese marks it lacks."""
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    for module in (textsplit, paragraph):  # one-run paragraphs wrap in textsplit, the others in paragraph
        missing = "".join(c for c in NO_LINE_START if c not in module.ALL_CANNOT_START)
        if missing:
            module.ALL_CANNOT_START += missing


def render_pdf(doc: OfficialDocument) -> bytes:
    """The document as PDF (bytes), the fonts of :mod:`.fonts` embedded as subsets."""
    from reportlab.lib import colors
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        HRFlowable,
        Image,
        KeepTogether,
        PageTemplate,
        Paragraph,
        Spacer,
    )

    from tiaodu.core.officialdoc.fonts import pdf_fonts

    fonts = pdf_fonts()
    _kinsoku()
    styles = _pdf_styles(fonts)
    data = prepared(doc)
    story: list[Any] = []
    if data["mark"]:
        size = mark_size(data["mark"])
        styles["mark"].fontSize = size
        styles["mark"].leading = size * 1.2
        story += [Spacer(1, 35 * MM - 0.2 * size), Paragraph(_esc(data["mark"]), styles["mark"])]
        if data["number"]:
            story += [Spacer(1, 2 * LINE), Paragraph(_esc(data["number"]), styles["number"])]
        story.append(
            HRFlowable(
                width="100%",
                thickness=1.5,
                color=colors.HexColor("#" + RED),
                spaceBefore=4 * MM,
                spaceAfter=0,
            )
        )
        story.append(Spacer(1, 2 * LINE))  # the title two lines below the rule
    story.append(Paragraph(_esc(data["title"]), styles["title"]))
    if data["addressee"]:
        story += [Spacer(1, LINE), Paragraph(_esc(data["addressee"]), styles["addressee"])]
    for block in data["blocks"]:
        if block.kind == "paragraph":
            story.append(Paragraph(_esc(official(block.text)), styles["body"]))
        elif block.kind.startswith("heading"):
            heading = Paragraph(_esc(block.text), styles[block.kind])
            heading._heading = True
            story.append(heading)
        elif block.kind == "table" and block.table is not None:
            story += _pdf_table(block.table, styles, fonts)
        elif block.kind == "image" and block.image:
            picture = Image(io.BytesIO(block.image))
            scale = min(TEXT_W * 0.96 / picture.imageWidth, TEXT_H * 0.8 / picture.imageHeight)
            picture.drawWidth, picture.drawHeight = picture.imageWidth * scale, picture.imageHeight * scale
            parts: list[Any] = [picture]
            if story and getattr(story[-1], "_heading", False):  # a heading stays with its picture
                parts.insert(0, story.pop())
            if block.text:
                parts.append(Paragraph(_esc(official(block.text)), styles["picture_caption"]))
            story.append(KeepTogether(parts))
    if data["attachments"]:
        story.append(Spacer(1, LINE))
        many = len(data["attachments"]) > 1
        for n, name in enumerate(data["attachments"], 1):
            label = ("附件：" if n == 1 else "") + (f"{n}.{name}" if many else name)
            style = (
                styles["body"]
                if n == 1
                else styles["note"].clone(
                    "attachment", fontSize=BODY_PT, leading=LINE, leftIndent=5 * BODY_PT
                )
            )
            story.append(Paragraph(_esc(label), style))
    sig_indent, date_indent = signature_indents(
        data["signature"], data["signed"], lambda t: stringWidth(t, fonts["fangsong"], BODY_PT) / BODY_PT
    )
    closing: list[Any] = [Spacer(1, LINE)]
    if data["signature"]:
        closing.append(
            Paragraph(_esc(data["signature"]), styles["right"].clone("sig", rightIndent=sig_indent * BODY_PT))
        )
    closing.append(
        Paragraph(_esc(data["signed"]), styles["right"].clone("date", rightIndent=date_indent * BODY_PT))
    )
    if story and isinstance(story[-1], Paragraph):  # the signature never stands alone on a page
        closing.insert(0, story.pop())
    story.append(KeepTogether(closing))
    story.append(_pdf_record(data, styles))

    def page_number(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts["song"], FOOT_PT)
        label = f"— {document.page} —"
        y = BOTTOM - 7 * MM - FOOT_PT * 0.8
        if document.page % 2:
            canvas.drawRightString(LEFT + TEXT_W - FOOT_PT, y, label)
        else:
            canvas.drawString(LEFT + FOOT_PT, y, label)
        canvas.restoreState()

    out = io.BytesIO()
    template = BaseDocTemplate(
        out,
        pagesize=(PAGE_W, PAGE_H),
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=data["title"],
        author=data["author"],
        subject=data["subject"],
        keywords=data["keywords"],
        creator=CREATOR,
        producer=PRODUCER,
        lang="zh-CN",
        invariant=0,  # a real CreationDate (invariant mode writes 2000-01-01)
        initialFontName=fonts["fangsong"],
        initialFontSize=BODY_PT,
    )
    frame = Frame(
        LEFT, BOTTOM, TEXT_W, TEXT_H, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="text"
    )
    template.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=page_number)])
    template.build(story)
    return out.getvalue()
