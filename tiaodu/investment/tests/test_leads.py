"""Leads and 首报制: reporting, the duplicate refusal naming the first report, submitting anyway,
招商投资局's decision, assignment and conversion, scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tiaodu.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tiaodu.core.permissions import get_scoped
from tiaodu.investment import leads
from tiaodu.investment.choices import DuplicateStatus, LeadStatus, Stage, TeamKind
from tiaodu.investment.models import InvestmentProject, Lead, Team
from tiaodu.investment.tests import factories
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db


def bureau_user(code: str = factories.TONGNAN, username: str = "zstz") -> Any:
    """A member of the district's 区招商投资局 (department role)."""
    from tiaodu.accounts import services as accounts
    from tiaodu.accounts.models import User

    found = User.objects.filter(username=username).first()
    if found:
        return found
    district = factories.district(code)
    org = Organization.objects.get(region=district, name="区招商投资局")
    return accounts.create_user(
        None, username=username, role="department", region_code=code, org=str(org.pk), full_name="招商干部"
    ).user


def team(code: str = factories.TONGNAN, name: str = "粤港澳大湾区招商组", **extra: Any) -> Team:
    district = factories.district(code)
    found, _created = Team.objects.get_or_create(
        region=district, name=name, defaults={"kind": TeamKind.REGIONAL, **extra}
    )
    return found


def report(user: Any, name: str, **values: Any) -> Lead:
    return leads.report_lead(user, investor_name=name, content="有意在西部布局生产基地", **values)


def test_town_lead_takes_its_township_and_organisation(users: Any) -> None:
    lead = report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 3, 1))
    assert lead.region.code == factories.TONGNAN
    assert lead.township == users["guxi"].region and lead.reporter == users["guxi"].organization
    assert lead.status == LeadStatus.NEW and lead.investor_key == "星源新材料科技"


def test_second_town_is_refused_naming_the_first(users: Any) -> None:
    report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 3, 1))
    before = Lead.objects.count()
    with pytest.raises(InvalidInput) as caught:
        report(users["yuxi"], "星源新材料科技(重庆)股份有限公司")
    exc = caught.value
    assert exc.code == "duplicate_investor" and exc.errors[0].code == "duplicate_investor"
    assert exc.errors[0].field == "investor_name"
    assert (
        "古溪镇人民政府于2022-03-01首报" in exc.message and "线索“重庆星源新材料科技有限公司”" in exc.message
    )
    assert exc.message.endswith("重复报送需由区招商投资局裁定")
    assert Lead.objects.count() == before


def test_near_name_is_refused_too(users: Any) -> None:
    report(users["guxi"], "重庆海康威视数字技术有限公司", reported_on=date(2022, 3, 1))
    with pytest.raises(InvalidInput) as caught:
        report(users["yuxi"], "海康威视数字技有限公司")
    assert "名称相近" in caught.value.message


def test_credit_code_is_refused_under_another_name(users: Any) -> None:
    report(users["guxi"], "某甲科技有限公司", investor_credit_code="91500152ma5u00001f")
    with pytest.raises(InvalidInput) as caught:
        report(users["yuxi"], "完全不同名称有限公司", investor_credit_code="91500152MA5U00001F")
    assert caught.value.errors[0].code == "duplicate_investor"


def test_submit_as_duplicate_waits_for_the_bureau(users: Any) -> None:
    first = report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 3, 1))
    second = report(users["yuxi"], "星源新材料科技有限公司", submit_as_duplicate=True)
    assert second.duplicate_of_lead == first and second.duplicate_of_project is None
    assert (second.status, second.duplicate_status) == (LeadStatus.DUPLICATE, DuplicateStatus.PENDING)
    # The pending duplicate is not a first report: a third town is told about the first one.
    with pytest.raises(InvalidInput) as caught:
        report(users["admin"], "星源新材料科技有限公司", region=first.region)
    assert "古溪镇人民政府" in caught.value.message
    banner = leads.first_report(second)
    assert banner is not None and banner.pk == first.pk


def test_bureau_confirms_credit_stays_with_the_first(users: Any) -> None:
    first = report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 3, 1))
    second = report(users["yuxi"], "星源新材料科技有限公司", submit_as_duplicate=True)
    bureau = bureau_user()
    decided = leads.decide_duplicate(bureau, second, DuplicateStatus.CONFIRMED, "同一企业")
    assert isinstance(decided, Lead)
    decided.refresh_from_db()
    assert (decided.status, decided.duplicate_status) == (LeadStatus.DUPLICATE, DuplicateStatus.CONFIRMED)
    assert decided.decided_by == bureau and decided.decision_note == "同一企业"
    assert decided.duplicate_of_lead == first
    with pytest.raises(Conflict) as caught:
        leads.decide_duplicate(bureau, second, DuplicateStatus.OVERRULED)
    assert caught.value.code == "duplicate_not_pending"


