"""Key projects (重点项目) on the workbench: the projects under 红黄牌督办 and the 倒排工期 milestones
past their planned date, and for leaders the key projects' investment completion this year
against 序时进度 (time progress), per township.

Whose projects: a department those it is responsible for (it sees the whole district's library,
but answers for its own); every other role the projects of its scope (a township its township's,
a squad its squad's, an owner its own, leaders and administrators the district's).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from tiaodu.accounts.choices import Role
from tiaodu.cases.choices import Card
from tiaodu.core import workbench
from tiaodu.dashboard.links import url_with
from tiaodu.dispatch.models import DispatchReport
from tiaodu.projects.choices import Stage
from tiaodu.projects.models import Milestone, Project
from tiaodu.projects.report import KEY_LEVELS

ROLES = (Role.ADMIN, Role.LEADER, Role.DEPARTMENT, Role.TOWN, Role.SQUAD, Role.OWNER)
LEADERS = (Role.ADMIN, Role.LEADER)
HINT_NAMES = 3  # project names shown in a line's hint
LAGGARDS = 3  # townships furthest behind listed under the chart


def my_projects(user: Any) -> QuerySet[Project]:
    """The projects the user answers for (see the module docstring), cancelled ones left out."""
    projects = Project.objects.restrict(user).exclude(stage=Stage.CANCELLED)
    if user.role == Role.DEPARTMENT:
        projects = (
            projects.filter(responsible_unit_id=user.organization_id)
            if user.organization_id
            else projects.none()
        )
    return projects


def _names(projects: list[Project]) -> str:
    names = "、".join(p.name for p in projects[:HINT_NAMES])
    return names + (_("等") if len(projects) > HINT_NAMES else "")


def _link(user: Any, projects: list[Project], **params: Any) -> str:
    """One project: its page (milestones, cards); several: the project list filtered to exactly
    those (a department's to the projects it is responsible for)."""
    if len(projects) == 1:
        return reverse("projects:detail", args=[projects[0].pk])
    if user.role == Role.DEPARTMENT and user.organization_id:
        params["responsible_unit"] = user.organization_id
    return url_with(reverse("projects:list"), **params)


@workbench.provider("projects", order=30)
def cards(ctx: workbench.Context) -> Iterator[workbench.Item]:
    """红牌/黄牌督办项目 and 逾期节点."""
    if ctx.user.role not in ROLES:
        return
    projects = my_projects(ctx.user)
    carded = list(projects.filter(card__in=(Card.RED, Card.YELLOW)).order_by("name", "pk"))
    for card, label, severity in (
        (Card.RED, _("红牌督办项目"), "danger"),
        (Card.YELLOW, _("黄牌督办项目"), "warning"),
    ):
        these = [p for p in carded if p.card == card]
        if these:
            yield workbench.Task(
                label,
                len(these),
                _link(ctx.user, these, card=card.value),
                severity=severity,  # type: ignore[arg-type]
                hint=_names(these),
            )
    late = (
        Milestone.objects.restrict(ctx.user)
        .filter(project__in=projects, actual_on__isnull=True, planned_on__lt=ctx.today)
        .select_related("project")
        .order_by("planned_on", "pk")
    )
    milestones = list(late)
    if milestones:
        late_projects = list({m.project_id: m.project for m in milestones}.values())
        first = milestones[0]
        hint = _("最早：%(project)s“%(name)s”计划%(on)s") % {
            "project": first.project.name,
            "name": first.name,
            "on": first.planned_on.isoformat(),
        }
        yield workbench.Task(
            _("倒排工期逾期节点"), len(milestones), _link(ctx.user, late_projects, late=True), "warning", hint
        )


def time_progress(today: date) -> Decimal:
    """序时进度 of ``today``'s year: the share of the year's days gone by, in percent (one decimal)."""
    days = 366 if calendar.isleap(today.year) else 365
    return (Decimal(today.timetuple().tm_yday) * 100 / days).quantize(Decimal("0.1"))


def _rate(done: Decimal, plan: Decimal) -> Decimal | None:
    return (done * 100 / plan).quantize(Decimal("0.1")) if plan else None


def investment_by_township(user: Any, today: date) -> list[dict[str, Any]]:
    """Per township of the user's key projects: the year's plan, what the dispatch reports of this
    year's rounds (submitted, open or closed) say was completed, and the completion rate."""
    key = Project.objects.restrict(user).filter(level__in=KEY_LEVELS).exclude(stage=Stage.CANCELLED)
    if user.region_id:  # an administrator sees every district: the panel keeps to the home one
        key = key.filter(township__path__startswith=user.region.path)
    plans = {
        row["township__name"]: row["plan"] or Decimal(0)
        for row in key.values("township__name").annotate(plan=Sum("annual_plan")).order_by()
    }
    done = {
        row["project__township__name"]: row["done"] or Decimal(0)
        for row in DispatchReport.objects.restrict(user)
        .filter(
            project__in=key,
            submitted_at__isnull=False,
            round__period_start__year=today.year,
        )
        .values("project__township__name")
        .annotate(done=Sum("investment"))
        .order_by()
    }
    rows = [
        {
            "name": name,
            "plan": plan,
            "done": done.get(name, Decimal(0)),
            "rate": _rate(done.get(name, Decimal(0)), plan),
        }
        for name, plan in plans.items()
        if plan
    ]
    rows.sort(key=lambda r: (-(r["rate"] or 0), r["name"]))
    return rows


def _number(value: Decimal) -> str:
    return f"{value:,.2f}"


def investment_chart(rows: list[dict[str, Any]], progress: Decimal) -> dict[str, Any]:
    """An ECharts option: one bar per township (completion %), red under 序时进度, green at or
    above it, and 序时进度 as a dashed line across."""
    tp = float(progress)
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 48, "right": 24, "top": 36, "bottom": 72},
        "xAxis": {
            "type": "category",
            "data": [r["name"] for r in rows],
            "axisLabel": {"interval": 0, "rotate": 40},
        },
        "yAxis": {"type": "value", "name": "%"},
        "visualMap": {
            "show": False,
            "seriesIndex": 0,
            "pieces": [{"lt": tp, "color": "#dc3545"}, {"gte": tp, "color": "#198754"}],
        },
        "series": [
            {
                "name": _("投资完成率（%）"),
                "type": "bar",
                "data": [float(r["rate"] or 0) for r in rows],
                "markLine": {
                    "symbol": "none",
                    "lineStyle": {"type": "dashed", "color": "#0d6efd"},
                    "label": {"formatter": _("序时进度 %(p)s%%") % {"p": progress}},
                    "data": [{"yAxis": tp}],
                },
            }
        ],
    }


