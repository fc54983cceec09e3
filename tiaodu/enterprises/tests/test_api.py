"""/api/v1/enterprises: the registry, visits, needs, services and appeals through the scope."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tiaodu.accounts.models import User
from tiaodu.cases.models import Case
from tiaodu.cases.tests.factories import GUXI, YUXI, credit_code, enterprise, qiye_enterprise, yuxi_enterprise
from tiaodu.enterprises import services
from tiaodu.enterprises.models import Enterprise, Need, ServiceRecord, Visit
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

API = "/api/v1/enterprises"
JSON = "application/json"


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code and body["message"]
    return body


def field_codes(body: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["code"] for e in body["errors"]}


@pytest.fixture
def api(users: dict[str, User], bearer: Any) -> Any:
    class As:
        def __init__(self, name: str) -> None:
            self.client, self.headers = Client(), bearer(users[name])

        def get(self, path: str, **query: Any) -> Any:
            return self.client.get(path, query, **self.headers)

        def post(self, path: str, data: Any) -> Any:
            return self.client.post(path, data, content_type=JSON, **self.headers)

        def patch(self, path: str, data: Any) -> Any:
            return self.client.patch(path, data, content_type=JSON, **self.headers)

    return As


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def world() -> dict[str, Any]:
    """In each of 古溪镇 and 玉溪镇: an enterprise with a visit (with an appeal), a need and a service."""
    made: dict[str, Any] = {}
    for town, owner in (("guxi", qiye_enterprise()), ("yuxi", yuxi_enterprise())):
        visit = services.record_visit(None, owner, date(2025, 5, 6), "走访组", "了解生产经营情况")
        made[town] = {
            "enterprise": owner,
            "visit": visit,
            "appeal": services.raise_appeal(None, owner, "用工", "缺焊工", date(2025, 5, 6), visit=visit),
            "need": services.record_need(
                None, owner, services.NeedInput("labour", date(2025, 5, 6), people=30)
            ),
            "service": services.record_service(
                None, owner, kind="pass", served_on=date(2025, 5, 7), quantity=3
            ),
        }
    return made


# --- The scope on every list and detail -----------------------------------------------------------

PATHS = {
    "enterprise": (API, "{api}/{id}"),
    "visit": (f"{API}/visits", "{api}/visits/{id}"),
    "need": (f"{API}/needs", None),
    "service": (f"{API}/services", None),
    "appeal": (None, "/api/v1/cases/{id}"),
}


@pytest.mark.parametrize("kind", sorted(PATHS))
def test_towns_and_enterprises_see_only_their_own(kind: str, api: Any, world: dict[str, Any]) -> None:
    list_path, detail_path = PATHS[kind]
    for user, own, other in (("guxi", "guxi", "yuxi"), ("yuxi", "yuxi", "guxi"), ("qiye", "guxi", "yuxi")):
        mine, theirs = world[own][kind].pk, world[other][kind].pk
        if list_path:
            seen = ids(api(user).get(list_path, page_size=200))
            assert mine in seen and theirs not in seen, (user, kind)
        if detail_path:
            assert api(user).get(detail_path.format(api=API, id=mine)).status_code == 200
            error(api(user).get(detail_path.format(api=API, id=theirs)), 404, "not_found")
    if list_path:
        assert {world["guxi"][kind].pk, world["yuxi"][kind].pk} <= ids(
            api("leader").get(list_path, page_size=200)
        )


def test_town_lists_never_leave_the_township(api: Any, world: dict[str, Any]) -> None:
    guxi = api("guxi")
    assert {r["township_code"] for r in guxi.get(API, page_size=200).json()["results"]} == {GUXI}
    visits = guxi.get(f"{API}/visits", page_size=200).json()["results"]
    owners = {r["enterprise_id"] for r in visits}
    assert set(Enterprise.objects.filter(pk__in=owners).values_list("township__code", flat=True)) == {GUXI}
    # The enterprise user sees exactly its own enterprise.
    assert ids(api("qiye").get(API, page_size=200)) == {world["guxi"]["enterprise"].pk}
    rows = api("qiye").get(f"{API}/{world['guxi']['enterprise'].pk}/appeals", page_size=200).json()["results"]
    assert world["guxi"]["appeal"].pk in {r["id"] for r in rows}
    assert {r["submitter_org_id"] for r in rows} == {world["guxi"]["enterprise"].organization_id}
    error(api("qiye").get(f"{API}/{world['yuxi']['enterprise'].pk}/appeals"), 404, "not_found")
    error(api("guxi").get(f"{API}/{world['yuxi']['enterprise'].pk}/appeals"), 404, "not_found")


# --- The registry ---------------------------------------------------------------------------------


def new(**overrides: Any) -> dict[str, Any]:
    return {
        "credit_code": credit_code(100),
        "name": "重庆甲乙测试农业有限公司",
        "township": GUXI,
        **overrides,
    }


def test_create_and_read(api: Any, users: dict[str, User]) -> None:
    squad = Organization.objects.get(name="重点项目服务一专班")
    # 古溪镇 does not see the district's squads; the administrator registers that link.
    body = error(api("guxi").post(API, new(squad_id=squad.pk)), 422, "validation_error")
    assert field_codes(body) == {"squad_id": "squad_unknown"}
    response = api("admin").post(
        API,
        new(
            credit_code=credit_code(100).lower(),
            township="古溪镇",
            industry_code="A01",
            is_above_scale=True,
            is_key=True,
            output_tier="100m",
            contact_name="王经理",
            squad_id=squad.pk,
        ),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["credit_code"] == credit_code(100)
    assert (body["township_code"], body["township_name"]) == (GUXI, "古溪镇")
    assert (body["is_above_scale"], body["is_key"], body["output_tier"], body["output_tier_label"]) == (
        True,
        True,
        "100m",
        "亿元以上",
    )
    assert body["squad_id"] == squad.pk
    assert Organization.objects.get(pk=body["organization_id"]).code == credit_code(100)
    assert api("guxi").get(f"{API}/{body['id']}").json() == body
    assert api("squad1").get(f"{API}/{body['id']}").status_code == 200  # the squad serves it
    error(api("guxi").post(API, new()), 409, "enterprise_exists")


def test_create_errors_change_nothing(api: Any) -> None:
    before = Enterprise.objects.count(), Organization.objects.count()
    guxi = api("guxi")
    wrong = credit_code(101)[:17] + ("0" if credit_code(101)[17] != "0" else "1")
    assert field_codes(error(guxi.post(API, new(credit_code=wrong)), 422, "validation_error")) == {
        "credit_code": "credit_code_invalid"
    }
    assert field_codes(error(guxi.post(API, new(credit_code="9150")), 422, "validation_error")) == {
        "credit_code": "credit_code_length"
    }
    assert field_codes(error(guxi.post(API, new(township="火星镇")), 422, "validation_error")) == {
        "township": "township_unknown"
    }
    assert field_codes(error(guxi.post(API, new(output_tier="huge")), 422, "validation_error")) == {
        "output_tier": "invalid_choice"
    }
    assert field_codes(error(guxi.post(API, new(industry_code="12345X")), 422, "validation_error")) == {
        "industry_code": "industry_code_invalid"
    }
    body = error(guxi.post(API, {"township": GUXI}), 422, "validation_error")
    assert field_codes(body) == {"credit_code": "required", "name": "required"}
    body = error(guxi.post(API, new(liaison_leader_id=999999999)), 422, "validation_error")
    assert field_codes(body) == {"liaison_leader_id": "liaison_leader_unknown"}
    error(guxi.post(API, new(township=YUXI)), 403, "permission_denied")
    error(api("jxw").post(API, new()), 403, "permission_denied")
    error(api("qiye").post(API, new()), 403, "permission_denied")
    assert (Enterprise.objects.count(), Organization.objects.count()) == before


def test_registering_a_code_held_outside_the_scope_discloses_nothing(api: Any) -> None:
    """Issue 13 (oracle): a code registered in another township or district, or held by an
    organisation the caller cannot see, gets one answer that names nothing and says neither
    "registered" nor where; roles that may not register are refused before the code is looked at."""
    from tiaodu.audit.choices import EventKind
    from tiaodu.audit.models import SecurityEvent
    from tiaodu.orgs.choices import OrgKind

    yuxi_firm = enterprise(credit_code(120), YUXI, "重庆玉溪甲测试材料有限公司")
    rongchang = enterprise(credit_code(121, "500153"), "500153001", "重庆中渝包装测试有限公司")
    rc_owner = Organization.objects.create(
        name="荣昌测试项目业主有限公司",
        kind=OrgKind.OWNER,
        code=credit_code(122, "500153"),
        region=rongchang.township,
    )
    own = enterprise(credit_code(124), GUXI, "重庆古溪乙测试机械有限公司")
    before = Enterprise.objects.count(), Organization.objects.count()
    denied = SecurityEvent.objects.filter(kind=EventKind.PERMISSION_DENIED).count()
    guxi = api("guxi")
    bodies = []
    for code, name in (
        (yuxi_firm.credit_code, yuxi_firm.name),
        (rongchang.credit_code, rongchang.name),
        (rc_owner.code, rc_owner.name),
    ):
        body = error(guxi.post(API, new(credit_code=code)), 409, "credit_code_unavailable")
        text = str(body)
        assert name not in text and "玉溪" not in text and "荣昌" not in text and "已登记" not in text
        bodies.append(body)
    assert bodies[0] == bodies[1] == bodies[2]
    assert field_codes(bodies[0]) == {"credit_code": "credit_code_unavailable"}
    assert SecurityEvent.objects.filter(kind=EventKind.PERMISSION_DENIED).count() == denied + 3
    # Roles that may not register enterprises learn nothing from the code either.
    for user in ("qiye", "leader", "jxw", "yezhu"):
        assert error(api(user).post(API, new(credit_code=rongchang.credit_code)), 403, "permission_denied")
        assert error(api(user).post(API, new(credit_code=credit_code(123))), 403, "permission_denied")
    # A code the caller can see is still "registered": it can open that enterprise.
    error(guxi.post(API, new(credit_code=own.credit_code)), 409, "enterprise_exists")
    assert (Enterprise.objects.count(), Organization.objects.count()) == before
    assert api("admin").post(API, new(credit_code=rongchang.credit_code)).status_code == 409


def test_list_filters(api: Any) -> None:
    a = enterprise(credit_code(110), GUXI, "重庆甲乙测试规上有限公司", is_above_scale=True)
    b = enterprise(credit_code(111), GUXI, "重庆甲乙测试重点有限公司", is_key=True)
    c = enterprise(credit_code(112), YUXI, "重庆甲乙测试玉溪有限公司")
    leader = api("leader")

    def only(**query: Any) -> set[int]:
        return ids(leader.get(API, page_size=200, **query)) & {a.pk, b.pk, c.pk}

    assert only(q="甲乙测试") == {a.pk, b.pk, c.pk}
    assert only(q=credit_code(111)[-8:].lower()) == {b.pk}
    assert only(township=GUXI) == {a.pk, b.pk}
    assert only(township=YUXI) == {c.pk}
    assert only(township="500152") == {a.pk, b.pk, c.pk}
    assert only(is_above_scale="true") == {a.pk}
    assert only(is_above_scale="false") == {b.pk, c.pk}
    assert only(is_key="true") == {b.pk}
    body = leader.get(API, q="甲乙测试", page_size=2).json()
    assert (body["count"], body["page"], body["page_size"], len(body["results"])) == (3, 1, 2, 2)
    assert [r["name"] for r in body["results"]] == sorted(r["name"] for r in body["results"])
    error(leader.get(API, page_size=500), 422, "validation_error")


def test_patch(api: Any, users: dict[str, User]) -> None:
    own = enterprise(credit_code(120), GUXI, "重庆甲乙测试修改有限公司")
    url = f"{API}/{own.pk}"
    body = (
        api("guxi")
        .patch(url, {"contact_phone": "023-44551234", "is_key": True, "liaison_leader_id": None})
        .json()
    )
    assert (body["contact_phone"], body["is_key"], body["name"]) == (
        "023*****1234",  # masked in every answer
        True,
        "重庆甲乙测试修改有限公司",
    )
    body = api("guxi").patch(url, {"name": "重庆甲乙测试改名有限公司"}).json()
    assert Organization.objects.get(pk=body["organization_id"]).name == "重庆甲乙测试改名有限公司"
    # Moving it out of the township, changing it from elsewhere or as the enterprise: refused.
    error(api("guxi").patch(url, {"township": YUXI}), 403, "permission_denied")
    assert Enterprise.objects.get(pk=own.pk).township.code == GUXI
    error(api("yuxi").patch(url, {"contact_name": "李四"}), 404, "not_found")
    error(api("leader").patch(url, {"contact_name": "李四"}), 403, "permission_denied")
    assert field_codes(error(api("guxi").patch(url, {"name": None}), 422, "validation_error")) == {
        "name": "required"
    }
    assert Enterprise.objects.get(pk=own.pk).contact_name == ""
    qiye = qiye_enterprise()
    error(api("qiye").patch(f"{API}/{qiye.pk}", {"contact_name": "张三"}), 403, "permission_denied")


# --- Visits, needs, services ----------------------------------------------------------------------


def test_visit_with_appeals(api: Any, users: dict[str, User]) -> None:
    owner = qiye_enterprise()
    response = api("guxi").post(
        f"{API}/visits",
        {
            "enterprise_id": owner.pk,
            "visited_on": "2025-06-03",
            "visitors": "张镇长、李干部",
            "record": "企业反映用工和融资困难",
            "appeals": [
                {"category": "用工", "content": "缺普工50人"},
                {"category": "financing", "content": "流动资金缺口500万元"},
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["enterprise_name"], body["visiting_org_id"]) == (owner.name, users["guxi"].organization_id)
    cases = Case.objects.filter(pk__in=body["case_ids"]).order_by("pk")
    assert [(c.category.code, c.source, c.raised_on) for c in cases] == [
        ("labour", "走访", date(2025, 6, 3)),
        ("financing", "走访", date(2025, 6, 3)),
    ]
    assert api("guxi").get(f"{API}/visits/{body['id']}").json() == body
    listed = api("guxi").get(
        f"{API}/visits", enterprise=owner.pk, date_from="2025-06-03", date_to="2025-06-03"
    )
    assert ids(listed) == {body["id"]}
    assert ids(api("guxi").get(f"{API}/visits", q="融资困难", enterprise=owner.pk)) == {body["id"]}
    assert ids(api("guxi").get(f"{API}/visits", township=YUXI, enterprise=owner.pk)) == set()


def test_visit_errors_change_nothing(api: Any) -> None:
    owner, other = qiye_enterprise(), yuxi_enterprise()
    before = Visit.objects.count(), Case.objects.count()
    url = f"{API}/visits"
    good = {"enterprise_id": owner.pk, "visited_on": "2025-06-03", "visitors": "走访组"}
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert field_codes(
        error(api("guxi").post(url, {**good, "visited_on": tomorrow}), 422, "validation_error")
    ) == {"visited_on": "date_in_future"}
    assert field_codes(error(api("guxi").post(url, {**good, "visitors": ""}), 422, "validation_error")) == {
        "visitors": "too_short"
    }
    body = error(api("guxi").post(url, {**good, "enterprise_id": other.pk}), 422, "validation_error")
    assert field_codes(body) == {"enterprise_id": "enterprise_unknown"}
    # One bad appeal and the whole visit is refused.
    bad = {
        **good,
        "appeals": [{"category": "用工", "content": "缺人"}, {"category": "天气", "content": "下雨"}],
    }
    assert field_codes(error(api("guxi").post(url, bad), 422, "validation_error")) == {
        "appeals.1.category": "category_unknown"
    }
    error(api("qiye").post(url, good), 403, "permission_denied")
    assert (Visit.objects.count(), Case.objects.count()) == before


def test_needs(api: Any) -> None:
    owner = qiye_enterprise()
    appeal = services.raise_appeal(None, owner, "融资", "缺资金", date(2025, 2, 3))
    response = api("guxi").post(
        f"{API}/needs",
        {
            "enterprise_id": owner.pk,
            "kind": "financing",
            "raised_on": "2025-02-03",
            "amount_wan": 4600.5,
            "description": "流动资金贷款",
            "case_id": appeal.pk,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["kind_label"], body["amount_wan"], body["case_id"]) == (
        "financing",
        "融资",
        4600.5,
        appeal.pk,
    )

    def listed(user: str = "guxi", **query: Any) -> bool:
        return body["id"] in ids(api(user).get(f"{API}/needs", enterprise=owner.pk, page_size=200, **query))

    assert listed(kind="financing") and listed(township=GUXI) and listed(date_to="2025-02-03")
    assert not listed(kind="labour") and not listed(date_from="2025-02-04") and not listed("yuxi")
    before = Need.objects.count()
    base = {"enterprise_id": owner.pk, "kind": "labour", "raised_on": "2025-02-03"}
    error(api("guxi").post(f"{API}/needs", {**base, "kind": "money"}), 422, "validation_error")
    error(api("guxi").post(f"{API}/needs", {**base, "amount_wan": -1}), 422, "validation_error")
    error(api("guxi").post(f"{API}/needs", {**base, "people": -1}), 422, "validation_error")
    body = error(api("yuxi").post(f"{API}/needs", base), 422, "validation_error")
    assert field_codes(body) == {"enterprise_id": "enterprise_unknown"}
    error(api("qiye").post(f"{API}/needs", base), 403, "permission_denied")
    assert Need.objects.count() == before


def test_services(api: Any) -> None:
    owner = qiye_enterprise()
    bank = {
        "enterprise_id": owner.pk,
        "kind": "financing",
        "served_on": "2025-03-03",
        "counterpart": "重庆农村商业银行",
        "amount_wan": 34051,
        "quantity": 7,
        "unit": "笔",
    }
    response = api("jxw").post(f"{API}/services", bank)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind_label"], body["amount_wan"], body["quantity"], body["unit"]) == (
        "协调融资",
        34051.0,
        7,
        "笔",
    )
    assert body["org_id"] == Organization.objects.get(short_name="经信委", region__code="500152").pk
    listed = ids(api("guxi").get(f"{API}/services", enterprise=owner.pk, kind="financing", page_size=200))
    assert body["id"] in listed
    assert body["id"] not in ids(api("guxi").get(f"{API}/services", enterprise=owner.pk, kind="pass"))
    assert ids(api("yuxi").get(f"{API}/services", enterprise=owner.pk)) == set()
    before = ServiceRecord.objects.count()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    error(api("jxw").post(f"{API}/services", {**bank, "served_on": tomorrow}), 422, "validation_error")
    error(api("jxw").post(f"{API}/services", {**bank, "kind": "gift"}), 422, "validation_error")
    error(api("yuxi").post(f"{API}/services", bank), 422, "validation_error")
    assert ServiceRecord.objects.count() == before


# --- Appeals --------------------------------------------------------------------------------------


def test_enterprise_raises_an_appeal(api: Any, users: dict[str, User]) -> None:
    owner = qiye_enterprise()
    url = f"{API}/{owner.pk}/appeals"
    response = api("qiye").post(
        url, {"category": "原材料供应", "content": "钢材供应紧张\n请协调", "source": "平台"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["category_code"], body["title"], body["source"]) == (
        "accepted",
        "supply",
        "钢材供应紧张",
        "平台",
    )
    assert body["raised_on"] == timezone.localdate().isoformat()
    assert body["submitter_org_id"] == owner.organization_id == users["qiye"].organization_id
    assert body["id"] in ids(api("qiye").get(url))
    assert body["id"] in ids(api("qiye").get("/api/v1/cases", page_size=200))


def test_appeal_errors_change_nothing(api: Any, world: dict[str, Any]) -> None:
    own, other = world["guxi"]["enterprise"], world["yuxi"]["enterprise"]
    before = Case.objects.count()
    url = f"{API}/{own.pk}/appeals"
    qiye = api("qiye")
    assert field_codes(
        error(qiye.post(url, {"category": "天气", "content": "下雨"}), 422, "validation_error")
    ) == {"category": "category_unknown"}
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    body = error(
        qiye.post(url, {"category": "用工", "content": "缺人", "raised_on": future}), 422, "validation_error"
    )
    assert field_codes(body) == {"raised_on": "date_in_future"}
    assert field_codes(error(qiye.post(url, {"category": "用工"}), 422, "validation_error")) == {
        "content": "required"
    }
    body = error(
        api("guxi").post(url, {"category": "用工", "content": "缺人", "visit_id": world["yuxi"]["visit"].pk}),
        422,
        "validation_error",
    )
    assert field_codes(body) == {"visit_id": "visit_unknown"}
    error(
        api("guxi").post(f"{API}/{other.pk}/appeals", {"category": "用工", "content": "缺人"}),
        404,
        "not_found",
    )
    error(qiye.post(f"{API}/{other.pk}/appeals", {"category": "用工", "content": "缺人"}), 404, "not_found")
    error(api("squad1").post(url, {"category": "用工", "content": "缺人"}), 404, "not_found")
    assert Case.objects.count() == before
    # A visit of the same township but another enterprise is refused too.
    neighbour = enterprise(credit_code(130), GUXI, "重庆甲乙测试邻居有限公司")
    visit = services.record_visit(None, neighbour, date(2025, 5, 6), "走访组")
    body = error(
        api("guxi").post(url, {"category": "用工", "content": "缺人", "visit_id": visit.pk}),
        422,
        "validation_error",
    )
    assert field_codes(body) == {"visit_id": "visit_mismatch"}
    assert Case.objects.count() == before


def test_appeal_from_a_visit(api: Any, world: dict[str, Any]) -> None:
    own, visit = world["guxi"]["enterprise"], world["guxi"]["visit"]
    response = api("guxi").post(
        f"{API}/{own.pk}/appeals", {"category": "用地", "content": "扩建用地", "visit_id": visit.pk}
    )
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "走访"
    assert response.json()["id"] in api("guxi").get(f"{API}/visits/{visit.pk}").json()["case_ids"]


def test_a_policy_service_cites_its_policy_through_the_api(api: Any) -> None:
    from tiaodu.investment import libraries
    from tiaodu.regions.models import Region

    owner = qiye_enterprise()
    policy = libraries.save_policy(
        None, region=Region.objects.get(code="500152"), title="工业稳增长政策", issuer="区政府"
    )
    today = timezone.localdate().isoformat()
    body = {"enterprise_id": owner.pk, "kind": "policy", "served_on": today, "policy_id": policy.pk}
    response = api("jxw").post(f"{API}/services", body)
    assert response.status_code == 201, response.content
    assert response.json()["policy_id"] == policy.pk
    assert ServiceRecord.objects.get(pk=response.json()["id"]).policy == policy
    refused = api("jxw").post(f"{API}/services", body | {"kind": "financing"})
    assert field_codes(error(refused, 422, "validation_error"))["policy"] == "policy_not_allowed"
