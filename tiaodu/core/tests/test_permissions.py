"""The permission matrix: one scope decides what every role sees and changes, on every surface.

The demo district 潼南区 has enterprises in two townships: 重庆潼南古溪食品有限公司 and
重庆古溪机械制造有限公司 in 古溪镇 (user ``guxi``), 重庆玉溪新材料有限公司 in 玉溪镇 (user ``yuxi``).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import AnonymousUser
from openpyxl import load_workbook

from tiaodu.accounts.models import User
from tiaodu.audit.choices import EventKind
from tiaodu.audit.models import SecurityEvent
from tiaodu.core.errors import Forbidden, NotFound, ServiceError
from tiaodu.core.permissions import can, ensure_permitted, get_scoped
from tiaodu.orgs import services
from tiaodu.orgs.forms import OrganizationForm
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

GUXI_FOOD = "重庆潼南古溪食品有限公司"
GUXI_MACH = "重庆古溪机械制造有限公司"
YUXI_MAT = "重庆玉溪新材料有限公司"
GUXI_GOV = "古溪镇人民政府"
YUXI_GOV = "玉溪镇人民政府"
JXW = "区经济信息委"
FGW = "区发展改革委"
SQUAD_1 = "重点项目服务一专班"
SQUAD_2 = "重点项目服务二专班"
OWNER = "重庆潼南城市建设投资(集团)有限公司"
DADUKOU_GOV = "大渡口区人民政府"
DADUKOU_JXW = "大渡口/区经济信息委"

TONGNAN = "500152"
GUXI_CODE = "500152103"
YUXI_CODE = "500152107"


def org(key: str) -> Organization:
    """A demo organisation; department names repeat per district, so 潼南区 unless prefixed."""
    if key == DADUKOU_JXW:
        return Organization.objects.get(name=JXW, region__code="500104")
    if key in (JXW, FGW):
        return Organization.objects.get(name=key, region__code=TONGNAN)
    return Organization.objects.get(name=key)


def denied_events(username: str, pk: int) -> Any:
    return SecurityEvent.objects.filter(
        kind=EventKind.PERMISSION_DENIED, username=username, detail__contains=f"pk={pk}"
    )


def tongnan_org_ids() -> set[int]:
    path = Region.objects.get(code=TONGNAN).path
    return set(Organization.objects.filter(region__path__startswith=path).values_list("pk", flat=True))


# --- The scope itself -------------------------------------------------------------------------------

MATRIX = [
    # (user, organisation, may view, may change)
    ("guxi", GUXI_FOOD, True, True),
    ("guxi", GUXI_MACH, True, True),
    ("guxi", GUXI_GOV, True, True),
    ("guxi", YUXI_MAT, False, False),
    ("guxi", YUXI_GOV, False, False),
    ("guxi", JXW, False, False),
    ("guxi", DADUKOU_GOV, False, False),
    ("yuxi", YUXI_MAT, True, True),
    ("yuxi", YUXI_GOV, True, True),
    ("yuxi", GUXI_MACH, False, False),
    ("yuxi", GUXI_FOOD, False, False),
    ("leader", GUXI_MACH, True, False),
    ("leader", YUXI_MAT, True, False),
    ("leader", JXW, True, False),
    ("leader", SQUAD_2, True, False),
    ("leader", DADUKOU_GOV, False, False),
    ("jxw", JXW, True, True),
    ("jxw", FGW, True, False),
    ("jxw", GUXI_MACH, True, False),
    ("jxw", YUXI_MAT, True, False),
    ("jxw", DADUKOU_JXW, False, False),
    ("squad1", SQUAD_1, True, False),
    ("squad1", SQUAD_2, False, False),
    ("squad1", FGW, False, False),
    ("squad1", GUXI_MACH, False, False),
    ("qiye", GUXI_FOOD, True, True),
    ("qiye", GUXI_MACH, False, False),
    ("qiye", GUXI_GOV, False, False),
    ("yezhu", OWNER, True, True),
    ("yezhu", GUXI_FOOD, False, False),
    ("admin", DADUKOU_GOV, True, True),
    ("admin", YUXI_MAT, True, True),
]


@pytest.mark.parametrize(("username", "org_key", "may_view", "may_change"), MATRIX)
def test_restrict_matrix(
    users: dict[str, User], username: str, org_key: str, may_view: bool, may_change: bool
) -> None:
    user, target = users[username], org(org_key)
    assert Organization.objects.restrict(user, "view").filter(pk=target.pk).exists() is may_view
    assert Organization.objects.restrict(user, "change").filter(pk=target.pk).exists() is may_change
    # No role but admin may delete organisations.
    assert Organization.objects.restrict(user, "delete").filter(pk=target.pk).exists() is (
        username == "admin"
    )


@pytest.mark.parametrize(("username", "org_key", "may_view", "may_change"), MATRIX)
def test_get_scoped_matrix(
    users: dict[str, User], username: str, org_key: str, may_view: bool, may_change: bool
) -> None:
    user, target = users[username], org(org_key)
    if may_view:
        assert get_scoped(Organization, user, pk=target.pk) == target
    else:
        with pytest.raises(NotFound) as exc:
            get_scoped(Organization, user, pk=target.pk)
        assert exc.value.audit == f"view orgs.organization pk={target.pk}"
    if may_change:
        assert get_scoped(Organization, user, "change", pk=target.pk) == target
    else:
        # Visible but not changeable is "forbidden"; invisible stays "not found" (no existence leak).
        expected: type[ServiceError] = Forbidden if may_view else NotFound
        with pytest.raises(expected) as denied:
            get_scoped(Organization, user, "change", pk=target.pk)
        assert type(denied.value) is expected
        assert denied.value.audit == f"change orgs.organization pk={target.pk}"


def test_get_scoped_missing_row_is_plain_not_found(users: dict[str, User]) -> None:
    with pytest.raises(NotFound) as exc:
        get_scoped(Organization, users["guxi"], pk=10**9)
    assert exc.value.audit is None  # nothing to report: the row does not exist at all
    with pytest.raises(NotFound):
        get_scoped(Organization, users["guxi"], pk="not-a-number")


def test_anonymous_and_inactive_users_see_nothing(users: dict[str, User]) -> None:
    assert not Organization.objects.restrict(AnonymousUser()).exists()
    assert not can(AnonymousUser(), "view", Organization)
    guxi = users["guxi"]
    guxi.is_active = False
    assert not Organization.objects.restrict(guxi).exists()
    assert not can(guxi, "view", Organization)


def test_ensure_permitted(users: dict[str, User]) -> None:
    ensure_permitted(users["guxi"], "change", org(GUXI_MACH))
    with pytest.raises(Forbidden) as exc:
        ensure_permitted(users["guxi"], "change", org(YUXI_MAT))
    assert exc.value.status == 403
    assert exc.value.audit == f"change orgs.organization pk={org(YUXI_MAT).pk}"


def test_role_may_act_at_all(users: dict[str, User]) -> None:
    assert can(users["guxi"], "add", Organization)
    assert not can(users["jxw"], "add", Organization)
    assert not can(users["leader"], "change", Organization)
    assert not can(users["qiye"], "delete", Organization)
    assert can(users["admin"], "delete", Organization)
    # Unscoped models (the audit log) are for administrators only.
    assert users["admin"].has_perm("audit.view_securityevent")
    assert not users["leader"].has_perm("audit.view_securityevent")


# --- Role slices on the list surfaces ------------------------------------------------------------


def _api_ids(client: Any, url: str = "/api/v1/organizations?page_size=200") -> set[int]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return {row["id"] for row in body["results"]}


def test_town_user_lists_only_own_township(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["guxi"])
    expected = {org(GUXI_FOOD).pk, org(GUXI_MACH).pk, org(GUXI_GOV).pk}
    assert _api_ids(client) == expected

    page = client.get("/orgs/").content.decode()
    assert GUXI_FOOD in page and GUXI_MACH in page and GUXI_GOV in page
    assert YUXI_MAT not in page and YUXI_GOV not in page and JXW not in page

    # A filter cannot widen the scope.
    assert _api_ids(client, f"/api/v1/organizations?region={YUXI_CODE}") == set()
    assert _api_ids(client, "/api/v1/organizations?q=玉溪") == set()
    assert YUXI_MAT not in client.get(f"/orgs/?region={YUXI_CODE}").content.decode()


def test_other_town_user_is_mirror_image(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["yuxi"])
    assert _api_ids(client) == {org(YUXI_MAT).pk, org(YUXI_GOV).pk}
    page = client.get("/orgs/").content.decode()
    assert YUXI_MAT in page and GUXI_FOOD not in page and GUXI_MACH not in page


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_is_scoped(users: dict[str, User], client_for: Any, kind: str) -> None:
    response = client_for(users["guxi"]).get(f"/orgs/?export={kind}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="organizations-')
    if kind == "csv":
        text = response.content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
    else:
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        rows = [[str(c) if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["名称", "类型", "所属地区"]
    names = {row[0] for row in rows[1:]}
    assert names == {GUXI_FOOD, GUXI_MACH, GUXI_GOV}
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name[GUXI_MACH][1:4] == ["企业", "古溪镇", "91500152MA5U00002J"]


def test_enterprise_user_sees_only_own_enterprise_and_users(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["qiye"])
    response = client.get("/api/v1/organizations")
    assert response.json()["count"] == 1
    assert response.json()["results"][0]["name"] == GUXI_FOOD

    users_body = client.get("/api/v1/users").json()
    assert users_body["count"] == 1
    assert [u["username"] for u in users_body["results"]] == ["qiye"]

    page = client.get("/orgs/").content.decode()
    assert GUXI_FOOD in page and GUXI_MACH not in page
    assert client.get(f"/orgs/{org(GUXI_MACH).pk}/").status_code == 404
    assert client.get(f"/orgs/{org(GUXI_FOOD).pk}/").status_code == 200
    user_page = client.get("/accounts/users/").content.decode()
    assert "qiye" in user_page and "guxi" not in user_page


def test_owner_user_sees_only_own_unit(users: dict[str, User], client_for: Any) -> None:
    assert _api_ids(client_for(users["yezhu"])) == {org(OWNER).pk}


def test_leader_sees_whole_district_only(users: dict[str, User], client_for: Any) -> None:
    ids = _api_ids(client_for(users["leader"]))
    assert ids == tongnan_org_ids()
    assert len(ids) > 30  # government, departments, 23 镇街, squads, enterprises, owner
    assert org(DADUKOU_GOV).pk not in ids and org(DADUKOU_JXW).pk not in ids
    assert {org(GUXI_MACH).pk, org(YUXI_MAT).pk, org(SQUAD_2).pk} <= ids


def test_department_sees_district_changes_own_department(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["jxw"])
    assert _api_ids(client) == tongnan_org_ids()

    own = client.patch(
        f"/api/v1/organizations/{org(JXW).pk}", {"phone": "023-44556677"}, content_type="application/json"
    )
    assert own.status_code == 200, own.content
    assert own.json()["phone"] == "023-44556677"

    other = client.patch(
        f"/api/v1/organizations/{org(FGW).pk}", {"phone": "023-1"}, content_type="application/json"
    )
    assert other.status_code == 403
    assert other.json()["code"] == "permission_denied"
    assert org(FGW).phone == ""
    assert denied_events("jxw", org(FGW).pk).exists()

    assert client.get(f"/orgs/{org(FGW).pk}/edit/").status_code == 403
    assert client.get(f"/orgs/{org(JXW).pk}/edit/").status_code == 200
    # The detail page only offers 编辑 where the user may change.
    assert f"/orgs/{org(JXW).pk}/edit/" in client.get(f"/orgs/{org(JXW).pk}/").content.decode()
    assert f"/orgs/{org(FGW).pk}/edit/" not in client.get(f"/orgs/{org(FGW).pk}/").content.decode()


def test_squad_member_sees_own_squad(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["squad1"])
    assert _api_ids(client) == {org(SQUAD_1).pk}
    assert client.get(f"/orgs/{org(SQUAD_2).pk}/").status_code == 404
    assert client.get(f"/orgs/{org(SQUAD_1).pk}/").status_code == 200


def test_leader_cannot_write(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["leader"])
    target = org(GUXI_MACH)
    response = client.patch(
        f"/api/v1/organizations/{target.pk}", {"name": "改名"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert client.get(f"/orgs/{target.pk}/edit/").status_code == 403
    assert client.get("/orgs/new/").status_code == 403
    response = client.post(
        "/api/v1/organizations",
        {"name": "区领导新建", "kind": "enterprise", "region_code": GUXI_CODE},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Organization.objects.filter(name="区领导新建").exists()
    assert org(GUXI_MACH).name == GUXI_MACH


def test_anonymous_is_sent_to_login_or_401(client: Any) -> None:
    response = client.get("/orgs/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/api/v1/organizations").status_code == 401


# --- 古溪镇 vs 玉溪镇 on every surface --------------------------------------------------------------

EDIT_FORM = {"name": "被篡改的名称", "kind": "enterprise", "region_code": GUXI_CODE, "is_active": "on"}

SURFACES = [
    # (id, method, url template, body)
    ("web-detail", "get", "/orgs/{pk}/", None),
    ("web-edit-get", "get", "/orgs/{pk}/edit/", None),
    ("web-edit-post", "post", "/orgs/{pk}/edit/", "form"),
    ("web-history", "get", "/orgs/{pk}/changes/", None),
    ("web-history-export", "get", "/orgs/{pk}/changes/?export=xlsx", None),
    ("api-detail", "get", "/api/v1/organizations/{pk}", None),
    ("api-patch", "patch", "/api/v1/organizations/{pk}", "json"),
    ("api-history", "get", "/api/v1/organizations/{pk}/changes", None),
]


def _request(client: Any, method: str, url: str, body: str | None, region_code: str) -> Any:
    if body == "form":
        return client.post(url, {**EDIT_FORM, "region_code": region_code})
    if body == "json":
        return client.patch(url, {"name": "被篡改的名称"}, content_type="application/json")
    return getattr(client, method)(url)


CROSS = [
    ("guxi", YUXI_MAT, GUXI_CODE),
    ("guxi", YUXI_GOV, GUXI_CODE),
    ("yuxi", GUXI_MACH, YUXI_CODE),
    ("qiye", GUXI_MACH, GUXI_CODE),
]


@pytest.mark.parametrize(("method", "url", "body"), [s[1:] for s in SURFACES], ids=[s[0] for s in SURFACES])
@pytest.mark.parametrize(("username", "org_key", "own_code"), CROSS, ids=[f"{c[0]}->{c[1]}" for c in CROSS])
def test_cross_township_access_is_denied_and_logged(
    users: dict[str, User],
    client_for: Any,
    method: str,
    url: str,
    body: str | None,
    username: str,
    org_key: str,
    own_code: str,
) -> None:
    target = org(org_key)
    before = {f: getattr(target, f) for f in ("name", "region_id", "updated_at")}
    client = client_for(users[username])

    response = _request(client, method, url.format(pk=target.pk), body, own_code)

    # Out of scope looks exactly like a missing row: no hint that it exists.
    assert response.status_code == 404
    if url.startswith("/api/"):
        assert response.json() == {"code": "not_found", "message": "记录不存在或您无权查看", "errors": []}
    else:
        assert org_key not in response.content.decode()
    target.refresh_from_db()
    assert {f: getattr(target, f) for f in before} == before
    event = denied_events(username, target.pk).get()
    assert event.user_id == users[username].pk
    assert event.path == url.format(pk=target.pk)
    assert event.request_id == response["X-Request-ID"]


@pytest.mark.parametrize(("method", "url", "body"), [s[1:] for s in SURFACES], ids=[s[0] for s in SURFACES])
@pytest.mark.parametrize(
    ("username", "org_key", "own_code"),
    [("guxi", GUXI_MACH, GUXI_CODE), ("yuxi", YUXI_MAT, YUXI_CODE), ("qiye", GUXI_FOOD, GUXI_CODE)],
    ids=["guxi", "yuxi", "qiye"],
)
def test_own_township_access_is_allowed(
    users: dict[str, User],
    client_for: Any,
    method: str,
    url: str,
    body: str | None,
    username: str,
    org_key: str,
    own_code: str,
) -> None:
    target = org(org_key)
    client = client_for(users[username])
    path = url.format(pk=target.pk)
    # Every role here may update its records' contact details (name changes are role-limited).
    if body == "form":
        form = {k: v for k, v in OrganizationForm.initial_for(target).items() if v not in (None, False)}
        response = client.post(path, {**form, "is_active": "on", "short_name": "新简称"})
        assert response.status_code == 302, response.content.decode()
        assert response["Location"] == f"/orgs/{target.pk}/"
    elif body == "json":
        response = client.patch(path, {"short_name": "新简称"}, content_type="application/json")
        assert response.status_code == 200
    else:
        response = getattr(client, method)(path)
        assert response.status_code == 200
    if body:
        target.refresh_from_db()
        assert target.short_name == "新简称"
        assert target.region.code == own_code
    assert not SecurityEvent.objects.filter(kind=EventKind.PERMISSION_DENIED, username=username).exists()


@pytest.mark.parametrize(
    ("username", "org_key"), [("guxi", YUXI_MAT), ("yuxi", GUXI_MACH), ("qiye", GUXI_MACH)]
)
def test_service_functions_enforce_scope(users: dict[str, User], username: str, org_key: str) -> None:
    user, target = users[username], org(org_key)
    with pytest.raises(NotFound):
        get_scoped(Organization, user, pk=target.pk)
    with pytest.raises(NotFound):
        services.update_organization(user, target.pk, name="被篡改的名称")
    target.refresh_from_db()
    assert target.name == org_key


def test_service_update_own_township(users: dict[str, User]) -> None:
    updated = services.update_organization(users["guxi"], org(GUXI_MACH).pk, phone="023-12345678")
    assert updated.phone == "023-12345678"
    assert org(GUXI_MACH).phone == "023-12345678"


# --- Writes are re-checked inside the transaction -------------------------------------------------


def test_town_user_cannot_move_org_to_another_township_api(users: dict[str, User], client_for: Any) -> None:
    target = org(GUXI_MACH)
    log_count = LogEntry.objects.get_for_object(target).count()
    response = client_for(users["guxi"]).patch(
        f"/api/v1/organizations/{target.pk}",
        {"region_code": YUXI_CODE, "name": "搬走的企业"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    target.refresh_from_db()
    assert target.region.code == GUXI_CODE
    assert target.name == GUXI_MACH
    assert denied_events("guxi", target.pk).filter(detail__startswith="change").exists()
    # The rolled-back save left no trace in the change log either.
    assert LogEntry.objects.get_for_object(target).count() == log_count


def test_town_user_cannot_move_org_to_another_township_service(users: dict[str, User]) -> None:
    target = org(GUXI_MACH)
    with pytest.raises(Forbidden):
        services.update_organization(users["guxi"], target.pk, region_code=YUXI_CODE)
    target.refresh_from_db()
    assert target.region.code == GUXI_CODE


def test_town_user_cannot_move_org_to_another_township_web(users: dict[str, User], client_for: Any) -> None:
    target = org(GUXI_MACH)
    response = client_for(users["guxi"]).post(
        f"/orgs/{target.pk}/edit/", {**EDIT_FORM, "name": GUXI_MACH, "region_code": YUXI_CODE}
    )
    # 玉溪镇 is not even offered in guxi's form: the form rejects it before the service runs.
    assert response.status_code == 422
    assert "region_code" in response.context["form"].errors
    target.refresh_from_db()
    assert target.region.code == GUXI_CODE


def test_town_user_cannot_create_in_another_township(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["guxi"])
    response = client.post(
        "/api/v1/organizations",
        {"name": "越界新建企业", "kind": "enterprise", "region_code": YUXI_CODE},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Organization.objects.filter(name="越界新建企业").exists()
    assert SecurityEvent.objects.filter(
        kind=EventKind.PERMISSION_DENIED, username="guxi", detail__startswith="add orgs.organization"
    ).exists()

    response = client.post(
        "/api/v1/organizations",
        {"name": "本镇新建企业", "kind": "enterprise", "region_code": GUXI_CODE},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Organization.objects.get(name="本镇新建企业").region.code == GUXI_CODE


def test_town_user_cannot_link_out_of_scope_parent_or_leader(users: dict[str, User], client_for: Any) -> None:
    """Related ids are resolved through the same scope: no linking to 玉溪镇's records by id."""
    client = client_for(users["guxi"])
    target = org(GUXI_MACH)
    response = client.patch(
        f"/api/v1/organizations/{target.pk}", {"parent_id": org(YUXI_MAT).pk}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "parent",
        "code": "parent_unknown",
        "message": "上级机构不存在",
    }
    response = client.patch(
        f"/api/v1/organizations/{target.pk}", {"leader_id": users["yuxi"].pk}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "leader_unknown"
    target.refresh_from_db()
    assert target.parent_id is None and target.leader_id is None
    # yuxi did not become able to see guxi's enterprise.
    assert not Organization.objects.restrict(users["yuxi"]).filter(pk=target.pk).exists()

    ok = client.patch(
        f"/api/v1/organizations/{target.pk}",
        {"parent_id": org(GUXI_GOV).pk, "leader_id": users["guxi"].pk},
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["parent_id"] == org(GUXI_GOV).pk


def test_town_region_lookup_replaces_region_for_town_users_only(users: dict[str, User]) -> None:
    """A Scope's ``town_region`` is the path town users are matched on (an investment project is
    the district's row; the town that reported it reaches it through its 首报镇街), while the
    other roles keep ``region``."""
    from datetime import date

    from tiaodu.investment import services as investment

    district = Region.objects.get(code="500152")
    investment.ensure_defaults(district)
    guxi = Region.objects.get(code="500152103")
    reported = investment.create_project(
        None,
        region=district,
        on=date(2022, 1, 5),
        name="古溪首报项目",
        investor_name="某甲科技有限公司",
        first_township=guxi,
    )
    other = investment.create_project(
        None, region=district, on=date(2022, 1, 5), name="区级项目", investor_name="某乙科技有限公司"
    )
    from tiaodu.investment.models import InvestmentProject

    def seen(name: str) -> set[str]:
        return set(InvestmentProject.objects.restrict(users[name]).values_list("name", flat=True))

    assert seen("guxi") == {reported.name}
    assert seen("yuxi") == set()
    assert {reported.name, other.name} <= seen("leader")
    assert {reported.name, other.name} <= seen("jxw")


def test_an_addition_is_checked_without_counting_its_author(users: dict[str, User]) -> None:
    """``Scope.users`` gives users the rows they created; a new row's author is the actor, so the
    check of an addition (``ensure_added``) must not count authorship: guxi (a town user of 古溪镇)
    may not add a case located in 玉溪镇, although the case names guxi as its author."""
    from tiaodu.cases.models import Case
    from tiaodu.cases.tests.factories import YUXI, yuxi_enterprise
    from tiaodu.cases.tests.factories import appeal as make_appeal
    from tiaodu.core.permissions import ensure_added

    guxi = users["guxi"]
    case = make_appeal(yuxi_enterprise())
    assert case.region.code == YUXI
    Case.objects.filter(pk=case.pk).update(created_by=guxi)
    ensure_permitted(guxi, "add", case)  # authorship alone puts it in guxi's scope …
    with pytest.raises(Forbidden):
        ensure_added(guxi, case)  # … but not as an addition
    ensure_added(users["yuxi"], case)  # 玉溪镇's own town user may add it
