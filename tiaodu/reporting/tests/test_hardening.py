"""Issue 13 (等保三级) in reporting: alert counts only for who may see alerts, within their scope
(L3); progress and totals within the viewer's slice; one 404 for "not in the round" and "not
yours" (oracle); no lost update of a slot (item 3)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest

from tiaodu.core.concurrency import StaleWrite
from tiaodu.enterprises.models import Enterprise
from tiaodu.reporting import services
from tiaodu.reporting.models import ReportingRound, ReportSlot
from tiaodu.reporting.tests.conftest import current, open_test_round, seed, slot_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(rnd: ReportingRound, firms: dict[str, Enterprise]) -> ReportingRound:
    """Two key enterprises fell by 50% (one in 古溪镇, one in 玉溪镇): two alerts on closing."""
    for name in ("guxi_key", "yuxi_key"):
        seed(firms[name], "2022年1-2月", "2")
        services.submit(None, rnd.pk, slot_of(rnd, firms[name]).pk, {"gy_zcz": "1", "yysr": "1"})
    done = services.close_round(None, rnd.pk)
    assert done.alert_count == 2
    return done


def api(client: Any, headers: dict[str, str], path: str) -> Any:
    return client.get(f"/api/v1/reporting{path}", **headers).json()


# --- L3: alert counts ----------------------------------------------------------------------------


def test_api_alert_count_within_the_alert_scope(
    closed: ReportingRound, users: dict[str, Any], client: Any, bearer: Any
) -> None:
    expected = {"qiye": None, "guxi": 1, "yuxi": 1, "leader": 2}
    for name, count in expected.items():
        headers = bearer(users[name])
        assert api(client, headers, f"/rounds/{closed.pk}")["alert_count"] == count, name
        listed = next(r for r in api(client, headers, "/rounds")["results"] if r["id"] == closed.pk)
        assert listed["alert_count"] == count, name


def test_pages_and_export_show_no_alert_count_to_enterprises(
    closed: ReportingRound, users: dict[str, Any], client_for: Any
) -> None:
    qiye, guxi, leader = (client_for(users[n]) for n in ("qiye", "guxi", "leader"))
    assert 'id="alert-count"' not in qiye.get(f"/reporting/{closed.pk}/").content.decode()
    town = guxi.get(f"/reporting/{closed.pk}/").content.decode()
    assert 'id="alert-count">1<' in town and 'id="totals-scope"' in town
    district = leader.get(f"/reporting/{closed.pk}/").content.decode()
    assert 'id="alert-count">2<' in district and 'id="totals-scope"' not in district
    exported = qiye.get("/reporting/?export=csv").content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(exported)))
    assert not any("预警" in h for h in header)


# --- Progress and totals within the viewer's slice -------------------------------------------------


def test_progress_and_totals_are_the_viewers_slice(
    rnd: ReportingRound,
    firms: dict[str, Enterprise],
    users: dict[str, Any],
    client: Any,
    bearer: Any,
    client_for: Any,
) -> None:
    services.submit(None, rnd.pk, slot_of(rnd, firms["yuxi_key"]).pk, {"gy_zcz": "7", "yysr": "70"})
    services.submit(None, rnd.pk, slot_of(rnd, firms["qiye"]).pk, {"gy_zcz": "1", "yysr": "10"})
    whole = ReportSlot.objects.filter(round=rnd).count()
    for name in ("qiye", "guxi", "leader"):
        user = users[name]
        mine = ReportSlot.objects.restrict(user).filter(round=rnd)
        seen = (mine.count(), mine.filter(submitted_at__isnull=False).count())
        listed = next(r for r in api(client, bearer(user), "/rounds")["results"] if r["id"] == rnd.pk)
        assert (listed["expected_count"], listed["reported_count"]) == seen, name
        exported = client_for(user).get("/reporting/?export=csv").content.decode("utf-8-sig")
        row = next(r for r in csv.DictReader(io.StringIO(exported)) if r["报送任务"] == rnd.title)
        assert (row["应报单位数"], row["已报单位数"]) == (str(seen[0]), str(seen[1])), name
        if name != "leader":
            assert seen[0] < whole, name
    town = api(client, bearer(users["guxi"]), f"/rounds/{rnd.pk}")["totals"]
    sums = {t["code"]: t["sum"] for t in town["indicators"]}
    assert town["partial"] is True and sums["gy_zcz"] == 1.0  # 玉溪镇's 7 is not in 古溪镇's sum
    district = api(client, bearer(users["leader"]), f"/rounds/{rnd.pk}")["totals"]
    assert (
        district["partial"] is False
        and {t["code"]: t["sum"] for t in district["indicators"]}["gy_zcz"] == 8.0
    )


# --- Oracle -------------------------------------------------------------------------------------


def test_slot_outside_round_is_404_like_a_hidden_one(
    rnd: ReportingRound,
    firms: dict[str, Enterprise],
    users: dict[str, Any],
    client_for: Any,
    client: Any,
    bearer: Any,
) -> None:
    other = open_test_round(firms, "2023年3月", due_on=date(2023, 4, 5))
    guxi = client_for(users["guxi"])
    hidden = slot_of(rnd, firms["yuxi_key"]).pk  # in the round, 玉溪镇's
    elsewhere = slot_of(other, firms["guxi_key"]).pk  # 古溪镇's, in another round
    for slot in (elsewhere, hidden, 999_999_999):
        url = f"/reporting/{rnd.pk}/slots/{slot}/"
        assert guxi.get(url).status_code == 404, slot
        assert guxi.post(url, {"gy_zcz": "1", "yysr": "1"}).status_code == 404, slot
    headers = bearer(users["guxi"])
    answers = [
        client.post(
            f"/api/v1/reporting/rounds/{rnd.pk}/slots/{slot}",
            {"values": {"gy_zcz": 1, "yysr": 1}},
            content_type="application/json",
            **headers,
        )
        for slot in (elsewhere, hidden, 999_999_999)
    ]
    assert {a.status_code for a in answers} == {404}
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert rnd.title not in answers[0].content.decode()


# --- Item 3: no lost update ----------------------------------------------------------------------


def test_second_writer_of_the_same_version_loses(
    rnd: ReportingRound, firms: dict[str, Enterprise], users: dict[str, Any]
) -> None:
    slot = slot_of(rnd, firms["qiye"])
    read = slot.version
    services.submit(users["qiye"], rnd.pk, slot.pk, {"gy_zcz": "1.5", "yysr": "10"}, version=read)
    with pytest.raises(StaleWrite) as exc:
        services.submit(users["guxi"], rnd.pk, slot.pk, {"gy_zcz": "9", "yysr": "90"}, version=read)
    assert exc.value.status == 409 and exc.value.version == read + 1
    assert exc.value.current["values"] == {"gy_zcz": "1.5", "yysr": "10"}
    assert current(firms["qiye"], "2023年1-2月").value == 1.5
    slot.refresh_from_db()
    assert slot.submission_count == 1 and slot.version == read + 1


def test_api_stale_write(
    rnd: ReportingRound, firms: dict[str, Enterprise], users: dict[str, Any], client: Any, bearer: Any
) -> None:
    qiye, guxi = bearer(users["qiye"]), bearer(users["guxi"])
    slot = slot_of(rnd, firms["qiye"]).pk
    read = next(s for s in api(client, qiye, f"/rounds/{rnd.pk}")["slots"] if s["id"] == slot)["version"]
    url = f"/api/v1/reporting/rounds/{rnd.pk}/slots/{slot}"
    first = client.post(
        url, {"values": {"gy_zcz": 1.5, "yysr": 10}, "version": read}, content_type="application/json", **guxi
    )
    assert first.status_code == 200 and first.json()["slot"]["version"] == read + 1
    second = client.post(
        url, {"values": {"gy_zcz": 9, "yysr": 90}, "version": read}, content_type="application/json", **qiye
    )
    assert second.status_code == 409
    body = second.json()
    assert body["code"] == "stale_write" and body["version"] == read + 1
    assert body["current"]["values"] == {"gy_zcz": "1.5", "yysr": "10"}
    stale_header = client.post(
        url,
        {"values": {"gy_zcz": 9, "yysr": 90}},
        content_type="application/json",
        HTTP_IF_MATCH=str(read),
        **qiye,
    )
    assert stale_header.status_code == 409
    assert current(firms["qiye"], "2023年1-2月").value == 1.5


def test_web_second_writer_gets_a_clear_error(
    rnd: ReportingRound, firms: dict[str, Enterprise], users: dict[str, Any], client_for: Any
) -> None:
    slot = slot_of(rnd, firms["qiye"])
    url = f"/reporting/{rnd.pk}/slots/{slot.pk}/"
    qiye, guxi = client_for(users["qiye"]), client_for(users["guxi"])
    assert f'name="version" value="{slot.version}"' in qiye.get(url).content.decode()
    assert guxi.post(url, {"gy_zcz": "1.5", "yysr": "10", "version": slot.version}).status_code == 302
    lost = qiye.post(url, {"gy_zcz": "9", "yysr": "90", "version": slot.version})
    assert lost.status_code == 409
    text = lost.content.decode()
    assert "已被他人修改" in text and f'name="version" value="{slot.version + 1}"' in text
    assert current(firms["qiye"], "2023年1-2月").value == 1.5
    assert qiye.post(url, {"gy_zcz": "9", "yysr": "90", "version": slot.version + 1}).status_code == 302
    assert current(firms["qiye"], "2023年1-2月").value == 9


def test_department_round_alert_count_stays_zero_for_a_township(
    closed: ReportingRound, users: dict[str, Any], client: Any, bearer: Any
) -> None:
    """A department round raises no alerts: a township that sees some of the period's enterprise
    alerts still sees 0 for it, not those alerts."""
    from tiaodu.orgs.models import Organization
    from tiaodu.reporting.choices import UnitKind

    jxw = users["jxw"]
    dept = services.open_round(
        None,
        district=closed.district,
        period="2023年2月",
        indicators=["工业投资"],
        due_on=date(2023, 3, 5),
        unit_kind=UnitKind.DEPARTMENT,
        organizations=Organization.objects.filter(pk=jxw.organization_id),
    )
    services.close_round(None, dept.pk)
    assert api(client, bearer(users["guxi"]), f"/rounds/{dept.pk}")["alert_count"] == 0
    assert api(client, bearer(users["guxi"]), f"/rounds/{closed.pk}")["alert_count"] == 1
