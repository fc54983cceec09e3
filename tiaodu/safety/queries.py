"""The safety report's figures, counted in SQL from the dated records of a region and a period.

:func:`figures` runs five aggregate queries (conditional ``COUNT`` / ``SUM`` grouped by the facts'
own sector, department and township — the ones they had when recorded), then adds the groups up
in Python into the whole and the three tables. What each figure counts (dates inclusive):

========================== =========================================================================
执法检查N家次              inspections of kind 执法检查 or 联合检查 dated in the range (a unit inspected
                           twice counts twice); 日常巡查 and 企业自查 are counted apart
N个行业                    distinct sectors of those inspections
发现问题隐患N条            hazards found in the range, except those of 企业自查 (counted apart with
                           the self-inspections)
已整改N条、整改率          of those hazards, the ones whose 整改完成日期 is on or before the end date
                           (即查即改: the day found); the rate is rectified ÷ found
已验收销号N条              of those hazards, the ones whose 验收日期 is on or before the end date
重大隐患(截至日)           every 重大隐患 found on or before the end date, whatever the inspection:
                           未销号 = no 验收日期 by the end date, 已销号 = accepted by then
                           (期内销号: accepted within the range)
逾期挂牌(截至日)           hazards with a 红牌 / 黄牌 in force on the end date, from the case's
                           CardRecord history (issued on or before it, not lifted by then); a case
                           with a red card in force counts as red, else yellow
处罚责任单位N家            distinct units with a 行政处罚决定书 dated in the range
发出警告N次                those decisions that include 警告
责令停产停业N家            distinct units of those decisions that include 责令停产停业(整顿)
执行经济处罚X万元          the sum of their 罚款 amounts (没收违法所得 is shown apart)
========================== =========================================================================

Nothing uses a case's current state: "as of" figures come from ``found_on`` / ``rectified_on`` /
``accepted_on`` and the card records, so a report for a past date does not move when hazards are
closed later. With ``user`` every fact comes through ``restrict(user)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Sum

from tiaodu.cases.choices import Card
from tiaodu.cases.models import CardRecord
from tiaodu.core.errors import invalid
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.safety.choices import ENFORCEMENT_KINDS, DocumentKind, HazardGrade, InspectionKind, PenaltyKind
from tiaodu.safety.models import EnforcementDocument, Hazard, Inspection, Sector

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

ZERO = Decimal(0)
DIMENSIONS = ("sector", "department", "township")


@dataclass
class Tally:
    """Figures of the whole or of one group (a sector, a department, a township). Counts add up
    over groups; the unit sets are united (a unit penalised by two departments is one unit)."""

    key: str = ""
    name: str = ""
    inspections: int = 0  # 执法检查 + 联合检查 (家次)
    joint: int = 0  # of which 联合检查
    patrols: int = 0  # 日常巡查
    self_inspections: int = 0  # 企业自查
    hazards: int = 0  # found in range, not in self-inspections
    major: int = 0
    rectified: int = 0  # of ``hazards``: rectified by the end date
    accepted: int = 0  # of ``hazards``: accepted (销号) by the end date
    self_hazards: int = 0  # found in range in self-inspections
    decisions: int = 0  # 行政处罚决定书
    warnings: int = 0  # decisions with 警告
    fines: Decimal = ZERO  # 罚款, 元
    confiscated: Decimal = ZERO  # 没收违法所得, 元
    red: int = 0  # hazards with a red card in force on the end date
    yellow: int = 0  # … with only a yellow card in force
    sectors: set[int] = field(default_factory=set)  # sectors with 执法/联合 inspections
    penalised: set[int] = field(default_factory=set)  # units with a decision
    suspended: set[int] = field(default_factory=set)  # units ordered to 停产停业
    order: tuple[Any, ...] = ()

    @property
    def penalised_units(self) -> int:
        return len(self.penalised)

    @property
    def suspended_units(self) -> int:
        return len(self.suspended)

    @property
    def overdue(self) -> int:
        return self.red + self.yellow

    @property
    def is_empty(self) -> bool:
        counts = (self.inspections, self.patrols, self.self_inspections, self.hazards, self.self_hazards)
        return not any(counts) and not self.decisions and not self.overdue


@dataclass
class MajorStock:
    """重大隐患 as of the end date: found on or before it, open (not accepted by then) or closed."""

    found_in_range: int = 0
    closed_in_range: int = 0
    open: int = 0
    closed: int = 0
    supervised_open: int = 0  # open ones under 挂牌督办
    missing_plan_open: int = 0  # open ones imported without their 治理方案


@dataclass
class SafetyFigures:
    region: Region
    date_from: date
    date_to: date
    total: Tally = field(default_factory=Tally)
    by_sector: dict[int, Tally] = field(default_factory=dict)
    by_department: dict[int, Tally] = field(default_factory=dict)
    by_township: dict[int, Tally] = field(default_factory=dict)
    major: MajorStock = field(default_factory=MajorStock)

    def groups(self, ids: tuple[int, int, int]) -> tuple[Tally, Tally, Tally, Tally]:
        """The whole and the three groups a fact with these (sector, department, township) ids
        falls in."""
        sector, department, township = ids
        return (
            self.total,
            _group(self.by_sector, sector),
            _group(self.by_department, department),
            _group(self.by_township, township),
        )


def _group(table: dict[int, Tally], pk: int) -> Tally:
    found = table.get(pk)
    if found is None:
        found = table[pk] = Tally()
    return found


def report_region(region: Region | str, user: User | None = None) -> Region:
    """The region a report is about: a district or a township (a code or the region). A town user
    asking for its district gets its township (its records are all it can see)."""
    from tiaodu.enterprises.report import effective_region
    from tiaodu.regions.services import get_region

    found = get_region(region) if isinstance(region, str) else region
    if found.level not in (Level.COUNTY, Level.TOWNSHIP):
        raise invalid("region", "region_level_invalid", f"“{found.name}”不是区县或镇街,请选择区县或镇街")
    return effective_region(found, user)


def district_of(region: Region) -> Region:
    """The district of a report's region (itself, or a township's county)."""
    if region.level == Level.TOWNSHIP and region.parent_id is not None:
        return Region.objects.get(pk=region.parent_id)
    return region


def sees_all_of(user: User, model: Any, region: Region) -> bool:
    """Whether ``user``'s view scope on ``model`` (a fact located by ``township``) holds every row
    located in ``region``, so that ``restrict(user)`` would add nothing to the region's filter.

    That is the case, by :func:`tiaodu.core.permissions.scope_q`, for an administrator and for a
    leader, a department user (viewing) or a town user whose region contains ``region``: their
    scope is "rows in my region" OR'ed with other conditions. The report then skips those OR'ed
    conditions (joins through units, enterprises and cases that cost more than the counting)."""
    from tiaodu.accounts.choices import Role

    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    spec = model.scope
    mine = user.region
    return (
        user.role in (Role.LEADER, Role.DEPARTMENT, Role.TOWN)
        and spec.allows(user.role, "view")
        and spec.region == "township"
        and spec.town_region is None
        and mine is not None
        and region.path.startswith(mine.path)
    )


def located(model: Any, region: Region, user: User | None = None) -> QuerySet[Any]:
    """The rows of ``model`` (a located fact) in ``region``, within ``user``'s scope when given.
    A district filters on ``district`` (the facts' district/date indexes), a township on
    ``township``."""
    whole = user is None or sees_all_of(user, model, region)
    qs = model.objects.all() if whole else model.objects.restrict(user)  # type: ignore[union-attr]
    if region.level == Level.TOWNSHIP:
        return qs.filter(township=region)  # type: ignore[no-any-return]
    return qs.filter(district=region)  # type: ignore[no-any-return]


def _ids(row: dict[str, Any]) -> tuple[int, int, int]:
    return (row["sector"], row["department"], row["township"])


def _count(condition: Q) -> Count:
    return Count("pk", filter=condition)


def _inspections(out: SafetyFigures, qs: QuerySet[Inspection]) -> None:
    enforcement = Q(kind__in=ENFORCEMENT_KINDS)
    rows = (
        qs.filter(inspected_on__gte=out.date_from, inspected_on__lte=out.date_to)
        .values(*DIMENSIONS)
        .annotate(
            enforcement=_count(enforcement),
            joint=_count(Q(kind=InspectionKind.JOINT)),
            patrols=_count(Q(kind=InspectionKind.PATROL)),
            own=_count(Q(kind=InspectionKind.SELF)),
        )
        .order_by()
    )
    for row in rows:
        for tally in out.groups(_ids(row)):
            tally.inspections += row["enforcement"]
            tally.joint += row["joint"]
            tally.patrols += row["patrols"]
            tally.self_inspections += row["own"]
            if row["enforcement"]:
                tally.sectors.add(row["sector"])


def _hazards(out: SafetyFigures, qs: QuerySet[Hazard], self_inspections: QuerySet[Inspection]) -> None:
    """``self_inspections``: the region's 企业自查 records. Whether a hazard is one of theirs is a
    grouping key computed once per row (one hashed subquery of their ids) rather than a join of
    every hazard to its inspection."""
    end = out.date_to
    own = ExpressionWrapper(Q(inspection__in=self_inspections.values("pk")), output_field=BooleanField())
    rows = (
        qs.filter(found_on__gte=out.date_from, found_on__lte=end)
        .annotate(own=own)
        .values(*DIMENSIONS, "own")
        .annotate(
            found=Count("pk"),
            major=_count(Q(grade=HazardGrade.MAJOR)),
            rectified=_count(Q(rectified_on__lte=end)),
            accepted=_count(Q(accepted_on__lte=end)),
        )
        .order_by()
    )
    for row in rows:
        for tally in out.groups(_ids(row)):
            if row["own"]:
                tally.self_hazards += row["found"]
                continue
            tally.hazards += row["found"]
            tally.major += row["major"]
            tally.rectified += row["rectified"]
            tally.accepted += row["accepted"]


def _major_stock(out: SafetyFigures, qs: QuerySet[Hazard]) -> None:
    start, end = out.date_from, out.date_to
    closed = Q(accepted_on__lte=end)
    still_open = Q(accepted_on__isnull=True) | Q(accepted_on__gt=end)
    found = (
        qs.filter(grade=HazardGrade.MAJOR, found_on__lte=end)
        .order_by()
        .aggregate(
            found_in_range=_count(Q(found_on__gte=start)),
            closed_in_range=_count(Q(accepted_on__gte=start, accepted_on__lte=end)),
            open=_count(still_open),
            closed=_count(closed),
            supervised_open=_count(still_open & Q(is_supervised=True)),
            missing_plan_open=_count(still_open & Q(missing_plan=True)),
        )
    )
    out.major = MajorStock(**{k: v or 0 for k, v in found.items()})


def _cards(out: SafetyFigures, hazards: QuerySet[Hazard]) -> None:
    """Hazards carded on the end date: a card record issued by then and not lifted by then (the
    few carded hazards are found from the card records, then grouped)."""
    end = out.date_to
    in_force = CardRecord.objects.filter(issued_on__lte=end).filter(
        Q(lifted_on__isnull=True) | Q(lifted_on__gt=end)
    )
    red = Q(case_id__in=in_force.filter(card=Card.RED).values("case_id"))
    rows = (
        hazards.filter(case_id__in=in_force.values("case_id"))
        .values(*DIMENSIONS)
        .annotate(carded=Count("pk"), red=_count(red))
        .order_by()
    )
    for row in rows:
        for tally in out.groups(_ids(row)):
            tally.red += row["red"]
            tally.yellow += row["carded"] - row["red"]


def _penalties(out: SafetyFigures, qs: QuerySet[EnforcementDocument]) -> None:
    """One row per 处罚决定书 of the range with its kinds and amounts (the distinct units need the
    documents themselves; a quarter has a few thousand)."""

    def of_kind(kind: str) -> Q:
        return Q(penalties__kind=kind)

    rows = (
        qs.filter(kind=DocumentKind.DECISION, issued_on__gte=out.date_from, issued_on__lte=out.date_to)
        .values("pk", "unit", *DIMENSIONS)
        .annotate(
            warning=Count("penalties", filter=of_kind(PenaltyKind.WARNING)),
            suspension=Count("penalties", filter=of_kind(PenaltyKind.SUSPENSION)),
            fine=Sum("penalties__amount", filter=of_kind(PenaltyKind.FINE)),
            confiscated=Sum("penalties__amount", filter=of_kind(PenaltyKind.CONFISCATION)),
        )
        .order_by()
    )
    for row in rows:
        for tally in out.groups(_ids(row)):
            tally.decisions += 1
            tally.penalised.add(row["unit"])
            if row["warning"]:
                tally.warnings += 1
            if row["suspension"]:
                tally.suspended.add(row["unit"])
            tally.fines += row["fine"] or ZERO
            tally.confiscated += row["confiscated"] or ZERO


def _name(tables: Iterable[dict[int, Tally]]) -> None:
    """Name the groups (three small lookups) and give them their order: sectors as configured,
    departments by name (sorted in Python: collations order Chinese differently), towns by code."""
    by_sector, by_department, by_township = tables
    for pk, name, order in Sector.objects.filter(pk__in=by_sector).values_list("pk", "name", "order"):
        by_sector[pk].key, by_sector[pk].name, by_sector[pk].order = str(pk), name, (order, pk)
    for pk, name in Organization.objects.filter(pk__in=by_department).values_list("pk", "name"):
        by_department[pk].key, by_department[pk].name, by_department[pk].order = str(pk), name, (name, pk)
    for pk, code, name in Region.objects.filter(pk__in=by_township).values_list("pk", "code", "name"):
        by_township[pk].key, by_township[pk].name, by_township[pk].order = code, name, (code,)


def figures(region: Region | str, date_from: date, date_to: date, user: User | None = None) -> SafetyFigures:
    """Every figure of the safety report of ``region`` (a district or a township) for the range."""
    if date_to < date_from:
        raise invalid("date_to", "date_range_invalid", "结束日期不能早于开始日期")
    place = report_region(region, user)
    out = SafetyFigures(place, date_from, date_to)
    hazards, inspections = located(Hazard, place, user), located(Inspection, place, user)
    _inspections(out, inspections)
    # Whether a hazard came from a self-inspection is the hazard's own fact, not a matter of scope.
    _hazards(out, hazards, located(Inspection, place).filter(kind=InspectionKind.SELF))
    _major_stock(out, hazards)
    _cards(out, hazards)
    _penalties(out, located(EnforcementDocument, place, user))
    _name((out.by_sector, out.by_department, out.by_township))
    return out


def ordered(table: dict[int, Tally]) -> list[Tally]:
    return sorted(table.values(), key=lambda t: t.order)
