"""Optimistic concurrency for shared records: a version number checked before every write.

A shared record (a dispatch report, a reporting slot, a case, a project) carries an integer
``version``. A reader gets the version with the values it shows; a writer sends it back. The
write first claims the version with one compare-and-set ``UPDATE … WHERE version = expected``,
inside the write's transaction: on PostgreSQL the row lock taken by that update makes the
second of two concurrent writers wait and then find the version moved; on SQLite writers are
serialised anyway. Whoever lost the race gets 409 ``stale_write`` with the record's current
values, so that a person can compare and re-apply.

A writer that sends no version (an older API client, a CLI, an import) is not checked: it
writes last-writer-wins, as before. Web forms always send the version they rendered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.db.models import F

from tiaodu.core.errors import Conflict, FieldError

STALE_WRITE = "stale_write"
STALE_MESSAGE = "该记录已被他人修改,您看到的是旧的内容。请刷新页面,核对最新内容后重新提交"


class StaleWrite(Conflict):
    """409: the record changed after the writer read it."""

    def __init__(self, current: Mapping[str, Any] | None = None, version: int | None = None) -> None:
        super().__init__(STALE_WRITE, STALE_MESSAGE, [FieldError("version", STALE_WRITE, STALE_MESSAGE)])
        self.current: dict[str, Any] = dict(current or {})
        self.version = version

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data["current"] = self.current
        data["version"] = self.version
        return data


class VersionedModel(models.Model):
    """Abstract: adds the ``version`` column that :func:`claim_version` moves forward."""

    version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        abstract = True


def parse_version(value: Any) -> int | None:
    """The version a client sent (form field, JSON body or ``If-Match`` header), or None.

    Accepts ``3``, ``"3"`` and an ETag such as ``W/"3"`` or ``"3"``; anything else is an
    invalid input rather than silently unchecked.
    """
    from tiaodu.core.errors import invalid

    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    if not text.isdigit():
        raise invalid("version", "version_invalid", "版本号无效,请刷新页面后重试")
    return int(text)


def claim_version(
    instance: models.Model,
    expected: int | None,
    current: Mapping[str, Any] | None = None,
) -> None:
    """Move ``instance``'s version forward, or raise :class:`StaleWrite` if it moved already.

    Call inside the write's transaction, before saving the new values. ``current`` is what the
    loser is shown (the record's values as the winner left them); by default the fields the
    caller already loaded. With ``expected=None`` the version still moves, without a check, so
    that a checked writer that read before this unchecked write loses.
    """
    model = type(instance)
    rows = model._default_manager.filter(pk=instance.pk)
    if expected is not None:
        rows = rows.filter(version=expected)
    updated = rows.update(version=F("version") + 1)
    if updated == 0:
        fresh = model._default_manager.get(pk=instance.pk)
        raise StaleWrite(current if current is not None else _values(fresh), fresh.version)  # type: ignore[attr-defined]
    instance.refresh_from_db(fields=["version"])


def _values(instance: models.Model) -> dict[str, Any]:
    """Plain JSON-able values of the concrete, editable fields (for the 409 body)."""
    out: dict[str, Any] = {}
    for f in instance._meta.concrete_fields:
        if not f.editable or f.primary_key:
            continue
        value = f.value_from_object(instance)
        out[f.attname] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
    return out
