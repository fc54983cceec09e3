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
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

TONGNAN, DADUKOU, WANZHOU, YUZHONG = "500152", "500104", "500101", "500103"
DEPARTMENTS = [("发展和改革委员会", "区发展改革委"), ("经济和信息化委员会", "区经济信息委")]


def three_districts() -> dict[str, dict[str, Organization]]:
    """区发展改革委 / 区经济信息委 in 潼南区, 大渡口区 and 万州区 (in that order of creation):
    full name 重庆市<区>发展和改革委员会, short name 区发展改革委."""
    made: dict[str, dict[str, Organization]] = {}
    for code in (TONGNAN, DADUKOU, WANZHOU):
        district = Region.objects.get(code=code)
        made[code] = {}
        for suffix, short in DEPARTMENTS:
            full = f"重庆市{district.name}{suffix}"
            # The demo registered 潼南区's and 大渡口区's under the short form as their name.
            org = Organization.objects.filter(region=district, kind=OrgKind.DEPARTMENT, name=short).first()
            if org is None:
                org = Organization(region=district, kind=OrgKind.DEPARTMENT)
            org.name, org.short_name = full, short
            org.save()
            made[code][short] = org
    return made


def user_in(code: str) -> Any:
    from tiaodu.accounts.models import User

    return User(username=f"u{code}", region=Region.objects.get(code=code))


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