def test_bureau_overrules_the_entry_stands(users: Any) -> None:
    report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 3, 1))
    second = report(
        users["yuxi"], "星源新材料科技有限公司", submit_as_duplicate=True, reported_on=date(2022, 4, 1)
    )
    decided = leads.decide_duplicate(bureau_user(), second, DuplicateStatus.OVERRULED)
    decided.refresh_from_db()
    assert (decided.status, decided.duplicate_status) == (LeadStatus.NEW, DuplicateStatus.OVERRULED)
    project = leads.convert_lead(bureau_user(), second, on=date(2022, 5, 1))
    assert project.first_reporter == users["yuxi"].organization


@pytest.mark.parametrize("username", ["jxw", "guxi", "yuxi", "leader", "squad1"])
def test_only_the_bureau_decides(users: Any, username: str) -> None:
    report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 3, 1))
    second = report(users["yuxi"], "星源新材料科技有限公司", submit_as_duplicate=True)
    with pytest.raises(Forbidden):
        leads.decide_duplicate(users[username], second, DuplicateStatus.OVERRULED)
    second.refresh_from_db()
    assert second.duplicate_status == DuplicateStatus.PENDING


def test_admin_decides(users: Any) -> None:
    report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 3, 1))
    second = report(users["yuxi"], "星源新材料科技有限公司", submit_as_duplicate=True)
    leads.decide_duplicate(users["admin"], second, DuplicateStatus.OVERRULED)
    second.refresh_from_db()
    assert second.duplicate_status == DuplicateStatus.OVERRULED
    with pytest.raises(InvalidInput):
        leads.decide_duplicate(users["admin"], second, "maybe")


def test_towns_do_not_see_each_others_leads(users: Any) -> None:
    guxi_lead = report(users["guxi"], "重庆星源新材料科技有限公司")
    yuxi_lead = report(users["yuxi"], "重庆蓝海生物医药有限公司")
    seen = set(Lead.objects.restrict(users["guxi"]).values_list("pk", flat=True))
    assert guxi_lead.pk in seen and yuxi_lead.pk not in seen
    with pytest.raises(NotFound):
        get_scoped(Lead, users["guxi"], pk=yuxi_lead.pk)
    bureau = set(Lead.objects.restrict(bureau_user()).values_list("pk", flat=True))
    assert {guxi_lead.pk, yuxi_lead.pk} <= bureau


def test_town_reports_for_its_own_township_only(users: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        report(users["guxi"], "重庆星源新材料科技有限公司", township=users["yuxi"].region)
    assert caught.value.errors[0].code == "township_not_yours"


def test_bad_input_changes_nothing(users: Any) -> None:
    before = Lead.objects.count()
    with pytest.raises(InvalidInput) as caught:
        leads.report_lead(
            users["guxi"],
            investor_name=" ",
            content="",
            investor_credit_code="123",
            estimated_investment=Decimal(-1),
            reported_on=date(2099, 1, 1),
            source="nope",
        )
    codes = {e.code for e in caught.value.errors}
    assert {"required", "credit_code_length", "negative_amount", "date_in_future", "invalid_choice"} <= codes
    assert Lead.objects.count() == before


def test_three_districts_same_investor_is_not_a_duplicate_across_districts(users: Any) -> None:
    tongnan = factories.district(factories.TONGNAN)
    dadukou = factories.district(factories.DADUKOU)
    wanzhou = factories.district(factories.WANZHOU)
    report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 3, 1))
    other = report(None, "星源新材料科技有限公司", region=dadukou)
    third = report(None, "星源新材料科技有限公司", region=wanzhou)
    assert other.duplicate_status == third.duplicate_status == DuplicateStatus.NONE
    # Within each district the second report is the duplicate of that district's first.
    with pytest.raises(InvalidInput) as caught:
        report(None, "重庆星源新材料科技有限公司", region=dadukou)
    assert f"{other.reported_on:%Y-%m-%d}首报" in caught.value.message
    assert leads.check_duplicate(tongnan, "星源新材料科技").pk != other.pk  # type: ignore[union-attr]


def test_assign_by_the_bureau_only(users: Any) -> None:
    lead = report(users["guxi"], "重庆星源新材料科技有限公司")
    group = team()
    with pytest.raises(Forbidden):
        leads.assign_lead(users["guxi"], lead, group)
    assigned = leads.assign_lead(bureau_user(), lead, group)
    assert assigned.team == group and assigned.status == LeadStatus.ASSIGNED
    foreign = team(factories.DADUKOU, "大渡口区长三角招商组")
    with pytest.raises(InvalidInput):
        leads.assign_lead(bureau_user(), lead, foreign)


