"""Collective events (集中签约/开工/竣工投产, "四个一批"/"六个一批"): an event and what each of its
projects does there."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tiaodu.core.models import ScopedModel, TimeStampedModel
from tiaodu.core.permissions import Scope
from tiaodu.events.choices import EventAction

EVENT_ACTIONS = {"leader": "view add change", "department": "view add change", "squad": "view"}


class CollectiveEvent(TimeStampedModel, ScopedModel):
    name = models.CharField(_("活动名称"), max_length=128)
    held_on = models.DateField(_("活动日期"), db_index=True)
    place = models.CharField(_("活动地点"), max_length=128, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(_("备注"), blank=True)

    # Departments of the district record its events (events are the district's, not one unit's).
    scope = Scope(region="region", district_wide=True, actions=EVENT_ACTIONS)

    class Meta:
        ordering = ["-held_on", "name", "pk"]
        verbose_name = _("集中活动")
        verbose_name_plural = _("集中活动")
        constraints = [
            models.UniqueConstraint(fields=["region", "name", "held_on"], name="event_region_name_day"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.pk])


class EventProject(ScopedModel):
    """One project at an event: signed, started or completed-and-operating there. The total
    investment is the project's at the time it was added, so an event's totals do not drift."""

    event = models.ForeignKey(
        CollectiveEvent, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="entries"
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="event_entries"
    )
    action = models.CharField(_("活动类型"), max_length=12, choices=EventAction.choices)
    investment = models.DecimalField(_("总投资(万元)"), max_digits=14, decimal_places=2, default=0)

    scope = Scope(
        region="project__township",
        orgs=("project__owner", "project__responsible_unit"),
        squads=("project__squad",),
        users=("project__leader",),
        actions={**EVENT_ACTIONS, "town": "view", "owner": "view"},
    )

    class Meta:
        ordering = ["event", "action", "project__name", "pk"]
        verbose_name = _("活动项目")
        verbose_name_plural = _("活动项目")
        constraints = [models.UniqueConstraint(fields=["event", "project"], name="event_project_once")]

    def __str__(self) -> str:
        return f"{self.event} {self.project} {self.get_action_display()}"
