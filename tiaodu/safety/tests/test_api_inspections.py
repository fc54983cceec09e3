"""/api/v1/safety/: inspections with their hazards (POST all or nothing), hazards with their
timeline and actions, workflow steps (version checked), 治理方案 and photos — within the caller's
scope, related rows named by id looked up through it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tiaodu.cases.models import Case
from tiaodu.safety.choices import HazardGrade, HazardState, InspectionKind
from tiaodu.safety.models import Hazard, HazardPhoto, Inspection
from tiaodu.safety.tests.test_views_inspections import LAT, LON, World, make_world, png

pytestmark = pytest.mark.django_db
API = "/api/v1/safety"


@pytest.fixture
def world(db: Any) -> World:
    return make_world()


def body(world: World, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "unit_id": world.unit.pk,
        "inspected_on": timezone.localdate().isoformat(),
        "kind": InspectionKind.ENFORCEMENT,
        "department_id": world.yjj.pk,
        "checklist": [{"item": world.ok_item.pk, "result": "ok"}],
        "findings": "接口检查",
        "longitude": LON,
        "latitude": LAT,
        "hazards": [
            {"description": "接口-一般隐患", "responsible_person": "赵六"},
            {"description": "接口-重大隐患", "checklist_item_id": world.major_item.pk},
        ],
    }
    data.update(extra)
    return data


def post(client: Any, url: str, data: Any, auth: dict[str, str]) -> Any:
    return client.post(url, data, content_type="application/json", **auth)


def test_inspection_with_hazards(world: World, users: Any, client: Any, bearer: Any) -> None:
    auth = bearer(world.inspector)
    r = post(client, f"{API}/inspections", body(world), auth)
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["number"].startswith("JC") and data["department_id"] == world.yjj.pk
    assert data["hazard_count"] == 2 and data["township_code"] == "500152103"
    assert data["checklist"] == [{"item": world.ok_item.pk, "result": "ok"}]
    grades = {h["description"]: h["grade"] for h in data["hazards"]}
    assert grades == {"接口-一般隐患": HazardGrade.GENERAL, "接口-重大隐患": HazardGrade.MAJOR}
    assert all(h["longitude"] == float(LON) and h["state"] == HazardState.PENDING for h in data["hazards"])

    r = client.get(f"{API}/inspections", {"q": data["number"]}, **auth)
    assert r.status_code == 200 and [row["id"] for row in r.json()["results"]] == [data["id"]]
    assert (
        client.get(f"{API}/inspections", {"kind": "patrol", "q": data["number"]}, **auth).json()["count"] == 0
    )
    assert client.get(f"{API}/inspections/{data['id']}", **auth).json()["number"] == data["number"]
    # Scope: another district's department sees nothing; a leader reads.
    other = bearer(world.outsider)
    assert client.get(f"{API}/inspections/{data['id']}", **other).status_code == 404
    assert client.get(f"{API}/inspections", {"q": data["number"]}, **other).json()["count"] == 0
    assert client.get(f"{API}/inspections/{data['id']}", **bearer(users["leader"])).status_code == 200


def test_bad_inspections_change_nothing(world: World, users: Any, client: Any, bearer: Any) -> None:
    auth = bearer(world.inspector)
    counts = Inspection.objects.count(), Hazard.objects.count(), Case.objects.count()
    r = post(client, f"{API}/inspections", body(world, unit_id=2_000_000_000), auth)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unit_unknown"
    bad_hazard = {"description": "自行认定", "grade": "major"}
    r = post(client, f"{API}/inspections", body(world, hazards=[bad_hazard]), auth)
    assert r.status_code == 422
    assert [e["code"] for e in r.json()["errors"]] == ["major_reason_required"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    r = post(client, f"{API}/inspections", body(world, inspected_on=tomorrow), auth)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "date_in_future"
    r = post(
        client, f"{API}/inspections", body(world, checklist=[{"item": world.ok_item.pk, "result": "?"}]), auth
    )
    assert r.status_code == 422
    # An enterprise files self-inspections only, of its own unit.
    qiye = bearer(users["qiye"])
    r = post(client, f"{API}/inspections", body(world, department_id=None), qiye)
    assert r.status_code == 403
    assert (Inspection.objects.count(), Hazard.objects.count(), Case.objects.count()) == counts
    r = post(client, f"{API}/inspections", body(world, kind="self", department_id=None, hazards=[]), qiye)
    assert r.status_code == 201, r.content
    assert (
        r.json()["kind"] == InspectionKind.SELF and r.json()["department_id"] == users["qiye"].organization_id
    )


def test_hazard_steps_plan_and_photos(world: World, users: Any, client: Any, bearer: Any) -> None:
    auth = bearer(world.inspector)
    created = post(client, f"{API}/inspections", body(world), auth).json()
    general = next(h for h in created["hazards"] if h["grade"] == HazardGrade.GENERAL)
    major = next(h for h in created["hazards"] if h["grade"] == HazardGrade.MAJOR)

    r = client.get(f"{API}/hazards", {"grade": "major", "q": "接口-"}, **auth)
    assert [h["id"] for h in r.json()["results"]] == [major["id"]]
    assert client.get(f"{API}/hazards", {"state": "nonsense"}, **auth).status_code == 422
    detail = client.get(f"{API}/hazards/{general['id']}", **auth).json()
    assert {a["action"] for a in detail["actions"]} == {"start"}
    assert detail["events"][0]["action"] == "open" and detail["plan"] is None

    # Steps carry the version read; a stale one is 409 and changes nothing.
    r = post(client, f"{API}/hazards/{general['id']}/steps", {"action": "start", "version": 99}, auth)
    assert r.status_code == 409
    r = post(
        client,
        f"{API}/hazards/{general['id']}/steps",
        {"action": "start", "version": detail["version"]},
        auth,
    )
    assert r.status_code == 200 and r.json()["state"] == HazardState.RECTIFYING
    r = post(client, f"{API}/hazards/{general['id']}/steps", {"action": "submit"}, auth)
    assert r.status_code == 422
    r = post(client, f"{API}/hazards/{general['id']}/steps", {"action": "submit", "note": "已整改"}, auth)
    assert r.status_code == 200 and r.json()["rectified_on"] == timezone.localdate().isoformat()
    assert {a["action"] for a in r.json()["actions"]} == {"accept", "reject"}

    # A 重大隐患 starts only with its 治理方案.
    r = post(client, f"{API}/hazards/{major['id']}/steps", {"action": "start"}, auth)
    assert r.status_code == 409 and r.json()["code"] == "governance_plan_required"
    assert client.get(f"{API}/hazards/{major['id']}/plan", **auth).status_code == 404
    plan = {
        "goal": "消除隐患",
        "measures": "改造除尘系统",
        "funds": "20",
        "personnel": "安全科",
        "due_on": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "emergency_plan": "停用涉爆设备",
    }
    r = client.put(f"{API}/hazards/{major['id']}/plan", plan, content_type="application/json", **auth)
    assert r.status_code == 200 and r.json()["funds"] == 20.0
    assert client.get(f"{API}/hazards/{major['id']}/plan", **auth).json()["measures"] == "改造除尘系统"
    r = post(client, f"{API}/hazards/{major['id']}/steps", {"action": "start"}, auth)
    assert r.status_code == 200 and r.json()["plan"]["goal"] == "消除隐患"

    # Photos: an image is stored and served; anything else is refused.
    r = client.post(f"{API}/hazards/{general['id']}/photos", {"file": png(), "stage": "after"}, **auth)
    assert r.status_code == 201, r.content
    photo = r.json()
    assert photo["stage"] == "after" and photo["content_type"] == "image/png"
    bad = SimpleUploadedFile("x.png", b"GIF89a....", content_type="image/png")
    r = client.post(f"{API}/hazards/{general['id']}/photos", {"file": bad}, **auth)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "photo_not_image"
    assert HazardPhoto.objects.filter(hazard_id=general["id"]).count() == 1
    listed = client.get(f"{API}/hazards/{general['id']}/photos", **auth).json()
    assert [p["id"] for p in listed] == [photo["id"]]
    served = client.get(f"{API}/hazards/{general['id']}/photos/{photo['id']}", **auth)
    assert served.status_code == 200 and b"".join(served.streaming_content).startswith(b"\x89PNG")

    # Outside the scope: 404 everywhere, nothing changed.
    other = bearer(world.outsider)
    assert client.get(f"{API}/hazards/{general['id']}", **other).status_code == 404
    assert (
        post(client, f"{API}/hazards/{general['id']}/steps", {"action": "accept"}, other).status_code == 404
    )
    assert client.get(f"{API}/hazards/{general['id']}/photos/{photo['id']}", **other).status_code == 404
    # The enterprise may not accept its own rectification.
    r = post(client, f"{API}/hazards/{general['id']}/steps", {"action": "accept"}, bearer(users["qiye"]))
    assert r.status_code == 403
    assert Hazard.objects.get(pk=general["id"]).case.state == HazardState.AWAITING
