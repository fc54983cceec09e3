"""``/healthz``: can the platform read *and write* its database right now?

A plain ``SELECT 1`` answers even while the database is locked for writing, so the probe also
takes the write lock the way a request's write would, with a short wait, and gives it back:
SQLite ``BEGIN IMMEDIATE`` (the whole file's write lock), PostgreSQL ``ROW EXCLUSIVE`` on every
table of the platform (the lock INSERT/UPDATE/DELETE take; it conflicts with the ``LOCK TABLE``,
migration and index-build locks that make requests hang). Nothing is written. 200 ``ok``, else 503
with the stable code (``database_busy`` / ``database_unavailable``) and what is wrong.
"""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Any

from django.db import DatabaseError, OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from tiaodu.core.dbbusy import BUSY_MESSAGE, DATABASE_BUSY, is_database_busy
from tiaodu.core.middleware import DATABASE_UNAVAILABLE, UNAVAILABLE_MESSAGE, database_busy_response

# How long the probe waits for the write lock before calling the database busy.
PROBE_LOCK_MS = 1000


def _tables() -> list[str]:
    return sorted(connection.introspection.table_names(include_views=False))


def _probe_sqlite() -> None:
    cursor = connection.cursor()
    (previous,) = cursor.execute("PRAGMA busy_timeout").fetchone()
    cursor.execute(f"PRAGMA busy_timeout = {PROBE_LOCK_MS}")
    try:
        if connection.in_atomic_block:  # already inside a transaction: claim the write lock by a no-op write
            with transaction.atomic():
                cursor.execute(
                    "UPDATE django_migrations SET id = id WHERE id = (SELECT MIN(id) FROM django_migrations)"
                )
                transaction.set_rollback(True)
        else:
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("ROLLBACK")
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {int(previous)}")


def _probe_postgresql() -> None:
    quoted = ", ".join(connection.ops.quote_name(t) for t in _tables())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{PROBE_LOCK_MS}ms"])
        cursor.execute("SELECT 1")
        cursor.execute(f"LOCK TABLE {quoted} IN ROW EXCLUSIVE MODE")
        transaction.set_rollback(True)


def _blocking_locks() -> list[dict[str, Any]]:
    """PostgreSQL: the locks other sessions hold that keep writers out (for the 503 body)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, l.mode, l.pid, a.state, now() - a.xact_start
            FROM pg_locks l
            JOIN pg_class c ON c.oid = l.relation
            LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.granted AND l.pid <> pg_backend_pid() AND l.database = (
                SELECT oid FROM pg_database WHERE datname = current_database()
            ) AND l.mode IN ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
            ORDER BY c.relname
            LIMIT 20
            """
        )
        return [
            {
                "table": t,
                "mode": m,
                "pid": pid,
                "state": st or "",
                "held_seconds": round(age.total_seconds()) if age else None,
            }
            for t, m, pid, st, age in cursor.fetchall()
        ]


def check_database() -> dict[str, Any]:
    """The probe's verdict: ``{"status": "ok", ...}`` or ``{"status": "error", "code": ..., ...}``."""
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if connection.vendor == "sqlite":
            _probe_sqlite()
        elif connection.vendor == "postgresql":
            _probe_postgresql()
    except OperationalError as exc:
        if is_database_busy(exc):
            body: dict[str, Any] = {
                "status": "error",
                "code": DATABASE_BUSY,
                "message": BUSY_MESSAGE,
                "detail": f"the database did not grant the write lock within {PROBE_LOCK_MS} ms: {exc}".strip(),
            }
            if connection.vendor == "postgresql":
                with contextlib.suppress(DatabaseError), transaction.atomic():
                    body["locks"] = _blocking_locks()
            return body
        return {
            "status": "error",
            "code": DATABASE_UNAVAILABLE,
            "message": UNAVAILABLE_MESSAGE,
            "detail": str(exc),
        }
    except DatabaseError as exc:
        return {
            "status": "error",
            "code": DATABASE_UNAVAILABLE,
            "message": UNAVAILABLE_MESSAGE,
            "detail": str(exc),
        }
    return {"status": "ok", "database": connection.vendor, "ms": round(1000 * (time.monotonic() - started))}


def healthz(request: HttpRequest) -> JsonResponse:
    body = check_database()
    response = JsonResponse(body, status=200 if body["status"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a busy database that failed outside a view (the session saved on the way
    out, a middleware's query) still answers 503 ``database_busy``, not a bare 500.

    Django calls the handler inside the ``except`` that caught the error, so the exception is
    ``sys.exc_info()``. Anything else gets the API's JSON 500 body under ``/api/``, else Django's own 500 page.
    """
    exc = sys.exc_info()[1]
    if exc is not None and is_database_busy(exc):
        return database_busy_response(request)
    if request.path.startswith("/api/"):  # the API's Chinese JSON body, whatever failed
        from tiaodu.core.api import error_body

        return JsonResponse(error_body(500), status=500)
    return defaults.server_error(request)
