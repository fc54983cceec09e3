"""Work safety (安全生产) on the workbench: hazards to rectify (the unit's enterprise), to accept
(the inspecting department or township) and past their deadline (everyone who follows them).

Every count is the hazard list's own filter applied to the list's own queryset, so the line's
link (/safety/hazards/?…) shows exactly the hazards counted. A department's lines are narrowed
to the hazards its own inspections found (``department=<its id>``): it sees the district's
hazards, but accepts those.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from tiaodu.accounts.choices import Role
from tiaodu.cases.choices import Card
from tiaodu.core import workbench
from tiaodu.safety.choices import HazardState
from tiaodu.safety.forms_inspections import SafetyHazardFilter
from tiaodu.safety.hazards import hazards_for

RECTIFIERS = (Role.ENTERPRISE,)
ACCEPTORS = (Role.ADMIN, Role.DEPARTMENT, Role.TOWN)
FOLLOWERS = (Role.ADMIN, Role.LEADER, Role.DEPARTMENT, Role.TOWN, Role.ENTERPRISE)


def hazard_lines(user: Any, lines: dict[str, dict[str, Any]]) -> dict[str, tuple[int, str]]:
    """For each named set of list parameters: how many hazards the list shows under them, and
    the list's address with them (one aggregate query for all)."""
    filters = {name: SafetyHazardFilter(**params).get_filter_expression() for name, params in lines.items()}
    counts = hazards_for(user).aggregate(**{name: Count("pk", filter=q) for name, q in filters.items()})
    base = reverse("safety:hazard-list")
    return {name: (counts[name], f"{base}?{urlencode(params)}") for name, params in lines.items()}


def _base(user: Any) -> dict[str, Any]:
    if user.role == Role.DEPARTMENT and user.organization_id:
        return {"department": user.organization_id}
    return {}


@workbench.provider("safety", order=60)
def hazards(ctx: workbench.Context) -> Iterator[workbench.Item]:
    user = ctx.user
    if user.role not in FOLLOWERS or (user.role == Role.DEPARTMENT and not user.organization_id):
        return
    base = _base(user)
    wanted: dict[str, dict[str, Any]] = {}
    if user.role in RECTIFIERS:
        wanted["pending"] = {**base, "state": HazardState.PENDING.value}
        wanted["rectifying"] = {**base, "state": HazardState.RECTIFYING.value}
    if user.role in ACCEPTORS:
        wanted["awaiting"] = {**base, "state": HazardState.AWAITING.value}
    wanted["overdue"] = {**base, "overdue": "true"}
    wanted["red"] = {**base, "is_open": "true", "card": Card.RED.value}
    got = hazard_lines(user, wanted)
    if "pending" in got:
        yield workbench.Task(_("待整改隐患"), *got["pending"], "warning", _("整改完成后在隐患页上报验收"))
        yield workbench.Task(_("整改中隐患"), *got["rectifying"])
    if "awaiting" in got:
        yield workbench.Task(_("待验收隐患"), *got["awaiting"], "warning", _("核查整改情况后验收销号"))
    yield workbench.Task(_("超期未销号隐患"), *got["overdue"], "danger")
    yield workbench.Task(_("红牌督办隐患"), *got["red"], "danger")
