"""The hazard pages: the closed loop on a hazard's page (the enterprise starts and reports the
rectification with its after photo, the inspecting department accepts), a 重大隐患's 治理方案
before it can start, photos (refused when not an image), the list with its filters, the hazard
board's counts and the overdue board — each within the user's scope."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tiaodu.cases.choices import Card
from tiaodu.cases.models import Case
from tiaodu.safety.choices import HazardGrade, HazardState, InspectionKind, PhotoStage, RectifyMode
from tiaodu.safety.inspections import HazardInput, record_inspection
from tiaodu.safety.models import Hazard, HazardPhoto, HazardPlan
from tiaodu.safety.tests.test_views_inspections import World, make_world, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: Any) -> World:
    return make_world()


def found(world: World, *hazards: HazardInput, on: date | None = None) -> list[Hazard]:
    inspection = record_inspection(
        world.inspector,
        unit=world.unit,
        inspected_on=on or timezone.localdate(),
        department=world.yjj,
        kind=InspectionKind.ENFORCEMENT,
        hazards=hazards,
    )
    return list(Hazard.objects.filter(inspection=inspection).select_related("case").order_by("pk"))


def step(c: Any, hazard: Hazard, action: str, **fields: Any) -> Any:
    hazard.case.refresh_from_db()
    data = {"action": action, "version": hazard.case.version}
    data.update({f"{action}-{k}": v for k, v in fields.items()})
    return c.post(f"/safety/hazards/{hazard.pk}/step/", data)


def test_enterprise_rectifies_and_the_department_accepts(world: World, users: Any, client_for: Any) -> None:
    (hazard,) = found(world, HazardInput("安全出口上锁", responsible_person="李四"))
    qiye, inspector = client_for(users["qiye"]), client_for(world.inspector)
    page = qiye.get(f"/safety/hazards/{hazard.pk}/").content.decode()
    assert "安全出口上锁" in page and 'id="action-start"' in page and 'id="action-accept"' not in page
    assert step(qiye, hazard, "start").status_code == 302
    # 提请验收 needs a note; it carries the photo after rectification.
    response = step(qiye, hazard, "submit")
    assert response.status_code == 422 and "请填写整改情况" in response.content.decode()
    response = step(qiye, hazard, "submit", note="已拆除门锁", photo=png("after.png"))
    assert response.status_code == 302, response.content.decode()[:1500]
    hazard.refresh_from_db()
    assert hazard.case.state == HazardState.AWAITING and hazard.rectified_on == timezone.localdate()
    assert HazardPhoto.objects.get(hazard=hazard).stage == PhotoStage.AFTER
    # The enterprise cannot accept its own rectification; the inspecting department can.
    page = qiye.get(f"/safety/hazards/{hazard.pk}/").content.decode()
    assert 'id="action-accept"' not in page and 'id="no-actions"' in page
    assert step(qiye, hazard, "accept").status_code == 403
    page = inspector.get(f"/safety/hazards/{hazard.pk}/").content.decode()
    assert 'id="action-accept"' in page and 'id="action-reject"' in page
    assert step(inspector, hazard, "accept", note="复查合格").status_code == 302
    hazard.refresh_from_db()
    assert hazard.case.state == HazardState.ACCEPTED and hazard.accepted_on == timezone.localdate()
    page = inspector.get(f"/safety/hazards/{hazard.pk}/").content.decode()
    for text in ("开始整改", "整改完成,提请验收", "验收通过(销号)", "已拆除门锁", "复查合格"):
        assert text in page
    # A stale version is refused and shown, nothing saved.
    (other,) = found(world, HazardInput("灭火器过期"))
    response = inspector.post(f"/safety/hazards/{other.pk}/step/", {"action": "start", "version": "999"})
    assert response.status_code == 409
    other.refresh_from_db()
    assert other.case.state == HazardState.PENDING


def test_a_major_hazard_needs_its_plan_before_it_starts(world: World, client_for: Any) -> None:
    (hazard,) = found(world, HazardInput("粉尘涉爆未防爆", checklist_item=world.major_item))
    c = client_for(world.inspector)
    page = c.get(f"/safety/hazards/{hazard.pk}/").content.decode()
    assert 'id="plan-missing"' in page and f'href="/safety/hazards/{hazard.pk}/plan/"' in page
    response = step(c, hazard, "start")
    assert response.status_code == 409 and "须先制定治理方案" in response.content.decode()
    assert c.get(f"/safety/hazards/{hazard.pk}/plan/").status_code == 200
    plan = {
        "goal": "消除粉尘爆炸隐患",
        "measures": "加装泄爆装置",
        "funds": "12.50",
        "personnel": "设备科 王五",
        "due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "emergency_plan": "停产整改期间设警戒区",
    }
    response = c.post(f"/safety/hazards/{hazard.pk}/plan/", {**plan, "goal": ""})
    assert response.status_code == 422 and not HazardPlan.objects.filter(hazard=hazard).exists()
    response = c.post(f"/safety/hazards/{hazard.pk}/plan/", plan)
    assert response.status_code == 302
    saved = HazardPlan.objects.get(hazard=hazard)
    assert str(saved.funds) == "12.50"
    page = c.get(f"/safety/hazards/{hazard.pk}/").content.decode()
    assert "加装泄爆装置" in page and 'id="plan-missing"' not in page
    assert step(c, hazard, "start").status_code == 302
    hazard.case.refresh_from_db()
    assert hazard.case.state == HazardState.RECTIFYING
    # Someone who may only read the hazard has no plan form.
    assert client_for(world.outsider).get(f"/safety/hazards/{hazard.pk}/plan/").status_code == 404


def test_photos(world: World, users: Any, client_for: Any) -> None:
    (hazard,) = found(world, HazardInput("电线私拉乱接"))
    c = client_for(world.inspector)
    response = c.post(f"/safety/hazards/{hazard.pk}/photos/", {"photo": png("before.png"), "stage": "before"})
    assert response.status_code == 302
    photo = HazardPhoto.objects.get(hazard=hazard)
    served = c.get(f"/safety/hazards/{hazard.pk}/photos/{photo.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    page = c.get(f"/safety/hazards/{hazard.pk}/").content.decode()
    assert f'src="/safety/hazards/{hazard.pk}/photos/{photo.pk}/"' in page
    bad = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = c.post(f"/safety/hazards/{hazard.pk}/photos/", {"photo": bad, "stage": "before"})
    assert response.status_code == 422 and "照片须为" in response.content.decode()
    assert HazardPhoto.objects.filter(hazard=hazard).count() == 1
    # Outside the scope: neither the page nor the photo.
    other = client_for(world.outsider)
    assert other.get(f"/safety/hazards/{hazard.pk}/").status_code == 404
    assert other.get(f"/safety/hazards/{hazard.pk}/photos/{photo.pk}/").status_code == 404
    assert (
        client_for(users["leader"]).get(f"/safety/hazards/{hazard.pk}/photos/{photo.pk}/").status_code == 200
    )


def _descriptions(c: Any, **params: Any) -> set[str]:
    r = c.get("/safety/hazards/", {"export": "csv", **params})
    assert r.status_code == 200
    return {row[0] for row in list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[1:]}


def test_list_filters_and_the_enterprise_sees_its_own(world: World, users: Any, client_for: Any) -> None:
    late, _major, _done = found(
        world,
        HazardInput("列表-超期"),
        HazardInput("列表-重大", checklist_item=world.major_item),
        HazardInput("列表-即改", mode=RectifyMode.IMMEDIATE),
    )
    Case.objects.filter(pk=late.case_id).update(
        due_on=timezone.localdate() - timedelta(days=3), card=Card.YELLOW
    )
    c = client_for(world.inspector)
    q = {"q": "列表-"}
    assert _descriptions(c, **q) == {"列表-超期", "列表-重大", "列表-即改"}
    assert _descriptions(c, **q, grade=HazardGrade.MAJOR) == {"列表-重大"}
    assert _descriptions(c, **q, state=HazardState.ACCEPTED) == {"列表-即改"}
    assert _descriptions(c, **q, is_open="false") == {"列表-即改"}
    assert _descriptions(c, **q, overdue="true") == {"列表-超期"}
    assert _descriptions(c, **q, card="any") == {"列表-超期"}
    assert _descriptions(c, **q, supervised="true") == {"列表-重大"}
    assert _descriptions(c, **q, township="500152103") == {"列表-超期", "列表-重大", "列表-即改"}
    assert _descriptions(c, **q, township="500152001") == set()
    page = c.get("/safety/hazards/", {"state": "nonsense"}).content.decode()
    assert "筛选条件有误" in page
    # The enterprise: its own hazards, titled as such; another district's department: none.
    page = client_for(users["qiye"]).get("/safety/hazards/").content.decode()
    assert "我的隐患" in page and "列表-重大" in page and 'id="hazard-board-link"' in page
    assert _descriptions(client_for(world.outsider), **q) == set()


def test_hazard_board_counts(world: World, client_for: Any) -> None:
    pending, _major, _done = found(
        world,
        HazardInput("看板-一般"),
        HazardInput("看板-重大", checklist_item=world.major_item),
        HazardInput("看板-即改", mode=RectifyMode.IMMEDIATE),
    )
    Case.objects.filter(pk=pending.case_id).update(due_on=timezone.localdate() - timedelta(days=1))
    c = client_for(world.inspector)
    response = c.get("/safety/hazards/board/", {"sector": world.industry.pk})
    assert response.status_code == 200
    board = response.context
    matrix = {state: counts for state, _label, counts, _total in board["matrix"]}
    grades = [g for g, _label in board["grades"]]
    general, major_index = grades.index(HazardGrade.GENERAL), grades.index(HazardGrade.MAJOR)
    assert matrix[HazardState.PENDING][general] == 1 and matrix[HazardState.PENDING][major_index] == 1
    assert matrix[HazardState.ACCEPTED][general] == 1 and board["total"] == 3
    (row,) = board["sectors"]
    assert (row.label, row.total, row.open, row.major, row.major_open, row.overdue, row.accepted) == (
        "工贸",
        3,
        2,
        1,
        1,
        1,
        1,
    )
    assert row.rate == "33.3%"
    (town,) = board["townships"]
    assert town.key == "500152103" and town.total == 3
    page = response.content.decode()
    assert f'href="/safety/hazards/?sector={world.industry.pk}&amp;is_open=true"' in page
    # A period before today: nothing.
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert c.get("/safety/hazards/board/", {"found_to": yesterday}).context["total"] == 0
    assert client_for(world.outsider).get("/safety/hazards/board/").context["total"] == 0


def test_overdue_board(world: World, users: Any, client_for: Any) -> None:
    late, red, on_time, major = found(
        world,
        HazardInput("超期-黄牌"),
        HazardInput("超期-红牌"),
        HazardInput("未超期"),
        HazardInput("超期-重大", checklist_item=world.major_item),
    )
    today = timezone.localdate()
    Case.objects.filter(pk=late.case_id).update(due_on=today - timedelta(days=2), card=Card.YELLOW)
    Case.objects.filter(pk__in=[red.case_id, major.case_id]).update(
        due_on=today - timedelta(days=20), card=Card.RED
    )
    c = client_for(world.inspector)
    response = c.get("/safety/hazards/overdue/")
    page = response.content.decode()
    for h in (late, red, major):
        assert f'data-hazard="{h.pk}"' in page
    assert f'data-hazard="{on_time.pk}"' not in page
    assert (response.context["count"], response.context["red"], response.context["yellow"]) == (3, 2, 1)
    # Grouped by the accepting department: 重大 goes to the sector's supervisor (here the same).
    groups = {g.org.name: [c.hazard.pk for c in g.cases] for g in response.context["groups"]}
    assert groups == {world.yjj.name: [red.pk, major.pk, late.pk]} or groups == {
        world.yjj.name: [major.pk, red.pk, late.pk]
    }
    assert c.get("/safety/hazards/overdue/", {"card": "yellow"}).context["count"] == 1
    assert c.get("/safety/hazards/overdue/", {"grade": "major"}).context["count"] == 1
    assert client_for(world.outsider).get("/safety/hazards/overdue/").context["count"] == 0
    assert client_for(users["qiye"]).get("/safety/hazards/overdue/").context["count"] == 3


def test_overdue_board_shows_the_worst_of_each_department(
    world: World, client_for: Any, monkeypatch: Any
) -> None:
    from tiaodu.safety import views_hazards

    monkeypatch.setattr(views_hazards, "OVERDUE_ROWS", 2)
    hazards = found(world, *(HazardInput(f"超期截断-{n}") for n in range(3)))
    today = timezone.localdate()
    for n, h in enumerate(hazards):
        Case.objects.filter(pk=h.case_id).update(due_on=today - timedelta(days=10 + n))
    response = client_for(world.inspector).get("/safety/hazards/overdue/", {"township": "500152103"})
    page = response.content.decode()
    assert response.context["count"] == 3
    # The two longest overdue are shown, the third is in the list behind the link.
    assert f'data-hazard="{hazards[2].pk}"' in page and f'data-hazard="{hazards[1].pk}"' in page
    assert f'data-hazard="{hazards[0].pk}"' not in page
    assert 'href="/safety/hazards/?township=500152103&amp;overdue=true"' in page and "还有1条" in page
