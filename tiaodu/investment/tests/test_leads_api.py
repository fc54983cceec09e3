"""/api/v1/investment/leads: pagination in scope, 409 duplicate_investor with the match,
submit_as_duplicate, the bureau's decision, conversion, codes."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tiaodu.core.tests.districts import shared_township
from tiaodu.investment.choices import DuplicateStatus
from tiaodu.investment.models import InvestmentProject, Lead
from tiaodu.investment.tests.test_leads import bureau_user, report, team

pytestmark = pytest.mark.django_db
URL = "/api/v1/investment/leads"


def post(client: Any, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_list_is_paginated_and_scoped(users: Any, client: Any, bearer: Any) -> None:
    mine = report(users["guxi"], "重庆星源新材料科技有限公司")
    report(users["yuxi"], "重庆蓝海生物医药有限公司")
    body = client.get(URL, {"page_size": 1}, **bearer(users["guxi"])).json()
    assert set(body) == {"count", "page", "page_size", "results"}
    assert body["count"] == 1 and body["results"][0]["id"] == mine.pk
    assert client.get(URL, **bearer(users["guxi"])).status_code == 200
    other = Lead.objects.get(investor_name="重庆蓝海生物医药有限公司")
    assert client.get(f"{URL}/{other.pk}", **bearer(users["guxi"])).json()["code"] == "not_found"
    bureau = client.get(URL, {"duplicate_status": "pending"}, **bearer(bureau_user())).json()
    assert bureau["count"] == 0


def test_duplicate_is_409_with_the_match_then_submitted(users: Any, client: Any, bearer: Any) -> None:
    first = report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 3, 1))
    body = {"investor_name": "星源新材料科技(重庆)有限公司", "content": "有意投资"}
    refused = post(client, URL, body, bearer(users["yuxi"]))
    assert refused.status_code == 409
    data = refused.json()
    assert data["code"] == "duplicate_investor" and data["errors"][0]["code"] == "duplicate_investor"
    assert data["match"]["kind"] == "lead" and data["match"]["id"] == first.pk
    assert data["match"]["reporter"] == "古溪镇人民政府" and data["match"]["reported_on"] == "2022-03-01"
    assert "古溪镇人民政府于2022-03-01首报" in data["message"]
    check = post(client, f"{URL}/check", {"investor_name": "星源新材料科技"}, bearer(users["yuxi"])).json()
    assert check["duplicate"]["id"] == first.pk and check["enterprise"] is None
    saved = post(client, URL, {**body, "submit_as_duplicate": True}, bearer(users["yuxi"]))
    assert saved.status_code == 201
    lead = saved.json()
    assert lead["duplicate_status"] == "pending" and lead["duplicate_of_lead_id"] == first.pk
    assert lead["first_report"]["id"] == first.pk and lead["township_name"] == "玉溪镇"
    # The bureau decides; another department may not.
    url = f"{URL}/{lead['id']}/decide"
    denied = post(client, url, {"decision": "confirmed"}, bearer(users["jxw"]))
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    bad = post(client, url, {"decision": "maybe"}, bearer(bureau_user()))
    assert (bad.status_code, bad.json()["errors"][0]["code"]) == (422, "invalid_choice")
    done = post(client, url, {"decision": "confirmed", "note": "同一企业"}, bearer(bureau_user()))
    assert done.status_code == 200 and done.json()["duplicate_status"] == DuplicateStatus.CONFIRMED
    again = post(client, url, {"decision": "overruled"}, bearer(bureau_user()))
    assert (again.status_code, again.json()["code"]) == (409, "duplicate_not_pending")


def test_township_name_resolves_in_the_actors_district(users: Any, client: Any, bearer: Any) -> None:
    towns = shared_township("太安镇")
    body = {"investor_name": "重庆蓝海生物医药有限公司", "content": "有意投资", "township": "太安镇"}
    created = post(client, URL, body, bearer(bureau_user()))
    assert created.status_code == 201, created.json()
    assert created.json()["township_code"] == towns["500152"].code
    bad = post(
        client,
        URL,
        {**body, "investor_name": "别家公司", "credit": 1, "township": "不存在镇"},
        bearer(bureau_user()),
    )
    assert (bad.status_code, bad.json()["errors"][0]["code"]) == (422, "township_unknown")


def test_assign_and_convert(users: Any, client: Any, bearer: Any) -> None:
    lead = report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 3, 1))
    group = team()
    town = post(client, f"{URL}/{lead.pk}/assign", {"team_id": group.pk}, bearer(users["guxi"]))
    assert (town.status_code, town.json()["code"]) == (403, "permission_denied")
    assigned = post(client, f"{URL}/{lead.pk}/assign", {"team_id": group.pk}, bearer(bureau_user()))
    assert assigned.status_code == 200 and assigned.json()["status"] == "assigned"
    bad = post(client, f"{URL}/{lead.pk}/convert", {"stage": "negotiating"}, bearer(bureau_user()))
    assert bad.status_code == 422
    done = post(
        client,
        f"{URL}/{lead.pk}/convert",
        {"stage": "contact", "on": "2022-04-01", "name": "星源项目"},
        bearer(bureau_user()),
    )
    assert done.status_code == 201, done.json()
    project = InvestmentProject.objects.get(pk=done.json()["project_id"])
    assert project.first_reported_on == date(2022, 3, 1) and project.first_township == users["guxi"].region
    assert done.json()["lead"]["status"] == "converted"
    twice = post(client, f"{URL}/{lead.pk}/convert", {}, bearer(bureau_user()))
    assert (twice.status_code, twice.json()["code"]) == (409, "lead_not_open")


def test_unknown_fields_and_bad_values(users: Any, client: Any, bearer: Any) -> None:
    body = {"investor_name": "某某科技有限公司", "content": "x", "estimated_investment": -5}
    response = post(client, URL, body, bearer(users["guxi"]))
    assert response.status_code == 422
    response = post(
        client, URL, {**body, "estimated_investment": 5, "investor_credit_code": "123"}, bearer(users["guxi"])
    )
    assert (response.status_code, response.json()["errors"][0]["code"]) == (422, "credit_code_length")
