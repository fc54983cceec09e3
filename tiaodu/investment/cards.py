"""红黄牌 on investment projects, issued and lifted by the daily sweep (``tiaodu sweep``).

Rules (N = the district's ``PipelineSettings.follow_up_days``, or its ``follow_up_days_by_stage``
entry for the project's stage; M = ``not_started_months``; defaults 30 days and 6 months):

- **长期未跟进** (open stages, 线索 … 拟签约): no follow-up for N days → yellow, 2N days → red. The
  days count from the later of the last follow-up and entering the current stage (a stage
  change is itself contact with the investor; with no follow-up it is the stage date).
- **错过计划跟进日期** (open stages): the next follow-up date of the latest follow-up has passed →
  yellow; N days after it → red.
- **签约后未开工** (签约 or 注册落地): M months after signing (the first signed-or-later row of the
  stage history) → yellow; M + 3 months → red.

A card is lifted (摘牌) when its cause goes: a follow-up recorded, the project signed (no longer
open), started or terminated. Escalation adds a red row; the yellow row stays until the cause goes,
so the history shows both; ``InvestmentProject.card`` is the worst card still hung. Rows are never
deleted. A project hit straight at the red threshold gets a red card at once.

:func:`sweep_investment` is set-based: per rule one query finds the projects whose card must
change (Python touches only those rows) and one update lifts the cards whose cause went; three
updates set ``InvestmentProject.card``. Running it twice on the same day
changes nothing the second time.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import (
    Case,
    DateField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from tiaodu.cases.choices import Card
from tiaodu.investment.choices import (
    DEFAULT_FOLLOW_UP_DAYS,
    DEFAULT_NOT_STARTED_MONTHS,
    OPEN_STAGES,
    SIGNED_STAGES,
    InvestmentCardReason,
    Stage,
)
from tiaodu.investment.models import (
    InvestmentCard,
    InvestmentProject,
    InvestmentStageChange,
    PipelineSettings,
)

NONE, YELLOW, RED = Card.NONE.value, Card.YELLOW.value, Card.RED.value
NO_FOLLOW_UP = InvestmentCardReason.NO_FOLLOW_UP.value
MISSED_NEXT = InvestmentCardReason.MISSED_NEXT.value
NOT_STARTED = InvestmentCardReason.NOT_STARTED.value
# Signed and not started: the stages in which the 履约 clock runs.
NOT_STARTED_STAGES = [Stage.SIGNED, Stage.REGISTERED]
RED_EXTRA_MONTHS = 3


@dataclass
class InvestmentSweepResult:
    yellow: int = 0
    red: int = 0
    lifted: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"招商项目新挂黄牌{self.yellow}个、红牌{self.red}个,摘牌{self.lifted}个"

    def as_dict(self) -> dict[str, Any]:
        return {
            "yellow": self.yellow,
            "red": self.red,
            "lifted": self.lifted,
            "by_reason": dict(self.by_reason),
        }


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class _Rules:
    """The districts' settings as cut-off dates for ``today``."""

    days: dict[tuple[int, str], int]  # (region id, stage) → N, where it is not the default
    months: dict[int, int]  # region id → M, where it is not the default

    @classmethod
    def load(cls) -> _Rules:
        days: dict[tuple[int, str], int] = {}
        months: dict[int, int] = {}
        for region_id, n, by_stage, m in PipelineSettings.objects.values_list(
            "region_id", "follow_up_days", "follow_up_days_by_stage", "not_started_months"
        ):
            for stage in OPEN_STAGES:
                value = _days((by_stage or {}).get(stage), n)
                if value != DEFAULT_FOLLOW_UP_DAYS:
                    days[(region_id, stage)] = value
            if m != DEFAULT_NOT_STARTED_MONTHS:
                months[region_id] = m
        return cls(days, months)

    def n(self, region_id: int, stage: str) -> int:
        return self.days.get((region_id, stage), DEFAULT_FOLLOW_UP_DAYS)

    def m(self, region_id: int) -> int:
        return self.months.get(region_id, DEFAULT_NOT_STARTED_MONTHS)

    def days_cut(self, today: date, factor: int) -> Case:
        """today − factor × N, per project (region and stage)."""
        whens = [
            When(region_id=region_id, stage=stage, then=Value(today - timedelta(days=factor * n)))
            for (region_id, stage), n in self.days.items()
        ]
        default = Value(today - timedelta(days=factor * DEFAULT_FOLLOW_UP_DAYS))
        return Case(*whens, default=default, output_field=DateField())

    def months_cut(self, today: date, extra: int) -> Case:
        """today − (M + extra) months, per project (region)."""
        whens = [
            When(region_id=region_id, then=Value(months_before(today, m + extra)))
            for region_id, m in self.months.items()
        ]
        default = Value(months_before(today, DEFAULT_NOT_STARTED_MONTHS + extra))
        return Case(*whens, default=default, output_field=DateField())


