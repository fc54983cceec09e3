"""The 红黄牌 sweep: issue and lift cards for every workflow in a fixed number of SQL statements.

Run daily by ``tiaodu sweep`` (also enqueued as a background task). Python does constant work per
run; the database does the per-case work.
"""

# ruff: noqa: S608  (the interpolated names are Django table names from model metadata; every
# value is passed as a query parameter)

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from tiaodu.cases.choices import Card, EventKind
from tiaodu.cases.models import CardRecord, Case, CaseCategory, CaseEvent, WorkDay


@dataclass
class SweepResult:
    yellow: int = 0
    red: int = 0
    lifted: int = 0

    def __str__(self) -> str:
        return f"新挂黄牌{self.yellow}件,新挂红牌{self.red}件,摘牌{self.lifted}件"


# Reasons recorded on CardRecord, and the timeline notes.
OVERDUE, LATE, SECOND_YELLOW = "overdue", "late", "second_yellow"
NOTES = {
    OVERDUE: "逾期未办结,挂黄牌",
    LATE: "黄牌后仍未办结,升级红牌",
    SECOND_YELLOW: "再次逾期,挂红牌",
    "lift": "已办结,摘牌",
}
CANDIDATES = "tiaodu_sweep_candidates"


def _sql(statement: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.rowcount


def _one(statement: str, params: list[Any] | None = None) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return tuple(cursor.fetchone() or ())


@transaction.atomic
def sweep(today: date | None = None) -> SweepResult:
    """Issue and lift cards for every workflow in a fixed number of set-based statements.

    - overdue (due date passed, and late by the category's ``yellow_after_days`` working days) and
      no card: yellow — red at once when it is a second yellow (the case was carded before and
      reopened) or already late by the category's ``red_after_days``;
    - yellow and late by the category's ``red_after_days`` working days: red;
    - closed but still carded: lifted (摘牌; the CardRecord history stays).

    One scan of the case table picks the cases that change into a temporary table; the cards, the
    timeline events and the one update per case are then written from it. "Late by N working
    days" is ``due_on <= late_on``, the last date whose working-day index is today's minus N
    (per category, from the calendar), so the per-case work is a join with a handful of rows.
    The sweep changes no indexed column of the case table, so PostgreSQL can update in place (HOT).
    """
    today = today or timezone.localdate()
    case, record, event = Case._meta.db_table, CardRecord._meta.db_table, CaseEvent._meta.db_table
    cat, cal = CaseCategory._meta.db_table, WorkDay._meta.db_table
    now = timezone.now()
    cand = CANDIDATES
    none, yellow, red = Card.NONE.value, Card.YELLOW.value, Card.RED.value

    def last_date(days: str) -> str:  # the last date at least ``days`` working days before today
        return (
            f"(SELECT MAX(w.date) FROM {cal} w WHERE w.workday_index <= "
            f"(SELECT d.workday_index FROM {cal} d WHERE d.date = %s) - {days})"
        )

    late_on = (
        f"SELECT k.id AS category_id, {last_date('k.yellow_after_days')} AS yellow_on, "
        f"{last_date('k.red_after_days')} AS late_on FROM {cat} k"
    )
    _sql(f"DROP TABLE IF EXISTS {cand}")
    _sql(
        f"CREATE TEMPORARY TABLE {cand} AS "
        f"SELECT c.id AS case_id, c.card AS old_card, "
        f"CASE WHEN c.is_open = %s THEN 0 ELSE 1 END AS closed, "
        f"CASE WHEN c.yellow_count >= 1 THEN 1 ELSE 0 END AS had_yellow, "
        f"CASE WHEN c.due_on <= t.late_on THEN 1 ELSE 0 END AS late "
        f"FROM {case} c LEFT JOIN ({late_on}) t ON t.category_id = c.category_id "
        f"WHERE (c.is_open = %s AND c.due_on < %s AND ((c.card = %s AND c.due_on <= t.yellow_on) "
        f"OR (c.card = %s AND c.due_on <= t.late_on))) "
        f"OR (c.is_open = %s AND c.card <> %s)",
        [True, today, today, True, today, none, yellow, False, none],
    )
    if connection.vendor == "postgresql":
        _sql(f"ANALYZE {cand}")  # temporary tables get no statistics otherwise

    # Which cards: a new yellow, a red (from yellow, at once when late, or on a second yellow), a lift.
    new_yellow = f"closed = 0 AND old_card = '{none}' AND had_yellow = 0"
    new_red = f"closed = 0 AND (old_card = '{yellow}' OR had_yellow = 1 OR late = 1)"
    red_reason = f"CASE WHEN old_card = '{none}' AND had_yellow = 1 THEN %s ELSE %s END"
    counts = _one(
        f"SELECT COALESCE(SUM(CASE WHEN {new_yellow} THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN {new_red} THEN 1 ELSE 0 END), 0), COALESCE(SUM(closed), 0) FROM {cand}"
    )
    result = SweepResult(*(int(n) for n in counts))

    _sql(
        f"INSERT INTO {record} (case_id, card, issued_on, reason) "
        f"SELECT case_id, %s, %s, %s FROM {cand} WHERE {new_yellow} "
        f"UNION ALL SELECT case_id, %s, %s, {red_reason} FROM {cand} WHERE {new_red}",
        [yellow, today, OVERDUE, red, today, SECOND_YELLOW, LATE],
    )
    columns = "case_id, kind, action, from_state, to_state, note, created_at"
    red_note = f"CASE WHEN old_card = '{none}' AND had_yellow = 1 THEN %s ELSE %s END"
    _sql(
        f"INSERT INTO {event} ({columns}) "
        f"SELECT case_id, %s, %s, '', '', %s, %s FROM {cand} WHERE {new_yellow} "
        f"UNION ALL SELECT case_id, %s, %s, '', '', {red_note}, %s FROM {cand} WHERE {new_red} "
        f"UNION ALL SELECT case_id, %s, '', '', '', %s, %s FROM {cand} WHERE closed = 1",
        [
            *(EventKind.CARD.value, yellow, NOTES[OVERDUE], now),
            *(EventKind.CARD.value, red, NOTES[SECOND_YELLOW], NOTES[LATE], now),
            *(EventKind.LIFT.value, NOTES["lift"], now),
        ],
    )
    _sql(
        f"UPDATE {record} SET lifted_on = %s WHERE lifted_on IS NULL "
        f"AND case_id IN (SELECT case_id FROM {cand} WHERE closed = 1)",
        [today],
    )
    # One update per changed case (card, yellow_count, yellow_at, red_at: none of them indexed). The
    # candidate columns' names are not the case table's, so they need no qualification.
    first = f"closed = 0 AND old_card = '{none}'"
    _sql(
        f"UPDATE {case} SET card = CASE WHEN closed = 1 THEN %s WHEN {new_red} THEN %s ELSE %s END, "
        f"yellow_count = yellow_count + CASE WHEN {first} THEN 1 ELSE 0 END, "
        f"yellow_at = CASE WHEN {first} THEN %s ELSE yellow_at END, "
        f"red_at = CASE WHEN {new_red} THEN %s ELSE red_at END "
        f"FROM {cand} WHERE {case}.id = {cand}.case_id",
        [none, red, yellow, today, today],
    )
    _sql(f"DROP TABLE {cand}")
    return result


# Modules whose cards follow from cases or from their own late items (key projects: milestones and
# problems) register here; ``tiaodu sweep`` and the scheduled task run them after the cases.
HOOKS: list[Callable[[date], object]] = []


def register_hook(hook: Callable[[date], object]) -> Callable[[date], object]:
    if hook not in HOOKS:
        HOOKS.append(hook)
    return hook


def sweep_all(today: date | None = None) -> list[object]:
    """The case sweep, then every registered hook, for the same day; their results in order."""
    today = today or timezone.localdate()
    return [sweep(today), *(hook(today) for hook in HOOKS)]
