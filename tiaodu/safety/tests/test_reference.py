"""Reference data: the default sectors with their departments, seeded checklists, settings and
the hazard categories; sector and district lookups."""

from __future__ import annotations

import pytest

from tiaodu.cases.models import CaseCategory
from tiaodu.core.errors import ServiceError
from tiaodu.core.tests.districts import DADUKOU, TONGNAN, WANZHOU, shared_township
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region
from tiaodu.safety import reference
from tiaodu.safety.choices import DEFAULT_SECTORS
from tiaodu.safety.models import ChecklistItem, SafetySettings, Sector

pytestmark = pytest.mark.django_db


def _district(code: str) -> Region:
    return Region.objects.get(code=code)


def test_defaults_seed_sectors_departments_checklists_settings_and_categories() -> None:
    tongnan = _district(TONGNAN)
    reference.ensure_defaults(tongnan)
    sectors = {s.code: s for s in Sector.objects.filter(region=tongnan)}
    assert len(sectors) == 18 == len(DEFAULT_SECTORS)
    assert [s.name for s in Sector.objects.filter(region=tongnan)][:4] == [
        "危险化学品",
        "非煤矿山",
        "烟花爆竹",
        "工贸",
    ]
    # The demo's 区应急管理局 supervises 工贸; 住建委 建筑施工; 商务委 商贸.
    assert sectors["industry"].department.name == "区应急管理局"
    assert sectors["construction"].department.short_name == "住建委"
    assert sectors["commerce"].department.name == "区商务委"
    # Not registered in the demo: no department, not a wrong one.
    assert sectors["fire"].department is None
    for s in sectors.values():
        assert s.items.count() >= 3, s.name
    major = ChecklistItem.objects.filter(sector=sectors["industry"], is_major_criterion=True)
    assert any("粉尘" in i.text for i in major)
    for code in ("hazchem", "gas", "construction"):
        assert ChecklistItem.objects.filter(sector=sectors[code], is_major_criterion=True).exists(), code
    settings = SafetySettings.objects.get(region=tongnan)
    assert settings.rectify_days == 10 and settings.inspectors_per_visit == 2
    categories = {c.code: c for c in CaseCategory.objects.filter(workflow="hazard")}
    assert (categories["general"].name, categories["general"].time_limit_days) == ("一般隐患", 10)
    assert (categories["major"].name, categories["major"].time_limit_days) == ("重大隐患", 30)
    assert categories["major"].department is None


def test_defaults_idempotent_and_keep_changes() -> None:
    tongnan = _district(TONGNAN)
    reference.ensure_defaults(tongnan)
    industry = Sector.objects.get(region=tongnan, code="industry")
    industry.name = "工矿商贸"
    industry.save()
    ChecklistItem.objects.filter(sector=industry, code="01").delete()
    counts = (Sector.objects.count(), ChecklistItem.objects.count(), SafetySettings.objects.count())
    reference.ensure_defaults(tongnan)
    assert (Sector.objects.count(), ChecklistItem.objects.count(), SafetySettings.objects.count()) == counts
    assert Sector.objects.get(pk=industry.pk).name == "工矿商贸"
    assert CaseCategory.objects.filter(workflow="hazard").count() == 2


def test_department_registered_later_is_linked() -> None:
    tongnan = _district(TONGNAN)
    reference.ensure_defaults(tongnan)
    assert Sector.objects.get(region=tongnan, code="fire").department is None
    fire = Organization.objects.create(
        region=tongnan, kind=OrgKind.DEPARTMENT, name="重庆市潼南区消防救援支队", short_name="消防救援支队"
    )
    reference.ensure_defaults(tongnan)
    assert Sector.objects.get(region=tongnan, code="fire").department == fire


def test_departments_are_the_districts_own() -> None:
    """大渡口区 has its own 区应急管理局: each district's sector points to its own department."""
    tongnan, dadukou, wanzhou = _district(TONGNAN), _district(DADUKOU), _district(WANZHOU)
    for d in (tongnan, dadukou, wanzhou):
        reference.ensure_defaults(d)
    t = Sector.objects.get(region=tongnan, code="industry").department
    d = Sector.objects.get(region=dadukou, code="industry").department
    assert t is not None and d is not None and t != d
    assert t.region == tongnan and d.region == dadukou
    assert Sector.objects.get(region=wanzhou, code="industry").department is None  # none registered there


