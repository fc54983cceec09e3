"""Caching for the workbench's slow parts (the leaders' panels): computed once per data version.

A panel is stored in the Django cache under a key made of

* what it is (``name``),
* the reader's scope — role, region, organisation and superuser flag (:func:`scope_key`): two
  users share an entry only when ``Model.objects.restrict`` gives them the same rows,
* the data version (:func:`data_version`): the row count and the largest ``updated_at`` (or
  primary key, for append-only tables) of every source table. An import or an edit changes one
  of them, so the next request computes the panel afresh; nothing has to be invalidated by hand.

The version costs one aggregate query per source table, a few milliseconds on the demo data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.cache import cache
from django.db import models
from django.db.models import Count, Max
from django.utils import translation

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

T = TypeVar("T")
TIMEOUT = 6 * 3600  # a panel older than this is recomputed even if no source table changed
PREFIX = "workbench:v1"


def scope_key(user: User, with_org: bool = True) -> str:
    """What decides the reader's scope: role, region, organisation, superuser. Users who share
    these read the same rows, whoever they are. ``with_org=False`` for sources whose scopes reach
    rows by region only (``Scope(region=...)`` without ``orgs``, ``squads`` or ``users``: the
    monitoring figures): every department of a district then shares one entry."""
    region = getattr(user, "region", None)
    return ":".join(
        (
            str(user.role),
            region.path if region is not None else "-",
            str(user.organization_id or "-") if with_org else "*",
            "su" if user.is_superuser else "",
        )
    )


Table = type[models.Model] | tuple[type[models.Model], str]


def _table_version(table: Table) -> str:
    """``count/last`` of a table; ``last`` is the largest ``updated_at`` (when the model has one)
    or the named column: ``(Model, "pk")`` for a table whose rows are only ever added (a case's
    events, figure versions) — its primary key index answers at once."""
    model, latest = table if isinstance(table, tuple) else (table, "")
    if not latest:
        field_names = {f.name for f in model._meta.get_fields()}
        latest = "updated_at" if "updated_at" in field_names else "pk"
    row = model._base_manager.aggregate(n=Count("pk"), last=Max(latest))
    last = row["last"]
    return f"{row['n']}/{last.isoformat() if hasattr(last, 'isoformat') else last}"


def data_version(tables: Iterable[Table]) -> str:
    """A short fingerprint of the source tables' contents (count and last change of each)."""
    parts = [f"{(t[0] if isinstance(t, tuple) else t)._meta.label}={_table_version(t)}" for t in tables]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def cached(
    name: str, user: User, tables: Iterable[Table], build: Callable[[], T], *, with_org: bool = True
) -> T:
    """``build()`` for ``user``'s scope, from the cache while the source tables are unchanged."""
    scope = hashlib.sha256(scope_key(user, with_org).encode()).hexdigest()[:16]
    # the panels' titles and labels are translated: one entry per interface language
    key = f"{PREFIX}:{name}:{scope}:{translation.get_language()}:{data_version(tables)}"
    value: Any = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    return value  # type: ignore[no-any-return]
