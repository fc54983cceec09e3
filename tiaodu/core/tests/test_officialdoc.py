"""Official documents (ADR 0039): GB/T 15834 punctuation, the GB/T 9704 Word and PDF layout, the
download response, the issuing profiles and the export parameters."""

from __future__ import annotations

import base64
import io
import re
import zipfile
import zlib
from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from tiaodu.core.errors import ServiceError
from tiaodu.core.officialdoc import DocTable, Letterhead, OfficialDocument
from tiaodu.core.officialdoc.punctuation import half_width_marks, official

# --- punctuation (GB/T 15834) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # the examples
        ("增长5.2%,排名第3位", "增长5.2%，排名第3位"),
        ("完成进度(序时进度50.0%)", "完成进度（序时进度50.0%）"),
        ("一是稳增长;二是调结构", "一是稳增长；二是调结构"),
        ("其中:工业技改投资7.4亿元", "其中：工业技改投资7.4亿元"),
        # spaces around a mark that becomes full-width go
        ("增长5.2% , 排名第3位", "增长5.2%，排名第3位"),
        ("是否完成 ? 是的 !", "是否完成？是的！"),
        # numbers keep their separators, decimals and percent signs
        ("完成1,234.5万元,增长3.5%", "完成1,234.5万元，增长3.5%"),
        ("会议于10:30召开", "会议于10:30召开"),
        ("时间:10:30", "时间：10:30"),
        ("占比40.9%", "占比40.9%"),
        # a full stop at a sentence's end after Chinese; not in decimals or versions
        ("实现增长.", "实现增长。"),
        ("排名第3位(序时进度50.0%).", "排名第3位（序时进度50.0%）。"),
        ("增长5.2%. 排名第3位", "增长5.2%。排名第3位"),
        ("版本v1.2发布", "版本v1.2发布"),
        # brackets: around or next to Chinese; not in formulas
        ("(一)工作进展", "（一）工作进展"),
        ("(1)规上工业", "（1）规上工业"),
        ("f(x) = 1", "f(x) = 1"),
        ("按(a+b)计算", "按（a+b）计算"),
        # quotes
        ('"稳增长"是重点', "“稳增长”是重点"),
        ("所谓'专精特新'企业", "所谓‘专精特新’企业"),
        ("It's 5 o'clock", "It's 5 o'clock"),
        # ranges: 一字线 between date parts, 浪纹线 between numbers
        ("1月-2月全区", "1月—2月全区"),
        ("1-2月全区", "1—2月全区"),
        ("2021-2022年", "2021—2022年"),
        ("2021年-2022年", "2021年—2022年"),
        ("5~10公斤", "5～10公斤"),
        ("增长5%~10%", "增长5%～10%"),
        ("2022-03-31", "2022-03-31"),
        # URLs and addresses stay as they are
        ("详见https://example.cn/a?x=1,y=2,谢谢", "详见https://example.cn/a?x=1,y=2，谢谢"),
        ("邮箱:ops@example.cn", "邮箱：ops@example.cn"),
        # English text is left alone
        ("Hello, world: (ok)", "Hello, world: (ok)"),
        ("", ""),
    ],
)
def test_official_punctuation(raw: str, expected: str) -> None:
    assert official(raw) == expected


def test_official_is_idempotent() -> None:
    text = "1月—2月，全区规上工业产值增长5.2%，排名第3位（序时进度50.0%）；“稳增长”。"
    assert official(text) == text
    assert official(official("增长5.2%,排名(第3位);")) == official("增长5.2%,排名(第3位);")


def test_half_width_marks_finds_what_official_removes() -> None:
    raw = "增长5.2%,排名第3位(序时进度50.0%);其中:技改"
    assert len(half_width_marks(raw)) == 4  # , ( ; : — the ")" after "%" stands next to no Chinese
    assert half_width_marks(official(raw)) == []
    assert half_width_marks("1,234.5 and 10:30") == []


# --- a document --------------------------------------------------------------------------------


