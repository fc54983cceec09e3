"""红黄牌 on key projects: milestone and problem cards follow their rules on the work calendar."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import F

from tiaodu.cases.choices import Card
from tiaodu.cases.models import Case, CaseCategory
from tiaodu.cases.sweep import sweep_all
from tiaodu.cases.workdays import add_workdays
from tiaodu.dispatch import services as dispatch
from tiaodu.dispatch.choices import PeriodKind
from tiaodu.dispatch.demo import link_problem_departments
from tiaodu.dispatch.problems import WORKFLOW
from tiaodu.orgs.models import Organization
from tiaodu.projects import services
from tiaodu.projects.cards import hung_on, sweep_projects
from tiaodu.projects.choices import MilestoneKind, Stage
from tiaodu.projects.models import Milestone, Project, ProjectCard
from tiaodu.projects.tests.factories import project
from tiaodu.regions.models import Region

# The 2024 National Day holiday is the test calendar: Fri 27 Sep is followed by two adjusted working
# days (Sun 29 Sep, Sat 12 Oct) and seven days off (1–7 Oct).
FRIDAY = date(2024, 9, 27)


def fresh(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


def cards_of(project: Project | int) -> Any:
    """The test project's cards (the demo data has cards of its own)."""
    return ProjectCard.objects.filter(project=project)


@pytest.fixture(autouse=True)
def quiet_demo(db: Any) -> None:
    """Only the test's own milestones can be late: the demo's are marked reached, its cards cleared."""
    Milestone.objects.filter(actual_on__isnull=True).update(actual_on=F("planned_on"), card=Card.NONE)
    ProjectCard.objects.all().delete()
    Project.objects.exclude(card=Card.NONE).update(card=Card.NONE)


@pytest.fixture
def unit(db: Any) -> Organization:
    return Organization.objects.create(
        name="测试责任单位", kind="department", region=Region.objects.get(code="500152")
    )


@pytest.fixture
def milestone(unit: Organization) -> Milestone:
    p = project(responsible_unit=unit)
    return Milestone.objects.create(project=p, kind=MilestoneKind.LAND, name="用地", planned_on=FRIDAY)


def test_defaults_are_yellow_when_due_passes_and_red_after_15_working_days(milestone: Milestone) -> None:
    assert (milestone.yellow_after_days, milestone.red_after_days) == (0, 15)
    assert sweep_projects(FRIDAY).yellow == 0  # due today: not late yet
    result = sweep_projects(FRIDAY + timedelta(days=1))
    assert (result.yellow, result.red) == (1, 0)
    m, p = fresh(milestone), fresh(milestone.project)
    assert m.card == Card.YELLOW and m.yellow_count == 1 and p.card == Card.YELLOW
    card = cards_of(milestone.project_id).get()
    assert card.responsible_unit == milestone.project.responsible_unit and card.milestone_id == m.pk
    assert card.reason == "节点“用地”逾期0个工作日未完成"

    red_day = add_workdays(FRIDAY, 15)
    assert sweep_projects(red_day - timedelta(days=1)).red == 0
    assert fresh(milestone).card == Card.YELLOW
    assert sweep_projects(red_day).red == 1
    assert fresh(milestone).card == Card.RED and fresh(milestone.project).card == Card.RED
    assert sweep_projects(red_day).red == 0  # nothing twice
    assert list(cards_of(milestone.project_id).order_by("pk").values_list("card", "lifted_on")) == [
        (Card.YELLOW, None),
        (Card.RED, None),
    ]

    # Reached: every card of the milestone lifted, the history kept, the project clear.
    services.record_milestone(None, fresh(milestone), red_day)
    assert sweep_projects(red_day + timedelta(days=1)).lifted == 2
    assert fresh(milestone).card == Card.NONE and fresh(milestone.project).card == Card.NONE
    assert cards_of(milestone.project_id).filter(lifted_on=red_day + timedelta(days=1)).count() == 2
    mine = Project.objects.filter(pk=milestone.project_id)
    assert hung_on(red_day, mine) == {Card.RED: 1, Card.YELLOW: 0}
    assert hung_on(red_day - timedelta(days=1), mine) == {Card.RED: 0, Card.YELLOW: 1}
    assert hung_on(red_day + timedelta(days=1), mine) == {Card.RED: 0, Card.YELLOW: 0}


def test_days_are_working_days_on_the_holiday_calendar(milestone: Milestone) -> None:
    Milestone.objects.filter(pk=milestone.pk).update(yellow_after_days=3, red_after_days=5)
    # 7 Oct is ten calendar days late but only two working days (29 Sep, 30 Sep).
    assert sweep_projects(date(2024, 10, 7)).yellow == 0
    assert sweep_projects(date(2024, 10, 8)).yellow == 1
    assert sweep_projects(date(2024, 10, 9)).red == 0
    assert sweep_projects(date(2024, 10, 10)).red == 1  # fifth working day: 29, 30 Sep, 8, 9, 10 Oct


