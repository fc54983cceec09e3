"""Next quarter's signings (tiaodu.investment.forecast): defaults until a stage has 20 closed
projects, then the district's own rate; the slipped bucket; a town user's counts only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tiaodu.investment.forecast import forecast, next_quarter
from tiaodu.investment.models import PipelineSettings
from tiaodu.investment.tests.factories import TONGNAN, WANZHOU, district, project
from tiaodu.investment.tests.test_queries import moved

pytestmark = pytest.mark.django_db
ON = date(2023, 6, 30)


def closed_intent_projects(n_signed: int, n_lost: int, code: str = WANZHOU) -> None:
    """Projects that went through 意向明显 and closed: ``n_signed`` signed a month after entering
    it, ``n_lost`` terminated."""
    for _ in range(n_signed):
        moved(project(code, "intent", date(2022, 3, 1)), ("signed", date(2022, 4, 1)))
    for _ in range(n_lost):
        moved(project(code, "intent", date(2022, 3, 1)), ("terminated", date(2022, 5, 1)))


def test_defaults_until_twenty_closed_then_learnt() -> None:
    open_intent = [
        project(WANZHOU, "intent", date(2023, 1, 5), planned_investment=Decimal(1000)) for _ in range(2)
    ]
    assert open_intent
    closed_intent_projects(4, 15)  # 19 closed: not enough
    f = forecast(WANZHOU, ON)
    intent = next(s for s in f.stages if s.stage == "intent")
    assert (intent.learnt, intent.basis, intent.probability, intent.closed) == (
        False,
        "默认",
        Decimal(40),
        19,
    )
    assert intent.open_count == 2 and intent.expected_count == Decimal("0.8")
    assert intent.expected_amount == Decimal(800)
    closed_intent_projects(1, 0)  # the 20th
    f = forecast(WANZHOU, ON)
    intent = next(s for s in f.stages if s.stage == "intent")
    assert (intent.learnt, intent.basis, intent.probability) == (True, "5/20", Decimal(25))
    assert intent.expected_count == Decimal("0.5")
    lead = next(s for s in f.stages if s.stage == "lead")
    assert (lead.learnt, lead.probability) == (False, Decimal(5))
    assert (f.year, f.quarter) == (2023, 3)


def test_signing_later_than_a_quarter_is_not_a_hit_and_settings_override_defaults() -> None:
    for _ in range(20):
        moved(project(WANZHOU, "negotiating", date(2022, 1, 1)), ("signed", date(2022, 6, 1)))
    f = forecast(WANZHOU, ON)
    talks = next(s for s in f.stages if s.stage == "negotiating")
    assert (talks.learnt, talks.probability, talks.basis) == (True, Decimal(0), "0/20")
    PipelineSettings.objects.filter(region=district(WANZHOU)).update(
        default_probabilities={"to_sign": 0.5, "contact": 15}
    )
    f = forecast(WANZHOU, ON)
    assert {s.stage: s.probability for s in f.stages if not s.learnt} == {
        "lead": Decimal(5),
        "contact": Decimal(15),
        "intent": Decimal(40),
        "to_sign": Decimal("50.0"),
    }


def test_slipped_bucket_and_history_as_of_the_date(users: Any) -> None:
    late = project(WANZHOU, "to_sign", date(2023, 1, 5), planned_signing_on=date(2023, 5, 1))
    project(WANZHOU, "to_sign", date(2023, 1, 5), planned_signing_on=date(2023, 8, 1))
    signed_late = project(WANZHOU, "to_sign", date(2023, 1, 5), planned_signing_on=date(2023, 5, 1))
    moved(signed_late, ("signed", date(2023, 6, 1)))
    dropped = project(WANZHOU, "to_sign", date(2023, 1, 5), planned_signing_on=date(2023, 5, 1))
    moved(dropped, ("terminated", date(2023, 6, 1)))
    moved_on_after = project(WANZHOU, "to_sign", date(2023, 1, 5), planned_signing_on=date(2023, 5, 1))
    moved(moved_on_after, ("signed", date(2023, 7, 2)))  # still open on ON
    f = forecast(WANZHOU, ON)
    assert [p.pk for p in f.slipped] == sorted([late.pk, moved_on_after.pk])
    assert f.slipped_amount == Decimal(20000)
    assert next(s for s in f.stages if s.stage == "to_sign").open_count == 3


def test_town_user_counts_only(users: Any) -> None:
    guxi = users["guxi"]
    project(TONGNAN, "intent", date(2023, 1, 5), first_township=guxi.organization.region)
    f = forecast(TONGNAN, ON, user=guxi)
    assert f.expected_amount is None and all(s.open_amount is None for s in f.stages)
    assert next(s for s in f.stages if s.stage == "intent").open_count >= 1


def test_next_quarter() -> None:
    assert next_quarter(date(2023, 12, 31)) == (2024, 1)
    assert next_quarter(date(2023, 4, 1)) == (2023, 3)
