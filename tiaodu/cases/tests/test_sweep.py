"""The 红黄牌 sweep: yellow when overdue, red after the category's working days or on a second
yellow, lifted on resolution with the history kept; idempotent; set-based (constant queries)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tiaodu.accounts.models import User
from tiaodu.cases import services
from tiaodu.cases.choices import Card, EventKind
from tiaodu.cases.models import CardRecord, Case, CaseCategory, CaseEvent
from tiaodu.cases.services import Step
from tiaodu.cases.sweep import SweepResult, sweep
from tiaodu.cases.tasks import sweep_cards
from tiaodu.cases.tests.factories import appeal, qiye_enterprise
from tiaodu.enterprises.choices import AppealState as S

pytestmark = pytest.mark.django_db


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def records(case: Case) -> list[tuple[str, date, date | None, str]]:
    return [(r.card, r.issued_on, r.lifted_on, r.reason) for r in CardRecord.objects.filter(case=case)]


def card_events(case: Case) -> list[tuple[str, str]]:
    kinds = (EventKind.CARD, EventKind.LIFT)
    return [(e.kind, e.action) for e in CaseEvent.objects.filter(case=case, kind__in=kinds)]


@pytest.fixture
def national_day() -> Case:
    """A 物流运输 appeal (5 working days) raised on 2024-09-24: due Monday 2024-09-30, the day
    before the National Day holiday (10-01 … 10-07; Sunday 09-29 and Saturday 10-12 are worked)."""
    return appeal(qiye_enterprise(), "logistics", raised_on=date(2024, 9, 24))


def test_due_date_counts_working_days(national_day: Case) -> None:
    assert national_day.category.time_limit_days == 5
    # 09-25, 09-26, 09-27, 09-29 (adjusted Sunday), 09-30
    assert national_day.due_on == date(2024, 9, 30)


def test_yellow_when_overdue_and_red_after_five_working_days(national_day: Case) -> None:
    case = national_day
    sweep(date(2024, 9, 30))  # due today: not late yet
    assert fresh(case).card == Card.NONE
    sweep(date(2024, 10, 1))
    late = fresh(case)
    assert (late.card, late.yellow_at, late.yellow_count, late.red_at) == (
        Card.YELLOW,
        date(2024, 10, 1),
        1,
        None,
    )
    assert records(case) == [(Card.YELLOW, date(2024, 10, 1), None, "overdue")]
    # The holiday does not count: 10-08 … 10-11 are 1 … 4 working days late.
    for day in (date(2024, 10, 7), date(2024, 10, 8), date(2024, 10, 11)):
        sweep(day)
        assert fresh(case).card == Card.YELLOW, day
    sweep(date(2024, 10, 12))  # the adjusted working Saturday is the 5th working day
    red = fresh(case)
    assert (red.card, red.red_at, red.yellow_count) == (Card.RED, date(2024, 10, 12), 1)
    assert records(case) == [
        (Card.YELLOW, date(2024, 10, 1), None, "overdue"),
        (Card.RED, date(2024, 10, 12), None, "late"),
    ]
    assert card_events(case) == [(EventKind.CARD, "yellow"), (EventKind.CARD, "red")]


def test_weekends_do_not_count(users: dict[str, User]) -> None:
    case = appeal(qiye_enterprise(), "logistics", raised_on=date(2024, 11, 1))
    assert case.due_on == date(2024, 11, 8)  # a Friday
    sweep(date(2024, 11, 9))  # Saturday: late (calendar), yellow
    assert fresh(case).card == Card.YELLOW
    sweep(date(2024, 11, 14))  # Mon 11 … Thu 14: 4 working days
    assert fresh(case).card == Card.YELLOW
    sweep(date(2024, 11, 15))
    assert fresh(case).card == Card.RED


def test_red_after_the_categorys_working_days() -> None:
    CaseCategory.objects.filter(workflow="appeal", code="logistics").update(red_after_days=2)
    case = appeal(qiye_enterprise(), "logistics", raised_on=date(2024, 11, 1))
    sweep(date(2024, 11, 11))  # 1 working day late
    assert fresh(case).card == Card.YELLOW
    sweep(date(2024, 11, 12))
    assert fresh(case).card == Card.RED


def test_a_long_overdue_case_gets_both_cards_at_once(national_day: Case) -> None:
    sweep(date(2024, 11, 1))
    assert fresh(national_day).card == Card.RED
    assert [r[0] for r in records(national_day)] == [Card.YELLOW, Card.RED]


def test_idempotent_the_same_day(national_day: Case) -> None:
    first = sweep(date(2024, 10, 1))
    assert first.yellow >= 1
    counts = (CardRecord.objects.count(), CaseEvent.objects.count())
    assert sweep(date(2024, 10, 1)) == SweepResult(0, 0, 0)
    assert (CardRecord.objects.count(), CaseEvent.objects.count()) == counts
    sweep(date(2024, 10, 12))
    counts = (CardRecord.objects.count(), CaseEvent.objects.count())
    assert sweep(date(2024, 10, 12)) == SweepResult(0, 0, 0)
    assert (CardRecord.objects.count(), CaseEvent.objects.count()) == counts
    assert len(records(national_day)) == 2


def test_closed_cases_get_no_cards(national_day: Case) -> None:
    Case.objects.filter(pk=national_day.pk).update(state=S.RESOLVED, is_open=False)
    sweep(date(2024, 11, 1))
    assert fresh(national_day).card == Card.NONE
    assert records(national_day) == []


def test_lifted_on_resolution_history_kept(national_day: Case) -> None:
    sweep(date(2024, 10, 1))
    sweep(date(2024, 10, 12))
    assert fresh(national_day).card == Card.RED
    # Closed outside the workflow (e.g. an import of history): the sweep lifts the cards.
    Case.objects.filter(pk=national_day.pk).update(state=S.RESOLVED, is_open=False)
    result = sweep(date(2024, 10, 14))
    assert result.lifted >= 1
    assert fresh(national_day).card == Card.NONE
    assert records(national_day) == [
        (Card.YELLOW, date(2024, 10, 1), date(2024, 10, 14), "overdue"),
        (Card.RED, date(2024, 10, 12), date(2024, 10, 14), "late"),
    ]
    assert card_events(national_day)[-1] == (EventKind.LIFT, "")
    assert sweep(date(2024, 10, 14)).lifted == 0


def test_red_on_a_second_yellow_after_reopening(users: dict[str, User]) -> None:
    today = timezone.localdate()
    case = appeal(qiye_enterprise(), "other", raised_on=today - timedelta(days=20))
    Case.objects.filter(pk=case.pk).update(due_on=today - timedelta(days=1))
    sweep(today)
    assert fresh(case).card == Card.YELLOW

    def act(user: str, action: str, **kw: Any) -> Case:
        return services.transition(users[user], case.pk, Step(action, note="说明", **kw))

    act("leader", "assign")
    act("jxw", "start")
    done = act("jxw", "resolve")
    assert done.card == Card.NONE  # lifted on resolution
    act("qiye", "rate", rating=1)
    reopened = act("leader", "reopen")
    assert reopened.due_on is not None and reopened.due_on > today
    assert sweep(today) == SweepResult(0, 0, 0)  # the new time limit runs
    Case.objects.filter(pk=case.pk).update(due_on=today - timedelta(days=1))
    result = sweep(today)
    assert result.red >= 1
    again = fresh(case)
    assert (again.card, again.yellow_count, again.red_at) == (Card.RED, 2, today)
    assert [(r[0], r[3], r[2] is None) for r in records(case)] == [
        (Card.YELLOW, "overdue", False),
        (Card.RED, "second_yellow", True),
    ]


def test_constant_number_of_statements(national_day: Case) -> None:
    def statements(day: date) -> int:
        with CaptureQueriesContext(connection) as ctx:
            sweep(day)
        return len(ctx.captured_queries)

    few = statements(date(2024, 10, 1))
    for i in range(30):
        appeal(qiye_enterprise(), "logistics", raised_on=date(2024, 9, 1) + timedelta(days=i % 20))
    many = statements(date(2024, 10, 20))
    assert few == many
    assert statements(date(2024, 10, 20)) == many  # nothing to do: the same statements


def test_sweep_command_and_task(national_day: Case, capsys: Any) -> None:
    call_command("sweep", "--date", "2024-10-01")
    assert "督办扫描完成" in capsys.readouterr().out
    assert fresh(national_day).card == Card.YELLOW
    with pytest.raises(CommandError, match="date_invalid"):
        call_command("sweep", "--date", "2024-13-01")
    result = sweep_cards.call()
    assert set(result) == {"yellow", "red", "lifted"}
