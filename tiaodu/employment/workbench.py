"""Stable employment (稳就业) on the workbench, for the district's employment departments (those named
in its employment settings, e.g. 区人力社保局), township staff and administrators: job fairs of
the coming two weeks to prepare (a township: those it hosts), and the 30/90-day follow-ups of
placements that are due (the "待回访" page's own query).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from tiaodu.accounts.choices import Role
from tiaodu.core import workbench
from tiaodu.employment.fairs import fairs_for
from tiaodu.employment.forms_fairs import FairFilter
from tiaodu.employment.models import EmploymentSettings
from tiaodu.employment.outcomes import follow_ups_due

FAIR_DAYS = 14  # fairs held within this many days are "to prepare"


def employment_staff(user: Any) -> bool:
    """Administrators, township staff, and departments named in an employment settings."""
    if user.role in (Role.ADMIN, Role.TOWN):
        return True
    if user.role == Role.DEPARTMENT and user.organization_id:
        return bool(EmploymentSettings.objects.filter(departments=user.organization_id).exists())
    return False


@workbench.provider("employment", order=70)
def fairs(ctx: workbench.Context) -> Iterator[workbench.Item]:
    user = ctx.user
    if not employment_staff(user):
        return
    params: dict[str, Any] = {
        "date_from": ctx.today.isoformat(),
        "date_to": (ctx.today + timedelta(days=FAIR_DAYS)).isoformat(),
    }
    if user.role == Role.TOWN and user.region_id:
        params["township"] = user.region_id
    upcoming = FairFilter(**params).filter(fairs_for(user)).order_by("held_on", "pk")
    n = upcoming.count()
    first = upcoming.first()
    hint = ""
    if first is not None:
        hint = _("最近：%(name)s %(on)s") % {"name": first.name, "on": first.held_on.isoformat()}
    url = reverse("employment:fair-list") + "?" + urlencode(params)
    soon = first is not None and (first.held_on - ctx.today).days <= 3
    # the employment department's own duties: its lines stay (greyed at zero)
    duty = user.role == Role.DEPARTMENT
    yield workbench.Task(_("两周内待筹备招聘会"), n, url, "warning" if soon else "info", hint, always=duty)

    due = follow_ups_due(user, ctx.today)
    n = due.count()
    yield workbench.Task(
        _("待回访求职对接（30/90天）"),
        n,
        reverse("employment:follow-ups"),
        "warning",
        _("回访入职人员是否仍在岗"),
        always=duty,
    )
