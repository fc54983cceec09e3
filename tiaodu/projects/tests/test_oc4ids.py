"""GET /api/v1/projects/oc4ids.json: an OC4IDS 0.9 project package, valid against the local
schemas (/work/shared/standards/oc4ids, no network), mapped as docs/adr/0018-oc4ids.md says, and
limited to the user's scope."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema_rs
import pytest
from django.test import Client
from django.utils import timezone

from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.projects import oc4ids, services
from tiaodu.projects.choices import MilestoneKind, Stage
from tiaodu.projects.models import Milestone, Project
from tiaodu.projects.tests.factories import GUXI, YUXI, project

pytestmark = pytest.mark.django_db

URL = "/api/v1/projects/oc4ids.json"
STANDARD = Path("/work/shared/standards/oc4ids")
TODAY = timezone.localdate()
OUTLINE = json.dumps(
    {
        "type": "Polygon",
        "coordinates": [[[105.84, 30.19], [105.85, 30.19], [105.85, 30.2], [105.84, 30.19]]],
    }
)


# --- Validation against the local schema files -----------------------------------------------------


def _no_network(uri: str) -> Any:
    raise AssertionError(f"schema reference {uri} must resolve locally, not over the network")


@cache
def _validator() -> Any:
    """The package schema, its ``$ref`` to project-schema.json resolved from a local registry
    (the schema's own ``id``); any other remote reference fails instead of being fetched."""
    package = json.loads((STANDARD / "project-package-schema.json").read_text(encoding="utf-8"))
    project_schema = json.loads((STANDARD / "project-schema.json").read_text(encoding="utf-8"))
    registry = jsonschema_rs.Registry(
        [(project_schema["id"], project_schema)], draft=jsonschema_rs.Draft4, retriever=_no_network
    )
    return jsonschema_rs.validator_for(
        package, registry=registry, retriever=_no_network, validate_formats=True
    )


def validate(package: Any) -> Any:
    errors = [f"{list(e.instance_path)}: {e.message}" for e in _validator().iter_errors(package)]
    assert not errors, errors
    return package


def test_validator_rejects_what_the_schema_forbids() -> None:
    """The validator really reaches into project-schema.json (a broken project fails)."""
    good = {
        "uri": "http://testserver/x",
        "publishedDate": "2026-01-01T00:00:00+08:00",
        "publisher": {"name": "x"},
        "version": "0.9",
        "projects": [{"id": "oc4ids-x-1", "status": "implementation"}],
    }
    validate(good)
    bad = json.loads(json.dumps(good))
    bad["projects"][0].update(status="在建", period={"startDate": "2026-01-01"})
    messages = [e.message for e in _validator().iter_errors(bad)]
    assert len(messages) == 2, messages


# --- Fixtures ----------------------------------------------------------------------------------------


def orgs() -> dict[str, Organization]:
    return {
        "owner": Organization.objects.filter(kind=OrgKind.OWNER).order_by("pk").first(),
        "unit": Organization.objects.get(kind=OrgKind.DEPARTMENT, short_name="经信委", region__code="500152"),
        "squad": Organization.objects.filter(kind=OrgKind.SQUAD).order_by("pk").first(),
    }


@pytest.fixture
def world(users: dict) -> dict[str, Project]:
    """Projects in several stages, kinds and funding sources, with and without coordinates."""
    o = orgs()
    long_ago = TODAY - timedelta(days=400)
    building = project(
        name="OC古溪大道改造工程",
        stage="building",
        stage_on=long_ago,
        kind="continuing",
        category="infrastructure",
        industry_code="54",
        funding="government",
        total_investment=Decimal("12345.67"),
        annual_plan=Decimal("3000.5"),
        investment_completed=Decimal("4567.89"),
        longitude=Decimal("105.842000"),
        latitude=Decimal("30.190100"),
        planned_start=date(2025, 3, 1),
        planned_completion=date(2027, 6, 30),
        owner=o["owner"],
        responsible_unit=o["unit"],
        leader=users["leader"],
        squad=o["squad"],
    )
    reserve = project(
        name="OC古溪污水处理厂",
        code="",
        stage="reserve",
        kind="reserve",
        category="ecology",
        funding="special_bond",
        bond_field="municipal",
        total_investment=Decimal("0.01"),
        annual_plan=Decimal(0),
        investment_completed=Decimal(0),
    )
    services.backward_schedule(None, reserve, MilestoneKind.START, TODAY + timedelta(days=400))
    approval = reserve.milestones.get(kind=MilestoneKind.APPROVAL)
    services.record_milestone(None, approval, TODAY - timedelta(days=3))

    suspended = project(name="OC古溪食品厂", stage="landed", stage_on=long_ago, funding="social")
    services.change_stage(None, suspended, Stage.SUSPENDED, TODAY - timedelta(days=10))

    done = project(name="OC古溪智能工厂", stage="building", stage_on=long_ago, is_intelligent_upgrade=True)
    done.outline = OUTLINE
    done.save(update_fields=["outline"])
    services.backward_schedule(None, done, MilestoneKind.COMPLETION, TODAY - timedelta(days=20))
    services.change_stage(None, done, Stage.COMPLETED, TODAY - timedelta(days=5))
    services.change_stage(None, done, Stage.OPERATING, TODAY - timedelta(days=1))

    cancelled = project(name="OC古溪取消项目", stage="signed", stage_on=long_ago)
    services.change_stage(None, cancelled, Stage.CANCELLED, TODAY)

    elsewhere = project(YUXI, name="OC玉溪物流园", stage="started", stage_on=long_ago)
    return {
        "building": building,
        "reserve": reserve,
        "suspended": suspended,
        "done": done,
        "cancelled": cancelled,
        "elsewhere": elsewhere,
    }


def get(client: Client, headers: dict[str, str], **query: Any) -> Any:
    return client.get(URL, query, **headers)


def package_for(bearer: Any, user: Any, **query: Any) -> dict[str, Any]:
    response = get(Client(), bearer(user), **query)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def by_title(package: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["title"]: p for p in package["projects"]}


# --- The package ----------------------------------------------------------------------------------


def test_package_is_valid_and_maps_our_fields(users: dict, bearer: Any, world: dict) -> None:
    package = validate(package_for(bearer, users["admin"], q="OC", limit=50))
    assert package["version"] == "0.9"
    assert package["uri"].startswith("http://testserver/api/v1/projects/oc4ids.json?")
    assert "潼南区" in package["publisher"]["name"]
    projects = by_title(package)
    assert set(projects) == {p.name for p in world.values()}
    assert len({p["id"] for p in package["projects"]}) == len(projects)

    b = projects["OC古溪大道改造工程"]
    assert b["id"] == f"{oc4ids.id_prefix()}-{world['building'].pk}"
    assert b["id"].startswith("oc4ids-")
    assert {"scheme": "tiaodu", "id": str(world["building"].pk)} in b["identifiers"]
    assert {"scheme": oc4ids.SCHEME_PROJECT_CODE, "id": world["building"].code} in b["identifiers"]
    assert b["status"] == "implementation"
    assert b["type"] == "construction"  # 续建
    assert b["sector"] == ["transport", "transport.road"]  # GB/T 4754-2017 54 道路运输业
    assert b["budget"]["amount"] == {"amount": 123_456_700, "currency": "CNY"}  # 12345.67 万元
    assert isinstance(b["budget"]["amount"]["amount"], int)
    breakdown = b["budget"]["budgetBreakdowns"][0]["budgetBreakdown"][0]
    assert breakdown["amount"]["amount"] == 30_005_000
    assert b["metrics"][0]["observations"][0]["value"]["amount"] == 45_678_900
    assert b["period"] == {"startDate": "2025-03-01T00:00:00+08:00", "endDate": "2027-06-30T00:00:00+08:00"}
    location = b["locations"][0]
    assert location["geometry"] == {"type": "Point", "coordinates": [105.842, 30.1901]}
    assert location["address"] == {"locality": "潼南区古溪镇", "region": "重庆市", "countryName": "中国"}
    assert location["gazetteer"]["identifiers"] == [GUXI]
    classes = {c["scheme"]: c["id"] for c in b["additionalClassifications"]}
    assert classes == {
        "tiaodu-stage": "building",
        "tiaodu-level": "district",
        "tiaodu-category": "infrastructure",
        "tiaodu-funding": "government",
        "GB/T 4754-2017": "54",
    }
    roles = {p["name"]: p["roles"] for p in b["parties"]}
    o = orgs()
    assert roles[o["unit"].name] == ["publicAuthority"]
    assert roles[o["owner"].name] == ["buyer"]  # government-funded: the owner does not fund itself
    assert roles[users["leader"].organization.name] == ["supervisingAuthority"]
    assert roles[o["squad"].name] == ["serviceTeam"]
    assert b["publicAuthority"] == {"id": f"org-{o['unit'].pk}", "name": o["unit"].name}
    assert all(p["id"] == f"org-{p['id'][4:]}" for p in b["parties"])
    assert "milestones" not in b and "completion" not in b

    r = projects["OC古溪污水处理厂"]
    assert r["status"] == "identification"
    assert r["type"] == "construction"
    assert r["sector"] == ["naturalResources"]  # 生态环保 without an industry code
    assert r["budget"]["amount"]["amount"] == 100  # 0.01 万元
    assert r["budget"]["finance"][0]["type"] == "bond"
    assert "专项债领域:市政基础设施" in r["budget"]["description"]
    assert "geometry" not in r["locations"][0]  # no coordinates: the township's address only
    assert [i["scheme"] for i in r["identifiers"]] == ["tiaodu"]  # no 项目代码
    assert "period" not in r and "parties" not in r
    milestones = {m["code"]: m for m in r["milestones"]}
    assert list(milestones) == [
        "approval",
        "land",
        "planning_permit",
        "construction_permit",
        "tender",
        "mobilisation",
        "start",
    ]
    met = milestones["approval"]
    assert met["status"] == "met" and met["type"] == "approval"
    assert met["dateMet"] == (TODAY - timedelta(days=3)).isoformat() + "T00:00:00+08:00"
    assert milestones["land"]["type"] == "preProcurement"
    assert milestones["tender"]["type"] == "procurement"
    assert milestones["start"]["type"] == "delivery" and milestones["start"]["status"] == "scheduled"
    assert milestones["start"]["dueDate"] == (TODAY + timedelta(days=400)).isoformat() + "T00:00:00+08:00"
    assert "dateMet" not in milestones["land"]

    s = projects["OC古溪食品厂"]
    assert s["status"] == "preparation"  # 停建 from 落地
    stage = next(c for c in s["additionalClassifications"] if c["scheme"] == "tiaodu-stage")
    assert stage["id"] == "suspended" and "落地" in stage["description"]

    d = projects["OC古溪智能工厂"]
    assert d["status"] == "maintenance"  # 投产
    assert d["type"] == "rehabilitation"  # 智能化改造
    assert d["completion"]["endDate"] == (TODAY - timedelta(days=5)).isoformat() + "T00:00:00+08:00"
    assert d["completion"]["finalValue"] == {"amount": 1_000_000, "currency": "CNY"}
    assert d["locations"][1]["geometry"]["type"] == "Polygon"
    done = {m["code"]: m for m in d["milestones"]}
    assert done["completion"]["status"] == "met"  # completed by the stage change
    assert done["start"]["status"] == "notMet"  # due long ago, never recorded

    assert projects["OC古溪取消项目"]["status"] == "cancelled"
    assert projects["OC玉溪物流园"]["status"] == "implementation"
    assert projects["OC玉溪物流园"]["locations"][0]["address"]["locality"] == "潼南区玉溪镇"


def test_whole_package_with_demo_data_is_valid(users: dict, bearer: Any, world: dict) -> None:
    package = validate(package_for(bearer, users["admin"], limit=5000))
    assert len(package["projects"]) == Project.objects.count()


def test_parties_merge_and_social_owner_funds(users: dict, bearer: Any) -> None:
    government = users["leader"].organization
    project(
        name="OC社会投资项目",
        funding="social",
        owner=orgs()["owner"],
        responsible_unit=government,
        leader=users["leader"],
    )
    package = validate(package_for(bearer, users["admin"], q="OC社会投资项目"))
    (only,) = package["projects"]
    # The district government is responsible unit and the leader's organisation: one party.
    assert [(p["id"], p["roles"]) for p in only["parties"]] == [
        (f"org-{government.pk}", ["publicAuthority", "supervisingAuthority"]),
        (f"org-{orgs()['owner'].pk}", ["buyer", "funder"]),
    ]
    assert only["publicAuthority"]["id"] == f"org-{government.pk}"


def test_published_date_is_the_last_change(users: dict, bearer: Any, world: dict) -> None:
    package = package_for(bearer, users["admin"], q="OC")
    latest = max(
        [p.updated_at for p in world.values()]
        + list(Milestone.objects.filter(project__in=world.values()).values_list("updated_at", flat=True))
    )
    assert package["publishedDate"] == oc4ids.date_time(latest)


# --- Scope, filters, paging -----------------------------------------------------------------------


def test_town_user_gets_only_its_township(users: dict, bearer: Any, world: dict) -> None:
    package = validate(package_for(bearer, users["guxi"], limit=5000))
    visible = set(Project.objects.restrict(users["guxi"], "view").values_list("pk", flat=True))
    ids = {p["identifiers"][0]["id"] for p in package["projects"]}
    assert ids == {str(pk) for pk in visible}
    assert str(world["elsewhere"].pk) not in ids and str(world["building"].pk) in ids
    assert {p["locations"][0]["gazetteer"]["identifiers"][0] for p in package["projects"]} == {GUXI}
    # A filter cannot widen the scope.
    assert package_for(bearer, users["guxi"], township=YUXI)["projects"] == []


def test_user_without_projects_gets_an_empty_package(users: dict, bearer: Any, world: dict) -> None:
    package = package_for(bearer, users["qiye"])
    assert package["projects"] == []  # OC4IDS wants one project at least: see the ADR


def test_login_required() -> None:
    response = Client().get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_list_filters_apply(users: dict, bearer: Any, world: dict) -> None:
    admin = users["admin"]
    building = by_title(package_for(bearer, admin, q="OC", stage="building"))
    assert set(building) == {"OC古溪大道改造工程"}
    assert set(by_title(package_for(bearer, admin, q="OC", funding="special_bond"))) == {"OC古溪污水处理厂"}
    assert set(by_title(package_for(bearer, admin, q="OC", township=YUXI))) == {"OC玉溪物流园"}
    operating = by_title(package_for(bearer, admin, q="OC", list="operating"))
    assert set(operating) == {"OC古溪智能工厂"}
    assert package_for(bearer, admin, list="nothing")["projects"] == []


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"stage": "bogus"}, "stage", "invalid_choice"),
        ({"funding": "gift"}, "funding", "invalid_choice"),
        ({"squad": "abc"}, "squad", "not_an_integer"),
        ({"limit": "0"}, "limit", "too_small"),
        ({"limit": "5001"}, "limit", "number_too_large"),
        ({"offset": "-1"}, "offset", "too_small"),
        ({"q": "x" * 65}, "q", "too_long"),
        ({"q": "a\x00b"}, "q", "invalid_characters"),
    ],
)
def test_bad_filter_is_422(users: dict, bearer: Any, query: dict, field: str, code: str) -> None:
    response = get(Client(), bearer(users["admin"]), **query)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error" and body["message"]
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(field, code)]