@workbench.provider("projects", order=31)
def investment_panel(ctx: workbench.Context) -> Iterator[workbench.Item]:
    """Leaders: the key projects' investment completion of the year against 序时进度."""
    if ctx.user.role not in LEADERS:
        return
    rows = investment_by_township(ctx.user, ctx.today)
    if not rows:
        return
    progress = time_progress(ctx.today)
    plan = sum((r["plan"] for r in rows), Decimal(0))
    done = sum((r["done"] for r in rows), Decimal(0))
    rate = _rate(done, plan)

    def line(name: str, plan: Decimal, done: Decimal, rate: Decimal | None) -> list[str]:
        gap = "—" if rate is None else f"{rate - progress:+.1f}"
        return [name, _number(plan), _number(done), "—" if rate is None else f"{rate}%", gap]

    behind = [r for r in reversed(rows) if (r["rate"] or 0) < progress][:LAGGARDS]
    yield workbench.Panel(
        key="projects-investment",
        title=_("重点项目投资完成率与序时进度"),
        url=reverse("projects:report"),
        chart=investment_chart(rows, progress),
        header=[
            _("区域"),
            _("年度计划投资（万元）"),
            _("本年完成投资（万元）"),
            _("完成率"),
            _("较序时进度（个百分点）"),
        ],
        rows=[line(_("合计"), plan, done, rate)]
        + [line(r["name"], r["plan"], r["done"], r["rate"]) for r in behind],
        note=_("%(year)d年序时进度%(p)s%%（按已过天数计）；完成投资为本年调度填报累计。")
        % {"year": ctx.today.year, "p": progress},
    )