def test_sector_by_code_or_name_and_unknown_lists_choices() -> None:
    tongnan, dadukou = _district(TONGNAN), _district(DADUKOU)
    reference.ensure_defaults(dadukou)
    # 潼南区 has no sectors yet: set up on first use.
    found = reference.sector(tongnan, "城镇燃气")
    assert found.region == tongnan and found.code == "gas"
    assert reference.sector(tongnan, "gas") == found
    assert reference.sector(dadukou, "城镇燃气") != found
    with pytest.raises(ServiceError) as exc:
        reference.sector(tongnan, "煤矿")
    error = exc.value.errors[0]
    assert error.code == "sector_unknown" and "危险化学品" in error.message and "煤矿" in error.message
    with pytest.raises(ServiceError) as exc:
        reference.sector(tongnan, Sector.objects.get(region=dadukou, code="gas"))
    assert exc.value.errors[0].code == "sector_unknown"
    lookup = reference.SectorLookup()
    assert lookup(tongnan, "城镇燃气") == found
    with pytest.raises(ServiceError):
        lookup(tongnan, "煤矿")


def test_district_of_township_code_and_name() -> None:
    towns = shared_township()
    assert reference.district_of(towns[TONGNAN]).code == TONGNAN
    assert reference.district_of("500152103").code == TONGNAN
    assert reference.district_of("潼南区").code == TONGNAN
    assert reference.district_of(_district(WANZHOU)).code == WANZHOU
    # Three districts have a 太安镇: without an actor, the home district's comes first.
    assert reference.district_of("太安镇").code == TONGNAN
    with pytest.raises(ServiceError) as exc:
        reference.district_of("500000")
    assert exc.value.errors[0].code == "district_unknown"


def test_settings_for_creates_once() -> None:
    tongnan = _district(TONGNAN)
    first = reference.settings_for(tongnan)
    assert reference.settings_for(Region.objects.get(code="500152103")) == first
    assert SafetySettings.objects.filter(region=tongnan).count() == 1


def test_keeping_sectors_items_and_settings(users: dict) -> None:
    from datetime import date

    from tiaodu.accounts.services import create_user

    tongnan, dadukou = _district(TONGNAN), _district(DADUKOU)
    reference.ensure_defaults(tongnan)
    reference.ensure_defaults(dadukou)
    yjj_org = Organization.objects.get(region=tongnan, name="区应急管理局")
    yjj = create_user(
        None, username="yjj-ref", role="department", region_code=TONGNAN, org=str(yjj_org.pk)
    ).user
    added = reference.save_sector(
        yjj, district=tongnan, code="ports", name="港口", department="商务委", order=200
    )
    assert added.department is not None and added.department.name == "区商务委"
    with pytest.raises(ServiceError) as exc:
        reference.save_sector(yjj, district=tongnan, code="ports2", name="港口")
    assert exc.value.code == "sector_duplicate"
    ddk_org = Sector.objects.get(region=dadukou, code="industry").department
    with pytest.raises(ServiceError) as exc:
        reference.save_sector(yjj, pk=added.pk, department=ddk_org)  # 大渡口区's department
    assert exc.value.errors[0].code == "organization_unknown"
    with pytest.raises(ServiceError) as exc:  # another district's reference data
        reference.save_sector(yjj, district=dadukou, code="x", name="某行业")
    assert exc.value.status == 403
    with pytest.raises(ServiceError) as exc:  # a town reads, does not keep
        reference.save_sector(users["guxi"], district=tongnan, code="y", name="另一行业")
    assert exc.value.status == 403
    item = reference.save_checklist_item(
        yjj, sector_id=added.pk, code="01", text="码头安全", is_major_criterion=True
    )
    assert item.is_major_criterion and item.sector == added
    with pytest.raises(ServiceError) as exc:
        reference.save_checklist_item(yjj, sector_id=added.pk, code="01", text="again")
    assert exc.value.code == "item_duplicate"
    changed = reference.update_settings(yjj, tongnan, record_start=date(2016, 7, 20), yearly_cap=3)
    assert changed.record_start == date(2016, 7, 1) and changed.yearly_cap == 3
    with pytest.raises(ServiceError) as exc:
        reference.update_settings(yjj, tongnan, inspectors_per_visit=1)
    assert exc.value.errors[0].field == "inspectors_per_visit"
    with pytest.raises(ServiceError) as exc:
        reference.update_settings(users["guxi"], tongnan, yearly_cap=1)
    assert exc.value.status == 403
    assert SafetySettings.objects.get(region=tongnan).yearly_cap == 3
