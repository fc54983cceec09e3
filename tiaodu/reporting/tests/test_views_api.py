"""Pages and /api/v1/reporting with the demo users; the demo loader."""

from __future__ import annotations

from typing import Any

import pytest

from tiaodu.enterprises.models import Enterprise
from tiaodu.monitoring.models import EnterpriseValue
from tiaodu.reporting import services
from tiaodu.reporting.choices import AlertState
from tiaodu.reporting.models import OutputAlert, Reminder, ReportingRound, ReportSlot
from tiaodu.reporting.tests.conftest import current, seed, slot_of

pytestmark = pytest.mark.django_db


def test_pages(
    rnd: ReportingRound, firms: dict[str, Enterprise], users: dict[str, Any], client_for: Any
) -> None:
    leader, guxi, qiye = client_for(users["leader"]), client_for(users["guxi"]), client_for(users["qiye"])
    assert rnd.title in leader.get("/reporting/").content.decode()
    assert rnd.title in qiye.get("/reporting/").content.decode()
    assert leader.get("/reporting/?export=xlsx").status_code == 200
    page = guxi.get(f"/reporting/{rnd.pk}/").content.decode()
    assert firms["guxi_key"].name in page and firms["yuxi_key"].name not in page
    own = qiye.get(f"/reporting/{rnd.pk}/").content.decode()
    assert firms["qiye"].name in own and firms["guxi_key"].name not in own and "round-totals" not in own

    url = f"/reporting/{rnd.pk}/slots/{slot_of(rnd, firms['qiye']).pk}/"
    form = qiye.get(url)
    assert form.status_code == 200 and "规模以上工业总产值" in form.content.decode()
    bad = qiye.post(url, {"gy_zcz": "-1", "yysr": "100"})
    assert bad.status_code == 422 and "不能为负数" in bad.content.decode()
    assert not slot_of(rnd, firms["qiye"]).is_submitted
    ok = qiye.post(url, {"gy_zcz": "1.25", "yysr": "12000"})
    assert ok.status_code == 302
    assert current(firms["qiye"], "2023年1-2月").value == 1.25
    history = qiye.get(url).content.decode()
    assert "versions-table" in history and rnd.title in history
    assert qiye.get(f"/reporting/{rnd.pk}/slots/{slot_of(rnd, firms['guxi_key']).pk}/").status_code == 404
    assert guxi.get(f"/reporting/{rnd.pk}/slots/{slot_of(rnd, firms['yuxi_key']).pk}/").status_code == 404

    assert guxi.post(f"/reporting/{rnd.pk}/close/").status_code == 403
    assert leader.post(f"/reporting/{rnd.pk}/remind/", {"note": "请尽快报送"}).status_code == 302
    assert Reminder.objects.get(round=rnd).missing_count == 3
    # the 催报 record names the district's missing units: a town user does not see it
    after = guxi.get(f"/reporting/{rnd.pk}/").content.decode()
    assert firms["yuxi_key"].name not in after and "请尽快报送" not in after
    assert "请尽快报送" in leader.get(f"/reporting/{rnd.pk}/").content.decode()
    seed(firms["qiye"], "2022年1-2月", "2.5")  # 1.25 this year: −50%
    assert leader.post(f"/reporting/{rnd.pk}/close/").status_code == 302
    rnd.refresh_from_db()
    assert rnd.state == "closed" and rnd.reported_count == 1 and rnd.alert_count == 1
    closed = leader.get(f"/reporting/{rnd.pk}/").content.decode()
    assert "round-totals" in closed and "alert-list" in closed
    again = qiye.post(url, {"gy_zcz": "1.3", "yysr": "12000"})
    assert again.status_code == 422 and "已关闭" in again.content.decode()

    alert = OutputAlert.objects.get(round=rnd)
    listing = guxi.get("/reporting/alerts/?period=2023年1-2月").content.decode()
    assert firms["qiye"].name in listing
    assert "period" in guxi.get("/reporting/alerts/?period=某月").content.decode()  # filter error shown
    assert client_for(users["yuxi"]).get(f"/reporting/alerts/{alert.pk}/").status_code == 404
    assert qiye.get("/reporting/alerts/").status_code == 403
    page = guxi.get(f"/reporting/alerts/{alert.pk}/")
    assert page.status_code == 200 and "-50.0%" in page.content.decode()
    assert guxi.post(f"/reporting/alerts/{alert.pk}/", {"action": "handle", "note": ""}).status_code == 422
    assert (
        guxi.post(f"/reporting/alerts/{alert.pk}/", {"action": "handle", "note": "已协调"}).status_code == 302
    )
    alert.refresh_from_db()
    assert alert.state == AlertState.HANDLED and alert.handled_by == users["guxi"]


