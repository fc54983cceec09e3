"""Investment promotion (招商引资) on the workbench, for those who work the pipeline (招商投资局 and
the other lead units, administrators) and leaders: projects under 红黄牌督办 — the daily sweep hangs
them for a missed follow-up date, too long without follow-up, or no start after signing — and
for the units that may handle leads, leads to assign and duplicates to decide.

Every count is the list's own filter applied to the list's own queryset, so the line's link shows
exactly what was counted. Township users (who may not see cards or amounts) get no lines here:
their leads and the projects they reported stay on the lists themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from tiaodu.accounts.choices import Role
from tiaodu.cases.choices import Card
from tiaodu.core import workbench
from tiaodu.investment.choices import DuplicateStatus, LeadStatus
from tiaodu.investment.filters import InvestmentProjectFilter
from tiaodu.investment.filters_leads import LeadFilter
from tiaodu.investment.models import InvestmentProject, Lead

ROLES = (Role.ADMIN, Role.LEADER, Role.DEPARTMENT)


def _works_pipeline(user: Any) -> bool:
    """Leaders and administrators follow the pipeline; a department when it is a project's lead
    unit or first reporter (it may change one)."""
    if user.role in (Role.ADMIN, Role.LEADER):
        return True
    return bool(InvestmentProject.objects.restrict(user, "change").exists())


@workbench.provider("investment", order=50)
def pipeline(ctx: workbench.Context) -> Iterator[workbench.Item]:
    user = ctx.user
    if user.role not in ROLES or not _works_pipeline(user):
        return
    projects = InvestmentProject.objects.restrict(user)
    url = reverse("investment:list")
    for card, label, severity in (
        (Card.RED, _("红牌督办招商项目"), "danger"),
        (Card.YELLOW, _("黄牌督办招商项目"), "warning"),
    ):
        params: dict[str, Any] = {"card": card.value}
        n = InvestmentProjectFilter(**params).filter(projects).count()
        yield workbench.Task(
            label,
            n,
            f"{url}?{urlencode({'card': card.value})}",
            severity,  # type: ignore[arg-type]
            _("未按计划跟进、长期未跟进或签约后未开工"),
            # the lead units' own duty: their red line stays (greyed at zero)
            always=card == Card.RED and user.role == Role.DEPARTMENT,
        )


@workbench.provider("investment", order=51)
def leads(ctx: workbench.Context) -> Iterator[workbench.Item]:
    """Leads to assign and duplicate reports to decide, for those who may handle leads."""
    user = ctx.user
    if user.role not in (Role.ADMIN, Role.DEPARTMENT) or not Lead.objects.restrict(user, "change").exists():
        return
    visible = Lead.objects.restrict(user)
    params: dict[str, Any] = {"status": LeadStatus.NEW.value}
    n = LeadFilter(**params).filter(visible).count()
    url = reverse("investment:lead-list") + "?" + urlencode({"status": LeadStatus.NEW.value})
    yield workbench.Task(_("待分派招商线索"), n, url, "warning")
    n = visible.filter(duplicate_status=DuplicateStatus.PENDING).count()
    yield workbench.Task(_("待裁定重复报送线索"), n, reverse("investment:lead-pending"))
