"""/api/v1/events: collective signing / ground-breaking / completion events (集中签约/开工/竣工投产).

Lists and details start from the models' ``restrict(user)``; an event's projects are the ones the
user may see, and its totals are computed from them.
"""

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from tiaodu.core.api import READ_ERRORS, PageNumber
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.events import services
from tiaodu.events.filters import EventFilter
from tiaodu.events.models import CollectiveEvent, EventProject

router = Router(tags=["集中活动"])

Id = Annotated[int, Field(ge=1, le=2**62)]


class CollectiveEventOut(Schema):
    id: int
    name: str
    held_on: date
    place: str
    district_code: str
    project_count: int = Field(..., description="项目数(当前用户可见)")
    investment_total: float = Field(..., description="总投资(万元)")

    @staticmethod
    def resolve_district_code(obj: CollectiveEvent) -> str:
        return obj.region.code

    @staticmethod
    def resolve_investment_total(obj: Any) -> float:
        return float(obj.investment_total or 0)


class EventProjectOut(Schema):
    project_id: int
    project_name: str
    action: str = Field(..., description="sign 签约、start 开工、complete 竣工投产")
    investment: float = Field(..., description="总投资(万元)")

    @staticmethod
    def resolve_project_name(obj: EventProject) -> str:
        return obj.project.name


class EventActionTotalOut(Schema):
    action: str
    count: int
    investment: float


class CollectiveEventDetailOut(CollectiveEventOut):
    sentence: str = Field(..., description="通报用语,如“涉及73个重点项目、总投资额227亿元的…”")
    by_action: list[EventActionTotalOut]
    projects: list[EventProjectOut]


def _events(request: HttpRequest) -> Any:
    return services.visible_events(current_user(request))


@router.get("", response={200: list[CollectiveEventOut], **READ_ERRORS}, summary="集中活动列表")
@paginate(PageNumber)
def list_events(request: HttpRequest, filters: Query[EventFilter]) -> Any:
    return filters.filter(_events(request)).order_by("-held_on", "pk")


@router.get("/{event_id}", response={200: CollectiveEventDetailOut, **READ_ERRORS}, summary="集中活动详情")
def event_detail(request: HttpRequest, event_id: Id) -> Any:
    user = current_user(request)
    event = get_scoped(CollectiveEvent, user, pk=event_id)
    event = _events(request).get(pk=event.pk)
    entries = EventProject.objects.restrict(user).filter(event=event)
    totals = services.totals(entries)
    event.sentence = services.event_sentence(event, entries)
    event.by_action = [
        {"action": t.action, "count": t.count, "investment": float(t.investment)}
        for t in totals.by_action.values()
    ]
    event.projects = list(entries.select_related("project").order_by("action", "project__name"))
    return event