def test_department_round_pages(users: dict[str, Any], client_for: Any) -> None:
    from datetime import date

    from tiaodu.orgs.models import Organization
    from tiaodu.regions.models import Region
    from tiaodu.reporting import services

    jxw = users["jxw"]
    rnd = services.open_round(
        jxw,
        district=Region.objects.get(code="500152"),
        period="2023年3月上旬",
        indicators=["工业用电量", "工业投资增速"],
        due_on=date(2023, 3, 12),
        unit_kind="department",
        organizations=Organization.objects.filter(pk=jxw.organization_id),
    )
    slot = rnd.slots.get()
    page = client_for(jxw)
    assert "区经济信息委" in page.get(f"/reporting/{rnd.pk}/").content.decode()
    url = f"/reporting/{rnd.pk}/slots/{slot.pk}/"
    assert "工业用电量" in page.get(url).content.decode()
    assert page.post(url, {"gy_yd": "1234.5", "gy_tz_zs": "-3.2"}).status_code == 302
    detail = client_for(users["leader"]).get(f"/reporting/{rnd.pk}/").content.decode()
    assert "1234.5" in detail and "-3.2" in detail
    assert client_for(users["guxi"]).get(url).status_code == 404


def test_open_round_page(firms: dict[str, Enterprise], users: dict[str, Any], client_for: Any) -> None:
    leader = client_for(users["leader"])
    assert leader.get("/reporting/new/").status_code == 200
    data = {
        "unit_kind": "enterprise",
        "unit_filter": "key",
        "period": "2023年第12周",
        "indicators": ["gy_zcz"],
        "due_on": "2023-03-27",
        "alert_threshold": "-15",
    }
    bad = leader.post("/reporting/new/", {**data, "period": "某周"})
    assert bad.status_code == 422 and "无法识别" in bad.content.decode()
    response = leader.post("/reporting/new/", data)
    assert response.status_code == 302
    rnd = ReportingRound.objects.get(period__key="2023-W12", district__code="500152", unit_kind="enterprise")
    assert rnd.opened_by == users["leader"] and rnd.alert_threshold == -15
    assert rnd.slots.filter(enterprise=firms["guxi_key"]).exists()
    assert not rnd.slots.filter(enterprise=firms["guxi_small"]).exists()
    assert client_for(users["guxi"]).get("/reporting/new/").status_code == 403