def test_convert_credits_the_first_report(users: Any) -> None:
    group = team()
    lead = report(
        users["guxi"],
        "重庆星源新材料科技有限公司",
        reported_on=date(2022, 3, 1),
        estimated_investment=Decimal(20000),
    )
    leads.assign_lead(bureau_user(), lead, group)
    project = leads.convert_lead(
        bureau_user(), lead, stage=Stage.CONTACT, on=date(2022, 4, 2), name="星源新材料项目"
    )
    assert (project.stage, project.stage_on) == (Stage.CONTACT, date(2022, 4, 2))
    assert project.first_reporter == users["guxi"].organization
    assert project.first_township == users["guxi"].region
    assert project.first_reported_on == date(2022, 3, 1)
    assert project.team == group and project.planned_investment == Decimal(20000)
    lead.refresh_from_db()
    assert lead.project == project and lead.status == LeadStatus.CONVERTED
    # The town sees the project it reported (its stage), through its 首报镇街.
    assert InvestmentProject.objects.restrict(users["guxi"]).filter(pk=project.pk).exists()
    assert not InvestmentProject.objects.restrict(users["yuxi"]).filter(pk=project.pk).exists()
    # The project now stands for the investor: a new lead is refused naming the project.
    with pytest.raises(InvalidInput) as caught:
        report(users["yuxi"], "星源新材料科技有限公司")
    assert "在库项目“星源新材料项目”" in caught.value.message and "2022-03-01" in caught.value.message


def test_convert_rules(users: Any) -> None:
    lead = report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 3, 1))
    with pytest.raises(Forbidden):
        leads.convert_lead(users["guxi"], lead)
    with pytest.raises(InvalidInput) as caught:
        leads.convert_lead(bureau_user(), lead, stage=Stage.NEGOTIATING)
    assert caught.value.errors[0].code == "stage_not_allowed"
    with pytest.raises(InvalidInput):
        leads.convert_lead(bureau_user(), lead, on=date(2022, 2, 1))
    second = report(users["yuxi"], "星源新材料科技有限公司", submit_as_duplicate=True)
    with pytest.raises(Conflict) as pending:
        leads.convert_lead(bureau_user(), second)
    assert pending.value.code == "duplicate_pending"
    assert not InvestmentProject.objects.filter(investor_key="星源新材料科技").exists()


def test_project_entry_is_checked_against_leads(users: Any) -> None:
    lead = report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 3, 1))
    tongnan = factories.district()
    values = {"name": "星源新材料二期", "investor_name": "星源新材料科技有限公司", "region": tongnan}
    before = InvestmentProject.objects.count()
    with pytest.raises(InvalidInput) as caught:
        leads.create_project_checked(bureau_user(), on=date(2022, 6, 1), **values)
    assert "古溪镇人民政府" in caught.value.message
    assert InvestmentProject.objects.count() == before
    project = leads.create_project_checked(
        bureau_user(), submit_as_duplicate=True, on=date(2022, 6, 1), **values
    )
    assert project.duplicate_status == DuplicateStatus.PENDING and project.duplicate_of is None
    assert project.first_reporter is not None and project.first_reporter.name == "区招商投资局"
    banner = leads.first_report(project)
    assert banner is not None and (banner.kind, banner.pk) == ("lead", lead.pk)
    decided = leads.decide_duplicate(bureau_user(), project, DuplicateStatus.CONFIRMED)
    assert isinstance(decided, InvestmentProject)
    decided.refresh_from_db()
    assert decided.stage == Stage.TERMINATED and decided.duplicate_status == DuplicateStatus.CONFIRMED
    assert decided.stage_changes.order_by("-pk").first().actor == bureau_user()  # type: ignore[union-attr]


def pending_project() -> tuple[InvestmentProject, InvestmentProject]:
    """A project in the pipeline and a second one for the same investor, waiting for a decision."""
    first = factories.project(
        investor_name="宁德时代新能源科技股份有限公司", first_reported_on=date(2022, 1, 5)
    )
    project = leads.create_project_checked(
        None,
        submit_as_duplicate=True,
        region=factories.district(),
        on=date(2022, 6, 1),
        name="宁德时代储能项目",
        investor_name="宁德时代新能源科技有限公司",
    )
    return first, project


def test_project_entry_duplicate_of_a_project(users: Any) -> None:
    first, project = pending_project()
    assert project.duplicate_of == first
    leads.decide_duplicate(None, project, DuplicateStatus.OVERRULED)
    project.refresh_from_db()
    assert project.duplicate_status == DuplicateStatus.OVERRULED and project.stage == Stage.LEAD


def test_the_assigned_group_converts_its_lead(users: Any) -> None:
    squad = Organization.objects.get(name="重点项目服务一专班")
    group = team(name="产业链专班(测试)", kind=TeamKind.CHAIN, organization=squad)
    lead = report(users["guxi"], "重庆星源新材料科技有限公司", reported_on=date(2022, 3, 1))
    with pytest.raises(NotFound):
        leads.convert_lead(users["squad1"], lead)  # not yet the group's
    leads.assign_lead(bureau_user(), lead, group)
    project = leads.convert_lead(users["squad1"], lead, on=date(2022, 4, 1))
    assert project.team == group and project.first_reporter == users["guxi"].organization
