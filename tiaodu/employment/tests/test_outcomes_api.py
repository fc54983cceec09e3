"""Outcome API: list (scoped, masked), detail with steps and open actions, the actions (409
outcome_transition, 422 codes, version/If-Match), follow-ups, opening a placement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tiaodu.employment import outcomes
from tiaodu.employment.choices import OutcomeState as S
from tiaodu.employment.models import Placement
from tiaodu.employment.tests import factories as f
from tiaodu.employment.tests.test_outcomes import DAY, GUXI, TONGNAN, YUXI, firm, own_firm

pytestmark = pytest.mark.django_db

BASE = "/api/v1/employment"


@pytest.fixture
def world(users: Any) -> dict[str, Any]:
    rsj = f.staff(TONGNAN)
    seeker = f.jobseeker(GUXI, "王小红")
    other = f.jobseeker(YUXI, "李大山")
    job = f.vacancy(firm(21), "缝纫工")
    own_job = f.vacancy(own_firm(users), "包装工")
    mine = outcomes.open_placement(rsj, jobseeker=seeker, vacancy=own_job, on=DAY)
    theirs = outcomes.open_placement(rsj, jobseeker=other, vacancy=job, on=DAY)
    return {"rsj": rsj, "seeker": seeker, "other": other, "job": job, "mine": mine, "theirs": theirs}


def test_list_scoped_and_masked(world: dict[str, Any], users: Any, client: Any, bearer: Any) -> None:
    body = client.get(f"{BASE}/placements", **bearer(world["rsj"])).json()
    assert body["count"] == 2
    names = {item["jobseeker_name"] for item in body["results"]}
    assert names == {"王小红", "李大山"}
    item = next(i for i in body["results"] if i["id"] == world["mine"].pk)
    assert item["jobseeker_id_mask"] == world["seeker"].id_mask and "*" in item["jobseeker_id_mask"]
    assert item["state"] == "intended" and item["intended_on"] == DAY.isoformat()
    body = client.get(f"{BASE}/placements", **bearer(users["qiye"])).json()
    assert [i["id"] for i in body["results"]] == [world["mine"].pk]
    assert body["results"][0]["jobseeker_name"] == "王**"
    body = client.get(f"{BASE}/placements", {"township": YUXI}, **bearer(world["rsj"])).json()
    assert [i["id"] for i in body["results"]] == [world["theirs"].pk]
    assert client.get(f"{BASE}/placements", **bearer(users["leader"])).status_code == 403


def test_detail_and_actions(world: dict[str, Any], client: Any, bearer: Any, users: Any) -> None:
    pk = world["mine"].pk
    body = client.get(f"{BASE}/placements/{pk}", **bearer(world["rsj"])).json()
    assert body["actions"] == ["interview", "hire", "drop"]
    assert body["steps"] == [{"label": "达成意向", "on": DAY.isoformat(), "detail": ""}]
    body = client.get(f"{BASE}/placements/{pk}", **bearer(users["qiye"])).json()
    assert body["actions"] == ["interview", "hire"]
    assert client.get(f"{BASE}/placements/{pk}", **bearer(users["yuxi"])).status_code == 404


def test_post_actions(world: dict[str, Any], client: Any, bearer: Any) -> None:
    pk = world["mine"].pk
    auth = bearer(world["rsj"])
    url = f"{BASE}/placements/{pk}/actions"
    r = client.post(
        f"{url}/hire", {"on": "2022-02-12", "version": 1}, content_type="application/json", **auth
    )
    assert r.status_code == 200, r.json()
    assert r.json()["state"] == "hired" and r.json()["version"] == 2
    # Stale version through If-Match.
    r = client.post(
        f"{url}/start", {"on": "2022-02-13"}, content_type="application/json", HTTP_IF_MATCH='"1"', **auth
    )
    assert r.status_code == 409 and r.json()["code"] == "stale_write"
    # Not allowed from the state.
    r = client.post(f"{url}/check_30", {"on": "2022-03-20"}, content_type="application/json", **auth)
    assert r.status_code == 409 and r.json()["code"] == "outcome_transition"
    # Date out of order.
    r = client.post(f"{url}/start", {"on": "2022-02-11"}, content_type="application/json", **auth)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "outcome_date_order"
    r = client.post(f"{url}/start", {"on": "2022-02-14"}, content_type="application/json", **auth)
    assert r.status_code == 200 and r.json()["started_on"] == "2022-02-14"
    r = client.post(f"{url}/check_30", {"on": "2022-03-01"}, content_type="application/json", **auth)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "follow_up_too_early"
    r = client.post(f"{url}/leave", {"on": "2022-03-20"}, content_type="application/json", **auth)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "reason_required"
    r = client.post(
        f"{url}/leave", {"on": "2022-03-20", "reason": "distance"}, content_type="application/json", **auth
    )
    assert r.status_code == 200
    body = r.json()
    assert body["state"] == "left" and body["employed_30"] is False and body["reason"] == "distance"
    assert body["actions"] == []
    r = client.post(f"{url}/promote", {"on": "2022-03-20"}, content_type="application/json", **auth)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "outcome_action"


def test_enterprise_actions(world: dict[str, Any], client: Any, bearer: Any, users: Any) -> None:
    auth = bearer(users["qiye"])
    url = f"{BASE}/placements/{world['mine'].pk}/actions"
    assert (
        client.post(f"{url}/hire", {"on": "2022-02-12"}, content_type="application/json", **auth).status_code
        == 200
    )
    r = client.post(
        f"{url}/drop", {"on": "2022-02-13", "reason": "wage"}, content_type="application/json", **auth
    )
    assert r.status_code == 403
    other = f"{BASE}/placements/{world['theirs'].pk}/actions/hire"
    assert (
        client.post(other, {"on": "2022-02-12"}, content_type="application/json", **auth).status_code == 404
    )
    world["theirs"].refresh_from_db()
    assert world["theirs"].state == S.INTENDED


def test_follow_ups(world: dict[str, Any], client: Any, bearer: Any, users: Any) -> None:
    rsj = world["rsj"]
    p = outcomes.record_result(rsj, jobseeker=world["seeker"], vacancy=world["job"], result="入职", on=DAY)
    on = DAY + timedelta(days=31)
    body = client.get(f"{BASE}/placements/follow-ups", {"on": on.isoformat()}, **bearer(rsj)).json()
    assert [(i["id"], i["due_action"]) for i in body["results"]] == [(p.pk, "check_30")]
    assert body["results"][0]["due_from"] == (DAY + timedelta(days=30)).isoformat()
    body = client.get(f"{BASE}/placements/follow-ups", {"on": on.isoformat()}, **bearer(users["yuxi"])).json()
    assert body["results"] == []


def test_open_placement(world: dict[str, Any], client: Any, bearer: Any, users: Any) -> None:
    payload = {"jobseeker_id": world["seeker"].pk, "vacancy_id": world["job"].pk, "on": "2022-02-20"}
    r = client.post(f"{BASE}/placements", payload, content_type="application/json", **bearer(world["rsj"]))
    assert r.status_code == 201 and r.json()["state"] == "intended"
    again = client.post(
        f"{BASE}/placements", payload, content_type="application/json", **bearer(world["rsj"])
    )
    assert again.status_code == 201 and again.json()["id"] == r.json()["id"]
    assert Placement.objects.filter(jobseeker=world["seeker"], vacancy=world["job"]).count() == 1
    # An enterprise may not; a town may not for another township's jobseeker.
    r = client.post(f"{BASE}/placements", payload, content_type="application/json", **bearer(users["qiye"]))
    assert r.status_code == 403
    payload["jobseeker_id"] = world["other"].pk
    r = client.post(f"{BASE}/placements", payload, content_type="application/json", **bearer(users["guxi"]))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "jobseeker_unknown"
