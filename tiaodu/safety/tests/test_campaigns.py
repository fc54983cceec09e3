"""Campaigns (专项行动), joint teams and inspectors: their rules and the district they belong to,
with three districts sharing department names."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tiaodu.core.errors import ServiceError
from tiaodu.core.tests.districts import DADUKOU, TONGNAN, WANZHOU, three_districts
from tiaodu.regions.models import Region
from tiaodu.safety import campaigns
from tiaodu.safety.models import Campaign, Inspector, JointTeam
from tiaodu.safety.tests.test_planning import department, department_user, sector, units


def codes(exc: Any) -> set[str]:
    return {e.code for e in exc.value.errors} | {exc.value.code}


@pytest.fixture
def orgs(db: Any) -> dict[str, Any]:
    made = three_districts()
    return {
        "tn": made[TONGNAN]["区发展改革委"],
        "tn2": made[TONGNAN]["区经济信息委"],
        "ddk": made[DADUKOU]["区发展改革委"],
        "wz": made[WANZHOU]["区发展改革委"],
        "yjj": department(TONGNAN, "区应急管理局"),
    }


@pytest.mark.django_db
def test_campaign_create_update_and_lookup(orgs: dict[str, Any]) -> None:
    tongnan = Region.objects.get(code=TONGNAN)
    s = sector(TONGNAN, "工贸", orgs["yjj"])
    campaign = campaigns.create_campaign(
        None,
        region=tongnan,
        name="“两重大一突出”大排查大整治大执法",
        starts_on=date(2022, 1, 9),
        sectors=[s],
        lead_department=orgs["yjj"],
        departments=[orgs["yjj"], orgs["tn"]],
    )
    assert campaign.region == tongnan and set(campaign.departments.all()) == {orgs["yjj"], orgs["tn"]}
    assert campaigns.campaign_by_name(tongnan, "“两重大一突出”大排查大整治大执法") == campaign
    with pytest.raises(ServiceError) as exc:
        campaigns.campaign_by_name(Region.objects.get(code=DADUKOU), campaign.name)
    assert "campaign_unknown" in codes(exc)
    with pytest.raises(ServiceError) as exc:
        campaigns.campaign_by_name(tongnan, "春季攻势")
    assert "campaign_unknown" in codes(exc) and campaign.name in str(exc.value)
    updated = campaigns.update_campaign(
        None, campaign.pk, ends_on=date(2022, 3, 31), departments=[orgs["tn2"]]
    )
    assert updated.ends_on == date(2022, 3, 31) and list(updated.departments.all()) == [orgs["tn2"]]
    assert updated.sectors.get() == s  # untouched


@pytest.mark.django_db
def test_campaign_refusals_change_nothing(orgs: dict[str, Any]) -> None:
    tongnan = Region.objects.get(code=TONGNAN)
    other_sector = sector(WANZHOU, "工贸", orgs["wz"])
    with pytest.raises(ServiceError) as exc:
        campaigns.create_campaign(
            None,
            region=tongnan,
            name="",
            starts_on=date(2022, 3, 1),
            ends_on=date(2022, 2, 1),
            sectors=[other_sector],
            lead_department=orgs["ddk"],  # 大渡口区's 区发展改革委, same short name
            departments=[orgs["wz"]],
        )
    assert {
        "required",
        "period_invalid",
        "sector_unknown",
        "lead_department_unknown",
        "departments_unknown",
    } <= codes(exc)
    assert not Campaign.objects.exists()
    campaigns.create_campaign(None, region=tongnan, name="专项一", starts_on=date(2022, 1, 1))
    with pytest.raises(ServiceError) as exc:
        campaigns.create_campaign(None, region=tongnan, name="专项一", starts_on=date(2022, 1, 1))
    assert "campaign_duplicate" in codes(exc)
    # Another district may use the same name.
    campaigns.create_campaign(
        None, region=Region.objects.get(code=DADUKOU), name="专项一", starts_on=date(2022, 1, 1)
    )
    with pytest.raises(ServiceError) as exc:
        campaigns.create_campaign(
            None, region=tongnan, name="专项二", starts_on=date(2022, 1, 1), colour="red"
        )
    assert "field_unknown" in codes(exc)


@pytest.mark.django_db
def test_teams(orgs: dict[str, Any]) -> None:
    tongnan = Region.objects.get(code=TONGNAN)
    street = Region.objects.filter(parent=tongnan, level=4).first()
    assert street is not None
    team = campaigns.create_team(
        None, region=tongnan, name="联合检查组", lead_org=orgs["yjj"], organizations=[orgs["yjj"], orgs["tn"]]
    )
    assert team.organizations.count() == 2
    with pytest.raises(ServiceError) as exc:
        campaigns.create_team(
            None, region=tongnan, name="一个单位", lead_org=orgs["yjj"], organizations=[orgs["yjj"]]
        )
    assert "team_too_small" in codes(exc)
    with pytest.raises(ServiceError) as exc:
        campaigns.create_team(
            None, region=tongnan, name="跨区", lead_org=orgs["yjj"], organizations=[orgs["ddk"]]
        )
    assert "organizations_unknown" in codes(exc)
    assert JointTeam.objects.count() == 1
    updated = campaigns.update_team(None, team.pk, is_active=False, note="已解散")
    assert not updated.is_active and updated.note == "已解散" and updated.organizations.count() == 2


@pytest.mark.django_db
def test_inspectors(orgs: dict[str, Any]) -> None:
    s = sector(TONGNAN, "工贸", orgs["yjj"])
    mine = units(s, 2)
    far = units(sector(DADUKOU, "工贸", orgs["ddk"]), 1)
    person = campaigns.create_inspector(
        None,
        organization=orgs["yjj"],
        name="赵执法",
        certificate_no="500001",
        certificate_valid_until=date(2025, 1, 1),
        related_units=mine[:1],
    )
    assert person.region.code == TONGNAN and list(person.related_units.all()) == mine[:1]
    with pytest.raises(ServiceError) as exc:
        campaigns.update_inspector(None, person.pk, related_units=far)
    assert "unit_unknown" in codes(exc)
    with pytest.raises(ServiceError) as exc:
        campaigns.create_inspector(
            None, organization=orgs["yjj"], name="钱执法", certificate_valid_until=date(2025, 1, 1)
        )
    assert "certificate_required" in codes(exc)
    valid = campaigns.valid_inspectors(orgs["yjj"], person.region, date(2024, 12, 31))
    assert list(valid) == [person]
    assert not campaigns.valid_inspectors(orgs["yjj"], person.region, date(2025, 1, 2)).exists()
    assert campaigns.related_pairs([person.pk]) == [(person.pk, mine[0].pk)]


@pytest.mark.django_db
def test_department_users_keep_their_own_inspectors(orgs: dict[str, Any]) -> None:
    user = department_user(orgs["yjj"], "yjj-insp")
    own = campaigns.create_inspector(
        user, name="孙执法", certificate_no="1", certificate_valid_until=date(2030, 1, 1)
    )
    assert own.organization == orgs["yjj"]
    with pytest.raises(ServiceError) as exc:
        campaigns.create_inspector(user, organization=orgs["tn"], name="周执法")
    assert "organization_not_yours" in codes(exc)
    theirs = campaigns.create_inspector(None, organization=orgs["tn"], name="吴执法")
    with pytest.raises(ServiceError) as exc:
        campaigns.update_inspector(user, theirs.pk, name="改名")
    assert exc.value.status == 403  # outside the department's change scope
    assert Inspector.objects.get(pk=theirs.pk).name == "吴执法"
    # Another district's department user cannot reach 潼南区's inspectors at all.
    stranger = department_user(orgs["ddk"], "ddk-insp")
    with pytest.raises(ServiceError) as exc:
        campaigns.update_inspector(stranger, own.pk, name="改名")
    assert exc.value.status == 404
