"""/api/v1/ error bodies ({"code", "message", "errors"}), authentication, CSRF and pagination."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tiaodu.accounts.models import ApiToken, User
from tiaodu.accounts.services import create_token, revoke_token
from tiaodu.audit.choices import EventKind
from tiaodu.audit.models import SecurityEvent
from tiaodu.orgs import services
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

API = "/api/v1/organizations"
GUXI_CODE = "500152103"
JSON = "application/json"


def assert_error_body(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    assert body["message"]  # a Chinese sentence for people
    assert isinstance(body["errors"], list)
    return body


def new_org(**overrides: Any) -> dict[str, Any]:
    return {"name": "错误测试企业", "kind": "enterprise", "region_code": GUXI_CODE, **overrides}


@pytest.fixture
def admin_client(users: dict[str, User], client_for: Any) -> Any:
    return client_for(users["admin"])


# --- Validation -----------------------------------------------------------------------------------


def test_missing_required_fields(admin_client: Any) -> None:
    body = assert_error_body(
        admin_client.post(API, {"kind": "enterprise"}, content_type=JSON), 422, "validation_error"
    )
    assert body["message"] == "提交的数据有误,请检查后重试"
    by_field = {e["field"]: e for e in body["errors"]}
    assert set(by_field) == {"name", "region_code"}
    assert by_field["name"] == {"field": "name", "code": "required", "message": "此项为必填项"}
    assert by_field["region_code"]["code"] == "required"


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        (new_org(name=""), "name", "too_short"),
        (new_org(name="长" * 129), "name", "too_long"),
        (new_org(kind="bank"), "kind", "invalid_choice"),
        (new_org(parent_id="abc"), "parent_id", "not_an_integer"),
        (new_org(parent_id=0), "parent_id", "too_small"),
        (new_org(parent_id=2**63), "parent_id", "number_too_large"),
        (new_org(is_active="maybe"), "is_active", "not_a_boolean"),
        (new_org(name=123), "name", "not_a_string"),
    ],
)
def test_field_level_codes(admin_client: Any, payload: dict[str, Any], field: str, code: str) -> None:
    body = assert_error_body(admin_client.post(API, payload, content_type=JSON), 422, "validation_error")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(field, code)]
    assert all(e["message"] for e in body["errors"])
    assert not Organization.objects.filter(name="错误测试企业").exists()


def test_nul_characters_are_refused_before_the_database(admin_client: Any, users: Any) -> None:
    # PostgreSQL text cannot hold NUL: every endpoint answers 422 naming the field, never 500.
    body = assert_error_body(
        admin_client.post(API, new_org(name="坏\x00名", notes="ok"), content_type=JSON),
        422,
        "validation_error",
    )
    assert body["errors"] == [{"field": "name", "code": "invalid_characters", "message": "不能包含控制字符"}]
    assert not Organization.objects.filter(name__startswith="坏").exists()
    response = admin_client.get(API, {"q": "a\x00b"})
    assert [e["code"] for e in assert_error_body(response, 422, "validation_error")["errors"]] == [
        "invalid_characters"
    ]


def test_malformed_json(admin_client: Any) -> None:
    body = assert_error_body(admin_client.post(API, "{not json", content_type=JSON), 400, "bad_request")
    assert body["errors"] == []


def test_body_must_be_object(admin_client: Any) -> None:
    body = assert_error_body(admin_client.post(API, [1, 2], content_type=JSON), 422, "validation_error")
    assert body["errors"]


def test_unknown_region_code(admin_client: Any) -> None:
    body = assert_error_body(
        admin_client.post(API, new_org(region_code="500152999"), content_type=JSON), 422, "validation_error"
    )
    assert body["errors"] == [
        {
            "field": "region",
            "code": "region_unknown",
            "message": "区划代码“500152999”不存在,请先加载该地区的区划数据",
        }
    ]
    body = assert_error_body(
        admin_client.post(API, new_org(region_code="50x"), content_type=JSON), 422, "validation_error"
    )
    assert body["errors"][0]["code"] == "region_code_invalid"
    assert not Organization.objects.filter(name="错误测试企业").exists()


def test_region_level_mismatch(admin_client: Any) -> None:
    body = assert_error_body(
        admin_client.post(API, new_org(kind="town", region_code="500152"), content_type=JSON),
        422,
        "validation_error",
    )
    assert body["errors"][0] == {
        "field": "region",
        "code": "region_level_mismatch",
        "message": "镇街机构的所属地区必须是镇或街道",
    }


def test_organization_cycle(admin_client: Any, users: dict[str, User]) -> None:
    parent = services.create_organization(users["admin"], name="上级单位", kind="other", region_code="500152")
    child = services.create_organization(
        users["admin"], name="下级单位", kind="other", region_code="500152", parent_id=parent.pk
    )
    grandchild = services.create_organization(
        users["admin"], name="下下级单位", kind="other", region_code="500152", parent_id=child.pk
    )
    for new_parent in (grandchild, child, parent):
        body = assert_error_body(
            admin_client.patch(f"{API}/{parent.pk}", {"parent_id": new_parent.pk}, content_type=JSON),
            422,
            "validation_error",
        )
        assert body["errors"] == [
            {"field": "parent", "code": "organization_cycle", "message": "上级机构不能是本机构或其下级机构"}
        ]
    parent.refresh_from_db()
    assert parent.parent_id is None


def test_unknown_parent(admin_client: Any) -> None:
    body = assert_error_body(
        admin_client.post(API, new_org(parent_id=10**9), content_type=JSON), 422, "validation_error"
    )
    assert body["errors"][0]["field"] == "parent" and body["errors"][0]["code"] == "parent_unknown"


def test_duplicate_code_is_conflict(admin_client: Any) -> None:
    body = assert_error_body(
        admin_client.post(API, new_org(code="91500152MA5U00003M"), content_type=JSON),
        409,
        "organization_code_taken",
    )
    assert body["message"] == "机构代码“91500152MA5U00003M”已被使用"
    assert body["errors"] == [
        {"field": "code", "code": "organization_code_taken", "message": "机构代码已存在"}
    ]
    assert not Organization.objects.filter(name="错误测试企业").exists()

    mach = Organization.objects.get(name="重庆古溪机械制造有限公司")
    assert_error_body(
        admin_client.patch(f"{API}/{mach.pk}", {"code": "91500152MA5U00003M"}, content_type=JSON),
        409,
        "organization_code_taken",
    )


def test_duplicate_name_is_conflict(admin_client: Any) -> None:
    body = assert_error_body(
        admin_client.post(API, new_org(name="重庆古溪机械制造有限公司"), content_type=JSON),
        409,
        "organization_name_taken",
    )
    assert body["errors"][0]["field"] == "name"


def test_null_for_required_patch_field(admin_client: Any) -> None:
    mach = Organization.objects.get(name="重庆古溪机械制造有限公司")
    body = assert_error_body(
        admin_client.patch(f"{API}/{mach.pk}", {"name": None}, content_type=JSON), 422, "validation_error"
    )
    assert body["errors"][0] == {"field": "name", "code": "required", "message": "此项不能为空"}


# --- Not found ------------------------------------------------------------------------------------


def test_not_found_for_missing_and_out_of_scope_ids(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["guxi"])
    yuxi = Organization.objects.get(name="重庆玉溪新材料有限公司")
    missing = assert_error_body(client.get(f"{API}/999999999"), 404, "not_found")
    hidden = assert_error_body(client.get(f"{API}/{yuxi.pk}"), 404, "not_found")
    assert missing == hidden == {"code": "not_found", "message": "记录不存在或您无权查看", "errors": []}
    assert_error_body(client.patch(f"{API}/{yuxi.pk}", {"phone": "1"}, content_type=JSON), 404, "not_found")
    assert_error_body(client.get(f"{API}/{yuxi.pk}/changes"), 404, "not_found")
    # Only the attempt on an existing row is a security event.
    events = SecurityEvent.objects.filter(kind=EventKind.PERMISSION_DENIED, username="guxi")
    assert events.count() == 3
    assert all(f"pk={yuxi.pk}" in e.detail for e in events)


def test_bad_path_parameter(admin_client: Any) -> None:
    body = assert_error_body(admin_client.get(f"{API}/abc"), 422, "validation_error")
    assert body["errors"] == [{"field": "org_id", "code": "not_an_integer", "message": "应为整数"}]


def test_method_not_allowed(admin_client: Any) -> None:
    mach = Organization.objects.get(name="重庆古溪机械制造有限公司")
    response = admin_client.delete(f"{API}/{mach.pk}")
    assert response.status_code == 405
    assert {m.strip() for m in response["Allow"].split(",")} == {"GET", "PATCH"}
    assert Organization.objects.filter(pk=mach.pk).exists()


# --- Authentication -------------------------------------------------------------------------------


def test_no_credentials(client: Any) -> None:
    body = assert_error_body(client.get(API), 401, "not_authenticated")
    assert body["message"] == "请先登录或提供有效的API令牌"
    assert_error_body(client.post(API, new_org(), content_type=JSON), 401, "not_authenticated")
    assert_error_body(client.get(API, HTTP_AUTHORIZATION="Basic Zm9vOmJhcg=="), 401, "not_authenticated")
    assert not Organization.objects.filter(name="错误测试企业").exists()


def test_valid_token(users: dict[str, User], client: Any, bearer: Any) -> None:
    response = client.get(API, **bearer(users["qiye"]))
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == ["重庆潼南古溪食品有限公司"]
    token = ApiToken.objects.filter(user=users["qiye"]).latest("created_at")
    assert token.last_used_at is not None


def _token_auth(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_invalid_token(client: Any) -> None:
    body = assert_error_body(client.get(API, **_token_auth("tdu_not-a-real-token")), 401, "token_invalid")
    assert body["message"] == "令牌无效"
    event = SecurityEvent.objects.get(kind=EventKind.TOKEN_REJECTED)
    assert event.detail == "token_invalid"
    assert event.path == API


def test_expired_token(users: dict[str, User], client: Any) -> None:
    issued = create_token(None, users["guxi"], days=1)
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    body = assert_error_body(client.get(API, **_token_auth(issued.key)), 401, "token_expired")
    assert body["message"] == "令牌已过期,请重新申请"
    assert SecurityEvent.objects.filter(kind=EventKind.TOKEN_REJECTED, detail="token_expired").exists()


def test_revoked_token(users: dict[str, User], client: Any) -> None:
    issued = create_token(None, users["guxi"])
    assert client.get(API, **_token_auth(issued.key)).status_code == 200
    revoke_token(users["guxi"], issued.token)
    assert_error_body(client.get(API, **_token_auth(issued.key)), 401, "token_revoked")
    mach = Organization.objects.get(name="重庆古溪机械制造有限公司")
    assert_error_body(
        client.patch(f"{API}/{mach.pk}", {"phone": "1"}, content_type=JSON, **_token_auth(issued.key)),
        401,
        "token_revoked",
    )
    mach.refresh_from_db()
    assert mach.phone == ""


def test_token_of_inactive_user(users: dict[str, User], client: Any) -> None:
    issued = create_token(None, users["yezhu"])
    User.objects.filter(pk=users["yezhu"].pk).update(is_active=False)
    assert_error_body(client.get(API, **_token_auth(issued.key)), 401, "user_inactive")


def test_tokens_issued_and_revoked_through_api(users: dict[str, User], client_for: Any, client: Any) -> None:
    issued = client_for(users["guxi"]).post("/api/v1/tokens", {"name": "接口测试"}, content_type=JSON)
    assert issued.status_code == 201, issued.content
    key, token_id = issued.json()["key"], issued.json()["token"]["id"]
    assert key.startswith("tdu_")
    assert client.get(API, **_token_auth(key)).json()["count"] == 3  # guxi's township
    revoked = client.delete(f"/api/v1/tokens/{token_id}", **_token_auth(key))
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    assert_error_body(client.get(API, **_token_auth(key)), 401, "token_revoked")


# --- CSRF for session-authenticated writes -------------------------------------------------------


def test_session_write_without_csrf_token_is_rejected(users: dict[str, User]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["guxi"])
    body = assert_error_body(client.post(API, new_org(), content_type=JSON), 403, "permission_denied")
    assert body["errors"] == []
    mach = Organization.objects.get(name="重庆古溪机械制造有限公司")
    assert_error_body(
        client.patch(f"{API}/{mach.pk}", {"phone": "1"}, content_type=JSON), 403, "permission_denied"
    )
    assert not Organization.objects.filter(name="错误测试企业").exists()
    mach.refresh_from_db()
    assert mach.phone == ""
    assert (
        SecurityEvent.objects.filter(
            kind=EventKind.PERMISSION_DENIED, username="guxi", detail__contains="CSRF"
        ).count()
        == 2
    )
    # Reads need no CSRF token.
    assert client.get(API).status_code == 200


def test_session_write_with_csrf_token_is_accepted(users: dict[str, User]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["guxi"])
    client.get("/orgs/new/")  # any form page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(API, new_org(), content_type=JSON, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content
    wrong = client.post(API, new_org(name="另一个"), content_type=JSON, HTTP_X_CSRFTOKEN="x" * 32)
    assert wrong.status_code == 403


def test_token_writes_need_no_csrf_token(users: dict[str, User], bearer: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(API, new_org(), content_type=JSON, **bearer(users["guxi"]))
    assert response.status_code == 201, response.content


def test_web_form_post_without_csrf_token_is_rejected(users: dict[str, User]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["guxi"])
    response = client.post(
        "/orgs/new/", {"name": "错误测试企业", "kind": "enterprise", "region_code": GUXI_CODE}
    )
    assert response.status_code == 403
    assert not Organization.objects.filter(name="错误测试企业").exists()


# --- Pagination ----------------------------------------------------------------------------------


def test_pagination_shape(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["leader"])
    total = client.get(f"{API}?page_size=200").json()["count"]
    body = client.get(f"{API}?page=2&page_size=10").json()
    assert set(body) == {"count", "page", "page_size", "results"}
    assert (body["count"], body["page"], body["page_size"], len(body["results"])) == (total, 2, 10, 10)
    default = client.get(API).json()
    assert default["page"] == 1 and default["page_size"] == 50
    assert len(default["results"]) == min(total, 50)
    beyond = client.get(f"{API}?page=1000&page_size=10").json()
    assert beyond["count"] == total and beyond["results"] == []


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("page_size=201", "page_size", "number_too_large"),
        ("page_size=0", "page_size", "too_small"),
        ("page=0", "page", "too_small"),
        ("page=abc", "page", "not_an_integer"),
    ],
)
def test_pagination_limits(
    users: dict[str, User], client_for: Any, query: str, field: str, code: str
) -> None:
    body = assert_error_body(client_for(users["leader"]).get(f"{API}?{query}"), 422, "validation_error")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(field, code)]


@pytest.mark.parametrize("auth", ["session", "token"])
def test_constant_queries_per_page(users: dict[str, User], client_for: Any, bearer: Any, auth: str) -> None:
    admin = users["admin"]
    for i in range(60):
        services.create_organization(
            admin,
            name=f"分页测试企业{i:02d}",
            kind="enterprise",
            region_code=GUXI_CODE,
            leader_id=users["guxi"].pk,
        )
    if auth == "session":
        client, headers = client_for(users["leader"]), {}
    else:
        client, headers = Client(), bearer(users["leader"])
    client.get(f"{API}?page_size=1", **headers)  # warm up (session, token last-used stamp)
    enterprises = Organization.objects.restrict(users["leader"]).filter(kind="enterprise").count()

    counts = {}
    for size in (5, 50, 200):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}?kind=enterprise&page_size={size}", **headers)
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(size, enterprises)
        counts[size] = len(queries)
    assert counts[5] == counts[50] == counts[200], counts
    assert counts[50] <= 6, counts