def _days(raw: Any, fallback: int) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return fallback
    return value if value > 0 else fallback


def _open(reason: str, card: str | None = None) -> Exists:
    rows = InvestmentCard.objects.filter(project=OuterRef("pk"), reason_kind=reason, lifted_on__isnull=True)
    return Exists(rows.filter(card=card) if card else rows)


def _level(red: Q, yellow: Q) -> Case:
    return Case(
        When(red, then=Value(2)), When(yellow, then=Value(1)), default=Value(0), output_field=IntegerField()
    )


def _due(today: date, rules: _Rules) -> dict[str, QuerySet[InvestmentProject]]:
    """Per rule, the projects it applies to today, annotated with ``level`` (1 yellow, 2 red)."""
    yellow_cut, red_cut = rules.days_cut(today, 1), rules.days_cut(today, 2)
    pipeline = InvestmentProject.objects.filter(stage__in=OPEN_STAGES).order_by()
    quiet = pipeline.annotate(
        since=Greatest(Coalesce("last_follow_up_on", "stage_on"), Coalesce("stage_on", "last_follow_up_on")),
        yellow_cut=yellow_cut,
        red_cut=red_cut,
    ).annotate(level=_level(Q(since__lte=red_cut), Q(since__lte=yellow_cut)))
    missed = pipeline.filter(next_follow_up_on__lt=today).annotate(
        level=_level(Q(next_follow_up_on__lte=yellow_cut), Q(next_follow_up_on__lt=today))
    )
    # the first signed-or-later row of the history: one probe of the (project, on) index
    signed_on = (
        InvestmentStageChange.objects.filter(project=OuterRef("pk"), to_stage__in=SIGNED_STAGES)
        .order_by("on")
        .values("on")[:1]
    )
    idle = (
        InvestmentProject.objects.filter(stage__in=NOT_STARTED_STAGES)
        .order_by()
        .annotate(
            signed_at=Subquery(signed_on, output_field=DateField()),
            level=_level(
                Q(signed_at__lte=rules.months_cut(today, RED_EXTRA_MONTHS)),
                Q(signed_at__lte=rules.months_cut(today, 0)),
            ),
        )
    )
    return {
        NO_FOLLOW_UP: quiet.filter(level__gt=0),
        MISSED_NEXT: missed.filter(level__gt=0),
        NOT_STARTED: idle.filter(level__gt=0),
    }


def _reason(kind: str, card: str, today: date, row: dict[str, Any], rules: _Rules) -> str:
    if kind == NO_FOLLOW_UP:
        n = rules.n(row["region_id"], row["stage"])
        days = (today - row["since"]).days
        text = f"已{days}天未跟进(规定{n}天内跟进)"
        return text + (",升级红牌" if card == RED else "")
    if kind == MISSED_NEXT:
        late = (today - row["next_follow_up_on"]).days
        text = f"计划跟进日期{row['next_follow_up_on']:%Y-%m-%d}已过{late}天仍未跟进"
        return text + (",升级红牌" if card == RED else "")
    m = rules.m(row["region_id"]) + (RED_EXTRA_MONTHS if card == RED else 0)
    text = f"{row['signed_at']:%Y-%m-%d}签约,已满{m}个月仍未开工"
    return text + (",升级红牌" if card == RED else "")