def test_paging_with_limit_and_link(users: dict, bearer: Any, world: dict) -> None:
    client, headers = Client(), bearer(users["admin"])
    first = get(client, headers, q="OC", limit=4)
    assert first["X-Total-Count"] == "6"
    page1 = validate(first.json())["projects"]
    assert len(page1) == 4
    link = first["Link"]
    assert link.endswith('>; rel="next"')
    next_url = link[1 : link.index(">")]
    query = {k: v[0] for k, v in parse_qs(urlsplit(next_url).query).items()}
    assert query == {"q": "OC", "limit": "4", "offset": "4"}
    second = get(client, headers, **query)
    page2 = validate(second.json())["projects"]
    assert len(page2) == 2 and "Link" not in second
    assert {p["id"] for p in page1}.isdisjoint({p["id"] for p in page2})
    ids = [int(p["id"].rsplit("-", 1)[1]) for p in page1 + page2]
    assert ids == sorted(ids)


def test_query_count_does_not_grow_with_projects(
    users: dict, bearer: Any, world: dict, django_assert_max_num_queries: Any
) -> None:
    client, headers = Client(), bearer(users["admin"])
    get(client, headers, q="OC")  # warm up (token lookup caches, content types)
    with django_assert_max_num_queries(12) as few:
        get(client, headers, q="OC", limit=1)
    for n in range(10):
        extra = project(name=f"OC批量项目{n}", owner=orgs()["owner"], responsible_unit=orgs()["unit"])
        services.backward_schedule(None, extra, MilestoneKind.START, TODAY + timedelta(days=300))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = get(client, headers, q="OC", limit=100)
    assert len(response.json()["projects"]) == 16


