"""/api/v1/employment/jobseekers: masked lists and details, lookup by ID number (hash), register
(201) or merge (200), reveal (audited; 403 pi_reveal_forbidden)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tiaodu.audit.models import SecurityEvent
from tiaodu.core.tests.districts import TONGNAN
from tiaodu.employment import idcard
from tiaodu.employment.models import Jobseeker, Placement
from tiaodu.employment.tests.factories import id_number, jobseeker, staff, town_user, vacancy
from tiaodu.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db
BASE = "/api/v1/employment/jobseekers"
GUXI, YUXI = "500152103", "500152107"


def post(client: Any, url: str, body: dict, headers: dict) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_list_detail_masked_and_scoped(client: Any, users: dict, bearer: Any) -> None:
    number = id_number(GUXI)
    row = jobseeker(GUXI, "张三", number=number, phone="13800001234", groups="poverty")
    jobseeker(YUXI, "李四")
    body = client.get(BASE, **bearer(staff(TONGNAN))).json()
    assert body["count"] == 2
    text = json.dumps(body, ensure_ascii=False)
    assert number not in text and "13800001234" not in text and "138****1234" in text
    assert client.get(f"{BASE}?group=poverty", **bearer(staff(TONGNAN))).json()["count"] == 1
    assert client.get(f"{BASE}?q={number}", **bearer(staff(TONGNAN))).json()["results"][0]["id"] == row.pk
    body = client.get(BASE, **bearer(town_user(YUXI))).json()
    assert [r["name"] for r in body["results"]] == ["李四"]
    assert client.get(f"{BASE}/{row.pk}", **bearer(town_user(YUXI))).status_code == 404
    assert client.get(BASE, **bearer(users["leader"])).json()["count"] == 0
    detail = client.get(f"{BASE}/{row.pk}", **bearer(town_user(GUXI))).json()
    assert detail["name"] == "张三" and detail["id_mask"] == row.id_mask and detail["groups"] == ["poverty"]


def test_enterprise_sees_met_candidates_masked(client: Any, users: dict, bearer: Any) -> None:
    enterprise = Enterprise.objects.get(organization=users["qiye"].organization)
    met = jobseeker(GUXI, "张三")
    jobseeker(GUXI, "王五")
    Placement.objects.create(
        district=met.district,
        township=met.township,
        jobseeker=met,
        vacancy=vacancy(enterprise),
        enterprise=enterprise,
        intended_on=date(2022, 2, 2),
    )
    headers = bearer(users["qiye"])
    body = client.get(BASE, **headers).json()
    assert [r["name"] for r in body["results"]] == ["张*"]
    response = post(client, f"{BASE}/{met.pk}/reveal", {"field": "id"}, headers)
    assert response.status_code == 403 and response.json()["code"] == "pi_reveal_forbidden"
    assert SecurityEvent.objects.filter(kind="pi_reveal_refused", user=users["qiye"]).exists()


def test_lookup_by_id_number(client: Any, users: dict, bearer: Any) -> None:
    number = id_number(GUXI)
    row = jobseeker(GUXI, number=number)
    found = client.get(f"{BASE}/lookup", {"id_number": number}, **bearer(staff(TONGNAN)))
    assert found.status_code == 200 and found.json()["id"] == row.pk
    assert client.get(f"{BASE}/lookup", {"id_number": number}, **bearer(town_user(YUXI))).status_code == 404
    assert (
        client.get(f"{BASE}/lookup", {"id_number": id_number()}, **bearer(staff(TONGNAN))).status_code == 404
    )


def test_register_then_merge(client: Any, users: dict, bearer: Any) -> None:
    headers = bearer(town_user(GUXI))
    number = idcard.make("500152", date(1992, 1, 2), 7)
    body = {
        "township": "古溪镇",
        "name": "陈七",
        "id_number": number,
        "phone": "13600001111",
        "education": "junior",
        "groups": ["poverty"],
        "experience": "制衣厂",
        "consent": True,
    }
    response = post(client, BASE, body, headers)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["sex"] == "m" and created["birth_year"] == 1992 and created["phone_mask"] == "136****1111"
    assert number not in response.content.decode()
    response = post(client, BASE, {**body, "groups": ["veteran"]}, headers)
    assert response.status_code == 200 and response.json()["id"] == created["id"]
    assert response.json()["groups"] == ["poverty", "veteran"] and Jobseeker.objects.count() == 1
    bad = post(client, BASE, {**body, "id_number": number[:16] + "X" + number[17]}, headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "id_number_format"
    bad = post(client, BASE, {**body, "consent": False}, headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "consent_required"
    bad = post(client, BASE, {**body, "phone": "123"}, headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "phone_format"
    assert post(client, BASE, {**body, "township": "玉溪镇"}, headers).status_code == 403
    assert post(client, BASE, body, bearer(users["leader"])).status_code == 403


def test_reveal(client: Any, users: dict, bearer: Any) -> None:
    number = id_number(GUXI)
    row = jobseeker(GUXI, number=number, phone="13800001234")
    response = post(client, f"{BASE}/{row.pk}/reveal", {"field": "id"}, bearer(staff(TONGNAN)))
    assert response.status_code == 200 and response.json()["value"] == number
    response = post(client, f"{BASE}/{row.pk}/reveal", {"field": "phone"}, bearer(town_user(GUXI)))
    assert response.json()["value"] == "13800001234"
    assert SecurityEvent.objects.filter(kind="pi_revealed").count() == 2
    response = post(client, f"{BASE}/{row.pk}/reveal", {"field": "name"}, bearer(staff(TONGNAN)))
    assert response.status_code == 422
    response = post(client, f"{BASE}/{row.pk}/reveal", {"field": "id"}, bearer(users["admin"]))
    assert response.status_code == 200
