"""监测报送 on the workbench: the reports a unit still has to file (enterprises, departments), the
open rounds with units yet to report (those who open and remind: leaders, departments; townships
for their own enterprises) and the output alerts to handle."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from tiaodu.accounts.choices import Role
from tiaodu.core import workbench
from tiaodu.dashboard.links import filtered
from tiaodu.reporting.choices import AlertState, RoundState
from tiaodu.reporting.filters import OutputAlertFilter, ReportingRoundFilter
from tiaodu.reporting.models import OutputAlert, ReportingRound, ReportSlot

ROUND_KEEPERS = (Role.ADMIN, Role.LEADER, Role.DEPARTMENT, Role.TOWN)


@workbench.provider("reporting", order=40)
def slots_due(ctx: workbench.Context) -> Iterator[workbench.Item]:
    """待报送: the user's own unit's slots in open rounds not yet submitted (one: its fill form)."""
    user = ctx.user
    if not user.organization_id or user.role not in (Role.ENTERPRISE, Role.DEPARTMENT):
        return
    slots = list(
        ReportSlot.objects.restrict(user, "change")
        .filter(organization_id=user.organization_id, round__state=RoundState.OPEN, submitted_at__isnull=True)
        .select_related("round", "round__period")
        .order_by("round__due_on", "pk")
    )
    if not slots:
        return
    first = slots[0]
    if len(slots) == 1:
        url = reverse("reporting:slot", args=[first.round_id, first.pk])
    else:
        url = f"{reverse('reporting:list')}?state={RoundState.OPEN.value}"
    late = first.round.due_on < ctx.today
    soon = (first.round.due_on - ctx.today).days <= 3
    hint = _("%(title)s，截止%(due)s") % {"title": first.round.title, "due": f"{first.round.due_on:%Y-%m-%d}"}
    if late:
        hint = _("%(title)s已过截止日期%(due)s") % {
            "title": first.round.title,
            "due": f"{first.round.due_on:%Y-%m-%d}",
        }
    yield workbench.Task(
        _("待填报的监测报送"),
        len(slots),
        url,
        severity="danger" if late else ("warning" if soon else "info"),
        hint=hint,
    )


@workbench.provider("reporting", order=41)
def rounds_open(ctx: workbench.Context) -> Iterator[workbench.Item]:
    """报送中的任务 with the units of the reader's slice that have not reported (催报)."""
    user = ctx.user
    if user.role not in ROUND_KEEPERS:
        return
    rows, url = filtered(
        ReportingRound, ReportingRoundFilter, user, reverse("reporting:list"), state=RoundState.OPEN.value
    )
    rounds = list(rows.order_by("due_on", "pk").values("pk", "due_on"))
    if not rounds:
        return
    # The reader's slice of each round (a township: its own enterprises), as the list shows it.
    progress = {
        row["round_id"]: (row["expected"], row["reported"])
        for row in ReportSlot.objects.restrict(user)
        .filter(round_id__in=[r["pk"] for r in rounds])
        .order_by()
        .values("round_id")
        .annotate(expected=Count("pk"), reported=Count("pk", filter=Q(submitted_at__isnull=False)))
    }
    behind = {pk: e - r for pk, (e, r) in progress.items() if e > r}
    missing = sum(behind.values())
    late = any(r["due_on"] < ctx.today for r in rounds if r["pk"] in behind)
    first_due = rounds[0]["due_on"]
    hint = _("尚有%(n)d家单位未报送，最早截止%(due)s") % {"n": missing, "due": f"{first_due:%Y-%m-%d}"}
    yield workbench.Task(
        _("填报中的报送任务（待催报）") if missing else _("填报中的报送任务"),
        len(rounds),
        url,
        severity="danger" if late else ("warning" if missing else "info"),
        hint=hint if missing else _("各单位均已报送，可关闭汇总"),
    )


@workbench.provider("reporting", order=42)
def alerts_open(ctx: workbench.Context) -> Iterator[workbench.Item]:
    """重点企业产值预警 still 待处理."""
    user = ctx.user
    if user.role not in (*ROUND_KEEPERS, Role.SQUAD):
        return
    rows, url = filtered(
        OutputAlert, OutputAlertFilter, user, reverse("reporting:alerts"), state=AlertState.OPEN.value
    )
    yield workbench.Task(_("待处理的产值预警"), rows.count(), url, severity="danger")
