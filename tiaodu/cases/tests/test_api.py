"""/api/v1/cases: lists and filters through the scope, detail with timeline and actions,
transitions, comments and attachments, with the stable error bodies."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tiaodu.accounts.models import User
from tiaodu.cases.choices import Card
from tiaodu.cases.models import Attachment, Case, CaseEvent
from tiaodu.cases.sweep import sweep
from tiaodu.cases.tests.factories import GUXI, YUXI, appeal, credit_code, qiye_enterprise, yuxi_enterprise
from tiaodu.enterprises.choices import AppealState as S
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

API = "/api/v1/cases"
JSON = "application/json"


def dept(short_name: str, district: str = "500152") -> Organization:
    return Organization.objects.get(short_name=short_name, region__code=district)


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code and body["message"]
    return body


@pytest.fixture
def api(users: dict[str, User], bearer: Any) -> Any:
    """api("guxi").get(path) — a client sending that user's API token."""

    class As:
        def __init__(self, name: str) -> None:
            self.client, self.headers = Client(), bearer(users[name])

        def get(self, path: str, **query: Any) -> Any:
            return self.client.get(path, query, **self.headers)

        def post(self, path: str, data: Any) -> Any:
            return self.client.post(path, data, content_type=JSON, **self.headers)

        def upload(self, path: str, name: str, content: bytes) -> Any:
            return self.client.post(path, {"file": SimpleUploadedFile(name, content)}, **self.headers)

    return As


@pytest.fixture
def cases(users: dict[str, User]) -> dict[str, Case]:
    """An appeal in 古溪镇 (by ``qiye``) and one in 玉溪镇."""
    return {
        "guxi": appeal(qiye_enterprise(), "other", raised_on=date(2025, 3, 3), actor=users["qiye"]),
        "yuxi": appeal(yuxi_enterprise(), "financing", raised_on=date(2025, 4, 1)),
    }


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "page", "page_size", "results"}
    return {row["id"] for row in body["results"]}


# --- Lists and the scope ---------------------------------------------------------------------------


def test_list_is_scoped(api: Any, cases: dict[str, Case]) -> None:
    mine = {cases["guxi"].pk, cases["yuxi"].pk}
    assert mine <= ids(
        api("leader").get(API, raised_from="2025-03-01", raised_to="2025-04-01", page_size=200)
    )
    assert ids(api("guxi").get(API, q=cases["guxi"].number)) == {cases["guxi"].pk}
    assert ids(api("guxi").get(API, q=cases["yuxi"].number)) == set()
    assert ids(api("yuxi").get(API, q=cases["guxi"].number)) == set()
    # A town user's whole list stays in the township; an enterprise sees only its own cases.
    for row in api("guxi").get(API, page_size=200).json()["results"]:
        assert row["region_code"].startswith(GUXI)
    for row in api("qiye").get(API, page_size=200).json()["results"]:
        assert row["submitter_org_id"] == cases["guxi"].submitter_org_id
    assert cases["guxi"].pk in ids(api("qiye").get(API, page_size=200))
    assert ids(api("squad1").get(API, q=cases["guxi"].number)) == set()


def test_list_filters(api: Any, cases: dict[str, Case]) -> None:
    leader = api("leader")
    both = {cases["guxi"].pk, cases["yuxi"].pk}

    def only(**query: Any) -> set[int]:
        return ids(leader.get(API, page_size=200, **query)) & both

    assert only(workflow="appeal") == both
    assert only(workflow="project") == set()
    assert only(state="accepted") == both
    assert only(state="resolved") == set()
    assert only(category="financing") == {cases["yuxi"].pk}
    assert only(township=GUXI) == {cases["guxi"].pk}
    assert only(township=YUXI) == {cases["yuxi"].pk}
    assert only(township="500152") == both
    assert only(township="500104") == set()  # 大渡口区
    assert only(handling_org=dept("财政局").pk) == {cases["yuxi"].pk}
    assert only(raised_from="2025-03-04") == {cases["yuxi"].pk}
    assert only(raised_to="2025-03-03") == {cases["guxi"].pk}
    assert only(is_open="true") == both
    assert only(is_open="false") == set()
    assert only(q="招工困难") == both
    sweep(timezone.localdate())
    assert only(card="none") == set()
    assert only(card="red") == both  # both are long overdue

    error(leader.get(API, card="blue"), 422, "validation_error")
    error(leader.get(API, raised_from="2025-02-30"), 422, "validation_error")
    error(leader.get(API, township="abc"), 422, "validation_error")


