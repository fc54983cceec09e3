"""/api/v1/employment/vacancies and /needs/{id}/vacancies (lane C): scope, filters, writes through
the vacancy service, stable error codes, versions."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tiaodu.cases.tests.factories import credit_code, enterprise, qiye_enterprise
from tiaodu.core.tests.districts import DADUKOU, TONGNAN
from tiaodu.employment import vacancies
from tiaodu.employment.models import Vacancy
from tiaodu.employment.tests.factories import staff
from tiaodu.enterprises.models import Enterprise
from tiaodu.enterprises.services import NeedInput, record_need

pytestmark = pytest.mark.django_db
BASE = "/api/v1/employment"


def firm(serial: int, township: str = "500152103") -> Enterprise:
    return enterprise(credit_code(8_400_000 + serial), township, f"接口测试企业{serial}")


def send(client: Any, method: str, url: str, body: dict, headers: dict) -> Any:
    return getattr(client, method)(
        url, json.dumps(body, default=str), content_type="application/json", **headers
    )


def test_list_detail_filters_and_scope(client: Any, users: dict, bearer: Any) -> None:
    a = vacancies.create_vacancy(
        None,
        enterprise=firm(1),
        title="接口缝纫工",
        headcount=10,
        published_on=date(2022, 2, 1),
        wage_min=3500,
        wage_max=5000,
    )
    vacancies.create_vacancy(
        None, enterprise=qiye_enterprise(), title="接口包装工", headcount=2, published_on=date(2022, 3, 1)
    )
    ddk = Enterprise.objects.filter(township__code__startswith=DADUKOU).first()
    assert ddk is not None
    vacancies.create_vacancy(
        None, enterprise=ddk, title="接口大渡口岗", headcount=1, published_on=date(2022, 2, 1)
    )
    body = client.get(f"{BASE}/vacancies?q=接口", **bearer(users["leader"])).json()
    assert {v["title"] for v in body["results"]} == {"接口缝纫工", "接口包装工"}
    body = client.get(f"{BASE}/vacancies?q=接口&wage=4000", **bearer(users["leader"])).json()
    assert [v["title"] for v in body["results"]] == ["接口缝纫工"]
    body = client.get(f"{BASE}/vacancies?q=接口&open_on=2022-02-15", **bearer(users["leader"])).json()
    assert [v["title"] for v in body["results"]] == ["接口缝纫工"]
    assert client.get(f"{BASE}/vacancies?open_on=2022-13-01", **bearer(users["leader"])).status_code == 422
    mine = client.get(f"{BASE}/vacancies", **bearer(users["qiye"])).json()
    assert {v["title"] for v in mine["results"]} == {"接口包装工"}
    detail = client.get(f"{BASE}/vacancies/{a.pk}", **bearer(users["guxi"])).json()
    assert detail["title"] == "接口缝纫工" and detail["district_code"] == TONGNAN
    assert (detail["wage_min"], detail["wage_max"], detail["status"]) == (3500, 5000, "open")
    assert detail["enterprise_credit_code"] == a.enterprise.credit_code and detail["version"] == 1
    assert client.get(f"{BASE}/vacancies/{a.pk}", **bearer(users["qiye"])).status_code == 404
    assert client.get(f"{BASE}/vacancies/{a.pk}", **bearer(staff(DADUKOU))).status_code == 404


def test_create_refusals_and_patch(client: Any, users: dict, bearer: Any) -> None:
    company = firm(2)
    headers = bearer(staff(TONGNAN))
    body = {
        "enterprise": company.credit_code,
        "title": "接口质检员",
        "headcount": 3,
        "published_on": "2022-02-20",
        "requirements": "限男性",
        "wage_min": 5000,
        "wage_max": 4000,
        "shift": "two",
    }
    refused = send(client, "post", f"{BASE}/vacancies", body, headers)
    assert refused.status_code == 422
    found = {(e["field"], e["code"]) for e in refused.json()["errors"]}
    assert found == {("requirements", "discriminatory_requirement"), ("wage_min", "wage_floor_above_ceiling")}
    assert not Vacancy.objects.filter(enterprise=company).exists()
    body.update(requirements="有质检经验", wage_min=4000, wage_max=5000)
    made = send(client, "post", f"{BASE}/vacancies", body, headers)
    assert made.status_code == 201, made.content
    data = made.json()
    assert (data["title"], data["shift"], data["township_code"]) == ("接口质检员", "two", "500152103")
    # Change with the version; a stale version is 409 with the current values; status through PATCH.
    url = f"{BASE}/vacancies/{data['id']}"
    changed = send(client, "patch", url, {"headcount": 5, "version": 1}, headers)
    assert changed.status_code == 200 and changed.json()["headcount"] == 5 and changed.json()["version"] == 2
    stale = send(client, "patch", url, {"headcount": 6}, {**headers, "HTTP_IF_MATCH": '"1"'})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_write"
    closed = send(client, "patch", url, {"status": "filled", "version": 2}, headers)
    assert closed.status_code == 200 and closed.json()["status"] == "filled"
    bad = send(client, "patch", url, {"age_max": 40}, headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "age_limit_without_ground"
    # Towns read, do not write; an enterprise writes its own only.
    town = send(client, "patch", url, {"headcount": 1}, bearer(users["guxi"]))
    assert town.status_code == 403
    other = send(client, "post", f"{BASE}/vacancies", {**body, "title": "别家"}, bearer(users["qiye"]))
    assert other.status_code in (403, 404)
    own = send(
        client,
        "post",
        f"{BASE}/vacancies",
        {**body, "enterprise": qiye_enterprise().credit_code, "title": "自家岗位"},
        bearer(users["qiye"]),
    )
    assert own.status_code == 201
    assert Vacancy.objects.get(pk=data["id"]).headcount == 5


def test_need_into_vacancies(client: Any, users: dict, bearer: Any) -> None:
    company = firm(3)
    need = record_need(
        None,
        company,
        NeedInput(kind="labour", raised_on=date(2022, 1, 10), people=20, job_types="焊工、普工"),
    )
    headers = bearer(staff(TONGNAN))
    url = f"{BASE}/needs/{need.pk}/vacancies"
    too_many = send(client, "post", url, {"rows": [{"title": "焊工", "headcount": 25}]}, headers)
    assert too_many.status_code == 422 and too_many.json()["code"] == "need_headcount_exceeded"
    row_error = send(
        client,
        "post",
        url,
        {"rows": [{"title": "焊工", "headcount": 5, "requirements": "限本地人"}]},
        headers,
    )
    assert row_error.status_code == 422
    assert row_error.json()["errors"][0]["field"] == "rows[0].requirements"
    made = send(client, "post", url, {}, headers)
    assert made.status_code == 201, made.content
    assert [(v["title"], v["headcount"], v["published_on"], v["need_id"]) for v in made.json()] == [
        ("焊工", 10, "2022-01-10", need.pk),
        ("普工", 10, "2022-01-10", need.pk),
    ]
    assert send(client, "post", url, {}, bearer(users["qiye"])).status_code == 404
    money = record_need(None, company, NeedInput(kind="financing", raised_on=date(2022, 1, 10)))
    refused = send(client, "post", f"{BASE}/needs/{money.pk}/vacancies", {}, headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "need_not_labour"
