"""A locked or slow database answers 503 database_busy, and /healthz says so (issue 13 item 4).

The request in these tests runs in a second thread, on its own database connection, while the
test's connection holds the lock: on PostgreSQL ``LOCK TABLE … IN ACCESS EXCLUSIVE MODE``, on
SQLite an open write transaction (the in-memory test database is a shared cache, whose write lock
other connections see at once as "database table is locked").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db import OperationalError, connection, connections, transaction
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from tiaodu.accounts.models import ApiToken
from tiaodu.accounts.services import create_token
from tiaodu.core import health
from tiaodu.core.apps import check_time_limits
from tiaodu.core.management.commands.serve import gunicorn_options
from tiaodu.core.middleware import DatabaseGuardMiddleware, apply_request_timeouts

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def in_other_thread(call: Callable[[], Any], limit: float = 20) -> Any:
    """Run ``call`` on another thread (another database connection); fail if it hangs."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = call()
        except BaseException as exc:
            result["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), f"the request hung for more than {limit} s"
    if "error" in result:
        raise result["error"]
    result["seconds"] = time.monotonic() - started
    return result


def hold_write_lock(table: str) -> None:
    """Keep ``table`` locked against other connections until the test's transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(table)} IN ACCESS EXCLUSIVE MODE")
    else:
        assert table == "axes_accessattempt"
        AccessAttempt.objects.create(
            username="holder", ip_address="192.0.2.1", user_agent="t", failures_since_start=1
        )


# --- Request time limits ------------------------------------------------------------------------


def current_limits() -> tuple[str, ...]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')")
            return tuple(cursor.fetchone())
        cursor.execute("PRAGMA busy_timeout")
        return (str(cursor.fetchone()[0]),)


def test_connection_default_is_for_the_worker_and_cli():
    """Outside a request the connection keeps its defaults: imports and migrations may wait."""
    fresh = connections.create_connection("default")
    try:
        with fresh.cursor() as cursor:
            if fresh.vendor == "postgresql":
                cursor.execute("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')")
                assert cursor.fetchone() == ("0", "0")
            else:
                cursor.execute("PRAGMA busy_timeout")
                assert cursor.fetchone()[0] == 20000
    finally:
        fresh.close()


@override_settings(DB_LOCK_TIMEOUT=3, DB_STATEMENT_TIMEOUT=17)
def test_request_gets_the_request_time_limits(client):
    assert current_limits() not in {("3s", "17s"), ("3000",)}
    assert client.get(LOGIN).status_code == 200
    expected = ("3s", "17s") if connection.vendor == "postgresql" else ("3000",)
    assert current_limits() == expected
    # Once per connection: the next request costs no query for it.
    with CaptureQueriesContext(connection) as queries:
        client.get(LOGIN)
    assert not [q for q in queries if "busy_timeout" in q["sql"] or "set_config" in q["sql"]]


@pytest.mark.postgres_only
@override_settings(DB_STATEMENT_TIMEOUT=1)
def test_statement_timeout_is_busy_not_500():
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")
    apply_request_timeouts()
    with pytest.raises(OperationalError) as exc, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(3)")
    response = DatabaseGuardMiddleware(lambda r: None).process_exception(  # type: ignore[arg-type]
        RequestFactory().get("/projects/"), exc.value
    )
    assert response is not None and response.status_code == 503


@override_settings(DB_LOCK_TIMEOUT=1)
def test_locked_database_answers_503_page_not_500():
    hold_write_lock("axes_accessattempt")
    result = in_other_thread(
        lambda: Client().post(LOGIN, {"username": "someone", "password": "wrong-password"})
    )
    response = result["value"]
    assert response.status_code == 503
    body = response.content.decode()
    assert 'id="error-503"' in body
    assert 'data-code="database_busy"' in body
    assert "系统繁忙" in body
    assert "Traceback" not in body
    assert response["Retry-After"] == "5"
    assert result["seconds"] < 10  # the lock wait ended at the request limit, not at gunicorn's


@override_settings(DB_LOCK_TIMEOUT=1)
def test_locked_database_answers_json_503_on_the_api(users):
    """Before: an HTML 500 for API clients."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE accounts_apitoken IN ACCESS EXCLUSIVE MODE")
    else:
        create_token(None, users["leader"])  # the open write transaction holds the table
    result = in_other_thread(
        lambda: Client().get("/api/v1/users/me", HTTP_AUTHORIZATION="Bearer tdu_" + "x" * 40)
    )
    response = result["value"]
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "database_busy"
    assert result["seconds"] < 10


