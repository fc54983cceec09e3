"""Open311 GeoReport v2: every response validated against the standard's JSON Schemas, XML parsed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from tiaodu.cases.models import Case, CaseCategory
from tiaodu.enterprises.choices import APPEAL_CATEGORIES
from tiaodu.open311.models import Open311Key, Open311Request
from tiaodu.open311.tests.conftest import (
    BASE,
    error_codes,
    parse_xml,
    post_request,
    validate,
    xml_items,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int]:
    return Case.objects.count(), Open311Request.objects.count()


def create(api: Any, key: str, **data: Any) -> dict[str, Any]:
    response = post_request(api, api_key=key, **data)
    assert response.status_code == 200, response.content.decode()
    return validate("post-response.json", response.json())[0]  # type: ignore[no-any-return]


# --- Services ------------------------------------------------------------------------------------


def test_services_json_lists_the_appeal_categories(api):
    response = api.get(f"{BASE}/services.json")
    assert response.status_code == 200
    services = validate("services.json", response.json())
    assert [s["service_code"] for s in services] == [code for code, *_ in APPEAL_CATEGORIES]
    financing = next(s for s in services if s["service_code"] == "financing")
    assert financing["service_name"] == "融资"
    assert financing["type"] == "realtime"
    assert financing["group"] == "企业诉求"
    assert "区财政局" in financing["description"]  # the category's default department
    assert "15个工作日" in financing["description"]


def test_services_xml(api):
    root = parse_xml(api.get(f"{BASE}/services.xml"), "services")
    items = xml_items(root, "service")
    assert [i["service_code"] for i in items] == [code for code, *_ in APPEAL_CATEGORIES]
    assert set(items[0]) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert items[0]["metadata"] in ("true", "false")


def test_inactive_category_is_not_offered(api):
    CaseCategory.objects.filter(workflow="appeal", code="epidemic").update(is_active=False)
    codes = [s["service_code"] for s in api.get(f"{BASE}/services.json").json()]
    assert "epidemic" not in codes
    assert error_codes(api.get(f"{BASE}/services/epidemic.json"), 404) == ["service_code_unknown"]


def test_service_definition_json_and_xml(api):
    definition = validate("service-definition.json", api.get(f"{BASE}/services/labour.json").json())
    assert definition["service_code"] == "labour"
    assert [a["code"] for a in definition["attributes"]] == ["credit_code", "title"]
    assert all(a["required"] is False for a in definition["attributes"])

    root = parse_xml(api.get(f"{BASE}/services/labour.xml"), "service_definition")
    assert root.findtext("service_code") == "labour"
    attributes = root.find("attributes")
    assert attributes is not None
    assert [a.findtext("code") for a in attributes.findall("attribute")] == ["credit_code", "title"]
    assert attributes.find("attribute/datatype").text == "string"  # type: ignore[union-attr]


def test_unknown_service_definition_is_404_in_both_formats(api):
    assert error_codes(api.get(f"{BASE}/services/nope.json"), 404) == ["service_code_unknown"]
    assert error_codes(api.get(f"{BASE}/services/nope.xml"), 404) == ["service_code_unknown"]


def test_wrong_method_is_an_error_in_the_spec_format(api):
    response = api.delete(f"{BASE}/services.json")
    assert error_codes(response, 405) == ["method_not_allowed"]
    assert "GET" in response["Allow"]


# --- A generic client: list services, post, read back ------------------------------------------


def test_generic_client_flow(api, world, key_for):
    key = key_for(enterprise=world.guxi_enterprise)
    services = validate("services.json", api.get(f"{BASE}/services.json").json())
    code = services[1]["service_code"]

    created = create(
        api,
        key,
        service_code=code,
        description="流动资金缺口500万元,请协调银行贷款",
        email="cfo@example.com",
        device_id="dev-1",
        account_id="zhangsan",
        first_name="三",
        last_name="张",
        phone="13800000000",
        media_url="https://example.com/photo.jpg",
    )
    request_id, token = created["service_request_id"], created["token"]
    assert created["account_id"] == "zhangsan"
    assert request_id in created["service_notice"]

    # The appeal went through the case engine as the bound enterprise's.
    case = Case.objects.get(number=request_id)
    assert case.workflow == "appeal"
    assert case.submitter_org_id == world.guxi_enterprise.organization_id
    assert case.region.code == world.guxi_enterprise.township.code
    assert case.category.code == code
    assert case.source == "Open311"
    assert case.handling_org is not None and case.state == "accepted" and case.is_open
    side = case.open311
    assert (side.lat, side.long, side.email, side.token) == (30.1901, 105.842, "cfo@example.com", token)

    # Read it back by id, with the key: every field.
    response = api.get(f"{BASE}/requests/{request_id}.json", {"api_key": key})
    [item] = validate("requests.json", response.json())
    assert item["service_request_id"] == request_id
    assert item["status"] == "open"
    assert item["service_code"] == code
    assert item["description"] == "流动资金缺口500万元,请协调银行贷款"
    assert item["agency_responsible"] == case.handling_org.name
    assert (item["lat"], item["long"]) == (30.1901, 105.842)
    assert item["media_url"] == "https://example.com/photo.jpg"
    assert item["status_notes"].startswith("已受理")
    assert item["expected_datetime"] == f"{case.due_on:%Y-%m-%d}T23:59:59+08:00"
    requested = datetime.fromisoformat(item["requested_datetime"])
    assert abs((requested - case.accepted_at).total_seconds()) < 1

    # Through the token.
    [resolved] = validate("token-response.json", api.get(f"{BASE}/tokens/{token}.json").json())
    assert resolved == {"service_request_id": request_id, "token": token}
    root = parse_xml(api.get(f"{BASE}/tokens/{token}.xml"), "service_requests")
    assert xml_items(root, "request") == [{"service_request_id": request_id, "token": token}]

    # In the list, filtered by id (comma list) and by code.
    listed = validate(
        "requests.json",
        api.get(f"{BASE}/requests.json", {"service_request_id": f"{request_id},NOPE", "api_key": key}).json(),
    )
    assert [r["service_request_id"] for r in listed] == [request_id]
    listed = validate("requests.json", api.get(f"{BASE}/requests.json", {"service_code": code}).json())
    assert request_id in [r["service_request_id"] for r in listed]

    # XML of the same request.
    root = parse_xml(api.get(f"{BASE}/requests/{request_id}.xml", {"api_key": key}), "service_requests")
    [xml_item] = xml_items(root, "request")
    assert xml_item["service_request_id"] == request_id
    assert xml_item["status"] == "open"
    assert xml_item["description"] == item["description"]
    assert xml_item["lat"] == "30.1901"
    assert xml_item["zipcode"] is None  # empty element
    assert set(xml_item) == set(item)


def test_post_xml_returns_service_requests(api, world, key_for):
    key = key_for(enterprise=world.guxi_enterprise)
    response = post_request(api, "xml", api_key=key, address_string="古溪镇工业园1号", lat=None, long=None)
    assert response.status_code == 200
    root = parse_xml(response, "service_requests")
    [item] = xml_items(root, "request")
    assert set(item) == {"service_request_id", "token", "service_notice", "account_id"}
    assert item["account_id"] is None
    side = Open311Request.objects.get(token=item["token"])
    assert side.address_string == "古溪镇工业园1号"
    assert side.case.number == item["service_request_id"]


def test_xml_escapes_markup_and_drops_characters_xml_cannot_carry(api, world, key_for):
    key = key_for(enterprise=world.guxi_enterprise)
    text = 'A & B <b>"粗体"</b> ]]> \x01 \x1f 结束'
    created = create(api, key, description=text, address_string="<script>&</script>", lat=None, long=None)
    response = api.get(f"{BASE}/requests/{created['service_request_id']}.xml", {"api_key": key})
    [item] = xml_items(parse_xml(response, "service_requests"), "request")
    assert item["description"] == 'A & B <b>"粗体"</b> ]]>   结束'
    assert item["address"] == "<script>&</script>"
    # JSON keeps the text as stored.
    [data] = api.get(f"{BASE}/requests/{created['service_request_id']}.json", {"api_key": key}).json()
    assert data["description"] == text


def test_request_without_side_record_reads_fine(api, world, key_for):
    """Appeals filed on the web have no Open311 record: location comes from the registry."""
    from tiaodu.enterprises.services import raise_appeal

    case = raise_appeal(None, world.guxi_enterprise, "labour", "缺普工20人", timezone.localdate())
    key = key_for(enterprise=world.guxi_enterprise)
    [item] = validate(
        "requests.json", api.get(f"{BASE}/requests/{case.number}.json", {"api_key": key}).json()
    )
    assert item["address"] == "古溪镇工业园1号"
    assert item["lat"] is None
    assert item["service_code"] == "labour"


# --- Bad input: clear errors, nothing created -----------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_invalid_and_revoked_keys_are_refused(api, world, key_for, fmt):
    from tiaodu.audit.models import SecurityEvent
    from tiaodu.open311.services import revoke_key

    before = counts()
    assert error_codes(post_request(api, fmt), 403) == ["api_key_missing"]
    bogus = "o311_deadbeefNotARealKey"
    assert error_codes(post_request(api, fmt, api_key=bogus), 403) == ["api_key_invalid"]
    key = key_for(enterprise=world.guxi_enterprise)
    revoke_key(Open311Key.prefix_of(key))
    assert error_codes(post_request(api, fmt, api_key=key), 403) == ["api_key_revoked"]
    # A key in the query string of a GET is refused too, and never written to the security log.
    assert error_codes(api.get(f"{BASE}/requests.{fmt}", {"api_key": bogus}), 403) == ["api_key_invalid"]
    assert counts() == before
    rejected = SecurityEvent.objects.filter(kind="token_rejected").order_by("-pk")[:3]
    assert len(rejected) == 3
    assert all(bogus not in e.path and key not in e.path and key not in e.detail for e in rejected)


def test_missing_location_is_400_and_creates_nothing(api, world, key_for):
    key = key_for(enterprise=world.guxi_enterprise)
    before = counts()
    assert error_codes(post_request(api, api_key=key, lat=None, long=None), 400) == ["location_missing"]
    assert error_codes(post_request(api, "xml", api_key=key, lat=None, long=None), 400) == [
        "location_missing"
    ]
    assert error_codes(post_request(api, api_key=key, long=None), 400) == ["location_invalid"]
    assert error_codes(post_request(api, api_key=key, lat="91"), 400) == ["location_invalid"]
    assert error_codes(post_request(api, api_key=key, lat="nan"), 400) == ["location_invalid"]
    assert counts() == before
    # address_id alone is a location.
    assert post_request(api, api_key=key, lat=None, long=None, address_id="ADDR-1").status_code == 200


def test_unknown_service_code_and_other_bad_fields(api, world, key_for):
    key = key_for(enterprise=world.guxi_enterprise)
    before = counts()
    assert error_codes(post_request(api, api_key=key, service_code="nope"), 400) == ["service_code_unknown"]
    assert error_codes(post_request(api, api_key=key, service_code=None), 400) == ["service_code_missing"]
    assert error_codes(post_request(api, api_key=key, description=None), 400) == ["description_missing"]
    assert error_codes(post_request(api, api_key=key, description="长" * 4001), 400) == [
        "description_too_long"
    ]
    assert error_codes(post_request(api, api_key=key, email="not-an-email"), 400) == ["email_invalid"]
    assert error_codes(post_request(api, api_key=key, media_url="javascript:alert(1)"), 400) == [
        "media_url_invalid"
    ]
    assert error_codes(post_request(api, api_key=key, device_id="d" * 65), 400) == ["device_id_too_long"]
    assert error_codes(post_request(api, api_key=key, description="a\x00b"), 400) == ["invalid_character"]
    # Every problem at once, in one error list.
    codes = error_codes(
        post_request(api, api_key=key, service_code="nope", lat=None, long=None, description=None), 400
    )
    assert codes == ["service_code_unknown", "location_missing", "description_missing"]
    assert counts() == before


def test_enterprise_key_cannot_file_for_another_enterprise(api, world, key_for):
    key = key_for(enterprise=world.guxi_enterprise)
    before = counts()
    response = post_request(api, api_key=key, **{"attribute[credit_code]": world.yuxi_enterprise.credit_code})
    assert error_codes(response, 400) == ["enterprise_unknown"]
    assert counts() == before


UNKNOWN_CODE = "91500152MA5U31103R"  # a valid check digit, registered nowhere


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("bound", ["enterprise", "town"])
def test_out_of_scope_credit_code_is_answered_like_an_unknown_one(api, world, key_for, fmt, bound):
    """Issue 13 L1: the answer never names the enterprise, and does not tell "exists elsewhere"
    from "does not exist"."""
    from tiaodu.cases.tests.factories import credit_code, enterprise

    key = key_for(enterprise=world.guxi_enterprise) if bound == "enterprise" else key_for(org=world.guxi_town)
    # An enterprise of another town, and one of another district (荣昌区昌元街道).
    rongchang = enterprise(credit_code(7, "500153"), "500153001", "重庆中渝包装测试有限公司")
    elsewhere = [world.yuxi_enterprise, rongchang]

    def answer(code: str) -> tuple[int, str]:
        response = post_request(api, fmt, api_key=key, **{"attribute[credit_code]": code})
        return response.status_code, response.content.decode().replace(code, "CODE")

    unknown = answer(UNKNOWN_CODE)
    assert unknown[0] == 400 and "enterprise_unknown" in unknown[1]
    for firm in elsewhere:
        status, body = answer(firm.credit_code)
        assert (status, body) == unknown
        assert firm.name not in body


# --- Organisation keys ---------------------------------------------------------------------------


def test_town_key_files_for_enterprises_in_its_town_only(api, world, key_for):
    key = key_for(org=world.guxi_town)
    before = counts()
    assert error_codes(post_request(api, api_key=key), 400) == ["enterprise_required"]
    assert error_codes(post_request(api, api_key=key, account_id="91500152MA5U311010"), 400) == [
        "credit_code_invalid"
    ]
    assert error_codes(
        post_request(api, api_key=key, **{"attribute[credit_code]": "91500152MA5U31103R"}), 400
    ) == ["enterprise_unknown"]
    response = post_request(api, api_key=key, **{"attribute[credit_code]": world.yuxi_enterprise.credit_code})
    assert error_codes(response, 400) == ["enterprise_unknown"]
    assert counts() == before

    by_attribute = create(
        api,
        key,
        **{"attribute[credit_code]": world.guxi_enterprise.credit_code.lower(), "attribute[title]": "贷款"},
    )
    by_account = create(api, key, account_id=world.guxi_enterprise.credit_code)
    for created in (by_attribute, by_account):
        case = Case.objects.get(number=created["service_request_id"])
        assert case.submitter_org_id == world.guxi_enterprise.organization_id
    assert Case.objects.get(number=by_attribute["service_request_id"]).title == "贷款"
    assert by_account["account_id"] == world.guxi_enterprise.credit_code


def test_department_key_reaches_the_whole_district(api, world, key_for):
    key = key_for(org=world.jxw)
    created = create(api, key, account_id=world.yuxi_enterprise.credit_code)
    listed = api.get(f"{BASE}/requests.json", {"api_key": key}).json()
    assert created["service_request_id"] in [
        r["service_request_id"] for r in validate("requests.json", listed)
    ]


# --- Privacy: what a key may read --------------------------------------------------------------


@pytest.fixture
def two_towns(api, world, key_for):
    guxi_key = key_for(enterprise=world.guxi_enterprise)
    yuxi_key = key_for(enterprise=world.yuxi_enterprise)
    guxi_id = create(api, guxi_key, description="古溪:用工缺口")["service_request_id"]
    yuxi_id = create(api, yuxi_key, description="玉溪:商业秘密的融资方案")["service_request_id"]
    return guxi_key, yuxi_key, guxi_id, yuxi_id


def test_guxi_enterprise_key_cannot_read_yuxi_private_fields(api, world, key_for, two_towns):
    guxi_key, _yuxi_key, guxi_id, yuxi_id = two_towns
    listed = validate("requests.json", api.get(f"{BASE}/requests.json", {"api_key": guxi_key}).json())
    assert [r["service_request_id"] for r in listed] == [guxi_id]
    assert listed[0]["description"] == "古溪:用工缺口"
    # The other town's request, asked for by id with the key: not found (as for a town user).
    assert error_codes(api.get(f"{BASE}/requests/{yuxi_id}.json", {"api_key": guxi_key}), 404) == [
        "request_not_found"
    ]
    by_ids = api.get(
        f"{BASE}/requests.json", {"api_key": guxi_key, "service_request_id": f"{guxi_id},{yuxi_id}"}
    )
    assert [r["service_request_id"] for r in validate("requests.json", by_ids.json())] == [guxi_id]
    # XML the same.
    root = parse_xml(api.get(f"{BASE}/requests.xml", {"api_key": guxi_key}), "service_requests")
    assert [i["service_request_id"] for i in xml_items(root, "request")] == [guxi_id]
    assert (
        b"\xe5\x95\x86\xe4\xb8\x9a\xe7\xa7\x98\xe5\xaf\x86"
        not in api.get(  # 商业秘密
            f"{BASE}/requests.xml", {"api_key": guxi_key}
        ).content
    )


def test_without_a_key_only_public_fields(api, two_towns):
    _guxi_key, _yuxi_key, guxi_id, yuxi_id = two_towns
    everything = validate("requests.json", api.get(f"{BASE}/requests.json", {"page_size": "1000"}).json())
    assert {guxi_id, yuxi_id} <= {r["service_request_id"] for r in everything}
    for item in everything:
        assert item["description"] is None
        assert item["address"] is None and item["lat"] is None and item["media_url"] is None
        assert ":" not in item["status_notes"]  # the state only, never a note
    [item] = validate("requests.json", api.get(f"{BASE}/requests/{yuxi_id}.json").json())
    assert item["description"] is None and item["status_notes"] == "已受理" and item["agency_responsible"]
    assert "商业秘密".encode() not in api.get(f"{BASE}/requests.xml", {"page_size": "1000"}).content
    assert "商业秘密" not in api.get(f"{BASE}/requests.json", {"page_size": "1000"}).content.decode()


def test_town_key_reads_its_town_in_full(api, world, key_for, two_towns):
    _guxi_key, _yuxi_key, guxi_id, yuxi_id = two_towns
    town_key = key_for(org=world.guxi_town)
    listed = validate(
        "requests.json", api.get(f"{BASE}/requests.json", {"api_key": town_key, "page_size": "1000"}).json()
    )
    by_id = {r["service_request_id"]: r for r in listed}
    assert guxi_id in by_id and yuxi_id not in by_id
    assert by_id[guxi_id]["description"] == "古溪:用工缺口"
    towns = set(Case.objects.filter(number__in=by_id).values_list("region__code", flat=True).distinct())
    assert towns == {world.guxi_town.region.code}
    yuxi_town_key = key_for(org=world.yuxi_town)
    [item] = api.get(f"{BASE}/requests/{yuxi_id}.json", {"api_key": yuxi_town_key}).json()
    assert item["description"] == "玉溪:商业秘密的融资方案"


# --- Status and filters --------------------------------------------------------------------------


def _close(number: str, users: dict[str, Any]) -> Case:
    from tiaodu.cases.services import Step, transition

    case = Case.objects.get(number=number)
    admin = users["admin"]
    transition(admin, case.pk, Step("assign"))
    transition(admin, case.pk, Step("start"))
    return transition(admin, case.pk, Step("resolve", note="已协调农商行放贷300万元"))


def test_states_map_to_open_and_closed_with_notes(api, world, key_for, users):
    key = key_for(enterprise=world.guxi_enterprise)
    open_id = create(api, key)["service_request_id"]
    closed_id = create(api, key)["service_request_id"]
    closed = _close(closed_id, users)

    def ids(**params: str) -> list[str]:
        data = api.get(f"{BASE}/requests.json", {"api_key": key, **params}).json()
        return [r["service_request_id"] for r in validate("requests.json", data)]

    assert ids(status="open") == [open_id]
    assert ids(status="closed") == [closed_id]
    assert set(ids(status="open,closed")) == {open_id, closed_id}
    [item] = api.get(f"{BASE}/requests/{closed_id}.json", {"api_key": key}).json()
    assert item["status"] == "closed"
    assert item["status_notes"] == "已办结:已协调农商行放贷300万元"
    assert datetime.fromisoformat(item["updated_datetime"]) == closed.resolved_at.replace(microsecond=0)
    [public] = api.get(f"{BASE}/requests/{closed_id}.json").json()
    assert public["status_notes"] == "已办结"  # the state is public, the note is not


def test_date_filters_match_requested_datetime_exactly(api, world, key_for):
    key = key_for(enterprise=world.guxi_enterprise)
    today = timezone.localdate()
    day = today - timedelta(days=10)
    accepted = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=10))
    ids = {}
    for name, raised in (("old", day - timedelta(days=1)), ("day", day), ("new", day + timedelta(days=1))):
        ids[name] = create(api, key)["service_request_id"]
        Case.objects.filter(number=ids[name]).update(raised_on=raised, accepted_at=accepted)
    # An imported appeal (accepted later than raised) counts from midnight of the day raised.
    ids["imported"] = create(api, key)["service_request_id"]
    Case.objects.filter(number=ids["imported"]).update(raised_on=day, accepted_at=timezone.now())

    def found(**params: str) -> set[str]:
        data = api.get(f"{BASE}/requests.json", {"api_key": key, **params}).json()
        return {ids_by[r["service_request_id"]] for r in validate("requests.json", data)}

    ids_by = {v: k for k, v in ids.items()}
    iso = f"{day:%Y-%m-%d}"
    assert found(start_date=f"{iso}T09:00:00+08:00") == {"day", "new"}
    assert found(start_date=f"{iso}T11:00:00+08:00") == {"new"}
    assert found(start_date=f"{iso}T00:00:00+08:00") == {"day", "imported", "new"}
    assert found(end_date=f"{iso}T09:00:00+08:00") == {"old", "imported"}
    assert found(end_date=f"{iso}T11:00:00+08:00") == {"old", "day", "imported"}
    assert found(start_date=iso, end_date=f"{iso}T23:59:59+08:00") == {"day", "imported"}
    # UTC input, and a '+' that arrived unencoded as a space.
    assert found(start_date=f"{day - timedelta(days=1):%Y-%m-%d}T16:00:00Z") == {"day", "imported", "new"}
    assert found(start_date=f"{iso}T09:00:00 08:00") == {"day", "new"}
    [item] = api.get(f"{BASE}/requests/{ids['day']}.json", {"api_key": key}).json()
    assert item["requested_datetime"] == f"{iso}T10:00:00+08:00"
    [item] = api.get(f"{BASE}/requests/{ids['imported']}.json", {"api_key": key}).json()
    assert item["requested_datetime"] == f"{iso}T00:00:00+08:00"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start_date": "yesterday"}, "date_invalid"),
        ({"end_date": "2025-13-01"}, "date_invalid"),
        ({"start_date": "2025-03-01", "end_date": "2025-01-01"}, "date_range_invalid"),
        ({"start_date": "2025-01-01", "end_date": "2025-06-01"}, "date_range_too_long"),
        ({"status": "pending"}, "status_invalid"),
        ({"service_code": "financing,nope"}, "service_code_unknown"),
        ({"page": "0"}, "page_invalid"),
        ({"page_size": "1001"}, "page_size_invalid"),
        ({"page_size": "x"}, "page_size_invalid"),
    ],
)
def test_bad_filters(api, params, code):
    assert error_codes(api.get(f"{BASE}/requests.json", params), 400) == [code]
    assert error_codes(api.get(f"{BASE}/requests.xml", params), 400) == [code]


def test_paging_links_the_next_page_without_the_key(api, world, key_for):
    key = key_for(enterprise=world.guxi_enterprise)
    made = [create(api, key)["service_request_id"] for _ in range(5)]
    first = api.get(f"{BASE}/requests.json", {"api_key": key, "page_size": "2", "status": "open"})
    assert [r["service_request_id"] for r in first.json()] == made[::-1][:2]
    link = first["Link"]
    assert link.endswith('rel="next"') and key not in link
    query = parse_qs(urlsplit(link[1 : link.index(">")]).query)
    assert query == {"page": ["2"], "page_size": ["2"], "status": ["open"]}
    third = api.get(f"{BASE}/requests.json", {"api_key": key, "page_size": "2", "page": "3"})
    assert [r["service_request_id"] for r in third.json()] == made[:1]
    assert "Link" not in third


def test_unknown_request_and_token_are_404(api):
    assert error_codes(api.get(f"{BASE}/requests/AP20250000000.json"), 404) == ["request_not_found"]
    assert error_codes(api.get(f"{BASE}/tokens/nope.xml"), 404) == ["token_not_found"]
    assert error_codes(api.get(f"{BASE}/requests/a%00b.json"), 400) == ["invalid_character"]


def test_future_date_and_query_do_not_break_on_empty_results(api):
    future = date.today() + timedelta(days=400)
    response = api.get(f"{BASE}/requests.json", {"start_date": f"{future:%Y-%m-%d}"})
    assert validate("requests.json", response.json()) == []
    root = parse_xml(
        api.get(f"{BASE}/requests.xml", {"start_date": f"{future:%Y-%m-%d}"}), "service_requests"
    )
    assert len(root) == 0
