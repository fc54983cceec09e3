"""Collective events: record an event with its projects, and count them the way bulletins do."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum

from tiaodu.core import figures
from tiaodu.core.errors import invalid
from tiaodu.core.permissions import ensure_permitted
from tiaodu.events.choices import EventAction
from tiaodu.events.models import CollectiveEvent, EventProject
from tiaodu.projects.models import Project
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

# How a bulletin names each action: "14个项目集中竣工投产", "23个项目集中签约", "36个项目集中开工".
ACTION_PHRASE = {
    EventAction.SIGN: "集中签约",
    EventAction.START: "集中开工",
    EventAction.COMPLETE: "集中竣工投产",
}


def district_of(project: Project) -> Region:
    """The county-level region a project's township belongs to."""
    township = project.township
    return township.parent if township.parent_id is not None else township  # type: ignore[return-value]


@transaction.atomic
def record_event(
    actor: User | None,
    *,
    name: str,
    held_on: date,
    region: Region,
    entries: Iterable[tuple[Project, str]],
    place: str = "",
) -> CollectiveEvent:
    """Create (or extend) the event ``name`` on ``held_on`` in ``region`` with (project, action)
    pairs. A project already at the event keeps one entry: its action is updated."""
    name = name.strip()
    if not name:
        raise invalid("name", "required", "活动名称不能为空")
    event, _created = CollectiveEvent.objects.get_or_create(
        region=region, name=name, held_on=held_on, defaults={"place": place}
    )
    if place and event.place != place:
        event.place = place
        event.save(update_fields=["place", "updated_at"])
    for project, action in entries:
        if action not in EventAction.values:
            raise invalid("action", "invalid_choice", f"活动类型“{action}”不存在,可选:签约、开工、竣工投产")
        if district_of(project).pk != region.pk:
            raise invalid("project", "project_outside_region", f"项目“{project.name}”不在{region.name}")
        EventProject.objects.update_or_create(
            event=event, project=project, defaults={"action": action, "investment": project.total_investment}
        )
    if actor is not None:
        ensure_permitted(actor, "add", event)
    return event


def yi(wan: Decimal) -> str:
    """An amount in 万元 written in 亿元 to one decimal, "约" when rounded: "约121亿元", "227亿元"."""
    return figures.amount(wan, "亿元", 1)


@dataclass
class ActionTotal:
    action: str
    count: int = 0
    investment: Decimal = Decimal(0)

    @property
    def label(self) -> str:
        return str(EventAction(self.action).label)

    @property
    def sentence(self) -> str:
        """ "集中开工项目28个,总投资约121亿元" in the seed's word order."""
        phrase = ACTION_PHRASE[EventAction(self.action)]
        return f"{phrase}项目{self.count}个,总投资{yi(self.investment)}"


@dataclass
class EventTotals:
    projects: int = 0
    investment: Decimal = Decimal(0)
    by_action: dict[str, ActionTotal] = field(default_factory=dict)

    def of(self, action: str) -> ActionTotal:
        return self.by_action.get(action) or ActionTotal(action)

    def parts(self) -> str:
        """ "14个项目集中竣工投产、23个项目集中签约、36个项目集中开工"."""
        order = (EventAction.COMPLETE, EventAction.SIGN, EventAction.START)
        return "、".join(f"{self.of(a).count}个项目{ACTION_PHRASE[a]}" for a in order if self.of(a).count)


def totals(entries: QuerySet[EventProject]) -> EventTotals:
    """Project count and total investment (万元), in all and per action."""
    result = EventTotals()
    for row in entries.values("action").annotate(n=Count("project", distinct=True), money=Sum("investment")):
        result.by_action[row["action"]] = ActionTotal(row["action"], row["n"], row["money"] or Decimal(0))
    agg = entries.aggregate(n=Count("project", distinct=True), money=Sum("investment"))
    result.projects, result.investment = agg["n"] or 0, agg["money"] or Decimal(0)
    return result


def event_sentence(event: CollectiveEvent, entries: QuerySet[EventProject]) -> str:
    """ "涉及73个重点项目、总投资额227亿元的…活动", then the per-action counts."""
    t = totals(entries)
    head = f"{figures.cn_date(event.held_on)},涉及{t.projects}个重点项目、总投资额{yi(t.investment)}的{event.name}举行"
    parts = t.parts()
    return f"{head}:{parts}" if parts else head


def visible_events(user: User) -> QuerySet[CollectiveEvent]:
    """The user's events with the count and total investment of the projects the user may see."""
    visible = EventProject.objects.restrict(user).values("pk")
    return (
        CollectiveEvent.objects.restrict(user)
        .select_related("region")
        .annotate(
            project_count=Count("entries", filter=Q(entries__in=visible)),
            investment_total=Sum("entries__investment", filter=Q(entries__in=visible)),
        )
    )
