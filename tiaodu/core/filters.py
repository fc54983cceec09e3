"""A FilterSchema base for list filters, and the sort whitelist, shared by the HTML lists, their
exports and the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F
from ninja import FilterSchema
from pydantic import field_validator
from pydantic_core import PydanticCustomError


class TextSafeFilterSchema(FilterSchema):
    """Refuses NUL characters in text filters: PostgreSQL text cannot hold them (it would be a 500)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("string_pattern_mismatch", "不能包含控制字符")
        return value


# --- sorting: one whitelist per list, shared by the HTML lists and their exports ----------------


def field_path(model: type[models.Model], dotted: str) -> str | None:
    """The ORM path (``township__name``) of a dotted attribute (``township.name``) when it names a
    concrete column reached through forward relations only, else ``None`` (not sortable)."""
    current: Any = model
    parts = dotted.split(".")
    for index, part in enumerate(parts):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        last = index == len(parts) - 1
        if not field.concrete:
            return None
        if field.is_relation:
            if last or not (field.many_to_one or field.one_to_one):
                return None  # sorting by a foreign key's id means nothing to the reader
            current = field.related_model
        elif not last:
            return None
    return "__".join(parts)


TIEBREAKERS = frozenset({"pk", "-pk", "id", "-id"})


def apply_sort(
    queryset: models.QuerySet[Any], value: str | None, allowed: Mapping[str, str]
) -> tuple[models.QuerySet[Any], str]:
    """Order ``queryset`` by ``?sort=key`` / ``?sort=-key`` when ``key`` is in the whitelist
    ``allowed`` (key → ORM path or annotation); anything else leaves the list's own order.

    The order is stable: the list's own ordering follows as secondary keys, then the primary key
    (in the same direction, so one index on (column, id) serves both directions). Nulls sort last
    ascending and first descending on every database (PostgreSQL's own default). Returns the
    queryset and the sort actually applied (``""`` when none)."""
    value = (value or "").strip()
    descending = value.startswith("-")
    key = value[1:] if descending else value
    if key not in allowed:
        return queryset, ""
    path = allowed[key]
    expression = F(path).desc(nulls_first=True) if descending else F(path).asc(nulls_last=True)
    own = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    rest = [o for o in own if not (isinstance(o, str) and (o in TIEBREAKERS or o.lstrip("-") == path))]
    return queryset.order_by(expression, *rest, "-pk" if descending else "pk"), value
