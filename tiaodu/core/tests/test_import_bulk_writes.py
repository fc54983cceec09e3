"""The bulk writers behind the large imports (issue 13): on PostgreSQL rows go out with
``COPY … FROM STDIN`` (no INSERT statement per row), with the same defaults as the INSERT; the
audit entries' ``changes`` are serialised with orjson to the JSON the entries always held."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy

from tiaodu.core.imports import bulk_insert, changes_json, insert_with_ids

pytestmark = pytest.mark.django_db


def test_changes_json_writes_what_the_audit_entries_always_held() -> None:
    when = datetime(2022, 3, 1, 8, 30, 5, 120, tzinfo=UTC)
    key = uuid.UUID(int=7)
    changes = {
        "raised_on": (None, date(2022, 3, 1)),
        "accepted_at": (None, when),
        "amount": (Decimal("1.50"), Decimal("12.30")),
        "label": (None, gettext_lazy("已办结")),
        "is_open": (True, False),
        "rating": (None, 5),
        "key": (None, key),
        "title": ("", "春节后缺普工50人"),
    }
    assert json.loads(changes_json(changes)) == {
        "raised_on": [None, "2022-03-01"],
        "accepted_at": [None, when.isoformat()],
        "amount": ["1.50", "12.30"],
        "label": [None, "已办结"],
        "is_open": [True, False],
        "rating": [None, 5],
        "key": [None, str(key)],
        "title": ["", "春节后缺普工50人"],
    }


def test_bulk_insert_fills_defaults_and_on_postgresql_sends_no_insert() -> None:
    from auditlog.models import LogEntry

    content_type = ContentType.objects.get_for_model(ContentType)
    rows = [
        {
            "content_type_id": content_type.pk,
            "object_pk": str(i),
            "object_id": i,
            "object_repr": f"对象{i}",
            "action": LogEntry.Action.CREATE,
            "changes": {"name": [None, f"对象{i}"]},
            "changes_text": "",
        }
        for i in range(3)
    ]
    with CaptureQueriesContext(connection) as queries:
        bulk_insert(LogEntry, rows)
        ids = insert_with_ids(LogEntry, rows[:2])
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]
    if connection.vendor == "postgresql":
        assert inserts == []  # COPY FROM STDIN (ids reserved from the sequence first)
    written = LogEntry.objects.filter(content_type=content_type).order_by("pk")
    assert [e.object_repr for e in written] == ["对象0", "对象1", "对象2", "对象0", "对象1"]
    assert list(written.values_list("pk", flat=True))[3:] == ids
    first = written[0]
    assert first.changes == {"name": [None, "对象0"]}
    assert first.timestamp is not None and first.additional_data is None and first.actor_id is None


def test_past_date_asks_the_time_zone_only_for_recent_days(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.utils import timezone

    from tiaodu.core import imports
    from tiaodu.core.imports import CellError, past_date

    today = timezone.localdate()
    asked: list[int] = []
    real = timezone.localdate

    def counting() -> date:
        asked.append(1)
        return real()

    monkeypatch.setattr(imports.timezone, "localdate", counting)
    assert past_date("2022-03-01") == date(2022, 3, 1)
    assert asked == []  # years ago: past in every zone, no time-zone lookup per cell
    assert past_date(today.isoformat()) == today
    with pytest.raises(CellError) as raised:
        past_date((today + timedelta(days=1)).isoformat())
    assert raised.value.code == "date_in_future"
    assert len(asked) == 2


def test_bulk_insert_converts_each_distinct_datetime_once_and_correctly() -> None:
    from auditlog.models import LogEntry

    content_type = ContentType.objects.get_for_model(ContentType)
    utc = datetime(2022, 3, 1, 0, 0, tzinfo=UTC)
    shanghai = utc.astimezone(ZoneInfo("Asia/Shanghai"))  # the same instant, another zone
    later = datetime(2022, 3, 2, 8, 0, tzinfo=UTC)
    stamps = [utc, shanghai, later, utc]
    bulk_insert(
        LogEntry,
        [
            {
                "content_type_id": content_type.pk,
                "object_pk": str(i),
                "object_repr": "x",
                "action": LogEntry.Action.CREATE,
                "changes": {},
                "changes_text": "",
                "timestamp": stamp,
            }
            for i, stamp in enumerate(stamps)
        ],
    )
    written = LogEntry.objects.filter(content_type=content_type).order_by("pk")
    assert [e.timestamp for e in written] == stamps


def test_bulk_insert_shared_values_and_keys_only_some_rows_name() -> None:
    from auditlog.models import LogEntry

    content_type = ContentType.objects.get_for_model(ContentType)
    shared = {"content_type_id": content_type.pk, "object_repr": "共享", "changes_text": ""}
    rows: list[dict[str, Any]] = [
        {"object_pk": "1", "object_id": 1, "action": LogEntry.Action.CREATE, "changes": {"a": [None, 1]}},
        {"object_pk": "2", "action": LogEntry.Action.UPDATE, "changes": {}, "object_repr": "行内的值不算"},
    ]
    bulk_insert(LogEntry, rows, shared=shared)
    first, second = LogEntry.objects.filter(content_type=content_type).order_by("pk")
    assert (first.object_repr, first.object_id, first.action) == ("共享", 1, LogEntry.Action.CREATE)
    assert (second.object_repr, second.object_id, second.action) == ("共享", None, LogEntry.Action.UPDATE)
    assert first.timestamp is not None and second.timestamp is not None  # the callable default


def test_import_audit_changes_follow_the_auditlog_settings(settings: Any) -> None:
    """An import's change entry leaves out and masks the same fields as auditlog's own entries
    (before: every field went in as it was, a password hash included)."""
    from tiaodu.core.imports import _tracked

    settings.AUDITLOG_EXCLUDE_TRACKING_FIELDS = ("updated_at",)
    settings.AUDITLOG_MASK_TRACKING_FIELDS = ("password",)
    changes = {"township_id": (None, 7), "updated_at": (None, "2026-01-01"), "password": ("old", "new")}
    tracked = _tracked(
        changes, {"township_id": "township", "updated_at": "updated_at", "password": "password"}
    )
    assert tracked == {"township": (None, 7), "password": ("******", "******")}
    assert _tracked({"password": (None, "x")}, {})["password"] == (None, "******")
