"""Collective events (集中签约/开工/竣工投产) on the workbench: the events of the coming two weeks,
for leaders and the departments that organise them (the event list filtered to those dates)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from tiaodu.accounts.choices import Role
from tiaodu.core import workbench
from tiaodu.events.filters import EventFilter
from tiaodu.events.services import visible_events

ROLES = (Role.ADMIN, Role.LEADER, Role.DEPARTMENT)
DAYS = 14


@workbench.provider("events", order=45)
def upcoming(ctx: workbench.Context) -> Iterator[workbench.Item]:
    if ctx.user.role not in ROLES:
        return
    params: dict[str, Any] = {
        "held_from": ctx.today.isoformat(),
        "held_to": (ctx.today + timedelta(days=DAYS)).isoformat(),
    }
    events = EventFilter(**params).filter(visible_events(ctx.user)).order_by("held_on", "pk")
    first = events.first()
    if first is None:
        return
    hint = _("最近：%(name)s %(on)s") % {"name": first.name, "on": first.held_on.isoformat()}
    url = reverse("events:list") + "?" + urlencode(params)
    yield workbench.Task(_("两周内集中活动"), events.count(), url, hint=hint)
