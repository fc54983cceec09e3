"""Issue 13 (等保三级) in dispatch: totals within the viewer's slice (L2), one 404 for "not in the
round" and "not yours" (oracle), and no lost update of a report (item 3)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from tiaodu.core.concurrency import StaleWrite
from tiaodu.dispatch import services
from tiaodu.dispatch.models import DispatchReport
from tiaodu.dispatch.services import ReportInput
from tiaodu.orgs.models import Organization
from tiaodu.projects import services as project_services
from tiaodu.projects.tests.factories import GUXI, project

pytestmark = pytest.mark.django_db


def data(investment: Any, on_site: int = 10, problems: str = "") -> ReportInput:
    return ReportInput(
        investment=investment, progress=10, workers_required=10, workers_on_site=on_site, problems=problems
    )


@pytest.fixture
def filled(rnd: Any, projects: dict[str, Any], users: dict[str, Any]) -> Any:
    """guxi1 (古溪镇) reports 5, yuxi (玉溪镇, of the owner 潼南城建集团, the squad's) reports 700
    with two problems; guxi2 is missing. 古溪镇 sees 1/2 reported and 5 万元; the district 2/3 and 705."""
    owner = users["yezhu"].organization
    squad = Organization.objects.squads_of(users["squad1"]).first()
    project_services.save_project(None, projects["yuxi"].pk, owner=owner, squad=squad)
    services.submit_report(None, rnd.pk, projects["guxi1"].pk, data(5, on_site=4))
    services.submit_report(None, rnd.pk, projects["yuxi"].pk, data(700, on_site=10, problems="缺砂石\n缺电"))
    return rnd


def totals_of(client: Any, rnd: Any, headers: dict[str, str]) -> dict[str, Any]:
    body = client.get(f"/api/v1/dispatch/rounds/{rnd.pk}", **headers).json()
    return {
        "top": (body["expected_count"], body["reported_count"], body["investment_total"]),
        "totals": (
            body["totals"]["expected"],
            body["totals"]["reported"],
            body["totals"]["investment"],
            body["totals"]["workers_on_site"],
            body["totals"]["problems"],
            body["totals"]["partial"],
        ),
    }


# --- L2: totals within the viewer's slice ----------------------------------------------------------


@pytest.mark.parametrize("closed", [False, True])
def test_api_detail_totals_are_the_viewers_slice(
    filled: Any, users: dict[str, Any], client: Any, bearer: Any, closed: bool
) -> None:
    if closed:
        services.close_round(None, filled.pk)
    guxi = totals_of(client, filled, bearer(users["guxi"]))
    assert guxi["totals"] == (2, 1, 5.0, 4, 0, True)
    assert guxi["top"] == (2, 1, 5.0)
    for owner_or_squad in ("yezhu", "squad1"):
        seen = totals_of(client, filled, bearer(users[owner_or_squad]))
        assert seen["totals"] == (1, 1, 700.0, 10, 2, True), owner_or_squad
        assert seen["top"] == (1, 1, 700.0), owner_or_squad
    leader = totals_of(client, filled, bearer(users["leader"]))
    assert leader["totals"] == (3, 2, 705.0, 14, 2, False)
    if closed:
        assert leader["top"] == (3, 2, 705.0)


def test_page_totals_are_the_viewers_slice(filled: Any, users: dict[str, Any], client_for: Any) -> None:
    services.remind(None, filled.pk)
    services.close_round(None, filled.pk)
    page = client_for(users["guxi"]).get(f"/dispatch/{filled.pk}/").content.decode()
    totals = page.split('id="round-totals"')[1].split("</dl>")[0]
    assert "1 / 2" in totals and "5.00" in totals and "705" not in totals and "2 / 3" not in totals
    assert 'id="totals-scope"' in page
    # 催报 records count the district's missing projects: not for a township
    assert 'id="reminders"' not in page
    leader = client_for(users["leader"]).get(f"/dispatch/{filled.pk}/").content.decode()
    totals = leader.split('id="round-totals"')[1].split("</dl>")[0]
    assert "2 / 3" in totals and "705.00" in totals
    assert 'id="totals-scope"' not in leader and 'id="reminders"' in leader


@pytest.mark.parametrize("closed", [False, True])
def test_round_list_and_exports_show_the_viewers_slice(
    filled: Any, users: dict[str, Any], client_for: Any, client: Any, bearer: Any, closed: bool
) -> None:
    if closed:
        services.close_round(None, filled.pk)
    guxi = client_for(users["guxi"])
    exported = guxi.get("/dispatch/?export=csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    row = next(r for r in rows if r["期次"] == filled.period_label)
    assert (row["应报项目数"], row["已报项目数"], row["本期完成投资(万元)"]) == ("2", "1", "5.00")
    assert row["到岗率(%)"] == "40.0%"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(guxi.get("/dispatch/?export=xlsx").content))
    cells = [str(c.value) for r in book.active.iter_rows() for c in r]
    assert "705.00" not in cells and "5.00" in cells
    listing = client.get("/api/v1/dispatch/rounds", **bearer(users["guxi"])).json()["results"]
    item = next(r for r in listing if r["id"] == filled.pk)
    assert (item["expected_count"], item["reported_count"], item["investment_total"]) == (2, 1, 5.0)
    assert item["workers_on_site_total"] == 4
    leader = client.get("/api/v1/dispatch/rounds", **bearer(users["leader"])).json()["results"]
    item = next(r for r in leader if r["id"] == filled.pk)
    assert (item["expected_count"], item["reported_count"], item["investment_total"]) == (3, 2, 705.0)
    # sorting by a shown figure works
    assert guxi.get("/dispatch/?sort=-seen_investment").status_code == 200


def test_historical_round_slice_counts_problem_lines(projects: dict[str, Any], users: dict[str, Any]) -> None:
    from tiaodu.regions.models import Region

    rnd = services.history_round(None, Region.objects.get(code="500152"), "2019年9月")
    services.record_history(None, rnd, projects["guxi1"], data(5, problems="缺水;缺电"))
    services.record_history(None, rnd, projects["yuxi"], data(700, problems="缺砂石"))
    services.refreeze_history(rnd)
    figures = services.viewer_totals(users["guxi"], rnd)
    assert (figures.expected, figures.investment, figures.problems, figures.partial) == (
        1,
        Decimal("5.00"),
        2,
        True,
    )
    assert services.viewer_totals(users["leader"], rnd).problems == 3


# --- Oracle: "not in the round" and "not yours" answer alike --------------------------------------


def test_project_outside_round_is_404_like_a_hidden_one(
    rnd: Any, projects: dict[str, Any], users: dict[str, Any], client_for: Any, client: Any, bearer: Any
) -> None:
    outside = project(GUXI, name="古溪镇另一项目")  # in 古溪镇, visible to the township, not in the round
    guxi = client_for(users["guxi"])
    form = {"investment": "1", "progress": "1", "workers_required": "1", "workers_on_site": "1"}
    for pid in (outside.pk, projects["yuxi"].pk, 999_999_999):
        url = f"/dispatch/{rnd.pk}/report/{pid}/"
        assert guxi.get(url).status_code == 404, pid
        assert guxi.post(url, form).status_code == 404, pid
    headers = bearer(users["guxi"])
    body = {"investment": 1, "progress": 1, "workers_required": 1, "workers_on_site": 1}
    answers = []
    for pid in (outside.pk, projects["yuxi"].pk, 999_999_999):
        answer = client.post(
            f"/api/v1/dispatch/rounds/{rnd.pk}/reports",
            {**body, "project_id": pid},
            content_type="application/json",
            **headers,
        )
        answers.append((answer.status_code, answer.json()))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 404 and rnd.period_label not in str(answers[0][1])
    # the operator (CLI, imports) still gets the precise refusal
    with pytest.raises(services.ServiceError) as exc:
        services.submit_report(None, rnd.pk, outside.pk, data(1))
    assert exc.value.errors[0].code == "project_not_in_round"


# --- Item 3: no lost update --------------------------------------------------------------------


def test_second_writer_of_the_same_version_loses(
    rnd: Any, projects: dict[str, Any], users: dict[str, Any]
) -> None:
    slot = DispatchReport.objects.get(round=rnd, project=projects["guxi1"])
    read = slot.version
    first = services.submit_report(users["guxi"], rnd.pk, projects["guxi1"].pk, data(5), version=read)
    assert first.version == read + 1
    with pytest.raises(StaleWrite) as exc:
        services.submit_report(users["leader"], rnd.pk, projects["guxi1"].pk, data(9), version=read)
    assert exc.value.status == 409 and exc.value.code == "stale_write"
    assert exc.value.version == read + 1 and exc.value.current["investment"] == 5.0
    slot.refresh_from_db()
    assert slot.investment == Decimal("5.00") and slot.version == read + 1
    # an unchecked writer (no version: CLI, older clients) writes, and moves the version on
    services.submit_report(None, rnd.pk, projects["guxi1"].pk, data(6))
    slot.refresh_from_db()
    assert slot.investment == Decimal("6.00") and slot.version == read + 2


def test_api_stale_write(
    rnd: Any, projects: dict[str, Any], users: dict[str, Any], client: Any, bearer: Any
) -> None:
    guxi, leader = bearer(users["guxi"]), bearer(users["leader"])
    detail = client.get(f"/api/v1/dispatch/rounds/{rnd.pk}", **guxi).json()
    read = next(r for r in detail["reports"] if r["project_id"] == projects["guxi1"].pk)["version"]
    url = f"/api/v1/dispatch/rounds/{rnd.pk}/reports"
    body = {"project_id": projects["guxi1"].pk, "progress": 5, "workers_required": 10, "workers_on_site": 10}
    first = client.post(
        url, {**body, "investment": 5, "version": read}, content_type="application/json", **guxi
    )
    assert first.status_code == 200 and first.json()["version"] == read + 1
    second = client.post(
        url, {**body, "investment": 9, "version": read}, content_type="application/json", **leader
    )
    assert second.status_code == 409
    answer = second.json()
    assert answer["code"] == "stale_write" and answer["version"] == read + 1
    assert answer["current"]["investment"] == 5.0 and "刷新" in answer["message"]
    # If-Match works as well, ETag-quoted
    third = client.post(
        url, {**body, "investment": 9}, content_type="application/json", HTTP_IF_MATCH=f'"{read}"', **leader
    )
    assert third.status_code == 409 and third.json()["code"] == "stale_write"
    ok = client.post(
        url,
        {**body, "investment": 9},
        content_type="application/json",
        HTTP_IF_MATCH=f'W/"{read + 1}"',
        **leader,
    )
    assert ok.status_code == 200 and ok.json()["investment"] == 9.0
    assert DispatchReport.objects.get(round=rnd, project=projects["guxi1"]).investment == Decimal("9.00")


def test_web_second_writer_gets_a_clear_error(
    rnd: Any, projects: dict[str, Any], users: dict[str, Any], client_for: Any
) -> None:
    url = f"/dispatch/{rnd.pk}/report/{projects['guxi1'].pk}/"
    guxi, leader = client_for(users["guxi"]), client_for(users["leader"])
    page = guxi.get(url).content.decode()
    read = DispatchReport.objects.get(round=rnd, project=projects["guxi1"]).version
    assert f'name="version" value="{read}"' in page
    form = {"progress": "10", "workers_required": "10", "workers_on_site": "10", "version": str(read)}
    assert leader.post(url, {**form, "investment": "5"}).status_code == 302
    lost = guxi.post(url, {**form, "investment": "9"})
    assert lost.status_code == 409
    text = lost.content.decode()
    assert "已被他人修改" in text and 'id="report-current"' in text
    assert f'name="version" value="{read + 1}"' in text
    assert DispatchReport.objects.get(round=rnd, project=projects["guxi1"]).investment == Decimal("5.00")
    # having seen the current report, the writer submits again on purpose
    assert guxi.post(url, {**form, "investment": "9", "version": str(read + 1)}).status_code == 302
    assert DispatchReport.objects.get(round=rnd, project=projects["guxi1"]).investment == Decimal("9.00")
