"""Pages, exports and /api/v1/projects through the permission scope."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from tiaodu.projects import services
from tiaodu.projects.choices import MilestoneKind
from tiaodu.projects.models import Project
from tiaodu.projects.tests.factories import GUXI, YUXI, project

pytestmark = pytest.mark.django_db

API = "/api/v1/projects"
JSON = "application/json"
TODAY = timezone.localdate()


@pytest.fixture
def two(db: Any) -> tuple[Project, Project]:
    return project(GUXI, name="古溪测试项目"), project(YUXI, name="玉溪测试项目")


def api(bearer: Any, user: Any) -> Any:
    class As:
        def __init__(self) -> None:
            self.client, self.headers = Client(), bearer(user)

        def get(self, path: str, **query: Any) -> Any:
            return self.client.get(path, query, **self.headers)

        def post(self, path: str, data: Any) -> Any:
            return self.client.post(path, data, content_type=JSON, **self.headers)

    return As()


# --- scope -----------------------------------------------------------------------------------------


def test_town_user_sees_only_its_township(users: dict, client_for: Any, bearer: Any, two: Any) -> None:
    guxi_p, yuxi_p = two
    guxi = users["guxi"]
    visible = set(Project.objects.restrict(guxi).values_list("township__code", flat=True))
    assert visible == {GUXI}
    web = client_for(guxi)
    page = web.get("/projects/").content.decode()
    assert "古溪测试项目" in page and "玉溪测试项目" not in page
    assert web.get(f"/projects/{guxi_p.pk}/").status_code == 200
    assert web.get(f"/projects/{yuxi_p.pk}/").status_code == 404
    assert web.get(f"/projects/{yuxi_p.pk}/changes/").status_code == 404
    export = web.get("/projects/?export=csv").content.decode("utf-8-sig")
    assert "古溪测试项目" in export and "玉溪测试项目" not in export
    xlsx = web.get("/projects/lists/intelligent/?export=xlsx")
    assert xlsx.status_code == 200
    names = [
        r[1] for r in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(min_row=4, values_only=True)
    ]
    assert all("玉溪" not in str(n) for n in names)
    client = api(bearer, guxi)
    body = client.get(API, page_size=200).json()
    assert {r["township_code"] for r in body["results"]} == {GUXI}
    assert client.get(f"{API}/{yuxi_p.pk}").status_code == 404
    assert client.post(f"{API}/{yuxi_p.pk}/stage", {"to": "signed"}).status_code == 404


def test_enterprise_user_has_no_projects(users: dict, client_for: Any, bearer: Any, two: Any) -> None:
    assert client_for(users["qiye"]).get("/projects/").status_code == 403
    assert api(bearer, users["qiye"]).get(API).json()["count"] == 0


def test_owner_sees_its_own_projects(users: dict) -> None:
    owner_org = users["yezhu"].organization
    mine = project(owner=owner_org)
    other = project()
    visible = set(Project.objects.restrict(users["yezhu"]).values_list("pk", flat=True))
    assert mine.pk in visible and other.pk not in visible


# --- pages -----------------------------------------------------------------------------------------


def test_pages_render(users: dict, client_for: Any) -> None:
    p = project(stage="landed", stage_on=TODAY - timedelta(days=30))
    services.backward_schedule(None, p, MilestoneKind.START, TODAY + timedelta(days=5))
    web = client_for(users["admin"])
    for url in [
        "/projects/",
        "/projects/new/",
        f"/projects/{p.pk}/",
        f"/projects/{p.pk}/edit/",
        f"/projects/{p.pk}/changes/",
    ]:
        assert web.get(url).status_code == 200, url
    for name in ("signed", "landed", "building", "operating", "intelligent"):
        assert web.get(f"/projects/lists/{name}/").status_code == 200
    assert web.get("/projects/lists/nothing/").status_code == 404
    detail = web.get(f"/projects/{p.pk}/").content.decode()
    assert "milestone-table" in detail and "<svg" in detail and "关键" in detail
    assert "style=" not in detail.split("<main", 1)[-1]  # the CSP forbids inline styles
    assert web.get("/projects/?stage=signed&township=500152103&funding=ppp&q=x").status_code == 200


def test_stage_form_refuses_forbidden_jump(users: dict, client_for: Any) -> None:
    p = project(stage="reserve")
    web = client_for(users["admin"])
    response = web.post(f"/projects/{p.pk}/stage/", {"to": "operating", "on": TODAY.isoformat()})
    assert response.status_code == 422  # not even offered by the form
    response = web.post(
        f"/projects/{p.pk}/stage/", {"to": "signed", "on": TODAY.isoformat(), "note": "签约仪式"}
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.stage == "signed"


def test_create_and_edit_through_the_form(users: dict, client_for: Any) -> None:
    web = client_for(users["guxi"])
    data = {
        "name": "表单项目",
        "level": "district",
        "kind": "new",
        "category": "industry",
        "township_code": GUXI,
        "total_investment": "100",
        "annual_plan": "50",
        "investment_completed": "200",
        "funding": "social",
        "stage": "reserve",
    }
    response = web.post("/projects/new/", data)
    assert response.status_code == 422 and "超过总投资" in response.content.decode()
    data["investment_completed"] = "20"
    response = web.post("/projects/new/", data)
    assert response.status_code == 302
    p = Project.objects.get(name="表单项目")
    data.pop("stage")
    data["name"] = "表单项目(改)"
    assert web.post(f"/projects/{p.pk}/edit/", data).status_code == 302
    p.refresh_from_db()
    assert p.name == "表单项目(改)"


def test_schedule_and_milestone_forms(users: dict, client_for: Any) -> None:
    p = project(kind="new")
    web = client_for(users["admin"])
    target = (TODAY + timedelta(days=60)).isoformat()
    assert (
        web.post(f"/projects/{p.pk}/schedule/", {"target_kind": "start", "target_date": target}).status_code
        == 302
    )
    first = p.milestones.order_by("order").first()
    assert first is not None
    response = web.post(
        f"/projects/{p.pk}/milestone/", {"milestone": first.pk, "actual_on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.actual_on == TODAY


def test_leader_export_layout(users: dict, client_for: Any) -> None:
    project(
        stage="signed", name="清单项目", total_investment=180000, annual_plan=20000, investment_completed=0
    )
    response = client_for(users["admin"]).get("/projects/lists/signed/?export=xlsx")
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "重点签约项目清单"
    assert [c.value for c in ws[3]][:4] == ["序号", "项目名称", "所属镇街", "总投资(万元)"]
    assert ws["A4"].value == 1
    assert ws.cell(ws.max_row, 1).value == "合计"


# --- API -------------------------------------------------------------------------------------------


def test_api_list_detail_and_transitions(users: dict, bearer: Any) -> None:
    p = project(stage="reserve", stage_on=TODAY - timedelta(days=5))
    client = api(bearer, users["admin"])
    body = client.get(API, page=1, page_size=2, stage="reserve").json()
    assert set(body) == {"count", "page", "page_size", "results"} and body["page_size"] == 2
    detail = client.get(f"{API}/{p.pk}").json()
    assert detail["stage"] == "reserve" and detail["allowed_stages"] == ["signed", "started", "cancelled"]
    bad = client.post(f"{API}/{p.pk}/stage", {"to": "operating"})
    assert bad.status_code == 409 and bad.json()["code"] == "transition_not_allowed"
    ok = client.post(f"{API}/{p.pk}/stage", {"to": "signed", "note": "集中签约"})
    assert ok.status_code == 200 and ok.json()["stage"] == "signed"
    sched = client.post(f"{API}/{p.pk}/schedule", {"target_kind": "start", "target_date": "2030-06-01"})
    assert sched.status_code == 200 and sched.json()[-1]["planned_on"] == "2030-06-01"
    assert client.get(API, list="signed").json()["count"] >= 1


def test_api_create_validation(users: dict, bearer: Any) -> None:
    client = api(bearer, users["admin"])
    payload = {"name": "接口项目", "township": GUXI, "total_investment": 10, "investment_completed": 20}
    bad = client.post(API, payload)
    assert bad.status_code == 422
    assert {e["code"] for e in bad.json()["errors"]} == {"investment_exceeds_total"}
    payload["investment_completed"] = 5
    payload.update(longitude=105.93, latitude=30.3, funding="special_bond", bond_field="municipal")
    created = client.post(API, payload)
    assert created.status_code == 201, created.content
    assert created.json()["stage_changes"][0]["to_stage"] == "reserve"


def test_code_held_outside_the_scope_is_not_disclosed(users: dict, bearer: Any) -> None:
    """Issue 13 (oracle): a project code used in another township or district gets one answer
    that says neither "taken" nor where; a code the caller can see is still project_code_taken."""
    from tiaodu.audit.choices import EventKind
    from tiaodu.audit.models import SecurityEvent

    yuxi_p = project(YUXI, name="玉溪保密代码项目", code="2201-500152-04-01-990001")
    banan_p = project("500113003", name="巴南保密代码项目", code="2201-500113-04-01-990002")
    own = project(GUXI, name="古溪代码项目", code="2201-500152-04-01-990003")
    town = api(bearer, users["guxi"])
    denied = SecurityEvent.objects.filter(kind=EventKind.PERMISSION_DENIED).count()
    bodies = []
    for other in (yuxi_p, banan_p):
        response = town.post(API, {"name": "新项目", "code": other.code, "township": GUXI})
        assert response.status_code == 409, response.content
        body = response.json()
        assert body["code"] == "project_code_unavailable"
        assert other.name not in str(body) and "已被" not in str(body) and "已存在" not in str(body)
        bodies.append(body)
    assert bodies[0] == bodies[1]
    assert SecurityEvent.objects.filter(kind=EventKind.PERMISSION_DENIED).count() == denied + 2
    response = town.post(API, {"name": "新项目", "code": own.code, "township": GUXI})
    assert response.status_code == 409 and response.json()["code"] == "project_code_taken"
    assert not Project.objects.filter(name="新项目").exists()
