"""The multi-year targets section of the targets list page."""

from __future__ import annotations

from typing import Any

from django import template

from tiaodu.targets import multiyear

register = template.Library()

SECTION_LIMIT = 20  # the list page shows the first ones; the multi-year page shows all


@register.inclusion_tag("targets/_multiyear_table.html", takes_context=True)
def multiyear_section(context: dict[str, Any]) -> dict[str, Any]:
    """The multi-year targets the user may see (of the region filtered on, if any), each with its
    progress on the latest figures of its span."""
    request = context["request"]
    region = request.GET.get("region") or None
    rows = multiyear.rows_for(request.user, region=region, limit=SECTION_LIMIT)
    return {"rows": rows, "section": True}
