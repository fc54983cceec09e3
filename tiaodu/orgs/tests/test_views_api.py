"""Organisation pages and the /api/v1/organizations endpoints (happy paths and form errors)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tiaodu.accounts.models import User
from tiaodu.core.demo import ENTERPRISES
from tiaodu.enterprises.demo import TONGNAN_FIRMS
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

GUXI_CODE = "500152103"
API = "/api/v1/organizations"
# The demo's enterprises in 潼南区: the four of core.demo and those of the enterprise-service demo.
TONGNAN_ENTERPRISES = [name for name, _code, _town in ENTERPRISES] + [name for name, _t, _i in TONGNAN_FIRMS]


def org(name: str, region: str | None = None) -> Organization:
    return Organization.objects.get(name=name, **({"region__code": region} if region else {}))


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "重庆古溪新建农业有限公司",
        "short_name": "古溪农业",
        "kind": "enterprise",
        "code": "91500152TEST000XX",
        "region_code": GUXI_CODE,
        "parent_id": "",
        "leader_id": "",
        "phone": "023-44000001",
        "address": "古溪镇正街1号",
        "is_active": "on",
        "notes": "",
    }
    data.update(overrides)
    return data


# --- Web pages -----------------------------------------------------------------------------------


def test_list_page_filters(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["leader"])
    page = client.get("/orgs/?kind=enterprise").content.decode()
    assert "重庆玉溪新材料有限公司" in page and "重庆古溪机械制造有限公司" in page
    assert "区经济信息委" not in page
    assert f"共 {len(TONGNAN_ENTERPRISES)} 条" in page

    page = client.get(f"/orgs/?region={GUXI_CODE}").content.decode()
    assert "古溪镇人民政府" in page and "重庆玉溪新材料有限公司" not in page
    assert "共 3 条" in page

    page = client.get("/orgs/?q=玉溪").content.decode()
    assert "重庆玉溪新材料有限公司" in page and "玉溪镇人民政府" in page and "古溪镇人民政府" not in page

    # A malformed filter shows a warning and no rows rather than everything.
    response = client.get("/orgs/?kind=bank")
    assert response.status_code == 200
    assert response.context["filter_errors"]
    assert response.context["rows"] == []


def test_list_page_htmx_renders_table_only(users: dict[str, User], client_for: Any) -> None:
    response = client_for(users["guxi"]).get("/orgs/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<table" in body and "<html" not in body
    assert "重庆古溪机械制造有限公司" in body


def test_list_page_add_button_only_for_roles_that_may_add(users: dict[str, User], client_for: Any) -> None:
    assert 'href="/orgs/new/"' in client_for(users["guxi"]).get("/orgs/").content.decode()
    assert 'href="/orgs/new/"' not in client_for(users["leader"]).get("/orgs/").content.decode()


def test_export_filtered_csv(users: dict[str, User], client_for: Any) -> None:
    response = client_for(users["leader"]).get("/orgs/?kind=enterprise&export=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["名称", "类型", "所属地区", "机构代码", "负责人", "联系电话", "启用"]
    assert sorted(r[0] for r in rows[1:]) == sorted(TONGNAN_ENTERPRISES)
    assert all(r[6] == "是" for r in rows[1:])


def test_export_xlsx(users: dict[str, User], client_for: Any) -> None:
    response = client_for(users["leader"]).get(f"/orgs/?region={GUXI_CODE}&export=xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "名称"
    assert {r[0] for r in rows[1:]} == {
        "重庆潼南古溪食品有限公司",
        "重庆古溪机械制造有限公司",
        "古溪镇人民政府",
    }


def test_detail_page(users: dict[str, User], client_for: Any) -> None:
    squad = org("重点项目服务一专班")
    page = client_for(users["leader"]).get(f"/orgs/{squad.pk}/").content.decode()
    assert "重点项目服务一专班" in page
    assert "专班成员" in page and "专班成员(squad1)" in page and "专班负责人" in page
    assert f"/orgs/{squad.pk}/changes/" in page
    food = org("重庆潼南古溪食品有限公司")
    page = client_for(users["guxi"]).get(f"/orgs/{food.pk}/").content.decode()
    assert "91500152MA5U00001F" in page
    assert "企业联络员(qiye)" in page  # users of the organisation within the viewer's scope


def test_create_via_form(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["guxi"])
    assert client.get("/orgs/new/").status_code == 200
    response = client.post("/orgs/new/", form_data(leader_id=str(users["qiye"].pk)))
    created = org("重庆古溪新建农业有限公司")
    assert response.status_code == 302
    assert response["Location"] == f"/orgs/{created.pk}/"
    assert created.region.code == GUXI_CODE
    assert created.leader == users["qiye"]
    assert created.address == "古溪镇正街1号"
    page = client.get(response["Location"]).content.decode()
    assert "已新增机构“重庆古溪新建农业有限公司”" in page


def test_create_form_field_errors(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["guxi"])
    response = client.post("/orgs/new/", form_data(name="", kind="bank"))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) == {"name", "kind"}
    assert "这个字段是必填项。" in errors["name"]
    assert not Organization.objects.filter(code="91500152TEST000XX").exists()


def test_create_form_shows_service_errors(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["guxi"])
    response = client.post("/orgs/new/", form_data(code="91500152MA5U00003M"))
    assert response.status_code == 422
    assert response.context["form"].errors["code"] == ["机构代码已存在"]
    response = client.post("/orgs/new/", form_data())
    assert response.status_code == 302
    response = client.post("/orgs/new/", form_data(code=""))
    assert response.status_code == 422
    assert response.context["form"].errors["name"] == ["同一地区已存在同名同类机构"]


def test_edit_form_prefilled_and_saved(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["guxi"])
    target = org("重庆古溪机械制造有限公司")
    form = client.get(f"/orgs/{target.pk}/edit/").context["form"]
    assert form.initial["name"] == target.name
    assert form.initial["region_code"] == GUXI_CODE
    assert form.initial["code"] == "91500152MA5U00002J"
    # Only the user's own township is offered.
    assert [c for c, _ in form.fields["region_code"].choices] == [GUXI_CODE]
    response = client.post(
        f"/orgs/{target.pk}/edit/",
        form_data(name=target.name, code=target.code, phone="023-8888", is_active=""),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.phone == "023-8888"
    assert target.is_active is False


def test_edit_form_cycle_error(users: dict[str, User], client_for: Any) -> None:
    target = org("重庆古溪机械制造有限公司")
    response = client_for(users["guxi"]).post(
        f"/orgs/{target.pk}/edit/", form_data(name=target.name, code=target.code, parent_id=str(target.pk))
    )
    assert response.status_code == 422
    # The service's "parent" error lands on the form's parent_id field.
    assert response.context["form"].errors["parent_id"] == ["上级机构不能是本机构或其下级机构"]
    target.refresh_from_db()
    assert target.parent_id is None


# --- API ----------------------------------------------------------------------------------------


def test_api_create_get_patch(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["guxi"])
    response = client.post(
        API,
        {"name": "API新建企业", "kind": "enterprise", "region_code": GUXI_CODE, "code": "91500152API00001"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "API新建企业",
        "short_name": "",
        "kind": "enterprise",
        "kind_label": "企业",
        "code": "91500152API00001",
        "region_code": GUXI_CODE,
        "region_name": "古溪镇",
        "parent_id": None,
        "leader_id": None,
        "phone": "",
        "address": "",
        "is_active": True,
        "notes": "",
        "member_ids": [],
    }
    detail = client.get(f"{API}/{body['id']}")
    assert detail.status_code == 200 and detail.json() == body

    patched = client.patch(
        f"{API}/{body['id']}", {"short_name": "API企业", "is_active": False}, content_type="application/json"
    )
    assert patched.status_code == 200
    assert patched.json()["short_name"] == "API企业"
    assert patched.json()["is_active"] is False
    assert patched.json()["name"] == "API新建企业"  # untouched fields stay


def test_api_filters(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["leader"])

    def names(query: str) -> set[str]:
        response = client.get(f"{API}?page_size=200&{query}")
        assert response.status_code == 200, response.content
        return {r["name"] for r in response.json()["results"]}

    assert names("kind=enterprise") == set(TONGNAN_ENTERPRISES)
    assert names(f"region={GUXI_CODE}") == {
        "重庆潼南古溪食品有限公司",
        "重庆古溪机械制造有限公司",
        "古溪镇人民政府",
    }
    assert names("region=500152999") == set()
    assert names("q=MA5U00003M") == {"重庆玉溪新材料有限公司"}
    fgw = org("区发展改革委", "500152")
    assert len(names(f"parent={fgw.pk}")) == 5  # the five service squads
    assert names("kind=squad&q=一专班") == {"重点项目服务一专班"}
    bad = client.get(f"{API}?kind=bank")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "kind"
    assert bad.json()["errors"][0]["code"] == "invalid_choice"


def test_api_results_are_ordered_and_paginated(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["leader"])
    full = client.get(f"{API}?page_size=200").json()["results"]
    first = client.get(f"{API}?page=1&page_size=7").json()
    second = client.get(f"{API}?page=2&page_size=7").json()
    assert first["page"] == 1 and second["page"] == 2 and first["page_size"] == 7
    assert [r["id"] for r in first["results"] + second["results"]] == [r["id"] for r in full[:14]]
    assert [(r["kind"], r["name"]) for r in full] == sorted((r["kind"], r["name"]) for r in full)


def test_api_changes_endpoint(users: dict[str, User], client_for: Any) -> None:
    client = client_for(users["guxi"])
    target = org("重庆古溪机械制造有限公司")
    client.patch(f"{API}/{target.pk}", {"phone": "023-12"}, content_type="application/json")
    body = client.get(f"{API}/{target.pk}/changes").json()
    assert body["count"] >= 2  # created by the demo loader, changed now
    latest = body["results"][0]
    assert latest["action"] == "修改"
    assert latest["model"] == "orgs.organization"
    assert latest["object_id"] == str(target.pk)
    assert latest["actor"] == "guxi"
    assert latest["changes"] == [{"field": "联系电话", "before": "", "after": "023-12"}]
    assert body["results"][-1]["action"] == "新增"


def test_openapi_documents_organizations(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    assert set(paths["/api/v1/organizations"]) == {"get", "post"}
    assert set(paths["/api/v1/organizations/{org_id}"]) == {"get", "patch"}
    assert "422" in paths["/api/v1/organizations"]["post"]["responses"]
