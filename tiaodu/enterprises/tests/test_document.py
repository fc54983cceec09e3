"""企业服务情况 as an official document: the builder (title, letterhead, sentences, tables, date),
the shared pieces of every report's document (period phrases, split tables, headings), the docx and
PDF downloads of the report page (``?export=docx|pdf``), and :func:`check_download`, which the
other modules' document tests use."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tiaodu.core.officialdoc import DocTable, OfficialDocument
from tiaodu.core.officialdoc.notice import (
    cn_number,
    key_figures_table,
    new_document,
    period_phrase,
    split_wide,
    whole_name,
)
from tiaodu.core.officialdoc.punctuation import half_width_marks, official
from tiaodu.enterprises.document import build_document
from tiaodu.enterprises.report import enterprise_service_report

pytestmark = pytest.mark.django_db

URL = "/enterprises/report/"

Q1_2022 = ("500152", date(2022, 1, 1), date(2022, 3, 31))  # 潼南区, the demo's first quarter
# Half-width marks left next to Chinese after the punctuation rules: none may remain.
HALF_WIDTH_NEXT_TO_CJK = re.compile(r"[\u4e00-\u9fff][,;:?!()]|[,;:?!()][\u4e00-\u9fff]")


def docx_text(content: bytes) -> str:
    """Every paragraph of a docx, the tables' cells included, one a line."""
    from docx import Document

    document = Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines += [cell.text for cell in row.cells]
    return "\n".join(lines)


