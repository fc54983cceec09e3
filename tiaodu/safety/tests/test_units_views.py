"""The unit pages, profile, map data, sectors and settings through the web, within each user's scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tiaodu.core.tests.districts import DADUKOU, TONGNAN
from tiaodu.regions.models import Region
from tiaodu.safety import reference, units
from tiaodu.safety.models import ChecklistItem, SafetySettings, Sector, Unit

pytestmark = pytest.mark.django_db
GUXI, YUXI = "500152103", "500152107"


@pytest.fixture
def placed() -> dict[str, Unit]:
    dadukou_town = Region.objects.filter(code__startswith=DADUKOU, level=4).first()
    return {
        "guxi": units.create_unit(
            None,
            name="古溪化工厂",
            township=GUXI,
            sector="危险化学品",
            risk_level="重大",
            longitude="105.84",
            latitude="30.19",
        ),
        "yuxi": units.create_unit(None, name="玉溪商场", township=YUXI, sector="商贸", has_risk_list=True),
        "ddk": units.create_unit(None, name="大渡口工地", township=dadukou_town, sector="建筑施工"),
    }


def test_list_filters_and_scope(users: dict, client_for: Any, placed: dict) -> None:
    url = reverse("safety:unit-list")
    page = client_for(users["admin"]).get(url).content.decode()
    assert "古溪化工厂" in page and "大渡口工地" in page and "红 · 重大风险" in page
    sector = Sector.objects.get(region__code=TONGNAN, code="commerce")
    page = client_for(users["admin"]).get(url, {"sector": sector.pk}).content.decode()
    assert "玉溪商场" in page and "古溪化工厂" not in page
    page = client_for(users["admin"]).get(url, {"district": DADUKOU}).content.decode()
    assert "大渡口工地" in page and "古溪化工厂" not in page and 'name="district"' in page
    assert 'name="district"' not in client_for(users["leader"]).get(url).content.decode()
    page = client_for(users["admin"]).get(url, {"risk_level": "major"}).content.decode()
    assert "古溪化工厂" in page and "玉溪商场" not in page
    page = client_for(users["admin"]).get(url, {"cards": "incomplete", "q": "玉溪"}).content.decode()
    assert "玉溪商场" in page
    # A town sees its township only; a 潼南区 leader not 大渡口区.
    page = client_for(users["guxi"]).get(url).content.decode()
    assert "古溪化工厂" in page and "玉溪商场" not in page
    page = client_for(users["leader"]).get(url).content.decode()
    assert "古溪化工厂" in page and "大渡口工地" not in page
    export = client_for(users["guxi"]).get(url, {"export": "csv"})
    assert "古溪化工厂" in export.content.decode("utf-8-sig") and "玉溪商场" not in export.content.decode(
        "utf-8-sig"
    )


def test_create_and_edit_through_the_form(users: dict, client_for: Any) -> None:
    client = client_for(users["guxi"])
    reference.ensure_defaults(Region.objects.get(code=TONGNAN))
    sector = Sector.objects.get(region__code=TONGNAN, code="gas")
    town = Region.objects.get(code=GUXI)
    assert client.get(reverse("safety:unit-create")).status_code == 200
    data = {
        "name": "古溪燃气站",
        "township": town.pk,
        "sector": sector.pk,
        "unit_type": "enterprise",
        "risk_level": "large",
        "is_active": "on",
        "has_duty_list": "on",
    }
    response = client.post(reverse("safety:unit-create"), data)
    assert response.status_code == 302
    unit = Unit.objects.get(name="古溪燃气站")
    assert unit.has_duty_list and unit.created_by == users["guxi"]
    # The same name again: the service's refusal on the form, nothing written.
    response = client.post(reverse("safety:unit-create"), data)
    assert response.status_code == 409 and "已有同名单位" in response.content.decode()
    edit = reverse("safety:unit-edit", args=[unit.pk])
    response = client.post(edit, {**data, "risk_level": "major", "version": unit.version})
    assert response.status_code == 302
    response = client.post(edit, {**data, "risk_level": "low", "version": unit.version})
    assert response.status_code == 409  # stale
    assert Unit.objects.get(pk=unit.pk).risk_level == "major"
    # Another town's user may not edit it; an enterprise may not add.
    assert client_for(users["yuxi"]).get(edit).status_code in (403, 404)
    assert client_for(users["qiye"]).get(reverse("safety:unit-create")).status_code == 403


def test_profile_and_scope(users: dict, client_for: Any, placed: dict) -> None:
    unit = placed["guxi"]
    page = client_for(users["admin"]).get(unit.get_absolute_url()).content.decode()
    assert "古溪化工厂" in page and 'id="inspections"' in page and 'id="hazards"' in page
    assert 'id="documents"' in page and 'id="accidents"' in page and "岗位风险清单" in page
    assert client_for(users["yuxi"]).get(unit.get_absolute_url()).status_code == 404


def test_map_data(users: dict, client_for: Any, placed: dict) -> None:
    client = client_for(users["admin"])
    assert client.get(reverse("safety:map")).status_code == 200
    body = client.get(reverse("safety:map-data")).json()
    assert body["count"] == 1 and body["unlocated"] == 1  # 潼南区 (the admin's district)
    row = dict(zip(body["columns"], body["rows"][0], strict=True))
    assert row["name"] == "古溪化工厂" and row["stage"] == "risk-red" and row["card"] == ""
    assert body["detail_url"].replace("{id}", str(row["id"])) == placed["guxi"].get_absolute_url()
    assert client.get(reverse("safety:map-data"), {"risk_level": "low"}).json()["count"] == 0
    assert client.get(reverse("safety:map-data"), {"risk_level": "nope"}).status_code == 400
    assert client_for(users["yuxi"]).get(reverse("safety:map-data")).json()["count"] == 0
    assert client.get(reverse("safety:map-outline")).status_code == 200


def test_sectors_checklists_and_settings(users: dict, client_for: Any, django_user_model: Any) -> None:
    from tiaodu.accounts.services import create_user
    from tiaodu.orgs.models import Organization

    yjj_org = Organization.objects.get(region__code=TONGNAN, name="区应急管理局")
    yjj = create_user(
        None, username="yjj-a", role="department", region_code=TONGNAN, org=str(yjj_org.pk)
    ).user
    client = client_for(yjj)
    page = client.get(reverse("safety:sector-list")).content.decode()
    assert "危险化学品" in page and "区应急管理局" in page and 'id="sector-add"' in page
    sector = Sector.objects.get(region__code=TONGNAN, code="industry")
    detail = reverse("safety:sector-detail", args=[sector.pk])
    assert "粉尘" in client.get(detail).content.decode()
    response = client.post(
        detail,
        {"code": "99", "text": "新增检查项", "order": 5, "is_active": "on", "is_major_criterion": "on"},
    )
    assert response.status_code == 302
    assert ChecklistItem.objects.get(sector=sector, code="99").is_major_criterion
    response = client.post(detail, {"code": "99", "text": "重复", "order": 5})
    assert response.status_code == 422 and ChecklistItem.objects.filter(sector=sector, code="99").count() == 1
    response = client.post(
        reverse("safety:sector-edit", args=[sector.pk]),
        {
            "code": "industry",
            "name": "工矿商贸",
            "order": 40,
            "is_active": "on",
            "department": sector.department_id,
        },
    )
    assert response.status_code == 302 and Sector.objects.get(pk=sector.pk).name == "工矿商贸"
    # Settings: kept by the department, shown to a town.
    response = client.post(
        reverse("safety:settings"),
        {
            "record_start": "2016-06-15",
            "recent_days": 60,
            "yearly_cap": 2,
            "inspectors_per_visit": 2,
            "rectify_days": 10,
            "acceptance_days": 5,
        },
    )
    assert response.status_code == 302
    row = SafetySettings.objects.get(region__code=TONGNAN)
    assert str(row.record_start) == "2016-06-01" and row.recent_days == 60
    page = client_for(users["guxi"]).get(reverse("safety:settings")).content.decode()
    assert 'id="settings-form"' not in page and "60" in page
    assert client_for(users["guxi"]).post(reverse("safety:settings"), {"recent_days": 1}).status_code == 403
    # A town may not add sectors; a 大渡口区 department may not change 潼南区's.
    assert client_for(users["guxi"]).get(reverse("safety:sector-create")).status_code == 403


def test_profile_lists_the_units_records_and_the_map_rings_open_hazards(
    users: dict, client_for: Any, placed: dict
) -> None:
    from datetime import date
    from decimal import Decimal

    from tiaodu.orgs.models import Organization
    from tiaodu.safety import accidents, enforcement, inspections

    unit = placed["guxi"]
    yjj = Organization.objects.get(region__code=TONGNAN, name="区应急管理局")
    inspection = inspections.record_inspection(
        None,
        unit=unit,
        inspected_on=date(2022, 3, 1),
        department=yjj,
        kind="enforcement",
        number="JC-A-1",
        hazards=[inspections.HazardInput("储罐区紧急切断阀失效", grade="major", major_reason="重大危险源")],
    )
    enforcement.create_document(
        None,
        kind="decision",
        number="潼应急罚〔2022〕1号",
        unit=unit,
        department=yjj,
        issued_on=date(2022, 3, 5),
        inspection=inspection,
        penalties=[("warning", None), ("fine", Decimal("20000"))],
    )
    accidents.record_accident(
        None, occurred_on=date(2021, 5, 1), unit=unit, deaths=1, direct_loss=Decimal("50")
    )
    page = client_for(users["admin"]).get(unit.get_absolute_url()).content.decode()
    history = client_for(users["admin"]).get(reverse("safety:unit-history", args=[unit.pk]))
    assert history.status_code == 200 and "古溪化工厂" in history.content.decode()
    assert client_for(users["yuxi"]).get(reverse("safety:unit-history", args=[unit.pk])).status_code == 404
    assert "JC-A-1" in page and "储罐区紧急切断阀失效" in page and "潼应急罚〔2022〕1号" in page
    assert "2021-05-01" in page and "20000" in page and "1条,其中重大隐患1条" in page
    row = client_for(users["admin"]).get(reverse("safety:map-data")).json()["rows"][0]
    assert row[8] == "red" and row[5] == 1
    only_open = client_for(users["admin"]).get(reverse("safety:map-data"), {"open_hazards": "false"}).json()
    assert only_open["count"] == 0
    # A town of another township sees none of it.
    assert client_for(users["yuxi"]).get(unit.get_absolute_url()).status_code == 404
