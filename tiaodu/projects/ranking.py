"""竞赛拉练: responsible units (责任单位) and service squads (专班) ranked on their key projects.

For the key projects (市级/区级重点, not cancelled) of a region and a date range, per unit:

- 节点按期率: of the milestones planned within the range, the share reached on or before their
  planned date (a unit with no milestone due counts 100%);
- 投资完成率: investment reported in the dispatch rounds closed within the range, against the
  annual plan of the unit's projects (capped at 100% for the score);
- 红牌 / 黄牌: cards hung on the unit's projects within the range (a card names the unit that was
  responsible when it was hung; squads are counted by the project's squad);
- 得分 = 节点按期率 × 0.4 + min(投资完成率, 100) × 0.6 − 5 × 红牌 − 2 × 黄牌 (percentages as numbers,
  two decimals); ranked by score, ties sharing the better rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Literal

from django.db.models import Count, F, Q, QuerySet, Sum

from tiaodu.cases.choices import Card
from tiaodu.dispatch.choices import RoundState
from tiaodu.dispatch.models import DispatchReport
from tiaodu.orgs.models import Organization
from tiaodu.projects.choices import Stage
from tiaodu.projects.models import Milestone, Project, ProjectCard
from tiaodu.projects.report import KEY_LEVELS
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

By = Literal["unit", "squad"]
HUNDRED = Decimal(100)


@dataclass
class RankRow:
    org_id: int
    name: str
    projects: int = 0
    milestones_due: int = 0
    on_time: int = 0
    annual_plan: Decimal = Decimal(0)
    investment_done: Decimal = Decimal(0)
    red: int = 0
    yellow: int = 0
    score: Decimal = Decimal(0)
    rank: int = 0

    @property
    def on_time_rate(self) -> Decimal:
        if not self.milestones_due:
            return HUNDRED
        return (Decimal(self.on_time) * HUNDRED / self.milestones_due).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def completion_rate(self) -> Decimal | None:
        if not self.annual_plan:
            return None
        return (self.investment_done * HUNDRED / self.annual_plan).quantize(Decimal("0.1"), ROUND_HALF_UP)

    def compute_score(self) -> Decimal:
        completion = min(self.completion_rate or Decimal(0), HUNDRED)
        raw = (
            self.on_time_rate * Decimal("0.4") + completion * Decimal("0.6") - 5 * self.red - 2 * self.yellow
        )
        return raw.quantize(Decimal("0.01"), ROUND_HALF_UP)


def _key_projects(user: User | None, region: Region) -> QuerySet[Project]:
    base = Project.objects.restrict(user) if user is not None else Project.objects.all()
    return base.filter(township__path__startswith=region.path, level__in=KEY_LEVELS).exclude(
        stage=Stage.CANCELLED
    )


def ranking(
    region: Region, date_from: date, date_to: date, *, by: By = "unit", user: User | None = None
) -> list[RankRow]:
    projects = _key_projects(user, region)
    key = "responsible_unit" if by == "unit" else "squad"
    rows: dict[int, RankRow] = {}

    def row(org_id: int | None) -> RankRow | None:
        if org_id is None:
            return None
        if org_id not in rows:
            rows[org_id] = RankRow(org_id, "")
        return rows[org_id]

    for org_id, n, plan in (
        projects.exclude(**{key: None}).values_list(key).annotate(n=Count("pk"), plan=Sum("annual_plan"))
    ):
        r = row(org_id)
        assert r is not None
        r.projects, r.annual_plan = n, plan or Decimal(0)

    due = Milestone.objects.filter(project__in=projects, planned_on__range=(date_from, date_to))
    for org_id, n, ok in due.values_list(f"project__{key}").annotate(
        n=Count("pk"), ok=Count("pk", filter=Q(actual_on__isnull=False, actual_on__lte=F("planned_on")))
    ):
        if (r := row(org_id)) is not None:
            r.milestones_due, r.on_time = n, ok

    done = DispatchReport.objects.filter(
        project__in=projects,
        submitted_at__isnull=False,
        round__state=RoundState.CLOSED,
        round__period_start__gte=date_from,
        round__period_end__lte=date_to,
    )
    for org_id, money in done.values_list(f"project__{key}").annotate(money=Sum("investment")):
        if (r := row(org_id)) is not None:
            r.investment_done = money or Decimal(0)

    card_key = "responsible_unit" if by == "unit" else "project__squad"
    cards = ProjectCard.objects.filter(project__in=projects, issued_on__range=(date_from, date_to))
    for org_id, card, n in cards.values_list(card_key, "card").annotate(n=Count("pk")):
        if (r := row(org_id)) is not None:
            if card == Card.RED:
                r.red += n
            else:
                r.yellow += n

    names = dict(Organization.objects.filter(pk__in=rows).values_list("pk", "name"))
    result = list(rows.values())
    for r in result:
        r.name = names.get(r.org_id, "")
        r.score = r.compute_score()
    result.sort(key=lambda r: (-r.score, r.name))
    for i, r in enumerate(result):
        r.rank = result[i - 1].rank if i and r.score == result[i - 1].score else i + 1
    return result
