"""The inspection pages: the unit search and the mobile inspection form (checklist of the unit's
sector, hazards with a camera photo, the location in hidden fields, no inline script or style),
recording through the service all or nothing, 企业自查 for enterprise users, the list and an
inspection's page within the user's scope."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tiaodu.accounts.models import User
from tiaodu.cases.models import Case
from tiaodu.enterprises.models import Enterprise
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region
from tiaodu.safety.choices import HazardGrade, InspectionKind, PhotoStage
from tiaodu.safety.models import ChecklistItem, Hazard, HazardPhoto, Inspection, Sector, Unit
from tiaodu.safety.reference import ensure_defaults

pytestmark = pytest.mark.django_db

TONGNAN, GUXI, DADUKOU = "500152", "500152103", "500104"
GUXI_FOOD = "91500152MA5U00001F"  # the demo enterprise of user qiye
LON, LAT = "105.840000", "30.190000"  # inside 潼南区


@dataclass
class World:
    district: Region
    township: Region
    yjj: Organization  # 区应急管理局, supervises 工贸
    industry: Sector
    ok_item: ChecklistItem
    major_item: ChecklistItem
    unit: Unit  # 古溪食品 (the enterprise of user qiye)
    inspector: User  # a 应急管理局 inspector
    outsider: User  # a department user of 大渡口区


def _user(username: str, org: Organization, region: Region) -> User:
    user, _created = User.objects.get_or_create(
        username=username, defaults={"role": "department", "organization": org, "region": region}
    )
    return user


def make_world() -> World:
    district = Region.objects.get(code=TONGNAN)
    township = Region.objects.get(code=GUXI)
    ensure_defaults(district)
    industry = Sector.objects.get(region=district, code="industry")
    items = list(ChecklistItem.objects.filter(sector=industry).order_by("order", "pk"))
    ok_item = next(i for i in items if not i.is_major_criterion)
    major_item = next(i for i in items if i.is_major_criterion)
    yjj = industry.department
    assert yjj is not None
    enterprise = Enterprise.objects.get(credit_code=GUXI_FOOD)
    unit, _created = Unit.objects.get_or_create(
        township=township,
        name="古溪食品(测试)",
        defaults={"district": district, "sector": industry, "enterprise": enterprise},
    )
    dadukou = Region.objects.get(code=DADUKOU)
    other = Organization.objects.filter(region=dadukou, kind=OrgKind.DEPARTMENT).first()
    assert other is not None
    return World(
        district,
        township,
        yjj,
        industry,
        ok_item,
        major_item,
        unit,
        _user("t_inspector", yjj, district),
        _user("t_outsider", other, dadukou),
    )


@pytest.fixture
def world(db: Any) -> World:
    return make_world()


def png(name: str = "hazard.png", size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def form_data(world: World, *hazards: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The POST of the mobile form for ``world.unit`` with the given hazard blocks."""
    data: dict[str, Any] = {
        "unit": world.unit.pk,
        "inspected_on": timezone.localdate().isoformat(),
        "kind": InspectionKind.ENFORCEMENT,
        "department": world.yjj.pk,
        "findings": "现场检查",
        "longitude": LON,
        "latitude": LAT,
        f"item-{world.ok_item.pk}": "ok",
        "hazard-TOTAL_FORMS": str(max(len(hazards), 1)),
        "hazard-INITIAL_FORMS": "0",
        "hazard-MIN_NUM_FORMS": "0",
        "hazard-MAX_NUM_FORMS": "50",
        "hazard-0-mode": "deadline",
    }
    for index, hazard in enumerate(hazards):
        data.update({f"hazard-{index}-mode": "deadline"})
        data.update({f"hazard-{index}-{k}": v for k, v in hazard.items()})
    data.update(extra)
    return data


def test_unit_search_then_the_phone_form(world: World, client_for: Any) -> None:
    c = client_for(world.inspector)
    page = c.get("/safety/inspections/new/", {"q": "古溪食品"}).content.decode()
    assert f'href="/safety/inspections/new/?unit={world.unit.pk}"' in page
    assert "古溪食品(测试)" not in c.get("/safety/inspections/new/", {"q": "不存在的单位"}).content.decode()

    response = c.get("/safety/inspections/new/", {"unit": world.unit.pk})
    assert response.status_code == 200
    page = response.content.decode()
    # The checklist is the unit's sector's, the major criteria marked.
    for item in ChecklistItem.objects.filter(sector=world.industry, is_active=True):
        assert f'name="item-{item.pk}"' in page
    assert "判定项" in page
    # A hazard block with the camera photo; the location fields filled by the script file.
    assert 'accept="image/*"' in page and 'capture="environment"' in page
    assert 'data-geo="lon"' in page and 'data-geo="lat"' in page
    assert "tiaodu/safety-inspect.js" in page
    assert 'id="hazard-template"' in page and "__prefix__" in page
    # CSP: no inline script or style on the page.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert " style=" not in page
    # The browser may ask for the location on this page (denied elsewhere).
    assert "geolocation=(self)" in response["Permissions-Policy"]
    assert "geolocation=()" in c.get("/safety/inspections/")["Permissions-Policy"]


