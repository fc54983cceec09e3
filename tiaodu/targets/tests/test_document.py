"""The targets' assessments as official documents: 季督办 (the supervision list) and the progress
of a region, built and downloaded (``?export=docx|pdf``) within the viewer's scope, on the 2030
scenario of :mod:`tiaodu.targets.tests.data`."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from tiaodu.core.officialdoc.punctuation import half_width_marks, official
from tiaodu.enterprises.tests.test_document import check_download, docx_text, tables, texts
from tiaodu.targets import services
from tiaodu.targets.document import build_document, period_bounds
from tiaodu.targets.tests.data import GUXI, TONGNAN, YEAR

pytestmark = pytest.mark.django_db

LAGGING = "招商引资到位资金完成230亿元,占年度目标的23.0%,低于序时进度2.0个百分点"
SUPERVISION = {"region": TONGNAN, "year": YEAR, "quarter": 1}


def test_period_bounds() -> None:
    assert period_bounds("2030-Q1") == (date(2030, 1, 1), date(2030, 3, 31))
    assert period_bounds("2022-M01-05") == (date(2022, 1, 1), date(2022, 5, 31))


def test_the_supervision_list_as_a_notice(scenario: Any) -> None:
    result = services.supervision_list(TONGNAN, "2030年一季度")
    doc = build_document(result, number=9, signed_on=date(2030, 4, 10))
    assert doc.title == "关于2030年第一季度潼南区目标任务滞后序时进度情况的督办通报"
    assert (
        doc.letterhead.issuer == "重庆市潼南区人民政府办公室" and doc.letterhead.number == "潼府办〔2030〕9号"
    )
    assert doc.signed_on == date(2030, 4, 10)
    assert texts(doc, "heading1") == ["一、滞后序时进度的目标", "二、数据缺失的目标", "三、工作要求"]
    paragraphs = texts(doc, "paragraph")
    assert paragraphs[0] == f"{result.summary}。现将有关情况通报如下。"
    assert f"潼南区{LAGGING}（责任单位：区招商投资局）。" in paragraphs
    for text in paragraphs:
        assert half_width_marks(official(text)) == [], text
    lagging, missing = tables(doc)
    assert [row[:2] for row in lagging.rows] == [
        ["潼南区", "招商引资到位资金"],
        ["古溪镇", "规模以上工业增加值增速"],
        ["古溪镇", "招商引资到位资金"],
    ]
    assert lagging.rows[0][4:8] == ["23.0", "25.0", "-2.0", "区招商投资局"]
    assert [row[:2] for row in missing.rows] == [["玉溪镇", "招商引资到位资金"]]
    # Without a date asked for: the quarter's end, today at the latest.
    assert build_document(result).signed_on == min(date(2030, 3, 31), timezone.localdate())


def test_the_progress_as_a_notice(scenario: Any) -> None:
    table = services.progress_table(TONGNAN, "2030年一季度")
    doc = build_document(table)
    assert doc.title == "关于2030年第一季度全区年度目标任务完成情况的通报"
    assert texts(doc, "heading1") == ["一、目标完成情况", "二、目标完成进度表"]
    assert texts(doc, "paragraph")[1] == table.paragraph and LAGGING in table.paragraph
    assert [row[1] for row in tables(doc)[0].rows] == [
        "规模以上工业总产值",
        "固定资产投资",
        "招商引资到位资金",
    ]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_pages_export_their_notices(scenario: Any, users: Any, client_for: Any, fmt: str) -> None:
    web = client_for(users["leader"])
    page = web.get("/targets/supervision/", SUPERVISION).content.decode()
    assert 'id="export-docx"' in page and '<input type="hidden" name="quarter" value="1">' in page
    response = web.get("/targets/supervision/", {**SUPERVISION, "export": fmt, "number": "9"})
    text = check_download(
        response,
        fmt,
        "关于2030年第一季度潼南区目标任务滞后序时进度情况的督办通报",
        LAGGING,
        "targets-supervision-500152-2030-Q1",
    )
    assert f"潼府办〔{timezone.localdate().year}〕9号" in text  # the year of the 成文日期 (today)
    progress = web.get("/targets/progress/", {"region": TONGNAN, "period": "2030年一季度", "export": fmt})
    check_download(
        progress,
        fmt,
        "关于2030年第一季度全区年度目标任务完成情况的通报",
        LAGGING,
        "targets-progress-500152-2030-Q1",
    )


def test_a_town_user_gets_its_own_targets_only(scenario: Any, users: Any, client_for: Any) -> None:
    guxi = client_for(users["guxi"])
    response = guxi.get(
        "/targets/supervision/", {"region": GUXI, "year": YEAR, "quarter": 1, "export": "docx"}
    )
    text = docx_text(response.content)
    assert "古溪镇" in text and "玉溪镇" not in text and "区招商投资局" not in text
    assert client_for(users["qiye"]).get("/targets/supervision/", {"export": "docx"}).status_code == 403
