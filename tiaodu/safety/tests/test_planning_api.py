"""/api/v1/safety/: plans (create, draw, publish, verify, inputs), campaigns, teams, inspectors,
综合查一次 and coverage."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tiaodu.core.tests.districts import TONGNAN
from tiaodu.safety import planning
from tiaodu.safety.models import InspectionPlan, PlanVisit
from tiaodu.safety.tests.test_planning import (
    department,
    department_user,
    inspect,
    inspectors,
    plan,
    setup,
)

__all__ = ["setup"]
API = "/api/v1/safety"


@pytest.fixture
def api(setup: dict[str, Any], client: Any, bearer: Any) -> Any:
    headers = bearer(department_user(setup["yjj"], "yjj-api"))

    class Caller:
        def get(self, path: str) -> Any:
            return client.get(f"{API}{path}", **headers)

        def post(self, path: str, body: dict[str, Any]) -> Any:
            return client.post(f"{API}{path}", body, content_type="application/json", **headers)

        def patch(self, path: str, body: dict[str, Any]) -> Any:
            return client.patch(f"{API}{path}", body, content_type="application/json", **headers)

    return Caller()


@pytest.mark.django_db
def test_plan_lifecycle(setup: dict[str, Any], api: Any) -> None:
    response = api.post(
        "/plans",
        {
            "name": "API计划",
            "starts_on": "2022-03-01",
            "ends_on": "2022-05-31",
            "sector_ids": [setup["sector"].pk],
            "sample_percent": "10",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["department_name"] == "区应急管理局" and body["visits"] == [] and body["status"] == "draft"
    pk = body["id"]
    response = api.post(f"/plans/{pk}/draw", {"seed": "api-seed", "version": body["version"]})
    assert response.status_code == 200
    drawn = response.json()
    assert drawn["seed"] == "api-seed" and len(drawn["visits"]) == 8 and drawn["population"] == 80
    assert all(len(v["inspector_ids"]) == 2 and len(v["inspector_names"]) == 2 for v in drawn["visits"])
    inputs = api.get(f"/plans/{pk}/inputs").json()
    assert inputs["seed"] == "api-seed" and len(inputs["units"]) == 80
    # Anyone holding the inputs re-runs the draw to the same list.
    again = planning.run_draw(inputs)
    assert [v.unit_id for v in again] == [v["unit_id"] for v in drawn["visits"]]
    response = api.post(f"/plans/{pk}/publish", {})
    assert response.status_code == 200 and response.json()["status"] == "published"
    digest = response.json()["digest"]
    verified = api.get(f"/plans/{pk}/verify").json()
    assert verified["matches"] is True and verified["digest"] == digest == verified["published_digest"]
    response = api.post(f"/plans/{pk}/draw", {})
    assert response.status_code == 409 and response.json()["code"] == "plan_published"
    listing = api.get("/plans?status=published").json()
    assert [p["id"] for p in listing["results"]] == [pk]


@pytest.mark.django_db
def test_plan_errors(setup: dict[str, Any], api: Any) -> None:
    zjw = department(TONGNAN, "区住房城乡建委")
    response = api.post(
        "/plans",
        {
            "name": "别人的计划",
            "department": "区住房城乡建委",
            "starts_on": "2022-03-01",
            "ends_on": "2022-05-31",
            "sample_percent": "10",
        },
    )
    assert response.status_code == 422
    assert "department_not_yours" in {e["code"] for e in response.json()["errors"]}
    inspectors(zjw, 2)
    theirs = plan(zjw, [setup["sector"]])
    assert api.post(f"/plans/{theirs.pk}/draw", {}).status_code == 403
    assert api.get(f"/plans/{theirs.pk}").status_code == 200  # readable in the district
    mine = plan(setup["yjj"], [setup["sector"]], inspectors_per_visit=9)
    response = api.post(f"/plans/{mine.pk}/draw", {})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "inspectors_insufficient"
    assert api.get(f"/plans/{mine.pk}/inputs").status_code == 422
    assert not PlanVisit.objects.filter(plan=mine).exists()
    assert InspectionPlan.objects.filter(name="别人的计划").count() == 0


@pytest.mark.django_db
def test_campaigns_teams_inspectors(setup: dict[str, Any], api: Any) -> None:
    response = api.post(
        "/campaigns",
        {
            "name": "安全生产大检查",
            "starts_on": "2022-01-09",
            "lead_department": "区应急管理局",
            "departments": ["区应急管理局", "区商务委"],
            "sector_ids": [setup["sector"].pk],
        },
    )
    assert response.status_code == 201, response.content
    campaign = response.json()
    assert len(campaign["department_ids"]) == 2
    response = api.post(
        "/teams",
        {
            "name": "联合一组",
            "campaign_id": campaign["id"],
            "lead_org": "区应急管理局",
            "organizations": ["区商务委"],
        },
    )
    assert response.status_code == 201 and len(response.json()["organization_ids"]) == 1
    response = api.post(
        "/inspectors",
        {
            "name": "王执法",
            "certificate_no": "ZF-1",
            "certificate_valid_until": "2024-12-31",
            "related_unit_ids": [setup["units"][0].pk],
        },
    )
    assert response.status_code == 201
    assert response.json()["organization_name"] == "区应急管理局"
    assert response.json()["related_unit_ids"] == [setup["units"][0].pk]
    names = [i["name"] for i in api.get("/inspectors?valid_on=2024-06-01").json()["results"]]
    assert "王执法" in names
    assert "王执法" not in [i["name"] for i in api.get("/inspectors?valid_on=2025-06-01").json()["results"]]
    assert api.get("/campaigns").json()["count"] == 1
    assert api.get(f"/campaigns/{campaign['id']}").json()["name"] == "安全生产大检查"
    person = response.json()
    patched = api.patch(
        f"/inspectors/{person['id']}", {"certificate_valid_until": "2026-12-31", "related_unit_ids": []}
    )
    assert patched.status_code == 200, patched.content
    assert (
        patched.json()["certificate_valid_until"] == "2026-12-31" and patched.json()["related_unit_ids"] == []
    )
    assert patched.json()["name"] == "王执法"
    assert api.get("/teams").json()["results"][0]["name"] == "联合一组"
    response = api.post("/campaigns", {"name": "安全生产大检查", "starts_on": "2022-01-09"})
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "campaign_duplicate"


@pytest.mark.django_db
def test_joint_visits_and_coverage(setup: dict[str, Any], api: Any) -> None:
    swj = department(TONGNAN, "区商务委")
    inspectors(swj, 2)
    for org in (swj, setup["yjj"]):
        p = plan(org, [setup["sector"]], percent="100")
        planning.draw(None, p.pk, seed="m")
        planning.publish(None, p.pk)
    response = api.post("/joint-visits/merge", {"start": "2022-01-01", "end": "2022-12-31"})
    assert response.status_code == 200 and len(response.json()) == 80
    assert len(response.json()[0]["plan_ids"]) == 2
    assert api.get("/joint-visits").json()["count"] == 80
    inspect(setup["units"][0], date(2022, 4, 1), setup["yjj"])
    body = api.get(f"/coverage?year=2022&as_of=2022-06-30&sector={setup['sector'].pk}").json()
    assert body["rows"][0]["units"] == 80 and body["rows"][0]["inspected"] == 1
    assert body["rows"][-1]["sector"] == "合计" and len(body["units"]) == 79
    assert api.get("/coverage?year=2022&as_of=2023-01-01").status_code == 422
