"""红黄牌挂牌督办 for key projects: cards on the project and its responsible unit.

Rules are data:

- a **milestone** carries its own ``yellow_after_days`` (N) and ``red_after_days`` (M), copied
  from the project kind's backward-scheduling template (defaults 0 and 15 working days) and
  editable per milestone;
- a **problem** (a ``project_problem`` case opened from a dispatch report) follows its case
  category's ``yellow_after_days`` / ``red_after_days`` (0 and 15 for every problem category by
  default); the case engine's sweep cards the case itself.

Late by N working days (and past the planned date) → yellow; by M working days, or late again
after an earlier yellow was lifted (a second yellow) → red. A card is lifted (摘牌) when the
milestone is reached or re-planned to a date not yet passed, when the problem is resolved, or when
the project is cancelled. Every card is a :class:`ProjectCard` row naming the project and the
responsible unit at the time; rows are never deleted, so the history and the ranking keep them.
``Project.card`` is the worst card still hung on the project.

:func:`sweep_projects` runs right after the case engine's sweep (``tiaodu sweep``): a handful of
statements whatever the number of projects, with Python touching only the rows that change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.utils import timezone

from tiaodu.cases.choices import Card
from tiaodu.cases.models import Case, WorkDay
from tiaodu.projects.choices import Stage
from tiaodu.projects.models import Milestone, Project, ProjectCard

NONE, YELLOW, RED = Card.NONE.value, Card.YELLOW.value, Card.RED.value
SEVERITY = {NONE: 0, YELLOW: 1, RED: 2}


@dataclass
class ProjectSweepResult:
    yellow: int = 0
    red: int = 0
    lifted: int = 0

    def __str__(self) -> str:
        return f"项目新挂黄牌{self.yellow}个、红牌{self.red}个,摘牌{self.lifted}个"


def _milestone_reason(name: str, card: str, late: int, second: bool) -> str:
    if card == YELLOW:
        return f"节点“{name}”逾期{late}个工作日未完成"
    if second:
        return f"节点“{name}”再次逾期"
    return f"节点“{name}”逾期{late}个工作日未完成,升级红牌"


def _sweep_milestones(today: date, today_index: int, result: ProjectSweepResult) -> None:
    planned_index = Subquery(WorkDay.objects.filter(date=OuterRef("planned_on")).values("workday_index")[:1])
    overdue = (
        Milestone.objects.filter(actual_on__isnull=True, planned_on__lt=today)
        .exclude(project__stage=Stage.CANCELLED)
        .annotate(late=Value(today_index) - planned_index)
        .filter(late__gte=F("yellow_after_days"))
    )
    changing = overdue.filter(Q(card=NONE) | Q(card=YELLOW, late__gte=F("red_after_days"))).values_list(
        "pk",
        "project_id",
        "project__responsible_unit_id",
        "name",
        "card",
        "yellow_count",
        "late",
        "red_after_days",
    )
    cards: list[ProjectCard] = []
    to_yellow: list[int] = []
    to_red_first: list[int] = []  # no card before: red at once (also counts as its yellow)
    to_red: list[int] = []
    for pk, project_id, unit_id, name, card, yellow_count, late, red_after in changing:
        second = card == NONE and yellow_count >= 1
        new = RED if (card == YELLOW or second or late >= red_after) else YELLOW
        if new == YELLOW:
            to_yellow.append(pk)
        elif card == NONE:
            to_red_first.append(pk)
        else:
            to_red.append(pk)
        cards.append(
            ProjectCard(
                project_id=project_id,
                responsible_unit_id=unit_id,
                source=ProjectCard.Source.MILESTONE,
                milestone_id=pk,
                card=new,
                reason=_milestone_reason(name, new, late, second),
                issued_on=today,
            )
        )
    ProjectCard.objects.bulk_create(cards, batch_size=1000)
    Milestone.objects.filter(pk__in=to_yellow).update(card=YELLOW, yellow_count=F("yellow_count") + 1)
    Milestone.objects.filter(pk__in=to_red_first).update(card=RED, yellow_count=F("yellow_count") + 1)
    Milestone.objects.filter(pk__in=to_red).update(card=RED)
    result.yellow += len(to_yellow)
    result.red += len(to_red_first) + len(to_red)

    # Lift: reached, re-planned to a date not yet passed, or the project was cancelled.
    resolved = Milestone.objects.exclude(card=NONE).filter(
        Q(actual_on__isnull=False) | Q(planned_on__gte=today) | Q(project__stage=Stage.CANCELLED)
    )
    lifted_ids = list(resolved.values_list("pk", flat=True))
    if lifted_ids:
        result.lifted += ProjectCard.objects.filter(
            milestone_id__in=lifted_ids, lifted_on__isnull=True
        ).update(lifted_on=today)
        Milestone.objects.filter(pk__in=lifted_ids).update(card=NONE)


def _sweep_problems(today: date, result: ProjectSweepResult) -> None:
    """Mirror the case engine's cards on problem cases onto their projects."""
    open_cards = ProjectCard.objects.filter(source=ProjectCard.Source.PROBLEM, lifted_on__isnull=True)
    hung = set(open_cards.values_list("case_id", "card"))
    carded = (
        Case.objects.filter(card__in=[YELLOW, RED], dispatch_reports__isnull=False)
        .values_list(
            "pk",
            "card",
            "title",
            "dispatch_reports__project_id",
            "dispatch_reports__project__responsible_unit_id",
        )
        .distinct()
    )
    cards: list[ProjectCard] = []
    for case_id, card, title, project_id, unit_id in carded:
        if (case_id, card) in hung:
            continue
        hung.add((case_id, card))
        label = "黄牌" if card == YELLOW else "红牌"
        cards.append(
            ProjectCard(
                project_id=project_id,
                responsible_unit_id=unit_id,
                source=ProjectCard.Source.PROBLEM,
                case_id=case_id,
                card=card,
                reason=f"问题逾期未解决({label}):{title}"[:255],
                issued_on=today,
            )
        )
        if card == YELLOW:
            result.yellow += 1
        else:
            result.red += 1
    ProjectCard.objects.bulk_create(cards, batch_size=1000)
    result.lifted += open_cards.filter(case__card=NONE).update(lifted_on=today)


