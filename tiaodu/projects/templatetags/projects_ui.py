"""Template helpers for the project pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def may_open(obj: Any, user: Any) -> bool:
    """Whether ``user`` may open ``obj`` (a scoped model instance): only then is it named and linked."""
    return bool(type(obj).objects.restrict(user).filter(pk=obj.pk).exists())