def test_list_row(api: Any, cases: dict[str, Case]) -> None:
    row = next(r for r in api("guxi").get(API, q=cases["guxi"].number).json()["results"])
    case = cases["guxi"]
    assert row == {
        "id": case.pk,
        "workflow": "appeal",
        "number": case.number,
        "category_id": case.category_id,
        "category_code": "other",
        "category_name": "其他",
        "title": "招工困难,缺少熟练焊工20人",
        "state": "accepted",
        "state_label": "已受理",
        "source": "",
        "region_code": GUXI,
        "region_name": "古溪镇",
        "submitter_org_id": case.submitter_org_id,
        "submitter_org_name": "重庆潼南古溪食品有限公司",
        "handling_org_id": dept("经信委").pk,
        "handling_org_name": "区经济信息委",
        "co_org_ids": [],
        "raised_on": "2025-03-03",
        "due_on": "2025-03-17",
        "is_open": True,
        "card": "none",
        "card_label": "无",
        "yellow_count": 0,
        "rating": None,
        "resolved_at": None,
        "version": 1,
    }


def test_unauthenticated(cases: dict[str, Case]) -> None:
    error(Client().get(API), 401, "not_authenticated")
    error(Client().get(API, HTTP_AUTHORIZATION="Bearer nope"), 401, "token_invalid")


def test_categories(api: Any) -> None:
    body = api("qiye").get(f"{API}/categories", workflow="appeal").json()
    assert body["count"] == 10
    by_code = {c["code"]: c for c in body["results"]}
    assert by_code["labour"]["name"] == "用工"
    assert by_code["labour"]["time_limit_days"] == 10
    assert by_code["labour"]["red_after_days"] == 5
    assert by_code["labour"]["department_id"] == dept("人社局").pk
    assert api("qiye").get(f"{API}/categories", workflow="nothing").json()["count"] == 0


# --- Detail -------------------------------------------------------------------------------------------


def test_detail_with_timeline_cards_and_actions(api: Any, cases: dict[str, Case]) -> None:
    case = cases["guxi"]
    url = f"{API}/{case.pk}"
    body = api("guxi").get(url).json()
    assert body["id"] == case.pk and body["description"] == "招工困难,缺少熟练焊工20人"
    assert [
        (e["kind"], e["action"], e["to_state"], e["to_state_label"], e["actor"]) for e in body["events"]
    ] == [("transition", "open", "accepted", "已受理", "qiye")]
    assert body["accepted_at"] and body["assigned_at"] is None
    assert body["card_records"] == [] and body["attachments"] == []
    # What each party may do at 已受理: dispatchers route it; the township and the enterprise wait.
    assert body["actions"] == []
    assert [a["action"] for a in api("leader").get(url).json()["actions"]] == ["assign"]
    assert [a["action"] for a in api("jxw").get(url).json()["actions"]] == ["assign"]
    assert api("qiye").get(url).json()["actions"] == []
    assert api("leader").get(url).json()["actions"][0] == {
        "action": "assign",
        "label": "交办",
        "target": "assigned",
        "target_label": "已交办",
        "needs_note": False,
    }

    sweep(timezone.localdate())
    body = api("qiye").get(url).json()
    assert body["card"] == "red" and body["card_label"] == "红牌"
    assert [r["card"] for r in body["card_records"]] == ["yellow", "red"]
    assert [e["kind"] for e in body["events"]][-2:] == ["card", "card"]
    assert body["events"][-1]["actor"] is None


def test_detail_outside_scope_is_not_found(api: Any, cases: dict[str, Case]) -> None:
    for user, case in (("guxi", "yuxi"), ("yuxi", "guxi"), ("squad1", "guxi")):
        error(api(user).get(f"{API}/{cases[case].pk}"), 404, "not_found")
    error(api("guxi").get(f"{API}/999999999"), 404, "not_found")
    error(api("guxi").get(f"{API}/abc"), 422, "validation_error")


