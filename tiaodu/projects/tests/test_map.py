"""The one map (一张图): its page, its data and the district outline, through the permission scope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from tiaodu.projects.models import Project
from tiaodu.projects.tests.factories import GUXI, YUXI, project
from tiaodu.projects.views_map import COLUMNS, has_card_field, tile_origin

pytestmark = pytest.mark.django_db

PAGE, DATA, OUTLINE = "/projects/map/", "/projects/map/data.json", "/projects/map/outline.json"


def at(lon: str, lat: str) -> dict[str, Decimal]:
    return {"longitude": Decimal(lon), "latitude": Decimal(lat)}


@pytest.fixture
def placed(db: Any) -> dict[str, Project]:
    return {
        "guxi": project(
            GUXI, name="古溪地图项目", stage="building", level="city", **at("105.9301", "30.3010")
        ),
        "guxi_nowhere": project(GUXI, name="古溪无坐标项目"),
        "yuxi": project(YUXI, name="玉溪地图项目", stage="reserve", **at("105.7790", "30.2580")),
    }


def csp(response: Any) -> dict[str, str]:
    directives = (d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["columns"] == COLUMNS
    return [dict(zip(COLUMNS, row, strict=True)) for row in body["rows"]]


def test_anonymous_is_sent_to_login(client: Any) -> None:
    for path in (PAGE, DATA, OUTLINE):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_enterprise_user_has_no_map(users: dict, client_for: Any) -> None:
    web = client_for(users["qiye"])
    assert web.get(PAGE).status_code == 403
    assert web.get(DATA).status_code == 403


def test_town_user_sees_only_its_township(users: dict, client_for: Any, placed: dict) -> None:
    web = client_for(users["guxi"])
    found = rows(web.get(DATA))
    assert {r["township"] for r in found} == {"古溪镇"}
    names = {r["name"] for r in found}
    assert "古溪地图项目" in names and "玉溪地图项目" not in names
    assert "古溪无坐标项目" not in names  # no coordinates: counted, not drawn
    expected = Project.objects.restrict(users["guxi"]).filter(longitude__isnull=False)
    assert {r["id"] for r in found} == set(expected.values_list("pk", flat=True))
    body = web.get(DATA).json()
    assert body["unlocated"] == Project.objects.restrict(users["guxi"]).filter(longitude__isnull=True).count()
    assert body["unlocated"] >= 1
    # Asking for another township's projects gives nothing, not that township's rows.
    assert rows(web.get(DATA, {"township": YUXI})) == []
    # The page offers only the user's own township.
    page = web.get(PAGE).content.decode()
    assert f'value="{GUXI}"' in page and f'value="{YUXI}"' not in page


def test_row_content(users: dict, client_for: Any, placed: dict) -> None:
    body = client_for(users["leader"]).get(DATA).json()
    row = next(dict(zip(COLUMNS, r, strict=True)) for r in body["rows"] if r[0] == placed["guxi"].pk)
    assert row == {
        "id": placed["guxi"].pk,
        "name": "古溪地图项目",
        "stage": "building",
        "level": "city",
        "township": "古溪镇",
        "investment": 1000.0,
        "lon": 105.9301,
        "lat": 30.301,
        "card": "",
    }
    assert body["stages"]["building"] == "在建"
    assert body["levels"]["city"] == "市级重点"
    assert body["cards"] == {"red": "红牌", "yellow": "黄牌"}
    assert body["detail_url"].replace("{id}", str(row["id"])) == placed["guxi"].get_absolute_url()
    assert body["labels"]["investment"] == "总投资(万元)"
    assert body["count"] == len(body["rows"])
    assert str(body["count"]) in body["summary"]


def test_filters_are_the_list_filters(users: dict, client_for: Any, placed: dict) -> None:
    web = client_for(users["leader"])
    assert {r["stage"] for r in rows(web.get(DATA, {"stage": "building"}))} == {"building"}
    assert {r["level"] for r in rows(web.get(DATA, {"level": "city"}))} == {"city"}
    assert {r["township"] for r in rows(web.get(DATA, {"township": YUXI}))} == {"玉溪镇"}
    both = rows(web.get(DATA, {"township": GUXI, "stage": "building", "level": "city"}))
    assert placed["guxi"].pk in {r["id"] for r in both}
    assert {(r["township"], r["stage"], r["level"]) for r in both} == {("古溪镇", "building", "city")}
    assert [r["name"] for r in rows(web.get(DATA, {"q": "玉溪地图"}))] == ["玉溪地图项目"]
    building = rows(web.get(DATA, {"list": "building"}))
    assert building and {r["stage"] for r in building} <= {"started", "building"}
    assert rows(web.get(DATA, {"stage": ""})) == rows(web.get(DATA))  # empty values are ignored


def test_invalid_filter_is_a_400_with_reasons(users: dict, client_for: Any) -> None:
    response = client_for(users["leader"]).get(DATA, {"stage": "flying", "card": "green"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_filter"
    assert any(e.startswith("阶段") for e in body["errors"])
    assert any(e.startswith("督办牌") for e in body["errors"])


def test_card_filter(users: dict, client_for: Any, placed: dict) -> None:
    web = client_for(users["leader"])
    if not has_card_field():
        # No 督办牌 on projects yet: nothing carries one.
        assert rows(web.get(DATA, {"card": "red"})) == []
        assert rows(web.get(DATA, {"card": "any"})) == []
        return
    Project.objects.filter(pk=placed["guxi"].pk).update(card="red")
    Project.objects.filter(pk=placed["yuxi"].pk).update(card="yellow")
    red = rows(web.get(DATA, {"card": "red"}))
    assert placed["guxi"].pk in {r["id"] for r in red} and {r["card"] for r in red} == {"red"}
    yellow = rows(web.get(DATA, {"card": "yellow"}))
    assert placed["yuxi"].pk in {r["id"] for r in yellow} and {r["card"] for r in yellow} == {"yellow"}
    assert {r["card"] for r in rows(web.get(DATA, {"card": "any"}))} == {"red", "yellow"}


def test_data_takes_two_queries_whatever_the_number_of_rows(users: dict, client_for: Any) -> None:
    web = client_for(users["leader"])
    web.get(DATA)  # session and user loaded once

    def statements() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert web.get(DATA).status_code == 200
        return len(ctx.captured_queries)

    before = statements()
    for n in range(5):
        project(GUXI, name=f"批量地图项目{n}", **at("105.93", f"30.30{n}"))
    assert statements() == before


def test_outline_of_the_users_district(users: dict, client_for: Any, placed: dict) -> None:
    for username in ("leader", "guxi", "squad1"):
        body = client_for(users[username]).get(OUTLINE).json()
        assert body["type"] == "FeatureCollection"
        codes = [f["properties"]["code"] for f in body["features"]]
        assert codes[0] == "500152", username
        feature = body["features"][0]
        assert feature["properties"]["name"] == "潼南区"
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert len(feature["geometry"]["coordinates"][0][0]) > 100
    # The administrator also sees the projects of 大渡口区, so both outlines are drawn.
    project("500104001", name="大渡口地图项目", **at("106.4826", "29.4841"))
    codes = [f["properties"]["code"] for f in client_for(users["admin"]).get(OUTLINE).json()["features"]]
    assert codes[0] == "500152" and "500104" in codes


def test_page(users: dict, client_for: Any) -> None:
    response = client_for(users["leader"]).get(PAGE, {"stage": "building"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="project-map"' in page
    assert 'data-data-url="/projects/map/data.json"' in page
    assert 'data-outline-url="/projects/map/outline.json"' in page
    assert 'data-tile-url=""' in page
    assert "vendor/leaflet/leaflet.js" in page and "tiaodu/project-map.js" in page
    assert '<option value="building" selected>' in page
    assert "<script>" not in page  # the CSP allows no inline script
    assert csp(response)["img-src"] == "'self' data:"  # no tile server: nothing else is loaded


@override_settings(TIAODU_MAP_TILE_URL="https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png")
def test_tile_server_is_optional_and_allowed_by_the_csp(users: dict, client_for: Any) -> None:
    response = client_for(users["leader"]).get(PAGE)
    assert 'data-tile-url="https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png"' in response.content.decode()
    assert csp(response)["img-src"] == "'self' data: https://*.tiles.example.gov.cn"
    assert csp(response)["script-src"] == "'self'"


def test_tile_origin() -> None:
    assert tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert tile_origin("http://10.0.0.8:8080/tiles/{z}/{x}/{y}.png") == "http://10.0.0.8:8080"
    assert tile_origin("/tiles/{z}/{x}/{y}.png") is None
    assert tile_origin("") is None


def test_data_and_outline_are_compressed_when_the_browser_accepts_gzip(
    users: dict, client_for: Any, placed: dict
) -> None:
    import gzip

    import orjson

    client = client_for(users["leader"])
    for url in (DATA, OUTLINE):
        plain = client.get(url)
        packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert "Content-Encoding" not in plain, url
        assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"], url
        assert orjson.loads(gzip.decompress(packed.content)) == plain.json(), url
    outline_plain, outline_packed = client.get(OUTLINE), client.get(OUTLINE, HTTP_ACCEPT_ENCODING="gzip")
    assert len(outline_packed.content) < len(outline_plain.content) / 2
