"""Property-based API tests: schemathesis generates requests from /api/v1/openapi.json and sends
them to the in-process WSGI application as the admin (Bearer token).

Every response must be a non-5xx, with a documented status code, a documented content type and
a body matching the documented schema. Writes happen inside the test's transaction and are
rolled back, so the session's demo data stays intact for the rest of the suite.
"""

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

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Iterator[None]:
    """The real WSGI handler closes the database connection around each request, which would end
    the test's transaction on PostgreSQL; Django's own test client switches that off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _auth(user: Any) -> dict[str, str]:
    from tiaodu.accounts.services import create_token

    return {"Authorization": f"Bearer {create_token(None, user).key}"}


@pytest.fixture
def admin_auth(users: Any) -> dict[str, str]:
    return _auth(users["admin"])


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_openapi(case: Any, admin_auth: dict[str, str]) -> None:
    case.call_and_validate(headers=admin_auth, checks=CHECKS)


def test_success_responses_conform(users: Any) -> None:
    """Random IDs and codes rarely hit existing records, so walk the success paths explicitly."""
    from tiaodu.orgs.models import Organization

    admin = _auth(users["admin"])
    guxi = _auth(users["guxi"])
    yuxi_enterprise = Organization.objects.get(name="重庆玉溪新材料有限公司")
    stats = Organization.objects.get(name="区统计局", region__code="500152")

    def call(path: str, method: str, status: int, headers: dict[str, str] = admin, **data: Any) -> Any:
        case = schema[path][method].Case(**data)
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        assert response.status_code == status, (method, path, response.status_code, response.text)
        return response.json()

    call("/api/v1/regions/{code}", "GET", 200, path_parameters={"code": "500152"})
    call("/api/v1/regions", "GET", 200, query={"parent": "500152", "page_size": 5})
    call("/api/v1/organizations/{org_id}", "GET", 200, path_parameters={"org_id": stats.pk})
    patched = call(
        "/api/v1/organizations/{org_id}",
        "PATCH",
        200,
        path_parameters={"org_id": stats.pk},
        body={"phone": "023-44556677"},
    )
    assert patched["phone"] == "023-44556677"
    changes = call("/api/v1/organizations/{org_id}/changes", "GET", 200, path_parameters={"org_id": stats.pk})
    assert changes["count"] >= 1
    created = call(
        "/api/v1/organizations",
        "POST",
        201,
        body={"name": "接口测试机构", "kind": stats.kind, "region_code": "500152", "parent_id": stats.pk},
    )
    call("/api/v1/organizations/{org_id}", "GET", 200, path_parameters={"org_id": created["id"]})
    new_user = call(
        "/api/v1/users",
        "POST",
        201,
        body={
            "username": "api_probe",
            "role": "department",
            "organization_id": stats.pk,
            "region_code": "500152",
        },
    )
    user_id = new_user["user"]["id"]
    call("/api/v1/users/{user_id}", "GET", 200, path_parameters={"user_id": user_id})
    call(
        "/api/v1/users/{user_id}",
        "PATCH",
        200,
        path_parameters={"user_id": user_id},
        body={"full_name": "接口"},
    )
    call("/api/v1/users", "POST", 409, body={"username": "api_probe", "role": "department"})
    token = call("/api/v1/tokens", "POST", 201, body={"name": "probe", "days": 1})
    call("/api/v1/tokens/{token_id}", "DELETE", 200, path_parameters={"token_id": token["token"]["id"]})
    call("/api/v1/audit/changes", "GET", 200, query={"page_size": 5})
    call("/api/v1/audit/events", "GET", 200, query={"page_size": 5})

    # The permission scope, as seen through the API: 古溪镇 cannot see 玉溪镇's enterprise.
    call("/api/v1/users/me", "GET", 200, headers=guxi)
    call(
        "/api/v1/organizations/{org_id}",
        "GET",
        404,
        headers=guxi,
        path_parameters={"org_id": yuxi_enterprise.pk},
    )
    call(
        "/api/v1/organizations/{org_id}",
        "PATCH",
        404,
        headers=guxi,
        path_parameters={"org_id": yuxi_enterprise.pk},
        body={"phone": "1"},
    )
    call("/api/v1/users", "POST", 403, headers=guxi, body={"username": "nope_user", "role": "town"})
    call("/api/v1/organizations", "GET", 401, headers={"Authorization": "Bearer not-a-token"})