def test_api_path_gets_json_503():
    middleware = DatabaseGuardMiddleware(lambda r: None)  # type: ignore[arg-type,return-value]
    request = RequestFactory().post("/api/v1/projects/")
    response = middleware.process_exception(request, OperationalError("database is locked"))
    assert response is not None
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    import json

    body = json.loads(response.content)
    assert body["code"] == "database_busy"
    assert body["message"] == "系统繁忙(数据库暂时被占用),请稍后重试"
    # Anything else stays an error for Django to report.
    assert middleware.process_exception(request, OperationalError("no such column: x")) is None
    assert middleware.process_exception(request, ValueError("x")) is None


def test_unreachable_database_answers_503_unavailable(monkeypatch):
    def refuse(conn: Any = None) -> None:
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr("tiaodu.core.middleware.apply_request_timeouts", refuse)
    response = Client().get("/accounts/login/")
    assert response.status_code == 503
    assert 'data-code="database_unavailable"' in response.content.decode()
    api = Client().get("/api/v1/users/me")
    assert api.status_code == 503
    assert api.json()["code"] == "database_unavailable"


# --- /healthz -----------------------------------------------------------------------------------


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == connection.vendor


def test_healthz_reports_a_locked_database():
    hold_write_lock("axes_accessattempt")
    result = in_other_thread(lambda: Client().get("/healthz"))
    response = result["value"]
    assert response.status_code == 503  # before: 200 {"status": "ok"} while writes failed
    body = response.json()
    assert body["status"] == "error"
    assert body["code"] == "database_busy"
    assert "write lock" in body["detail"]
    if connection.vendor == "postgresql":
        assert {"table": "axes_accessattempt", "mode": "AccessExclusiveLock"}.items() <= body["locks"][
            0
        ].items()
    assert result["seconds"] < 10


def test_healthz_reports_an_unreachable_database(monkeypatch):
    def refuse() -> None:
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(health, "_probe_sqlite", refuse)
    monkeypatch.setattr(health, "_probe_postgresql", refuse)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
    assert "could not connect" in response.json()["detail"]


# --- The audit trail's client address ---------------------------------------------------------


@override_settings(FORWARDED_ALLOW_IPS=["127.0.0.1"])
def test_change_log_records_the_address_the_proxy_saw(client_for, users):
    client = client_for(users["guxi"])
    response = client.post(
        "/accounts/tokens/",
        {"name": "addr", "days": 30},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7",
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=users["guxi"], name="addr")
    entry = LogEntry.objects.get_for_object(token).get()
    assert entry.remote_addr == "203.0.113.7"  # before: 6.6.6.6, written by the client


# --- gunicorn and the configuration check ------------------------------------------------------


@override_settings(WEB_TIMEOUT=150, FORWARDED_ALLOW_IPS=["10.0.0.0/8", "127.0.0.1"])
def test_gunicorn_timeout_is_configurable_and_above_the_statement_limit():
    options = gunicorn_options("127.0.0.1:8123", 2)
    assert options["timeout"] == 150
    assert options["forwarded_allow_ips"] == "10.0.0.0/8,127.0.0.1"
    assert gunicorn_options("127.0.0.1:8123", 2, 45)["timeout"] == 45
    # gunicorn accepts every option as given (its validators run on set).
    from gunicorn.config import Config

    config = Config()
    for key, value in options.items():
        config.set(key, value)
    assert config.timeout == 150
    assert config.forwarded_allow_ips == ["10.0.0.0/8", "127.0.0.1"]


def test_default_limits_are_coherent():
    assert check_time_limits() == []
    with override_settings(DB_STATEMENT_TIMEOUT=30, WEB_TIMEOUT=30):
        assert [m.id for m in check_time_limits()] == ["tiaodu.W001"]
    with override_settings(DB_LOCK_TIMEOUT=60):
        assert "tiaodu.W002" in [m.id for m in check_time_limits()]
    call_command("check")  # registered and passing


def test_busy_database_outside_a_view_is_503_too():
    """handler500 (tiaodu.core.health.server_error): e.g. the session saved on the way out."""
    request = RequestFactory().get("/projects/")
    try:
        raise OperationalError("database is locked")
    except OperationalError:
        response = health.server_error(request)
    assert response.status_code == 503
    assert 'data-code="database_busy"' in response.content.decode()
    try:
        raise OperationalError("no such table: x")
    except OperationalError:
        assert health.server_error(request).status_code == 500