def test_red_at_once_when_already_late_by_m(milestone: Milestone) -> None:
    result = sweep_projects(add_workdays(FRIDAY, 20))
    assert (result.yellow, result.red) == (0, 1)
    m = fresh(milestone)
    assert m.card == Card.RED and m.yellow_count == 1


def test_second_yellow_is_red_and_replanning_lifts(milestone: Milestone) -> None:
    sweep_projects(FRIDAY + timedelta(days=3))
    # Re-planned to a later date: no longer late, card lifted.
    Milestone.objects.filter(pk=milestone.pk).update(planned_on=date(2024, 10, 15))
    assert sweep_projects(date(2024, 10, 9)).lifted == 1
    assert fresh(milestone).card == Card.NONE
    # Late again: a second yellow is red.
    result = sweep_projects(date(2024, 10, 16))
    assert (result.yellow, result.red) == (0, 1)
    assert cards_of(milestone.project_id).filter(card=Card.RED).get().reason == "节点“用地”再次逾期"


def test_cancelled_projects_are_not_carded(milestone: Milestone) -> None:
    sweep_projects(FRIDAY + timedelta(days=3))
    Project.objects.filter(pk=milestone.project_id).update(stage=Stage.CANCELLED)
    assert sweep_projects(FRIDAY + timedelta(days=4)).lifted == 1
    assert sweep_projects(add_workdays(FRIDAY, 30)).red == 0


def test_problem_cards_follow_the_case_and_land_on_the_project(unit: Organization) -> None:
    link_problem_departments()
    assert set(
        CaseCategory.objects.filter(workflow=WORKFLOW).values_list("yellow_after_days", "red_after_days")
    ) == {(0, 15)}
    p = project(responsible_unit=unit)
    rnd = dispatch.open_round(
        None,
        district=Region.objects.get(code="500152"),
        period_kind=PeriodKind.XUN,
        period_label="2024年9月下旬",
        period_start=date.today() - timedelta(days=5),
        period_end=date.today() + timedelta(days=4),
        due_on=date.today() + timedelta(days=4),
        projects=Project.objects.filter(pk=p.pk),
    )
    report = dispatch.submit_report(
        None,
        rnd.pk,
        p.pk,
        dispatch.ReportInput(
            investment=1, progress=10, workers_required=5, workers_on_site=5, problems="钢材运输受限"
        ),
    )
    case = report.cases.get()
    Case.objects.filter(pk=case.pk).update(due_on=FRIDAY)

    results = sweep_all(FRIDAY + timedelta(days=1))
    assert (results[0].yellow, results[1].yellow) == (1, 1)  # type: ignore[attr-defined]
    card = cards_of(p).get()
    assert (card.source, card.case_id, card.card, card.responsible_unit) == (
        "problem",
        case.pk,
        Card.YELLOW,
        unit,
    )
    assert fresh(p).card == Card.YELLOW

    red_day = add_workdays(FRIDAY, 15)
    sweep_all(red_day - timedelta(days=1))
    assert fresh(case).card == Card.YELLOW and cards_of(p).count() == 1
    sweep_all(red_day)
    assert fresh(case).card == Card.RED and fresh(p).card == Card.RED
    assert cards_of(p).filter(card=Card.RED, case=case).exists()

    # Resolved: the case sweep lifts the case's card, the project sweep the project's.
    Case.objects.filter(pk=case.pk).update(is_open=False, state="resolved")
    out = StringIO()
    call_command("sweep", "--date", (red_day + timedelta(days=1)).isoformat(), stdout=out)
    assert "项目新挂黄牌0个、红牌0个,摘牌2个" in out.getvalue()
    assert fresh(p).card == Card.NONE
    assert not cards_of(p).filter(lifted_on__isnull=True).exists()


def test_backward_schedule_copies_the_template_rules(db: Any) -> None:
    from tiaodu.projects.models import MilestoneTemplate

    p = project()
    MilestoneTemplate.objects.filter(project_kind=p.kind, milestone_kind=MilestoneKind.LAND).update(
        yellow_after_days=2, red_after_days=10
    )
    milestones = services.backward_schedule(None, p, MilestoneKind.START, date(2027, 6, 30))
    land = next(m for m in milestones if m.kind == MilestoneKind.LAND)
    assert (land.yellow_after_days, land.red_after_days) == (2, 10)
    other = next(m for m in milestones if m.kind == MilestoneKind.APPROVAL)
    assert (other.yellow_after_days, other.red_after_days) == (0, 15)
