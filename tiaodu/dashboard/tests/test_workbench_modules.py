"""The workbench's module lines that need more than the shared demo data: 监测报送 (the reporting
demo's open round) and the leaders' 经济运行监测 panels (the monitoring demo), with their cache."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tiaodu.dashboard.services import build
from tiaodu.reporting.models import OutputAlert, ReportingRound, ReportSlot

pytestmark = pytest.mark.django_db


def home(client, user) -> str:
    response = client(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def task(user, label):
    for section in build(user).sections:
        for t in section.tasks:
            if t.label == label:
                return t
    return None


def total(html: str) -> int:
    match = re.search(r'<span id="td-total">共 (\d+) 条</span>', html)
    assert match
    return int(match.group(1))


@pytest.fixture
def reporting_demo(db):
    from tiaodu.reporting.demo import load_reporting_demo

    load_reporting_demo()


def test_enterprise_fills_its_report_from_the_workbench(client_for, users, reporting_demo):
    from tiaodu.reporting import services

    qiye = users["qiye"]
    line = task(qiye, "待填报的监测报送")
    open_slots = ReportSlot.objects.filter(
        organization=qiye.organization, round__state="open", submitted_at__isnull=True
    )
    assert line is not None and line.count == open_slots.count() == 1
    slot = open_slots.get()
    assert line.url == f"/reporting/{slot.round_id}/slots/{slot.pk}/"
    page = client_for(qiye).get(line.url)
    assert page.status_code == 200
    assert "重庆潼南古溪食品有限公司" in page.content.decode()
    services.submit(qiye, slot.round_id, slot.pk, {"gy_zcz": "1.2", "yysr": "11000"})
    assert task(qiye, "待填报的监测报送") is None
    # another enterprise's slot is never qiye's line
    assert "重庆古溪机械制造有限公司" not in home(client_for, qiye)


def test_department_sees_rounds_to_remind_and_alerts(client_for, users, reporting_demo):
    jxw = users["jxw"]
    rounds = task(jxw, "填报中的报送任务（待催报）")
    open_rounds = ReportingRound.objects.restrict(jxw).filter(state="open")
    assert rounds is not None and rounds.count == open_rounds.count() >= 1
    assert "家单位未报送" in rounds.hint
    page = client_for(jxw).get(rounds.url).content.decode()
    assert total(page) == rounds.count
    alerts = task(jxw, "待处理的产值预警")
    expected = OutputAlert.objects.restrict(jxw).filter(state="open").count()
    assert alerts is not None and alerts.count == expected >= 1
    assert total(client_for(jxw).get(alerts.url).content.decode()) == expected
    # enterprises neither remind nor see alerts
    assert task(users["qiye"], "待处理的产值预警") is None
    assert task(users["qiye"], "填报中的报送任务（待催报）") is None


@pytest.fixture
def monitoring_demo(db):
    from tiaodu.monitoring.demo import load_monitoring_demo

    load_monitoring_demo()


def charts(html: str) -> dict[str, dict]:
    found = {}
    for chart_id in re.findall(r'data-echart="([^"]+)"', html):
        match = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html, re.S)
        assert match, chart_id
        found[chart_id] = json.loads(unescape(match.group(1)))
    return found


def test_leader_sees_the_district_at_a_glance(client_for, users, monitoring_demo):
    cache.clear()
    html = home(client_for, users["leader"])
    assert "全区概览" in html
    assert "潼南区2022年上半年主要指标" in html
    assert "规模以上工业增加值增速" in html
    assert "综合指数排名走势" in html
    options = charts(html)
    ranks = options["chart-monitoring-indicators"]["series"][0]["data"]
    assert all(1 <= rank <= 38 for rank, _name in ranks)
    index = options["chart-monitoring-index-rank"]
    published = next(s for s in index["series"] if "市级发布" in s["name"])
    assert published["data"] == [12, 11, 9, 10, 8]  # 潼南区's published index ranks, 1-2月 … 1-6月
    assert index["yAxis"]["inverse"] is True
    assert 'src="/static/vendor/echarts.min.js"' in html
    # townships, enterprises and owners get no glance
    for username in ("guxi", "qiye", "yezhu"):
        assert "全区概览" not in home(client_for, users[username])


def test_glance_is_cached_and_follows_an_import(client_for, users, monitoring_demo, tmp_path):
    from tiaodu.core.imports import run_import

    cache.clear()
    leader = users["leader"]
    client = client_for(leader)
    with CaptureQueriesContext(connection) as cold:
        client.get("/")
    with CaptureQueriesContext(connection) as warm:
        html = client.get("/").content.decode()
    assert len(warm) < len(cold) - 50, (len(cold), len(warm))
    assert "<td>规模以上工业增加值增速</td><td>8.7%</td>" in html
    # a corrected figure (a new version) changes the data version: the next page shows it
    path = tmp_path / "fix.csv"
    path.write_text(
        "地区代码,期别,指标,数值\n500152,2022年1-6月,规模以上工业增加值增速,9.6\n", encoding="utf-8"
    )
    result = run_import("indicators", path)
    assert result.ok, result.error_lines()
    html = client.get("/").content.decode()
    assert "<td>规模以上工业增加值增速</td><td>9.6%</td>" in html


def test_glance_is_never_shared_across_districts(client_for, users, monitoring_demo):
    from tiaodu.accounts.services import create_user

    cache.clear()
    home(client_for, users["leader"])  # 潼南区's panels now cached
    other = create_user(
        None, username="ddk-leader", role="leader", region_code="500104", password="Xk9#mq2LpW-77"
    ).user
    html = home(client_for, other)
    assert "潼南区2022年上半年主要指标" not in html
    assert "大渡口区" in html


def test_cache_key_separates_scopes(users):
    from tiaodu.dashboard.cache import scope_key

    jxw, zsj, leader = users["jxw"], users["zsj"], users["leader"]
    assert scope_key(jxw) != scope_key(zsj)  # different organisations: their own appeals
    assert scope_key(jxw, with_org=False) == scope_key(zsj, with_org=False)  # region-only sources
    assert scope_key(jxw, with_org=False) != scope_key(leader, with_org=False)
    assert scope_key(users["guxi"]) != scope_key(users["yuxi"])


def test_departments_of_a_district_share_the_monitoring_glance(client_for, users, monitoring_demo):
    cache.clear()
    home(client_for, users["zsj"])
    with CaptureQueriesContext(connection) as shared:
        html = home(client_for, users["jxw"])
    assert "潼南区2022年上半年主要指标" in html
    cache.clear()
    with CaptureQueriesContext(connection) as alone:
        home(client_for, users["jxw"])
    assert len(shared) < len(alone) - 50, (len(shared), len(alone))
