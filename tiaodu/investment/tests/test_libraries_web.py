"""The libraries' pages, map data and API: one district per list, scope per role, the policy search,
the settings page and the 政策兑现 link on the enterprise service form."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tiaodu.cases.tests.factories import GUXI, YUXI, credit_code, enterprise, qiye_enterprise
from tiaodu.core.tests.districts import DADUKOU, TONGNAN, WANZHOU
from tiaodu.enterprises import services as enterprise_services
from tiaodu.enterprises.models import ServiceRecord
from tiaodu.investment import libraries
from tiaodu.investment.models import IndustryChain, Policy, Resource, TargetCompany, Team
from tiaodu.investment.tests.factories import district
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

API = "/api/v1/investment/libraries"


@pytest.fixture
def three() -> dict[str, Any]:
    """The same target, resource and policy names in three districts; 潼南 and 大渡口 share a 文号."""
    made: dict[str, Any] = {}
    for code, lon, lat in ((TONGNAN, "105.84", "30.19"), (DADUKOU, "106.48", "29.48"), (WANZHOU, None, None)):
        region = district(code)
        made[code] = {
            "target": libraries.save_target(None, region=region, investor_name="华为技术有限公司"),
            "resource": libraries.save_resource(
                None,
                region=region,
                kind="land",
                name="工业园A地块",
                area_mu=Decimal(50),
                longitude=Decimal(lon) if lon else None,
                latitude=Decimal(lat) if lat else None,
            ),
            "policy": libraries.save_policy(
                None,
                region=region,
                title="支持电子信息产业发展若干政策",
                issuer="区政府",
                doc_number="府发〔2024〕1号" if code != WANZHOU else "万州府发〔2024〕1号",
                industries=["电子信息"],
                sizes=["small"],
                clauses=[("第一条", f"{region.name}对落户企业给予研发投入补助")],
            ),
        }
    return made


def pks(html: str, name: str) -> set[int]:
    return {int(pk) for pk in re.findall(rf'href="/investment/libraries/{name}/(\d+)/"', html)}


def test_lists_show_one_district_and_link_each_row(
    client_for: Any, users: dict[str, Any], three: dict[str, Any]
) -> None:
    jxw, guxi = client_for(users["jxw"]), client_for(users["guxi"])
    for client in (jxw, guxi):
        for name, key, url in (
            ("targets", "target", "investment:targets"),
            ("resources", "resource", "investment:resources"),
            ("policies", "policy", "investment:policies"),
        ):
            html = client.get(reverse(url)).content.decode()
            assert pks(html, name) == {three[TONGNAN][key].pk}, (name, client)
    # Policies are public: another district's list is readable; targets of another district are not.
    html = jxw.get(reverse("investment:policies") + f"?district={DADUKOU}").content.decode()
    assert pks(html, "policies") == {three[DADUKOU]["policy"].pk}
    html = jxw.get(reverse("investment:targets") + f"?district={DADUKOU}").content.decode()
    assert pks(html, "targets") == set()
    # The department keeps the library (add button), the town reads it.
    assert reverse("investment:target-create") in jxw.get(reverse("investment:targets")).content.decode()
    assert reverse("investment:target-create") not in guxi.get(reverse("investment:targets")).content.decode()
    # An export carries plain names.
    csv = jxw.get(reverse("investment:targets") + "?export=csv").content.decode("utf-8-sig")
    assert "华为技术有限公司" in csv and "<a" not in csv


def test_scope_of_pages_per_role(client_for: Any, users: dict[str, Any], three: dict[str, Any]) -> None:
    jxw, guxi, qiye = (client_for(users[name]) for name in ("jxw", "guxi", "qiye"))
    mine, theirs = three[TONGNAN], three[DADUKOU]
    assert jxw.get(reverse("investment:target-detail", args=[mine["target"].pk])).status_code == 200
    assert jxw.get(reverse("investment:target-detail", args=[theirs["target"].pk])).status_code == 404
    assert jxw.get(reverse("investment:resource-detail", args=[theirs["resource"].pk])).status_code == 404
    assert jxw.get(reverse("investment:target-edit", args=[theirs["target"].pk])).status_code == 404
    assert guxi.get(reverse("investment:resource-detail", args=[mine["resource"].pk])).status_code == 200
    assert guxi.get(reverse("investment:target-edit", args=[mine["target"].pk])).status_code == 403
    assert guxi.get(reverse("investment:policy-create")).status_code == 403
    response = guxi.post(reverse("investment:target-create"), {"investor_name": "镇街加的", "kind": "other"})
    assert response.status_code == 403 and not TargetCompany.objects.filter(investor_name="镇街加的").exists()
    # The enterprise user reads policies (any district's) and nothing else of the libraries.
    assert qiye.get(reverse("investment:policies")).status_code == 200
    assert qiye.get(reverse("investment:policy-detail", args=[theirs["policy"].pk])).status_code == 200
    assert qiye.get(reverse("investment:targets")).status_code == 403
    assert qiye.get(reverse("investment:settings")).status_code == 403


def test_department_creates_and_edits_with_field_errors(
    client_for: Any, users: dict[str, Any], three: dict[str, Any]
) -> None:
    jxw = client_for(users["jxw"])
    chain = IndustryChain.objects.get(region=district(TONGNAN), name="电子信息")
    response = jxw.post(
        reverse("investment:policy-create"),
        {
            "title": "潼南区稳企十条",
            "issuer": "潼南区人民政府",
            "doc_number": "府发〔2024〕1号",  # taken in 潼南
            "valid_from": "2024-05-01",
            "valid_until": "2024-01-01",
            "industries": [chain.pk],
            "sizes": ["small"],
            "clauses": "第一条 稳岗补贴\n第二条 贷款贴息",
            "is_active": "on",
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "已有文号为“府发〔2024〕1号”的政策" in body and "早于有效期起" in body
    response = jxw.post(
        reverse("investment:policy-create"),
        {
            "title": "潼南区稳企十条",
            "issuer": "潼南区人民政府",
            "doc_number": "府发〔2024〕9号",
            "valid_from": "2024-01-01",
            "industries": [chain.pk],
            "sizes": ["small"],
            "clauses": "第一条 稳岗补贴\n贷款贴息",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    policy = Policy.objects.get(region=district(TONGNAN), doc_number="府发〔2024〕9号")
    assert list(policy.clauses.values_list("number", "text")) == [
        ("第一条", "稳岗补贴"),
        ("第2条", "贷款贴息"),
    ]
    page = jxw.get(reverse("investment:policy-edit", args=[policy.pk]))
    assert page.status_code == 200 and "稳岗补贴" in page.content.decode()
    # A resource outside the district is refused on the form with the reason.
    response = jxw.post(
        reverse("investment:resource-create"),
        {
            "kind": "land",
            "name": "越界地块",
            "area_mu": "10",
            "longitude": "106.48",
            "latitude": "29.48",
            "status": "available",
        },
    )
    assert response.status_code == 422 and "不在潼南区范围内" in response.content.decode()
    # Linking the targets that registered.
    firm = enterprise(credit_code(7401), GUXI, "华为技术(潼南)有限公司")
    response = jxw.post(reverse("investment:targets-link"))
    assert response.status_code == 302
    three[TONGNAN]["target"].refresh_from_db()
    three[DADUKOU]["target"].refresh_from_db()
    assert (
        three[TONGNAN]["target"].enterprise_id == firm.pk and three[DADUKOU]["target"].enterprise_id is None
    )
    assert client_for(users["guxi"]).post(reverse("investment:targets-link")).status_code == 403


def test_policy_search_on_the_list_and_the_api(
    client_for: Any, users: dict[str, Any], three: dict[str, Any]
) -> None:
    tongnan = district(TONGNAN)
    today = timezone.localdate()
    food = IndustryChain.objects.get(region=tongnan, name="食品及农产品加工")
    libraries.save_policy(None, region=tongnan, title="食品企业专项", issuer="区政府", industries=[food])
    libraries.save_policy(
        None, region=tongnan, title="已过期政策", issuer="区政府", valid_until=today - timedelta(days=1)
    )
    electronics = IndustryChain.objects.get(region=tongnan, name="电子信息")
    jxw = client_for(users["jxw"])
    query = f"?chain={electronics.pk}&size=small&valid_on={today.isoformat()}"
    html = jxw.get(reverse("investment:policies") + query).content.decode()
    assert "支持电子信息产业发展若干政策" in html and "食品企业专项" not in html and "已过期政策" not in html
    html = jxw.get(reverse("investment:policies") + "?q=研发投入").content.decode()
    assert pks(html, "policies") == {three[TONGNAN]["policy"].pk}
    html = jxw.get(reverse("investment:policies") + "?size=huge").content.decode()
    assert "筛选条件有误" in html
    api = client_for(users["qiye"])
    body = api.get(f"{API}/policies{query}").json()
    assert [p["title"] for p in body["results"]] == ["支持电子信息产业发展若干政策"] and body["count"] == 1
    body = api.get(f"{API}/policies?district={DADUKOU}&q=研发投入").json()
    assert [p["id"] for p in body["results"]] == [three[DADUKOU]["policy"].pk]
    detail = api.get(f"{API}/policies/{three[WANZHOU]['policy'].pk}").json()
    assert detail["clauses"][0]["number"] == "第一条" and detail["district_code"] == WANZHOU
    assert api.get(f"{API}/targets").json()["count"] == 0  # the enterprise reaches no target company


def test_api_targets_and_resources_are_scoped(
    client_for: Any, users: dict[str, Any], three: dict[str, Any]
) -> None:
    jxw, guxi = client_for(users["jxw"]), client_for(users["guxi"])
    for client in (jxw, guxi):
        body = client.get(f"{API}/targets").json()
        assert [t["id"] for t in body["results"]] == [three[TONGNAN]["target"].pk]
        body = client.get(f"{API}/resources?kind=land").json()
        assert [r["id"] for r in body["results"]] == [three[TONGNAN]["resource"].pk]
    assert jxw.get(f"{API}/targets/{three[DADUKOU]['target'].pk}").status_code == 404
    assert jxw.get(f"{API}/resources/{three[WANZHOU]['resource'].pk}").status_code == 404
    assert jxw.get(f"{API}/targets?district={DADUKOU}").json()["count"] == 0
    assert jxw.get(f"{API}/targets?district=999999").status_code in (400, 422)


def test_resource_map_shows_the_district_s_located_resources(
    client_for: Any, users: dict[str, Any], three: dict[str, Any]
) -> None:
    jxw = client_for(users["jxw"])
    libraries.save_resource(
        None, region=district(TONGNAN), kind="factory", name="标准厂房2号", floor_area=Decimal(3000)
    )
    page = jxw.get(reverse("investment:resources-map"))
    assert page.status_code == 200 and "project-map.js" in page.content.decode()
    outline_url = reverse("investment:resources-map-outline") + f"?district={TONGNAN}"
    assert f'data-outline-url="{outline_url}"' in page.content.decode()
    data = jxw.get(reverse("investment:resources-map-data") + "?status=available").json()
    assert [row[0] for row in data["rows"]] == [three[TONGNAN]["resource"].pk] and data["unlocated"] == 1
    assert data["rows"][0][2] in data["stages"]
    outline = jxw.get(reverse("investment:resources-map-outline")).json()
    assert outline["features"][0]["properties"]["code"] == TONGNAN


def test_settings_page_editable_by_department_read_only_for_town(
    client_for: Any, users: dict[str, Any]
) -> None:
    jxw, guxi = client_for(users["jxw"]), client_for(users["guxi"])
    html = jxw.get(reverse("investment:settings")).content.decode()
    assert "电子信息" in html and "长三角" in html and reverse("investment:team-create") in html
    html = guxi.get(reverse("investment:settings")).content.decode()
    assert "电子信息" in html and reverse("investment:team-create") not in html and 'id="read-only"' in html
    response = jxw.post(
        reverse("investment:team-create"),
        {"name": "古溪镇招商小分队", "kind": "town", "township": "", "is_active": "on"},
    )
    assert response.status_code == 422 and "须填写所属镇街" in response.content.decode()
    town = Region.objects.get(code=GUXI)
    response = jxw.post(
        reverse("investment:team-create"),
        {
            "name": "古溪镇招商小分队",
            "kind": "town",
            "township": town.pk,
            "leader": "guxi",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    team = Team.objects.get(region=district(TONGNAN), name="古溪镇招商小分队")
    assert team.leader == users["guxi"]
    assert guxi.post(reverse("investment:team-delete", args=[team.pk])).status_code == 403
    response = jxw.post(
        reverse("investment:settings-pipeline"),
        {"follow_up_days": "15", "not_started_months": "4", "prob_intent": "0.5"},
    )
    assert response.status_code == 302
    html = jxw.get(reverse("investment:settings")).content.decode()
    assert 'id="follow-up-days">15<' in html
    assert guxi.get(reverse("investment:settings-pipeline")).status_code == 403
    # Another district's settings are not the department's to read.
    assert jxw.get(reverse("investment:settings") + f"?district={DADUKOU}").status_code == 404


def test_policy_service_records_link_both_ways(
    client_for: Any, users: dict[str, Any], three: dict[str, Any]
) -> None:
    today = timezone.localdate()
    policy = three[TONGNAN]["policy"]
    libraries.save_policy(  # expired: not offered
        None,
        region=district(TONGNAN),
        title="过期的老政策",
        issuer="区政府",
        valid_until=today - timedelta(days=1),
    )
    guxi_firm = qiye_enterprise()
    yuxi_firm = enterprise(credit_code(7501), YUXI, "玉溪政策兑现企业")
    jxw, guxi = client_for(users["jxw"]), client_for(users["guxi"])
    form = jxw.get(reverse("enterprises:service_create", args=[guxi_firm.pk])).content.decode()
    select = re.search(r'<select name="policy_id".*?</select>', form, re.S)
    assert select is not None
    offered = {int(v) for v in re.findall(r'value="(\d+)"', select.group(0))}
    assert offered == {policy.pk}  # not 大渡口's nor the expired one
    response = jxw.post(
        reverse("enterprises:service_create", args=[guxi_firm.pk]),
        {"kind": "policy", "served_on": today.isoformat(), "amount_wan": "20", "policy_id": policy.pk},
    )
    assert response.status_code == 302
    record = ServiceRecord.objects.get(enterprise=guxi_firm, policy=policy)
    response = jxw.post(
        reverse("enterprises:service_create", args=[guxi_firm.pk]),
        {"kind": "financing", "served_on": today.isoformat(), "policy_id": policy.pk},
    )
    assert response.status_code == 422 and "只有“政策兑现”服务才能关联政策" in response.content.decode()
    other = enterprise_services.record_service(None, yuxi_firm, kind="policy", served_on=today, policy=policy)
    detail = jxw.get(reverse("enterprises:detail", args=[guxi_firm.pk])).content.decode()
    assert f'data-policy="{policy.pk}"' in detail
    # The policy page lists the records citing it that the viewer may see: the 古溪镇 town user
    # sees its township's enterprise's record, not 玉溪镇's.
    page = jxw.get(reverse("investment:policy-detail", args=[policy.pk])).content.decode()
    assert f'data-record="{record.pk}"' in page and f'data-record="{other.pk}"' in page
    page = guxi.get(reverse("investment:policy-detail", args=[policy.pk])).content.decode()
    assert f'data-record="{record.pk}"' in page and f'data-record="{other.pk}"' not in page
    page = (
        client_for(users["qiye"]).get(reverse("investment:policy-detail", args=[policy.pk])).content.decode()
    )
    assert f'data-record="{record.pk}"' in page and f'data-record="{other.pk}"' not in page
    assert Resource.objects.count() == 3


def test_every_form_and_page_renders_for_the_keeper(
    client_for: Any, users: dict[str, Any], three: dict[str, Any]
) -> None:
    jxw = client_for(users["jxw"])
    tongnan = district(TONGNAN)
    mine = three[TONGNAN]
    chain = IndustryChain.objects.get(region=tongnan, name="电子信息")
    tongnan_area = libraries.settings_of(tongnan)["areas"].first()
    assert tongnan_area is not None
    team = libraries.save_team(None, region=tongnan, name="电子信息产业链专班", kind="chain", chain=chain)
    urls = [
        reverse("investment:target-create"),
        reverse("investment:target-edit", args=[mine["target"].pk]),
        reverse("investment:resource-create"),
        reverse("investment:resource-edit", args=[mine["resource"].pk]),
        reverse("investment:policy-create"),
        reverse("investment:chain-create"),
        reverse("investment:chain-edit", args=[chain.pk]),
        reverse("investment:area-create"),
        reverse("investment:area-edit", args=[tongnan_area.pk]),
        reverse("investment:team-create"),
        reverse("investment:team-edit", args=[team.pk]),
        reverse("investment:settings-pipeline"),
        reverse("investment:policy-detail", args=[mine["policy"].pk]),
    ]
    for url in urls:
        response = jxw.get(url)
        assert response.status_code == 200, url
    # Editing keeps what the form does not show, and deleting goes back to the list.
    response = jxw.post(
        reverse("investment:resource-edit", args=[mine["resource"].pk]),
        {
            "kind": "land",
            "name": "工业园A地块",
            "area_mu": "60",
            "status": "reserved",
            "longitude": "105.84",
            "latitude": "30.19",
        },
    )
    assert response.status_code == 302
    mine["resource"].refresh_from_db()
    assert (mine["resource"].area_mu, mine["resource"].status) == (Decimal(60), "reserved")
    response = jxw.post(reverse("investment:target-delete", args=[mine["target"].pk]))
    assert response.status_code == 302 and not TargetCompany.objects.filter(pk=mine["target"].pk).exists()
    assert (
        jxw.post(reverse("investment:target-delete", args=[three[DADUKOU]["target"].pk])).status_code == 404
    )