def test_path_is_not_taken_for_a_project_id(users: dict, bearer: Any) -> None:
    response = Client().get(f"{URL}?limit=1", **bearer(users["admin"]))
    assert response.status_code == 200
    assert "projects" in response.json()
    doc = Client().get("/api/v1/openapi.json").json()
    operation = doc["paths"][URL]["get"]
    assert {"200", "401", "422"} <= set(operation["responses"])
    assert {"stage", "township", "funding", "list", "limit", "offset"} <= {
        p["name"] for p in operation["parameters"]
    }


# --- The mapping functions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "suspended_from", "status"),
    [
        ("reserve", "", "identification"),
        ("signed", "", "preparation"),
        ("landed", "", "preparation"),
        ("started", "", "implementation"),
        ("building", "", "implementation"),
        ("completed", "", "completion"),
        ("operating", "", "maintenance"),
        ("full_production", "", "maintenance"),
        ("suspended", "signed", "preparation"),
        ("suspended", "building", "implementation"),
        ("suspended", "", "implementation"),
        ("cancelled", "", "cancelled"),
    ],
)
def test_stage_to_status(stage: str, suspended_from: str, status: str) -> None:
    assert oc4ids.status(Project(stage=stage, suspended_from=suspended_from)) == status


def test_every_stage_and_milestone_kind_is_mapped() -> None:
    assert set(oc4ids.STAGE_STATUS) | {Stage.SUSPENDED} == set(Stage.values)
    assert set(oc4ids.MILESTONE_TYPE) | {MilestoneKind.OTHER} == set(MilestoneKind.values)
    codelist = (STANDARD / "codelists" / "milestoneType.csv").read_text(encoding="utf-8")
    assert all(f"\n{t}," in codelist for t in oc4ids.MILESTONE_TYPE.values())
    sectors = (STANDARD / "codelists" / "projectSector.csv").read_text(encoding="utf-8")
    mapped = [
        *oc4ids.INDUSTRY_SECTOR.values(),
        *oc4ids.SECTION_SECTOR.values(),
        *oc4ids.CATEGORY_SECTOR.values(),
    ]
    assert all(f"\n{s}," in sectors for s in mapped)
    roles = (STANDARD / "codelists" / "partyRole.csv").read_text(encoding="utf-8")
    assert all(f"\n{r}," in roles for r in ("buyer", "funder", "publicAuthority"))


