"""Is this database error "busy, try again" rather than a bug?

A locked SQLite file, a PostgreSQL lock wait that hit ``lock_timeout`` or a statement that hit
``statement_timeout`` are conditions of the moment: the request should answer 503 with the stable
code ``database_busy`` (JSON for the API, a Chinese page for people) and ``/healthz`` should say
so, instead of a 500 with a traceback. Everything else stays an error.
"""

from __future__ import annotations

from django.db import OperationalError

DATABASE_BUSY = "database_busy"
BUSY_MESSAGE = "系统繁忙(数据库暂时被占用),请稍后重试"

# PostgreSQL SQLSTATEs: lock_not_available (lock_timeout, NOWAIT), query_canceled
# (statement_timeout), deadlock_detected, serialization_failure.
_PG_BUSY_STATES = {"55P03", "57014", "40P01", "40001"}
_SQLITE_BUSY_TEXT = ("database is locked", "database table is locked", "database is busy")


def is_database_busy(exc: BaseException) -> bool:
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__ or exc.__context__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state in _PG_BUSY_STATES:
        return True
    text = str(exc).lower()
    return any(marker in text for marker in _SQLITE_BUSY_TEXT)
