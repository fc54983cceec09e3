"""安全生产工作情况 as an official document: the builder and the docx / PDF downloads of the report
page (``?export=docx|pdf``), on the records of test_queries (万州区, 2023年一季度)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from tiaodu.core.officialdoc.punctuation import half_width_marks, official
from tiaodu.core.tests.districts import WANZHOU
from tiaodu.enterprises.tests.test_document import check_download, tables, texts
from tiaodu.safety.document import build_document
from tiaodu.safety.report import safety_report
from tiaodu.safety.tests.test_queries import FROM, TO, noise, quarter
from tiaodu.safety.tests.test_report import SENTENCES, department_user

pytestmark = pytest.mark.django_db

QUERY = {"region": WANZHOU, "date_from": FROM.isoformat(), "date_to": TO.isoformat()}
TITLE = "关于2023年第一季度全区安全生产工作情况的通报"


def test_the_quarter_as_a_notice() -> None:
    quarter()
    noise()
    report = safety_report(WANZHOU, FROM, TO)
    doc = build_document(report, number=3)
    assert doc.title == TITLE
    assert doc.letterhead.issuer == "重庆市万州区应急管理局" and doc.letterhead.number == "万应急〔2023〕3号"
    assert doc.signed_on == TO and doc.signature == doc.letterhead.issuer
    assert texts(doc, "heading1") == ["一、总体情况", "二、主要指标", "三、分类统计"]
    assert texts(doc, "heading2") == ["（一）按行业领域统计", "（二）按部门统计", "（三）按镇街统计"]
    body = texts(doc, "paragraph")[1]
    assert body == f"2023年1月1日至3月31日，{report.paragraph}"
    assert all(sentence in body for sentence in SENTENCES.values())
    assert half_width_marks(official(body)) == []
    key, *parts = tables(doc)
    assert ["执法检查(家次)", "3"] in [row[:2] for row in key.rows] + [row[2:] for row in key.rows]
    # Fourteen figures a row: each breakdown in two tables of seven, the name repeated.
    assert len(parts) == 6 and all(len(t.header) == 8 for t in parts)
    assert [t.header[0] for t in parts] == ["行业领域", "行业领域", "部门", "部门", "镇街", "镇街"]
    assert parts[1].rows[-1][0] == "合计" and parts[1].notes and not parts[0].notes
    assert parts[0].title == "各行业领域安全生产执法检查和隐患整改情况（一）"


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_page_exports_the_notice(client_for: Callable[[Any], Any], fmt: str) -> None:
    w = quarter()
    noise()
    client = client_for(department_user(w))
    page = client.get(reverse("safety:report"), QUERY).content.decode()
    assert 'id="export-docx"' in page and 'id="export-pdf"' in page
    response = client.get(reverse("safety:report"), {**QUERY, "export": fmt, "number": "8"})
    text = check_download(response, fmt, TITLE, SENTENCES["enforcement"], "safety-500101-20230101-20230331")
    assert "万应急〔2023〕8号" in text and "2023年3月31日" in text
    assert official(SENTENCES["major"]) in text


def test_the_export_keeps_the_pages_scope(client_for: Callable[[Any], Any], users: Any) -> None:
    quarter()
    other = noise()  # 潼南区's records and its 应急管理局
    tongnan = department_user(other, "yjj_tn")
    # 万州区 is not among 潼南's districts: the form refuses it, no document is made.
    refused = client_for(tongnan).get(reverse("safety:report"), {**QUERY, "export": "docx"})
    assert refused.status_code == 200 and refused["Content-Type"].startswith("text/html")
    assert (
        client_for(users["squad1"]).get(reverse("safety:report"), {**QUERY, "export": "pdf"}).status_code
        == 403
    )
    assert safety_report(WANZHOU, date(2021, 1, 1), date(2021, 3, 31)).total.inspections == 0