def sample(**overrides: Any) -> OfficialDocument:
    doc = OfficialDocument(
        letterhead=Letterhead(
            "重庆市潼南区经济和信息化委员会", "重庆市潼南区经济和信息化委员会文件", "潼经信〔2022〕12号"
        ),
        title="关于2022年1-2月全区工业经济运行情况的通报",
        blocks=[],
        signed_on=date(2022, 3, 31),
        addressee="各镇街,区级有关部门",
        cc=["区委办公室", "区政府办公室"],
        attachments=["各镇街指标表"],
        keywords=["经济运行", "通报"],
        **overrides,
    )
    doc.heading("总体情况")
    doc.paragraph("1-2月,全区规上工业产值增长5.2%,排名第3位(序时进度50.0%).")
    doc.heading("工业投资", 2)
    doc.paragraph("工业投资完成1,234.5万元;同比增长22.5%.")
    doc.heading("3. 已编号的三级标题", 3)
    doc.heading("技改投资", 4)
    doc.add_table(
        DocTable(
            "表1 各区县工业投资",
            ["地区", "本期(亿元)", "增长(%)"],
            [["潼南区", "18.09", "22.5"], ["合川区", "28.35", "21.0"]],
            notes=["数据来源:区统计局"],
            highlight=frozenset({0}),
        )
    )
    return doc


def docx_parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".xml")}


def paragraph_fonts(document: Any) -> dict[str, set[str]]:
    """The w:eastAsia fonts of each paragraph's runs, by the paragraph's text."""
    from docx.oxml.ns import qn

    fonts: dict[str, set[str]] = {}
    for p in document.paragraphs:
        names = set()
        for r in p.runs:
            rfonts = r._r.rPr.find(qn("w:rFonts")) if r._r.rPr is not None else None
            if rfonts is not None:
                names.add(rfonts.get(qn("w:eastAsia")))
        fonts[p.text] = names
    return fonts


def test_docx_layout() -> None:
    from docx import Document
    from docx.shared import Mm, Pt

    from tiaodu.core.officialdoc.render import render_docx

    data = render_docx(sample())
    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs if p.text]
    # 版头, 主体 and the closing in the order of GB/T 9704
    assert texts[:4] == [
        "重庆市潼南区经济和信息化委员会文件",
        "潼经信〔2022〕12号",
        "关于2022年1—2月全区工业经济运行情况的通报",
        "各镇街，区级有关部门：",
    ]
    assert texts[4:9] == [
        "一、总体情况",
        "1—2月，全区规上工业产值增长5.2%，排名第3位（序时进度50.0%）。",
        "（一）工业投资",
        "工业投资完成1,234.5万元；同比增长22.5%。",
        "3. 已编号的三级标题",
    ]
    assert texts[9] == "（1）技改投资"
    assert texts[-3:] == ["附件：各镇街指标表", "重庆市潼南区经济和信息化委员会", "2022年3月31日"]
    # 版记: the last table, 抄送 above 印发
    record = document.tables[-1]
    assert [c.text for row in record.rows for c in row.cells] == [
        "抄送：区委办公室，区政府办公室。",
        "重庆市潼南区经济和信息化委员会办公室\t2022年3月31日印发",
    ]
    # the fonts of a government PC, by role
    fonts = paragraph_fonts(document)
    assert fonts["重庆市潼南区经济和信息化委员会文件"] == {"方正小标宋简体"}
    assert fonts["关于2022年1—2月全区工业经济运行情况的通报"] == {"方正小标宋简体"}
    assert fonts["一、总体情况"] == {"黑体"}
    assert fonts["（一）工业投资"] == {"楷体_GB2312"}
    assert fonts["工业投资完成1,234.5万元；同比增长22.5%。"] == {"仿宋_GB2312"}
    title = next(p for p in document.paragraphs if p.text.startswith("关于"))
    assert title.runs[0].font.size == Pt(22)
    body = document.paragraphs[
        [p.text for p in document.paragraphs].index("工业投资完成1,234.5万元；同比增长22.5%。")
    ]
    assert body.runs[0].font.size == Pt(16) and body.paragraph_format.first_line_indent == Pt(32)
    mark = document.paragraphs[0]
    assert str(mark.runs[0].font.color.rgb) == "FF0000"
    # the page: A4, 37 mm top, 28 mm left, a 156 mm text width
    section = document.sections[0]
    measured = (section.page_width, section.page_height, section.top_margin, section.left_margin)
    expected = (Mm(210), Mm(297), Mm(37), Mm(28))
    assert all(abs((m or 0) - e) < Mm(0.1) for m, e in zip(measured, expected, strict=True))  # twips
    width = section.page_width, section.left_margin, section.right_margin
    assert None not in width and abs(width[0] - width[1] - width[2] - Mm(156)) < Mm(0.1)  # type: ignore[operator]
    # page numbers "— PAGE —": odd on the right, even on the left
    parts = docx_parts(data)
    footers = [x for n, x in parts.items() if n.startswith("word/footer")]
    assert len(footers) == 2 and all("PAGE" in f and "— " in f and " —" in f for f in footers)
    assert "w:evenAndOddHeaders" in parts["word/settings.xml"]
    # the table: header repeated, the district's row shaded, punctuation in the cells
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["地区", "本期（亿元）", "增长（%）"]
    assert "w:tblHeader" in table.rows[0]._tr.xml and 'w:fill="FCE4D6"' in table.rows[1]._tr.xml
    # metadata
    props = document.core_properties
    assert props.title == texts[2] and props.author == "重庆市潼南区经济和信息化委员会"
    assert props.language == "zh-CN" and props.keywords == "经济运行，通报"
    assert props.created is not None and props.created.year == timezone.now().year
    # no half-width marks next to Chinese anywhere in the running text
    assert half_width_marks("\n".join(texts)) == []


