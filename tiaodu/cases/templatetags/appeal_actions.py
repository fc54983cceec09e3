"""The 新增诉求 button of the appeal list and the inbox, shown to those who may register appeals."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def new_appeal_url(context: dict[str, Any]) -> str:
    """The 新增诉求 page for the signed-in user, or "" when they may not register appeals."""
    from tiaodu.enterprises.views_appeal import may_register

    request = context.get("request")
    user = getattr(request, "user", None)
    return reverse("enterprises:appeal_create") if user is not None and may_register(user) else ""
