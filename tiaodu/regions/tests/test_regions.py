"""The region tree: loading Chongqing, codes, subtrees, peer groups, the regions API."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tiaodu.core.errors import InvalidInput
from tiaodu.regions.choices import NATION_CODE, Level
from tiaodu.regions.models import PeerGroup, Region
from tiaodu.regions.services import (
    PEER_SCHEME,
    ancestors,
    get_region,
    is_within,
    load_regions,
    normalize_code,
    peer_group_of,
    subtree,
)

pytestmark = pytest.mark.django_db

CHONGQING_PATH = "100000/500000/"
TONGNAN = "500152"
DADUKOU = "500104"
GUXI = "500152103"


def chongqing(level: Level | None = None):
    qs = Region.objects.filter(path__startswith=CHONGQING_PATH)
    return qs if level is None else qs.filter(level=level)


# --- What load_regions(["50"]) produced (the session fixture loads it) -------------------------


def test_nation_and_province():
    nation = Region.objects.get(code=NATION_CODE)
    assert nation.level == Level.NATION
    assert nation.parent is None
    assert nation.path == "100000/"
    province = Region.objects.get(code="500000")
    assert province.name == "重庆市"
    assert province.level == Level.PROVINCE
    assert province.parent == nation
    assert province.path == CHONGQING_PATH
    assert chongqing(Level.PROVINCE).count() == 1


def test_pseudo_cities():
    cities = {r.code: r.name for r in chongqing(Level.CITY)}
    assert cities == {"500100": "市辖区", "500200": "县"}


def test_thirty_eight_county_units():
    counties = chongqing(Level.COUNTY)
    assert counties.count() == 38
    assert counties.filter(parent__code="500100").count() == 26
    assert counties.filter(parent__code="500200").count() == 12
    names = set(counties.values_list("name", flat=True))
    assert {"潼南区", "大渡口区", "渝中区", "城口县", "彭水苗族土家族自治县"} <= names


def test_tongnan_has_23_townships():
    tongnan = Region.objects.get(code=TONGNAN)
    assert tongnan.name == "潼南区"
    assert tongnan.level == Level.COUNTY
    assert tongnan.parent.code == "500100"
    towns = Region.objects.filter(parent=tongnan)
    assert towns.count() == 23
    assert set(towns.values_list("level", flat=True)) == {Level.TOWNSHIP}
    names = list(towns.values_list("name", flat=True))
    assert sum(n.endswith("街道") for n in names) == 3
    assert sum(n.endswith("镇") for n in names) == 20
    assert {"桂林街道", "梓潼街道", "大佛街道", "古溪镇", "玉溪镇"} <= set(names)
    assert all(code.startswith(TONGNAN) and len(code) == 9 for code in towns.values_list("code", flat=True))


def test_dadukou_has_8_townships():
    assert Region.objects.get(code=DADUKOU).name == "大渡口区"
    assert Region.objects.filter(parent__code=DADUKOU, level=Level.TOWNSHIP).count() == 8


def test_every_path_matches_its_parent():
    for region in chongqing().select_related("parent"):
        assert region.path == f"{region.parent.path}{region.code}/"
        assert region.level == region.parent.level + 1


# --- Peer groups (一区两群) ------------------------------------------------------------------------


def test_peer_group_sizes():
    groups = {g.name: g for g in PeerGroup.objects.filter(scheme=PEER_SCHEME).prefetch_related("members")}
    assert {name: len(g.members.all()) for name, g in groups.items()} == {
        "中心城区": 9,
        "主城新区": 12,
        "渝东北三峡库区城镇群": 11,
        "渝东南武陵山区城镇群": 6,
    }
    assert sum(len(g.members.all()) for g in groups.values()) == 38
    assert {g.parent.code for g in groups.values()} == {"500000"}
    members = [m for g in groups.values() for m in g.members.all()]
    assert len({m.pk for m in members}) == 38
    assert {m.level for m in members} == {Level.COUNTY}


def test_peer_group_of_tongnan_and_dadukou():
    tongnan = get_region(TONGNAN)
    group = peer_group_of(tongnan)
    assert group is not None
    assert group.name == "主城新区"
    assert group.members.filter(code=TONGNAN).exists()
    assert {"500102", "500151", "500153"} <= set(group.members.values_list("code", flat=True))
    assert peer_group_of(get_region(DADUKOU)).name == "中心城区"
    assert peer_group_of(get_region(GUXI)) is None
    assert peer_group_of(tongnan, scheme="其他方案") is None


# --- Codes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("50", "500000"),
        ("5001", "500100"),
        ("5002", "500200"),
        ("500152", "500152"),
        (" 500152 ", "500152"),
        ("500152103", "500152103"),
        ("500152103000", "500152103"),
        ("500152000000", "500152"),
        ("110101001000", "110101001"),
    ],
)
def test_normalize_code(raw, expected):
    assert normalize_code(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "5", "500", "50015", "5001521", "50015210", "5001521030", "50x152", "五〇", None]
)
def test_bad_codes_raise_region_code_invalid(raw):
    with pytest.raises(InvalidInput) as exc:
        normalize_code(raw)
    assert [e.code for e in exc.value.errors] == ["region_code_invalid"]
    assert exc.value.errors[0].field == "region"
    assert "格式不正确" in exc.value.errors[0].message


def test_get_region_short_and_long_forms():
    assert get_region("50").name == "重庆市"
    assert get_region("5001").name == "市辖区"
    assert get_region("500152103000").name == "古溪镇"
    with pytest.raises(InvalidInput) as exc:
        get_region("999999")
    assert exc.value.errors[0].code == "region_unknown"


# --- Subtrees and ancestors -----------------------------------------------------------------------


def test_subtree_by_path_prefix():
    tongnan = get_region(TONGNAN)
    tree = subtree(tongnan)
    assert tree.count() == 24
    assert subtree(tongnan, include_self=False).count() == 23
    assert all(r.path.startswith(tongnan.path) for r in tree)
    assert "path__startswith" in str(tree.query) or "LIKE" in str(tree.query)
    city = get_region("500000")
    total = chongqing().count()
    assert subtree(city).count() == total
    assert total == 1 + 2 + 38 + chongqing(Level.TOWNSHIP).count()
    guxi = get_region(GUXI)
    assert list(subtree(guxi)) == [guxi]
    assert not subtree(get_region(DADUKOU)).filter(code=GUXI).exists()


def test_is_within():
    guxi, tongnan, city = get_region(GUXI), get_region(TONGNAN), get_region("500000")
    assert is_within(guxi, tongnan)
    assert is_within(guxi, city)
    assert is_within(tongnan, tongnan)
    assert not is_within(tongnan, guxi)
    assert not is_within(guxi, get_region(DADUKOU))
    assert not is_within(None, tongnan)
    assert not is_within(guxi, None)


def test_ancestors_and_full_name(django_assert_num_queries):
    guxi = get_region(GUXI)
    with django_assert_num_queries(1):
        chain = ancestors(guxi)
    assert [r.code for r in chain] == ["100000", "500000", "500100", TONGNAN]
    assert ancestors(get_region("100000")) == []
    assert guxi.full_name == "重庆市潼南区古溪镇"
    assert get_region(TONGNAN).full_name == "重庆市潼南区"
    assert get_region("500229").full_name == "重庆市城口县"
    assert get_region("500000").full_name == "重庆市"
    assert str(guxi) == "古溪镇"


# --- Reloading -------------------------------------------------------------------------------------


def test_reload_is_idempotent():
    before = dict(chongqing().values_list("code", "id"))
    groups_before = {
        g.name: (g.pk, sorted(g.members.values_list("code", flat=True)))
        for g in PeerGroup.objects.filter(scheme=PEER_SCHEME)
    }
    result = load_regions(["50"])
    assert result.created == 0
    assert result.updated == len(before) + 1  # Chongqing plus the nation row
    assert dict(chongqing().values_list("code", "id")) == before
    groups_after = {
        g.name: (g.pk, sorted(g.members.values_list("code", flat=True)))
        for g in PeerGroup.objects.filter(scheme=PEER_SCHEME)
    }
    assert groups_after == groups_before
    assert "新增0条" in str(result)


def test_reload_repairs_a_renamed_region():
    Region.objects.filter(code=GUXI).update(name="改错的名字")
    load_regions(["50"])
    assert get_region(GUXI).name == "古溪镇"


def test_regions_load_command():
    out = io.StringIO()
    call_command("regions", "load", "--province", "50", stdout=out)
    assert "区划加载完成" in out.getvalue()
    assert "新增0条" in out.getvalue()


def test_unknown_province_is_refused():
    with pytest.raises(InvalidInput) as exc:
        load_regions(["99"])
    assert exc.value.errors[0].code == "province_unknown"
    with pytest.raises(CommandError) as cmd_exc:
        call_command("regions", "load", "--province", "99", stdout=io.StringIO())
    assert "province_unknown" in str(cmd_exc.value)
    assert not Region.objects.filter(code="990000").exists()


def test_load_another_province_keeps_chongqing():
    before = chongqing().count()
    result = load_regions(["11"])
    beijing = Region.objects.get(code="110000")
    assert beijing.name == "北京市"
    assert result.created > 0
    assert Region.objects.filter(parent__code="110100", level=Level.COUNTY).count() >= 16
    assert get_region("110101").full_name == "北京市东城区"
    assert chongqing().count() == before


# --- The API ----------------------------------------------------------------------------------------


@pytest.fixture
def api(client_for, users):
    return client_for(users["guxi"])


def test_api_requires_authentication(client):
    response = client.get("/api/v1/regions")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_api_filter_by_level_and_within(api):
    body = api.get("/api/v1/regions", {"level": 3, "within": "50", "page_size": 200}).json()
    assert body["count"] == 38
    assert len(body["results"]) == 38
    assert all(r["level"] == 3 and r["level_label"] == "区县" for r in body["results"])
    codes = [r["code"] for r in body["results"]]
    assert codes == sorted(codes)


def test_api_filter_by_parent(api):
    body = api.get("/api/v1/regions", {"parent": TONGNAN, "page_size": 50}).json()
    assert body["count"] == 23
    assert {r["parent_code"] for r in body["results"]} == {TONGNAN}
    assert api.get("/api/v1/regions", {"parent": "5001"}).json()["count"] == 26
    assert api.get("/api/v1/regions", {"parent": "50"}).json()["count"] == 2


def test_api_within_includes_self(api):
    body = api.get("/api/v1/regions", {"within": TONGNAN, "page_size": 50}).json()
    assert body["count"] == 24
    assert body["results"][0]["code"] == TONGNAN
    assert api.get("/api/v1/regions", {"within": "999999"}).json()["count"] == 0


def test_api_search(api):
    body = api.get("/api/v1/regions", {"q": "古溪"}).json()
    assert [r["code"] for r in body["results"]] == [GUXI]
    assert api.get("/api/v1/regions", {"q": "500152", "level": 4}).json()["count"] == 23
    assert api.get("/api/v1/regions", {"q": "5001521", "level": 4}).json()["count"] == 20  # the 镇
    body = api.get("/api/v1/regions", {"q": "街道", "within": TONGNAN}).json()
    assert body["count"] == 3


def test_api_pagination(api):
    page1 = api.get("/api/v1/regions", {"within": TONGNAN, "page_size": 10}).json()
    page3 = api.get("/api/v1/regions", {"within": TONGNAN, "page_size": 10, "page": 3}).json()
    assert page1["count"] == page3["count"] == 24
    assert len(page1["results"]) == 10
    assert len(page3["results"]) == 4
    assert api.get("/api/v1/regions", {"page_size": 500}).status_code == 422


def test_api_bad_filters(api):
    response = api.get("/api/v1/regions", {"level": 9})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "level"
    response = api.get("/api/v1/regions", {"parent": "abc"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "region_code_invalid"


def test_api_detail(api):
    body = api.get(f"/api/v1/regions/{TONGNAN}").json()
    assert body == {
        "code": TONGNAN,
        "name": "潼南区",
        "level": 3,
        "level_label": "区县",
        "parent_code": "500100",
        "path": "100000/500000/500100/500152/",
    }
    assert api.get("/api/v1/regions/50").json()["code"] == "500000"
    assert api.get("/api/v1/regions/50").json()["parent_code"] == "100000"
    assert api.get("/api/v1/regions/100000").json()["parent_code"] is None
    assert api.get("/api/v1/regions/500152103000").json()["name"] == "古溪镇"


def test_api_detail_errors(api):
    response = api.get("/api/v1/regions/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    response = api.get("/api/v1/regions/5x")
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "region_code_invalid"


def test_api_peer_groups(api, client, users, bearer):
    body = client.get("/api/v1/regions/peer-groups", **bearer(users["qiye"])).json()
    groups = {g["name"]: g for g in body}
    assert {name: len(g["member_codes"]) for name, g in groups.items()} == {
        "中心城区": 9,
        "主城新区": 12,
        "渝东北三峡库区城镇群": 11,
        "渝东南武陵山区城镇群": 6,
    }
    assert TONGNAN in groups["主城新区"]["member_codes"]
    assert all(g["scheme"] == PEER_SCHEME and g["parent_code"] == "500000" for g in body)


def test_region_pages(client_for, users):
    client = client_for(users["leader"])
    response = client.get(f"/regions/{TONGNAN}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "潼南区" in html
    assert "古溪镇" in html
    assert client.get("/regions/999999/").status_code == 404
