"""Task lines whose count is exactly what their link shows.

:func:`filtered` applies a list's own filter schema to the user's scope (the same two steps as
:class:`~tiaodu.core.views.ObjectListView`) and builds the list's URL from the same parameters:
the number on the workbench and the rows behind the link cannot disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db import models

if TYPE_CHECKING:
    from ninja import FilterSchema

    from tiaodu.accounts.models import User


def url_with(path: str, **params: Any) -> str:
    shown = {
        k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items() if v not in (None, "")
    }
    return f"{path}?{urlencode(shown)}" if shown else path


def filtered(
    model: type[models.Model],
    filterset: type[FilterSchema],
    user: User,
    path: str,
    base: models.QuerySet[Any] | None = None,
    **params: Any,
) -> tuple[models.QuerySet[Any], str]:
    """The rows of ``model`` in ``user``'s scope that the list at ``path`` shows with ``params``
    (``?k=v``), and that list's URL. ``base``: the list's own queryset when it is not simply
    ``model.objects.restrict(user)`` (the audit lists, for administrators only)."""
    url = url_with(path, **params)
    query = {k: v for k, v in params.items() if v not in (None, "")}
    if base is None:
        base = model.objects.restrict(user)  # type: ignore[attr-defined]
    return filterset(**query).filter(base), url
