"""Investment projects at collective signing events: signed by the event's date per the history,
the 协议投资额 kept as it was, totals in words; ``import event-projects`` with investment projects
by name (the actor's district first); the event page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tiaodu.accounts.services import create_user
from tiaodu.core.errors import InvalidInput
from tiaodu.core.imports import run_import, write_xlsx
from tiaodu.events import services as events
from tiaodu.events.models import CollectiveEvent, EventProject
from tiaodu.investment import services, signing_events
from tiaodu.investment.models import EventEntry, IndustryChain
from tiaodu.investment.tests.factories import DADUKOU, TONGNAN, WANZHOU, district, project
from tiaodu.projects.tests.factories import GUXI
from tiaodu.projects.tests.factories import project as key_project

pytestmark = pytest.mark.django_db

EVENT = "2020年第二季度招商引资项目集中签约活动"


def signed(code: str = TONGNAN, on: date = date(2020, 5, 20), amount: int = 20000, **fields: Any) -> Any:
    p = project(code, on=date(2020, 1, 6), **fields)
    return services.change_stage(None, p, "signed", on, agreed_investment=D(amount))


def chain(code: str, name: str) -> IndustryChain:
    return IndustryChain.objects.get(region=district(code), name=name)


def event(code: str = TONGNAN, held_on: date = date(2020, 6, 18)) -> CollectiveEvent:
    return events.record_event(None, name=EVENT, held_on=held_on, region=district(code), entries=[])


def test_add_to_event_keeps_the_amount_as_signed() -> None:
    p = signed(amount=20000, chain=chain(TONGNAN, "新能源"))
    meeting = event()
    entry = signing_events.add_to_event(None, meeting, p)
    assert (entry.event, entry.project, entry.investment) == (meeting, p, D(20000))
    services.update_project(None, p, agreed_investment=D(26000))
    entry.refresh_from_db()
    assert entry.investment == D(20000)  # the event's totals do not drift
    again = signing_events.add_to_event(None, meeting, p)  # added again: one entry, refreshed
    assert again.pk == entry.pk and again.investment == D(26000)
    assert EventEntry.objects.filter(event=meeting).count() == 1


def test_add_to_event_refuses_unsigned_and_other_districts() -> None:
    meeting = event(held_on=date(2020, 6, 18))
    late = signed(on=date(2020, 7, 1))
    talks = project(TONGNAN, "negotiating", on=date(2020, 2, 1))
    other = signed(DADUKOU, on=date(2020, 5, 1))
    refusals = (
        (late, "not_signed_by_event", "活动日期(2020-06-18)前尚未签约"),
        (talks, "not_signed_by_event", "活动日期(2020-06-18)前尚未签约"),
        (other, "project_outside_region", "不在潼南区"),
    )
    for p, code, words in refusals:
        with pytest.raises(InvalidInput) as err:
            signing_events.add_to_event(None, meeting, p)
        assert err.value.errors[0].code == code
        assert words in err.value.errors[0].message
    assert not EventEntry.objects.exists()
    # signed on the day of the event counts
    assert signing_events.add_to_event(None, meeting, signed(on=date(2020, 6, 18))).investment == D(20000)
    # the history decides, not the current stage: signed in May, started since
    moved = signed(on=date(2020, 5, 2))
    services.change_stage(None, moved, "started", date(2021, 3, 1))
    assert signing_events.add_to_event(None, meeting, moved).pk


def test_totals_in_words_by_key_industry() -> None:
    district(TONGNAN)
    energy = chain(TONGNAN, "新能源")
    cells = IndustryChain.objects.create(region=energy.region, name="光伏电池链", parent=energy)
    meeting = event()
    for amount, ch in (
        (200000, cells),
        (140000, energy),
        (100000, chain(TONGNAN, "电子信息")),
        (68000, None),
    ):
        signing_events.add_to_event(None, meeting, signed(amount=amount, chain=ch))
    entries = EventEntry.objects.filter(event=meeting)
    count, amount, industries = signing_events.event_investment_totals(entries)
    assert (count, amount, industries) == (
        4,
        D(508000),
        ["新能源", "电子信息"],
    )  # a chain counts as its industry
    assert (
        signing_events.totals(entries).sentence()
        == "现场签约项目4个,总投资50.8亿元,涉及新能源、电子信息等产业"
    )
    assert signing_events.totals([]).sentence() == ""


HEADERS = ["活动名称", "活动日期", "项目名称", "活动类型"]


def test_event_projects_import_takes_investment_projects(users: dict, tmp_path: Path) -> None:
    """A 项目名称 that is no key project is an investment project of the actor's district: 潼南区,
    大渡口区 and 万州区 each have a 同名签约项目; 大渡口区's administrator gets 大渡口区's."""
    made = {
        code: signed(code, name="同名签约项目", amount=10000 + i)
        for i, code in enumerate((TONGNAN, DADUKOU, WANZHOU))
    }
    late = signed(DADUKOU, name="大渡口晚签项目", on=date(2020, 7, 1))
    talks = project(DADUKOU, name="大渡口在谈项目", on=date(2020, 2, 1))
    key = key_project(GUXI, name="潼南重点项目", code="2201-500152-04-01-770001")
    admin = create_user(None, username="admin500104", role="admin", region_code=DADUKOU).user
    path = tmp_path / "events.xlsx"
    rows = [
        HEADERS,
        [EVENT, "2020-06-18", "同名签约项目", "签约"],
        [EVENT, "2020-06-18", "大渡口晚签项目", "签约"],
        [EVENT, "2020-06-18", "同名签约项目", "开工"],
        [EVENT, "2020-06-18", "不存在的项目", "签约"],
        [EVENT, "2020-06-18", "大渡口在谈项目", "签约"],
    ]
    write_xlsx(path, rows)
    result = run_import("event-projects", path, actor=admin)
    found = {(e.row, e.code) for e in result.errors}
    assert found == {
        (3, "not_signed_by_event"),
        (4, "investment_action_not_sign"),
        (5, "project_unknown"),
        (6, "not_signed_by_event"),
    }
    assert not EventEntry.objects.exists() and not CollectiveEvent.objects.filter(name=EVENT).exists()

    write_xlsx(path, [HEADERS, rows[1], [EVENT, "2020-06-18", key.name, "签约"]])
    result = run_import("event-projects", path, actor=None)  # the operator: 潼南区 first
    assert result.ok, result.error_lines()
    write_xlsx(path, [HEADERS, rows[1]])
    result = run_import("event-projects", path, actor=admin)
    assert result.ok, result.error_lines()
    assert result.created == 1
    entries = EventEntry.objects.select_related("event__region", "project")
    assert {(e.event.region.code, e.project.pk, e.investment) for e in entries} == {
        (TONGNAN, made[TONGNAN].pk, D(10000)),
        (DADUKOU, made[DADUKOU].pk, D(10001)),
    }
    assert EventProject.objects.filter(project=key, event__region__code=TONGNAN).exists()
    assert late.pk and talks.pk
    # a district leader may list key projects but not put investment projects on an event
    write_xlsx(path, [HEADERS, [EVENT, "2020-06-18", "同名签约项目", "签约"]])
    result = run_import("event-projects", path, actor=users["leader"])
    assert {(e.row, e.code) for e in result.errors} == {(2, "permission_denied")}


def test_event_page_lists_the_investment_projects_with_totals(users: dict, client_for: Any) -> None:
    meeting = event()
    signing_events.add_to_event(
        None, meeting, signed(amount=150000, name="某电池项目", chain=chain(TONGNAN, "新能源"))
    )
    page = client_for(users["leader"]).get(reverse("events:detail", args=[meeting.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "现场签约项目1个,总投资15亿元,涉及新能源等产业" in html
    assert "某电池项目" in html and 'id="event-investment-table"' in html
    # a town user does not see the investment projects (their amounts are commercial secrets)
    page = client_for(users["guxi"]).get(reverse("events:detail", args=[meeting.pk]))
    assert page.status_code in (200, 403, 404)
    assert "某电池项目" not in page.content.decode()
