"""Recording inspections: numbers, the enterprise's self-inspection, all-or-nothing with hazards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tiaodu.accounts.models import User
from tiaodu.cases.models import Case
from tiaodu.core.errors import Forbidden, InvalidInput, NotFound, ServiceError
from tiaodu.enterprises.models import Enterprise
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region
from tiaodu.safety.choices import HazardGrade, InspectionKind, RectifyMode
from tiaodu.safety.inspections import HazardInput, record_inspection
from tiaodu.safety.models import ChecklistItem, Hazard, Inspection, Sector, Unit

TONGNAN, GUXI = "500152", "500152103"
GUXI_FOOD = "91500152MA5U00001F"  # the demo enterprise of user qiye


@dataclass
class World:
    district: Region
    township: Region
    yjj: Organization  # 区应急管理局: supervises 工贸
    zjw: Organization  # 区住房城乡建委: supervises 建筑施工
    jxw: Organization  # 区经济信息委: an inspecting department that supervises neither
    industry: Sector
    construction: Sector
    ok_item: ChecklistItem
    major_item: ChecklistItem
    unit: Unit  # an enterprise of the registry (古溪食品)
    site: Unit  # a building site, no enterprise
    yjj_user: User
    zjw_user: User
    jxw_user: User


def _dept(district: Region, short: str) -> Organization:
    org = Organization.objects.filter(region=district, kind=OrgKind.DEPARTMENT, short_name=short).first()
    assert org is not None, short
    return org


def _user(name: str, role: str, org: Organization, region: Region) -> User:
    user, _ = User.objects.get_or_create(
        username=name, defaults={"role": role, "organization": org, "region": region}
    )
    return user


def hazard_categories() -> None:
    """The two hazard categories (as reference.ensure_defaults makes them)."""
    from tiaodu.safety.reference import ensure_categories

    ensure_categories()


def make_world(code: str = TONGNAN, township_code: str = GUXI) -> World:
    district = Region.objects.get(code=code)
    township = Region.objects.get(code=township_code)
    yjj, zjw, jxw = _dept(district, "应急管理局"), _dept(district, "住建委"), _dept(district, "经信委")
    hazard_categories()
    industry, _ = Sector.objects.update_or_create(
        region=district, code="industry", defaults={"name": "工贸", "department": yjj}
    )
    construction, _ = Sector.objects.update_or_create(
        region=district, code="construction", defaults={"name": "建筑施工", "department": zjw}
    )
    ok_item, _ = ChecklistItem.objects.update_or_create(
        sector=industry, code="T-01", defaults={"text": "安全出口畅通", "is_major_criterion": False}
    )
    major_item, _ = ChecklistItem.objects.update_or_create(
        sector=industry,
        code="T-02",
        defaults={"text": "粉尘爆炸危险场所未采取防爆措施", "is_major_criterion": True},
    )
    enterprise = Enterprise.objects.filter(credit_code=GUXI_FOOD).first()
    unit, _ = Unit.objects.update_or_create(
        township=township,
        name="古溪食品测试单位",
        defaults={"district": district, "sector": industry, "enterprise": enterprise},
    )
    site, _ = Unit.objects.update_or_create(
        township=township,
        name="古溪测试工地",
        defaults={"district": district, "sector": construction, "unit_type": "site"},
    )
    return World(
        district,
        township,
        yjj,
        zjw,
        jxw,
        industry,
        construction,
        ok_item,
        major_item,
        unit,
        site,
        _user(f"t_yjj_{code}", "department", yjj, district),
        _user(f"t_zjw_{code}", "department", zjw, district),
        _user(f"t_jxw_{code}", "department", jxw, district),
    )


@pytest.fixture
def world(db: Any) -> World:
    return make_world()


DAY = date(2022, 3, 1)


def test_number_generated_per_district_and_year(world: World) -> None:
    first = record_inspection(
        world.yjj_user,
        unit=world.unit,
        inspected_on=DAY,
        department=world.yjj,
        kind=InspectionKind.ENFORCEMENT,
    )
    second = record_inspection(
        None, unit=world.unit.pk, inspected_on=DAY, department=world.yjj.pk, kind=InspectionKind.ENFORCEMENT
    )
    assert first.number.startswith("JC2022") and len(first.number) == 12
    assert int(second.number[6:]) == int(first.number[6:]) + 1
    assert (first.district, first.township, first.sector) == (world.district, world.township, world.industry)
    assert first.created_by == world.yjj_user


def test_given_number_must_be_new(world: World) -> None:
    record_inspection(
        None, unit=world.unit, inspected_on=DAY, department=world.yjj, kind="joint", number="A-1"
    )
    with pytest.raises(InvalidInput) as exc:
        record_inspection(
            None, unit=world.unit, inspected_on=DAY, department=world.yjj, kind="joint", number="A-1"
        )
    assert exc.value.errors[0].code == "inspection_number_duplicate"
    assert Inspection.objects.filter(number="A-1").count() == 1


def test_future_date_and_unknown_kind_refused(world: World) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(InvalidInput) as exc:
        record_inspection(None, unit=world.unit, inspected_on=tomorrow, department=world.yjj, kind="visit")
    codes = {e.code for e in exc.value.errors}
    assert codes == {"date_in_future", "kind_unknown"}


def test_checklist_items_of_the_units_sector_only(world: World) -> None:
    other = ChecklistItem.objects.create(sector=world.construction, code="T-09", text="临边防护")
    with pytest.raises(InvalidInput) as exc:
        record_inspection(
            None,
            unit=world.unit,
            inspected_on=DAY,
            department=world.yjj,
            kind="enforcement",
            checklist=[{"item": world.ok_item.pk, "result": "ok"}, {"item": other.pk, "result": "bad"}],
        )
    assert [(e.field, e.code) for e in exc.value.errors] == [
        ("checklist.1.item", "checklist_item_unknown"),
        ("checklist.1.result", "checklist_result_invalid"),
    ]
    done = record_inspection(
        None,
        unit=world.unit,
        inspected_on=DAY,
        department=world.yjj,
        kind="enforcement",
        checklist=[(world.ok_item, "ok"), (world.major_item.pk, "hazard")],
    )
    assert done.checklist == [
        {"item": world.ok_item.pk, "result": "ok"},
        {"item": world.major_item.pk, "result": "hazard"},
    ]


def test_all_or_nothing_with_hazards(world: World) -> None:
    before = (Inspection.objects.count(), Hazard.objects.count(), Case.objects.count())
    with pytest.raises(InvalidInput) as exc:
        record_inspection(
            world.yjj_user,
            unit=world.unit,
            inspected_on=DAY,
            department=world.yjj,
            kind="enforcement",
            hazards=[
                HazardInput("灭火器过期"),
                HazardInput("配电箱无防护", grade=HazardGrade.MAJOR),
                HazardInput(" "),
            ],
        )
    assert [(e.field, e.code) for e in exc.value.errors] == [
        ("hazards.1.major_reason", "major_reason_required"),
        ("hazards.2.description", "required"),
    ]
    assert (Inspection.objects.count(), Hazard.objects.count(), Case.objects.count()) == before
    done = record_inspection(
        world.yjj_user,
        unit=world.unit,
        inspected_on=DAY,
        department=world.yjj,
        kind="enforcement",
        hazards=[HazardInput("灭火器过期"), HazardInput("现场清理", mode=RectifyMode.IMMEDIATE)],
    )
    assert done.hazards.count() == 2


def test_enterprise_files_only_its_own_self_inspection(world: World, users: Any) -> None:
    qiye = users["qiye"]
    with pytest.raises(Forbidden):
        record_inspection(qiye, unit=world.unit, inspected_on=DAY, department=None, kind="enforcement")
    with pytest.raises(NotFound):
        record_inspection(qiye, unit=world.site, inspected_on=DAY, department=None, kind="self")
    own = record_inspection(
        qiye,
        unit=world.unit,
        inspected_on=DAY,
        department=world.yjj,  # ignored: the enterprise inspects itself
        kind="self",
        hazards=[HazardInput("仓库堆放杂物")],
    )
    assert own.department_id == qiye.organization_id
    hazard = own.hazards.get()
    assert hazard.case.submitter_org_id == qiye.organization_id
    assert hazard.case.handling_org_id == qiye.organization_id  # 一般: the inspecting party accepts


def test_department_outside_its_remit_is_refused(world: World) -> None:
    # 经信委 records an inspection as if by 住建委: refused; as a participant of 住建委's: recorded.
    with pytest.raises(ServiceError) as exc:
        record_inspection(
            world.jxw_user, unit=world.unit, inspected_on=DAY, department=world.zjw, kind="joint"
        )
    assert exc.value.code == "permission_denied"
    assert not Inspection.objects.filter(unit=world.unit, department=world.zjw).exists()
    joint = record_inspection(
        world.jxw_user,
        unit=world.unit,
        inspected_on=DAY,
        department=world.zjw,
        kind="joint",
        co_departments=[world.jxw, world.zjw],
    )
    assert set(joint.co_departments.all()) == {world.jxw}


def test_links_in_the_district(world: World) -> None:
    from tiaodu.safety.models import Campaign

    elsewhere = Campaign.objects.create(
        region=Region.objects.get(code="500104"), name="别区行动", starts_on=DAY
    )
    with pytest.raises(InvalidInput) as exc:
        record_inspection(
            None, unit=world.unit, inspected_on=DAY, department=world.yjj, kind="joint", campaign=elsewhere
        )
    assert exc.value.errors[0].code == "campaign_unknown"