@pytest.mark.parametrize(
    ("wan", "yuan"),
    [
        (Decimal(0), 0),
        (Decimal("0.01"), 100),
        (Decimal("1234.56"), 12_345_600),
        (Decimal("999999999999.99"), 9_999_999_999_999_900),
        ("0.1", 1000),
        (Decimal("0.00001"), 0.1),
    ],
)
def test_wan_to_cny_is_exact(wan: Any, yuan: Any) -> None:
    assert oc4ids.cny(wan) == yuan
    assert type(oc4ids.cny(wan)) is type(yuan)


@pytest.mark.parametrize(
    ("code", "category", "sector"),
    [
        ("5411", "infrastructure", ["transport", "transport.urban"]),
        ("5421", "infrastructure", ["transport", "transport.road"]),
        ("53", "other", ["transport", "transport.rail"]),
        ("G", "other", ["transport"]),
        ("5810", "other", ["transport"]),  # division 58: the section's sector
        ("4411", "industry", ["energy"]),
        ("4610", "livelihood", ["waterAndWaste"]),
        ("7610", "ecology", ["naturalResources", "naturalResources.floodProtection"]),
        ("7721", "ecology", ["waterAndWaste"]),
        ("7722", "ecology", ["naturalResources"]),
        ("7850", "social", ["cultureSportsAndRecreation"]),
        ("8310", "social", ["education"]),
        ("8411", "livelihood", ["health"]),
        ("C", "industry", ["economy"]),
        ("3011", "infrastructure", ["economy"]),
        ("7010", "livelihood", []),  # real estate: no sector, and 民生 says nothing either
        ("", "industry", ["economy"]),
        ("", "intelligent", ["economy"]),
        ("", "infrastructure", []),
        ("E", "ecology", ["naturalResources"]),  # construction: the category decides
    ],
)
def test_sector(code: str, category: str, sector: list[str]) -> None:
    assert oc4ids.sector(Project(industry_code=code, category=category)) == sector


