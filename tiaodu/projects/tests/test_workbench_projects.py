"""The key-project lines and the leaders' investment panel of the workbench, on the demo data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tiaodu.core import workbench
from tiaodu.dispatch.models import DispatchReport
from tiaodu.projects.models import Milestone, Project
from tiaodu.projects.workbench import my_projects, time_progress

pytestmark = pytest.mark.django_db
USERS = ("admin", "leader", "jxw", "zsj", "guxi", "yuxi", "squad1", "qiye", "yezhu")


def section(user: Any) -> workbench.Section | None:
    return next((s for s in workbench.collect(user) if s.module == "projects"), None)


def lines(user: Any) -> dict[str, workbench.Task]:
    s = section(user)
    return {t.label: t for t in s.tasks} if s else {}


def test_cards_and_late_milestones_per_role(users: Any, client_for: Any) -> None:
    today = date.today()
    for name in USERS:
        user = users[name]
        got = lines(user)
        if name == "qiye":
            assert got == {}
            continue
        mine = my_projects(user)
        for card, label in (("red", "红牌督办项目"), ("yellow", "黄牌督办项目")):
            carded = list(mine.filter(card=card))
            assert (got[label].count if label in got else 0) == len(carded), (name, label)
            if label in got:
                page = client_for(user).get(got[label].url)
                assert page.status_code == 200, (name, got[label].url)
                body = page.content.decode()
                if len(carded) == 1:  # one project: its own page, with its card
                    assert carded[0].name in body
                else:  # several: the list filtered to exactly those
                    assert f"card={card}" in got[label].url
                    assert all(p.name in body for p in carded)
                    assert f"共 {len(carded)} " in body or f"共{len(carded)}" in body, body[:0]
        late = Milestone.objects.restrict(user).filter(
            project__in=mine, actual_on__isnull=True, planned_on__lt=today
        )
        line = got.get("倒排工期逾期节点")
        assert (line.count if line else 0) == late.count(), name
        if line:
            page = client_for(user).get(line.url)
            assert page.status_code == 200
            late_projects = {m.project.name for m in late.select_related("project")}
            assert all(name in page.content.decode() for name in late_projects)
            if len(late_projects) > 1:
                assert "late=true" in line.url


def test_the_project_list_filters_by_card_and_late_milestones(users: Any, client_for: Any) -> None:
    from tiaodu.projects.filters import ProjectFilter

    leader = users["leader"]
    scope = Project.objects.restrict(leader)
    red = set(ProjectFilter(card="red").filter(scope).values_list("pk", flat=True))
    assert red == set(scope.filter(card="red").values_list("pk", flat=True)) and red
    carded = set(ProjectFilter(card="any").filter(scope).values_list("pk", flat=True))
    assert carded == set(scope.filter(card__in=("red", "yellow")).values_list("pk", flat=True))
    assert not ProjectFilter(card="purple").filter(scope).exists()
    late = set(ProjectFilter(late=True).filter(scope).values_list("pk", flat=True))
    expected = set(
        Milestone.objects.filter(
            project__in=scope, actual_on__isnull=True, planned_on__lt=date.today()
        ).values_list("project_id", flat=True)
    )
    assert late == expected and late
    on_time = set(ProjectFilter(late=False).filter(scope).values_list("pk", flat=True))
    assert on_time == set(scope.values_list("pk", flat=True)) - expected


def test_a_department_answers_for_its_own_projects(users: Any) -> None:
    jxw = users["jxw"]
    assert all(p.responsible_unit_id == jxw.organization_id for p in my_projects(jxw))
    # the district has carded projects, none of them jxw's in the demo
    assert Project.objects.restrict(jxw).filter(card="red").exists()
    assert "红牌督办项目" not in lines(jxw)


def test_leader_panel_investment_against_time_progress(users: Any, client_for: Any) -> None:
    leader = users["leader"]
    s = section(leader)
    assert s is not None
    panel = next(p for p in s.panels if p.key == "projects-investment")
    progress = time_progress(date.today())
    chart = panel.chart
    assert chart is not None
    series = chart["series"][0]
    assert series["type"] == "bar"
    assert series["markLine"]["data"] == [{"yAxis": float(progress)}]
    towns = chart["xAxis"]["data"]
    assert len(towns) == len(series["data"]) > 1
    # the total row: this year's submitted dispatch reports against the key projects' annual plan
    done = DispatchReport.objects.filter(
        project__township__path__startswith=leader.region.path,
        project__level__in=("city", "district"),
        submitted_at__isnull=False,
        round__period_start__year=date.today().year,
    ).exclude(project__stage="cancelled")
    total = sum((r.investment for r in done), Decimal(0))
    assert panel.rows[0][0] == "合计"
    assert panel.rows[0][2] == f"{total:,.2f}"
    assert str(progress) in panel.note
    assert client_for(leader).get(panel.url).status_code == 200
    for name in ("jxw", "guxi", "yezhu", "qiye"):
        s = section(users[name])
        assert s is None or not s.panels, name


def test_time_progress() -> None:
    assert time_progress(date(2022, 1, 1)) == Decimal("0.3")
    assert time_progress(date(2022, 7, 2)) == Decimal("50.1")
    assert time_progress(date(2024, 12, 31)) == Decimal("100.0")
