"""The audit trail: who changed what, from which request, before/after; append-only on both databases."""

from __future__ import annotations

import io
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.db import DatabaseError, connection, transaction
from openpyxl import load_workbook

from tiaodu.accounts.models import User
from tiaodu.audit.choices import EventKind
from tiaodu.audit.guards import AppendOnlyError
from tiaodu.audit.models import SecurityEvent
from tiaodu.audit.services import describe_changes, record_event
from tiaodu.orgs import services
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

GUXI_CODE = "500152103"
MACH = "重庆古溪机械制造有限公司"


def org(name: str) -> Organization:
    return Organization.objects.get(name=name)


def entries(obj: Any) -> Any:
    return LogEntry.objects.get_for_object(obj).order_by("-pk")


def latest(obj: Any) -> LogEntry:
    return entries(obj).first()


# --- Recording --------------------------------------------------------------------------------


def test_web_create_and_update_are_recorded(users: dict[str, User], client_for: Any) -> None:
    guxi = users["guxi"]
    client = client_for(guxi)
    response = client.post(
        "/orgs/new/",
        {
            "name": "古溪审计测试企业",
            "kind": "enterprise",
            "region_code": GUXI_CODE,
            "phone": "023-1",
            "is_active": "on",
        },
        REMOTE_ADDR="10.20.30.40",
        HTTP_X_REQUEST_ID="req-web-create-0001",
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-web-create-0001"
    created = org("古溪审计测试企业")
    entry = entries(created).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == guxi
    assert entry.cid == "req-web-create-0001"
    assert entry.remote_addr == "10.20.30.40"
    assert entry.changes_dict["name"] == [None, "古溪审计测试企业"]
    assert entry.changes_dict["phone"] == [None, "023-1"]
    rows = {field: (before, after) for field, before, after in describe_changes(entry)}
    assert rows["名称"] == ("", "古溪审计测试企业")
    assert rows["类型"] == ("", "企业")
    assert rows["所属地区"] == ("", "古溪镇")
    assert "children" not in rows and "users" not in rows  # no reverse-relation noise

    response = client.post(
        f"/orgs/{created.pk}/edit/",
        {
            "name": "古溪审计测试企业",
            "kind": "enterprise",
            "region_code": GUXI_CODE,
            "phone": "023-2",
            "is_active": "on",
        },
        REMOTE_ADDR="10.20.30.41",
    )
    assert response.status_code == 302
    update = latest(created)
    assert update.action == LogEntry.Action.UPDATE
    assert update.actor == guxi
    assert update.cid == response["X-Request-ID"]
    assert len(update.cid) >= 8 and update.cid != "req-web-create-0001"
    assert update.remote_addr == "10.20.30.41"
    assert update.changes_dict == {"phone": ["023-1", "023-2"]}
    assert describe_changes(update) == [("联系电话", "023-1", "023-2")]


def test_malformed_request_id_is_replaced(users: dict[str, User], client_for: Any) -> None:
    target = org(MACH)
    response = client_for(users["guxi"]).patch(
        f"/api/v1/organizations/{target.pk}",
        {"phone": "023-3"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="bad id; <script>",
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] != "bad id; <script>"
    assert latest(target).cid == response["X-Request-ID"]


def test_api_session_writes_are_recorded(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["guxi"])
    response = client.post(
        "/api/v1/organizations",
        {"name": "API审计企业", "kind": "enterprise", "region_code": GUXI_CODE},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.status_code == 201
    created = org("API审计企业")
    entry = entries(created).get()
    assert (entry.action, entry.actor, entry.cid, entry.remote_addr) == (
        LogEntry.Action.CREATE,
        users["guxi"],
        response["X-Request-ID"],
        "10.0.0.7",
    )
    response = client.patch(
        f"/api/v1/organizations/{created.pk}",
        {"name": "API审计企业(改)", "is_active": False},
        content_type="application/json",
    )
    update = latest(created)
    assert update.cid == response["X-Request-ID"]
    assert update.changes_dict == {"name": ["API审计企业", "API审计企业(改)"], "is_active": [True, False]}


def test_token_writes_are_attributed_to_token_user(users: dict[str, User], client: Any, bearer: Any) -> None:
    target = org(MACH)
    response = client.patch(
        f"/api/v1/organizations/{target.pk}",
        {"address": "古溪镇工业园"},
        content_type="application/json",
        REMOTE_ADDR="192.0.2.5",
        **bearer(users["guxi"]),
    )
    assert response.status_code == 200, response.content
    entry = latest(target)
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == users["guxi"]
    assert entry.cid == response["X-Request-ID"]
    assert entry.remote_addr == "192.0.2.5"
    assert entry.changes_dict == {"address": ["", "古溪镇工业园"]}

    # Another token, another user: each write carries its own actor.
    food = org("重庆潼南古溪食品有限公司")
    client.patch(
        f"/api/v1/organizations/{food.pk}",
        {"phone": "023-9"},
        content_type="application/json",
        **bearer(users["qiye"]),
    )
    assert latest(food).actor == users["qiye"]


def test_service_calls_without_request_are_recorded_as_system(users: dict[str, User]) -> None:
    created = services.create_organization(None, name="命令行企业", kind="enterprise", region_code=GUXI_CODE)
    entry = entries(created).get()
    assert entry.actor is None and entry.cid is None and entry.remote_addr is None


def test_delete_is_recorded(users: dict[str, User]) -> None:
    created = services.create_organization(None, name="待删除企业", kind="enterprise", region_code=GUXI_CODE)
    pk = created.pk
    created.delete()
    deleted = LogEntry.objects.filter(
        content_type__app_label="orgs", content_type__model="organization", object_pk=str(pk)
    ).order_by("-pk")
    assert deleted[0].action == LogEntry.Action.DELETE
    assert deleted[0].object_repr == "待删除企业"


def test_failed_writes_leave_no_log_entry(users: dict[str, User], client_for: Any) -> None:
    target = org(MACH)
    count = entries(target).count()
    client = client_for(users["guxi"])
    dup = client.patch(
        f"/api/v1/organizations/{target.pk}",
        {"phone": "1", "code": "91500152MA5U00001F"},
        content_type="application/json",
    )
    assert dup.status_code == 409
    moved = client.patch(
        f"/api/v1/organizations/{target.pk}", {"region_code": "500152107"}, content_type="application/json"
    )
    assert moved.status_code == 403
    assert entries(target).count() == count


# --- Showing and exporting the history ---------------------------------------------------------


def _make_history(users: dict[str, User], client_for: Any) -> tuple[Organization, str]:
    target = org(MACH)
    response = client_for(users["guxi"]).patch(
        f"/api/v1/organizations/{target.pk}",
        {"phone": "023-45678901", "short_name": "古溪机械"},
        content_type="application/json",
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 200
    return target, response["X-Request-ID"]


def test_history_page_shows_changes(users: dict[str, User], client_for: Any) -> None:
    target, request_id = _make_history(users, client_for)
    response = client_for(users["leader"]).get(f"/orgs/{target.pk}/changes/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "变更记录" in page
    assert "古溪镇干部(guxi)" in page
    assert "修改" in page and "新增" in page
    assert '<td>联系电话</td><td class="text-muted"></td><td>023-45678901</td>' in page
    assert '<td>简称</td><td class="text-muted"></td><td>古溪机械</td>' in page
    assert request_id in page
    assert "orgs.Organization.None" not in page
    # Newest first: the change precedes the creation.
    assert page.index("023-45678901") < page.index(MACH, page.index("<tbody>"))


def test_history_export_is_real_xlsx(users: dict[str, User], client_for: Any) -> None:
    target, request_id = _make_history(users, client_for)
    response = client_for(users["guxi"]).get(f"/orgs/{target.pk}/changes/?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == f'attachment; filename="changes-organization-{target.pk}.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content))["变更记录"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "时间",
        "操作人",
        "操作",
        "对象类型",
        "对象",
        "字段",
        "修改前",
        "修改后",
        "请求编号",
        "IP地址",
    )
    changed = {r[5]: r for r in rows[1:] if r[8] == request_id}
    assert set(changed) == {"联系电话", "简称"}
    phone = changed["联系电话"]
    assert phone[1:5] == ("古溪镇干部(guxi)", "修改", "组织机构", MACH)
    assert (phone[6] or "", phone[7]) == ("", "023-45678901")
    assert phone[9] == "10.9.8.7"
    created = [r for r in rows[1:] if r[2] == "新增"]
    assert created and created[0][1] == "系统"  # the demo loader
    assert "名称" in {r[5] for r in created}


def test_admin_change_log_pages(users: dict[str, User], client_for: Any) -> None:
    _target, request_id = _make_history(users, client_for)
    client = client_for(users["admin"])
    response = client.get("/audit/?actor=guxi")
    assert response.status_code == 200
    page = response.content.decode()
    assert request_id in page and "联系电话: 空 → 023-45678901" in page

    export = client.get("/audit/?actor=guxi&export=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "时间"
    assert {r[8] for r in rows[1:]} == {request_id}

    client_for(users["guxi"]).get(f"/orgs/{org('重庆玉溪新材料有限公司').pk}/")  # a denied attempt
    events = client.get("/audit/events/?kind=permission_denied&username=guxi")
    assert events.status_code == 200
    assert "越权访问" in events.content.decode()
    assert "查看 组织机构" in events.content.decode()

    api = client.get("/api/v1/audit/changes?actor=guxi").json()
    assert api["count"] == 1 and api["results"][0]["request_id"] == request_id
    assert api["results"][0]["remote_addr"] == "10.9.8.7"
    api = client.get("/api/v1/audit/events?kind=permission_denied&username=guxi").json()
    assert api["count"] == 1 and api["results"][0]["kind_label"] == "越权访问"


@pytest.mark.parametrize("username", ["leader", "jxw", "guxi", "squad1", "qiye", "yezhu"])
@pytest.mark.parametrize("url", ["/audit/", "/audit/events/", "/audit/?export=xlsx"])
def test_audit_pages_are_admin_only(users: dict[str, User], client_for: Any, username: str, url: str) -> None:
    response = client_for(users[username]).get(url)
    assert response.status_code == 403
    assert "此次访问已记入审计日志" in response.content.decode()
    event = SecurityEvent.objects.get(kind=EventKind.PERMISSION_DENIED, username=username)
    assert event.path == url
    assert event.request_id == response["X-Request-ID"]


@pytest.mark.parametrize("url", ["/api/v1/audit/changes", "/api/v1/audit/events"])
def test_audit_api_is_admin_only(users: dict[str, User], client_for: Any, url: str) -> None:
    response = client_for(users["leader"]).get(url)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert SecurityEvent.objects.filter(kind=EventKind.PERMISSION_DENIED, username="leader").exists()
    assert client_for(users["admin"]).get(url).status_code == 200


def test_audit_pages_need_login(client: Any) -> None:
    response = client.get("/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- Append-only --------------------------------------------------------------------------------


@pytest.fixture
def log_rows(users: dict[str, User]) -> tuple[LogEntry, SecurityEvent]:
    services.update_organization(users["admin"], org(MACH).pk, phone="023-0")
    event = record_event(EventKind.PERMISSION_DENIED, user=users["guxi"], detail="test")
    return latest(org(MACH)), event


def test_log_entry_is_append_only_in_application(log_rows: tuple[LogEntry, SecurityEvent]) -> None:
    # (Each attempt runs in its own atomic block: the refused delete breaks the surrounding transaction.)
    entry, _event = log_rows
    entry.object_repr = "篡改"
    with pytest.raises(AppendOnlyError), transaction.atomic():
        entry.save()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        entry.delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).delete()
    assert LogEntry.objects.get(pk=entry.pk).object_repr == MACH


def test_security_event_is_append_only_in_application(log_rows: tuple[LogEntry, SecurityEvent]) -> None:
    _entry, event = log_rows
    event.detail = "篡改"
    with pytest.raises(RuntimeError), transaction.atomic():
        event.save()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        event.delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        SecurityEvent.objects.filter(pk=event.pk).delete()
    assert SecurityEvent.objects.get(pk=event.pk).detail == "test"


@pytest.mark.parametrize("model", [LogEntry, SecurityEvent], ids=["logentry", "securityevent"])
def test_database_refuses_update(log_rows: tuple[LogEntry, SecurityEvent], model: Any) -> None:
    row = log_rows[0] if model is LogEntry else log_rows[1]
    table = connection.ops.quote_name(model._meta.db_table)
    column = "object_repr" if model is LogEntry else "detail"
    # QuerySet.update() skips the model's signals and save(): only the database can stop it.
    with pytest.raises(DatabaseError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{column: "篡改"})
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", ["篡改", row.pk])  # noqa: S608
    assert getattr(model.objects.get(pk=row.pk), column) != "篡改"


@pytest.mark.parametrize("model", [LogEntry, SecurityEvent], ids=["logentry", "securityevent"])
def test_database_refuses_delete(log_rows: tuple[LogEntry, SecurityEvent], model: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite refuses deletes in the application only (its TRUNCATE is a DELETE)")
    row = log_rows[0] if model is LogEntry else log_rows[1]
    table = connection.ops.quote_name(model._meta.db_table)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [row.pk])  # noqa: S608
    assert model.objects.filter(pk=row.pk).exists()
