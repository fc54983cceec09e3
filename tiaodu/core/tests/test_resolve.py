"""The one name resolver (core/resolve.py): code first, then the actor's district by full name and
short name, then unique in the deployment; ambiguity names the candidates' districts.

The deployment here has three districts with the same departments — 潼南区 500152 and 大渡口区
500104 (the demo's, renamed to their real full names) and 万州区 500101 (added) — and uses the real
township names Chongqing shares: 兴隆镇 is in 渝北区, 南川区, 奉节县 and 酉阳县.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from tiaodu.core.errors import InvalidInput
from tiaodu.core.resolve import Resolver, actor_district
from tiaodu.core.tests.districts import (
    DADUKOU,
    DEPARTMENTS,
    TONGNAN,
    WANZHOU,
    YUZHONG,
    three_districts,
    user_in,
)
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db


def codes(exc: InvalidInput) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.errors]


def test_actor_district_is_the_county_of_the_actor_else_home(users: Any) -> None:
    assert actor_district(users["guxi"]).code == TONGNAN  # a town user: the township's county
    assert actor_district(user_in(WANZHOU)).code == WANZHOU
    assert actor_district(None).code == TONGNAN  # settings.HOME_REGION_CODE
    with override_settings(HOME_REGION_CODE=YUZHONG):
        assert actor_district(None).code == YUZHONG


def test_each_district_resolves_its_own_department() -> None:
    made = three_districts()
    for code in (TONGNAN, DADUKOU, WANZHOU):
        r = Resolver(user_in(code))
        for _suffix, short in DEPARTMENTS:
            assert r.organization(short, kinds=(OrgKind.DEPARTMENT,)) == made[code][short]


def test_ambiguous_name_names_every_district() -> None:
    three_districts()
    # A deployment-level actor (the CLI) in a deployment whose home district has none.
    with override_settings(HOME_REGION_CODE=YUZHONG), pytest.raises(InvalidInput) as exc:
        Resolver(None).organization("区发展改革委", field="responsible_unit", label="责任单位")
    assert codes(exc.value) == [("responsible_unit", "organization_ambiguous")]
    assert exc.value.errors[0].message == (
        "责任单位“区发展改革委”不唯一(潼南区、大渡口区、万州区各有一个),请填写全称或在本区县导入"
    )


def test_township_sharing_a_name() -> None:
    nanchuan = Resolver(user_in("500119"))
    assert nanchuan.township("兴隆镇").code == "500119105"
    with pytest.raises(InvalidInput) as exc:
        Resolver(None).township("兴隆镇")
    assert codes(exc.value) == [("township", "township_ambiguous")]
    assert exc.value.errors[0].message == (
        "镇街“兴隆镇”不唯一(渝北区、南川区、奉节县、酉阳土家族苗族自治县各有一个),请填写区划代码或在本区县导入"
    )
    # A qualified name or the code settles it from anywhere.
    assert Resolver(None).township("奉节县兴隆镇").code == "500236128"
    assert Resolver(None).township("重庆市奉节县兴隆镇").code == "500236128"
    assert Resolver(None).township("500242105").code == "500242105"


def test_code_beats_any_name() -> None:
    made = three_districts()
    wanzhou = made[WANZHOU]["区发展改革委"]
    wanzhou.code = "WZFGW"
    wanzhou.save()
    tongnan = made[TONGNAN]["区经济信息委"]
    tongnan.short_name = "WZFGW"  # the actor's own district has it as a short name
    tongnan.save()
    assert Resolver(user_in(TONGNAN)).organization("WZFGW") == wanzhou
    # Regions: a code is a code, whichever district the actor is in.
    assert Resolver(user_in(WANZHOU)).township("500152103").name == "古溪镇"
    assert Resolver(user_in(WANZHOU)).region("5001", levels=("city",)).code == "500100"


def test_full_name_beats_short_name() -> None:
    made = three_districts()
    wanzhou = Region.objects.get(code=WANZHOU)
    other = Organization.objects.create(name="区发展改革委", kind=OrgKind.OTHER, region=wanzhou)
    # In the district: the unit whose full name it is, not the department with that short name.
    assert Resolver(user_in(WANZHOU)).organization("区发展改革委") == other
    assert (
        Resolver(user_in(WANZHOU)).organization("区发展改革委", kinds=(OrgKind.DEPARTMENT,))
        == made[WANZHOU]["区发展改革委"]
    )
    # In 潼南区 the short name is its own department's (the district before the deployment) …
    assert Resolver(user_in(TONGNAN)).organization("区发展改革委") == made[TONGNAN]["区发展改革委"]
    # … and from a district without one, the only full name in the deployment wins over three short ones.
    with override_settings(HOME_REGION_CODE=YUZHONG):
        assert Resolver(None).organization("区发展改革委") == other


def test_a_name_unique_elsewhere_resolves() -> None:
    made = three_districts()
    r = Resolver(user_in(WANZHOU))
    assert r.organization("重庆市潼南区发展和改革委员会") == made[TONGNAN]["区发展改革委"]
    assert r.organization("重点项目服务一专班", kinds=(OrgKind.SQUAD,)).region.code == TONGNAN
    assert r.township("古溪镇").code == "500152103"
    assert r.region("潼南区").code == TONGNAN
    with pytest.raises(InvalidInput) as exc:
        r.organization("区不存在局", field="owner", label="业主单位")
    assert codes(exc.value) == [("owner", "organization_unknown")]
    assert exc.value.errors[0].message == "业主单位“区不存在局”不存在"
    # Inactive units are not offered unless asked for.
    squad = r.organization("重点项目服务一专班")
    squad.is_active = False
    squad.save()
    with pytest.raises(InvalidInput):
        Resolver(user_in(WANZHOU)).organization("重点项目服务一专班")
    assert Resolver(user_in(WANZHOU)).organization("重点项目服务一专班", active_only=False) == squad


def test_users_by_username_then_name_in_the_district() -> None:
    from tiaodu.accounts.models import User

    tongnan = User.objects.create(
        username="wangwei1", full_name="王伟", region_id=Region.objects.get(code=TONGNAN).pk
    )
    wanzhou = User.objects.create(
        username="wangwei2", full_name="王伟", region_id=Region.objects.get(code=WANZHOU).pk
    )
    namesake = User.objects.create(username="王伟", full_name="另一人", region=tongnan.region)
    assert Resolver(user_in(WANZHOU)).user("王伟") == namesake  # the username first
    namesake.delete()
    assert Resolver(user_in(WANZHOU)).user("王伟") == wanzhou
    assert Resolver(user_in(TONGNAN)).user("王伟") == tongnan
    with override_settings(HOME_REGION_CODE=YUZHONG), pytest.raises(InvalidInput) as exc:
        Resolver(None).user("王伟", field="leader", label="包保领导")
    assert codes(exc.value) == [("leader", "user_ambiguous")]
    assert exc.value.errors[0].message == "包保领导“王伟”不唯一(潼南区、万州区各有一个),请填写用户名"
    with pytest.raises(InvalidInput) as exc:
        Resolver(None).user("nobody", field="leader", label="包保领导")
    assert codes(exc.value) == [("leader", "user_unknown")]


def test_enterprises_by_credit_code_or_name() -> None:
    from stdnum.cn import uscc

    from tiaodu.enterprises.services import save_enterprise

    def credit(n: int) -> str:
        base = f"91500101MA6R{n:05d}"
        return base + uscc.calc_check_digit(base)

    tongnan, _c = save_enterprise(None, credit(1), "500152103", name="重庆同名实业有限公司")
    wanzhou, _c = save_enterprise(None, credit(2), "500101001", name="重庆同名实业有限公司")
    r = Resolver(user_in(WANZHOU))
    assert r.enterprise(credit(1)) == tongnan  # the code, wherever it is
    assert r.enterprise(credit(1).lower()) == tongnan
    assert r.enterprise("重庆同名实业有限公司") == wanzhou
    with override_settings(HOME_REGION_CODE=YUZHONG), pytest.raises(InvalidInput) as exc:
        Resolver(None).enterprise("重庆同名实业有限公司")
    assert codes(exc.value) == [("enterprise", "enterprise_ambiguous")]
    assert "潼南区、万州区各有一个" in exc.value.errors[0].message
    bad = credit(3)[:-1] + ("0" if credit(3)[-1] != "0" else "1")
    for ref, expected in (
        (bad, "credit_code_invalid"),
        ("91500101", "credit_code_length"),
        (credit(3), "enterprise_unknown"),
        ("不存在的企业", "enterprise_unknown"),
    ):
        with pytest.raises(InvalidInput) as exc:
            r.enterprise(ref, field="credit_code")
        assert codes(exc.value) == [("credit_code", expected)]


def test_projects_by_code_or_name() -> None:
    from tiaodu.projects.services import save_project

    tongnan, _c = save_project(None, name="同名项目", code="2201-500152-04-01-900001", township="500152103")
    wanzhou, _c = save_project(None, name="同名项目", code="2201-500101-04-01-900002", township="500101001")
    r = Resolver(user_in(TONGNAN))
    assert r.project("2201-500101-04-01-900002") == wanzhou
    assert r.project("同名项目") == tongnan
    assert Resolver(user_in(WANZHOU)).project("同名项目") == wanzhou
    with override_settings(HOME_REGION_CODE=YUZHONG), pytest.raises(InvalidInput) as exc:
        Resolver(None).project("同名项目", field="name", label="项目")
    assert codes(exc.value) == [("name", "project_ambiguous")]
    assert exc.value.errors[0].message == "项目“同名项目”不唯一(潼南区、万州区各有一个),请填写项目代码"


def test_one_query_per_distinct_name(django_assert_num_queries: Any) -> None:
    three_districts()
    r = Resolver(user_in(WANZHOU), district=Region.objects.get(code=WANZHOU))
    with django_assert_num_queries(1):
        for _row in range(50):
            r.organization("区发展改革委", kinds=(OrgKind.DEPARTMENT,))
    with django_assert_num_queries(1):
        for _row in range(50):
            with pytest.raises(InvalidInput):
                r.organization("区不存在局")  # a refusal is remembered too
    with django_assert_num_queries(1):
        for _row in range(50):
            r.township("500101001")
