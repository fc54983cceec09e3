"""``tiaodu safety draw --plan PLAN`` / ``--verify PLAN``."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tiaodu.core.tests.districts import DADUKOU
from tiaodu.safety import planning
from tiaodu.safety.models import InspectionPlan, PlanVisit
from tiaodu.safety.tests.test_planning import department, inspectors, plan, sector, setup, units

__all__ = ["setup"]  # the fixture, shared with test_planning


def run(*args: str) -> str:
    out = StringIO()
    call_command("safety", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_draw_by_name_prints_the_list_and_verify_says_identical(setup: dict[str, Any]) -> None:
    p = plan(setup["yjj"], [setup["sector"]], name="2022年工贸双随机")
    text = run("draw", "--plan", "2022年工贸双随机", "--seed", "cli-seed")
    p.refresh_from_db()
    assert p.seed == "cli-seed"
    assert "名录库80户,可抽80户,抽取8户" in text and "随机种子 cli-seed" in text
    first = PlanVisit.objects.filter(plan=p).order_by("order").select_related("unit").first()
    assert first is not None and f"1\t{first.unit.name}\t" in text
    planning.publish(None, p.pk)
    text = run("draw", "--verify", str(p.pk))
    assert text.startswith("一致") and p.__class__.objects.get(pk=p.pk).digest in text


@pytest.mark.django_db
def test_verify_fails_when_the_list_was_changed(setup: dict[str, Any]) -> None:
    p = plan(setup["yjj"], [setup["sector"]])
    run("draw", "--plan", str(p.pk), "--seed", "s")
    planning.publish(None, p.pk)
    visit = PlanVisit.objects.filter(plan=p).order_by("order").first()
    assert visit is not None
    PlanVisit.objects.filter(pk=visit.pk).update(inspector_ids=list(reversed(visit.inspector_ids)))
    with pytest.raises(CommandError, match="plan_mismatch"):
        run("draw", "--verify", str(p.pk))


@pytest.mark.django_db
def test_json_output_and_published_plans_are_not_redrawn(setup: dict[str, Any]) -> None:
    p = plan(setup["yjj"], [setup["sector"]])
    data = json.loads(run("draw", "--plan", str(p.pk), "--seed", "j", "--format", "json"))
    assert data["seed"] == "j" and len(data["visits"]) == 8
    assert data["visits"] == [v.as_list() for v in planning.stored_visits(p)]
    planning.publish(None, p.pk)
    with pytest.raises(CommandError, match="plan_published"):
        run("draw", "--plan", str(p.pk))
    verified = json.loads(run("draw", "--verify", str(p.pk), "--format", "json"))
    assert verified["matches"] is True and verified["digest"] == InspectionPlan.objects.get(pk=p.pk).digest


@pytest.mark.django_db
def test_unknown_and_ambiguous_plans(setup: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match="plan_unknown"):
        run("draw", "--plan", "没有这个计划")
    plan(setup["yjj"], [setup["sector"]], name="同名计划")
    other = department(DADUKOU, "区应急管理局")
    s = sector(DADUKOU, "工贸", other)
    units(s, 10)
    inspectors(other, 2)
    there = plan(other, [s], name="同名计划")
    with pytest.raises(CommandError, match="plan_ambiguous"):
        run("draw", "--plan", "同名计划")
    run("draw", "--plan", "同名计划", "--region", DADUKOU)
    assert PlanVisit.objects.filter(plan=there).count() == 1
    assert there.starts_on == date(2022, 3, 1)
