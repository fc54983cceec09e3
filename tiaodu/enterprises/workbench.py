"""企业服务 at a glance on the leaders' workbench: this year's appeals (受理, 办结, 办结率, 满意率)
and the red and yellow cards now, overall and per responsible department (a stacked bar chart).

The figures are those of the 企业服务情况 report (:func:`enterprise_service_report`) of the
district from 1 January of the latest year with appeals to the day, through the reader's scope;
cached per scope and data version (:mod:`tiaodu.dashboard.cache`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from tiaodu.accounts.choices import Role
from tiaodu.cases.models import Case, CaseEvent
from tiaodu.core import figures as fig
from tiaodu.core import workbench
from tiaodu.dashboard.cache import Table, cached
from tiaodu.enterprises.appeals import WORKFLOW
from tiaodu.enterprises.models import Enterprise, Visit

GLANCE_ROLES = (Role.ADMIN, Role.LEADER, Role.DEPARTMENT)
# A case's figures here (state, card, rating) change only with an event of its timeline (the
# daily sweep's cards included): the events' last id and the cases' count and last id tell.
SOURCES: tuple[Table, ...] = ((Case, "pk"), (CaseEvent, "pk"), Visit, Enterprise)
TOP_DEPARTMENTS = 10


def _rate(value: Any) -> str:
    return "—" if value is None else fig.percent(value)


def _panels(user: Any, today: date) -> list[workbench.Panel]:
    from tiaodu.enterprises.report import enterprise_service_report
    from tiaodu.monitoring.dashboard import county_of

    region = county_of(getattr(user, "region", None))
    if region is None:
        return []
    last = Case.objects.restrict(user).filter(workflow=WORKFLOW).aggregate(last=Max("raised_on"))["last"]
    if last is None:
        return []
    end = min(today, date(last.year, 12, 31))
    start = date(end.year, 1, 1)
    report = enterprise_service_report(region, start, end, user)
    t = report.totals
    if not t.appeals and not (t.current_red or t.current_yellow):
        return []
    query = urlencode({"region": region.code, "date_from": start.isoformat(), "date_to": end.isoformat()})
    url = f"{reverse('enterprise_reports:report')}?{query}"
    departments = sorted(report.by_department, key=lambda r: (-r.appeals, r.name))[:TOP_DEPARTMENTS]
    chart = None
    if departments:
        names = [r.name for r in departments]
        chart = {
            "legend": {"top": 0},
            "grid": {"left": 110, "right": 30, "top": 36, "bottom": 24},
            "xAxis": {"type": "value", "name": _("件"), "minInterval": 1},
            "yAxis": {"type": "category", "data": names, "inverse": True},
            "series": [
                {
                    "type": "bar",
                    "stack": "appeals",
                    "name": _("已办结"),
                    "data": [r.resolved for r in departments],
                    "itemStyle": {"color": "#2f7d4f"},
                },
                {
                    "type": "bar",
                    "stack": "appeals",
                    "name": _("未办结"),
                    "data": [r.unresolved for r in departments],
                    "itemStyle": {"color": "#d89614"},
                },
                {
                    "type": "bar",
                    "name": _("当前红牌"),
                    "data": [r.current_red for r in departments],
                    "itemStyle": {"color": "#c62828"},
                },
            ],
        }
    rows = [
        [_("受理诉求"), _("%(n)d件") % {"n": t.appeals}],
        [_("已办结"), _("%(n)d件") % {"n": t.resolved}],
        [_("办结率"), _rate(t.resolution_rate)],
        [_("满意率"), _rate(t.satisfaction_rate)],
        [_("当前红牌"), _("%(n)d件") % {"n": t.current_red}],
        [_("当前黄牌"), _("%(n)d件") % {"n": t.current_yellow}],
    ]
    return [
        workbench.Panel(
            "appeals",
            _("企业诉求办理（%(period)s）") % {"period": report.period},
            url,
            chart=chart,
            header=[_("项目"), _("数值")],
            rows=rows,
            note=_("按责任部门统计，列出受理诉求最多的%(n)d个部门。") % {"n": TOP_DEPARTMENTS},
        )
    ]


@workbench.provider("enterprises", order=30)
def glance(ctx: workbench.Context) -> Iterator[workbench.Item]:
    user = ctx.user
    if not (user.is_superuser or user.role in GLANCE_ROLES):
        return
    key = f"enterprises-glance:{ctx.today.isoformat()}"
    yield from cached(key, user, SOURCES, lambda: _panels(user, ctx.today))
