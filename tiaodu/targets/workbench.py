"""Annual targets (目标任务) on the workbench: the targets behind their time schedule in the latest
quarter with figures — the 季督办 list itself (``services.supervision_list``), so the line's link
to /targets/supervision/ shows exactly the targets counted.

For leaders and administrators; a department only when it answers for one of those targets (its
hint says how many are its own). A year or quarter without figures gives no line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from tiaodu.accounts.choices import Role
from tiaodu.core import workbench
from tiaodu.core.errors import ServiceError
from tiaodu.monitoring import cache as monitoring_cache
from tiaodu.monitoring.models import StatPeriod
from tiaodu.monitoring.periods import MONTH_KINDS, Period
from tiaodu.targets import services
from tiaodu.targets.forms import default_region
from tiaodu.targets.models import Target

ROLES = (Role.ADMIN, Role.LEADER, Role.DEPARTMENT)


def latest_quarter(user: Any) -> tuple[int, int] | None:
    """(year, quarter) of the latest quarter with monthly figures in the latest year with targets
    the user sees; ``None`` when there is none."""
    year = Target.objects.restrict(user).order_by("-year").values_list("year", flat=True).first()
    if year is None:
        return None
    last = (
        StatPeriod.objects.filter(year=year, first=1, kind__in=MONTH_KINDS)
        .order_by("-last")
        .values_list("last", flat=True)
        .first()
    )
    if not last or last < 3:
        return None
    return year, last // 3


@workbench.provider("targets", order=80)
def behind(ctx: workbench.Context) -> Iterator[workbench.Item]:
    user = ctx.user
    if user.role not in ROLES or (user.role == Role.DEPARTMENT and not user.organization_id):
        return
    # The 季督办 assessment reads every target and figure of the district: kept in the monitoring
    # pages' cache, whose data version changes with any figure, period or target written, keyed
    # by the reader's scope (and its organisation: the hint counts the unit's own targets).
    params = {"org": user.organization_id or 0}
    task = monitoring_cache.remember(
        "workbench-targets", user, params, lambda: behind_task(user), monitoring_cache.data_version()
    )
    if task is not None:
        yield task


def behind_task(user: Any) -> workbench.Task | None:
    """The line of :func:`behind`, computed."""
    if (
        user.role == Role.DEPARTMENT
        and not Target.objects.restrict(user).filter(responsible_id=user.organization_id).exists()
    ):
        return None
    found = latest_quarter(user)
    if found is None:
        return None
    year, quarter = found
    region = default_region(user)
    try:
        result = services.supervision_list(region, Period.quarter(year, quarter), user)
    except ServiceError:
        return None
    rows = result.rows
    hint = _("%(year)d年%(quarter)s，序时进度%(p)s%%") % {
        "year": year,
        "quarter": result.quarter_label,
        "p": result.time_progress,
    }
    if user.role == Role.DEPARTMENT:
        own = sum(1 for r in rows if r.responsible_id == user.organization_id)
        hint += _("；其中本单位负责%(n)d项") % {"n": own}
    url = (
        reverse("targets:supervision") + "?" + urlencode({"region": region, "year": year, "quarter": quarter})
    )
    return workbench.Task(_("进度滞后的目标任务"), len(rows), url, "warning", hint)