def _refresh_project_cards() -> None:
    hung = ProjectCard.objects.filter(project=OuterRef("pk"), lifted_on__isnull=True)
    red, yellow = Exists(hung.filter(card=RED)), Exists(hung.filter(card=YELLOW))
    Project.objects.filter(red).exclude(card=RED).update(card=RED)
    Project.objects.filter(yellow).exclude(red).exclude(card=YELLOW).update(card=YELLOW)
    Project.objects.exclude(Exists(hung)).exclude(card=NONE).update(card=NONE)


@transaction.atomic
def sweep_projects(today: date | None = None) -> ProjectSweepResult:
    """Issue and lift the cards of milestones and problems; set each project's worst card."""
    today = today or timezone.localdate()
    result = ProjectSweepResult()
    today_index = WorkDay.objects.filter(date=today).values_list("workday_index", flat=True).first()
    if today_index is not None:  # outside the calendar no lateness can be counted
        _sweep_milestones(today, today_index, result)
    _sweep_problems(today, result)
    _refresh_project_cards()
    return result


def hung_on(on: date, projects: object = None) -> dict[str, int]:
    """How many projects had a red / yellow card (their worst) hung on date ``on``.

    ``projects`` narrows the count (a Project queryset); cards are read from their history, so a
    past date gives the figure of that day.
    """
    rows = ProjectCard.objects.filter(issued_on__lte=on).filter(
        Q(lifted_on__isnull=True) | Q(lifted_on__gt=on)
    )
    if projects is not None:
        rows = rows.filter(project__in=projects)
    worst: dict[int, int] = {}
    for project_id, card in rows.values_list("project_id", "card"):
        worst[project_id] = max(worst.get(project_id, 0), SEVERITY[card])
    return {
        RED: sum(1 for v in worst.values() if v == SEVERITY[RED]),
        YELLOW: sum(1 for v in worst.values() if v == SEVERITY[YELLOW]),
    }