def test_milestone_status() -> None:
    today = date(2026, 5, 1)
    assert (
        oc4ids.milestone_status(Milestone(planned_on=date(2026, 4, 1), actual_on=date(2026, 4, 5)), today)
        == "met"
    )
    assert oc4ids.milestone_status(Milestone(planned_on=date(2026, 4, 30)), today) == "notMet"
    assert oc4ids.milestone_status(Milestone(planned_on=date(2026, 5, 1)), today) == "scheduled"


def test_dates_are_local_date_times() -> None:
    assert oc4ids.date_time(date(2026, 1, 2)) == "2026-01-02T00:00:00+08:00"
    moment = datetime(2026, 1, 1, 20, 30, tzinfo=UTC)
    assert oc4ids.date_time(moment) == "2026-01-02T04:30:00+08:00"
    assert oc4ids.date_time(None) is None


def test_party_identifier_only_for_a_valid_credit_code() -> None:
    from stdnum.cn import uscc

    code = "91500152MA5U3110" + "0"
    code += uscc.calc_check_digit(code)
    org = Organization(pk=7, name="重庆测试建设有限公司", code=code, address=" 古溪镇工业园1号 ")
    assert oc4ids._party(org) == {
        "id": "org-7",
        "name": "重庆测试建设有限公司",
        "identifier": {"scheme": "CN-USCC", "id": code, "legalName": "重庆测试建设有限公司"},
        "address": {"streetAddress": "古溪镇工业园1号", "countryName": "中国"},
    }
    internal = Organization(pk=8, name="区经济信息委", code="JXW-01", address="")
    assert oc4ids._party(internal) == {"id": "org-8", "name": "区经济信息委"}
