"""The planning pages: plans (create, draw, publish, verify), campaigns, teams, inspectors,
综合查一次 and coverage — through the scope of each role."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from tiaodu.core.tests.districts import TONGNAN
from tiaodu.safety import planning
from tiaodu.safety.choices import PlanStatus
from tiaodu.safety.models import Campaign, InspectionPlan, Inspector, JointTeam, JointVisit, PlanVisit
from tiaodu.safety.tests.test_planning import (
    START,
    department,
    department_user,
    inspect,
    inspectors,
    plan,
    setup,
)

__all__ = ["setup"]


@pytest.fixture
def yjj_client(setup: dict[str, Any], client_for: Any) -> Any:
    setup["user"] = department_user(setup["yjj"], "yjj-web")
    return client_for(setup["user"])


@pytest.mark.django_db
def test_plan_create_draw_publish_verify(setup: dict[str, Any], yjj_client: Any) -> None:
    page = yjj_client.get(reverse("safety:plan-create"))
    assert page.status_code == 200 and 'name="department_id"' not in page.content.decode()
    response = yjj_client.post(
        reverse("safety:plan-create"),
        {
            "name": "一季度工贸双随机",
            "starts_on": "2022-03-01",
            "ends_on": "2022-03-31",
            "sector_ids": [setup["sector"].pk],
            "sample_percent": "10",
            "inspectors_per_visit": "2",
        },
    )
    p = InspectionPlan.objects.get(name="一季度工贸双随机")
    assert response.status_code == 302 and response["Location"] == p.get_absolute_url()
    assert p.department == setup["yjj"]
    response = yjj_client.post(
        reverse("safety:plan-draw", args=[p.pk]), {"seed": "web-seed", "version": p.version}
    )
    assert response.status_code == 302
    assert PlanVisit.objects.filter(plan=p).count() == 8
    page = yjj_client.get(p.get_absolute_url()).content.decode()
    first = PlanVisit.objects.filter(plan=p).order_by("order").select_related("unit").first()
    assert first is not None and first.unit.name in page and "web-seed" in page
    assert 'id="publish-form"' in page
    p.refresh_from_db()
    yjj_client.post(reverse("safety:plan-publish", args=[p.pk]), {"version": p.version})
    p.refresh_from_db()
    assert p.status == PlanStatus.PUBLISHED and p.digest
    page = yjj_client.get(p.get_absolute_url()).content.decode()
    assert p.digest in page and 'id="draw-form"' not in page and 'id="publish-form"' not in page
    page = yjj_client.get(reverse("safety:plan-verify", args=[p.pk])).content.decode()
    assert 'id="verify-result"' in page and "alert-success" in page
    # A re-draw after publishing is refused on the page, nothing changed.
    before = planning.stored_visits(p)
    response = yjj_client.post(reverse("safety:plan-draw", args=[p.pk]), {"seed": "x"})
    assert response.status_code == 422 and planning.stored_visits(p) == before


@pytest.mark.django_db
def test_plan_form_errors_and_stale_version(setup: dict[str, Any], yjj_client: Any) -> None:
    response = yjj_client.post(
        reverse("safety:plan-create"),
        {"name": "坏计划", "starts_on": "2022-03-31", "ends_on": "2022-03-01", "sample_percent": "5"},
    )
    assert response.status_code == 422 and "结束日期不能早于开始日期" in response.content.decode()
    p = plan(setup["yjj"], [setup["sector"]])
    planning.draw(None, p.pk, seed="a")
    response = yjj_client.post(reverse("safety:plan-draw", args=[p.pk]), {"seed": "b", "version": p.version})
    assert response.status_code == 422
    p.refresh_from_db()
    assert p.seed == "a"


@pytest.mark.django_db
def test_plans_of_other_departments_are_read_only(
    setup: dict[str, Any], yjj_client: Any, users: Any, client_for: Any
) -> None:
    zjw = department(TONGNAN, "区住房城乡建委")
    inspectors(zjw, 2)
    theirs = plan(zjw, [setup["sector"]])
    page = yjj_client.get(theirs.get_absolute_url()).content.decode()
    assert 'id="draw-form"' not in page
    response = yjj_client.post(reverse("safety:plan-draw", args=[theirs.pk]), {"seed": "x"})
    assert response.status_code == 403
    assert not PlanVisit.objects.filter(plan=theirs).exists()
    # Towns have no plans at all; the list shows only what the role reaches.
    assert client_for(users["guxi"]).get(reverse("safety:plan-list")).status_code == 403
    listing = yjj_client.get(reverse("safety:plan-list")).content.decode()
    assert theirs.name in listing  # departments read the district's plans


@pytest.mark.django_db
def test_campaign_team_inspector_pages(setup: dict[str, Any], yjj_client: Any) -> None:
    swj = department(TONGNAN, "区商务委")
    response = yjj_client.post(
        reverse("safety:campaign-create"),
        {
            "name": "“两重大一突出”大排查大整治大执法",
            "starts_on": "2022-01-09",
            "sector_ids": [setup["sector"].pk],
            "lead_department_id": setup["yjj"].pk,
            "department_ids": [setup["yjj"].pk, swj.pk],
        },
    )
    campaign = Campaign.objects.get(name="“两重大一突出”大排查大整治大执法")
    assert response.status_code == 302
    assert set(campaign.departments.all()) == {setup["yjj"], swj}
    response = yjj_client.post(
        reverse("safety:team-create"),
        {
            "name": "联合检查一组",
            "campaign_id": campaign.pk,
            "lead_org_id": setup["yjj"].pk,
            "organization_ids": [swj.pk],
        },
    )
    assert response.status_code == 302
    team = JointTeam.objects.get(name="联合检查一组")
    page = yjj_client.get(reverse("safety:campaign-detail", args=[campaign.pk])).content.decode()
    assert team.name in page and "区商务委" in page
    assert campaign.name in yjj_client.get(reverse("safety:campaign-list")).content.decode()
    assert team.name in yjj_client.get(reverse("safety:team-list")).content.decode()
    # A team of one unit is refused.
    response = yjj_client.post(
        reverse("safety:team-create"), {"name": "单独一组", "lead_org_id": setup["yjj"].pk}
    )
    assert response.status_code == 422 and "至少由两个单位组成" in response.content.decode()
    # Inspectors: a department registers its own, with the units to stay away from.
    unit = setup["units"][0]
    response = yjj_client.post(
        reverse("safety:inspector-create"),
        {
            "name": "张执法",
            "certificate_no": "50000001",
            "certificate_valid_until": "2025-12-31",
            "related_units": unit.name,
        },
    )
    assert response.status_code == 302
    inspector = Inspector.objects.get(name="张执法")
    assert inspector.organization == setup["yjj"] and list(inspector.related_units.all()) == [unit]
    listing = yjj_client.get(reverse("safety:inspector-list") + "?valid_on=2025-01-01").content.decode()
    assert "张执法" in listing
    listing = yjj_client.get(reverse("safety:inspector-list") + "?valid_on=2026-01-01").content.decode()
    assert "张执法" not in listing
    response = yjj_client.post(
        reverse("safety:inspector-create"), {"name": "李执法", "related_units": "没有这个单位"}
    )
    assert response.status_code == 422 and "单位“没有这个单位”不存在" in response.content.decode()
    export = yjj_client.get(reverse("safety:campaign-list") + "?export=csv")
    assert export.status_code == 200 and "<a" not in export.content.decode("utf-8-sig")


@pytest.mark.django_db
def test_joint_visits_merge_page(setup: dict[str, Any], yjj_client: Any) -> None:
    swj = department(TONGNAN, "区商务委")
    inspectors(swj, 2)
    for org in (swj, setup["yjj"]):
        p = plan(org, [setup["sector"]], percent="100")
        planning.draw(None, p.pk, seed="m")
        planning.publish(None, p.pk)
    response = yjj_client.post(
        reverse("safety:joint-visit-merge"), {"start": "2022-01-01", "end": "2022-12-31"}
    )
    assert response.status_code == 302
    assert JointVisit.objects.count() == 80
    page = yjj_client.get(reverse("safety:joint-visit-list")).content.decode()
    assert setup["units"][0].name in page or "区商务委" in page


@pytest.mark.django_db
def test_coverage_page(setup: dict[str, Any], yjj_client: Any) -> None:
    made = setup["units"]
    inspect(made[0], date(2022, 2, 1), setup["yjj"])
    url = reverse("safety:coverage")
    page = yjj_client.get(url + "?year=2022&as_of=2022-06-30").content.decode()
    assert 'id="coverage-table"' in page and "工贸" in page and "1.3" in page  # 1 of 80
    page = yjj_client.get(url + f"?year=2022&as_of=2022-06-30&sector={setup['sector'].pk}").content.decode()
    assert made[1].name in page and f">{made[0].name}<" not in page
    response = yjj_client.get(url + "?year=2022&as_of=2023-01-01")
    assert response.status_code == 422
    assert START.year == 2022


@pytest.mark.django_db
def test_coverage_by_role(setup: dict[str, Any], users: Any, client_for: Any) -> None:
    url = reverse("safety:coverage") + "?year=2022&as_of=2022-06-30"
    leader = client_for(users["leader"]).get(url)
    assert leader.status_code == 200 and ">80<" in leader.content.decode()
    # The units sit in the district's first township; 玉溪镇's town user sees none of them.
    town = client_for(users["yuxi"]).get(url)
    assert town.status_code == 200 and ">80<" not in town.content.decode()
    assert client_for(users["qiye"]).get(url).status_code == 403
    assert client_for(users["qiye"]).get(reverse("safety:plan-list")).status_code == 403
    assert client_for(users["leader"]).get(reverse("safety:plan-create")).status_code == 403


@pytest.mark.django_db
def test_edit_inspector_and_campaign(setup: dict[str, Any], yjj_client: Any) -> None:
    from tiaodu.safety import campaigns

    own = setup["inspectors"][0]
    unit = setup["units"][5]
    url = reverse("safety:inspector-edit", args=[own.pk])
    assert own.name in yjj_client.get(url).content.decode()
    response = yjj_client.post(
        url,
        {
            "name": own.name,
            "certificate_no": own.certificate_no,
            "certificate_valid_until": "2031-06-30",
            "related_units": unit.name,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.certificate_valid_until == date(2031, 6, 30) and list(own.related_units.all()) == [unit]
    zjw = department(TONGNAN, "区住房城乡建委")
    theirs = inspectors(zjw, 1)[0]
    assert yjj_client.get(reverse("safety:inspector-edit", args=[theirs.pk])).status_code == 403
    campaign = campaigns.create_campaign(
        None, region=setup["sector"].region, name="春季检查", starts_on=date(2022, 3, 1)
    )
    url = reverse("safety:campaign-edit", args=[campaign.pk])
    page = yjj_client.get(url).content.decode()
    assert "春季检查" in page
    response = yjj_client.post(
        url, {"name": "春季安全检查", "starts_on": "2022-03-01", "ends_on": "2022-02-01"}
    )
    assert response.status_code == 422
    response = yjj_client.post(
        url, {"name": "春季安全检查", "starts_on": "2022-03-01", "ends_on": "2022-05-31"}
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.ends_on) == ("春季安全检查", date(2022, 5, 31))
