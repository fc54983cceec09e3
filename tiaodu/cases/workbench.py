"""企业诉求 on the workbench: appeals to route (交办), to take on (签收), to finish (办结), to rate
(评价), and the red and yellow cards of the appeals that ran late.

Every line's count is the case list filtered exactly as its link (:func:`tiaodu.dashboard.links.filtered`):
the dispatchers' lines are the district's (leaders, administrators) or the department's own
appeals (``handling_org``), the handlers' lines the user's organisation's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils.translation import gettext as _

from tiaodu.accounts.choices import Role
from tiaodu.cases.choices import Card
from tiaodu.cases.filters import CaseFilter
from tiaodu.cases.models import Case
from tiaodu.cases.workflow import get_workflow
from tiaodu.core import workbench
from tiaodu.core.errors import ServiceError
from tiaodu.dashboard.links import filtered
from tiaodu.enterprises.appeals import WORKFLOW
from tiaodu.enterprises.choices import AppealState

LIST = "/cases/"
DISPATCHERS = (Role.ADMIN, Role.LEADER, Role.DEPARTMENT)
DISTRICT_WIDE = (Role.ADMIN, Role.LEADER)


def appeals(user: Any, **params: Any) -> tuple[QuerySet[Case], str]:
    return filtered(Case, CaseFilter, user, LIST, workflow=WORKFLOW, **params)


def _figures(rows: QuerySet[Case], today: date) -> tuple[int, date | None, int]:
    """How many, the earliest due date and how many are past it: one query."""
    got = rows.aggregate(n=Count("pk"), first=Min("due_on"), late=Count("pk", filter=Q(due_on__lt=today)))
    return got["n"], got["first"], got["late"]


def _task(label: str, rows: QuerySet[Case], url: str, today: date, late_is: str = "danger") -> workbench.Task:
    n, first, late = _figures(rows, today)
    hint = ""
    if n and first is not None:
        if late:
            hint = _("其中%(n)d件已超过办结时限（最早%(due)s）") % {"n": late, "due": f"{first:%Y-%m-%d}"}
        else:
            hint = _("最早办结时限%(due)s") % {"due": f"{first:%Y-%m-%d}"}
    return workbench.Task(label, n, url, severity=late_is if late else "info", hint=hint)  # type: ignore[arg-type]


@workbench.provider("cases", order=20)
def appeal_tasks(ctx: workbench.Context) -> Iterator[workbench.Item]:
    user, today = ctx.user, ctx.today
    role = user.role
    org = user.organization_id
    if role in DISPATCHERS and (role in DISTRICT_WIDE or org):
        own = {} if role in DISTRICT_WIDE else {"handling_org": org}
        rows, url = appeals(user, state=AppealState.ACCEPTED, **own)
        yield _task(_("待交办诉求"), rows, url, today, "warning")
        rows, url = appeals(user, state=AppealState.RETURNED, **own)
        yield _task(_("被退回待重新交办的诉求"), rows, url, today, "warning")
    if role in (Role.ADMIN, Role.DEPARTMENT, Role.TOWN) and org:
        rows, url = appeals(user, state=AppealState.ASSIGNED, handling_org=org)
        yield _task(_("待签收办理的诉求"), rows, url, today)
        rows, url = appeals(user, state=AppealState.IN_PROGRESS, handling_org=org)
        yield _task(_("办理中待办结的诉求"), rows, url, today)
    if role == Role.ENTERPRISE and org:
        rows, url = appeals(user, state=AppealState.RESOLVED)
        yield workbench.Task(_("已办结待评价的诉求"), rows.count(), url, severity="warning")
        rows, url = appeals(user, is_open=True)
        yield _task(_("办理中的诉求"), rows, url, today, "warning")
    if role == Role.SQUAD:
        rows, url = appeals(user, is_open=True)
        yield _task(_("所联系企业未办结的诉求"), rows, url, today, "warning")
    if role == Role.TOWN:  # the township follows its enterprises' appeals (驻厂, 联络)
        rows, url = appeals(user, is_open=True)
        yield _task(_("本镇街企业未办结的诉求"), rows, url, today, "warning")


@workbench.provider("cases", order=21)
def appeal_cards(ctx: workbench.Context) -> Iterator[workbench.Item]:
    """红黄牌督办: the district's (leaders, administrators, townships: their own township) or the
    department's own late appeals."""
    user, role, org = ctx.user, ctx.user.role, ctx.user.organization_id
    if role in (Role.ADMIN, Role.LEADER, Role.TOWN):
        own: dict[str, Any] = {}
    elif role == Role.DEPARTMENT and org:
        own = {"handling_org": org}
    else:
        return
    for card, label, severity in (
        (Card.RED, _("红牌督办的诉求"), "danger"),
        (Card.YELLOW, _("黄牌督办的诉求"), "warning"),
    ):
        rows, url = appeals(user, is_open=True, card=card.value, **own)
        n, first, _late = _figures(rows, ctx.today)
        hint = ""
        if n and first is not None and first < ctx.today:
            hint = _("最早办结时限%(due)s，已超期%(days)d天") % {
                "due": f"{first:%Y-%m-%d}",
                "days": (ctx.today - first).days,
            }
        yield workbench.Task(label, n, url, severity=severity, hint=hint)  # type: ignore[arg-type]


@workbench.provider("cases", order=22)
def cards_glance(ctx: workbench.Context) -> Iterator[workbench.Item]:
    """红黄牌督办 at a glance (leaders, administrators): the open cases carrying a card now, by
    kind of case (企业诉求, 安全隐患, 项目问题 …), as a stacked bar — one grouped query."""
    user = ctx.user
    if not (user.is_superuser or user.role in DISTRICT_WIDE):
        return
    counts: dict[str, dict[str, int]] = {}
    for row in (
        Case.objects.restrict(user)
        .filter(is_open=True, card__in=[Card.RED, Card.YELLOW])
        .order_by()
        .values("workflow", "card")
        .annotate(n=Count("pk"))
    ):
        counts.setdefault(row["workflow"], {})[row["card"]] = row["n"]
    if not counts:
        return
    codes = sorted(counts, key=lambda c: (-counts[c].get(Card.RED, 0), -sum(counts[c].values()), c))
    names = []
    for code in codes:
        try:
            names.append(str(get_workflow(code).name))
        except ServiceError:
            names.append(code)
    red = [counts[c].get(Card.RED, 0) for c in codes]
    yellow = [counts[c].get(Card.YELLOW, 0) for c in codes]
    yield workbench.Panel(
        "cards",
        _("红黄牌督办"),
        "/cases/board/",
        chart={
            "legend": {"top": 0},
            "grid": {"left": 90, "right": 30, "top": 36, "bottom": 24},
            "xAxis": {"type": "value", "name": _("件"), "minInterval": 1},
            "yAxis": {"type": "category", "data": names, "inverse": True},
            "series": [
                {
                    "type": "bar",
                    "stack": "cards",
                    "name": _("红牌"),
                    "data": red,
                    "itemStyle": {"color": "#c62828"},
                    "label": {"show": True},
                },
                {
                    "type": "bar",
                    "stack": "cards",
                    "name": _("黄牌"),
                    "data": yellow,
                    "itemStyle": {"color": "#f0ad00"},
                    "label": {"show": True},
                },
            ],
        },
        header=[_("类别"), _("红牌"), _("黄牌")],
        rows=[[name, str(r), str(y)] for name, r, y in zip(names, red, yellow, strict=True)],
        note=_("未办结且挂牌督办的事项，按类别统计。"),
    )
