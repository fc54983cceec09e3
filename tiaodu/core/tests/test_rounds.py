"""One round lifecycle (ADR 0028): open → fill → remind → close and freeze, the same functions of
``tiaodu.core.rounds`` driving dispatch rounds and reporting rounds."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tiaodu.core import rounds
from tiaodu.core.errors import ServiceError
from tiaodu.dispatch import services as dispatch
from tiaodu.dispatch.models import DispatchRound
from tiaodu.enterprises.models import Enterprise
from tiaodu.projects.models import Project
from tiaodu.projects.tests.factories import GUXI, YUXI, project
from tiaodu.regions.models import Region
from tiaodu.reporting import services as reporting
from tiaodu.reporting.tests.conftest import firm

pytestmark = pytest.mark.django_db


def _open_dispatch() -> tuple[Any, dict[str, Any], Any]:
    """A dispatch round of three projects; the function that fills unit ``name``."""
    made = {
        "a": project(GUXI, name="轮次测试项目甲"),
        "b": project(GUXI, name="轮次测试项目乙"),
        "c": project(YUXI, name="轮次测试项目丙"),
    }
    rnd = dispatch.open_round(
        None,
        district=Region.objects.get(code="500152"),
        period_kind="month",
        period_label="2023年5月",
        period_start=date(2023, 5, 1),
        period_end=date(2023, 5, 31),
        due_on=date(2023, 6, 3),
        projects=Project.objects.filter(pk__in=[p.pk for p in made.values()]),
    )

    def fill(name: str) -> None:
        data = dispatch.ReportInput(investment=10, progress=20, workers_required=5, workers_on_site=5)
        dispatch.submit_report(None, rnd.pk, made[name].pk, data)

    return rnd, {k: v.name for k, v in made.items()}, fill


def _open_reporting() -> tuple[Any, dict[str, Any], Any]:
    made = {"a": firm(9101, GUXI), "b": firm(9102, GUXI), "c": firm(9103, YUXI)}
    rnd = reporting.open_round(
        None,
        district=Region.objects.get(code="500152"),
        period="2023年5月",
        indicators=["gy_zcz"],
        due_on=date(2023, 6, 5),
        enterprises=Enterprise.objects.filter(pk__in=[e.pk for e in made.values()]),
    )

    def fill(name: str) -> None:
        slot = reporting.slot_for_unit(rnd, made[name].organization_id)
        reporting.submit(None, rnd.pk, slot.pk, {"gy_zcz": "1.5"})

    return rnd, {k: v.name for k, v in made.items()}, fill


@pytest.mark.parametrize(
    ("kind_name", "opener"), [("dispatch", _open_dispatch), ("reporting", _open_reporting)]
)
def test_one_lifecycle(kind_name: str, opener: Any, users: dict[str, Any]) -> None:
    kind = rounds.get_kind(kind_name)
    rnd, names, fill = opener()
    assert (rnd.state, rnd.expected_count, rnd.is_historical) == ("open", 3, False)
    assert rnd.opened_at is not None and rnd.closed_at is None

    fill("a")
    reminder = rounds.remind(kind, users["leader"], rnd.pk, " 请今日报送 ")
    assert reminder.missing_count == 2 and reminder.note == "请今日报送"
    assert sorted(reminder.unit_names) == sorted([names["b"], names["c"]])
    slots = kind.slot_model.objects.filter(round=rnd)
    assert sorted(slots.values_list("reminded_count", flat=True)) == [0, 1, 1]

    fill("b")
    closed = rounds.close(kind, users["leader"], rnd.pk)
    assert (closed.state, closed.reported_count, closed.expected_count) == ("closed", 2, 3)
    assert closed.closed_by == users["leader"] and closed.closed_at is not None

    # Closed: every transition but viewing is refused, before anything is written.
    for attempt in (
        lambda: rounds.remind(kind, None, rnd.pk),
        lambda: rounds.close(kind, None, rnd.pk),
        lambda: fill("c"),
    ):
        with pytest.raises(ServiceError) as caught:
            attempt()
        assert (caught.value.code, caught.value.status) == ("round_closed", 409)
    assert kind.reminder_model.objects.filter(round=rnd).count() == 1
    assert slots.filter(submitted_at__isnull=False).count() == 2


@pytest.mark.parametrize("kind_name", ["dispatch", "reporting"])
def test_nothing_missing_and_scope(kind_name: str, users: dict[str, Any]) -> None:
    kind = rounds.get_kind(kind_name)
    rnd, _names, fill = (_open_dispatch if kind_name == "dispatch" else _open_reporting)()
    with pytest.raises(ServiceError) as caught:  # a town user may view but not remind
        rounds.remind(kind, users["guxi"], rnd.pk)
    assert caught.value.status == 403
    for name in ("a", "b", "c"):
        fill(name)
    with pytest.raises(ServiceError) as caught:
        rounds.remind(kind, None, rnd.pk)
    assert caught.value.code == "nothing_missing"


def test_transition_table_and_kinds() -> None:
    assert rounds.TRANSITIONS["close"] == (frozenset({"open"}), "closed")
    assert {"dispatch", "reporting"} <= set(rounds.KINDS)
    assert rounds.get_kind("dispatch").round_model is DispatchRound
    with pytest.raises(ServiceError) as caught:
        rounds.get_kind("inspection")
    assert caught.value.errors[0].code == "invalid_choice"
