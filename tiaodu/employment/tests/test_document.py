"""稳就业工作情况 as an official document: the builder and the docx / PDF downloads of the report
page (``?export=docx|pdf``), on the scene of test_queries_employment (万州区, March–June 2024)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from tiaodu.core.officialdoc.punctuation import half_width_marks, official
from tiaodu.core.tests.districts import WANZHOU
from tiaodu.employment.document import build_document
from tiaodu.employment.report import employment_report
from tiaodu.employment.tests import factories
from tiaodu.employment.tests.test_queries_employment import FROM, TO, noise, spring
from tiaodu.employment.tests.test_report_employment import QUERY, SENTENCES
from tiaodu.enterprises.tests.test_document import check_download, docx_text, tables, texts

pytestmark = pytest.mark.django_db

TITLE = "关于2024年3—6月全区稳就业工作情况的通报"


def test_the_spring_as_a_notice() -> None:
    spring()
    noise()
    report = employment_report(WANZHOU, FROM, TO)
    doc = build_document(report, signed_on=date(2024, 7, 5))
    assert doc.title == TITLE
    assert doc.letterhead.issuer == "重庆市万州区人力资源和社会保障局" and doc.letterhead.number == ""
    assert doc.signed_on == date(2024, 7, 5)
    assert texts(doc, "heading1") == ["一、总体情况", "二、主要指标", "三、分类统计"]
    assert texts(doc, "heading2") == ["（一）按镇街统计", "（二）按招聘会类型统计", "（三）缺工按职业统计"]
    body = texts(doc, "paragraph")[1]
    assert body == f"2024年3月1日至6月30日，全区{report.paragraph}"
    assert half_width_marks(official(body)) == []
    key, *parts = tables(doc)
    assert key.header == ["指标", "数值", "指标", "数值"]
    # Sixteen figures per township: two tables; the fairs and the shortages fit in one each.
    assert [len(t.header) for t in parts] == [9, 9, 5, 4]
    assert [t.title for t in parts][:2] == ["各镇街稳就业工作情况（一）", "各镇街稳就业工作情况（二）"]
    assert parts[0].rows[-1][0] == "合计" and parts[-1].rows[0][0] == "6-91 测试缝纫工类人员"


def test_an_empty_period_says_so() -> None:
    doc = build_document(employment_report(WANZHOU, date(2021, 1, 1), date(2021, 3, 31)))
    assert doc.title == "关于2021年第一季度全区稳就业工作情况的通报"
    assert (
        texts(doc, "paragraph")[1]
        == "2021年1月1日至3月31日，全区期内无招聘会、用工需求、求职专车和就业记录。"
    )
    assert texts(doc, "heading1") == [
        "一、总体情况",
        "二、主要指标",
        "三、分类统计",
    ]  # the 合计 row per township


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_page_exports_the_notice(client_for: Callable[[Any], Any], fmt: str) -> None:
    spring()
    noise()
    client = client_for(factories.staff(WANZHOU))
    page = client.get(reverse("employment:report"), QUERY).content.decode()
    assert (
        'id="export-docx"' in page
        and 'id="export-pdf"' in page
        and "style=" not in page.split('id="report-title"')[1]
    )
    response = client.get(reverse("employment:report"), {**QUERY, "export": fmt, "signed_on": "2024-07-05"})
    text = check_download(response, fmt, TITLE, SENTENCES[0], "employment-500101-20240301-20240630")
    assert "2024年7月5日" in text and official(SENTENCES[-1]) in text


def test_the_export_is_refused_where_the_page_is(client_for: Callable[[Any], Any], users: Any) -> None:
    assert (
        client_for(users["squad1"]).get(reverse("employment:report"), {"export": "docx"}).status_code == 403
    )
    # The leader of 潼南区 gets 潼南's report, whatever region is asked for.
    spring()
    response = client_for(users["leader"]).get(reverse("employment:report"), {**QUERY, "export": "docx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    own = client_for(users["leader"]).get(reverse("employment:report"), {"export": "docx"})
    assert own.status_code == 200 and "重庆市潼南区人力资源和社会保障局" in docx_text(own.content)
