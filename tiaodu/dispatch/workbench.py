"""Dispatch (调度) on the workbench: the reports a unit has to fill in open rounds, and for those who
dispatch, the projects still missing from open rounds (催报).

Who fills: every role the report scope lets change a report, except leaders and administrators
(they see the whole district and dispatch rather than fill): a project owner its own projects, a
department the projects it is responsible for, a township its township's, a squad its squad's.
A single report links straight to its form (and back to the workbench once submitted); several
link to the round showing only the reports the user may fill (``?mine=1``): its "未报项目"
table is exactly the user's missing reports, with their 填报 buttons.

Who reminds: leaders and administrators for every open round of their scope; a department for the
rounds opened by someone of its own organisation.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from tiaodu.accounts.choices import Role
from tiaodu.core import workbench
from tiaodu.core.rounds import RoundState
from tiaodu.dispatch.models import DispatchReport, DispatchRound

FILLERS = (Role.DEPARTMENT, Role.TOWN, Role.SQUAD, Role.OWNER)
DISPATCHERS = (Role.ADMIN, Role.LEADER, Role.DEPARTMENT)
SOON_DAYS = 3  # a report due within this many days is shown as urgent


def due_severity(due_on: date, today: date) -> workbench.Severity:
    """Past due: danger; due within :data:`SOON_DAYS`: warning; otherwise info."""
    if due_on < today:
        return "danger"
    if (due_on - today).days <= SOON_DAYS:
        return "warning"
    return "info"


def to_fill(ctx: workbench.Context) -> list[DispatchReport]:
    """The user's empty report slots in open rounds, earliest due first."""
    return list(
        DispatchReport.objects.restrict(ctx.user, "change")
        .filter(round__state=RoundState.OPEN, submitted_at__isnull=True)
        .select_related("round", "project")
        .order_by("round__due_on", "round_id", "project__name", "pk")
    )


def form_url(report: DispatchReport, back: str = "/") -> str:
    """The report form of one slot, returning to ``back`` (the workbench) once submitted."""
    url = reverse("dispatch:report", args=[report.round_id, report.project_id])
    return f"{url}?{urlencode({'next': back})}"


@workbench.provider("dispatch", order=40)
def reports(ctx: workbench.Context) -> Iterator[workbench.Item]:
    """待填报调度: the reports the user's unit has to submit in open rounds."""
    if ctx.user.role not in FILLERS:
        return
    slots = to_fill(ctx)
    if not slots:
        return
    first = slots[0]
    rounds = {s.round_id for s in slots}
    if len(slots) == 1:
        url = form_url(first)
        hint = _("%(project)s · 截止%(due)s") % {
            "project": first.project.name,
            "due": first.round.due_on.isoformat(),
        }
    else:
        # the round page lists exactly the user's missing reports, each with its 填报 button
        url = (
            reverse("dispatch:detail", args=[first.round_id]) + "?mine=1#missing"
            if len(rounds) == 1
            else reverse("dispatch:list") + "?state=open"
        )
        hint = _("%(round)s · 截止%(due)s") % {
            "round": first.round.period_label,
            "due": first.round.due_on.isoformat(),
        }
    yield workbench.Task(
        _("待填报调度"), len(slots), url, severity=due_severity(first.round.due_on, ctx.today), hint=hint
    )


def rounds_to_remind(ctx: workbench.Context) -> list[DispatchRound]:
    """Open rounds the user dispatches that still miss reports, annotated with ``missing``."""
    rounds = DispatchRound.objects.restrict(ctx.user, "change").filter(state=RoundState.OPEN)
    if ctx.user.role == Role.DEPARTMENT:
        if not ctx.user.organization_id:
            return []
        rounds = rounds.filter(opened_by__organization_id=ctx.user.organization_id)
    return list(
        rounds.annotate(missing=Count("reports", filter=Q(reports__submitted_at__isnull=True)))
        .filter(missing__gt=0)
        .order_by("due_on", "pk")
    )


@workbench.provider("dispatch", order=41)
def reminders(ctx: workbench.Context) -> Iterator[workbench.Item]:
    """待催报: projects still missing from the open rounds the user dispatches."""
    if ctx.user.role not in DISPATCHERS:
        return
    rounds = rounds_to_remind(ctx)
    if not rounds:
        return
    first = rounds[0]
    missing = sum(r.missing for r in rounds)  # type: ignore[attr-defined]
    if len(rounds) == 1:
        url = reverse("dispatch:detail", args=[first.pk]) + "#missing"
    else:
        url = reverse("dispatch:list") + "?state=open"
    hint = _("%(round)s · 截止%(due)s") % {"round": first.period_label, "due": first.due_on.isoformat()}
    yield workbench.Task(
        _("调度未报项目（待催报）"),
        missing,
        url,
        severity=due_severity(first.due_on, ctx.today),
        hint=hint,
    )
