"""重点项目调度情况 as an official document: the builder and the docx / PDF downloads of the report
page (``?export=docx|pdf``) on the demo (潼南区, 2022年一季度), within the viewer's scope."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tiaodu.core.officialdoc.punctuation import half_width_marks, official
from tiaodu.enterprises.tests.test_document import check_download, docx_text, tables, texts
from tiaodu.projects.document import build_document
from tiaodu.projects.report import project_report

pytestmark = pytest.mark.django_db

URL = "/projects/report/"
QUERY = {"region": "500152", "date_from": "2022-01-01", "date_to": "2022-03-31"}
TITLE = "关于2022年第一季度全区重点项目调度情况的通报"


def with_comma(sentences: dict[str, str]) -> str:
    """A sentence of the report with a half-width comma (what the renderer must convert)."""
    return next(s for s in sentences.values() if "," in s)


def test_the_demo_quarter_as_a_notice() -> None:
    report = project_report("500152", date(2022, 1, 1), date(2022, 3, 31))
    doc = build_document(report, number=4, signed_on=date(2022, 4, 8))
    assert doc.title == TITLE
    assert (
        doc.letterhead.issuer == "重庆市潼南区发展和改革委员会"
        and doc.letterhead.number == "潼发改〔2022〕4号"
    )
    assert doc.signed_on == date(2022, 4, 8)
    assert texts(doc, "heading1")[:2] == ["一、总体情况", "二、主要指标"]
    body = texts(doc, "paragraph")[1]
    assert body == f"2022年1月1日至3月31日，全区{report.paragraph}"
    assert f"纳入调度的重点项目{report.key_projects}个" in body
    assert half_width_marks(official(body)) == []
    key = tables(doc)[0]
    assert ["重点项目(个)", str(report.key_projects)] in [row[:2] for row in key.rows] + [
        row[2:] for row in key.rows
    ]
    if report.events:
        assert texts(doc, "heading1")[2] == "三、集中活动"
        assert tables(doc)[1].header[0] == "活动"


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_page_exports_the_notice(client_for: Any, users: Any, fmt: str) -> None:
    client = client_for(users["leader"])
    page = client.get(URL, QUERY).content.decode()
    assert 'id="export-docx"' in page and 'id="export-pdf"' in page
    report = project_report("500152", date(2022, 1, 1), date(2022, 3, 31), users["leader"])
    response = client.get(URL, {**QUERY, "export": fmt, "number": "4"})
    text = check_download(
        response, fmt, TITLE, with_comma(report.sentences()), "projects-500152-20220101-20220331"
    )
    assert "潼发改〔2022〕4号" in text and "重庆市潼南区发展和改革委员会" in text


def test_a_town_users_notice_counts_its_township(client_for: Any, users: Any) -> None:
    guxi = users["guxi"]
    town = guxi.region.code
    mine = project_report(town, date(2022, 1, 1), date(2022, 3, 31), guxi)
    district = project_report("500152", date(2022, 1, 1), date(2022, 3, 31), users["leader"])
    assert 0 < mine.key_projects < district.key_projects
    period = {"date_from": "2022-01-01", "date_to": "2022-03-31", "export": "docx"}
    # The district is not among a town user's regions: the form refuses it, no document.
    refused = client_for(guxi).get(URL, {**period, "region": "500152"})
    assert refused.status_code == 200 and refused["Content-Type"].startswith("text/html")
    response = client_for(guxi).get(URL, {**period, "region": town})
    text = docx_text(response.content)
    assert "关于2022年第一季度古溪镇重点项目调度情况的通报" in text
    assert f"纳入调度的重点项目{mine.key_projects}个" in text
    assert f"纳入调度的重点项目{district.key_projects}个" not in text
    assert "重庆市潼南区发展和改革委员会" in text  # issued by the district's body
    assert client_for(users["qiye"]).get(URL, {**QUERY, "export": "docx"}).status_code == 403
