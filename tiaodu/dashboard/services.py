"""What each role's home page (工作台) shows: the title line and, per module, the work to do today
(from the providers of :mod:`tiaodu.core.workbench`) and, for leaders, the district at a glance.

The dashboard does not know the modules: every ``tiaodu/<app>/workbench.py`` contributes its
lines and panels through the registry, and reads through the user's own scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tiaodu.accounts.choices import Role
from tiaodu.accounts.models import User
from tiaodu.core import workbench
from tiaodu.orgs.models import Organization

TITLES = {
    Role.ADMIN: gettext_noop("系统管理工作台"),
    Role.LEADER: gettext_noop("区领导工作台"),
    Role.DEPARTMENT: gettext_noop("部门工作台"),
    Role.TOWN: gettext_noop("镇街工作台"),
    Role.SQUAD: gettext_noop("专班工作台"),
    Role.ENTERPRISE: gettext_noop("企业服务工作台"),
    Role.OWNER: gettext_noop("项目业主工作台"),
}

# The section headings, by the module (app label) a provider registers under; a module not
# listed here is headed by its app's verbose name.
MODULE_NAMES = {
    "cases": gettext_noop("企业诉求"),
    "enterprises": gettext_noop("企业服务"),
    "projects": gettext_noop("重点项目"),
    "dispatch": gettext_noop("项目调度"),
    "investment": gettext_noop("招商引资"),
    "reporting": gettext_noop("监测报送"),
    "monitoring": gettext_noop("经济运行监测"),
    "targets": gettext_noop("目标考核"),
    "safety": gettext_noop("安全生产"),
    "employment": gettext_noop("稳就业"),
    "events": gettext_noop("集中活动"),
    "accounts": gettext_noop("账号与令牌"),
    "audit": gettext_noop("安全审计"),
}


def module_name(module: str) -> str:
    if module in MODULE_NAMES:
        return _(MODULE_NAMES[module])
    try:
        return str(apps.get_app_config(module).verbose_name)
    except LookupError:
        return module


@dataclass
class ChartPanel:
    """A panel as the template shows it: the panel and the id of its chart's JSON."""

    panel: workbench.Panel
    chart_id: str = ""


@dataclass
class Section:
    module: str
    name: str
    tasks: list[workbench.Task] = field(default_factory=list)
    panels: list[ChartPanel] = field(default_factory=list)


@dataclass
class Dashboard:
    title: str
    sections: list[Section] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    squads: list[Organization] = field(default_factory=list)

    @property
    def task_count(self) -> int:
        return sum(1 for s in self.sections for t in s.tasks if t.count)

    @property
    def glance(self) -> list[Section]:
        """Sections with panels (the district at a glance), in registry order."""
        return [s for s in self.sections if s.panels]


def build(user: User, today: date | None = None) -> Dashboard:
    board = Dashboard(title=_(TITLES.get(Role(user.role), gettext_noop("工作台"))))
    for raw in workbench.collect(user, today):
        section = Section(raw.module, module_name(raw.module), tasks=list(raw.tasks))
        for panel in raw.panels:
            chart_id = f"chart-{raw.module}-{panel.key}" if panel.chart else ""
            section.panels.append(ChartPanel(panel, chart_id))
        board.sections.append(section)
    if user.role == Role.SQUAD:
        board.squads = list(
            Organization.objects.squads_of(user).prefetch_related("members").select_related("leader")
        )
    if user.role in (Role.ENTERPRISE, Role.OWNER, Role.DEPARTMENT, Role.TOWN) and user.organization_id:
        board.organizations = list(
            Organization.objects.restrict(user).filter(pk=user.organization_id).select_related("region")
        )
    return board
