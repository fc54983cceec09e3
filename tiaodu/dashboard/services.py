"""What each role's home page (工作台) shows, computed from the user's own scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tiaodu.accounts.choices import Role
from tiaodu.accounts.models import User
from tiaodu.audit.choices import ALERT_KINDS
from tiaodu.audit.models import SecurityEvent
from tiaodu.audit.taskruns import sweep_warning
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization


@dataclass
class Tile:
    label: str
    value: int | str
    url: str = ""


@dataclass
class Dashboard:
    title: str
    tiles: list[Tile] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    events: list[SecurityEvent] = field(default_factory=list)
    squads: list[Organization] = field(default_factory=list)
    warnings: list[Tile] = field(default_factory=list)  # label = the line, url = where to look


TITLES = {
    Role.ADMIN: gettext_noop("系统管理工作台"),
    Role.LEADER: gettext_noop("区领导工作台"),
    Role.DEPARTMENT: gettext_noop("部门工作台"),
    Role.TOWN: gettext_noop("镇街工作台"),
    Role.SQUAD: gettext_noop("专班工作台"),
    Role.ENTERPRISE: gettext_noop("企业服务工作台"),
    Role.OWNER: gettext_noop("项目业主工作台"),
}


def build(user: User) -> Dashboard:
    board = Dashboard(title=_(TITLES.get(Role(user.role), gettext_noop("工作台"))))
    orgs = Organization.objects.restrict(user)
    counts: dict[str, Any] = dict(orgs.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    if user.role in (Role.ADMIN, Role.LEADER, Role.DEPARTMENT, Role.TOWN):
        for kind in (OrgKind.DEPARTMENT, OrgKind.TOWN, OrgKind.SQUAD, OrgKind.ENTERPRISE):
            board.tiles.append(Tile(str(kind.label), counts.get(kind, 0), f"/orgs/?kind={kind.value}"))
        board.tiles.append(
            Tile(_("用户"), User.objects.restrict(user).filter(is_active=True).count(), "/accounts/users/")
        )
    case_tiles(board, user)
    reporting_tiles(board, user)
    if user.role == Role.ADMIN:
        since = timezone.now() - timedelta(days=7)
        alerts = SecurityEvent.objects.filter(kind__in=ALERT_KINDS, created_at__gte=since)
        board.tiles.append(Tile(_("近7日安全告警"), alerts.count(), "/audit/events/"))
        board.events = list(alerts[:10])
        if warning := sweep_warning():
            board.warnings.append(Tile(warning, "", reverse("audit:tasks")))
    if user.role == Role.SQUAD:
        board.squads = list(
            Organization.objects.squads_of(user).prefetch_related("members").select_related("leader")
        )
        board.tiles.append(Tile(_("我的专班"), len(board.squads)))
    if user.role in (Role.ENTERPRISE, Role.OWNER, Role.DEPARTMENT) and user.organization_id:
        board.organizations = list(orgs.filter(pk=user.organization_id).select_related("region"))
    if user.role == Role.TOWN:
        board.organizations = list(orgs.select_related("region").order_by("kind", "name")[:20])
    return board


CASE_ROLES = (Role.ADMIN, Role.LEADER, Role.DEPARTMENT, Role.TOWN)


def case_tiles(board: Dashboard, user: User) -> None:
    """企业诉求: open appeals in scope, my 待办, and the 红黄牌 counts (enterprises: their own)."""
    from tiaodu.cases import queries
    from tiaodu.cases.choices import Card
    from tiaodu.cases.models import Case
    from tiaodu.enterprises.appeals import WORKFLOW
    from tiaodu.enterprises.choices import AppealState

    if user.role in CASE_ROLES:
        counts = (
            Case.objects.restrict(user)
            .filter(workflow=WORKFLOW, is_open=True)
            .aggregate(
                open=Count("pk"),
                red=Count("pk", filter=Q(card=Card.RED)),
                yellow=Count("pk", filter=Q(card=Card.YELLOW)),
            )
        )
        board.tiles += [
            Tile(_("未办结诉求"), counts["open"], f"/cases/?workflow={WORKFLOW}&is_open=true"),
            Tile(_("我的待办"), queries.inbox(user).count(), "/cases/inbox/"),
            Tile(_("红牌督办"), counts["red"], "/cases/board/?card=red"),
            Tile(_("黄牌督办"), counts["yellow"], "/cases/board/?card=yellow"),
        ]
    elif user.role == Role.ENTERPRISE and user.organization_id:
        mine = Case.objects.restrict(user).filter(workflow=WORKFLOW, submitter_org_id=user.organization_id)
        counts = mine.aggregate(
            open=Count("pk", filter=Q(is_open=True)),
            to_rate=Count("pk", filter=Q(state=AppealState.RESOLVED)),
        )
        board.tiles += [
            Tile(_("办理中的诉求"), counts["open"], "/enterprises/portal/"),
            Tile(_("待评价"), counts["to_rate"], "/enterprises/portal/"),
        ]


def reporting_tiles(board: Dashboard, user: User) -> None:
    """监测报送: rounds being filled and open output alerts (government), or the enterprise's own
    reports still to file."""
    from tiaodu.reporting.choices import AlertState, RoundState
    from tiaodu.reporting.models import OutputAlert, ReportingRound, ReportSlot

    if user.role in CASE_ROLES:
        rounds = ReportingRound.objects.restrict(user).filter(state=RoundState.OPEN).count()
        alerts = OutputAlert.objects.restrict(user).filter(state=AlertState.OPEN).count()
        board.tiles += [
            Tile(_("填报中的报送任务"), rounds, "/reporting/?state=open"),
            Tile(_("待处理产值预警"), alerts, "/reporting/alerts/?state=open"),
        ]
    elif user.role == Role.ENTERPRISE and user.organization_id:
        due = (
            ReportSlot.objects.restrict(user)
            .filter(
                organization_id=user.organization_id,
                round__state=RoundState.OPEN,
                submitted_at__isnull=True,
            )
            .count()
        )
        board.tiles.append(Tile(_("待报送"), due, "/reporting/"))