def test_recording_an_inspection_with_a_hazard_and_its_photo(world: World, client_for: Any) -> None:
    c = client_for(world.inspector)
    data = form_data(
        world,
        {
            "description": "配电箱无防护罩",
            "checklist_item": str(world.ok_item.pk),
            "responsible_person": "张三",
            "photo": png(),
        },
    )
    response = c.post("/safety/inspections/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    inspection = Inspection.objects.get(unit=world.unit, findings="现场检查")
    assert response["Location"] == f"/safety/inspections/{inspection.pk}/"
    assert inspection.department == world.yjj and inspection.kind == InspectionKind.ENFORCEMENT
    assert str(inspection.longitude) == LON and str(inspection.latitude) == LAT
    # The item the hazard was recorded against reads "hazard" in the checklist.
    assert {"item": world.ok_item.pk, "result": "hazard"} in inspection.checklist
    hazard = Hazard.objects.get(inspection=inspection)
    assert hazard.description == "配电箱无防护罩" and hazard.grade == HazardGrade.GENERAL
    assert hazard.responsible_person == "张三" and hazard.case.handling_org == world.yjj
    photo = HazardPhoto.objects.get(hazard=hazard)
    assert photo.stage == PhotoStage.BEFORE and photo.content_type == "image/png"

    page = c.get(response["Location"]).content.decode()
    assert "配电箱无防护罩" in page and inspection.number in page
    assert f'href="/safety/hazards/{hazard.pk}/"' in page


def test_a_major_item_makes_a_major_hazard_and_no_hazard_is_fine(world: World, client_for: Any) -> None:
    c = client_for(world.inspector)
    response = c.post(
        "/safety/inspections/new/",
        form_data(world, {"description": "除尘系统未防爆", "checklist_item": str(world.major_item.pk)}),
    )
    assert response.status_code == 302
    hazard = Hazard.objects.get(description="除尘系统未防爆")
    assert hazard.grade == HazardGrade.MAJOR and hazard.is_supervised
    # An inspection without hazards: the empty hazard block is ignored.
    before = Hazard.objects.count()
    response = c.post("/safety/inspections/new/", form_data(world, findings="无问题"))
    assert response.status_code == 302
    assert Hazard.objects.count() == before
    assert Inspection.objects.filter(findings="无问题").count() == 1


def test_refusals_change_nothing_and_show_on_the_form(world: World, client_for: Any) -> None:
    c = client_for(world.inspector)
    count = Inspection.objects.count(), Hazard.objects.count(), Case.objects.count()
    # 重大 by the inspector's own judgement needs a reason: the error is on the hazard's block.
    response = c.post(
        "/safety/inspections/new/",
        form_data(world, {"description": "无证动火", "grade": HazardGrade.MAJOR}, findings="拒绝"),
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "认定为重大隐患须说明理由" in page and 'data-field="major_reason"' in page
    # A photo that is not an image.
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = c.post("/safety/inspections/new/", form_data(world, {"description": "缺灭火器", "photo": bad}))
    assert response.status_code == 422
    assert "照片须为" in response.content.decode()
    # A date in the future.
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = c.post("/safety/inspections/new/", form_data(world, inspected_on=tomorrow))
    assert response.status_code == 422 and "检查日期不能晚于今天" in response.content.decode()
    assert (Inspection.objects.count(), Hazard.objects.count(), Case.objects.count()) == count


def test_enterprise_files_a_self_inspection(world: World, users: Any, client_for: Any) -> None:
    c = client_for(users["qiye"])
    response = c.get("/safety/inspections/new/", {"unit": world.unit.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/safety/inspections/self/?unit={world.unit.pk}"
    page = c.get(response["Location"]).content.decode()
    assert "企业自查" in page and 'name="kind"' not in page and 'name="department"' not in page
    # Only their own unit is offered.
    page = c.get("/safety/inspections/self/").content.decode()
    assert f"?unit={world.unit.pk}" in page
    data = form_data(world, {"description": "消防通道堆放杂物"})
    for name in ("kind", "department"):
        data.pop(name)
    response = c.post("/safety/inspections/self/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    inspection = Inspection.objects.get(unit=world.unit, kind=InspectionKind.SELF)
    assert inspection.department == users["qiye"].organization
    assert Hazard.objects.filter(inspection=inspection, description="消防通道堆放杂物").exists()
    # Inspectors use the inspection form; a leader records nothing.
    assert (
        client_for(world.inspector).get("/safety/inspections/self/")["Location"] == "/safety/inspections/new/"
    )
    assert client_for(users["leader"]).get("/safety/inspections/new/").status_code == 403


def test_list_detail_and_scope(world: World, users: Any, client_for: Any) -> None:
    c = client_for(world.inspector)
    c.post("/safety/inspections/new/", form_data(world, {"description": "楼梯扶手松动"}, findings="列表"))
    c.post(
        "/safety/inspections/new/",
        form_data(world, kind=InspectionKind.PATROL, findings="巡查"),
        follow=False,
    )
    listed = Inspection.objects.get(findings="列表")
    patrol = Inspection.objects.get(findings="巡查")

    def numbers(**params: Any) -> set[str]:
        r = c.get("/safety/inspections/", {"export": "csv", **params})
        assert r.status_code == 200
        return {row[0] for row in list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[1:]}

    assert {listed.number, patrol.number} <= numbers()
    assert numbers(kind=InspectionKind.PATROL) & {listed.number, patrol.number} == {patrol.number}
    assert listed.number in numbers(q=listed.number) and patrol.number not in numbers(q=listed.number)
    assert numbers(sector=world.industry.pk + 10**6) == set()
    page = c.get("/safety/inspections/", {"township": GUXI}).content.decode()
    assert listed.number in page and "隐患数" in page
    page = c.get(f"/safety/inspections/{listed.pk}/").content.decode()
    assert "楼梯扶手松动" in page and world.unit.name in page
    # Another district's department: neither in the list nor on the page.
    other = client_for(world.outsider)
    assert listed.number not in other.get("/safety/inspections/").content.decode()
    assert other.get(f"/safety/inspections/{listed.pk}/").status_code == 404
    # The leader reads.
    assert client_for(users["leader"]).get(f"/safety/inspections/{listed.pk}/").status_code == 200


def test_a_planned_visit_and_the_inspectors(world: World, client_for: Any) -> None:
    from tiaodu.safety.models import InspectionPlan, Inspector, PlanVisit

    today = timezone.localdate()
    me = Inspector.objects.create(
        region=world.district, organization=world.yjj, user=world.inspector, name="执法员甲"
    )
    colleague = Inspector.objects.create(region=world.district, organization=world.yjj, name="执法员乙")
    plan = InspectionPlan.objects.create(
        region=world.district,
        department=world.yjj,
        name="测试抽查计划",
        year=today.year,
        starts_on=today,
        ends_on=today,
        sample_percent=5,
    )
    visit = PlanVisit.objects.create(plan=plan, unit=world.unit, order=1, inspector_ids=[me.pk, colleague.pk])
    c = client_for(world.inspector)
    response = c.get("/safety/inspections/new/", {"unit": world.unit.pk, "visit": visit.pk})
    form = response.context["form"]
    assert form["plan_visit"].value() == visit.pk
    assert form["inspectors"].value() == [me.pk]  # the user's own record is ticked
    page = response.content.decode()
    assert f'name="plan_visit" value="{visit.pk}"' in page and "执法员乙" in page
    data = form_data(world, plan_visit=visit.pk, inspectors=[me.pk, colleague.pk], findings="抽查")
    assert c.post("/safety/inspections/new/", data).status_code == 302
    inspection = Inspection.objects.get(findings="抽查")
    assert inspection.plan_visit == visit
    assert set(inspection.inspectors.values_list("pk", flat=True)) == {me.pk, colleague.pk}
    # A task of another unit is refused by the service, on the form.
    other = Unit.objects.create(
        district=world.district, township=world.township, name="另一单位(测试)", sector=world.industry
    )
    other_visit = PlanVisit.objects.create(plan=plan, unit=other, order=2)
    response = c.post(
        "/safety/inspections/new/", form_data(world, plan_visit=other_visit.pk, findings="错配")
    )
    assert response.status_code == 422 and "双随机抽查任务不是该单位的" in response.content.decode()
    assert not Inspection.objects.filter(findings="错配").exists()


def test_a_town_office_records_a_patrol(world: World, users: Any, client_for: Any) -> None:
    guxi = users["guxi"]
    c = client_for(guxi)
    form = c.get("/safety/inspections/new/", {"unit": world.unit.pk}).context["form"]
    assert form["department"].value() == guxi.organization_id  # the town's own office
    data = form_data(world, department=guxi.organization_id, kind=InspectionKind.PATROL, findings="镇街巡查")
    response = c.post("/safety/inspections/new/", data)
    assert response.status_code == 302, response.content.decode()[:1500]
    inspection = Inspection.objects.get(findings="镇街巡查")
    assert inspection.department_id == guxi.organization_id and inspection.kind == InspectionKind.PATROL
    # A unit of another township is not theirs to inspect.
    other = Unit.objects.create(
        district=world.district,
        township=Region.objects.get(code="500152107"),
        name="玉溪单位(测试)",
        sector=world.industry,
    )
    assert c.get("/safety/inspections/new/", {"unit": other.pk}).status_code == 404