def test_docx_without_number_or_signature() -> None:
    from docx import Document

    from tiaodu.core.officialdoc.render import render_docx

    doc = sample()
    doc.letterhead = Letterhead("重庆市潼南区应急管理局", "重庆市潼南区应急管理局文件")
    document = Document(io.BytesIO(render_docx(doc)))
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[0] == "重庆市潼南区应急管理局文件" and texts[1].startswith("关于")
    assert texts[-2:] == ["重庆市潼南区应急管理局", "2022年3月31日"]  # the issuer signs by default


def test_signature_indents_follow_gbt9704() -> None:
    from tiaodu.core.officialdoc.render import signature_indents, text_width

    # the date's first character two characters right of the signature's, signature 2 in
    sig, day = signature_indents("重庆市潼南区经济和信息化委员会", "2022年3月31日")
    assert sig == 2 and day + text_width("2022年3月31日") + 2 == sig + 15
    # a date longer than the signature: the date 2 in, the signature moves left
    sig, day = signature_indents("区经信委", "2022年12月31日")
    assert day == 2 and sig > 2


def pdf_objects(data: bytes) -> dict[int, tuple[bytes, bytes]]:
    """The objects of a ReportLab PDF, each with its decoded stream."""
    objects: dict[int, tuple[bytes, bytes]] = {}
    for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S):
        body = m.group(2)
        stream = b""
        s = re.search(rb">>\s*stream\r?\n", body)
        length = re.search(rb"/Length (\d+)", body)
        if s and length:
            stream, head = body[s.end() : s.end() + int(length.group(1))], body[: s.start()]
            if b"/ASCII85Decode" in head:
                stream = base64.a85decode(re.sub(rb"\s", b"", stream).removesuffix(b"~>"))
            if b"/FlateDecode" in head:
                stream = zlib.decompress(stream)
        objects[int(m.group(1))] = (body, stream)
    return objects


