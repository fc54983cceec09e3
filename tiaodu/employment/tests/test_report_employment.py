"""稳就业工作情况 (tiaodu.employment.report): the sentences, ``tiaodu report employment``, the page,
the xlsx and ``GET /api/v1/employment/report``, on the scene of test_queries_employment (万州区,
March–June 2024)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from tiaodu.accounts.services import create_user
from tiaodu.core.tests.districts import WANZHOU
from tiaodu.employment.report import CLI_REPORTS, employment_report
from tiaodu.employment.tests import factories
from tiaodu.employment.tests.test_queries_employment import FROM, T1, TO, noise, spring
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

SENTENCES = [
    "举办春风行动专场招聘会2场,3家企业提供岗位110个,10余人与企业达成初步求职意向",
    "举办赶场天专场招聘会1场,1家企业提供岗位30个,1人与企业达成初步求职意向",
    "收集企业用工需求100余人",
    "开行求职专车2趟,接送求职者3人",
    "企业录用求职者4人,入职4人",
    "入职满30天回访4人,在岗2人,在岗率50%",
    "入职满90天回访3人,在岗1人,在岗率33.3%",
    "缺工较多的职业:测试缝纫工类人员93人、测试包装工类人员79人",
]
QUERY = {"region": WANZHOU, "date_from": FROM.isoformat(), "date_to": TO.isoformat()}


def test_the_sentences_in_the_seeds_words() -> None:
    spring()
    noise()
    report = employment_report(WANZHOU, FROM, TO)
    assert report.sentences() == SENTENCES
    assert report.title == "万州区稳就业工作情况(2024年3月1日至6月30日)"
    assert report.paragraph == ";".join(SENTENCES) + "。"
    assert CLI_REPORTS["employment"] == ("稳就业工作情况", employment_report)


def test_a_township_report_and_an_empty_period() -> None:
    spring()
    report = employment_report(T1, FROM, TO)
    assert report.region_name == "高笋塘街道"
    assert report.sentences()[:4] == [
        "举办春风行动专场招聘会1场,2家企业提供岗位100个,8人与企业达成初步求职意向",
        "举办赶场天专场招聘会1场,1家企业提供岗位30个,1人与企业达成初步求职意向",
        "收集企业用工需求100余人",  # 110
        "开行求职专车2趟,接送求职者2人",
    ]
    empty = employment_report(WANZHOU, date(2021, 1, 1), date(2021, 3, 31))
    assert empty.sentences() == []
    assert empty.paragraph == "全区期内无招聘会、用工需求、求职专车和就业记录。"
    assert empty.rows("by_fair_kind") == [] and empty.rows("by_occupation") == []
    assert empty.rows("by_township") == [["合计", *([0] * 10), 0, 0, None, 0, 0, None]]


def test_the_tables() -> None:
    spring()
    report = employment_report(WANZHOU, FROM, TO)
    header = report.header("by_township")
    assert header[:3] == ["镇街", "招聘会(场)", "参会企业(家)"]
    rows = report.rows("by_township")
    assert [r[0] for r in rows] == ["高笋塘街道", "太白街道", "合计"]
    total = dict(zip(header, rows[-1], strict=True))
    assert total["招聘会(场)"] == 3 and total["用工需求(人)"] == 175 and total["求职专车(趟)"] == 2
    assert total["30天在岗率(%)"] == 50 and float(total["90天在岗率(%)"]) == pytest.approx(33.3)
    # Distinct enterprises of the whole (3) are not the sum of the townships' (2 + 2).
    assert [r[header.index("参会企业(家)")] for r in rows] == [2, 2, 3]
    kinds = report.rows("by_fair_kind", text=True)
    assert kinds == [
        ["春风行动专场招聘会", "2", "3", "110", "12"],
        ["赶场天专场招聘会", "1", "1", "30", "1"],
        ["合计", "3", "3", "110", "12"],
    ]
    assert report.rows("by_occupation") == [
        ["6-91 测试缝纫工类人员", 95, 2, 93],
        ["6-92 测试包装工类人员", 80, 1, 79],
        ["未分类", 0, 1, -1],
        ["合计", 175, 4, 171],
    ]


def test_text_and_json_through_the_cli() -> None:
    spring()
    out = StringIO()
    call_command(
        "report", "employment", "--region", WANZHOU, "--from", "2024-03-01", "--to", "2024-06-30", stdout=out
    )
    text = out.getvalue()
    assert text.startswith("万州区稳就业工作情况(2024年3月1日至6月30日)\n")
    assert SENTENCES[0] in text and "按镇街" in text and "按招聘会类型" in text and "缺工按职业(中类)" in text
    assert any(line.split()[:2] == ["高笋塘街道", "2"] for line in text.splitlines())
    out = StringIO()
    call_command(
        "report", "employment", "--region", WANZHOU, "--from", "2024-03-01", "--to", "2024-06-30",
        "--format", "json", stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["sentences"] == SENTENCES
    assert data["tables"]["by_township"][0]["code"] == T1
    assert data["tables"]["by_township"][-1]["retention_90"] == "33.3"
    assert data["tables"]["by_occupation"][0] == {
        "name": "6-91 测试缝纫工类人员", "code": "6-91", "demand": 95, "hires": 2, "shortage": 93,
    }  # fmt: skip
    with pytest.raises(CommandError, match="date_range_invalid"):
        call_command(
            "report", "employment", "--region", WANZHOU, "--from", "2024-06-30", "--to", "2024-03-01"
        )


def test_the_cli_with_a_town_user_counts_its_township() -> None:
    w = spring()
    org = Organization.objects.create(region=w.towns[0], kind=OrgKind.TOWN, name="高笋塘街道办事处x")
    create_user(None, username="gst_wz", role="town", org=str(org.pk))
    out = StringIO()
    call_command(
        "report", "employment", "--region", WANZHOU, "--from", "2024-03-01", "--to", "2024-06-30",
        "--user", "gst_wz", "--format", "json", stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["region_code"] == T1 and data["sentences"][3] == "开行求职专车2趟,接送求职者2人"


def test_the_page(client_for: Callable[[Any], Any]) -> None:
    spring()
    noise()
    client = client_for(factories.staff(WANZHOU))
    response = client.get(reverse("employment:report"), QUERY)
    assert response.status_code == 200
    page = response.content.decode()
    assert SENTENCES[0] in page and SENTENCES[-1] in page
    for name in ("by_township", "by_fair_kind", "by_occupation"):
        assert f'id="table-{name}"' in page
    assert (
        reverse("employment:report-xlsx") + "?region=500101&amp;date_from=2024-03-01&amp;date_to=2024-06-30"
        in page
    )
    assert "style=" not in page.split('id="report-title"')[1] and "<script>" not in page
    refused = client.get(
        reverse("employment:report"), {**QUERY, "date_from": "2024-06-30", "date_to": "2024-03-01"}
    )
    assert refused.status_code == 200 and "结束日期不能早于开始日期" in refused.content.decode()
    assert 'id="report-paragraph"' not in refused.content.decode()


def test_the_page_for_a_leader_and_refused_to_a_squad(client_for: Callable[[Any], Any], users: Any) -> None:
    response = client_for(users["leader"]).get(reverse("employment:report"))
    assert response.status_code == 200 and 'id="report-paragraph"' in response.content.decode()
    assert client_for(users["squad1"]).get(reverse("employment:report")).status_code == 403
    assert client_for(users["yezhu"]).get(reverse("employment:report-xlsx")).status_code == 403


def test_the_xlsx(client_for: Callable[[Any], Any]) -> None:
    spring()
    response = client_for(factories.staff(WANZHOU)).get(reverse("employment:report-xlsx"), QUERY)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('employment-500101-20240301-20240630.xlsx"')
    wb = load_workbook(io.BytesIO(response.content))
    table, kinds, occupations, summary = wb.worksheets
    assert table.cell(1, 1).value == "万州区稳就业工作情况(2024年3月1日至6月30日)"
    assert table.cell(3, 1).value == "镇街" and table.cell(3, 2).value == "招聘会(场)"
    rows = [[c.value for c in row] for row in table.iter_rows(min_row=4)]
    assert [r[0] for r in rows] == ["高笋塘街道", "太白街道", "合计"]
    header = [c.value for c in table[3]]
    assert rows[-1][header.index("用工需求(人)")] == 175
    assert [c.value for c in occupations[3]] == ["6-91 测试缝纫工类人员", 95, 2, 93]
    assert kinds.cell(3, 1).value == "春风行动专场招聘会" and kinds.cell(3, 5).value == 12
    assert summary.cell(2, 1).value == ";".join(SENTENCES) + "。"
    # A refused period shows the page with the form's error, not a workbook.
    refused = client_for(factories.staff(WANZHOU)).get(
        reverse("employment:report-xlsx"), {**QUERY, "date_from": "2024-07-01"}
    )
    assert refused.status_code == 200 and "结束日期不能早于开始日期" in refused.content.decode()


def test_the_api(client: Any, bearer: Callable[[Any], dict[str, str]]) -> None:
    spring()
    noise()
    headers = bearer(factories.staff(WANZHOU))
    url = "/api/v1/employment/report"
    response = client.get(url, {"region": WANZHOU, "from": "2024-03-01", "to": "2024-06-30"}, **headers)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["sentences"] == SENTENCES
    assert [r["code"] for r in data["tables"]["by_township"]] == [T1, "500101017", ""]
    assert data["tables"]["by_fair_kind"][0]["kind"] == "spring"
    assert data["tables"]["by_fair_kind"][0]["positions"] == 110
    assert data["tables"]["by_occupation"][-1] == {
        "name": "合计",
        "code": "",
        "demand": 175,
        "hires": 4,
        "shortage": 171,
    }
    refused = client.get(url, {"region": WANZHOU, "from": "2024-06-30", "to": "2024-03-01"}, **headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "date_range_invalid"
    assert client.get(url, {"region": WANZHOU}, **headers).status_code == 422


def test_the_api_counts_only_the_callers_slice(
    client: Any, bearer: Callable[[Any], dict[str, str]], users: Any
) -> None:
    spring()
    url = "/api/v1/employment/report"
    params = {"region": WANZHOU, "from": "2024-03-01", "to": "2024-06-30"}
    # 潼南区's leader asking for 万州区: nothing of it.
    stranger = client.get(url, params, **bearer(users["leader"]))
    assert stranger.status_code == 200 and stranger.json()["sentences"] == []
    assert client.get(url, params, **bearer(users["squad1"])).status_code == 403


def test_the_api_is_in_the_openapi_document(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/employment/report"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"region", "from", "to"}
    assert "EmploymentReportOut" in schema["components"]["schemas"]
