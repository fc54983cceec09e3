"""Pages and /api/v1/dispatch: list, detail, report form, 催报 and close, scope."""

from __future__ import annotations

from typing import Any

import pytest

from tiaodu.dispatch.models import DispatchReport

pytestmark = pytest.mark.django_db


def test_pages(rnd: Any, projects: dict[str, Any], users: dict[str, Any], client_for: Any) -> None:
    leader, guxi = client_for(users["leader"]), client_for(users["guxi"])
    assert rnd.period_label in leader.get("/dispatch/").content.decode()
    page = guxi.get(f"/dispatch/{rnd.pk}/").content.decode()
    assert projects["guxi1"].name in page and projects["yuxi"].name not in page
    url = f"/dispatch/{rnd.pk}/report/{projects['guxi1'].pk}/"
    assert guxi.get(url).status_code == 200
    bad = guxi.post(
        url, {"investment": "-1", "progress": "10", "workers_required": "1", "workers_on_site": "1"}
    )
    assert bad.status_code == 422
    ok = guxi.post(
        url,
        {
            "investment": "5",
            "progress": "10",
            "workers_required": "10",
            "workers_on_site": "9",
            "problems": "缺砂石",
            "problem_category": "material",
        },
    )
    assert ok.status_code == 302
    assert DispatchReport.objects.get(round=rnd, project=projects["guxi1"]).cases.count() == 1
    assert guxi.get(f"/dispatch/{rnd.pk}/report/{projects['yuxi'].pk}/").status_code == 404
    assert guxi.post(f"/dispatch/{rnd.pk}/close/").status_code == 403
    assert leader.post(f"/dispatch/{rnd.pk}/remind/").status_code == 302
    assert leader.post(f"/dispatch/{rnd.pk}/close/").status_code == 302
    rnd.refresh_from_db()
    assert rnd.state == "closed" and rnd.reported_count == 1
    assert rnd.period_label in guxi.get(f"/dispatch/project/{projects['guxi1'].pk}/").content.decode()


def test_open_round_page(projects: dict[str, Any], users: dict[str, Any], client_for: Any) -> None:
    leader = client_for(users["leader"])
    assert leader.get("/dispatch/new/").status_code == 200
    response = leader.post(
        "/dispatch/new/",
        {
            "period_kind": "month",
            "period_label": "2022年3月",
            "period_start": "2022-03-01",
            "period_end": "2022-03-31",
            "due_on": "2022-04-03",
        },
    )
    assert response.status_code == 302
    assert client_for(users["guxi"]).get("/dispatch/new/").status_code == 403


def test_api(rnd: Any, projects: dict[str, Any], users: dict[str, Any], client: Any, bearer: Any) -> None:
    headers = bearer(users["guxi"])
    listing = client.get("/api/v1/dispatch/rounds", **headers).json()
    assert listing["count"] >= 1 and "page_size" in listing
    detail = client.get(f"/api/v1/dispatch/rounds/{rnd.pk}", **headers).json()
    assert {r["project_id"] for r in detail["reports"]} == {projects["guxi1"].pk, projects["guxi2"].pk}
    url = f"/api/v1/dispatch/rounds/{rnd.pk}/reports"
    body = {
        "project_id": projects["guxi1"].pk,
        "investment": 1,
        "progress": 5,
        "workers_required": 10,
        "workers_on_site": 20,
    }
    refused = client.post(url, body, content_type="application/json", **headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "workers_over_required"
    body["confirmed_over_required"] = True
    assert client.post(url, body, content_type="application/json", **headers).status_code == 200
    body["project_id"] = projects["yuxi"].pk
    assert client.post(url, body, content_type="application/json", **headers).status_code == 404
