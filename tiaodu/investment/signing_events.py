"""Investment projects at collective signing events (集中签约/云签约, issue 4's events).

An :class:`~tiaodu.investment.models.EventEntry` puts a signed investment project on an event of
its district, with the project's 协议投资额 at that moment (so the event's totals do not drift
when the project's amount is corrected later). The totals come out in the bulletin's words:
"现场签约项目19个,总投资50.8亿元,涉及大数据智能化、生态环保等产业".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from tiaodu.core import figures
from tiaodu.core.errors import invalid
from tiaodu.core.permissions import ensure_permitted, get_scoped
from tiaodu.investment.models import EventEntry, InvestmentProject
from tiaodu.investment.tracking import signed_by

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.events.models import CollectiveEvent

SHOWN_INDUSTRIES = 4  # industries named in the sentence; more are "等"


@transaction.atomic
def add_to_event(actor: User | None, event: CollectiveEvent, project: InvestmentProject) -> EventEntry:
    """Put ``project`` on ``event`` (again: its amount is refreshed). The project must be of the
    event's district (``project_outside_region``) and signed on or before the event's date per
    its history (``not_signed_by_event``)."""
    # Read afresh (through the actor's scope): the amount recorded is the project's as it stands.
    if actor is not None:
        project = get_scoped(InvestmentProject, actor, "view", pk=project.pk)
    else:
        project = InvestmentProject.objects.select_related("region").get(pk=project.pk)
    if project.region_id != event.region_id:
        raise invalid("project", "project_outside_region", f"招商项目“{project.name}”不在{event.region.name}")
    if not signed_by(project, event.held_on):
        raise invalid(
            "project",
            "not_signed_by_event",
            f"招商项目“{project.name}”在活动日期({event.held_on:%Y-%m-%d})前尚未签约",
        )
    entry, created = EventEntry.objects.update_or_create(
        event=event, project=project, defaults={"investment": project.agreed_investment or Decimal(0)}
    )
    if actor is not None:
        ensure_permitted(actor, "add" if created else "change", entry)
    return entry


@dataclass
class InvestmentTotals:
    count: int
    amount: Decimal  # 万元
    chains: list[str]  # the key industries (a chain counts as its industry), largest amount first

    def sentence(self, head: str = "现场签约项目") -> str:
        """ "现场签约项目19个,总投资50.8亿元,涉及A、B等产业" ("" without projects)."""
        if not self.count:
            return ""
        text = f"{head}{self.count}个,总投资{figures.amount(self.amount, '亿元', 1)}"
        if self.chains:
            text += f",涉及{figures.join(self.chains[:SHOWN_INDUSTRIES])}等产业"
        return text


def event_investment_totals(entries: Iterable[EventEntry]) -> tuple[int, Decimal, list[str]]:
    """(number of projects, 协议投资额 in 万元 as recorded at the events, industries) of the
    entries; see :func:`totals` for the sentence."""
    found = totals(entries)
    return found.count, found.amount, found.chains


def totals(entries: Iterable[EventEntry]) -> InvestmentTotals:
    """The entries' totals (a QuerySet is read once, with the projects' chains)."""
    if hasattr(entries, "select_related"):
        entries = entries.select_related("project__chain__parent")
    projects: set[int] = set()
    amount = Decimal(0)
    by_industry: dict[str, Decimal] = {}
    for entry in entries:
        if entry.project_id in projects:
            continue
        projects.add(entry.project_id)
        amount += entry.investment
        chain = entry.project.chain
        if chain is not None:
            industry = chain.parent.name if chain.parent_id is not None and chain.parent else chain.name
            by_industry[industry] = by_industry.get(industry, Decimal(0)) + entry.investment
    chains = sorted(by_industry, key=lambda name: (-by_industry[name], name))
    return InvestmentTotals(len(projects), amount, chains)
