"""Every /api/v1/ failure answers Chinese JSON with a stable code (issue 13, item 5): lone
surrogates, over-size bodies, numbers out of range, a busy database, unexpected exceptions,
unknown addresses and wrong methods."""

from __future__ import annotations

import decimal
import json
from typing import Any

import pytest
from django.db import OperationalError
from django.test import override_settings

from tiaodu.orgs import services as org_services
from tiaodu.orgs.models import Organization
from tiaodu.projects.models import Project

pytestmark = pytest.mark.django_db

ORGS = "/api/v1/organizations"
PROJECTS = "/api/v1/projects"
GUXI = "500152103"
JSON = "application/json"


@pytest.fixture
def admin(users: dict[str, Any], client_for: Any) -> Any:
    return client_for(users["admin"])


def error_body(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == {"code", "message", "errors"} and body["code"] == code
    texts = [body["message"], *(e["message"] for e in body["errors"])]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in texts), texts  # Chinese
    return body


def raw_post(client: Any, path: str, text: str) -> Any:
    return client.generic("POST", path, text.encode("utf-8"), content_type=JSON)


# --- input ----------------------------------------------------------------------------------------


def test_lone_surrogate_in_a_value(admin: Any) -> None:
    text = '{"name": "坏\\ud800名", "kind": "enterprise", "region_code": "' + GUXI + '"}'
    body = error_body(raw_post(admin, ORGS, text), 422, "validation_error")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("name", "invalid_characters")]
    assert not Organization.objects.filter(name__startswith="坏").exists()


def test_lone_surrogate_in_a_key(admin: Any) -> None:
    text = '{"name": "好名", "kind": "enterprise", "region_code": "' + GUXI + '", "\\udc00": 1}'
    body = error_body(raw_post(admin, ORGS, text), 422, "validation_error")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("\\udc00", "invalid_characters")]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_over_size_body(admin: Any) -> None:
    payload = json.dumps({"name": "大" * 4000, "kind": "enterprise", "region_code": GUXI})
    error_body(raw_post(admin, ORGS, payload), 413, "body_too_large")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("total_investment", "1e30", "总投资超出范围,不能大于999999999999"),
        ("longitude", "1e30", "经度超出范围,不能大于180"),
        ("latitude", "1e400", "latitude超出范围"),  # not even a float: infinity
        ("annual_plan", "123456789012345678901234567890", "annual_plan超出范围"),  # beyond 64 bits
    ],
)
def test_number_out_of_range(
    users: dict[str, Any], bearer: Any, client: Any, field: str, value: str, message: str
) -> None:
    text = f'{{"name": "越界项目", "township": "{GUXI}", "{field}": {value}}}'
    response = client.generic("POST", PROJECTS, text.encode(), content_type=JSON, **bearer(users["admin"]))
    body = error_body(response, 422, "validation_error")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(field, "number_too_large")]
    assert body["errors"][0]["message"].endswith(message)
    assert not Project.objects.filter(name="越界项目").exists()


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("total_investment", "NaN", "not_a_number"), ("planned_start", '"明天"', "invalid_date")],
)
def test_other_field_errors_are_chinese(admin: Any, field: str, value: str, code: str) -> None:
    text = f'{{"name": "x", "township": "{GUXI}", "{field}": {value}}}'
    body = error_body(raw_post(admin, PROJECTS, text), 422, "validation_error")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(field, code)]


# --- failures behind the request -------------------------------------------------------------------


def _failing_create(exc: BaseException) -> Any:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return fail


def _post_org(admin: Any) -> Any:
    return admin.post(
        ORGS, {"name": "失败测试", "kind": "enterprise", "region_code": GUXI}, content_type=JSON
    )


def test_unexpected_exception_is_json_500_without_traceback(admin: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(org_services, "create_organization", _failing_create(RuntimeError("secret detail")))
    response = _post_org(admin)
    body = error_body(response, 500, "server_error")
    assert body["errors"] == []
    assert response["X-Request-ID"] in body["message"]  # what to quote to the administrator
    assert b"secret detail" not in response.content and b"Traceback" not in response.content


def test_locked_database_is_503_database_busy(admin: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(
        org_services, "create_organization", _failing_create(OperationalError("database is locked"))
    )
    response = _post_org(admin)
    body = error_body(response, 503, "database_busy")
    assert body["message"] == "系统繁忙(数据库暂时被占用),请稍后重试"
    assert response["Retry-After"]


@pytest.mark.parametrize("exc", [decimal.InvalidOperation(), OverflowError("int too large")])
def test_number_the_database_cannot_store_is_422(admin: Any, monkeypatch: Any, exc: Exception) -> None:
    monkeypatch.setattr(org_services, "create_organization", _failing_create(exc))
    body = error_body(_post_org(admin), 422, "validation_error")
    assert [e["code"] for e in body["errors"]] == ["number_too_large"]


def test_unknown_address_and_wrong_method(admin: Any, client: Any) -> None:
    error_body(admin.get("/api/v1/no-such-thing/1"), 404, "not_found")
    error_body(client.get("/api/v1/audit/changes/abc/def"), 404, "not_found")
    mach = Organization.objects.get(name="重庆古溪机械制造有限公司")
    response = admin.delete(f"{ORGS}/{mach.pk}")
    error_body(response, 405, "method_not_allowed")
    assert {m.strip() for m in response["Allow"].split(",")} == {"GET", "PATCH"}


def test_real_database_overflow_is_422(admin: Any, monkeypatch: Any) -> None:
    """The database's own refusal: PostgreSQL's numeric_value_out_of_range (a DataError),
    SQLite's integer overflow (an OverflowError from the driver)."""
    from django.db import connection, transaction

    def overflow(*args: Any, **kwargs: Any) -> Any:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT CAST(1e30 AS numeric(14, 2))")
            else:
                cursor.execute("SELECT %s", [2**70])

    monkeypatch.setattr(org_services, "create_organization", overflow)
    body = error_body(_post_org(admin), 422, "validation_error")
    assert [e["code"] for e in body["errors"]] == ["number_too_large"]
