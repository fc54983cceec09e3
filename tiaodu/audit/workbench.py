"""安全审计 on the administrators' workbench: the last seven days' security alerts by kind (each
line opens the event list filtered to that kind and those days) and a late daily sweep."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from tiaodu.accounts.choices import Role
from tiaodu.audit.choices import ALERT_KINDS, EventKind
from tiaodu.audit.filters import EventFilter
from tiaodu.audit.models import SecurityEvent
from tiaodu.audit.taskruns import sweep_warning
from tiaodu.core import workbench
from tiaodu.dashboard.links import filtered

DAYS = 7
DANGER = {EventKind.LOCKED_OUT, EventKind.PERMISSION_DENIED, EventKind.PI_REVEAL_REFUSED}


@workbench.provider("audit", order=90)
def security_alerts(ctx: workbench.Context) -> Iterator[workbench.Item]:
    user = ctx.user
    if not (user.is_superuser or user.role == Role.ADMIN):
        return
    warning = sweep_warning()
    if warning:
        yield workbench.Task(_("后台任务异常"), 1, reverse("audit:tasks"), severity="danger", hint=warning)
    since = ctx.today - timedelta(days=DAYS - 1)
    events = SecurityEvent.objects.all()
    counts = dict(
        events.filter(kind__in=ALERT_KINDS, created_at__date__gte=since)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    for kind in sorted(ALERT_KINDS, key=lambda k: -counts.get(k, 0)):
        if not counts.get(kind):
            continue
        rows, url = filtered(
            SecurityEvent,
            EventFilter,
            user,
            reverse("audit:events"),
            base=events,
            kind=kind.value,
            date_from=since,
        )
        latest = rows.order_by("-created_at").values_list("username", flat=True).first()
        yield workbench.Task(
            _("近%(days)d日%(kind)s") % {"days": DAYS, "kind": EventKind(kind).label},
            rows.count(),
            url,
            severity="danger" if kind in DANGER else "warning",
            hint=_("最近一次：%(who)s") % {"who": latest or _("未知用户")},
        )