def test_api(
    rnd: ReportingRound, firms: dict[str, Enterprise], users: dict[str, Any], client: Any, bearer: Any
) -> None:
    qiye, guxi, leader = bearer(users["qiye"]), bearer(users["guxi"]), bearer(users["leader"])
    listing = client.get("/api/v1/reporting/rounds?state=open", **qiye).json()
    assert rnd.pk in [r["id"] for r in listing["results"]] and "page_size" in listing
    detail = client.get(f"/api/v1/reporting/rounds/{rnd.pk}", **qiye).json()
    assert [s["enterprise_id"] for s in detail["slots"]] == [firms["qiye"].pk]
    assert detail["totals"] is None and detail["figure_period"] == "2023-M01-02"
    assert {i["code"] for i in detail["indicators"]} == {"gy_zcz", "yysr"}
    slot = slot_of(rnd, firms["qiye"]).pk
    url = f"/api/v1/reporting/rounds/{rnd.pk}/slots/{slot}"
    refused = client.post(url, {"values": {"gy_zcz": -1, "yysr": 5}}, content_type="application/json", **qiye)
    assert refused.status_code == 422
    assert refused.json()["errors"][0] == {
        "field": "gy_zcz",
        "code": "negative_value",
        "message": "规模以上工业总产值不能为负数(现为-1亿元)",
    }
    unknown = client.post(
        url, {"values": {"gy_zcz": 1, "yysr": 5, "x": 1}}, content_type="application/json", **qiye
    )
    assert unknown.json()["errors"][0]["code"] == "indicator_unknown"
    other = f"/api/v1/reporting/rounds/{rnd.pk}/slots/{slot_of(rnd, firms['guxi_key']).pk}"
    assert (
        client.post(
            other, {"values": {"gy_zcz": 1, "yysr": 5}}, content_type="application/json", **qiye
        ).status_code
        == 404
    )
    saved = client.post(
        url,
        {"values": {"gy_zcz": 1.5, "规上工业产值": 1, "yysr": 1}},
        content_type="application/json",
        **qiye,
    )
    assert saved.status_code == 422  # the same indicator twice (by code and alias)
    assert saved.json()["errors"][0]["code"] == "duplicate_indicator"
    saved = client.post(
        url, {"values": {"gy_zcz": 1.5, "营业收入": "14000"}}, content_type="application/json", **qiye
    )
    assert saved.status_code == 200
    assert saved.json()["created"] == 2 and saved.json()["slot"]["submitted"]
    revised = client.post(
        url, {"values": {"gy_zcz": "1.6", "yysr": 14000}}, content_type="application/json", **qiye
    )
    assert revised.json()["revised"] == 1 and revised.json()["unchanged"] == 1
    assert EnterpriseValue.objects.filter(enterprise=firms["qiye"], period=rnd.figure_period).count() == 3

    full = client.get(f"/api/v1/reporting/rounds/{rnd.pk}", **leader).json()
    assert full["totals"]["reported"] == 1 and full["totals"]["rate"] == 25.0
    assert len(full["missing_slot_ids"]) == 3
    assert client.post(f"/api/v1/reporting/rounds/{rnd.pk}/close", **guxi).status_code == 403
    reminded = client.post(
        f"/api/v1/reporting/rounds/{rnd.pk}/remind",
        {"note": "请报送"},
        content_type="application/json",
        **leader,
    )
    assert reminded.status_code == 201 and len(reminded.json()["missing_units"]) == 3
    seed(firms["qiye"], "2022年1-2月", "2")
    closed = client.post(f"/api/v1/reporting/rounds/{rnd.pk}/close", **leader)
    assert (
        closed.status_code == 200 and closed.json()["state"] == "closed" and closed.json()["alert_count"] == 1
    )
    late = client.post(url, {"values": {"gy_zcz": 1, "yysr": 5}}, content_type="application/json", **qiye)
    assert late.status_code == 409 and late.json()["code"] == "round_closed"

    alerts = client.get("/api/v1/reporting/alerts?period=2023-M01-02", **guxi).json()
    mine = [a for a in alerts["results"] if a["enterprise_id"] == firms["qiye"].pk]
    assert len(mine) == 1 and mine[0]["growth"] == -20.0 and mine[0]["round_id"] == rnd.pk
    assert client.get("/api/v1/reporting/alerts?period=某月", **guxi).status_code == 422
    assert client.get("/api/v1/reporting/alerts", **qiye).json()["count"] == 0
    alert_url = f"/api/v1/reporting/alerts/{mine[0]['id']}"
    assert client.get(alert_url, **bearer(users["yuxi"])).status_code == 404
    done = client.post(alert_url, {"action": "acknowledge"}, content_type="application/json", **guxi)
    assert done.status_code == 200 and done.json()["state"] == "acknowledged"
    twice = client.post(alert_url, {"action": "acknowledge"}, content_type="application/json", **guxi)
    assert twice.status_code == 409 and twice.json()["code"] == "transition_not_allowed"


