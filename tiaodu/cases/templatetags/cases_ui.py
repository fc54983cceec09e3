"""Badges for case states and 红黄牌, shared by the case pages, the enterprise profile and the portal."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from tiaodu.cases.choices import Card, EventKind
from tiaodu.cases.workflow import get_workflow

register = template.Library()

STATE_CLASSES = {
    "accepted": "text-bg-secondary",
    "assigned": "text-bg-info",
    "in_progress": "text-bg-primary",
    "returned": "text-bg-warning",
    "resolved": "text-bg-success",
    "rated": "text-bg-dark",
}


@register.simple_tag
def state_badge(case: Any) -> SafeString:
    css = STATE_CLASSES.get(case.state, "text-bg-light")
    return format_html(
        '<span class="badge {} td-state" data-state="{}">{}</span>', css, case.state, case.state_label
    )


@register.simple_tag
def card_badge(case: Any) -> SafeString | str:
    if case.card == Card.RED:
        return format_html('<span class="badge text-bg-danger td-card" data-card="red">{}</span>', _("红牌"))
    if case.card == Card.YELLOW:
        return format_html(
            '<span class="badge text-bg-warning td-card" data-card="yellow">{}</span>', _("黄牌")
        )
    return ""


@register.filter
def stars(rating: int | None) -> str:
    if not rating:
        return ""
    return "★" * rating + "☆" * (5 - rating)


@register.simple_tag
def event_label(event: Any, workflow: str) -> str:
    """What happened, in words: the transition's label (受理, 交办, …) or the event kind."""
    if event.kind == EventKind.TRANSITION:
        if event.action == "open":
            return _("受理")
        for t in get_workflow(workflow).transitions:
            if t.action == event.action:
                return t.label
        return event.action
    return str(event.get_kind_display())


@register.simple_tag
def state_name(workflow: str, state: str) -> str:
    return get_workflow(workflow).states.get(state, state) if state else ""
