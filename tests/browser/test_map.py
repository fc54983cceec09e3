"""The one map (一张图) in a real browser: the district outline, clustered project pins, the filters,
the project card of a pin and its link — and a town user sees only its own township's projects.
No console error, no Content-Security-Policy violation.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_support import log_in

pytestmark = pytest.mark.browser

GUXI = "500152103"
READY = "#project-map[data-state=ready]"
PIN = ".leaflet-marker-pane .leaflet-marker-icon.td-pin"
CLUSTER = ".leaflet-marker-pane .marker-cluster"


def open_map(b: Any, username: str, query: str = "") -> Any:
    page = b.page
    log_in(page, b.platform, username)
    page.goto(b.url("/projects/map/" + query))
    page.wait_for_selector(READY)
    page.wait_for_selector(f"{PIN}, {CLUSTER}")
    return page


def map_data(page: Any, b: Any, query: str = "") -> dict[str, Any]:
    """What the map's data endpoint answers in this browser session."""
    response = page.request.get(b.url("/projects/map/data.json" + query))
    assert response.ok
    body: dict[str, Any] = response.json()
    return body


def settle(page: Any) -> None:
    """Wait until the map's zoom and cluster animations are over."""
    page.wait_for_function(
        "() => !document.querySelector('.leaflet-zoom-anim, .leaflet-cluster-anim')", timeout=10_000
    )


def test_map_outline_clusters_filter_and_project_card(browsing: Any) -> None:
    b = browsing()
    page = open_map(b, "leader")
    box = page.locator("#project-map")
    everything = map_data(page, b)
    assert int(box.get_attribute("data-count")) == everything["count"] >= 8
    assert page.locator("#map-summary").inner_text() == everything["summary"]
    # The district outline is the base layer (no tile server configured); it loads on its own request.
    page.wait_for_function("() => document.querySelector('#project-map').dataset.outline", timeout=15_000)
    assert (box.get_attribute("data-outline") or "").split(",")[0] == "500152"
    assert page.locator("path.td-map-outline").count() >= 1
    assert page.locator(".leaflet-tile").count() == 0
    assert page.locator(CLUSTER).count() >= 1  # at district zoom the pins cluster
    b.check("district")

    # Filtering by township refetches the data (the page is not reloaded) and updates the URL.
    with page.expect_response(lambda r: "/projects/map/data.json?township=" + GUXI in r.url):
        page.select_option("#f-township", GUXI)
    page.wait_for_selector(READY)
    guxi = map_data(page, b, "?township=" + GUXI)
    assert {row[4] for row in guxi["rows"]} == {"古溪镇"}
    assert int(box.get_attribute("data-count")) == guxi["count"] >= 2
    assert page.url.endswith("?township=" + GUXI)
    assert page.locator("#map-list-link").get_attribute("href") == "/projects/?township=" + GUXI

    # Zoom into the cluster until the pins stand apart, then open one.
    pins = page.locator(PIN)
    for _ in range(10):
        if pins.count():
            break
        page.locator(CLUSTER).first.click()
        settle(page)
    assert pins.count() >= 1
    b.check("guxi-pins")
    pin = pins.first
    name = pin.get_attribute("title")
    pin.click()
    card = page.locator(".leaflet-popup .td-map-card")
    card.wait_for()
    page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    assert card.locator(".td-map-card-name").inner_text() == name
    row = next(r for r in guxi["rows"] if r[1] == name)
    assert guxi["stages"][row[2]] in card.locator(".td-map-card-stage").inner_text()
    text = card.inner_text()
    assert "古溪镇" in text and "总投资(万元)" in text and "项目级别" in text
    href = card.locator(".td-map-card-open").get_attribute("href")
    assert href is not None and re.fullmatch(rf"/projects/{row[0]}/", href)
    b.check("project-card")

    with page.expect_navigation():
        card.locator(".td-map-card-open").click()
    assert page.url == b.url(href)
    assert page.locator("#project-name").inner_text() == name
    b.check("project-page")


def test_town_user_sees_only_its_township(browsing: Any) -> None:
    leader = browsing("leader")
    open_map(leader, "leader")
    district_count = int(leader.page.locator("#project-map").get_attribute("data-count"))
    leader.check("leader")

    b = browsing("guxi")
    page = open_map(b, "guxi")
    body = map_data(page, b)
    assert body["rows"] and {row[4] for row in body["rows"]} == {"古溪镇"}
    shown = int(page.locator("#project-map").get_attribute("data-count"))
    assert shown == body["count"] < district_count
    # Only the user's own township can be chosen.
    options = page.locator("#f-township option").evaluate_all("os => os.map(o => o.value)")
    assert options == ["", GUXI]
    # Another township's projects cannot be asked for.
    assert map_data(page, b, "?township=500152107")["rows"] == []
    # Every project shown is on the map, as a pin or inside a cluster (the cluster's number), and
    # every pin is one of the township's projects.
    pins = page.locator(PIN)
    in_clusters = page.locator(CLUSTER).evaluate_all("cs => cs.map(c => parseInt(c.innerText, 10))")
    assert pins.count() + sum(in_clusters) == shown
    titles = set(pins.evaluate_all("ps => ps.map(p => p.title)"))
    assert titles <= {row[1] for row in body["rows"]}
    b.check("guxi")


def test_monitoring_dashboard_choropleth(browsing: Any) -> None:
    """The monitoring dashboard: the seed's figures on the cards and the index drawn over the
    city's 38 county units, 潼南区 outlined; a town user gets its district's dashboard."""
    b = browsing()
    page = b.page
    log_in(page, b.platform, "leader")
    page.goto(b.url("/monitoring/?region=500152&period=2022-M01-02"))
    page.wait_for_selector("#index-map[data-state=ready]", timeout=20_000)
    assert page.locator("#index-map").get_attribute("data-count") == "38"
    assert page.locator("#index-map path.leaflet-interactive").count() >= 38
    cards = page.locator("#index-cards").inner_text()
    assert "74.41" in cards and "排名全市第12位" in cards and "90%区间" in cards
    investment = page.locator("[data-indicator=gy_tz]").inner_text()
    assert "同比增长22.5%" in investment and "高于全市7.9个百分点" in investment
    assert re.search(r"排名全市第17位", investment)
    b.check("monitoring")
    town = browsing("town")
    log_in(town.page, town.platform, "guxi")
    town.page.goto(town.url("/monitoring/"))
    assert "潼南区2022年上半年经济运行监测" in town.page.locator("#dashboard-title").inner_text()
    town.check("monitoring-town")
