"""GET /api/v1/employment/report against its OpenAPI description: schemathesis generates requests
(regions, dates, missing parameters) and sends them to the in-process WSGI application as the
admin; no server error, every answer as documented."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tiaodu.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
    path_regex="^/api/v1/employment/report$"
)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Iterator[None]:
    """The WSGI handler closes the connection around each request, which would end the test's
    transaction on PostgreSQL (as in tests/api/test_schemathesis.py)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_auth(users: Any) -> dict[str, str]:
    from tiaodu.accounts.services import create_token

    return {"Authorization": f"Bearer {create_token(None, users['admin']).key}"}


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_employment_report_api_conforms(case: Any, admin_auth: dict[str, str], db: Any) -> None:
    case.call_and_validate(headers=admin_auth, checks=CHECKS)