def test_api_open_round(
    firms: dict[str, Enterprise], users: dict[str, Any], client: Any, bearer: Any
) -> None:
    body = {
        "period": "2023年4月",
        "indicators": ["gy_zcz", "营业收入"],
        "due_on": "2023-05-05",
        "unit_filter": "key",
    }
    assert (
        client.post(
            "/api/v1/reporting/rounds", body, content_type="application/json", **bearer(users["guxi"])
        ).status_code
        == 403
    )
    made = client.post(
        "/api/v1/reporting/rounds", body, content_type="application/json", **bearer(users["jxw"])
    )
    assert made.status_code == 201
    data = made.json()
    assert (
        data["period"] == "2023-M04"
        and data["figure_period"] == "2023-M01-04"
        and data["unit_filter"] == "key"
    )
    assert data["expected_count"] == ReportSlot.objects.filter(round_id=data["id"]).count() >= 2
    again = client.post(
        "/api/v1/reporting/rounds", body, content_type="application/json", **bearer(users["jxw"])
    )
    assert again.status_code == 409 and again.json()["code"] == "round_exists"
    bad = client.post(
        "/api/v1/reporting/rounds",
        {**body, "period": "2023年二季度"},
        content_type="application/json",
        **bearer(users["jxw"]),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "period_kind_invalid"


def test_demo_is_idempotent(users: dict[str, Any], client_for: Any) -> None:
    from tiaodu.reporting.demo import CLOSED, OPEN, load_reporting_demo

    def state() -> tuple[int, ...]:
        return (
            ReportingRound.objects.count(),
            ReportSlot.objects.count(),
            ReportSlot.objects.filter(submitted_at__isnull=False).count(),
            OutputAlert.objects.count(),
            EnterpriseValue.objects.count(),
            Reminder.objects.count(),
        )

    load_reporting_demo()
    first = state()
    load_reporting_demo()
    assert state() == first
    closed = ReportingRound.objects.get(
        district__code="500152", unit_kind="enterprise", period__key=CLOSED.key
    )
    assert closed.state == "closed" and closed.reported_count == closed.expected_count - 2
    assert closed.alert_count >= 2 and closed.alerts.filter(state=AlertState.ACKNOWLEDGED).count() == 1
    assert {t["code"] for t in closed.totals} == {"gy_zcz", "yysr"}
    opened = ReportingRound.objects.get(district__code="500152", unit_kind="enterprise", period__key=OPEN.key)
    assert (
        opened.is_open and 0 < opened.slots.filter(submitted_at__isnull=False).count() < opened.expected_count
    )
    qiye = users["qiye"]
    slot = opened.slots.get(organization=qiye.organization)
    assert not slot.is_submitted
    assert client_for(qiye).get(f"/reporting/{opened.pk}/slots/{slot.pk}/").status_code == 200
    assert client_for(users["leader"]).get("/reporting/alerts/").status_code == 200


def test_home_tiles(
    rnd: ReportingRound, firms: dict[str, Enterprise], users: dict[str, Any], client_for: Any
) -> None:
    """工作台: the enterprise's reports to file, the district's open rounds and open alerts."""
    from tiaodu.dashboard.tests.test_dashboard import tiles

    def home(username: str) -> dict[str, int]:
        return tiles(client_for(users[username]).get("/").content.decode())

    assert home("qiye")["待报送"] == 1
    before, yuxi_before = home("leader"), home("yuxi")
    assert before["填报中的报送任务"] >= 1
    seed(firms["guxi_key"], "2022年1-2月", "10")
    services.submit(users["admin"], rnd.pk, slot_of(rnd, firms["guxi_key"]).pk, {"gy_zcz": "5", "yysr": "1"})
    services.submit(users["qiye"], rnd.pk, slot_of(rnd, firms["qiye"]).pk, {"gy_zcz": "5", "yysr": "1"})
    assert home("qiye")["待报送"] == 0
    services.close_round(users["leader"], rnd.pk)  # 古溪 key enterprise −50%: an alert
    after = home("leader")
    assert after["填报中的报送任务"] == before["填报中的报送任务"] - 1
    assert after["待处理产值预警"] == before["待处理产值预警"] + 1
    assert home("yuxi")["待处理产值预警"] == yuxi_before["待处理产值预警"]  # not 古溪镇's alert


def test_divided_department_round_from_the_page_and_the_api(users: dict[str, Any], client_for: Any) -> None:
    from tiaodu.reporting.models import ReportingRound

    leader = client_for(users["leader"])
    data = {
        "unit_kind": "department",
        "unit_filter": "departments",
        "period": "2023年5月",
        "indicators": ["gdzc_tz", "shxf"],
        "due_on": "2023-06-05",
        "assignments": "区发展改革委:固定资产投资\n区商务委:社会消费品零售总额",
    }
    bad = leader.post("/reporting/new/", {**data, "assignments": "区发展改革委 固定资产投资"})
    assert bad.status_code == 422 and "指标分工第1行" in bad.content.decode()
    twice = leader.post(
        "/reporting/new/", {**data, "assignments": "区发展改革委:gdzc_tz、shxf\n区商务委:shxf"}
    )
    assert twice.status_code == 422 and "每项指标只能由一个部门报送" in twice.content.decode()
    assert not ReportingRound.objects.filter(period__key="2023-M05", unit_kind="department").exists()
    assert leader.post("/reporting/new/", data).status_code == 302
    rnd = ReportingRound.objects.get(period__key="2023-M05", unit_kind="department")
    page = leader.get(f"/reporting/{rnd.pk}/").content.decode()
    assert page.count('class="small text-muted slot-indicators"') == 2
    assert "区发展改革委" in page and "社会消费品零售总额" in page

    api = client_for(users["jxw"])
    body = {
        "period": "2023年6月",
        "indicators": ["gdzc_tz", "shxf"],
        "due_on": "2023-07-05",
        "unit_kind": "department",
        "assignments": {"区发展改革委": ["gdzc_tz"], "区商务委": ["shxf"]},
    }
    created = api.post("/api/v1/reporting/rounds", body, content_type="application/json")
    assert created.status_code == 201, created.content
    detail = api.get(f"/api/v1/reporting/rounds/{created.json()['id']}").json()
    assert {s["unit_name"]: s["indicators"] for s in detail["slots"]} == {
        "区发展改革委": ["gdzc_tz"],
        "区商务委": ["shxf"],
    }
    refused = api.post(
        "/api/v1/reporting/rounds",
        {**body, "period": "2023年7月", "assignments": {"区商务委": ["shxf"]}},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert "indicator_unassigned" in [e["code"] for e in refused.json()["errors"]]