# --- Transitions --------------------------------------------------------------------------------------


def test_transitions_through_the_api(api: Any, cases: dict[str, Case]) -> None:
    case = cases["guxi"]
    url = f"{API}/{case.pk}/transitions"
    rsj = dept("人社局")
    response = api("leader").post(
        url,
        {
            "action": "assign",
            "note": "请经信委牵头",
            "handling_org_id": dept("经信委").pk,
            "co_org_ids": [rsj.pk],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["state_label"], body["co_org_ids"]) == ("assigned", "已交办", [rsj.pk])
    assert body["assigned_at"] is not None
    assert body["events"][-1]["note"] == "请经信委牵头"
    assert body["actions"] == []  # the leader has nothing more to do here

    jxw = api("jxw")
    assert {a["action"] for a in jxw.get(f"{API}/{case.pk}").json()["actions"]} == {"start", "return"}
    assert jxw.post(url, {"action": "start"}).json()["state"] == "in_progress"
    body = error(jxw.post(url, {"action": "resolve"}), 422, "validation_error")
    assert body["errors"][0]["field"] == "note"
    body = jxw.post(url, {"action": "resolve", "note": "已组织专场招聘会"}).json()
    assert (body["state"], body["resolution"], body["is_open"]) == ("resolved", "已组织专场招聘会", False)

    error(api("leader").post(url, {"action": "rate", "rating": 5}), 403, "permission_denied")
    error(api("qiye").post(url, {"action": "rate", "rating": 6}), 422, "validation_error")
    error(api("qiye").post(url, {"action": "rate"}), 422, "validation_error")
    body = api("qiye").post(url, {"action": "rate", "rating": 2, "note": "还缺人"}).json()
    assert (body["state"], body["rating"], body["rating_note"]) == ("rated", 2, "还缺人")
    assert [a["action"] for a in api("leader").get(f"{API}/{case.pk}").json()["actions"]] == ["reopen"]
    body = api("leader").post(url, {"action": "reopen", "note": "企业不满意"}).json()
    assert (body["state"], body["is_open"]) == ("in_progress", True)
    assert body["reopened_at"] is not None
    assert [e["action"] for e in body["events"] if e["kind"] == "transition"] == [
        "open",
        "assign",
        "start",
        "resolve",
        "rate",
        "reopen",
    ]


def test_disallowed_transition_changes_nothing(api: Any, cases: dict[str, Case]) -> None:
    case = cases["guxi"]
    before = (Case.objects.get(pk=case.pk).updated_at, CaseEvent.objects.filter(case=case).count())
    body = error(
        api("qiye").post(f"{API}/{case.pk}/transitions", {"action": "rate", "rating": 5}),
        409,
        "transition_not_allowed",
    )
    assert "已受理" in body["message"]
    error(
        api("admin").post(f"{API}/{case.pk}/transitions", {"action": "resolve", "note": "x"}),
        409,
        "transition_not_allowed",
    )
    error(api("admin").post(f"{API}/{case.pk}/transitions", {"action": "fly"}), 409, "transition_not_allowed")
    assert (Case.objects.get(pk=case.pk).updated_at, CaseEvent.objects.filter(case=case).count()) == before
    assert Case.objects.get(pk=case.pk).state == S.ACCEPTED


def test_transition_errors(api: Any, cases: dict[str, Case]) -> None:
    url = f"{API}/{cases['guxi'].pk}/transitions"
    leader = api("leader")
    error(
        api("guxi").post(url, {"action": "assign"}), 403, "permission_denied"
    )  # the township is no dispatcher
    error(api("yuxi").post(url, {"action": "assign"}), 404, "not_found")
    body = error(leader.post(url, {}), 422, "validation_error")
    assert body["errors"] == [{"field": "action", "code": "required", "message": "此项为必填项"}]
    body = error(
        leader.post(url, {"action": "assign", "handling_org_id": 999999999}), 422, "validation_error"
    )
    assert body["errors"][0] == {
        "field": "handling_org_id",
        "code": "handling_org_unknown",
        "message": "责任部门不存在",
    }
    # A department of another district is outside the leader's scope: unknown to them.
    other = dept("经信委", "500104")
    body = error(leader.post(url, {"action": "assign", "co_org_ids": [other.pk]}), 422, "validation_error")
    assert body["errors"][0]["code"] == "co_org_unknown"
    error(leader.post(url, {"action": "assign", "co_org_ids": [0]}), 422, "validation_error")
    assert Case.objects.get(pk=cases["guxi"].pk).state == S.ACCEPTED


# --- Comments and attachments ------------------------------------------------------------------------


def test_comments(api: Any, cases: dict[str, Case]) -> None:
    url = f"{API}/{cases['guxi'].pk}/comments"
    response = api("guxi").post(url, {"note": "镇里已上门了解"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["kind_label"], body["note"], body["actor"]) == (
        "comment",
        "备注",
        "镇里已上门了解",
        "guxi",
    )
    error(api("guxi").post(url, {"note": ""}), 422, "validation_error")
    error(api("guxi").post(url, {"note": "   "}), 422, "validation_error")
    error(api("yuxi").post(url, {"note": "看看"}), 404, "not_found")
    assert api("qiye").get(f"{API}/{cases['guxi'].pk}").json()["events"][-1]["note"] == "镇里已上门了解"


def test_attachments(api: Any, cases: dict[str, Case], settings: Any) -> None:
    url = f"{API}/{cases['guxi'].pk}/attachments"
    response = api("qiye").upload(url, "用工需求.pdf", b"%PDF-1.7\n...")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["size"], body["content_type"], body["uploaded_by"]) == (
        "用工需求.pdf",
        12,
        "application/pdf",
        "qiye",
    )
    detail = api("guxi").get(f"{API}/{cases['guxi'].pk}").json()
    assert [a["name"] for a in detail["attachments"]] == ["用工需求.pdf"]
    assert detail["events"][-1]["kind"] == "attachment"

    settings.UPLOAD_MAX_BYTES = 64
    for name, content, code in (
        ("脚本.js", b"alert(1)", "file_type_not_allowed"),
        ("伪装.png", b"%PDF-1.4", "file_content_mismatch"),
        ("超大.pdf", b"%PDF-1.4" + b"0" * 100, "file_too_large"),
    ):
        body = error(api("qiye").upload(url, name, content), 422, "validation_error")
        assert body["errors"][0]["code"] == code, name
    body = error(api("qiye").client.post(url, {}, **api("qiye").headers), 422, "validation_error")
    assert body["errors"][0]["field"].endswith("file")
    error(api("yuxi").upload(url, "a.pdf", b"%PDF-1.4"), 404, "not_found")
    assert Attachment.objects.filter(case=cases["guxi"]).count() == 1


def test_card_filter_after_a_second_yellow(api: Any, users: dict[str, User]) -> None:
    today = timezone.localdate()
    case = appeal(qiye_enterprise(), "other", raised_on=today)
    Case.objects.filter(pk=case.pk).update(due_on=today - timedelta(days=1))
    sweep(today)
    rows = api("guxi").get(API, card=Card.YELLOW, q=case.number).json()["results"]
    assert [(r["id"], r["card"], r["yellow_count"]) for r in rows] == [(case.pk, "yellow", 1)]


# --- The success paths against the OpenAPI document ------------------------------------------------


@pytest.fixture
def conform(users: dict[str, User], bearer: Any) -> Any:
    """conform(user, method, path, status, **case_kwargs): call through schemathesis and validate the
    response (status documented, body matching its schema) for paths random data rarely reaches."""
    import schemathesis
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from tiaodu.wsgi import application

    checks = [
        not_a_server_error,
        status_code_conformance,
        response_schema_conformance,
        content_type_conformance,
    ]
    # The WSGI handler would close the connection (and the test's transaction) around each request,
    # loading the schema included.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

    def call(user: str, method: str, path: str, status: int, **data: Any) -> Any:
        token = bearer(users[user])["HTTP_AUTHORIZATION"]
        response = (
            schema[path][method]
            .Case(**data)
            .call_and_validate(headers={"Authorization": token}, checks=checks)
        )
        assert response.status_code == status, (method, path, response.text)
        return response.json()

    yield call
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_success_paths_conform(conform: Any, cases: dict[str, Case]) -> None:
    case = cases["guxi"]
    path = {"case_id": case.pk}
    conform("guxi", "GET", "/api/v1/cases", 200, query={"township": GUXI, "card": "none"})
    conform("guxi", "GET", "/api/v1/cases/categories", 200, query={"workflow": "appeal"})
    conform("guxi", "GET", "/api/v1/cases/{case_id}", 200, path_parameters=path)
    conform("guxi", "GET", "/api/v1/cases/{case_id}", 404, path_parameters={"case_id": cases["yuxi"].pk})
    conform(
        "leader",
        "POST",
        "/api/v1/cases/{case_id}/transitions",
        200,
        path_parameters=path,
        body={"action": "assign"},
    )
    conform(
        "qiye",
        "POST",
        "/api/v1/cases/{case_id}/transitions",
        409,
        path_parameters=path,
        body={"action": "rate"},
    )
    conform(
        "guxi", "POST", "/api/v1/cases/{case_id}/comments", 201, path_parameters=path, body={"note": "跟进"}
    )
    conform(
        "qiye",
        "POST",
        "/api/v1/cases/{case_id}/attachments",
        201,
        path_parameters=path,
        body={"file": b"%PDF-1.4 ok"},
        media_type="multipart/form-data",
    )
    sweep(timezone.localdate())
    detail = conform("qiye", "GET", "/api/v1/cases/{case_id}", 200, path_parameters=path)
    assert detail["card_records"] and detail["attachments"]

    owner = qiye_enterprise()
    e = {"enterprise_id": owner.pk}
    conform("guxi", "GET", "/api/v1/enterprises", 200, query={"township": GUXI})
    conform("guxi", "GET", "/api/v1/enterprises/{enterprise_id}", 200, path_parameters=e)
    conform(
        "guxi",
        "PATCH",
        "/api/v1/enterprises/{enterprise_id}",
        200,
        path_parameters=e,
        body={"notes": "重点跟踪"},
    )
    conform("yuxi", "GET", "/api/v1/enterprises/{enterprise_id}", 404, path_parameters=e)
    body = {"credit_code": credit_code(200), "name": "重庆甲乙测试契约有限公司", "township": GUXI}
    conform("guxi", "POST", "/api/v1/enterprises", 201, body=body)
    conform("guxi", "POST", "/api/v1/enterprises", 409, body=body)
    visit = conform(
        "guxi",
        "POST",
        "/api/v1/enterprises/visits",
        201,
        body={
            **e,
            "visited_on": "2025-06-03",
            "visitors": "走访组",
            "appeals": [{"category": "用工", "content": "缺人"}],
        },
    )
    conform(
        "guxi", "GET", "/api/v1/enterprises/visits/{visit_id}", 200, path_parameters={"visit_id": visit["id"]}
    )
    conform("guxi", "GET", "/api/v1/enterprises/visits", 200, query={"enterprise": owner.pk})
    conform(
        "guxi",
        "POST",
        "/api/v1/enterprises/needs",
        201,
        body={**e, "kind": "labour", "raised_on": "2025-06-03", "people": 5},
    )
    conform("guxi", "GET", "/api/v1/enterprises/needs", 200, query={"kind": "labour"})
    conform(
        "jxw",
        "POST",
        "/api/v1/enterprises/services",
        201,
        body={**e, "kind": "financing", "served_on": "2025-06-03", "amount_wan": 100.5},
    )
    conform("guxi", "GET", "/api/v1/enterprises/services", 200, query={"kind": "financing"})
    conform(
        "qiye",
        "POST",
        "/api/v1/enterprises/{enterprise_id}/appeals",
        201,
        path_parameters=e,
        body={"category": "用工", "content": "缺人"},
    )
    conform("qiye", "GET", "/api/v1/enterprises/{enterprise_id}/appeals", 200, path_parameters=e)
