"""The analysis pages and the report page: render within the viewer's scope, xlsx downloads, a
town user sees counts only, outsiders get 403."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tiaodu.investment.tests.factories import TONGNAN, project
from tiaodu.investment.tests.test_queries import moved

pytestmark = pytest.mark.django_db
PERIOD = {"region": TONGNAN, "date_from": "2023-01-01", "date_to": "2023-03-31"}


@pytest.fixture
def tongnan(users: Any) -> dict[str, Any]:
    town = users["guxi"].organization.region
    mine = project(
        TONGNAN,
        "negotiating",
        date(2022, 6, 1),
        is_key=True,
        planned_investment=Decimal(123456),
        first_township=town,
        name="古溪镇报送的测试项目",
    )
    other = project(
        TONGNAN,
        "to_sign",
        date(2022, 6, 1),
        is_key=True,
        planned_investment=Decimal(654321),
        planned_signing_on=date(2023, 2, 1),
        name="别处的测试项目",
    )
    moved(other, ("signed", date(2023, 3, 1)))
    return {"mine": mine, "other": other}


def test_report_page_and_xlsx(client_for: Any, users: Any, tongnan: dict[str, Any]) -> None:
    c = client_for(users["leader"])
    page = c.get(reverse("investment:report"), PERIOD)
    assert page.status_code == 200
    text = page.content.decode()
    assert "潼南区招商引资工作情况(截至2023年3月31日)" in text and "在库重点在谈项目" in text
    assert "履约率" in text and 'id="stage-table"' in text
    download = c.get(reverse("investment:report"), {**PERIOD, "export": "xlsx"})
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxml")
    sheet = load_workbook(io.BytesIO(download.content)).active
    values = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == "潼南区招商引资工作情况(截至2023年3月31日)"
    assert "在库重点在谈项目(个)" in values and "签约" in values


def test_analysis_pages_render_funnel_forecast_and_ranking(
    client_for: Any, users: Any, tongnan: dict[str, Any]
) -> None:
    c = client_for(users["leader"])
    page = c.get(reverse("investment:analysis"), PERIOD).content.decode()
    assert '<svg class="td-chart td-funnel"' in page and "转化率" in page and "停留天数中位数" in page
    assert "<script" not in page.split('id="funnel-chart"')[1].split("</div>")[0]
    forecast = c.get(reverse("investment:analysis-forecast"), {"region": TONGNAN, "on": "2023-01-31"})
    body = forecast.content.decode()
    assert forecast.status_code == 200 and "默认" in body and 'id="slipped-table"' in body
    late = c.get(
        reverse("investment:analysis-forecast"), {"region": TONGNAN, "on": "2023-02-15"}
    ).content.decode()
    assert (
        "别处的测试项目" in late.split('id="slipped-table"')[1]
    )  # 计划签约 1 February, not signed on the 15th
    ranking = c.get(reverse("investment:analysis-ranking"), {**PERIOD, "export": "xlsx"})
    assert ranking.status_code == 200


def test_town_user_sees_counts_only(client_for: Any, users: Any, tongnan: dict[str, Any]) -> None:
    c = client_for(users["guxi"])
    report = c.get(reverse("investment:report"), PERIOD).content.decode()
    paragraph = report.split('id="report-paragraph">')[1].split("</p>")[0]
    assert "在库重点在谈项目" in paragraph and "亿元" not in paragraph and "万元" not in paragraph
    assert "123456" not in report and "654321" not in report and "12.35" not in report
    analysis = c.get(reverse("investment:analysis"), PERIOD).content.decode()
    assert "金额(万元)" not in analysis and "亿元" not in analysis
    forecast = c.get(
        reverse("investment:analysis-forecast"), {"region": TONGNAN, "on": "2023-01-31"}
    ).content.decode()
    assert "计划投资额" not in forecast


def test_outsiders_are_refused(client_for: Any, users: Any) -> None:
    for name in (
        "investment:analysis",
        "investment:report",
        "investment:analysis-forecast",
        "investment:analysis-ranking",
    ):
        assert client_for(users["qiye"]).get(reverse(name)).status_code == 403
