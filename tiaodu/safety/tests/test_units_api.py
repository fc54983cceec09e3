"""/api/v1/safety/units and /sectors: scope, filters, writes through the units service, versions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tiaodu.core.tests.districts import DADUKOU, TONGNAN
from tiaodu.regions.models import Region
from tiaodu.safety import units
from tiaodu.safety.models import Sector, Unit

pytestmark = pytest.mark.django_db
BASE = "/api/v1/safety"


def _post(client: Any, url: str, body: dict, headers: dict, method: str = "post") -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **headers)


def test_units_list_detail_and_scope(client: Any, users: dict, bearer: Any) -> None:
    ddk_town = Region.objects.filter(code__startswith=DADUKOU, level=4).first()
    a = units.create_unit(
        None, name="古溪化工厂", township="500152103", sector="危险化学品", risk_level="重大"
    )
    units.create_unit(None, name="玉溪商场", township="500152107", sector="商贸")
    units.create_unit(None, name="大渡口工地", township=ddk_town, sector="建筑施工")
    body = client.get(f"{BASE}/units", **bearer(users["leader"])).json()
    names = {u["name"] for u in body["results"]}
    assert names == {"古溪化工厂", "玉溪商场"}
    body = client.get(f"{BASE}/units?risk_level=major", **bearer(users["admin"])).json()
    assert [u["name"] for u in body["results"]] == ["古溪化工厂"]
    assert body["results"][0]["risk_colour"] == "red" and body["results"][0]["sector_code"] == "hazchem"
    detail = client.get(f"{BASE}/units/{a.pk}", **bearer(users["guxi"])).json()
    assert (
        detail["name"] == "古溪化工厂"
        and detail["open_hazards"] == 0
        and detail["township_code"] == "500152103"
    )
    assert client.get(f"{BASE}/units/{a.pk}", **bearer(users["yuxi"])).status_code == 404


def test_create_and_patch(client: Any, users: dict, bearer: Any) -> None:
    headers = bearer(users["guxi"])
    response = _post(
        client,
        f"{BASE}/units",
        {
            "name": "古溪码头",
            "township": "古溪镇",
            "sector": "水上交通",
            "unit_type": "port",
            "risk_level": "large",
        },
        headers,
    )
    assert response.status_code == 201, response.content
    unit = response.json()
    assert unit["sector_name"] == "水上交通" and unit["risk_colour"] == "orange" and unit["version"] == 1
    response = _post(
        client, f"{BASE}/units", {"name": "古溪码头", "township": "古溪镇", "sector": "水上交通"}, headers
    )
    assert response.status_code == 409 and response.json()["code"] == "unit_duplicate"
    response = _post(client, f"{BASE}/units", {"name": "X", "township": "古溪镇", "sector": "煤矿"}, headers)
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "sector_unknown"
    url = f"{BASE}/units/{unit['id']}"
    response = _post(
        client, url, {"risk_level": "major", "has_risk_list": True, "version": 1}, headers, "patch"
    )
    assert response.status_code == 200 and response.json()["risk_level"] == "major"
    response = _post(client, url, {"risk_level": "low", "version": 1}, headers, "patch")
    assert response.status_code == 409 and response.json()["code"] == "stale_write"
    assert Unit.objects.get(pk=unit["id"]).has_risk_list
    # An enterprise user may not register units.
    response = _post(
        client, f"{BASE}/units", {"name": "Y", "township": "古溪镇", "sector": "工贸"}, bearer(users["qiye"])
    )
    assert response.status_code == 403


def test_sectors_and_checklist(client: Any, users: dict, bearer: Any) -> None:
    body = client.get(f"{BASE}/sectors", **bearer(users["leader"])).json()
    assert len(body) == 18  # the district's defaults, set up on first use
    industry = next(s for s in body if s["code"] == "industry")
    assert industry["name"] == "工贸" and industry["department_name"] == "区应急管理局"
    assert industry["major_criterion_count"] >= 3
    items = client.get(f"{BASE}/sectors/{industry['id']}/checklist", **bearer(users["guxi"])).json()
    assert any(i["is_major_criterion"] and "粉尘" in i["text"] for i in items)
    ddk = client.get(f"{BASE}/sectors?district={DADUKOU}", **bearer(users["admin"])).json()
    assert len(ddk) == 18 and {s["district_code"] for s in ddk} == {DADUKOU}
    # 大渡口区's checklist is not 潼南区's to read for a town of 潼南区.
    other = Sector.objects.get(region__code=DADUKOU, code="industry")
    assert client.get(f"{BASE}/sectors/{other.pk}/checklist", **bearer(users["guxi"])).status_code == 404
    assert client.get(f"{BASE}/sectors?district=999999", **bearer(users["admin"])).status_code == 422
    assert TONGNAN
