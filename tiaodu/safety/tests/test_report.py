"""安全生产工作情况 (tiaodu.safety.report): the sentences, ``tiaodu report safety``, the page, the xlsx
and ``GET /api/v1/safety/report``, on the records of test_queries (万州区, 2023年一季度)."""

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
from tiaodu.core.tests.districts import TONGNAN, WANZHOU
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.safety.report import safety_report
from tiaodu.safety.tests.test_queries import FROM, TO, World, noise, quarter

pytestmark = pytest.mark.django_db

SENTENCES = {
    "enforcement": (
        "全区在2个行业共计开展执法检查3家次,发现问题隐患4条,处罚责任单位3家,发出警告2次,"
        "责令停产停业1家,执行经济处罚1.92万元"
    ),
    "rectification": "截至2023年3月31日,已整改隐患2条,整改率50%,已验收销号2条",
    "major": "期内发现重大隐患1条、验收销号1条;截至2023年3月31日,重大隐患累计销号1条,尚未销号1条(挂牌督办1条)",
    "overdue": "截至2023年3月31日,逾期未整改挂牌隐患2条,其中红牌1条、黄牌1条",
    "self": "企业开展自查1次,自查发现隐患1条",
    # The last 较大事故 in June 2020: July 2020 … March 2023.
    "accident_free": "全区连续33个月未发生较大及以上事故",
}


def department_user(w: World, username: str = "yjj_wz") -> Any:
    return create_user(
        None, username=username, role="department", region_code=w.district.code, org=str(w.yjj.pk)
    ).user


def test_the_sentences_in_the_seeds_words() -> None:
    quarter()
    noise()
    report = safety_report(WANZHOU, FROM, TO)
    assert report.sentences() == SENTENCES
    assert report.title == "万州区安全生产工作情况(2023年1月1日至3月31日)"
    assert report.paragraph == ";".join(SENTENCES.values()) + "。"
    assert report.run is not None and report.run.since == date(2020, 7, 1)


def test_an_empty_period_still_has_its_sentence() -> None:
    quarter()
    report = safety_report(WANZHOU, date(2021, 1, 1), date(2021, 3, 31))
    assert report.sentences()["enforcement"] == (
        "全区在0个行业共计开展执法检查0家次,发现问题隐患0条,处罚责任单位0家,发出警告0次,"
        "责令停产停业0家,执行经济处罚0万元"
    )
    assert report.sentences()["overdue"] == "截至2021年3月31日,无逾期挂牌隐患"
    assert "rectification" not in report.sentences() and "self" not in report.sentences()


def test_a_township_report_names_the_township() -> None:
    w = quarter()
    report = safety_report(w.towns[0].code, FROM, TO)
    assert report.sentences()["enforcement"].startswith(
        "太安镇在2个行业共计开展执法检查3家次,发现问题隐患3条"
    )
    assert report.sentences()["accident_free"] == "全区连续33个月未发生较大及以上事故"


