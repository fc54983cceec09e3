"""Problems in a report become project-problem cases with due dates; the sweep cards them."""

from __future__ import annotations

from typing import Any

import pytest

from tiaodu.cases import services as cases
from tiaodu.cases.choices import Card
from tiaodu.cases.models import Case, CaseCategory
from tiaodu.cases.sweep import sweep
from tiaodu.cases.workdays import add_workdays
from tiaodu.dispatch import services
from tiaodu.dispatch.problems import WORKFLOW
from tiaodu.dispatch.services import ReportInput

pytestmark = pytest.mark.django_db


def test_categories_seeded_with_departments(tongnan: Any) -> None:
    names = list(CaseCategory.objects.filter(workflow=WORKFLOW).values_list("name", flat=True))
    assert names == ["材料运输", "前期审批", "用地", "资金", "用工", "协调"]
    assert not CaseCategory.objects.filter(workflow=WORKFLOW, department__isnull=True).exists()


def test_problem_lines_open_cases_with_due_dates_and_cards(rnd: Any, projects: dict[str, Any]) -> None:
    project = projects["guxi1"]
    data = ReportInput(
        investment=10,
        progress=30,
        workers_required=10,
        workers_on_site=10,
        problems="钢材运输受限\n砂石供应不足",
        problem_category="材料运输",
    )
    saved = services.submit_report(None, rnd.pk, project.pk, data)
    opened = list(saved.cases.order_by("pk"))
    assert len(opened) == 2
    category = CaseCategory.objects.get(workflow=WORKFLOW, code="material")
    for case in opened:
        assert case.workflow == WORKFLOW and case.category == category and case.state == "registered"
        assert case.region_id == project.township_id and case.source == "dispatch"
        assert case.handling_org_id == category.department_id
        assert case.due_on == add_workdays(case.raised_on, category.time_limit_days)
        assert project.name in case.title

    # Resubmitting the same text opens nothing new; a new line opens one more (default 协调).
    data.problems += "\n施工便道需协调"
    data.problem_category = ""
    services.submit_report(None, rnd.pk, project.pk, data)
    assert saved.cases.count() == 3
    assert saved.cases.order_by("-pk").first().category.code == "coordination"  # type: ignore[union-attr]

    late = add_workdays(opened[0].due_on, 1)  # type: ignore[arg-type]
    result = sweep(late)
    assert result.yellow >= 2
    assert set(Case.objects.filter(pk__in=[c.pk for c in opened]).values_list("card", flat=True)) == {
        Card.YELLOW
    }
    red_day = add_workdays(opened[0].due_on, category.red_after_days + 1)  # type: ignore[arg-type]
    sweep(red_day)
    assert Case.objects.get(pk=opened[0].pk).card == Card.RED


def test_problem_workflow_transitions(rnd: Any, projects: dict[str, Any], users: dict[str, Any]) -> None:
    saved = services.submit_report(
        None,
        rnd.pk,
        projects["guxi1"].pk,
        ReportInput(
            investment=0, progress=0, workers_required=0, workers_on_site=0, problems="用地指标未落实"
        ),
    )
    case = saved.cases.get()
    assert case.category.code == "coordination"
    case = cases.transition(users["leader"], case.pk, cases.Step("assign"))
    assert case.state == "assigned"
    with pytest.raises(Exception) as exc:
        cases.transition(users["leader"], case.pk, cases.Step("resolve", note="x"))
    assert getattr(exc.value, "code", "") == "transition_not_allowed"
