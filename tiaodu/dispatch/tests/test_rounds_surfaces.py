"""Rounds on every surface (ADR 0028): opening, 催报 and closing through the API and the CLI
(``tiaodu rounds``), for dispatch rounds and reporting rounds."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tiaodu.core import rounds
from tiaodu.dispatch import services
from tiaodu.dispatch.models import DispatchReport, DispatchRound, Reminder
from tiaodu.projects.models import Project
from tiaodu.regions.models import Region
from tiaodu.reporting.models import ReportingRound

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _district_projects() -> int:
    district = Region.objects.get(code="500152")
    return (
        Project.objects.filter(township__path__startswith=district.path)
        .exclude(stage__in=services.DEFAULT_EXCLUDED_STAGES)
        .count()
    )


def test_api_open_remind_close(users: dict[str, Any], client: Any, bearer: Any, projects: Any) -> None:
    leader, town = bearer(users["leader"]), bearer(users["guxi"])
    body = {"period_label": "2021年3月", "due_on": "2021-04-05"}
    # A town user sees rounds but cannot open one.
    refused = client.post("/api/v1/dispatch/rounds", body, content_type=JSON, **town)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    opened = client.post("/api/v1/dispatch/rounds", body, content_type=JSON, **leader)
    assert opened.status_code == 201, opened.json()
    data = opened.json()
    assert (data["period_kind"], data["period_start"], data["period_end"]) == (
        "month",
        "2021-03-01",
        "2021-03-31",
    )
    assert (data["state"], data["is_historical"], data["district_code"]) == ("open", False, "500152")
    rnd = DispatchRound.objects.get(pk=data["id"])
    assert data["expected_count"] == rnd.reports.count() == _district_projects()
    again = client.post("/api/v1/dispatch/rounds", body, content_type=JSON, **leader)
    assert (again.status_code, again.json()["code"]) == (409, "round_exists")
    bad = client.post(
        "/api/v1/dispatch/rounds", {**body, "period_label": "2021年一季度"}, content_type=JSON, **leader
    )
    assert (bad.status_code, bad.json()["errors"][0]["code"]) == (422, "period_kind_invalid")

    url = f"/api/v1/dispatch/rounds/{rnd.pk}"
    assert client.post(f"{url}/remind", {}, content_type=JSON, **town).status_code == 403
    reminded = client.post(f"{url}/remind", {"note": "请尽快填报"}, content_type=JSON, **leader)
    assert reminded.status_code == 201
    assert reminded.json()["missing_count"] == rnd.expected_count
    assert len(reminded.json()["missing_projects"]) == rnd.expected_count
    assert Reminder.objects.get(round=rnd).missing[0]["unit"] == reminded.json()["missing_projects"][0]

    assert client.post(f"{url}/close", {}, content_type=JSON, **town).status_code == 403
    closed = client.post(f"{url}/close", {}, content_type=JSON, **leader)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert closed.json()["reported_count"] == 0
    for action in ("close", "remind"):
        late = client.post(f"{url}/{action}", {}, content_type=JSON, **leader)
        assert (late.status_code, late.json()["code"]) == (409, "round_closed")


def test_reporting_api_scope(users: dict[str, Any], client: Any, bearer: Any) -> None:
    body = {"period": "2021年3月", "indicators": ["gy_zcz"], "due_on": "2021-04-05", "unit_filter": "key"}
    refused = client.post("/api/v1/reporting/rounds", body, content_type=JSON, **bearer(users["guxi"]))
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert not ReportingRound.objects.filter(period__key="2021-M03").exists()


def test_cli_dispatch(users: dict[str, Any], projects: Any, capsys: Any) -> None:
    call_command("rounds", "open", "--period", "2021年第10周", "--due", "2021-03-15", "--as", "leader")
    rnd = DispatchRound.objects.get(period_label="2021年第10周")
    assert (rnd.period_kind, rnd.period_start, rnd.period_end) == (
        "week",
        date(2021, 3, 8),
        date(2021, 3, 14),
    )
    assert rnd.opened_by == users["leader"]
    assert f"共{rnd.expected_count}个项目" in capsys.readouterr().out
    with pytest.raises(CommandError, match=r"^round_exists: "):
        call_command("rounds", "open", "--period", "2021年第10周", "--due", "2021-03-15")
    with pytest.raises(CommandError, match=r"^permission_denied: "):
        call_command("rounds", "open", "--period", "2021年第11周", "--due", "2021-03-22", "--as", "guxi")
    with pytest.raises(CommandError, match=r"period_unknown"):
        call_command("rounds", "open", "--period", "去年某月", "--due", "2021-03-22")

    report = DispatchReport.objects.filter(round=rnd, project=projects["guxi1"]).get()
    report.submitted_at = rounds.end_of(rnd.period_end)  # one report in
    report.save()
    call_command("rounds", "remind", "--period", "2021年第10周", "--note", "请填报", "--as", "leader")
    assert Reminder.objects.get(round=rnd).missing_count == rnd.expected_count - 1
    with pytest.raises(CommandError, match=r"^permission_denied: "):
        call_command("rounds", "close", "--period", "2021年第10周", "--as", "guxi")
    call_command("rounds", "close", "--period", "2021年第10周", "--region", "500152103", "--as", "leader")
    rnd.refresh_from_db()
    assert (rnd.state, rnd.reported_count, rnd.closed_by) == ("closed", 1, users["leader"])
    assert f"已报1/{rnd.expected_count}个项目" in capsys.readouterr().out
    with pytest.raises(CommandError, match=r"^round_closed: "):
        call_command("rounds", "remind", "--period", "2021年第10周")
    with pytest.raises(CommandError, match=r"round_unknown"):
        call_command("rounds", "close", "--period", "2021年第11周")


def test_cli_reporting(users: dict[str, Any], capsys: Any) -> None:
    call_command(
        "rounds", "open", "--kind", "reporting", "--period", "2021年3月", "--due", "2021-04-05",
        "--indicators", "gy_zcz", "--unit-filter", "key", "--as", "leader",
    )  # fmt: skip
    rnd = ReportingRound.objects.get(period__key="2021-M03", unit_kind="enterprise")
    assert rnd.expected_count > 0 and rnd.cumulative and rnd.figure_period.key == "2021-Q1"
    call_command("rounds", "remind", "--kind", "reporting", "--period", "2021年3月", "--as", "jxw")
    assert rnd.reminders.get().missing_count == rnd.expected_count
    call_command("rounds", "close", "--kind", "reporting", "--period", "2021-03")
    rnd.refresh_from_db()
    assert (rnd.state, rnd.reported_count) == ("closed", 0)
    with pytest.raises(CommandError, match=r"round_unknown"):
        call_command(
            "rounds", "close", "--kind", "reporting", "--period", "2021年3月", "--unit-kind", "department"
        )
