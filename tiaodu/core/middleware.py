"""Request id (correlates a request's audit entries), database time limits and the 503 for a
busy database, the audit trail's client address, extra security headers, and the interface
language (the user's choice, Chinese first)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from auditlog.middleware import AuditlogMiddleware as BaseAuditlogMiddleware
from django.conf import settings
from django.db import OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation

from tiaodu.core.dbbusy import BUSY_MESSAGE, DATABASE_BUSY, is_database_busy
from tiaodu.core.http import client_address

log = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = "database_unavailable"
UNAVAILABLE_MESSAGE = "数据库暂时无法连接,请稍后重试"
RETRY_AFTER_SECONDS = 5

_request_id: ContextVar[str | None] = ContextVar("tiaodu_request_id", default=None)
_request: ContextVar[HttpRequest | None] = ContextVar("tiaodu_request", default=None)
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str | None:
    """The id of the request being served (also the auditlog correlation id)."""
    return _request_id.get()


def current_request() -> HttpRequest | None:
    """The request being served, for log entries written deep inside services."""
    return _request.get()


class RequestIdMiddleware:
    """Gives every request an id: the proxy's X-Request-ID when well-formed, else a new UUID."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        request_token = _request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(request_token)
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class SecurityHeadersMiddleware:
    """Headers Django does not set itself; authenticated pages are never cached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            response.setdefault("Cache-Control", "no-store")
        return response


# --- The database: request time limits and "busy, try again" -----------------------------------


def apply_request_timeouts(conn: BaseDatabaseWrapper = connection) -> None:
    """Give this connection the web request's time limits (settings.DB_LOCK_TIMEOUT and
    DB_STATEMENT_TIMEOUT), once per physical connection and values (no query on later requests).

    Per request (rather than in DATABASES) because the same settings serve the task worker and the
    CLI, whose imports and migrations may legitimately wait or run longer. PostgreSQL gets
    ``lock_timeout`` and ``statement_timeout`` for the session, SQLite its ``busy_timeout``.
    (Requests run outside transactions here; a test that wraps requests in a transaction which
    is rolled back also rolls back PostgreSQL's values, while the marker says they are set.)
    """
    if conn.vendor not in ("postgresql", "sqlite"):
        return
    if conn.connection is None:
        # Not connected yet: the request's first query connects, and ``_limits_on_connect`` gives
        # that new connection the limits. A request that needs no database (a static file, an
        # anonymous redirect) opens none.
        _limits_pending.set(True)
        return
    lock_ms = 1000 * settings.DB_LOCK_TIMEOUT
    statement_ms = 1000 * settings.DB_STATEMENT_TIMEOUT
    # The marker holds the raw connection itself (not its id, which a new one could reuse).
    marker = getattr(conn, "_tiaodu_request_limits", None)
    if marker is not None and marker[0] is conn.connection and marker[1:] == (lock_ms, statement_ms):
        return
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, false), set_config('statement_timeout', %s, false)",
                [f"{lock_ms}ms", f"{statement_ms}ms"],
            )
        else:
            cursor.execute(f"PRAGMA busy_timeout = {int(lock_ms)}")
    conn._tiaodu_request_limits = (conn.connection, lock_ms, statement_ms)  # type: ignore[attr-defined]


_limits_pending: ContextVar[bool] = ContextVar("tiaodu_db_limits_pending", default=False)


@receiver(connection_created)
def _limits_on_connect(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if _limits_pending.get():
        _limits_pending.set(False)
        apply_request_timeouts(connection)


def database_busy_response(
    request: HttpRequest, code: str = DATABASE_BUSY, message: str = BUSY_MESSAGE
) -> HttpResponse:
    """503 with a stable code: JSON for the API, a Chinese page for people.

    The page is rendered without the request's context processors and does not extend
    base.html, so showing it needs no database (no session, no user, no menu).
    """
    request_id = getattr(request, "request_id", "")
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": code, "message": message, "errors": []}, status=503)
    else:
        html = render_to_string("503.html", {"code": code, "message": message, "request_id": request_id})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseGuardMiddleware:
    """Sets the request's database time limits; a locked or timed-out database (a view raised
    ``core.dbbusy.is_database_busy``) answers 503 ``database_busy`` instead of a 500, and a
    database that cannot be reached 503 ``database_unavailable``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _limits_pending.set(False)
        try:
            try:
                apply_request_timeouts()
            except OperationalError as exc:
                if is_database_busy(exc):
                    return self.busy(request, exc)
                return self.unavailable(request, exc)
            return self.get_response(request)
        finally:
            _limits_pending.reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_busy(exception):
            return self.busy(request, exception)
        if isinstance(exception, OperationalError) and connection.connection is None:
            return self.unavailable(request, exception)  # the request's first connect failed
        return None

    @staticmethod
    def unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
        log.error("database unavailable (request %s): %s", getattr(request, "request_id", ""), exc)
        return database_busy_response(request, DATABASE_UNAVAILABLE, UNAVAILABLE_MESSAGE)

    @staticmethod
    def busy(request: HttpRequest, exc: BaseException) -> HttpResponse:
        log.warning(
            "database busy (request %s %s %s): %s",
            getattr(request, "request_id", ""),
            request.method,
            request.path,
            exc,
        )
        return database_busy_response(request)


class AuditlogMiddleware(BaseAuditlogMiddleware):
    """auditlog's middleware with the client address from the configured proxy chain (auditlog
    itself takes the left end of X-Forwarded-For, which the client writes)."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> Any:
        if getattr(settings, "AUDITLOG_DISABLE_REMOTE_ADDR", False):
            return None
        return client_address(request)


# --- The interface language: Chinese first ------------------------------------------------------


def chosen_language(request: HttpRequest) -> str:
    """The language the interface speaks to this request: the signed-in user's own choice
    (``User.language``), for an anonymous visitor the language cookie set by the switcher, else
    Simplified Chinese. The browser's Accept-Language is never consulted: the platform's users
    expect Chinese whatever their browser is set to."""
    available = {code for code, _name in settings.LANGUAGES}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        language = getattr(user, "language", "")
        return language if language in available else settings.LANGUAGE_CODE
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return cookie if cookie in available else settings.LANGUAGE_CODE


class UserLanguageMiddleware:
    """Activates ``chosen_language`` for the request (in place of Django's LocaleMiddleware,
    which follows Accept-Language); after the response the thread is back to the default
    language, so work outside requests on this thread speaks Chinese. Sits after the
    authentication middleware (it reads ``request.user``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            translation.activate(settings.LANGUAGE_CODE)
        response.headers.setdefault("Content-Language", language)
        return response
