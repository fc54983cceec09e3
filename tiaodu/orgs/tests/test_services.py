"""The organisation service functions every caller (web, API, CLI, demo loader) shares."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry

from tiaodu.accounts.models import User
from tiaodu.core.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from tiaodu.orgs import services
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

GUXI_CODE = "500152103"
YUXI_CODE = "500152107"


def org(name: str, region: str | None = None) -> Organization:
    return Organization.objects.get(name=name, **({"region__code": region} if region else {}))


def codes(exc: ServiceError) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.errors]


def test_create_strips_and_saves() -> None:
    created = services.create_organization(
        None,
        name="  重庆测试企业有限公司 ",
        kind="enterprise",
        region_code=GUXI_CODE,
        code=" 91500152TEST00001 ",
    )
    created.refresh_from_db()
    assert created.name == "重庆测试企业有限公司"
    assert created.code == "91500152TEST00001"
    assert created.region.name == "古溪镇"
    assert created.is_active is True
    assert created.parent is None


def test_create_accepts_short_region_codes() -> None:
    created = services.create_organization(None, name="区测试局", kind="department", region_code="500152")
    assert created.region.name == "潼南区"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"name": "   ", "kind": "enterprise", "region_code": GUXI_CODE}, [("name", "required")]),
        ({"name": None, "kind": "enterprise", "region_code": GUXI_CODE}, [("name", "required")]),
        ({"name": "某企业", "kind": "enterprise"}, [("region", "required")]),
        ({"name": "某企业", "kind": "enterprise", "region_code": None}, [("region", "required")]),
        ({"name": "某企业", "kind": "bank", "region_code": GUXI_CODE}, [("kind", "kind_invalid")]),
        (
            {"name": "某企业", "kind": "enterprise", "region_code": "500152999"},
            [("region", "region_unknown")],
        ),
        ({"name": "某企业", "kind": "enterprise", "region_code": "abc"}, [("region", "region_code_invalid")]),
        (
            {"name": "某企业", "kind": "enterprise", "region_code": GUXI_CODE, "secret": 1},
            [("secret", "field_unknown")],
        ),
        (
            {"name": "某镇政府", "kind": "town", "region_code": "500152"},
            [("region", "region_level_mismatch")],
        ),
        (
            {"name": "某部门", "kind": "department", "region_code": GUXI_CODE},
            [("region", "region_level_mismatch")],
        ),
        (
            {"name": "某专班", "kind": "squad", "region_code": GUXI_CODE},
            [("region", "region_level_mismatch")],
        ),
        (
            {"name": "", "kind": "town", "region_code": "500152"},
            [("name", "required"), ("region", "region_level_mismatch")],
        ),
        (
            {"name": "某企业", "kind": "enterprise", "region_code": GUXI_CODE, "parent_id": 10**9},
            [("parent", "parent_unknown")],
        ),
        (
            {"name": "某企业", "kind": "enterprise", "region_code": GUXI_CODE, "leader_id": 10**9},
            [("leader", "leader_unknown")],
        ),
    ],
)
def test_create_rejects_bad_input(data: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    count = Organization.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.create_organization(None, **data)
    assert exc.value.status == 422
    assert exc.value.code == "validation_error"
    assert codes(exc.value) == expected
    assert all(e.message for e in exc.value.errors)  # every error has a Chinese message
    assert Organization.objects.count() == count


def test_duplicate_code_conflicts() -> None:
    with pytest.raises(Conflict) as exc:
        services.create_organization(
            None, name="另一家企业", kind="enterprise", region_code=GUXI_CODE, code="91500152MA5U00003M"
        )
    assert exc.value.status == 409
    assert exc.value.code == "organization_code_taken"
    assert codes(exc.value) == [("code", "organization_code_taken")]
    assert not Organization.objects.filter(name="另一家企业").exists()


def test_empty_code_is_not_unique() -> None:
    a = services.create_organization(None, name="无代码一", kind="enterprise", region_code=GUXI_CODE)
    b = services.create_organization(None, name="无代码二", kind="enterprise", region_code=GUXI_CODE)
    assert a.code == b.code == ""


def test_duplicate_name_in_same_region_and_kind_conflicts() -> None:
    with pytest.raises(Conflict) as exc:
        services.create_organization(
            None, name="重庆玉溪新材料有限公司", kind="enterprise", region_code=YUXI_CODE
        )
    assert exc.value.code == "organization_name_taken"
    assert codes(exc.value) == [("name", "organization_name_taken")]
    # The same name elsewhere, or as another kind, is fine (区经济信息委 exists in both districts).
    services.create_organization(
        None, name="重庆玉溪新材料有限公司", kind="enterprise", region_code=GUXI_CODE
    )
    assert Organization.objects.filter(name="区经济信息委").count() == 2


def test_update_keeps_own_code_and_name(users: dict[str, User]) -> None:
    target = org("重庆玉溪新材料有限公司")
    updated = services.update_organization(
        users["admin"], target.pk, name=target.name, code=target.code, phone="023-1"
    )
    assert updated.phone == "023-1"


def test_update_to_taken_code_conflicts_and_saves_nothing(users: dict[str, User]) -> None:
    target = org("重庆古溪机械制造有限公司")
    with pytest.raises(Conflict) as exc:
        services.update_organization(users["guxi"], target.pk, phone="023-9", code="91500152MA5U00001F")
    assert exc.value.code == "organization_code_taken"
    target.refresh_from_db()
    assert target.phone == "" and target.code == "91500152MA5U00002J"


def test_cycle_parent_is_self(users: dict[str, User]) -> None:
    target = org("重庆古溪机械制造有限公司")
    with pytest.raises(InvalidInput) as exc:
        services.update_organization(users["admin"], target.pk, parent_id=target.pk)
    assert codes(exc.value) == [("parent", "organization_cycle")]


def test_cycle_parent_is_descendant(users: dict[str, User]) -> None:
    admin = users["admin"]
    top = services.create_organization(admin, name="循环测试甲", kind="other", region_code="500152")
    middle = services.create_organization(
        admin, name="循环测试乙", kind="other", region_code="500152", parent_id=top.pk
    )
    bottom = services.create_organization(
        admin, name="循环测试丙", kind="other", region_code="500152", parent_id=middle.pk
    )
    with pytest.raises(InvalidInput) as exc:
        services.update_organization(admin, top.pk, parent_id=bottom.pk)
    assert codes(exc.value) == [("parent", "organization_cycle")]
    top.refresh_from_db()
    assert top.parent_id is None
    # A non-cyclic move is fine.
    moved = services.update_organization(admin, bottom.pk, parent_id=top.pk)
    assert moved.parent_id == top.pk


def test_update_none_for_required_field(users: dict[str, User]) -> None:
    target = org("重庆古溪机械制造有限公司")
    with pytest.raises(InvalidInput) as exc:
        services.update_organization(users["guxi"], target.pk, name=None)
    assert codes(exc.value) == [("name", "required")]
    with pytest.raises(InvalidInput) as exc:
        services.update_organization(users["guxi"], target.pk, region_code=None)
    assert codes(exc.value) == [("region", "required")]


def test_update_clears_parent_and_leader(users: dict[str, User]) -> None:
    admin = users["admin"]
    target = org("重庆古溪机械制造有限公司")
    services.update_organization(
        admin, target.pk, parent_id=org("古溪镇人民政府").pk, leader_id=users["guxi"].pk
    )
    cleared = services.update_organization(admin, target.pk, parent_id=None, leader_id="")
    assert cleared.parent_id is None and cleared.leader_id is None


def test_update_outside_scope(users: dict[str, User]) -> None:
    yuxi_org = org("重庆玉溪新材料有限公司")
    with pytest.raises(NotFound) as not_found:
        services.update_organization(users["guxi"], yuxi_org.pk, phone="1")
    assert not_found.value.audit == f"change orgs.organization pk={yuxi_org.pk}"
    # Visible (the whole district) but not changeable: forbidden.
    with pytest.raises(Forbidden):
        services.update_organization(users["jxw"], yuxi_org.pk, phone="1")
    with pytest.raises(Forbidden):
        services.update_organization(users["leader"], yuxi_org.pk, phone="1")
    yuxi_org.refresh_from_db()
    assert yuxi_org.phone == ""


def test_create_outside_scope_is_rolled_back(users: dict[str, User]) -> None:
    with pytest.raises(Forbidden) as exc:
        services.create_organization(users["guxi"], name="越界企业", kind="enterprise", region_code=YUXI_CODE)
    assert exc.value.audit is not None and exc.value.audit.startswith("add orgs.organization")
    assert not Organization.objects.filter(name="越界企业").exists()
    with pytest.raises(Forbidden):
        services.create_organization(users["jxw"], name="部门新建", kind="enterprise", region_code=GUXI_CODE)
    assert not Organization.objects.filter(name="部门新建").exists()


def test_move_to_other_township_is_rolled_back(users: dict[str, User]) -> None:
    target = org("重庆古溪机械制造有限公司")
    entries = LogEntry.objects.get_for_object(target).count()
    with pytest.raises(Forbidden):
        services.update_organization(users["guxi"], target.pk, region_code=YUXI_CODE, phone="023-7")
    target.refresh_from_db()
    assert target.region.code == GUXI_CODE and target.phone == ""
    assert LogEntry.objects.get_for_object(target).count() == entries


def test_related_ids_resolve_through_scope(users: dict[str, User]) -> None:
    guxi = users["guxi"]
    target = org("重庆古溪机械制造有限公司")
    with pytest.raises(InvalidInput) as exc:
        services.update_organization(guxi, target.pk, parent_id=org("重庆玉溪新材料有限公司").pk)
    assert codes(exc.value) == [("parent", "parent_unknown")]
    with pytest.raises(InvalidInput) as exc:
        services.update_organization(guxi, target.pk, leader_id=users["yuxi"].pk)
    assert codes(exc.value) == [("leader", "leader_unknown")]
    # An administrator may link anything; the town user may keep such a link unchanged.
    jxw_org = org("区经济信息委", "500152")
    services.update_organization(users["admin"], target.pk, parent_id=jxw_org.pk)
    kept = services.update_organization(guxi, target.pk, parent_id=jxw_org.pk, phone="023-5")
    assert kept.parent_id == jxw_org.pk and kept.phone == "023-5"
    # Users of the own township (the enterprise user of 古溪镇) may be named leader.
    led = services.update_organization(guxi, target.pk, leader_id=users["qiye"].pk)
    assert led.leader_id == users["qiye"].pk


def test_enterprise_user_changes_own_enterprise_only(users: dict[str, User]) -> None:
    qiye = users["qiye"]
    own = services.update_organization(qiye, org("重庆潼南古溪食品有限公司").pk, phone="023-66")
    assert own.phone == "023-66"
    with pytest.raises(NotFound):
        services.update_organization(qiye, org("重庆古溪机械制造有限公司").pk, phone="023-66")


def test_resolve_org() -> None:
    food = org("重庆潼南古溪食品有限公司")
    assert services.resolve_org("91500152MA5U00001F") == food
    assert services.resolve_org("重庆潼南古溪食品有限公司") == food
    assert services.resolve_org(food.pk) == food
    assert services.resolve_org(f" {food.pk} ") == food
    assert services.resolve_org("古溪镇") == org("古溪镇人民政府")  # short name
    with pytest.raises(InvalidInput) as exc:
        services.resolve_org("不存在的单位")
    assert codes(exc.value) == [("organization", "organization_unknown")]
    with pytest.raises(InvalidInput) as exc:
        services.resolve_org("区经济信息委")  # one in each district
    assert codes(exc.value) == [("organization", "organization_ambiguous")]


def test_set_squad_members(users: dict[str, User]) -> None:
    squad = org("重点项目服务二专班")
    members = [users["jxw"].pk, users["squad1"].pk]
    services.set_squad_members(users["admin"], squad, members)
    assert set(squad.members.values_list("pk", flat=True)) == set(members)
    # Membership is what gives a squad user the squad.
    assert Organization.objects.restrict(users["squad1"]).filter(pk=squad.pk).exists()

    with pytest.raises(InvalidInput) as exc:
        services.set_squad_members(users["admin"], org("区经济信息委", "500152"), members)
    assert codes(exc.value) == [("member_ids", "not_a_squad")]
    with pytest.raises(InvalidInput) as exc:
        services.set_squad_members(users["admin"], squad, [10**9])
    assert codes(exc.value) == [("member_ids", "user_unknown")]
    # Squad members may view their squad but not change its membership.
    with pytest.raises(Forbidden):
        services.set_squad_members(users["squad1"], squad, [])
    with pytest.raises(NotFound):
        services.set_squad_members(users["guxi"], squad, [])
    assert squad.members.count() == 2


# --- What each role may change -------------------------------------------------------------------


def test_enterprise_user_keeps_contact_details_but_not_identity(users: dict[str, User]) -> None:
    own = org("重庆潼南古溪食品有限公司")
    updated = services.update_organization(
        users["qiye"], own.pk, phone="023-44556677", address="古溪镇工业园"
    )
    assert (updated.phone, updated.address) == ("023-44556677", "古溪镇工业园")
    with pytest.raises(InvalidInput) as exc:
        services.update_organization(users["qiye"], own.pk, kind="town", name="改名企业", phone="1")
    assert codes(exc.value) == [("kind", "field_not_editable"), ("name", "field_not_editable")]
    own.refresh_from_db()
    assert (own.kind, own.name, own.phone) == ("enterprise", "重庆潼南古溪食品有限公司", "023-44556677")


def test_resubmitting_unchanged_values_is_not_a_change(users: dict[str, User]) -> None:
    own = org("重庆潼南古溪食品有限公司")
    services.update_organization(users["qiye"], own.pk, name=own.name, kind=own.kind, short_name="古溪食品")
    own.refresh_from_db()
    assert own.short_name == "古溪食品"


def test_department_may_not_deactivate_itself(users: dict[str, User]) -> None:
    dept = org("区经济信息委", "500152")
    with pytest.raises(InvalidInput) as exc:
        services.update_organization(users["jxw"], dept.pk, is_active=False)
    assert codes(exc.value) == [("is_active", "field_not_editable")]


def test_town_registers_enterprises_but_not_departments(users: dict[str, User]) -> None:
    made = services.create_organization(
        users["guxi"], name="古溪新办企业", kind="enterprise", region_code=GUXI_CODE
    )
    assert made.region.code == GUXI_CODE
    with pytest.raises(InvalidInput) as exc:
        services.create_organization(
            users["guxi"], name="古溪假部门", kind="department", region_code=GUXI_CODE
        )
    assert codes(exc.value) == [("kind", "kind_not_allowed")]
    with pytest.raises(InvalidInput) as exc:
        services.update_organization(users["guxi"], made.pk, kind="squad")
    assert codes(exc.value) == [("kind", "field_not_editable")]


def test_squad_members_through_update_and_api(users: dict[str, User], client_for: Any) -> None:
    squad = org("重点项目服务二专班", "500152")
    services.update_organization(users["admin"], squad.pk, member_ids=[users["jxw"].pk])
    assert list(squad.members.values_list("username", flat=True)) == ["jxw"]
    response = client_for(users["admin"]).patch(
        f"/api/v1/organizations/{squad.pk}",
        {"member_ids": [users["squad1"].pk, users["jxw"].pk]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["member_ids"] == sorted([users["squad1"].pk, users["jxw"].pk])
    # A squad's own member may look but not reassign the squad.
    response = client_for(users["squad1"]).patch(
        f"/api/v1/organizations/{org('重点项目服务一专班', '500152').pk}",
        {"member_ids": []},
        content_type="application/json",
    )
    assert response.status_code == 403
