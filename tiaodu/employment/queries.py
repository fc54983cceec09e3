"""The employment report's figures, counted from the dated records of a region and a period.

:func:`figures` reads the facts of a district (or one township) dated in the range — a handful of
queries, each a ``values()`` list — and adds them up in Python into the whole, a row per township,
a line per fair kind and a row per occupation (中类). Dates are inclusive. What each figure counts:

============================= ======================================================================
举办<类型>招聘会N场           job fairs of that kind (``JobFair.kind``) held (``held_on``) in the
                              range in the region (a township: the fairs held in it)
N家企业                       distinct enterprises with a booth (``FairEnterprise``) at those fairs
提供岗位N个                   the headcount (招聘人数) of the distinct vacancies brought to those
                              fairs' booths (a vacancy brought to two fairs counts once)
N余人达成初步求职意向         distinct jobseekers with a ``Placement`` at one of those fairs whose
                              ``intended_on`` is in the range (written with 余, ``figures.about``)
收集企业用工需求N余人         each wanted person once: the ``people`` of the enterprise-service
                              labour needs (``enterprises.Need`` kind=labour, people > 0) raised
                              (``raised_on``) in the range, located at the enterprise's township,
                              plus the headcount of the vacancies published (``published_on``) in
                              the range, located where the work is (``Vacancy.township``) — except
                              a vacancy made from a labour need raised in the range: that need is
                              counted, so its vacancies are not
开行求职专车N趟               bus trips run (``run_on``) in the range in the district (a township:
                              the trips with a pick-up point in it or a rider from it)
接送求职者N人                 distinct jobseekers riding those trips (a township: riders from it,
                              by the township recorded on the ride)
达成意向/录用/入职N人         distinct jobseekers with a placement whose ``intended_on`` /
                              ``hired_on`` / ``started_on`` is in the range, located at the
                              jobseeker's township recorded on the placement
30天回访、在岗                of the placements started in the range whose 30th day is on or before
                              the end date (the cohort whose 30 days are complete — counting the
                              early leavers of a cohort still under way would understate the
                              rate), those whose 30-day result is known on the end date: checked
                              (``checked_30_on`` on or before it, ``employed_30`` the result), or
                              ended (``ended_on`` on or before it) before the 30th day or recorded
                              as not employed at 30 days. 在岗率 = still employed ÷ known. The same
                              for 90 days.
缺工(按职业中类)              demand − hires per 中类 of 《职业分类大典》 (the code's first two
                              parts, "6-05"): a vacancy's demand goes to its occupation, a need's
                              people to the occupation of its largest vacancy, else to the one
                              proposed from its 工种 text (``reference.propose_occupation``), else to
                              未分类; hires go to the placement's occupation (copied from the
                              vacancy). A negative figure: more hires than demand collected in the
                              period (hires against earlier demand).
============================= ======================================================================

Nothing reads a current state (a placement's ``state``, a vacancy's ``status``): a report for a
past period does not move when people leave or vacancies close later.

Scope. The figures are counts, never personal data. A user whose region contains the report's
region — a leader, a department user or a town user (whose district report becomes its township's,
:func:`report_region`) — counts every fact located in it, so a district leader reads the
district's hires although the placements themselves are not in a leader's slice. Anyone else (an
enterprise, a user of another district) counts only the facts of ``Model.objects.restrict(user)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from tiaodu.accounts.choices import Role
from tiaodu.core.errors import invalid
from tiaodu.employment.choices import FairKind
from tiaodu.employment.models import (
    BusRider,
    BusStop,
    BusTrip,
    FairEnterprise,
    JobFair,
    Occupation,
    Placement,
    Vacancy,
)
from tiaodu.enterprises.choices import NeedKind
from tiaodu.enterprises.models import Need
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

UNCLASSIFIED = ""  # the occupation key of demand and hires without an occupation
UNCLASSIFIED_NAME = "未分类"
FOLLOW_UPS = (30, 90)

# How the sentences name each kind of fair.
FAIR_WORDS = {
    FairKind.SPRING: "春风行动专场招聘会",
    FairKind.MARKET_DAY: "赶场天专场招聘会",
    FairKind.PARK: "园区招聘会",
    FairKind.ONLINE: "网络招聘会",
}


@dataclass
class FairLine:
    """The fairs of one kind held in the range."""

    kind: str
    words: str
    fairs: set[int] = field(default_factory=set)
    enterprises: set[int] = field(default_factory=set)
    vacancies: set[int] = field(default_factory=set)
    jobseekers: set[int] = field(default_factory=set)  # intentions at those fairs
    positions: int = 0


@dataclass
class Tally:
    """Figures of the whole region or of one township. Distinct counts are sets (united in the
    whole, so the whole is not the sum of the townships for them); people counts add up."""

    key: str = ""
    name: str = ""
    fairs: set[int] = field(default_factory=set)
    fair_enterprises: set[int] = field(default_factory=set)
    fair_vacancies: set[int] = field(default_factory=set)
    fair_jobseekers: set[int] = field(default_factory=set)
    positions: int = 0
    demand_vacancies: int = 0  # people wanted through vacancies
    demand_needs: int = 0  # people wanted through labour needs
    trips: set[int] = field(default_factory=set)
    riders: set[int] = field(default_factory=set)
    intended: set[int] = field(default_factory=set)
    hired: set[int] = field(default_factory=set)
    started: set[int] = field(default_factory=set)
    checked_30: int = 0
    employed_30: int = 0
    checked_90: int = 0
    employed_90: int = 0

    @property
    def demand(self) -> int:
        return self.demand_vacancies + self.demand_needs

    @property
    def is_empty(self) -> bool:
        return not (
            self.fairs
            or self.demand
            or self.trips
            or self.riders
            or self.intended
            or self.hired
            or self.started
            or self.checked_30
            or self.checked_90
        )


@dataclass
class Shortage:
    """Demand and hires of one occupation (中类); 缺工 = demand − hires."""

    code: str
    name: str
    demand: int = 0
    hires: int = 0

    @property
    def shortage(self) -> int:
        return self.demand - self.hires


@dataclass
class EmploymentFigures:
    region: Region
    date_from: date
    date_to: date
    total: Tally = field(default_factory=Tally)
    by_township: dict[int, Tally] = field(default_factory=dict)
    by_kind: dict[str, FairLine] = field(default_factory=dict)
    by_occupation: dict[str, Shortage] = field(default_factory=dict)

    def groups(self, township_id: int | None) -> tuple[Tally, ...]:
        """The whole and the township row a fact located at ``township_id`` falls in."""
        if township_id is None:
            return (self.total,)
        row = self.by_township.get(township_id)
        if row is None:
            row = self.by_township[township_id] = Tally()
        return (self.total, row)

    def kind(self, kind: str) -> FairLine:
        line = self.by_kind.get(kind)
        if line is None:
            words = FAIR_WORDS.get(kind, kind)  # type: ignore[call-overload]
            line = self.by_kind[kind] = FairLine(kind, str(words))
        return line

    def occupation(self, code: str) -> Shortage:
        row = self.by_occupation.get(code)
        if row is None:
            row = self.by_occupation[code] = Shortage(code, "")
        return row

    def fair_lines(self) -> list[FairLine]:
        """The kinds with fairs, in the order of ``FairKind``."""
        order = {kind: i for i, kind in enumerate(FairKind.values)}
        return sorted(self.by_kind.values(), key=lambda line: order.get(line.kind, len(order)))

    def townships(self) -> list[Tally]:
        return sorted(self.by_township.values(), key=lambda t: t.key)

    def occupations(self) -> list[Shortage]:
        """Occupations by shortage, largest first (未分类 last)."""
        return sorted(
            self.by_occupation.values(), key=lambda s: (s.code == UNCLASSIFIED, -s.shortage, s.code)
        )


# --- region and scope ----------------------------------------------------------------------------


def report_region(region: Region | str, user: User | None = None) -> Region:
    """The region a report is about: a district or a township (a code or the region). A town user
    asking for its district gets its own township (its facts are what it works on)."""
    from tiaodu.enterprises.report import effective_region
    from tiaodu.regions.services import get_region

    found = get_region(region) if isinstance(region, str) else region
    if found.level not in (Level.COUNTY, Level.TOWNSHIP):
        raise invalid("region", "region_level_invalid", f"“{found.name}”不是区县或镇街,请选择区县或镇街")
    return effective_region(found, user)


def reads_whole(user: User | None, region: Region) -> bool:
    """Whether ``user`` counts every fact located in ``region`` (see the module's "Scope")."""
    if user is None:
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    mine = user.region
    return (
        user.role in (Role.LEADER, Role.DEPARTMENT, Role.TOWN)
        and mine is not None
        and str(region.path).startswith(str(mine.path))
    )


def scoped(model: Any, user: User | None, whole: bool) -> QuerySet[Any]:
    return model.objects.all() if whole or user is None else model.objects.restrict(user)  # type: ignore[no-any-return]


def _at(region: Region, district: str = "district", township: str = "township") -> Q:
    if region.level == Level.TOWNSHIP:
        return Q(**{township: region.pk})
    return Q(**{district: region.pk})


def _range(lookup: str, start: date, end: date) -> Q:
    return Q(**{f"{lookup}__gte": start, f"{lookup}__lte": end})


def middle(code: str | None) -> str:
    """The 中类 of an occupation code ("6-05-01-01" → "6-05"); "" for none."""
    if not code:
        return UNCLASSIFIED
    return "-".join(code.split("-")[:2])


# --- the facts ------------------------------------------------------------------------------------


def _fairs(out: EmploymentFigures, user: User | None, whole: bool) -> None:
    start, end, region = out.date_from, out.date_to, out.region
    fairs = {
        row["pk"]: row
        for row in scoped(JobFair, user, whole)
        .filter(_at(region), _range("held_on", start, end))
        .values("pk", "kind", "township")
        .order_by()
    }
    if not fairs:
        return
    for pk, row in fairs.items():
        out.kind(row["kind"]).fairs.add(pk)
        for tally in out.groups(row["township"]):
            tally.fairs.add(pk)
    booths = {
        row["pk"]: row
        for row in scoped(FairEnterprise, user, whole)
        .filter(fair__in=list(fairs))
        .values("pk", "fair", "enterprise")
        .order_by()
    }
    for booth in booths.values():
        fair = fairs[booth["fair"]]
        out.kind(fair["kind"]).enterprises.add(booth["enterprise"])
        for tally in out.groups(fair["township"]):
            tally.fair_enterprises.add(booth["enterprise"])
    brought = list(
        FairEnterprise.vacancies.through.objects.filter(fairenterprise__in=list(booths))
        .values_list("fairenterprise", "vacancy")
        .order_by()
    )
    headcount = dict(
        Vacancy.objects.filter(pk__in={v for _b, v in brought}).values_list("pk", "headcount").order_by()
    )
    for booth_pk, vacancy in brought:
        fair = fairs[booths[booth_pk]["fair"]]
        out.kind(fair["kind"]).vacancies.add(vacancy)
        for tally in out.groups(fair["township"]):
            tally.fair_vacancies.add(vacancy)
    intentions = (
        scoped(Placement, user, whole)
        .filter(fair__in=list(fairs))
        .filter(_range("intended_on", start, end))
        .values_list("fair", "jobseeker")
        .order_by()
    )
    for fair_pk, jobseeker in intentions:
        fair = fairs[fair_pk]
        out.kind(fair["kind"]).jobseekers.add(jobseeker)
        for tally in out.groups(fair["township"]):
            tally.fair_jobseekers.add(jobseeker)
    for line in out.by_kind.values():
        line.positions = sum(headcount.get(v, 0) for v in line.vacancies)
    for tally in (out.total, *out.by_township.values()):
        tally.positions = sum(headcount.get(v, 0) for v in tally.fair_vacancies)


def counted_needs(start: date, end: date) -> Q:
    """The labour needs the demand counts (on ``Need``): raised in the range with people."""
    return Q(kind=NeedKind.LABOUR, people__gt=0) & _range("raised_on", start, end)


def _demand(out: EmploymentFigures, user: User | None, whole: bool) -> None:
    start, end, region = out.date_from, out.date_to, out.region
    needs = list(
        scoped(Need, user, whole)
        .filter(counted_needs(start, end))
        .filter(_at(region, "enterprise__township__parent", "enterprise__township"))
        .values("pk", "enterprise__township", "people", "job_types")
        .order_by()
    )
    need_vacancy = Q(need__kind=NeedKind.LABOUR, need__people__gt=0) & _range("need__raised_on", start, end)
    vacancies = (
        scoped(Vacancy, user, whole)
        .filter(_at(region), _range("published_on", start, end))
        .exclude(need_vacancy)
        .values_list("township", "headcount", "occupation__code")
        .order_by()
    )
    for township, headcount, code in vacancies:
        for tally in out.groups(township):
            tally.demand_vacancies += headcount
        out.occupation(middle(code)).demand += headcount
    if not needs:
        return
    largest: dict[int, tuple[int, str]] = {}
    for need_pk, headcount, code in (
        Vacancy.objects.filter(need__in=[n["pk"] for n in needs], occupation__isnull=False)
        .values_list("need", "headcount", "occupation__code")
        .order_by("need", "pk")
    ):
        if need_pk not in largest or headcount > largest[need_pk][0]:
            largest[need_pk] = (headcount, code)
    memo: dict[str, str] = {}
    for need in needs:
        for tally in out.groups(need["enterprise__township"]):
            tally.demand_needs += need["people"]
        code = largest[need["pk"]][1] if need["pk"] in largest else _proposed(need["job_types"], memo)
        out.occupation(middle(code)).demand += need["people"]


def _proposed(job_types: str, memo: dict[str, str]) -> str:
    """The occupation code proposed for a need's 工种 text ("" when none); ``memo`` keeps the
    proposals of one report (the same text is proposed once)."""
    text = (job_types or "").strip()
    if not text:
        return UNCLASSIFIED
    if text not in memo:
        from tiaodu.employment import reference

        found = reference.propose_occupation(text)
        memo[text] = found.code if found is not None else UNCLASSIFIED
    return memo[text]


def _buses(out: EmploymentFigures, user: User | None, whole: bool) -> None:
    start, end, region = out.date_from, out.date_to, out.region
    district = region.parent_id if region.level == Level.TOWNSHIP else region.pk
    trips = set(
        scoped(BusTrip, user, whole)
        .filter(district=district)
        .filter(_range("run_on", start, end))
        .values_list("pk", flat=True)
        .order_by()
    )
    if not trips:
        return
    stops = BusStop.objects.filter(trip__in=trips).values_list("trip", "township").order_by()
    riders = (
        scoped(BusRider, user, whole)
        .filter(trip__in=trips)
        .values_list("trip", "township", "jobseeker")
        .order_by()
    )
    township = region.pk if region.level == Level.TOWNSHIP else None

    def keep(place: int) -> bool:
        return township is None or place == township

    for trip, place in stops:
        if keep(place):
            for tally in out.groups(place):
                tally.trips.add(trip)
    for trip, place, jobseeker in riders:
        if keep(place):
            for tally in out.groups(place):
                tally.trips.add(trip)
                tally.riders.add(jobseeker)
    if township is None:  # the district ran every trip of the range, with or without stops
        out.total.trips |= trips


def follow_up(
    started: date, checked_on: date | None, employed: bool | None, ended_on: date | None, days: int, end: date
) -> bool | None:
    """The ``days``-day follow-up of a start as known on ``end``: True (still employed), False
    (no longer), None (not known yet, or the ``days`` are not over on ``end``: a cohort is
    counted once its days are complete, so early leavers alone do not make the rate)."""
    if started + timedelta(days=days) > end:
        return None
    if checked_on is not None and checked_on <= end and employed is not None:
        return employed
    left = ended_on is not None and ended_on <= end
    if left and (employed is False or ended_on < started + timedelta(days=days)):  # type: ignore[operator]
        return False
    return None


def _outcomes(out: EmploymentFigures, user: User | None, whole: bool) -> None:
    start, end, region = out.date_from, out.date_to, out.region
    rows = (
        scoped(Placement, user, whole)
        .filter(_at(region))
        .filter(
            _range("intended_on", start, end)
            | _range("hired_on", start, end)
            | _range("started_on", start, end)
        )
        .values(
            "township",
            "jobseeker",
            "occupation__code",
            "intended_on",
            "hired_on",
            "started_on",
            "checked_30_on",
            "employed_30",
            "checked_90_on",
            "employed_90",
            "ended_on",
        )
        .order_by()
    )
    hires: dict[str, set[int]] = {}

    def within(day: date | None) -> bool:
        return day is not None and start <= day <= end

    for row in rows:
        person = row["jobseeker"]
        tallies = out.groups(row["township"])
        if within(row["hired_on"]):
            hires.setdefault(middle(row["occupation__code"]), set()).add(person)
        for tally in tallies:
            if within(row["intended_on"]):
                tally.intended.add(person)
            if within(row["hired_on"]):
                tally.hired.add(person)
        if not within(row["started_on"]):
            continue
        results = {
            days: follow_up(
                row["started_on"],
                row[f"checked_{days}_on"],
                row[f"employed_{days}"],
                row["ended_on"],
                days,
                end,
            )
            for days in FOLLOW_UPS
        }
        for tally in tallies:
            tally.started.add(person)
            if results[30] is not None:
                tally.checked_30 += 1
                tally.employed_30 += results[30]
            if results[90] is not None:
                tally.checked_90 += 1
                tally.employed_90 += results[90]
    for code, people in hires.items():
        out.occupation(code).hires += len(people)


def _name(out: EmploymentFigures) -> None:
    """Name the township rows (ordered by code) and the occupations (from the catalogue)."""
    for pk, code, name in Region.objects.filter(pk__in=out.by_township).values_list("pk", "code", "name"):
        out.by_township[pk].key, out.by_township[pk].name = code, name
    codes = [code for code in out.by_occupation if code != UNCLASSIFIED]
    names = dict(Occupation.objects.filter(code__in=codes).values_list("code", "name"))
    for code, row in out.by_occupation.items():
        row.name = UNCLASSIFIED_NAME if code == UNCLASSIFIED else names.get(code, code)


def figures(
    region: Region | str, date_from: date, date_to: date, user: User | None = None
) -> EmploymentFigures:
    """Every figure of the employment report of ``region`` (a district or a township) for the range."""
    if date_to < date_from:
        raise invalid("date_to", "date_range_invalid", "结束日期不能早于开始日期")
    place = report_region(region, user)
    whole = reads_whole(user, place)
    out = EmploymentFigures(place, date_from, date_to)
    _fairs(out, user, whole)
    _demand(out, user, whole)
    _buses(out, user, whole)
    _outcomes(out, user, whole)
    _name(out)
    return out
