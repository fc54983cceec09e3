"""Hazards on the case engine: the case mapping, the closed loop and its rules, plans, photos."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from tiaodu.cases.workdays import add_workdays
from tiaodu.core.errors import Forbidden, InvalidInput, ServiceError
from tiaodu.safety import hazards
from tiaodu.safety.choices import HazardGrade, HazardState, PhotoStage, RectifyMode
from tiaodu.safety.inspections import HazardInput, record_inspection
from tiaodu.safety.models import Hazard, HazardPhoto, Inspection
from tiaodu.safety.tests.test_inspections import DAY, World, make_world


@pytest.fixture
def world(db: Any) -> World:
    return make_world()


def _found(world: World, actor: Any, data: HazardInput, unit: Any = None, department: Any = None) -> Hazard:
    inspection = record_inspection(
        actor,
        unit=unit or world.unit,
        inspected_on=DAY,
        department=department or world.jxw,
        kind="enforcement",
        hazards=[data],
    )
    return inspection.hazards.select_related("case").get()


PLAN = {
    "goal": "消除粉尘爆炸风险",
    "measures": "安装防爆电气,清扫积尘",
    "funds": "12.5",
    "personnel": "企业安全部 张三",
    "due_on": date(2022, 4, 1),
    "emergency_plan": "停产撤人,设置警戒",
}


def test_general_hazard_case_mapping(world: World) -> None:
    hazard = _found(
        world, world.jxw_user, HazardInput("灭火器过期", world.ok_item, responsible_person="李四")
    )
    case = hazard.case
    assert (hazard.grade, hazard.found_on, hazard.is_supervised) == (HazardGrade.GENERAL, DAY, False)
    assert hazard.deadline == add_workdays(DAY, 10) == case.due_on  # the default rectify_days
    assert (case.workflow, case.category.code, case.state) == ("hazard", "general", HazardState.PENDING)
    assert case.region == world.township and case.raised_on == DAY
    assert world.unit.enterprise is not None
    assert case.submitter_org_id == world.unit.enterprise.organization_id
    assert case.handling_org == world.jxw  # 一般: the inspecting department accepts
    assert set(case.co_orgs.all()) == {world.yjj}  # the sector's department
    assert case.title.startswith("古溪食品测试单位 灭火器过期")
    assert case.number.startswith("HA2022")


def test_major_by_criterion_goes_to_the_supervisor(world: World) -> None:
    hazard = _found(world, world.jxw_user, HazardInput("除尘系统未防爆", world.major_item, grade="general"))
    assert hazard.grade == HazardGrade.MAJOR
    assert hazard.major_reason.startswith("符合重大事故隐患判定标准")
    assert (hazard.is_supervised, hazard.supervised_on) == (True, DAY)
    assert hazard.case.category.code == "major"
    assert hazard.case.handling_org == world.yjj
    assert set(hazard.case.co_orgs.all()) == {world.jxw}


def test_major_given_with_a_reason_and_no_sector_department(world: World) -> None:
    world.construction.department = None
    world.construction.save()
    hazard = _found(
        world,
        None,
        HazardInput("深基坑无支护", grade=HazardGrade.MAJOR, major_reason="基坑深度超5米"),
        unit=world.site,
        department=world.zjw,
    )
    assert hazard.case.handling_org == world.zjw  # falls back to the inspecting one
    assert list(hazard.case.co_orgs.all()) == []
    assert hazard.case.submitter_org is None


def test_immediate_is_closed_at_once(world: World) -> None:
    hazard = _found(world, world.jxw_user, HazardInput("通道堆物", mode=RectifyMode.IMMEDIATE))
    assert (hazard.rectified_on, hazard.accepted_on, hazard.deadline) == (DAY, DAY, DAY)
    assert hazard.case.state == HazardState.ACCEPTED and not hazard.case.is_open
    with pytest.raises(InvalidInput) as exc:
        _found(world, None, HazardInput("粉尘", world.major_item, mode=RectifyMode.IMMEDIATE))
    assert exc.value.errors[0].code == "major_not_immediate"


def test_deadline_not_before_found(world: World) -> None:
    with pytest.raises(InvalidInput) as exc:
        _found(world, None, HazardInput("x", deadline=DAY - timedelta(days=1)))
    assert exc.value.errors[0].code == "deadline_before_found"


def test_closed_loop_dates(world: World, users: Any) -> None:
    qiye = users["qiye"]  # the unit's enterprise
    hazard = _found(world, world.jxw_user, HazardInput("灭火器过期"))
    today = timezone.localdate()
    hazard = hazards.step(qiye, hazard.pk, "start")
    assert hazard.case.state == HazardState.RECTIFYING
    hazard = hazards.step(qiye, hazard.pk, "submit", note="已更换")
    assert hazard.rectified_on == today
    assert hazard.case.due_on == add_workdays(today, 5)  # acceptance_days
    with pytest.raises(Forbidden):
        hazards.step(qiye, hazard.pk, "accept")
    hazard = hazards.step(world.jxw_user, hazard.pk, "reject", note="未更换全部")
    assert hazard.rectified_on is None and hazard.case.due_on == hazard.deadline
    hazards.step(qiye, hazard.pk, "submit", note="已全部更换")
    hazard = hazards.step(world.jxw_user, hazard.pk, "accept", note="验收通过")
    assert (hazard.rectified_on, hazard.accepted_on) == (today, today)
    assert hazard.case.state == HazardState.ACCEPTED and not hazard.case.is_open


def test_major_needs_plan_and_supervisor(world: World, users: Any) -> None:
    qiye = users["qiye"]
    hazard = _found(world, world.jxw_user, HazardInput("除尘系统未防爆", world.major_item))
    with pytest.raises(ServiceError) as exc:
        hazards.step(qiye, hazard.pk, "start")
    assert exc.value.code == "governance_plan_required"
    assert Hazard.objects.get(pk=hazard.pk).case.state == HazardState.PENDING
    with pytest.raises(InvalidInput) as bad:
        hazards.save_plan(qiye, hazard.pk, **{**PLAN, "funds": "-1", "goal": ""})
    assert {e.code for e in bad.value.errors} == {"value_negative", "required"}
    with pytest.raises(InvalidInput) as bad:
        hazards.save_plan(qiye, hazard.pk, **{**PLAN, "due_on": "2022-13-01"})
    assert [e.code for e in bad.value.errors] == ["date_invalid"]
    plan = hazards.save_plan(qiye, hazard.pk, **{**PLAN, "due_on": "2022-04-01"})
    assert plan.due_on == date(2022, 4, 1)
    plan = hazards.save_plan(qiye, hazard.pk, **PLAN)
    assert plan.funds == Decimal("12.50")
    hazards.step(qiye, hazard.pk, "start")
    hazard = hazards.step(qiye, hazard.pk, "submit", note="已整改")
    assert [t.action for t in hazards.available_actions(world.jxw_user, hazard)] == ["reject"]
    assert [t.action for t in hazards.available_actions(world.yjj_user, hazard)] == ["accept", "reject"]
    # 经信委 inspected and co-handles, but only the supervising 应急管理局 closes a 重大隐患.
    with pytest.raises(ServiceError) as exc:
        hazards.step(world.jxw_user, hazard.pk, "accept")
    assert exc.value.code == "acceptance_by_supervisor"
    assert Hazard.objects.get(pk=hazard.pk).accepted_on is None
    done = hazards.step(world.yjj_user, hazard.pk, "accept")
    assert done.accepted_on == timezone.localdate()
    with pytest.raises(ServiceError) as closed:
        hazards.save_plan(world.yjj_user, hazard.pk, **PLAN)
    assert closed.value.code == "hazard_closed"


def test_plan_only_by_a_party(world: World, users: Any) -> None:
    hazard = _found(world, world.jxw_user, HazardInput("除尘系统未防爆", world.major_item))
    with pytest.raises(ServiceError):
        hazards.save_plan(users["leader"], hazard.pk, **PLAN)
    with pytest.raises(ServiceError):
        hazards.save_plan(world.zjw_user, hazard.pk, **PLAN)


def _image_bytes(kind: str = "JPEG", size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=kind)
    return out.getvalue()


def test_photos_verified_and_scaled(world: World, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    hazard = _found(world, world.jxw_user, HazardInput("灭火器过期"))
    photo = hazards.add_photo(
        world.jxw_user, hazard.pk, SimpleUploadedFile("现场.png", _image_bytes("PNG")), PhotoStage.BEFORE
    )
    assert (photo.content_type, photo.stage) == ("image/png", "before")
    big = hazards.add_photo(
        world.jxw_user, hazard.pk, SimpleUploadedFile("big.jpg", _image_bytes(size=(3000, 1000))), "after"
    )
    with Image.open(big.file.path) as stored:
        assert stored.size == (hazards.PHOTO_MAX_SIDE, 853)
    for name, content in (("x.jpg", b"\xff\xd8\xff not really"), ("a.gif", b"GIF89a......")):
        with pytest.raises(InvalidInput) as exc:
            hazards.add_photo(world.jxw_user, hazard.pk, SimpleUploadedFile(name, content), "before")
        assert exc.value.errors[0].code == "photo_not_image"
    with override_settings(UPLOAD_MAX_BYTES=100), pytest.raises(InvalidInput) as exc:
        hazards.add_photo(
            world.jxw_user, hazard.pk, SimpleUploadedFile("b.png", _image_bytes("PNG")), "before"
        )
    assert exc.value.errors[0].code == "photo_too_large"
    assert HazardPhoto.objects.filter(hazard=hazard).count() == 2


def test_photos_with_the_hazard_input(world: World, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    photo = SimpleUploadedFile("p.webp", _image_bytes("WEBP"))
    hazard = _found(world, world.jxw_user, HazardInput("灭火器过期", photos=[photo]))
    assert list(hazard.photos.values_list("stage", "content_type")) == [("before", "image/webp")]


def test_hazards_for_scope(world: World, users: Any) -> None:
    hazard = _found(world, world.jxw_user, HazardInput("灭火器过期"))
    assert hazards.hazards_for(users["qiye"]).filter(pk=hazard.pk).exists()
    assert hazards.hazards_for(world.yjj_user, "change").filter(pk=hazard.pk).exists()  # sector
    assert not hazards.hazards_for(world.zjw_user, "change").filter(pk=hazard.pk).exists()


def test_a_bad_photo_keeps_nothing(world: World, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    before = (Inspection.objects.count(), Hazard.objects.count(), HazardPhoto.objects.count())
    with pytest.raises(InvalidInput) as exc:
        record_inspection(
            world.jxw_user,
            unit=world.unit,
            inspected_on=DAY,
            department=world.jxw,
            kind="enforcement",
            hazards=[
                HazardInput("a"),
                HazardInput("b", photos=[SimpleUploadedFile("x.png", b"not an image")]),
            ],
        )
    assert [(e.field, e.code) for e in exc.value.errors] == [("hazards.1.photos", "photo_not_image")]
    assert (Inspection.objects.count(), Hazard.objects.count(), HazardPhoto.objects.count()) == before
