"""Who sees and fills in what: reports by township / responsible unit / squad, rounds by district."""

from __future__ import annotations

from typing import Any

import pytest

from tiaodu.core.errors import ServiceError
from tiaodu.dispatch import services
from tiaodu.dispatch.models import DispatchReport, DispatchRound
from tiaodu.dispatch.services import ReportInput
from tiaodu.dispatch.tests.conftest import open_test_round

pytestmark = pytest.mark.django_db

DATA = ReportInput(investment=5, progress=10, workers_required=10, workers_on_site=10)


def test_rounds_visible_to_district_users(rnd: Any, users: dict[str, Any]) -> None:
    for name in ("leader", "jxw", "guxi", "yuxi", "squad1", "admin"):
        assert DispatchRound.objects.restrict(users[name]).filter(pk=rnd.pk).exists(), name
    assert not DispatchRound.objects.restrict(users["qiye"]).filter(pk=rnd.pk).exists()


def test_rounds_of_another_district_hidden(users: dict[str, Any]) -> None:
    from datetime import date

    from tiaodu.regions.models import Region

    other = services.open_round(
        None,
        district=Region.objects.get(code="500104"),
        period_kind="month",
        period_label="2020年4月",
        period_start=date(2020, 4, 1),
        period_end=date(2020, 4, 30),
        due_on=date(2020, 4, 30),
    )
    assert not DispatchRound.objects.restrict(users["guxi"]).filter(pk=other.pk).exists()
    assert not DispatchRound.objects.restrict(users["leader"]).filter(pk=other.pk).exists()


def test_reports_by_township(rnd: Any, projects: dict[str, Any], users: dict[str, Any]) -> None:
    mine = set(
        DispatchReport.objects.restrict(users["guxi"]).filter(round=rnd).values_list("project_id", flat=True)
    )
    assert mine == {projects["guxi1"].pk, projects["guxi2"].pk}
    yuxi = set(
        DispatchReport.objects.restrict(users["yuxi"]).filter(round=rnd).values_list("project_id", flat=True)
    )
    assert yuxi == {projects["yuxi"].pk}
    assert DispatchReport.objects.restrict(users["leader"]).filter(round=rnd).count() == 3


def test_town_submits_own_projects_only(rnd: Any, projects: dict[str, Any], users: dict[str, Any]) -> None:
    saved = services.submit_report(users["guxi"], rnd.pk, projects["guxi1"].pk, DATA)
    assert saved.submitted_by == users["guxi"]
    with pytest.raises(ServiceError) as exc:
        services.submit_report(users["guxi"], rnd.pk, projects["yuxi"].pk, DATA)
    assert exc.value.status == 404
    assert DispatchReport.objects.get(round=rnd, project=projects["yuxi"]).submitted_at is None


def test_responsible_unit_submits(projects: dict[str, Any], users: dict[str, Any]) -> None:
    from tiaodu.projects import services as project_services

    jxw = users["jxw"]
    project_services.save_project(None, projects["yuxi"].pk, responsible_unit=jxw.organization)
    rnd = open_test_round(projects, "2022年第4旬")
    services.submit_report(jxw, rnd.pk, projects["yuxi"].pk, DATA)
    with pytest.raises(ServiceError) as exc:
        services.submit_report(jxw, rnd.pk, projects["guxi1"].pk, DATA)
    assert exc.value.status == 403  # visible in the district, not the department's to fill in


def test_only_dispatchers_open_close_and_remind(
    rnd: Any, projects: dict[str, Any], users: dict[str, Any]
) -> None:
    for action in (services.close_round, services.remind):
        with pytest.raises(ServiceError) as exc:
            action(users["guxi"], rnd.pk)
        assert exc.value.status == 403
    with pytest.raises(ServiceError) as exc:
        open_test_round(projects, "2022年第5旬", actor=users["guxi"])
    assert exc.value.status == 403
    services.remind(users["jxw"], rnd.pk)
    assert services.close_round(users["leader"], rnd.pk).state == "closed"