def check_download(response: Any, fmt: str, title: str, sentence: str, stem: str) -> str:
    """A report's official document as downloaded: a real docx (python-docx opens it) or a real
    PDF (structure, embedded fonts, metadata of this year), named ``<stem>.<fmt>``, showing the
    title and ``sentence`` in official punctuation and no half-width mark next to Chinese; its
    text (for a PDF without the line breaks)."""
    from tiaodu.core.tests.test_officialdoc import check_pdf

    assert response.status_code == 200, response.content[:500]
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="{stem}.{fmt}"'), disposition
    assert response["Cache-Control"] == "private, no-store"
    if fmt == "docx":
        assert response["Content-Type"] == (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        text = docx_text(response.content)
    else:
        assert response["Content-Type"] == "application/pdf"
        text = re.sub(r"\s+", "", check_pdf(response.content))
    assert official(title) in text, title
    assert official(sentence) in text and official(sentence) != sentence, sentence
    assert half_width_marks(text) == []
    return text


def texts(doc: OfficialDocument, kind: str) -> list[str]:
    return [b.text for b in doc.blocks if b.kind == kind]


def tables(doc: OfficialDocument) -> list[DocTable]:
    return [b.table for b in doc.blocks if b.kind == "table" and b.table is not None]


def test_period_phrases() -> None:
    assert period_phrase(date(2022, 1, 1), date(2022, 3, 31)) == "2022年第一季度"
    assert period_phrase(date(2022, 10, 1), date(2022, 12, 31)) == "2022年第四季度"
    assert period_phrase(date(2022, 1, 1), date(2022, 6, 30)) == "2022年上半年"
    assert period_phrase(date(2022, 7, 1), date(2022, 12, 31)) == "2022年下半年"
    assert period_phrase(date(2022, 1, 1), date(2022, 12, 31)) == "2022年"
    assert period_phrase(date(2022, 2, 1), date(2022, 2, 28)) == "2022年2月"
    assert period_phrase(date(2022, 1, 1), date(2022, 5, 31)) == "2022年1—5月"
    # Not whole months: the dates themselves.
    assert period_phrase(date(2022, 1, 1), date(2022, 4, 15)) == "2022年1月1日至4月15日"
    assert period_phrase(date(2021, 12, 1), date(2022, 1, 31)) == "2021年12月1日至2022年1月31日"


def test_chinese_numbers_for_headings() -> None:
    assert [cn_number(n) for n in (1, 2, 9, 10, 11, 20, 23)] == [
        "一",
        "二",
        "九",
        "十",
        "十一",
        "二十",
        "二十三",
    ]


def test_wide_tables_are_split_repeating_the_first_column() -> None:
    header = ["镇街", *(f"列{i}" for i in range(1, 17))]  # sixteen figures: three parts of 6, 6, 4
    rows = [["古溪镇", *(str(i) for i in range(1, 17))], ["合计", *(str(i * 2) for i in range(1, 17))]]
    parts = split_wide(DocTable("按镇街", header, rows, notes=["注"]), max_columns=8)
    assert [p.title for p in parts] == ["按镇街（一）", "按镇街（二）", "按镇街（三）"]
    assert [p.header[0] for p in parts] == ["镇街"] * 3
    assert [len(p.header) for p in parts] == [7, 7, 5]
    assert parts[0].header[1:] == [f"列{i}" for i in range(1, 7)] and parts[2].header[-1] == "列16"
    assert parts[1].rows[1] == ["合计", *(str(i * 2) for i in range(7, 13))]
    assert [p.notes for p in parts] == [[], [], ["注"]]  # the notes once, under the last part
    fourteen = split_wide(DocTable("t", ["名称", *(str(i) for i in range(14))], []), max_columns=8)
    assert [len(p.header) for p in fourteen] == [8, 8]
    narrow = DocTable("x", ["a", "b"], [["1", "2"]])
    assert split_wide(narrow) == [narrow]


def test_key_figures_in_two_column_pairs() -> None:
    t = key_figures_table("主要指标", [("甲", "1"), ("乙", "2"), ("丙", "3")])
    assert t.header == ["指标", "数值", "指标", "数值"]
    assert t.rows == [["甲", "1", "丙", "3"], ["乙", "2", "", ""]]


def test_the_district_issues_and_whole_name() -> None:
    # A township's report is issued by its district's body (the issuing profile's defaults).
    doc = new_document(region_code="500152103", kind="safety", title="t", date_to=date(2022, 3, 31), number=7)
    assert doc.letterhead.issuer == "重庆市潼南区应急管理局"
    assert (
        doc.letterhead.mark == "重庆市潼南区应急管理局文件" and doc.letterhead.number == "潼应急〔2022〕7号"
    )
    assert doc.signed_on == date(2022, 3, 31) and doc.signature == doc.letterhead.issuer
    assert whole_name("500152") == "全区" and whole_name("500152103") == "古溪镇"


def test_the_demo_quarter_as_a_notice() -> None:
    report = enterprise_service_report(*Q1_2022)
    doc = build_document(report, number=12)
    assert doc.title == "关于2022年第一季度全区企业服务工作情况的通报"
    assert doc.letterhead.issuer == "重庆市潼南区经济和信息化委员会"
    assert doc.letterhead.number == "潼经信〔2022〕12号"
    assert doc.signature == doc.letterhead.issuer and doc.signed_on == date(2022, 3, 31)
    assert doc.addressee and doc.cc and doc.printer  # 主送, 抄送, 印发机关 from the profile
    assert texts(doc, "heading1") == ["一、总体情况", "二、主要指标", "三、分类统计"]
    assert texts(doc, "heading2") == ["（一）按责任部门统计", "（二）按镇街统计"]
    paragraphs = texts(doc, "paragraph")
    # The bulletin as the report computed it: the renderers apply the punctuation.
    assert paragraphs[1] == report.paragraph
    assert "走访企业147家,现场收集困难254件次,解决236件次" in paragraphs[1]
    assert "走访企业147家，现场收集困难254件次，解决236件次" in official(paragraphs[1])
    for text in [doc.title, *paragraphs, *texts(doc, "heading1"), *texts(doc, "heading2")]:
        assert not HALF_WIDTH_NEXT_TO_CJK.search(official(text)), text
    key, *breakdowns = tables(doc)
    assert ["受理企业诉求", "254件"] in [row[:2] for row in key.rows] + [row[2:] for row in key.rows]
    # Per department nine columns (one table); per township twelve (two, the name repeated).
    assert [len(t.header) for t in breakdowns] == [9, 7, 6]
    assert [t.title for t in breakdowns] == [
        "各责任部门企业诉求办理情况",
        "各镇街企业诉求办理情况（一）",
        "各镇街企业诉求办理情况（二）",
    ]
    assert breakdowns[0].header[0] == "责任部门" and breakdowns[-1].header[0] == "镇街"
    assert doc.subject == report.title and "企业服务" in doc.keywords


def test_signed_on_defaults_to_today_for_a_period_running_to_today(users: Any) -> None:
    today = timezone.localdate()
    report = enterprise_service_report("500152", today - timedelta(days=30), today, users["guxi"])
    doc = build_document(report, users["guxi"])
    assert doc.signed_on == today
    assert build_document(report, signed_on=date(2026, 1, 5)).signed_on == date(2026, 1, 5)
    # A town user's report is its township's: so is the notice, issued by the district's body.
    assert ("全区" not in doc.title and report.region_name in doc.title) or "古溪镇" in doc.title
    assert doc.letterhead.issuer == "重庆市潼南区经济和信息化委员会"


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_page_exports_the_notice(users: Any, client_for: Any, fmt: str) -> None:
    query = {"region": "500152", "date_from": "2022-01-01", "date_to": "2022-03-31"}
    client = client_for(users["leader"])
    page = client.get(URL, query).content.decode()
    assert 'id="document-export"' in page and 'id="export-docx"' in page and 'id="export-pdf"' in page
    assert '<input type="hidden" name="region" value="500152">' in page
    response = client.get(URL, {**query, "export": fmt, "number": "12", "signed_on": "2022-04-06"})
    report = enterprise_service_report(*Q1_2022, users["leader"])
    text = check_download(
        response,
        fmt,
        "关于2022年第一季度全区企业服务工作情况的通报",
        "走访企业147家,现场收集困难254件次,解决236件次",
        "enterprise-service-500152-20220101-20220331",
    )
    assert "潼经信〔2022〕12号" in text and "2022年4月6日" in text
    assert "重庆市潼南区经济和信息化委员会" in text
    assert official(report.paragraph.split("。")[1]) in text  # the district's appeals, in full


def test_a_town_user_exports_its_township_only(users: Any, client_for: Any) -> None:
    town = users["guxi"].region.code
    query = {"date_from": "2021-01-01", "date_to": timezone.localdate().isoformat(), "export": "docx"}
    # The district is not among a town user's regions: the form refuses it, no document.
    refused = client_for(users["guxi"]).get(URL, {**query, "region": "500152"})
    assert refused.status_code == 200 and refused["Content-Type"].startswith("text/html")
    guxi = client_for(users["guxi"]).get(URL, {**query, "region": town})
    leader = client_for(users["leader"]).get(URL, {**query, "region": "500152"})
    assert guxi.status_code == 200 and leader.status_code == 200
    mine = enterprise_service_report(town, date(2021, 1, 1), timezone.localdate(), users["guxi"])
    theirs = enterprise_service_report("500152", date(2021, 1, 1), timezone.localdate(), users["leader"])
    assert mine.totals.appeals < theirs.totals.appeals
    assert f"受理企业诉求{mine.totals.appeals}件" in docx_text(guxi.content)
    assert f"受理企业诉求{theirs.totals.appeals}件" in docx_text(leader.content)


def test_a_bad_number_shows_the_page_with_the_error(users: Any, client_for: Any) -> None:
    query = {"region": "500152", "date_from": "2022-01-01", "date_to": "2022-03-31", "export": "pdf"}
    response = client_for(users["leader"]).get(URL, {**query, "number": "abc"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "发文字号序号应为1至9999的整数" in response.content.decode()
    bad_date = client_for(users["leader"]).get(URL, {**query, "signed_on": "2022-13-01"})
    assert "成文日期应为" in bad_date.content.decode()
    # Anonymous visitors are sent to sign in; a project owner's document holds its own (empty)
    # slice, never the district's figures.
    from django.test import Client

    assert Client().get(URL, query).status_code == 302
    owner = client_for(users["yezhu"]).get(URL, {**query, "export": "docx"})
    assert owner.status_code == 200 and "受理企业诉求254件" not in docx_text(owner.content)
