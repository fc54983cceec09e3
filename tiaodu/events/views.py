"""Collective-event pages: the list with project counts and investment, and one event's projects by
what they did there, with the totals in the bulletin's words; the investment projects (招商项目)
signed at the event, with theirs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.core.views import Column, ObjectListView, ScopedView
from tiaodu.events import services
from tiaodu.events.choices import EventAction
from tiaodu.events.filters import EventFilter
from tiaodu.events.models import CollectiveEvent, EventProject
from tiaodu.investment import signing_events
from tiaodu.investment.models import EventEntry


class EventListView(ObjectListView):
    model = CollectiveEvent
    filterset = EventFilter
    title = gettext_lazy("集中活动")
    export_name = "collective-events"
    detail_url_name = "events:detail"
    columns = [
        Column(gettext_lazy("活动名称"), "name", link=True),
        Column(gettext_lazy("活动日期"), "held_on"),
        Column(gettext_lazy("活动地点"), "place"),
        Column(gettext_lazy("所属区县"), "region.name"),
        Column(gettext_lazy("项目数"), "project_count"),
        Column(gettext_lazy("总投资(万元)"), "investment_total"),
    ]
    filter_fields = [("q", gettext_lazy("活动名称"), None)]

    def get_queryset(self) -> Any:
        return services.visible_events(current_user(self.request)).order_by("-held_on", "pk")


class EventDetailView(ScopedView):
    model = CollectiveEvent

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        event = get_scoped(CollectiveEvent, user, pk=pk)
        entries = EventProject.objects.restrict(user).filter(event=event)
        totals = services.totals(entries)
        groups = [
            (
                label,
                totals.of(action),
                entries.filter(action=action).select_related("project", "project__township"),
            )
            for action, label in EventAction.choices
        ]
        context = {
            "object": event,
            "totals": totals,
            "sentence": services.event_sentence(event, entries),
            "groups": groups,
        }
        # Investment projects signed at the event (招商项目), for those who may see them.
        investment = list(
            EventEntry.objects.restrict(user)
            .filter(event=event)
            .select_related("project__chain__parent")
            .order_by("-investment", "project__name", "pk")
        )
        if investment:
            found = signing_events.totals(investment)
            context |= {
                "investment_entries": investment,
                "investment_totals": found,
                "investment_sentence": found.sentence(),
            }
        return render(request, "events/event_detail.html", context)