def _issue(
    today: date, rules: _Rules, result: InvestmentSweepResult
) -> dict[str, QuerySet[InvestmentProject]]:
    due = _due(today, rules)
    extra = {NO_FOLLOW_UP: ("since",), MISSED_NEXT: ("next_follow_up_on",), NOT_STARTED: ("signed_at",)}
    cards: list[InvestmentCard] = []
    for kind, qs in due.items():
        changing = qs.annotate(has_red=_open(kind, RED), has_yellow=_open(kind, YELLOW)).filter(
            Q(level=2, has_red=False) | Q(level=1, has_red=False, has_yellow=False)
        )
        for row in changing.values("pk", "region_id", "stage", "level", *extra[kind]):
            card = RED if row["level"] == 2 else YELLOW
            cards.append(
                InvestmentCard(
                    project_id=row["pk"],
                    reason_kind=kind,
                    card=card,
                    reason=_reason(kind, card, today, row, rules)[:255],
                    issued_on=today,
                )
            )
            if card == RED:
                result.red += 1
            else:
                result.yellow += 1
            result.by_reason[kind] = result.by_reason.get(kind, 0) + 1
    InvestmentCard.objects.bulk_create(cards, batch_size=1000)
    return due


def refresh_cards(projects: QuerySet[InvestmentProject] | None = None) -> None:
    """Set ``InvestmentProject.card`` to the worst card still hung (for ``projects``, or all).

    Uncorrelated ``IN (open cards)`` conditions: one pass over the open cards per statement,
    whatever the number of projects."""
    qs = projects if projects is not None else InvestmentProject.objects.all()
    hung = InvestmentCard.objects.filter(lifted_on__isnull=True)
    red = hung.filter(card=RED).values("project_id")
    yellow = hung.filter(card=YELLOW).values("project_id")
    qs.filter(pk__in=red).exclude(card=RED).update(card=RED)
    qs.filter(pk__in=yellow).exclude(pk__in=red).exclude(card=YELLOW).update(card=YELLOW)
    qs.exclude(card=NONE).exclude(pk__in=hung.values("project_id")).update(card=NONE)


@transaction.atomic
def sweep_investment(today: date | None = None) -> InvestmentSweepResult:
    """Issue, escalate and lift the cards of every district's pipeline for ``today``."""
    today = today or timezone.localdate()
    result = InvestmentSweepResult()
    rules = _Rules.load()
    due = _issue(today, rules, result)
    for kind, qs in due.items():
        result.lifted += (
            InvestmentCard.objects.filter(reason_kind=kind, lifted_on__isnull=True, issued_on__lte=today)
            .exclude(Exists(qs.filter(pk=OuterRef("project_id"))))
            .update(lifted_on=today)
        )
    refresh_cards()
    return result


# --- lifting at once, when the cause goes ------------------------------------------------------


def _lift(project: InvestmentProject, kinds: list[str], on: date) -> int:
    """Lift the project's open cards of ``kinds`` issued on or before ``on`` (a cause that went
    on ``on`` does not answer a card hung later; the sweep judges those)."""
    lifted = InvestmentCard.objects.filter(
        project=project, reason_kind__in=kinds, lifted_on__isnull=True, issued_on__lte=on
    ).update(lifted_on=on)
    if lifted:
        refresh_cards(InvestmentProject.objects.filter(pk=project.pk))
        project.card = InvestmentProject.objects.filter(pk=project.pk).values_list("card", flat=True).get()
    return lifted


def lift_follow_up_cards(project: InvestmentProject, on: date) -> int:
    """A follow-up on ``on`` answers the 未跟进 and 错过计划跟进日期 cards hung by then."""
    return _lift(project, [NO_FOLLOW_UP, MISSED_NEXT], on)


def lift_on_stage(project: InvestmentProject, to: str, on: date) -> int:
    """A stage change answers the 未跟进 card (the move restarts its clock), the 错过计划跟进日期
    card once the project leaves the open stages, and the 未开工 card once it starts or ends."""
    kinds = [NO_FOLLOW_UP]
    if to not in OPEN_STAGES:
        kinds.append(MISSED_NEXT)
    if to not in NOT_STARTED_STAGES:
        kinds.append(NOT_STARTED)
    return _lift(project, kinds, on)
