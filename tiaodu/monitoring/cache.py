"""The cache of the daily monitoring pages (the dashboard and the 月通报 page).

What those pages show changes only when the monitoring data changes: an import, a roll-up, a
figure entered by hand, an index computed or defined, the catalogue or an annual target edited,
regions or 考核组 reloaded. Between two such changes the same user asks for the same county and
period again and again, and every time the server read a few hundred rows, compared 38 county
units and drew the charts (1.4–4.6 s for the bulletin, ~0.5 s for the dashboard). Here the
computed part of a page is kept in the Django cache under a key made of

* the page and its parameters (region, period, index …, as the view resolved them),
* :func:`data_version`: a fingerprint of the monitoring data, read from the database with two
  cheap statements on every request, so that any write by any process (the web server, the
  worker, ``tiaodu import`` on the command line) gives new keys at once — nothing has to be
  deleted, stale entries expire (:data:`TIMEOUT`) or are evicted — plus a counter this process
  bumps on every save or delete of those models (:func:`bump`): an edit that leaves the
  fingerprint as it was (a rolled-back transaction followed by another write) still changes it;
* :func:`scope_key`: what the user's permission scope depends on, so that one user's figures
  are never served to a user of another scope (a township's staff sees its township's figures,
  a leader a whole district's; the confidentiality rule withholds roll-ups by region, ADR 0033);
* the active language (the pages' notes and labels are translated).

Only what the page computes is kept (a dataclass, SVG images, table rows); the response itself
(CSRF token, menu, messages) is rendered for each request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection
from django.utils.translation import get_language

from tiaodu.accounts.choices import Role

T = TypeVar("T")

# Bump when what is cached changes shape (a field added to Bulletin or Dashboard): entries of
# the previous code are then never read back, even from a cache shared with an older server.
SCHEMA = 1
TIMEOUT = 24 * 3600  # a new data version makes new keys; this only bounds how long old ones stay
PREFIX = "tiaodu:monitoring:page"

# The roles whose scope over the tables these pages read (IndicatorValue, IndexValue, Target by
# region; Indicator, CompositeIndex public to government roles; the confidentiality rule by
# region) is decided by the role and the region alone: users of such a role in the same region
# share entries. Every other role (squads: targets by the squads they serve) is keyed by user.
REGION_SCOPED_ROLES = (Role.LEADER, Role.DEPARTMENT, Role.TOWN)


def scope_key(user: Any) -> str:
    """What the user's scope over the monitoring figures depends on, as a string."""
    if user is None:
        return "operator"  # the command line: everything
    if not (getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
        return "anonymous"
    if user.is_superuser or user.role == Role.ADMIN:
        return "all"
    if user.role in REGION_SCOPED_ROLES:
        region = user.region
        return f"{user.role}:{region.path if region is not None else '-'}"
    return f"user:{user.pk}"


def _tables() -> dict[str, str]:
    from tiaodu.monitoring.models import (
        CompositeIndex,
        DataSource,
        IndexValue,
        Indicator,
        IndicatorValue,
        StatPeriod,
    )
    from tiaodu.regions.models import PeerGroup, Region
    from tiaodu.targets.models import Target

    q = connection.ops.quote_name
    return {
        "source": q(DataSource._meta.db_table),
        "figure": q(IndicatorValue._meta.db_table),
        "period": q(StatPeriod._meta.db_table),
        "indicator": q(Indicator._meta.db_table),
        "index": q(CompositeIndex._meta.db_table),
        "index_value": q(IndexValue._meta.db_table),
        "target": q(Target._meta.db_table),
        "region": q(Region._meta.db_table),
        "group": q(PeerGroup._meta.db_table),
        "members": q(PeerGroup.members.through._meta.db_table),
    }


def _version_sql() -> str:
    t = _tables()
    # Every figure written (import, roll-up, manual entry) comes with a new DataSource row in the
    # same transaction (monitoring.services.new_source), and every new version is a new
    # IndicatorValue row; an index computation replaces its IndexValue rows (new ids, new
    # computed_at); CompositeIndex and Target carry updated_at. Ids and counts are read through
    # the primary keys: cheap on a table of millions of figures.
    aggregates = [
        ("MAX(id)", "source"),
        ("COUNT(*)", "source"),
        ("MAX(id)", "figure"),
        ("MAX(id)", "period"),
        ("COUNT(*)", "period"),
        ("COUNT(*)", "indicator"),
        ("MAX(id)", "indicator"),
        ("COUNT(*)", "index"),
        ("MAX(updated_at)", "index"),
        ("COUNT(*)", "index_value"),
        ("MAX(id)", "index_value"),
        ("MAX(computed_at)", "index_value"),
        ("COUNT(*)", "target"),
        ("MAX(updated_at)", "target"),
        ("COUNT(*)", "region"),
        ("MAX(id)", "region"),
        ("COUNT(*)", "group"),
        ("COUNT(*)", "members"),
    ]
    # table names from the models' _meta, quoted; no value from outside reaches this statement
    return "SELECT " + ", ".join(f"(SELECT {agg} FROM {t[table]})" for agg, table in aggregates)  # noqa: S608


def _catalogue_rows() -> list[tuple[Any, ...]]:
    """The indicator catalogue as stored (a few dozen rows): an edit of a name, unit, direction or
    decimals changes the pages without adding a row, and Indicator has no updated_at."""
    from tiaodu.monitoring.models import Indicator

    fields = [f.attname for f in Indicator._meta.concrete_fields]
    return list(Indicator.objects.order_by("pk").values_list(*fields))


_local = {"writes": 0}


def bump(**_kwargs: Any) -> None:
    """Receiver of the models' save and delete signals: a write in this process changes
    :func:`data_version` even when the database fingerprint does not."""
    _local["writes"] += 1


def _connect() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from tiaodu.monitoring.models import CompositeIndex, DataSource, IndexValue, Indicator, StatPeriod
    from tiaodu.regions.models import PeerGroup, Region
    from tiaodu.targets.models import Target

    for model in (DataSource, StatPeriod, Indicator, CompositeIndex, IndexValue, Target, Region, PeerGroup):
        uid = f"monitoring-cache-{model._meta.label_lower}"
        post_save.connect(bump, sender=model, dispatch_uid=f"{uid}-save", weak=False)
        post_delete.connect(bump, sender=model, dispatch_uid=f"{uid}-delete", weak=False)
    m2m_changed.connect(
        bump, sender=PeerGroup.members.through, dispatch_uid="monitoring-cache-members", weak=False
    )


_connect()


def data_version() -> str:
    """A fingerprint of the monitoring data the daily pages read: it changes with every import,
    roll-up, manual entry, index computation or definition, catalogue, target, region or 考核组
    change. Two queries."""
    with connection.cursor() as cursor:
        cursor.execute(_version_sql())
        row = cursor.fetchone()
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(repr(tuple(str(v) for v in row)).encode())
    digest.update(repr(_catalogue_rows()).encode())
    digest.update(str(_local["writes"]).encode())
    return digest.hexdigest()[:16]


def page_key(page: str, user: Any, params: dict[str, Any], version: str) -> str:
    """The cache key of one page's computed part (short and ASCII: fit for any cache backend)."""
    raw = json.dumps(
        [SCHEMA, page, version, scope_key(user), get_language() or "", sorted(params.items())],
        ensure_ascii=False,
        default=str,
    )
    return f"{PREFIX}:{page}:{hashlib.sha256(raw.encode()).hexdigest()}"


_MISSING = object()


def remember(page: str, user: Any, params: dict[str, Any], build: Callable[[], T], version: str) -> T:
    """The value ``build()`` returns for this page, parameters, scope, language and data
    version: from the cache when it was built before, else built now and kept. An exception of
    ``build`` (no data, an unknown period) is raised and nothing is kept."""
    key = page_key(page, user, params, version)
    value = cache.get(key, _MISSING)
    if value is not _MISSING:
        return value  # type: ignore[no-any-return]
    value = build()
    cache.set(key, value, TIMEOUT)
    return value
