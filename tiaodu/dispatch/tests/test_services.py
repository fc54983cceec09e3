"""Open → submit → close with frozen totals; every bad input refused with nothing changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tiaodu.cases.models import Case
from tiaodu.core.errors import ServiceError
from tiaodu.dispatch import services
from tiaodu.dispatch.choices import RoundState
from tiaodu.dispatch.models import DispatchReport, Reminder
from tiaodu.dispatch.services import ReportInput
from tiaodu.dispatch.tests.conftest import open_test_round
from tiaodu.projects.models import Project

pytestmark = pytest.mark.django_db


def report(**over: Any) -> ReportInput:
    values: dict[str, Any] = {
        "investment": Decimal("120.50"),
        "progress": 40,
        "workers_required": 100,
        "workers_on_site": 95,
    }
    values.update(over)
    return ReportInput(**values)


def snapshot() -> tuple[Any, ...]:
    return (
        list(DispatchReport.objects.order_by("pk").values()),
        list(Project.objects.order_by("pk").values_list("pk", "investment_completed")),
        Case.objects.count(),
    )


def test_open_creates_one_slot_per_project(rnd: Any, projects: dict[str, Any]) -> None:
    assert rnd.state == RoundState.OPEN
    assert rnd.expected_count == 3
    assert rnd.reports.count() == 3
    assert set(services.missing(rnd)) == set(projects.values())


def test_open_defaults_to_district_projects_and_refuses_duplicates(projects: dict[str, Any]) -> None:
    from tiaodu.dispatch.choices import PeriodKind
    from tiaodu.regions.models import Region

    district = Region.objects.get(code="500152")
    first = open_test_round(projects, "2022年3月", period_kind=PeriodKind.MONTH, qs=None)
    expected = Project.objects.filter(township__path__startswith=district.path).exclude(
        stage__in=services.DEFAULT_EXCLUDED_STAGES
    )
    assert first.expected_count == expected.count() >= 3
    with pytest.raises(ServiceError) as exc:
        open_test_round(projects, "2022年3月", period_kind=PeriodKind.MONTH, qs=None)
    assert exc.value.code == "round_exists"


def test_open_refuses_projects_outside_district(projects: dict[str, Any]) -> None:
    dadukou = Project.objects.filter(township__path__contains="/500104/")
    assert dadukou.exists()  # the demo's 大渡口区 projects
    with pytest.raises(ServiceError) as exc:
        open_test_round(projects, "X", qs=dadukou)
    assert exc.value.errors[0].code == "project_outside_district"


def test_submit_and_close_freezes_totals(rnd: Any, projects: dict[str, Any]) -> None:
    guxi1, guxi2 = projects["guxi1"], projects["guxi2"]
    services.submit_report(None, rnd.pk, guxi1.pk, report())
    services.submit_report(
        None, rnd.pk, guxi2.pk, report(investment="79.5", workers_required=50, workers_on_site=40)
    )
    assert list(services.missing(rnd)) == [projects["yuxi"]]
    live = services.totals(rnd)
    assert (live.expected, live.reported, live.investment) == (3, 2, Decimal("200.00"))

    closed = services.close_round(None, rnd.pk)
    assert closed.state == RoundState.CLOSED and closed.closed_at is not None
    assert closed.reported_count == 2 and closed.expected_count == 3
    assert closed.investment_total == Decimal("200.00")
    assert (closed.workers_required_total, closed.workers_on_site_total) == (150, 135)
    assert closed.attendance_rate == Decimal("90.0")
    guxi1.refresh_from_db()
    guxi2.refresh_from_db()
    projects["yuxi"].refresh_from_db()
    assert guxi1.investment_completed == Decimal("220.50")
    assert guxi2.investment_completed == Decimal("179.50")
    assert projects["yuxi"].investment_completed == Decimal("100.00")

    # Frozen: a later change to a report does not move the round's figures.
    DispatchReport.objects.filter(round=rnd).update(investment=0)
    closed.refresh_from_db()
    assert services.frozen_totals(closed).investment == Decimal("200.00")


def test_resubmit_while_open_updates(rnd: Any, projects: dict[str, Any]) -> None:
    p = projects["guxi1"]
    services.submit_report(None, rnd.pk, p.pk, report())
    services.submit_report(None, rnd.pk, p.pk, report(investment=10))
    assert DispatchReport.objects.get(round=rnd, project=p).investment == Decimal("10.00")


@pytest.mark.parametrize(
    ("over", "field", "code"),
    [
        ({"investment": -1}, "investment", "negative_amount"),
        ({"investment": "abc"}, "investment", "number_invalid"),
        ({"investment": 5000}, "investment", "investment_exceeds_total"),
        ({"progress": 101}, "progress", "progress_out_of_range"),
        ({"progress": -0.5}, "progress", "progress_out_of_range"),
        ({"workers_required": -3}, "workers_required", "negative_number"),
        ({"workers_on_site": 2.5}, "workers_on_site", "not_an_integer"),
        ({"workers_required": 100, "workers_on_site": 111}, "workers_on_site", "workers_over_required"),
        ({"problems": "缺钢材", "problem_category": "不存在"}, "problem_category", "category_unknown"),
    ],
)
def test_bad_input_refused_and_nothing_changed(
    rnd: Any, projects: dict[str, Any], over: dict[str, Any], field: str, code: str
) -> None:
    before = snapshot()
    with pytest.raises(ServiceError) as exc:
        services.submit_report(None, rnd.pk, projects["guxi1"].pk, report(**over))
    assert exc.value.code == "validation_error"
    assert (exc.value.errors[0].field, exc.value.errors[0].code) == (field, code)
    assert exc.value.errors[0].message  # a Chinese explanation
    assert snapshot() == before


def test_workers_over_required_accepted_when_confirmed(rnd: Any, projects: dict[str, Any]) -> None:
    services.submit_report(None, rnd.pk, projects["guxi1"].pk, report(workers_on_site=110))  # 10 %: fine
    saved = services.submit_report(
        None, rnd.pk, projects["guxi1"].pk, report(workers_on_site=150, confirmed_over_required=True)
    )
    assert saved.workers_on_site == 150 and saved.confirmed_over_required


def test_closed_round_and_foreign_project_refused(rnd: Any, projects: dict[str, Any]) -> None:
    from tiaodu.projects.tests.factories import project

    stranger = project()
    with pytest.raises(ServiceError) as exc:
        services.submit_report(None, rnd.pk, stranger.pk, report())
    assert exc.value.errors[0].code == "project_not_in_round"
    services.close_round(None, rnd.pk)
    before = snapshot()
    with pytest.raises(ServiceError) as exc:
        services.submit_report(None, rnd.pk, projects["guxi1"].pk, report())
    assert exc.value.code == "round_closed" and exc.value.status == 409
    with pytest.raises(ServiceError) as exc:
        services.close_round(None, rnd.pk)
    assert exc.value.code == "round_closed"
    with pytest.raises(ServiceError) as exc:
        services.remind(None, rnd.pk)
    assert exc.value.code == "round_closed"
    assert snapshot() == before


def test_remind_records_and_counts(rnd: Any, projects: dict[str, Any], users: dict[str, Any]) -> None:
    services.submit_report(None, rnd.pk, projects["guxi1"].pk, report())
    reminder = services.remind(users["leader"], rnd.pk, "请尽快填报")
    assert reminder.missing_count == 2 and reminder.actor == users["leader"]
    counts = dict(DispatchReport.objects.filter(round=rnd).values_list("project_id", "reminded_count"))
    assert counts == {projects["guxi1"].pk: 0, projects["guxi2"].pk: 1, projects["yuxi"].pk: 1}
    assert Reminder.objects.filter(round=rnd).count() == 1


def test_problem_lines() -> None:
    text = "1、钢材运输受限\n2.用工缺口30人;(3)电力接入待协调\n无\n钢材运输受限"
    assert services.problem_lines(text) == ["钢材运输受限", "用工缺口30人", "电力接入待协调"]
