"""/api/v1/investment/projects: list (paginated, the list's filters), detail with version and
history, create under 首报制 (422/409 with codes), update with If-Match (409 stale_write), stage
moves (409 transition_not_allowed), follow-ups and funds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tiaodu.investment import services
from tiaodu.investment.models import IndustryChain, InvestmentStageChange
from tiaodu.investment.tests.factories import district, project
from tiaodu.investment.tests.test_scope_investment import pipeline

pytestmark = pytest.mark.django_db
URL = "/api/v1/investment/projects"


def test_list_and_detail(users: Any, client: Any, bearer: Any) -> None:
    world = pipeline(users)
    auth = bearer(users["jxw"])
    r = client.get(URL, {"page_size": 200, "q": "招商测试项目"}, **auth)
    assert r.status_code == 200
    data = r.json()
    ids = {row["id"] for row in data["results"]}
    assert {world.guxi.pk, world.yuxi.pk} <= ids and world.ddk.pk not in ids
    assert data["count"] == len(ids)
    r = client.get(URL, {"stage": "signed", "is_key": "true", "q": "招商测试项目"}, **auth)
    assert [row["id"] for row in r.json()["results"]] == [world.guxi.pk]
    r = client.get(URL, {"team": world.team.pk, "amount_min": "7000", "amount_max": "8000"}, **auth)
    assert [row["id"] for row in r.json()["results"]] == [world.guxi.pk]
    assert client.get(URL, {"stage": "nonsense"}, **auth).status_code == 422

    r = client.get(f"{URL}/{world.guxi.pk}", **auth)
    detail = r.json()
    assert detail["planned_investment"] == pytest.approx(12345.67)
    assert detail["agreed_investment"] == pytest.approx(7654.32)
    assert detail["notes"] == "洽谈底价九折" and detail["card"] == "red"
    assert detail["version"] == world.guxi.version
    assert [(c["from_stage"], c["to_stage"]) for c in detail["stage_changes"]] == [
        ("", "negotiating"),
        ("negotiating", "signed"),
    ]
    assert detail["allowed_stages"] == ["registered", "started", "terminated"]
    assert client.get(f"{URL}/{world.ddk.pk}", **auth).status_code == 404
    assert client.get(f"{URL}/2000000000", **auth).status_code == 404
    assert client.get(URL, **bearer(users["qiye"])).status_code == 403


def _body(**extra: Any) -> dict[str, Any]:
    return {
        "name": "接口新增项目",
        "investor_name": "重庆潼南接口测试科技有限公司",
        "planned_investment": "6000",
        "stage": "contact",
        "on": "2022-02-01",
        "source": "expo",
        **extra,
    }


def test_create_with_codes(users: Any, client: Any, bearer: Any) -> None:
    tn = district()
    auth = bearer(users["admin"])
    chain = IndustryChain.objects.filter(region=tn).order_by("pk").first()
    assert chain is not None
    r = client.post(
        URL, _body(chain_id=chain.pk, investor_region="440300"), content_type="application/json", **auth
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "investor_region"  # not loaded here
    r = client.post(
        URL, _body(chain_id=chain.pk, investor_region="500104"), content_type="application/json", **auth
    )
    assert r.status_code == 201, r.json()
    created = r.json()
    assert created["stage"] == "contact" and created["chain_id"] == chain.pk
    assert created["investor_region_code"] == "500104" and created["stage_changes"][0]["on"] == "2022-02-01"
    # Bad input: a negative amount, an unknown chain, 协议投资额 before signing.
    for extra, code in (
        ({"planned_investment": "-1"}, "too_small"),
        ({"chain_id": 2_000_000_000}, "chain_unknown"),
        ({"agreed_investment": "10"}, "agreed_before_signing"),
        ({"stage": "terminated"}, "stage_unknown"),
    ):
        r = client.post(
            URL,
            _body(name="坏数据", investor_name="坏数据公司", **extra),
            content_type="application/json",
            **auth,
        )
        assert r.status_code == 422, extra
        assert code in {e["code"] for e in r.json()["errors"]}, (extra, r.json())
    # The same investor again: 409 duplicate_investor naming the first report; with the decision
    # asked for, saved as 待裁定.
    again = _body(name="接口重复项目", investor_name="接口测试科技(重庆)有限公司")
    r = client.post(URL, again, content_type="application/json", **auth)
    assert r.status_code == 409 and r.json()["code"] == "duplicate_investor"
    assert "接口新增项目" in r.json()["message"]
    r = client.post(URL, {**again, "submit_as_duplicate": True}, content_type="application/json", **auth)
    assert r.status_code == 201
    assert (r.json()["duplicate_status"], r.json()["duplicate_of_id"]) == ("pending", created["id"])


def test_update_with_if_match_and_stage_moves(users: Any, client: Any, bearer: Any) -> None:
    p = project(stage="negotiating", on=date(2022, 1, 5))
    auth = bearer(users["admin"])
    r = client.patch(
        f"{URL}/{p.pk}",
        {"follow_level": "close"},
        content_type="application/json",
        HTTP_IF_MATCH=f'"{p.version}"',
        **auth,
    )
    assert r.status_code == 200 and r.json()["follow_level"] == "close"
    version = r.json()["version"]
    assert version == p.version + 1
    r = client.patch(
        f"{URL}/{p.pk}",
        {"notes": "旧版本"},
        content_type="application/json",
        HTTP_IF_MATCH=f'"{p.version}"',
        **auth,
    )
    assert r.status_code == 409 and r.json()["code"] == "stale_write" and r.json()["version"] == version
    # Stage moves: allowed, forbidden (409 transition_not_allowed, nothing written), signing.
    r = client.post(
        f"{URL}/{p.pk}/stage",
        {"to": "intent", "on": "2022-02-01", "version": version},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 200 and r.json()["stage"] == "intent"
    r = client.post(
        f"{URL}/{p.pk}/stage",
        {"to": "producing", "on": "2022-02-02"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 409 and r.json()["code"] == "transition_not_allowed"
    assert InvestmentStageChange.objects.filter(project=p).count() == 2
    r = client.post(
        f"{URL}/{p.pk}/stage", {"to": "signed", "on": "2022-03-01"}, content_type="application/json", **auth
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "agreed_investment_required"
    r = client.post(
        f"{URL}/{p.pk}/stage",
        {"to": "signed", "on": "2022-03-01", "agreed_investment": "45000"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 200 and r.json()["agreed_investment"] == 45000
    # A reader may not move: leader 403.
    r = client.post(
        f"{URL}/{p.pk}/stage",
        {"to": "registered"},
        content_type="application/json",
        **bearer(users["leader"]),
    )
    assert r.status_code == 403


def test_follow_ups_and_funds(users: Any, client: Any, bearer: Any) -> None:
    p = project(stage="negotiating", on=date(2022, 1, 5))
    auth = bearer(users["admin"])
    body = {
        "kind": "talks",
        "on": "2022-02-03",
        "people": "李组长",
        "outcome": "第二轮洽谈",
        "next_on": "2022-03-01",
    }
    r = client.post(f"{URL}/{p.pk}/follow-ups", body, content_type="application/json", **auth)
    assert r.status_code == 201 and r.json()["people"] == "李组长"
    r = client.get(f"{URL}/{p.pk}/follow-ups", **auth)
    assert [row["outcome"] for row in r.json()] == ["第二轮洽谈"]
    assert client.get(f"{URL}/{p.pk}", **auth).json()["next_follow_up_on"] == "2022-03-01"
    funds = {"month": "2022-02-01", "amount": "300", "source": "abroad"}
    r = client.post(f"{URL}/{p.pk}/funds", funds, content_type="application/json", **auth)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "funds_before_signing"
    services.change_stage(None, p.pk, "signed", date(2022, 1, 20), agreed_investment=Decimal(1000))
    r = client.post(f"{URL}/{p.pk}/funds", funds, content_type="application/json", **auth)
    assert r.status_code == 201 and r.json()["amount"] == 300
    assert [row["month"] for row in client.get(f"{URL}/{p.pk}/funds", **auth).json()] == ["2022-02-01"]