def pdf_text(data: bytes) -> str:
    """The text of a ReportLab PDF, in drawing order, through each font's ToUnicode map (no PDF
    library is a dependency)."""
    objects = pdf_objects(data)

    def cmap(stream: bytes) -> dict[int, str]:
        out: dict[int, str] = {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                out[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
            for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                start = int(dst, 16)
                for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    out[code] = chr(start + i)
        return out

    fonts: dict[bytes, dict[int, str]] = {}
    for body, _stream in objects.values():
        for name, ref in re.findall(rb"/(F[\w+]+) (\d+) 0 R", body):
            font = objects.get(int(ref))
            if font and b"/ToUnicode" in font[0]:
                to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font[0])
                assert to_unicode
                fonts[name] = cmap(objects[int(to_unicode.group(1))][1])
    text: list[str] = []
    for body, stream in objects.values():
        if not stream or b"Tf" not in stream or b"/Subtype /Image" in body:
            continue
        current: dict[int, str] = {}
        for tok in re.finditer(
            rb"/(F[\w+]+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj|(T\*|Td|TD|Tm|BT)", stream, re.S
        ):
            if tok.group(1):
                current = fonts.get(tok.group(1), {})
                continue
            if tok.group(3):
                text.append("\n")
                continue
            raw = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda e: (
                    bytes([int(e.group(1), 8)])
                    if e.group(1)[:1].isdigit()
                    else {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(e.group(1), e.group(1))
                ),
                tok.group(2),
            )
            text.append("".join(current.get(b, chr(b)) for b in raw))
    return "".join(text)


def pdf_info(data: bytes) -> dict[str, str]:
    """The document information dictionary (strings decoded: PDFDocEncoding or UTF-16BE)."""
    trailer = re.search(rb"/Info (\d+) 0 R", data)
    assert trailer, "no /Info in the trailer"
    body = pdf_objects(data)[int(trailer.group(1))][0]
    info: dict[str, str] = {}
    for key, value in re.findall(rb"/(\w+) \(((?:\\.|[^\\)])*)\)", body, re.S):
        raw = re.sub(
            rb"\\([0-7]{1,3}|.)",
            lambda e: bytes([int(e.group(1), 8)]) if e.group(1)[:1].isdigit() else e.group(1),
            value,
        )
        info[key.decode()] = (
            raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1")
        )
    for key, value in re.findall(rb"/(\w+) <([0-9A-Fa-f]+)>", body):
        raw = bytes.fromhex(value.decode())
        info[key.decode()] = (
            raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1")
        )
    return info


def check_pdf(data: bytes) -> str:
    """What every official PDF must show: its structure, embedded fonts, metadata; its text."""
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in data
    base_fonts = set(re.findall(rb"/BaseFont /([\w+-]+)", data))
    assert base_fonts and all(b"+" in name for name in base_fonts), base_fonts  # embedded subsets only
    info = pdf_info(data)
    year = timezone.localdate().year
    assert info["CreationDate"].startswith(f"D:{year}"), info  # not ReportLab's invariant 2000-01-01
    assert info["Producer"] and info["Creator"] == "区县经济运行调度平台"
    assert b"/Lang (zh-CN)" in data
    return pdf_text(data)


def test_pdf_layout() -> None:
    from tiaodu.core.officialdoc.fonts import pdf_font_files
    from tiaodu.core.officialdoc.render import render_pdf

    data = render_pdf(sample())
    text = check_pdf(data)
    flat = re.sub(r"\s+", "", text)
    order = [
        "重庆市潼南区经济和信息化委员会文件",
        "潼经信〔2022〕12号",
        "关于2022年1—2月全区工业经济运行情况的通报",
        "各镇街，区级有关部门：",
        "一、总体情况",
        "（一）工业投资",
        "附件：各镇街指标表",
        "2022年3月31日",
        "抄送：区委办公室，区政府办公室。",
        "2022年3月31日印发",
    ]
    positions = [flat.find(part) for part in order]
    assert all(p >= 0 for p in positions), dict(zip(order, positions, strict=True))
    assert positions == sorted(positions)
    assert "—1—" in flat  # the page number, "— 1 —" in 4号宋体
    assert half_width_marks(text) == []
    info = pdf_info(data)
    assert info["Title"] == "关于2022年1—2月全区工业经济运行情况的通报"
    assert info["Author"] == "重庆市潼南区经济和信息化委员会"
    assert "经济运行" in info["Keywords"]
    files = pdf_font_files()
    if files["xbs"][0].name == "NotoSerifSC-Bold.ttf":  # the vendored lookalikes are embedded
        names = set(re.findall(rb"/BaseFont /[A-Z]{6}\+([\w-]+)", data))
        assert {b"NotoSerifSC-Bold", b"NotoSerifSC-Regular", b"NotoSansSC-Bold"} <= names


def test_pdf_lines_never_start_with_a_mark() -> None:
    """GB/T 15834: a full-width mark does not open a line (ReportLab hangs it at the line's end)."""
    from reportlab.platypus import Paragraph

    from tiaodu.core.officialdoc.fonts import pdf_fonts
    from tiaodu.core.officialdoc.render import NO_LINE_START, TEXT_W, _kinsoku, _pdf_styles

    fonts = pdf_fonts()
    _kinsoku()
    text = official("规模以上工业增加值增速10%,高于全市2.1个百分点,高于全国2.5个百分点;排名全市第12位。" * 6)
    for shift in range(12):  # every position of the marks against the line ends
        paragraph = Paragraph("一" * shift + text, _pdf_styles(fonts)["body"])
        paragraph.wrap(TEXT_W, 10_000)
        lines = ["".join(line[1]) for line in paragraph.blPara.lines]
        assert len(lines) > 3 and not [line for line in lines[1:] if line[:1] in NO_LINE_START], lines


def test_pdf_page_numbers_alternate() -> None:
    from tiaodu.core.officialdoc.render import render_pdf

    doc = sample()
    for _ in range(40):
        doc.paragraph("全区规上工业产值增长5.2%,排名第3位,高于全市2.1个百分点." * 3)
    text = re.sub(r"\s+", "", pdf_text(render_pdf(doc)))
    assert "—1—" in text and "—2—" in text and "—3—" in text


# --- the response and the profiles ---------------------------------------------------------------


def test_document_response() -> None:
    from tiaodu.core.officialdoc.http import document_response

    response = document_response(sample(), "docx", "bulletin 2022/M01")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="bulletin-2022-M01.docx"' in response["Content-Disposition"]
    assert "filename*=UTF-8''%E5%85%B3%E4%BA%8E" in response["Content-Disposition"]  # 关于…
    assert response.content.startswith(b"PK")
    pdf = document_response(sample(), "pdf", "x")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    with pytest.raises(ServiceError) as refused:
        document_response(sample(), "odt", "x")
    assert refused.value.code == "document_format_unknown" and refused.value.status == 400


def test_export_options() -> None:
    from tiaodu.core.officialdoc.profiles import export_options

    assert export_options({}).number is None and export_options({}).signed_on is None
    options = export_options({"number": "12", "signed_on": "2022-03-31"})
    assert options.number == 12 and options.signed_on == date(2022, 3, 31)
    for params, code in (
        ({"number": "0"}, "document_number_invalid"),
        ({"number": "12a"}, "document_number_invalid"),
        ({"number": "10000"}, "document_number_invalid"),
        ({"signed_on": "2022-13-01"}, "document_date_invalid"),
    ):
        with pytest.raises(ServiceError) as refused:
            export_options(params)
        assert refused.value.code == code and refused.value.status == 400


@pytest.mark.django_db
def test_issuing_profile_defaults_and_overrides() -> None:
    from tiaodu.core.models import DocumentKind, IssuingProfile
    from tiaodu.core.officialdoc.profiles import issuing_profile, letterhead_for, official_document
    from tiaodu.regions.models import Region

    district = Region.objects.get(code="500152")
    town = Region.objects.filter(parent=district).first()
    profile = issuing_profile("bulletin", town)  # a township's documents are its district's
    assert profile.issuer == "重庆市潼南区经济和信息化委员会"
    assert profile.mark == "重庆市潼南区经济和信息化委员会文件"
    assert profile.number(2022, 12) == "潼经信〔2022〕12号" and profile.number(2022, None) == ""
    assert profile.printer == "重庆市潼南区经济和信息化委员会办公室"
    assert issuing_profile("safety", district).issuer == "重庆市潼南区应急管理局"
    assert letterhead_for("safety", district, number=3, year=2023).number == "潼应急〔2023〕3号"

    IssuingProfile.objects.create(
        region=district,
        kind=DocumentKind.BULLETIN,
        issuer="重庆市潼南区统计局",
        mark="潼南统计",
        number_prefix="潼统",
        addressee="区级有关部门",
        cc="区委办公室\n\n区政府办公室\n",
    )
    doc = official_document(
        "bulletin", district, "关于1月经济运行情况的通报", signed_on=date(2022, 2, 20), number=4
    )
    assert doc.letterhead == Letterhead("重庆市潼南区统计局", "潼南统计", "潼统〔2022〕4号")
    assert doc.cc == ["区委办公室", "区政府办公室"] and doc.addressee == "区级有关部门"
    assert doc.printer == "重庆市潼南区统计局办公室" and doc.signature == "重庆市潼南区统计局"
    # another district keeps its defaults
    other = Region.objects.get(code="500117")
    assert issuing_profile("bulletin", other).issuer.endswith("合川区经济和信息化委员会")
