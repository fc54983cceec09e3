"""红黄牌 on investment projects: issued, escalated and lifted across days by the sweep."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from tiaodu.cases.sweep import HOOKS
from tiaodu.investment import services, tracking
from tiaodu.investment.cards import months_before, sweep_investment
from tiaodu.investment.models import InvestmentCard, InvestmentProject, PipelineSettings
from tiaodu.investment.tests.factories import WANZHOU, district, project

pytestmark = pytest.mark.django_db


@pytest.fixture
def wanzhou() -> Any:
    """万州区 with its own rules: 10 days without follow-up (5 at 拟签约), 2 months to start."""
    region = district(WANZHOU)
    PipelineSettings.objects.filter(region=region).update(
        follow_up_days=10, follow_up_days_by_stage={"to_sign": 5}, not_started_months=2
    )
    return region


def cards(p: InvestmentProject) -> list[tuple[str, str, date, date | None]]:
    rows = InvestmentCard.objects.filter(project=p).order_by("issued_on", "pk")
    return [(c.reason_kind, c.card, c.issued_on, c.lifted_on) for c in rows]


def card(p: InvestmentProject) -> str:
    return InvestmentProject.objects.values_list("card", flat=True).get(pk=p.pk)


def follow(p: InvestmentProject, on: date, next_on: date | None = None) -> None:
    tracking.record_follow_up(None, p, kind="call", on=on, people="李四", outcome="电话沟通", next_on=next_on)


def test_the_sweep_is_registered() -> None:
    assert sweep_investment in HOOKS


def test_no_follow_up_yellow_then_red_then_lifted_by_a_follow_up(wanzhou: Any) -> None:
    p = project(WANZHOU, "negotiating", date(2025, 1, 1))
    sweep_investment(date(2025, 1, 10))  # 9 days
    assert cards(p) == [] and card(p) == "none"
    first = sweep_investment(date(2025, 1, 11))  # 10 days
    assert cards(p) == [("no_follow_up", "yellow", date(2025, 1, 11), None)] and card(p) == "yellow"
    assert first.yellow >= 1
    reason = InvestmentCard.objects.get(project=p).reason
    assert reason == "已10天未跟进(规定10天内跟进)"
    sweep_investment(date(2025, 1, 11))  # the same day again: nothing new
    sweep_investment(date(2025, 1, 15))
    assert len(cards(p)) == 1
    sweep_investment(date(2025, 1, 21))  # 20 days: red, the yellow stays in the history
    assert cards(p) == [
        ("no_follow_up", "yellow", date(2025, 1, 11), None),
        ("no_follow_up", "red", date(2025, 1, 21), None),
    ]
    assert card(p) == "red"
    follow(p, date(2025, 1, 22))  # lifted at once, on the follow-up's date
    assert [c[3] for c in cards(p)] == [date(2025, 1, 22)] * 2 and card(p) == "none"
    sweep_investment(date(2025, 1, 23))
    assert len(cards(p)) == 2 and card(p) == "none"


def test_missed_next_date_and_the_stage_days(wanzhou: Any) -> None:
    p = project(WANZHOU, "intent", date(2025, 1, 1))
    follow(p, date(2025, 1, 2), next_on=date(2025, 1, 6))
    sweep_investment(date(2025, 1, 6))
    assert cards(p) == []
    sweep_investment(date(2025, 1, 7))
    assert cards(p) == [("missed_next", "yellow", date(2025, 1, 7), None)]
    assert InvestmentCard.objects.get(project=p).reason == "计划跟进日期2025-01-06已过1天仍未跟进"
    sweep_investment(date(2025, 1, 16))  # next date + 10 days: red; and 14 days quiet: yellow
    assert sorted((k, c) for k, c, _i, lifted in cards(p) if lifted is None) == [
        ("missed_next", "red"),
        ("missed_next", "yellow"),
        ("no_follow_up", "yellow"),
    ]
    follow(p, date(2025, 1, 17))
    assert card(p) == "none" and all(c[3] == date(2025, 1, 17) for c in cards(p))
    # at 拟签约 the district allows 5 days; the move itself restarts the clock
    services.change_stage(None, p, "to_sign", date(2025, 1, 20))
    sweep_investment(date(2025, 1, 24))
    assert card(p) == "none"
    sweep_investment(date(2025, 1, 25))
    assert cards(p)[-1] == ("no_follow_up", "yellow", date(2025, 1, 25), None)


def test_a_long_silence_is_red_at_once(wanzhou: Any) -> None:
    p = project(WANZHOU, "contact", date(2025, 1, 1))
    result = sweep_investment(date(2025, 3, 1))
    assert cards(p) == [("no_follow_up", "red", date(2025, 3, 1), None)]
    assert result.red >= 1 and "摘牌" in str(result) and result.as_dict()["red"] == result.red


def test_signed_and_not_started(wanzhou: Any) -> None:
    p = project(WANZHOU, "to_sign", date(2025, 1, 2))
    services.change_stage(None, p, "signed", date(2025, 1, 10), agreed_investment=D(30000))
    sweep_investment(date(2025, 3, 9))
    assert cards(p) == []  # signed cards no 未跟进: the project left the open stages
    sweep_investment(date(2025, 3, 10))  # two months after signing
    assert cards(p) == [("not_started", "yellow", date(2025, 3, 10), None)]
    assert InvestmentCard.objects.get(project=p).reason == "2025-01-10签约,已满2个月仍未开工"
    services.change_stage(None, p, "registered", date(2025, 4, 1))  # still not started
    sweep_investment(date(2025, 6, 9))
    assert len(cards(p)) == 1
    sweep_investment(date(2025, 6, 10))  # 2 + 3 months
    assert cards(p)[-1] == ("not_started", "red", date(2025, 6, 10), None) and card(p) == "red"
    services.change_stage(None, p, "started", date(2025, 6, 12))
    assert [c[3] for c in cards(p)] == [date(2025, 6, 12)] * 2 and card(p) == "none"
    sweep_investment(date(2025, 6, 13))
    assert len(cards(p)) == 2


def test_termination_lifts_and_the_sweep_lifts_what_the_hooks_did_not(wanzhou: Any) -> None:
    p = project(WANZHOU, "negotiating", date(2025, 1, 1))
    sweep_investment(date(2025, 1, 11))
    services.change_stage(None, p, "terminated", date(2025, 1, 12), reason="lost")
    assert cards(p)[0][3] == date(2025, 1, 12) and card(p) == "none"
    q = project(WANZHOU, "negotiating", date(2025, 1, 1))
    sweep_investment(date(2025, 1, 11))
    # a change made behind the services' back (an import's bulk write) is caught by the sweep
    InvestmentProject.objects.filter(pk=q.pk).update(last_follow_up_on=date(2025, 1, 12))
    result = sweep_investment(date(2025, 1, 13))
    assert cards(q) == [("no_follow_up", "yellow", date(2025, 1, 11), date(2025, 1, 13))]
    assert result.lifted >= 1 and card(q) == "none"


def test_months_before() -> None:
    assert months_before(date(2025, 3, 31), 1) == date(2025, 2, 28)
    assert months_before(date(2025, 1, 10), 2) == date(2024, 11, 10)
    assert months_before(date(2025, 6, 10), 5) == date(2025, 1, 10)
