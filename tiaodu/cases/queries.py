"""Read-side queries shared by the case pages and the 工作台: 待办, 督办 and days overdue.

Everything starts from ``Case.objects.restrict(user)``, so nobody sees a case outside their scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from tiaodu.cases import services
from tiaodu.cases.choices import Card
from tiaodu.cases.models import Case, WorkDay
from tiaodu.cases.services import DISPATCHER_ROLES
from tiaodu.cases.workflow import Transition, all_workflows, get_workflow

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.orgs.models import Organization


def is_dispatcher(user: User) -> bool:
    return bool(user.is_superuser or user.role in DISPATCHER_ROLES)


def dispatch_states() -> Q:
    """Open states from which a dispatcher routes a case (已受理, 已退回 for appeals)."""
    q = Q(pk__in=[])
    for wf in all_workflows():
        states = {s for t in wf.transitions if "dispatcher" in t.parties for s in t.source} & wf.open_states
        if states:
            q |= Q(workflow=wf.code, state__in=sorted(states))
    return q


def to_dispatch(user: User) -> QuerySet[Case]:
    """Cases waiting for this dispatcher to route them (only those they may change)."""
    if not is_dispatcher(user):
        return Case.objects.none()
    return Case.objects.restrict(user, "change").filter(dispatch_states(), is_open=True)


def handled_by_my_org(user: User) -> QuerySet[Case]:
    """Open cases where the user's organisation is the responsible or a co-handling department."""
    org_id = user.organization_id
    if org_id is None:
        return Case.objects.none()
    mine = Case.objects.filter(Q(handling_org_id=org_id) | Q(co_orgs=org_id)).values("pk")
    return Case.objects.restrict(user).filter(is_open=True, pk__in=mine)


def inbox(user: User) -> QuerySet[Case]:
    """待办: my organisation's open cases plus, for dispatchers, the ones to route."""
    dispatch = to_dispatch(user).values("pk")
    mine = handled_by_my_org(user).values("pk")
    return Case.objects.filter(Q(pk__in=dispatch) | Q(pk__in=mine))


def available_actions(user: User, case: Case) -> list[Transition]:
    """The workflow actions this user may take on this case now (state, party and change scope)."""
    if not Case.objects.restrict(user, "change").filter(pk=case.pk).exists():
        return []
    parties = services.party_of(user, case)
    moves = [t for t in get_workflow(case.workflow).available(case.state) if t.parties & parties]
    # 重新办理 only after an unsatisfied rating (below 3).
    return [t for t in moves if t.action != "reopen" or (case.rating is not None and case.rating < 3)]


def carded(user: User) -> QuerySet[Case]:
    """Open cases carrying a red or yellow card, in the user's scope."""
    return Case.objects.restrict(user).filter(is_open=True, card__in=[Card.RED, Card.YELLOW])


def overdue_days(dues: Iterable[date | None], today: date | None = None) -> dict[date, tuple[int, int]]:
    """For each due date: (working days, calendar days) it is overdue by today (0 if not yet due)."""
    today = today or timezone.localdate()
    wanted = {d for d in dues if d is not None}
    index = dict(WorkDay.objects.filter(date__in=[*wanted, today]).values_list("date", "workday_index"))
    result: dict[date, tuple[int, int]] = {}
    for due in wanted:
        calendar = max((today - due).days, 0)
        if due in index and today in index:
            result[due] = (max(index[today] - index[due], 0), calendar)
        else:  # outside the calendar table: fall back to calendar days
            result[due] = (calendar, calendar)
    return result


@dataclass
class BoardGroup:
    org: Organization | None
    cases: list[Any] = field(default_factory=list)

    @property
    def red(self) -> int:
        return sum(1 for c in self.cases if c.card == Card.RED)

    @property
    def yellow(self) -> int:
        return sum(1 for c in self.cases if c.card == Card.YELLOW)


def board(cases: Iterable[Case], today: date | None = None) -> list[BoardGroup]:
    """督办: carded cases grouped by handling department, most red cards first."""
    rows = list(cases)
    late = overdue_days((c.due_on for c in rows), today)
    groups: dict[int | None, BoardGroup] = {}
    for case in rows:
        case.overdue_workdays, case.overdue_days = late.get(case.due_on, (0, 0)) if case.due_on else (0, 0)  # type: ignore[attr-defined]
        groups.setdefault(case.handling_org_id, BoardGroup(case.handling_org)).cases.append(case)
    for group in groups.values():
        group.cases.sort(key=lambda c: (c.card != Card.RED, -c.overdue_days, c.pk))
    return sorted(groups.values(), key=lambda g: (-g.red, -g.yellow, g.org.name if g.org else "\uffff"))
