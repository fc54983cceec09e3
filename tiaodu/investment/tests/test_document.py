"""招商引资工作情况 as an official document: the builder (on the pipeline of test_report, 万州区) and
the docx / PDF downloads of the report page (``?export=docx|pdf``) within the viewer's scope: a
town user's document has counts only, as its page."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from tiaodu.core.officialdoc.punctuation import half_width_marks, official
from tiaodu.enterprises.tests.test_document import check_download, docx_text, tables, texts
from tiaodu.investment.document import build_document
from tiaodu.investment.report import investment_report
from tiaodu.investment.tests.factories import TONGNAN, WANZHOU
from tiaodu.investment.tests.test_analysis import PERIOD, tongnan  # noqa: F401 (a fixture)
from tiaodu.investment.tests.test_queries import D
from tiaodu.investment.tests.test_report import FROM, WANZHOU_SENTENCES, full_pipeline

pytestmark = pytest.mark.django_db


def test_the_pipeline_as_a_notice() -> None:
    full_pipeline()
    report = investment_report(WANZHOU, FROM, D)
    doc = build_document(report, number=21)
    assert doc.title == "关于2023年第一季度全区招商引资工作情况的通报"
    assert doc.letterhead.issuer == "重庆市万州区招商投资促进局"
    assert doc.letterhead.number == "万招商〔2023〕21号" and doc.signed_on == D
    assert texts(doc, "heading1") == ["一、总体情况", "二、主要指标", "三、项目储备"]
    assert texts(doc, "heading2") == ["（一）按项目阶段统计", "（二）拟签约项目按计划签约季度统计"]
    body = texts(doc, "paragraph")[1]
    assert body == f"截至2023年3月31日，全区{report.paragraph}"
    assert all(sentence in body for sentence in WANZHOU_SENTENCES.values())
    assert "在库重点在谈项目3个（计划投资额15.2亿元）" in official(body)
    assert half_width_marks(official(body)) == []
    key, stages, quarters = tables(doc)
    assert ["在库重点在谈项目(个)", "3"] in [row[:2] for row in key.rows] + [row[2:] for row in key.rows]
    assert stages.header[0] == "阶段" and len(stages.rows) >= 5
    assert quarters.header == ["计划签约季度", "拟签约项目数", "计划投资额(万元)"]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_page_exports_the_notice(client_for: Any, users: Any, tongnan: dict[str, Any], fmt: str) -> None:  # noqa: F811
    client = client_for(users["leader"])
    page = client.get(reverse("investment:report"), PERIOD).content.decode()
    assert 'id="export-docx"' in page and 'id="export-pdf"' in page
    response = client.get(reverse("investment:report"), {**PERIOD, "export": fmt})
    report = investment_report(TONGNAN, date(2023, 1, 1), date(2023, 3, 31), user=users["leader"])
    text = check_download(
        response,
        fmt,
        "关于2023年第一季度全区招商引资工作情况的通报",
        report.sentences()["follow"],
        "investment-500152-20230101-20230331",
    )
    assert "重庆市潼南区招商投资促进局" in text and "亿元" in text


def test_a_town_users_notice_has_counts_only(client_for: Any, users: Any, tongnan: dict[str, Any]) -> None:  # noqa: F811
    response = client_for(users["guxi"]).get(reverse("investment:report"), {**PERIOD, "export": "docx"})
    assert response.status_code == 200
    text = docx_text(response.content)
    body = text.split("一、总体情况")[1].split("二、主要指标")[0]
    assert "在库重点在谈项目" in body and "亿元" not in body and "万元" not in body
    assert "123456" not in text and "654321" not in text and "12.35" not in text
    assert client_for(users["qiye"]).get(reverse("investment:report"), {"export": "pdf"}).status_code == 403
