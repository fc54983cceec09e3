"""The libraries' services: 企业库, 资源库, 政策库 and a district's settings, with their validation
codes, three districts sharing names, the policy search, target linking and the write scope."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tiaodu.cases.tests.factories import GUXI, YUXI, credit_code, enterprise
from tiaodu.core.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from tiaodu.core.tests.districts import DADUKOU, TONGNAN, WANZHOU
from tiaodu.enterprises import services as enterprise_services
from tiaodu.investment import libraries
from tiaodu.investment.models import IndustryChain, PipelineSettings, Policy, Resource, TargetCompany, Team
from tiaodu.investment.tests.factories import district, project

pytestmark = pytest.mark.django_db

# A point in 潼南区 (its centre) and one in 大渡口区.
IN_TONGNAN = (Decimal("105.840000"), Decimal("30.190000"))
IN_DADUKOU = (Decimal("106.480000"), Decimal("29.480000"))


def codes(exc: ServiceError) -> set[str]:
    return {e.code for e in exc.errors}


def refused(call: Any, *args: Any, **kwargs: Any) -> set[str]:
    with pytest.raises(InvalidInput) as info:
        call(*args, **kwargs)
    return codes(info.value)


def chain(code: str, name: str = "电子信息") -> IndustryChain:
    return IndustryChain.objects.get(region=district(code), name=name)


# --- 企业库 ----------------------------------------------------------------------------------------


def test_target_is_saved_with_its_key_and_checked_codes() -> None:
    tongnan = district(TONGNAN)
    target = libraries.save_target(
        None,
        region=tongnan,
        investor_name="比亚迪股份有限公司",
        investor_credit_code=credit_code(7001, "440300").lower(),
        kind="链主企业",
        home_region="重庆市",
        chain=chain(TONGNAN),
        industry_code="c39",
    )
    assert target.investor_key == "比亚迪"
    assert target.investor_credit_code == credit_code(7001, "440300")
    assert (target.kind, target.industry_code, target.home_region.code) == ("chain_leader", "C39", "500000")
    changed = libraries.save_target(None, target.pk, description="新能源汽车链主")
    assert changed.investor_name == "比亚迪股份有限公司" and changed.description == "新能源汽车链主"

    wrong = credit_code(7002, "440300")[:-1] + ("0" if credit_code(7002, "440300")[-1] != "0" else "1")
    assert refused(
        libraries.save_target,
        None,
        region=tongnan,
        investor_name="",
        investor_credit_code=wrong,
        kind="巨头",
        chain=chain(DADUKOU),
        team="不存在的组",
        industry_code="39A",
    ) == {
        "required",
        "credit_code_invalid",
        "invalid_choice",
        "chain_unknown",
        "team_unknown",
        "industry_code_invalid",
    }
    assert refused(libraries.save_target, None, region=tongnan, investor_name="比亚迪股份有限公司") == {
        "target_name_taken"
    }
    assert refused(
        libraries.save_target,
        None,
        region=tongnan,
        investor_name="比亚迪汽车",
        investor_credit_code=credit_code(7001, "440300"),
    ) == {"target_credit_code_taken"}
    assert TargetCompany.objects.filter(region=tongnan).count() == 1


def test_three_districts_keep_the_same_names_apart() -> None:
    made = {
        code: libraries.save_target(
            None, region=district(code), investor_name="华为技术有限公司", chain="电子信息"
        )
        for code in (TONGNAN, DADUKOU, WANZHOU)
    }
    # "电子信息" resolved in each target's own district.
    assert {t.chain.region.code for t in made.values()} == {TONGNAN, DADUKOU, WANZHOU}
    numbers = {code: "渝潼府发〔2023〕1号" for code in (TONGNAN, DADUKOU)}
    for code, number in numbers.items():
        libraries.save_policy(
            None, region=district(code), title="稳企政策", issuer="区政府", doc_number=number
        )
    assert refused(
        libraries.save_policy,
        None,
        region=district(TONGNAN),
        title="另一政策",
        issuer="区政府",
        doc_number="渝潼府发〔2023〕1号",
    ) == {"doc_number_taken"}
    # Two policies without a number are fine in one district.
    for title in ("无文号一", "无文号二"):
        libraries.save_policy(None, region=district(TONGNAN), title=title, issuer="区政府")
    assert Policy.objects.filter(doc_number="渝潼府发〔2023〕1号").count() == 2


def test_targets_link_to_the_registry_by_credit_code_and_by_name() -> None:
    tongnan = district(TONGNAN)
    code = credit_code(7101)
    by_code = libraries.save_target(
        None, region=tongnan, investor_name="宁德时代新能源", investor_credit_code=code
    )
    by_name = libraries.save_target(None, region=tongnan, investor_name="重庆潼南智芯科技股份有限公司")
    elsewhere = libraries.save_target(
        None, region=district(DADUKOU), investor_name="重庆潼南智芯科技股份有限公司"
    )
    assert by_code.enterprise is None and by_name.enterprise is None
    # They register in 潼南 later: the code under another name, the name without a known code.
    registered = enterprise(code, GUXI, "重庆宁德时代潼南分公司")
    named = enterprise(credit_code(7102), YUXI, "智芯科技(重庆)有限公司")
    assert libraries.link_registered(tongnan) == 2
    by_code.refresh_from_db()
    by_name.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (by_code.enterprise_id, by_name.enterprise_id) == (registered.pk, named.pk)
    assert elsewhere.enterprise_id is None  # 大渡口's target is not 潼南's enterprise
    assert libraries.link_registered(district(DADUKOU)) == 0
    assert libraries.link_registered(tongnan) == 0  # nothing left to link
    # A target added after the registration is linked on saving.
    later = libraries.save_target(None, region=tongnan, investor_name="智芯科技集团")
    assert later.enterprise_id == named.pk


def test_two_enterprises_sharing_a_key_are_not_guessed() -> None:
    tongnan = district(TONGNAN)
    enterprise(credit_code(7201), GUXI, "重庆双子科技有限公司")
    enterprise(credit_code(7202), YUXI, "双子科技(潼南)有限公司")
    target = libraries.save_target(None, region=tongnan, investor_name="双子科技集团")
    assert target.enterprise_id is None


# --- 资源库 ----------------------------------------------------------------------------------------


def test_resource_coordinates_are_checked_against_the_district() -> None:
    tongnan = district(TONGNAN)
    lon, lat = IN_TONGNAN
    land = libraries.save_resource(
        None,
        region=tongnan,
        kind="土地",
        name="高新区B-12地块",
        township=GUXI,
        longitude=lon,
        latitude=lat,
        area_mu=Decimal("120.5"),
        price=Decimal("18"),
        price_unit="万元/亩",
        zoning="工业用地",
        available_from=date(2024, 3, 1),
        project=project(TONGNAN, name="潼南智芯项目"),
    )
    assert (land.kind, land.status, land.township.code, land.project.name) == (
        "land",
        "available",
        GUXI,
        "潼南智芯项目",
    )
    lon2, lat2 = IN_DADUKOU
    assert refused(libraries.save_resource, None, land.pk, longitude=lon2, latitude=lat2) == {
        "coordinates_outside_region"
    }
    with pytest.raises(InvalidInput) as info:
        libraries.save_resource(None, land.pk, longitude=lon2, latitude=lat2)
    assert "潼南区" in info.value.errors[0].message
    assert refused(libraries.save_resource, None, land.pk, latitude=None) == {"coordinates_incomplete"}
    assert refused(libraries.save_resource, None, land.pk, longitude=Decimal("10"), latitude=lat) == {
        "coordinate_outside_china"
    }
    assert refused(
        libraries.save_resource,
        None,
        region=tongnan,
        kind="厂房",
        name="高新区B-12地块",
        township="古溪镇",
        price=Decimal(-1),
        project=project(DADUKOU),
    ) == {"invalid_choice", "resource_name_taken", "negative_amount", "project_unknown"}
    assert refused(
        libraries.save_resource, None, region=tongnan, kind="factory", name="标准厂房1号", price=Decimal(12)
    ) == {"required"}
    # A township of another district is refused (the resolver looks in 潼南 first: 跳磴镇 is 大渡口's).
    assert "township_unknown" in refused(
        libraries.save_resource,
        None,
        region=tongnan,
        kind="factory",
        name="x",
        floor_area=1,
        township="500104110",
    )
    assert Resource.objects.filter(region=tongnan).count() == 1


# --- 政策库 ----------------------------------------------------------------------------------------


def test_policy_rules_and_clauses() -> None:
    tongnan = district(TONGNAN)
    policy = libraries.save_policy(
        None,
        region=tongnan,
        title="潼南区支持电子信息产业发展若干政策",
        issuer="潼南区人民政府",
        doc_number="潼南府发〔2024〕3号",
        issued_on=date(2024, 1, 10),
        valid_from=date(2024, 1, 10),
        valid_until=date(2026, 12, 31),
        industries=["电子信息", chain(TONGNAN, "新能源").pk],
        industry_codes="C39, 38",
        sizes=["小型", "micro", "small"],
        clauses=[
            ("第一条", "对新落户企业给予厂房租金补贴。"),
            {"number": "第二条", "text": "研发投入补助。"},
        ],
    )
    assert policy.sizes == ["small", "micro"] and policy.industry_codes == "39,38"
    assert sorted(policy.industries.values_list("name", flat=True)) == ["新能源", "电子信息"]
    assert list(policy.clauses.values_list("number", "text")) == [
        ("第一条", "对新落户企业给予厂房租金补贴。"),
        ("第二条", "研发投入补助。"),
    ]
    libraries.save_policy(None, policy.pk, clauses=[("第一条", "只剩一条。")])
    assert list(policy.clauses.values_list("text", flat=True)) == ["只剩一条。"]
    assert policy.industries.count() == 2  # industries untouched when not given
    assert refused(
        libraries.save_policy,
        None,
        policy.pk,
        valid_from=date(2027, 1, 1),
        sizes=["巨型"],
        industry_codes="C39,X12",
        industries=[chain(DADUKOU)],
        clauses=[("第一条", "")],
        issued_on=timezone.localdate() + timedelta(days=1),
    ) == {
        "valid_period_order",
        "size_unknown",
        "industry_code_invalid",
        "industries_unknown",
        "clause_text_required",
        "date_in_future",
    }
    assert refused(libraries.save_policy, None, region=tongnan, title="", issuer="") == {"required"}


def test_policy_search_by_text_chain_industry_size_and_date() -> None:
    tongnan = district(TONGNAN)
    today = timezone.localdate()
    electronics = chain(TONGNAN)
    chip = libraries.save_chain(None, region=tongnan, name="集成电路", parent=electronics)
    food = chain(TONGNAN, "食品及农产品加工")

    def policy(title: str, **values: Any) -> Policy:
        return libraries.save_policy(None, region=tongnan, title=title, issuer="区政府", **values)

    for_x_small = policy(
        "电子信息小微企业政策",
        industries=[electronics],
        sizes=["small", "micro"],
        valid_from=today - timedelta(days=30),
    )
    general = policy("普惠政策", valid_until=today + timedelta(days=365))
    expired = policy("过期政策", valid_until=today - timedelta(days=1))
    large_only = policy("大企业政策", industries=[electronics], sizes=["large"])
    other_chain = policy("食品政策", industries=[food])
    future = policy("明年政策", valid_from=today + timedelta(days=10))
    inactive = policy("停用政策", is_active=False)
    by_code = policy("制造业政策", industry_codes="C", clauses=[("第一条", "企业研发投入按比例补助")])
    libraries.save_policy(None, region=district(DADUKOU), title="大渡口普惠政策", issuer="区政府")

    base = Policy.objects.filter(region=tongnan)

    def found(**criteria: Any) -> set[str]:
        return {p.title for p in libraries.search_policies(base, **criteria)}

    # Valid today for 小型 enterprises of the 集成电路 chain (a chain of 电子信息).
    assert found(chain=chip, size="small", on=today) == {for_x_small.title, general.title, by_code.title}
    assert found(chain=electronics, size="large") == {
        general.title,
        expired.title,
        large_only.title,
        future.title,
        inactive.title,
        by_code.title,
    }
    assert found(q="研发投入") == {by_code.title}
    assert found(q="食品") == {other_chain.title}
    assert found(industry="3911", on=today) == {
        other_chain.title,
        for_x_small.title,
        general.title,
        by_code.title,
        large_only.title,
    }
    # 0511 is in 门类 A: the manufacturing policy does not apply, the unrestricted ones do.
    assert found(industry="0511") == {p.title for p in base.filter(industry_codes="")}
    assert by_code.title not in found(industry="0511")
    with pytest.raises(InvalidInput):
        libraries.search_policies(base, industry="Z1")


# --- Settings ----------------------------------------------------------------------------------------


def test_settings_rows_are_validated() -> None:
    tongnan = district(TONGNAN)
    area = libraries.save_focus_area(
        None, region=tongnan, name="西部陆海新通道", region_codes="500000, 510100、440000"
    )
    assert area.region_codes == ["500000", "510100", "440000"]  # 51 and 44 not loaded: the form is checked
    assert refused(
        libraries.save_focus_area,
        None,
        region=tongnan,
        name="西部陆海新通道",
        region_codes="12345,509900,000000",
    ) == {"focus_area_name_taken", "region_code_invalid", "region_code_unknown"}
    assert refused(libraries.save_focus_area, None, region=tongnan, name="空区域", region_codes="") == {
        "required"
    }

    electronics = chain(TONGNAN)
    chip = libraries.save_chain(
        None, region=tongnan, name="集成电路", parent=electronics, chain_leader_name="张三 副区长"
    )
    assert refused(libraries.save_chain, None, region=tongnan, name="封装测试", parent=chip) == {
        "chain_parent_invalid"
    }
    assert refused(libraries.save_chain, None, electronics.pk, parent="新能源") == {"chain_parent_invalid"}
    assert refused(libraries.save_chain, None, region=tongnan, name="集成电路", chain_leader="guxi") == {
        "chain_name_taken"
    }
    assert refused(
        libraries.save_chain, None, region=tongnan, name="显示面板", chain_leader="不存在的人"
    ) == {"user_unknown"}

    team = libraries.save_team(
        None,
        region=tongnan,
        name="古溪镇招商小分队",
        kind="镇街招商小分队",
        township="古溪镇",
        leader_name="李四 镇长",
    )
    assert (team.kind, team.township.code) == ("town", GUXI)
    assert refused(libraries.save_team, None, region=tongnan, name="玉溪镇招商小分队", kind="town") == {
        "township_required"
    }
    assert refused(
        libraries.save_team,
        None,
        region=tongnan,
        name="古溪镇招商小分队",
        kind="区域招商组",
        focus_area=libraries.save_focus_area(
            None, region=district(DADUKOU), name="北部湾", region_codes="450000"
        ),
        chain=chain(DADUKOU),
        township="500104110",
    ) == {"team_name_taken", "focus_area_unknown", "chain_unknown", "township_unknown"}
    regional = libraries.save_team(
        None, region=tongnan, name="长三角招商组", kind="regional", focus_area="长三角"
    )
    assert regional.focus_area.name == "长三角"
    project(TONGNAN, team=regional)
    with pytest.raises(Conflict) as conflict:
        libraries.delete_team(None, regional.pk)
    assert conflict.value.code == "team_in_use"
    libraries.delete_team(None, team.pk)
    assert not Team.objects.filter(pk=team.pk).exists()

    row = libraries.save_pipeline_settings(
        None,
        tongnan,
        follow_up_days=20,
        follow_up_days_by_stage={"to_sign": 10},
        default_probabilities={"intent": 0.4},
    )
    assert (row.follow_up_days, row.follow_up_days_by_stage, row.default_probabilities) == (
        20,
        {"to_sign": 10},
        {"intent": 0.4},
    )
    assert refused(
        libraries.save_pipeline_settings,
        None,
        tongnan,
        follow_up_days=0,
        follow_up_days_by_stage={"producing": 5},
        default_probabilities={"intent": 1.5, "signed": 0.5},
    ) == {"number_out_of_range", "stage_unknown", "probability_out_of_range"}
    assert PipelineSettings.objects.get(region=tongnan).follow_up_days == 20


# --- Who may write ----------------------------------------------------------------------------------


def test_departments_keep_their_district_and_others_read(users: dict[str, Any]) -> None:
    tongnan, dadukou = district(TONGNAN), district(DADUKOU)
    jxw, guxi, leader, qiye = users["jxw"], users["guxi"], users["leader"], users["qiye"]
    mine = libraries.save_target(jxw, investor_name="潼南目标企业")  # the actor's district by default
    assert mine.region == tongnan
    theirs = libraries.save_target(None, region=dadukou, investor_name="大渡口目标企业")
    with pytest.raises(Forbidden):
        libraries.save_target(jxw, region=dadukou, investor_name="越界企业")
    with pytest.raises(NotFound):
        libraries.save_target(jxw, theirs.pk, description="改别区的")
    for user in (guxi, leader):
        with pytest.raises(Forbidden):
            libraries.save_target(user, mine.pk, description="只读")
        with pytest.raises(Forbidden):
            libraries.save_policy(user, title="镇街政策", issuer="镇政府")
    # The town and the leader read the district's rows; the enterprise reads none but policies.
    for user in (guxi, leader, jxw):
        assert set(libraries.rows(TargetCompany, user).values_list("pk", flat=True)) == {mine.pk}
        assert libraries.get_row(TargetCompany, user, pk=mine.pk) == mine
        with pytest.raises(NotFound):
            libraries.get_row(TargetCompany, user, pk=theirs.pk)
    assert not libraries.rows(TargetCompany, qiye).exists()
    policy = libraries.save_policy(None, region=dadukou, title="大渡口政策", issuer="区政府")
    assert libraries.get_row(Policy, qiye, pk=policy.pk) == policy
    with pytest.raises(Forbidden):
        libraries.save_policy(jxw, policy.pk, title="改别区的政策")
    # A department changes the district's settings; a town cannot.
    libraries.save_pipeline_settings(jxw, tongnan, follow_up_days=25)
    with pytest.raises((Forbidden, NotFound)):
        libraries.save_pipeline_settings(guxi, tongnan, follow_up_days=5)
    with pytest.raises((Forbidden, NotFound)):
        libraries.save_pipeline_settings(jxw, dadukou, follow_up_days=5)
    assert libraries.can_keep(jxw, Policy, tongnan) and not libraries.can_keep(jxw, Policy, dadukou)
    assert not libraries.can_keep(guxi, Policy, tongnan)


# --- 政策兑现 -----------------------------------------------------------------------------------------


def test_a_policy_service_record_cites_a_valid_policy_of_the_enterprise_district() -> None:
    today = timezone.localdate()
    firm = enterprise(credit_code(7301), GUXI, "潼南政策兑现测试企业")
    valid = libraries.save_policy(None, region=district(TONGNAN), title="现行政策", issuer="区政府")
    expired = libraries.save_policy(
        None,
        region=district(TONGNAN),
        title="过期政策",
        issuer="区政府",
        valid_until=today - timedelta(days=40),
    )
    elsewhere = libraries.save_policy(None, region=district(DADUKOU), title="大渡口政策", issuer="区政府")
    record = enterprise_services.record_service(
        None, firm, kind="policy", served_on=today, amount_wan=Decimal(50), policy_id=valid.pk
    )
    assert record.policy == valid
    # Served while the policy was in force: fine.
    old = enterprise_services.record_service(
        None, firm, kind="policy", served_on=today - timedelta(days=60), policy=expired
    )
    assert old.policy == expired

    def refused_record(**data: Any) -> str:
        with pytest.raises(InvalidInput) as info:
            enterprise_services.record_service(None, firm, **({"kind": "policy", "served_on": today} | data))
        return info.value.errors[0].code

    assert refused_record(kind="financing", policy_id=valid.pk) == "policy_not_allowed"
    assert refused_record(policy_id=elsewhere.pk) == "policy_unknown"
    assert refused_record(policy_id=expired.pk) == "policy_not_valid"
    assert set(libraries.policy_choices(district(TONGNAN))) == {valid}
