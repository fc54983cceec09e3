"""The stage table, the project rules and backward scheduling."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tiaodu.core.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from tiaodu.projects import services
from tiaodu.projects.choices import MilestoneKind, Stage
from tiaodu.projects.models import Milestone, Project, StageChange
from tiaodu.projects.tests.factories import GUXI, YUXI, project

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def codes(exc: ServiceError) -> dict[str, str]:
    return {e.field: e.code for e in exc.errors}


# --- the stage table ------------------------------------------------------------------------------

CHAIN = [
    Stage.SIGNED,
    Stage.LANDED,
    Stage.STARTED,
    Stage.BUILDING,
    Stage.COMPLETED,
    Stage.OPERATING,
    Stage.FULL_PRODUCTION,
]


def test_the_whole_chain_records_each_date_and_history() -> None:
    p = project(stage=Stage.RESERVE, stage_on=TODAY - timedelta(days=100))
    for i, stage in enumerate(CHAIN):
        p = services.change_stage(None, p, stage, TODAY - timedelta(days=90 - i * 10))
    p.refresh_from_db()
    assert p.stage == Stage.FULL_PRODUCTION
    assert p.signed_on == TODAY - timedelta(days=90)
    assert p.full_production_on == TODAY - timedelta(days=30)
    history = list(p.stage_changes.order_by("on", "pk").values_list("from_stage", "to_stage"))
    assert history[0] == ("", Stage.RESERVE)
    assert [t for _f, t in history[1:]] == CHAIN
    assert services.allowed_targets(p) == []


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (Stage.RESERVE, Stage.OPERATING),
        (Stage.RESERVE, Stage.BUILDING),
        (Stage.RESERVE, Stage.SUSPENDED),
        (Stage.SIGNED, Stage.COMPLETED),
        (Stage.BUILDING, Stage.STARTED),
        (Stage.COMPLETED, Stage.SUSPENDED),
        (Stage.COMPLETED, Stage.CANCELLED),
        (Stage.FULL_PRODUCTION, Stage.OPERATING),
        (Stage.CANCELLED, Stage.RESERVE),
    ],
)
def test_forbidden_jumps_change_nothing(start: str, to: str) -> None:
    p = project(stage=start, stage_on=TODAY - timedelta(days=10))
    before = Project.objects.filter(pk=p.pk).values().get()
    history = StageChange.objects.filter(project=p).count()
    with pytest.raises(Conflict) as caught:
        services.change_stage(None, p, to, TODAY)
    assert caught.value.code == "transition_not_allowed"
    assert caught.value.status == 409
    assert "不能从" in caught.value.message
    assert Project.objects.filter(pk=p.pk).values().get() == before
    assert StageChange.objects.filter(project=p).count() == history


def test_suspension_returns_to_the_stage_it_left() -> None:
    p = project(stage=Stage.BUILDING, stage_on=TODAY - timedelta(days=50))
    p = services.change_stage(None, p, Stage.SUSPENDED, TODAY - timedelta(days=20), "资金未到位")
    assert p.suspended_from == Stage.BUILDING
    assert services.allowed_targets(p) == [Stage.BUILDING, Stage.CANCELLED]
    with pytest.raises(Conflict):
        services.change_stage(None, p, Stage.COMPLETED, TODAY)
    p = services.change_stage(None, p, Stage.BUILDING, TODAY - timedelta(days=5))
    assert p.stage == Stage.BUILDING and p.suspended_from == ""
    assert p.building_on == TODAY - timedelta(days=50)  # the stage's own date is kept
    assert p.suspended_on == TODAY - timedelta(days=20)


def test_cancelled_is_terminal() -> None:
    p = project(stage=Stage.SIGNED, stage_on=TODAY - timedelta(days=5))
    p = services.change_stage(None, p, Stage.CANCELLED, TODAY)
    assert services.allowed_targets(p) == []
    with pytest.raises(Conflict):
        services.change_stage(None, p, Stage.SIGNED, TODAY)


def test_stage_dates_are_checked() -> None:
    p = project(stage=Stage.RESERVE, stage_on=TODAY - timedelta(days=10))
    with pytest.raises(InvalidInput) as future:
        services.change_stage(None, p, Stage.SIGNED, TODAY + timedelta(days=1))
    assert codes(future.value) == {"on": "date_in_future"}
    with pytest.raises(InvalidInput) as earlier:
        services.change_stage(None, p, Stage.SIGNED, TODAY - timedelta(days=11))
    assert codes(earlier.value) == {"on": "date_before_previous"}
    with pytest.raises(InvalidInput):
        services.change_stage(None, p, "flying", TODAY)
    p.refresh_from_db()
    assert p.stage == Stage.RESERVE


def test_reaching_start_completes_the_start_milestone() -> None:
    p = project(stage=Stage.LANDED, stage_on=TODAY - timedelta(days=30))
    services.backward_schedule(None, p, MilestoneKind.START, TODAY + timedelta(days=10))
    services.change_stage(None, p, Stage.STARTED, TODAY)
    assert p.milestones.get(kind=MilestoneKind.START).actual_on == TODAY


def test_stage_change_scope(users: dict) -> None:
    guxi = project(GUXI, stage=Stage.SIGNED, stage_on=TODAY)
    yuxi = project(YUXI, stage=Stage.SIGNED, stage_on=TODAY)
    services.change_stage(users["guxi"], guxi, Stage.LANDED, TODAY)
    with pytest.raises(NotFound):
        services.change_stage(users["guxi"], yuxi, Stage.LANDED, TODAY)
    with pytest.raises(NotFound):  # enterprises see no projects at all
        services.change_stage(users["qiye"], guxi, Stage.STARTED, TODAY)
    # a department sees the district's projects but changes only those it is responsible for
    with pytest.raises(Forbidden):
        services.change_stage(users["jxw"], yuxi, Stage.LANDED, TODAY)


def test_stage_changes_are_append_only() -> None:
    p = project()
    change = p.stage_changes.get()
    change.note = "x"
    with pytest.raises(ValueError):
        change.save()


# --- the project rules ----------------------------------------------------------------------------


def test_money_rules() -> None:
    with pytest.raises(InvalidInput) as negative:
        project(total_investment=Decimal(-1))
    assert codes(negative.value)["total_investment"] == "negative_amount"
    with pytest.raises(InvalidInput) as above:
        project(total_investment=Decimal(100), investment_completed=Decimal(150), annual_plan=Decimal(50))
    assert codes(above.value) == {"investment_completed": "investment_exceeds_total"}
    assert "超过总投资" in above.value.errors[0].message


def test_special_bond_field_only_with_special_bonds() -> None:
    with pytest.raises(InvalidInput) as caught:
        project(funding="social", bond_field="municipal")
    assert codes(caught.value) == {"bond_field": "bond_field_not_allowed"}
    with pytest.raises(InvalidInput) as missing:
        project(funding="special_bond")
    assert codes(missing.value) == {"bond_field": "required"}
    assert project(funding="special_bond", bond_field="municipal").bond_field == "municipal"


@pytest.mark.parametrize(
    ("lon", "lat", "field", "code"),
    [
        ("200", "30", "longitude", "coordinate_out_of_range"),
        ("105.8", "-95", "latitude", "coordinate_out_of_range"),
        ("2.35", "48.85", "longitude", "coordinate_outside_china"),
        ("105.8", "60", "latitude", "coordinate_outside_china"),
        ("105.8", None, "latitude", "coordinates_incomplete"),
        ("东经", "30", "longitude", "number_invalid"),
    ],
)
def test_coordinates(lon: str, lat: str | None, field: str, code: str) -> None:
    count = Project.objects.count()
    with pytest.raises(InvalidInput) as caught:
        project(longitude=lon, latitude=lat)
    assert codes(caught.value)[field] == code
    assert Project.objects.count() == count


def test_code_unique_when_present() -> None:
    project(code="2201-X-1")
    with pytest.raises(Conflict) as caught:
        project(code="2201-X-1")
    assert caught.value.code == "project_code_taken"
    project(code="")
    project(code="")  # several projects may have no code yet


def test_outline_must_be_a_polygon() -> None:
    with pytest.raises(InvalidInput):
        project(outline='{"type": "Point", "coordinates": [105.8, 30.1]}')
    square = '{"type":"Polygon","coordinates":[[[105.8,30.1],[105.9,30.1],[105.9,30.2],[105.8,30.1]]]}'
    assert project(outline=square).outline == square


def test_town_user_adds_only_in_its_township(users: dict) -> None:
    p, created = services.save_project(users["guxi"], name="古溪镇新项目", township=GUXI)
    assert created and p.stage == Stage.RESERVE
    with pytest.raises(Forbidden):
        services.save_project(users["guxi"], name="玉溪镇项目", township=YUXI)
    assert not Project.objects.filter(name="玉溪镇项目").exists()
    with pytest.raises(Forbidden):
        services.save_project(users["qiye"], name="企业项目", township=GUXI)


def test_stage_on_update_goes_through_the_table() -> None:
    p = project(stage=Stage.RESERVE, stage_on=TODAY - timedelta(days=3))
    with pytest.raises(Conflict):
        services.save_project(None, p.pk, stage=Stage.OPERATING, name="改名")
    p.refresh_from_db()
    assert p.stage == Stage.RESERVE and p.name != "改名"
    p, _ = services.save_project(None, p.pk, stage=Stage.SIGNED)
    assert p.stage == Stage.SIGNED


# --- backward scheduling --------------------------------------------------------------------------


def test_plan_backwards_arithmetic() -> None:
    plan = services.plan_backwards([("a", 30), ("b", 60), ("c", 10)], date(2024, 6, 30))
    assert plan == [("a", 30, date(2024, 4, 21)), ("b", 60, date(2024, 6, 20)), ("c", 10, date(2024, 6, 30))]


def test_backward_schedule_from_the_default_template() -> None:
    p = project(kind="new")
    target = date(2030, 6, 1)
    milestones = services.backward_schedule(None, p, MilestoneKind.START, target)
    kinds = [m.kind for m in milestones]
    assert kinds == [
        "approval",
        "land",
        "planning_permit",
        "construction_permit",
        "tender",
        "mobilisation",
        "start",
    ]
    # 新建: 立项30 用地60 规划许可30 施工许可20 招标30 进场10 开工5 (days after the previous one)
    assert milestones[-1].planned_on == target
    assert milestones[-2].planned_on == target - timedelta(days=5)
    assert milestones[0].planned_on == target - timedelta(days=5 + 10 + 30 + 20 + 30 + 60)
    assert milestones[0].planned_from == milestones[0].planned_on - timedelta(days=30)
    assert all(m.slippage() == 0 for m in milestones)
    assert [m.is_critical for m in milestones] == [True] + [False] * 6  # the next one due


def test_replanning_keeps_actual_dates_and_finds_the_critical_milestone() -> None:
    p = project(kind="new")
    target = TODAY + timedelta(days=20)
    ms = services.backward_schedule(None, p, MilestoneKind.START, target)
    # 立项 done on time; 用地 (planned 95 days before the target) is still open → late.
    services.record_milestone(None, ms[0], ms[0].planned_on)
    land = Milestone.objects.get(project=p, kind="land")
    assert land.slippage() == (TODAY - land.planned_on).days == 75
    ms = services.backward_schedule(None, p, MilestoneKind.START, target)
    assert ms[0].actual_on is not None  # kept
    assert Milestone.objects.get(project=p, is_critical=True).kind == "land"
    services.record_milestone(None, land, TODAY - timedelta(days=1))
    land.refresh_from_db()
    assert land.slippage() == 74
    assert Milestone.objects.get(project=p, is_critical=True).kind == "planning_permit"
    assert Milestone.objects.filter(project=p).count() == 7


def test_critical_is_the_most_late_open_milestone() -> None:
    p = project(kind="continuing")
    ms = services.backward_schedule(None, p, MilestoneKind.COMPLETION, TODAY - timedelta(days=10))
    # 续建: 招标30 进场15 竣工240; all open and late by 10+240+15, 10+240, 10 days
    assert [m.slippage(TODAY) for m in ms] == [265, 250, 10]
    assert services.critical_milestone(ms, TODAY) == ms[0]


def test_backward_schedule_rejects_a_target_outside_the_template() -> None:
    p = project(kind="reserve")
    with pytest.raises(InvalidInput) as caught:
        services.backward_schedule(None, p, MilestoneKind.COMPLETION, TODAY)
    assert codes(caught.value) == {"target_kind": "template_missing"}
    assert not p.milestones.exists()


def test_milestone_actual_date_not_in_future() -> None:
    p = project()
    ms = services.backward_schedule(None, p, MilestoneKind.START, TODAY)
    with pytest.raises(InvalidInput):
        services.record_milestone(None, ms[0], TODAY + timedelta(days=1))


def test_timeline_positions() -> None:
    p = project(kind="continuing")
    ms = services.backward_schedule(None, p, MilestoneKind.COMPLETION, TODAY + timedelta(days=100))
    data = services.timeline(ms, TODAY)
    rows = data["rows"]
    assert rows[0]["x"] == 0
    assert all(0 <= r["x"] <= 1000 and r["x"] + r["width"] <= 1004 for r in rows)
    assert data["end"] == TODAY + timedelta(days=100)