def test_text_and_json_through_the_cli() -> None:
    quarter()
    out = StringIO()
    call_command(
        "report", "safety", "--region", WANZHOU, "--from", "2023-01-01", "--to", "2023-03-31", stdout=out
    )
    text = out.getvalue()
    assert text.startswith("万州区安全生产工作情况(2023年1月1日至3月31日)\n")
    assert SENTENCES["enforcement"] in text and SENTENCES["accident_free"] in text
    assert "按行业领域" in text and "按部门" in text and "按镇街" in text
    sector_lines = [
        line for line in text.splitlines() if line.startswith(("工贸", "建筑施工", "城镇燃气", "合计"))
    ]
    assert [line.split()[0] for line in sector_lines][:4] == ["工贸", "建筑施工", "城镇燃气", "合计"]
    out = StringIO()
    call_command(
        "report", "safety", "--region", WANZHOU, "--from", "2023-01-01", "--to", "2023-03-31",
        "--format", "json", stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["totals"]["inspections"] == 3 and data["totals"]["fines_wan"] == "1.92"
    assert data["totals"]["rectify_rate"] == "50.00"
    assert data["accident_free"] == {"months": 33, "since": "2020-07-01", "last_serious_on": "2020-06-15"}
    assert [r["name"] for r in data["by_sector"]] == ["工贸", "建筑施工", "城镇燃气"]
    assert data["sentences"] == SENTENCES


def test_the_cli_with_a_user_counts_the_users_slice_and_refuses_bad_input() -> None:
    w = quarter()
    town_org = Organization.objects.create(region=w.towns[1], kind=OrgKind.TOWN, name="某镇人民政府x")
    create_user(None, username="town_wz", role="town", org=str(town_org.pk))
    out = StringIO()
    call_command(
        "report", "safety", "--region", WANZHOU, "--from", "2023-01-01", "--to", "2023-03-31",
        "--user", "town_wz", "--format", "json", stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["region_code"] == w.towns[1].code
    assert (data["totals"]["inspections"], data["totals"]["patrols"], data["totals"]["hazards"]) == (0, 1, 1)
    with pytest.raises(CommandError, match="date_range_invalid"):
        call_command("report", "safety", "--region", WANZHOU, "--from", "2023-03-31", "--to", "2023-01-01")


def test_the_page(client_for: Callable[[Any], Any]) -> None:
    w = quarter()
    noise()
    client = client_for(department_user(w))
    response = client.get(reverse("safety:report"), {"region": WANZHOU, "date_from": FROM, "date_to": TO})
    assert response.status_code == 200
    page = response.content.decode()
    assert SENTENCES["enforcement"] in page and SENTENCES["major"] in page
    assert 'id="table-by_sector"' in page and 'id="table-by_township"' in page
    assert (
        reverse("safety:report-xlsx") + "?region=500101&amp;date_from=2023-01-01&amp;date_to=2023-03-31"
        in page
    )
    refused = client.get(reverse("safety:report"), {"region": WANZHOU, "date_from": TO, "date_to": FROM})
    assert refused.status_code == 200 and "结束日期不能早于开始日期" in refused.content.decode()
    assert 'id="report-paragraph"' not in refused.content.decode()


def test_the_page_is_refused_to_a_role_without_inspections(
    client_for: Callable[[Any], Any], users: Any
) -> None:
    response = client_for(users["squad1"]).get(reverse("safety:report"))
    assert response.status_code == 403


def test_the_xlsx(client_for: Callable[[Any], Any]) -> None:
    w = quarter()
    response = client_for(department_user(w)).get(
        reverse("safety:report-xlsx"), {"region": WANZHOU, "date_from": FROM, "date_to": TO}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('safety-500101-20230101-20230331.xlsx"')
    wb = load_workbook(
        io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
    )
    table, summary = wb.worksheets
    assert table.cell(1, 1).value == "万州区安全生产工作情况(2023年1月1日至3月31日)"
    assert table.cell(3, 1).value == "类别" and table.cell(3, 2).value == "执法检查(家次)"
    rows = [[c.value for c in row] for row in table.iter_rows(min_row=4)]
    firsts = [r[0] for r in rows]
    assert firsts[:5] == ["按行业领域", "工贸", "建筑施工", "城镇燃气", "合计"]
    assert firsts.count("合计") == 3 and "按部门" in firsts and "按镇街" in firsts
    total = rows[4]
    header = [c.value for c in table[3]]
    assert total[header.index("执法检查(家次)")] == 3
    assert float(total[header.index("罚款(万元)")]) == pytest.approx(1.92)
    assert total[header.index("整改率(%)")] == 50
    assert summary.cell(2, 1).value.startswith(SENTENCES["enforcement"])


def test_the_api(client: Any, bearer: Callable[[Any], dict[str, str]]) -> None:
    w = quarter()
    noise()
    headers = bearer(department_user(w))
    response = client.get(
        "/api/v1/safety/report", {"region": WANZHOU, "from": "2023-01-01", "to": "2023-03-31"}, **headers
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["sentences"] == SENTENCES
    assert data["totals"]["penalised_units"] == 3 and data["major"]["open"] == 1
    assert data["by_township"][0]["key"] < data["by_township"][1]["key"]
    assert "太安镇" in {r["name"] for r in data["by_township"]}
    refused = client.get(
        "/api/v1/safety/report", {"region": WANZHOU, "from": "2023-03-31", "to": "2023-01-01"}, **headers
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "date_range_invalid"
    missing = client.get("/api/v1/safety/report", {"region": WANZHOU}, **headers)
    assert missing.status_code == 422


def test_the_api_counts_only_the_callers_slice(client: Any, bearer: Callable[[Any], dict[str, str]]) -> None:
    quarter()
    tongnan = Organization.objects.create(
        region=Organization.objects.filter(region__code=TONGNAN).first().region,  # type: ignore[union-attr]
        kind=OrgKind.DEPARTMENT,
        name="潼南区某局x",
    )
    stranger = create_user(
        None, username="tn_dept", role="department", region_code=TONGNAN, org=str(tongnan.pk)
    ).user
    response = client.get(
        "/api/v1/safety/report",
        {"region": WANZHOU, "from": "2023-01-01", "to": "2023-03-31"},
        **bearer(stranger),
    )
    assert response.status_code == 200
    assert response.json()["totals"]["inspections"] == 0 and response.json()["by_sector"] == []


def test_no_run_sentence_in_the_month_of_a_serious_accident() -> None:
    from tiaodu.safety.models import Accident

    w = quarter()
    Accident.objects.create(
        district=w.district,
        township=w.towns[0],
        occurred_on=date(2023, 3, 2),
        unit_name="甲机械厂",
        sector=w.sectors["industry"],
        deaths=10,
        grade="major",
    )
    report = safety_report(WANZHOU, FROM, TO)
    assert report.run is not None and report.run.months == 0
    assert "accident_free" not in report.sentences()
    assert ("连续未发生较大及以上事故(月)", "0") in report.key_figures()
    assert safety_report(WANZHOU, date(2023, 4, 1), date(2023, 4, 30)).sentences()["accident_free"] == (
        "全区连续1个月未发生较大及以上事故"
    )


def test_the_api_is_in_the_openapi_document(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/safety/report"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"region", "from", "to"}
    assert "SafetyReportOut" in schema["components"]["schemas"]
