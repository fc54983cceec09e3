"""双随机一公开: a department's inspection plan draws its units and its inspectors at random,
reproducibly, and publishes the list; 综合查一次 merges several departments' visits to one unit;
coverage shows which units of each sector have not been inspected in a year.

The draw
--------
Candidates are the active units of the plan's sectors in the district, taken in id order. Left
out: units inspected by anyone (any kind but 企业自查) within ``recent_days`` before the plan's
start, and units that already have ``yearly_cap`` planned visits of the same department in the
plan's year (published plans). The sample size is ``ceil(population × sample_percent / 100)``
of the population before these exclusions, at most the number of candidates left.

Units are drawn without replacement, weighted by ``RISK_WEIGHTS`` of their risk level, with the
Efraimidis–Spirakis method: each candidate gets the key ``E / weight`` where ``E = -ln(1 - u)``
and ``u`` is the next number of a ``random.Random`` seeded with the plan's seed; the ``count``
smallest keys are drawn, in key order (ties by unit id). Python guarantees that ``random()``
yields the same sequence for the same seed across versions, so anyone can re-run a draw.

Each drawn unit, in draw order, then gets ``inspectors_per_visit`` (≥ 2) distinct inspectors of
the department: active, holding a 执法证 valid on the plan's start, none of whom must stay away
from the unit (回避, ``Inspector.related_units``), those with the fewest visits so far first
(balanced load), ties broken by the same random sequence.

The seed and a snapshot of every input (the candidates with their weights, the inspectors and
their 回避 pairs, the sample size) are stored in ``plan.inputs``; :func:`verify` re-runs the
draw from that snapshot alone and compares it with the stored list. Publishing fixes the list
and stores the SHA-256 of its canonical form (``[[unit id, [inspector ids…]], …]`` as compact
JSON) in ``plan.digest``.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import random
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from tiaodu.accounts.choices import Role
from tiaodu.core import figures
from tiaodu.core.concurrency import claim_version
from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, invalid
from tiaodu.core.permissions import can, ensure_added, ensure_permitted, get_scoped
from tiaodu.orgs.choices import OrgKind
from tiaodu.regions.models import Region
from tiaodu.safety.campaigns import (
    check_name,
    check_org,
    check_period,
    check_sectors,
    district_for,
    related_pairs,
    valid_inspectors,
)
from tiaodu.safety.choices import (
    ENFORCEMENT_KINDS,
    RISK_WEIGHTS,
    InspectionKind,
    PlanStatus,
)
from tiaodu.safety.models import (
    Inspection,
    InspectionPlan,
    JointVisit,
    PlanVisit,
    SafetySettings,
    Sector,
    Unit,
)

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.orgs.models import Organization

ALGORITHM = "efraimidis-spirakis/python-random/v1"
PLAN_FIELDS = (
    "name",
    "department",
    "year",
    "starts_on",
    "ends_on",
    "campaign",
    "sectors",
    "sample_percent",
    "recent_days",
    "yearly_cap",
    "inspectors_per_visit",
)
SEED_PATTERN = re.compile(r"^[0-9A-Za-z_.:-]{1,64}$")
MAX_DIFFERENCES = 20  # differences listed by verify (then "…")


# --- settings and plans ----------------------------------------------------------------------


def settings_of(district: Region) -> SafetySettings:
    """The district's safety settings, or the defaults (unsaved) when it has none yet."""
    return SafetySettings.objects.filter(region=district).first() or SafetySettings(region=district)


def _own_department(actor: Any) -> Organization | None:
    if actor is not None and actor.role == Role.DEPARTMENT and not actor.is_superuser:
        return actor.organization  # type: ignore[no-any-return]
    return None


def _validate_plan(data: dict[str, Any], district: Region, actor: Any) -> None:
    errors: list[FieldError] = []
    check_name(errors, data, "计划名称")
    department = data.get("department")
    if department is None:
        errors.append(FieldError("department", "required", "抽查部门不能为空"))
    else:
        check_org(errors, "department", "抽查部门", department, district)
        if department.kind != OrgKind.DEPARTMENT:
            errors.append(FieldError("department", "department_unknown", f"“{department}”不是政府部门"))
        own = _own_department(actor)
        if own is not None and own.pk != department.pk:
            errors.append(
                FieldError("department", "department_not_yours", "部门用户只能为本部门制定抽查计划")
            )
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    check_period(errors, starts_on, ends_on)
    if ends_on is None:
        errors.append(FieldError("ends_on", "required", "结束日期不能为空"))
    if starts_on is not None and data.get("year") not in (None, starts_on.year):
        errors.append(FieldError("year", "year_mismatch", "年度应与开始日期所在年份一致"))
    sectors = list(data.get("sectors") or ())
    check_sectors(errors, sectors, district)
    if not sectors:
        errors.append(FieldError("sectors", "sectors_required", "请选择抽查行业"))
    campaign = data.get("campaign")
    if campaign is not None and campaign.region_id != district.pk:
        errors.append(
            FieldError("campaign", "campaign_unknown", f"专项行动“{campaign}”不属于{district.name}")
        )
    percent = data.get("sample_percent")
    if percent is None:
        errors.append(FieldError("sample_percent", "required", "抽查比例不能为空"))
    elif not Decimal(0) < Decimal(str(percent)) <= Decimal(100):
        errors.append(FieldError("sample_percent", "percent_out_of_range", "抽查比例应大于0且不超过100"))
    if int(data.get("inspectors_per_visit") or 0) < 2:
        errors.append(FieldError("inspectors_per_visit", "inspectors_too_few", "每次检查执法人员不得少于2人"))
    if int(data.get("yearly_cap") or 0) < 1:
        errors.append(FieldError("yearly_cap", "cap_invalid", "每年计划检查上限至少为1次"))
    if int(data.get("recent_days") or 0) < 0:
        errors.append(FieldError("recent_days", "value_negative", "排除天数不能为负数"))
    if not errors:
        clash = InspectionPlan.objects.filter(region=district, department=department, name=data["name"])
        if data.get("pk"):
            clash = clash.exclude(pk=data["pk"])
        if clash.exists():
            errors.append(FieldError("name", "plan_duplicate", f"本部门已有名为“{data['name']}”的抽查计划"))
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def create_plan(actor: User | None, *, region: Region | None = None, **values: Any) -> InspectionPlan:
    """A draft 双随机 plan. ``sectors`` default to those the department supervises; ``year`` to the
    start's year; ``recent_days``, ``yearly_cap`` and ``inspectors_per_visit`` to the district's
    settings. A department user plans for their own department (the default)."""
    unknown = sorted(set(values) - set(PLAN_FIELDS))
    if unknown:
        raise invalid(unknown[0], "field_unknown", f"未知字段:{'、'.join(unknown)}")
    data = dict(values)
    if data.get("department") is None:
        data["department"] = _own_department(actor)
    if region is None and data.get("department") is not None:
        from tiaodu.core.resolve import district_of

        region = district_of(data["department"].region)
    district = district_for(actor, region)
    defaults = settings_of(district)
    for name, fallback in (
        ("recent_days", defaults.recent_days),
        ("yearly_cap", defaults.yearly_cap),
        ("inspectors_per_visit", defaults.inspectors_per_visit),
    ):
        if data.get(name) is None:
            data[name] = fallback
    if not data.get("sectors") and data.get("department") is not None:
        data["sectors"] = list(Sector.objects.filter(region=district, department=data["department"]))
    _validate_plan(data, district, actor)
    if data.get("year") is None:
        data["year"] = data["starts_on"].year
    plan = InspectionPlan(
        region=district,
        department=data["department"],
        name=data["name"],
        year=data["year"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        campaign=data.get("campaign"),
        sample_percent=Decimal(str(data["sample_percent"])),
        recent_days=data["recent_days"],
        yearly_cap=data["yearly_cap"],
        inspectors_per_visit=data["inspectors_per_visit"],
        created_by=actor,
    )
    plan.save()
    plan.sectors.set(data["sectors"])
    if actor is not None:
        ensure_added(actor, plan)
    return plan


def _locked_plan(actor: Any, plan_id: int) -> InspectionPlan:
    if actor is None:
        return InspectionPlan.objects.select_for_update().get(pk=plan_id)  # type: ignore[no-any-return]
    return get_scoped(InspectionPlan, actor, "change", pk=plan_id)


def _refuse_published(plan: InspectionPlan) -> None:
    if plan.status == PlanStatus.PUBLISHED:
        raise Conflict("plan_published", "抽查计划已公布,抽取结果不能再更改")


# --- the draw, as a pure function of its inputs ---------------------------------------------


@dataclass(frozen=True)
class DrawnVisit:
    unit_id: int
    inspector_ids: tuple[int, ...]

    def as_list(self) -> list[Any]:
        return [self.unit_id, list(self.inspector_ids)]


class InspectorsInsufficient(Exception):
    """Fewer eligible inspectors than a visit needs (after 回避)."""

    def __init__(self, unit_id: int, available: int, needed: int) -> None:
        super().__init__(unit_id, available, needed)
        self.unit_id, self.available, self.needed = unit_id, available, needed


def make_seed() -> str:
    return secrets.token_hex(16)


def run_draw(inputs: dict[str, Any]) -> list[DrawnVisit]:
    """The drawn list from a stored inputs snapshot alone (see the module docstring)."""
    # Reproducible by design (the seed is published); not for secrets.
    rng = random.Random(f"tiaodu-safety-draw:{inputs['seed']}")  # noqa: S311
    keys: list[tuple[float, int]] = []
    for unit_id, weight in inputs["units"]:
        u = rng.random()
        keys.append((-math.log1p(-u) / weight, int(unit_id)))
    chosen = heapq.nsmallest(int(inputs["count"]), keys)
    inspectors = [int(i) for i in inputs["inspectors"]]
    per_visit = int(inputs["per_visit"])
    blocked: dict[int, set[int]] = defaultdict(set)
    for inspector_id, unit_id in inputs["related"]:
        blocked[int(unit_id)].add(int(inspector_id))
    load = dict.fromkeys(inspectors, 0)
    visits: list[DrawnVisit] = []
    for _key, unit_id in chosen:
        away = blocked.get(unit_id, set())
        pool = [(load[i], rng.random(), i) for i in inspectors if i not in away]
        if len(pool) < per_visit:
            raise InspectorsInsufficient(unit_id, len(pool), per_visit)
        picked = tuple(i for _load, _r, i in heapq.nsmallest(per_visit, pool))
        for i in picked:
            load[i] += 1
        visits.append(DrawnVisit(unit_id, picked))
    return visits


def canonical(visits: Iterable[DrawnVisit]) -> str:
    return json.dumps([v.as_list() for v in visits], separators=(",", ":"))


def digest_of(visits: Iterable[DrawnVisit]) -> str:
    return hashlib.sha256(canonical(visits).encode()).hexdigest()


def sample_size(population: int, percent: Decimal) -> int:
    return int((Decimal(population) * Decimal(percent) / 100).to_integral_value(rounding=ROUND_CEILING))


def capped_units(plan: InspectionPlan) -> set[int]:
    """Units with ``yearly_cap`` visits already in the department's other published plans of the
    plan's year."""
    return set(
        PlanVisit.objects.filter(
            plan__region_id=plan.region_id,
            plan__department_id=plan.department_id,
            plan__year=plan.year,
            plan__status=PlanStatus.PUBLISHED,
        )
        .exclude(plan_id=plan.pk)
        .values("unit_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=plan.yearly_cap)
        .values_list("unit_id", flat=True)
    )


def collect_inputs(plan: InspectionPlan, seed: str) -> dict[str, Any]:
    """The snapshot a draw runs on: a handful of queries, none per unit."""
    sector_ids = sorted(plan.sectors.values_list("pk", flat=True))
    rows = list(
        Unit.objects.filter(district_id=plan.region_id, sector_id__in=sector_ids, is_active=True)
        .order_by("pk")
        .values_list("pk", "risk_level")
    )
    recent: set[int] = set()
    if plan.recent_days:
        since = plan.starts_on - timedelta(days=plan.recent_days)
        recent = set(
            Inspection.objects.filter(
                district_id=plan.region_id, inspected_on__gte=since, inspected_on__lt=plan.starts_on
            )
            .exclude(kind=InspectionKind.SELF)
            .values_list("unit_id", flat=True)
            .distinct()
        )
    capped = capped_units(plan)
    units = [
        [pk, RISK_WEIGHTS.get(risk, 1)]  # type: ignore[call-overload]
        for pk, risk in rows
        if pk not in recent and pk not in capped
    ]
    candidate_ids = {pk for pk, _w in units}
    inspector_ids = list(
        valid_inspectors(plan.department, plan.region, plan.starts_on).values_list("pk", flat=True)  # type: ignore[arg-type]
    )
    related = [[i, u] for i, u in related_pairs(inspector_ids) if u in candidate_ids]
    return {
        "algorithm": ALGORITHM,
        "seed": seed,
        "date": plan.starts_on.isoformat(),
        "sectors": sector_ids,
        "population": len(rows),
        "excluded_recent": sum(1 for pk, _r in rows if pk in recent),
        "excluded_cap": sum(1 for pk, _r in rows if pk in capped and pk not in recent),
        "sample_percent": str(plan.sample_percent),
        "count": min(sample_size(len(rows), plan.sample_percent), len(units)),
        "units": units,
        "inspectors": inspector_ids,
        "related": related,
        "per_visit": plan.inspectors_per_visit,
    }


def _check_seed(seed: str | None) -> str:
    if seed is None or str(seed).strip() == "":
        return make_seed()
    text = str(seed).strip()
    if not SEED_PATTERN.match(text):
        raise invalid("seed", "seed_invalid", "随机种子应为1至64位字母、数字或 _ . : -")
    return text


def _unit_name(unit_id: int) -> str:
    return str(Unit.objects.filter(pk=unit_id).values_list("name", flat=True).first() or unit_id)


def _insufficient(plan: InspectionPlan, available: int, unit_name: str = "") -> InvalidInput:
    needed = plan.inspectors_per_visit
    where = f"单位“{unit_name}”需回避后," if unit_name else ""
    return invalid(
        "inspectors",
        "inspectors_insufficient",
        f"{where}{plan.department}持有有效执法证的在岗执法人员只有{available}人,每次检查需要{needed}人",
    )


@transaction.atomic
def draw(
    actor: User | None, plan_id: int, seed: str | None = None, version: int | None = None
) -> InspectionPlan:
    """Draw (or re-draw) a draft plan's units and inspectors; the seed is generated unless given.
    A published plan is never drawn again (``plan_published``)."""
    plan = _locked_plan(actor, plan_id)
    _refuse_published(plan)
    text = _check_seed(seed)
    inputs = collect_inputs(plan, text)
    if len(inputs["inspectors"]) < plan.inspectors_per_visit:
        raise _insufficient(plan, len(inputs["inspectors"]))
    if inputs["count"] == 0:
        raise Conflict("units_none", "没有可抽取的单位(所选行业没有在营单位,或均已近期检查、达到年度上限)")
    try:
        visits = run_draw(inputs)
    except InspectorsInsufficient as exc:
        raise _insufficient(plan, exc.available, _unit_name(exc.unit_id)) from None
    claim_version(plan, version)
    _clear_visits(plan)
    PlanVisit.objects.bulk_create(
        PlanVisit(plan=plan, unit_id=v.unit_id, order=n, inspector_ids=list(v.inspector_ids))
        for n, v in enumerate(visits, start=1)
    )
    plan.seed = text
    plan.inputs = inputs
    plan.digest = ""
    plan.drawn_at = timezone.now()
    plan.save()
    if actor is not None:
        ensure_permitted(actor, "change", plan)
    return plan


def _clear_visits(plan: InspectionPlan) -> None:
    """Drop a draft's drawn list before a re-draw, in one statement (a draft's list is written in
    bulk too; the plan's own change — seed, inputs, time — is what the change log records)."""
    Inspection.objects.filter(plan_visit__plan=plan).update(plan_visit=None)
    visits = PlanVisit.objects.filter(plan=plan)
    visits._raw_delete(visits.db)  # type: ignore[attr-defined]


def stored_visits(plan: InspectionPlan) -> list[DrawnVisit]:
    rows = PlanVisit.objects.filter(plan=plan).order_by("order").values_list("unit_id", "inspector_ids")
    return [DrawnVisit(int(u), tuple(int(i) for i in ids or ())) for u, ids in rows]


@transaction.atomic
def publish(actor: User | None, plan_id: int, version: int | None = None) -> InspectionPlan:
    """公布: fix the drawn list and store its SHA-256 digest."""
    plan = _locked_plan(actor, plan_id)
    _refuse_published(plan)
    visits = stored_visits(plan)
    if plan.drawn_at is None or not visits:
        raise Conflict("plan_not_drawn", "抽查计划尚未抽取,不能公布")
    over = capped_units(plan) & {v.unit_id for v in visits}
    if over:
        raise Conflict(
            "yearly_cap_exceeded",
            f"{len(over)}户单位在本部门{plan.year}年已公布的计划中达到每年{plan.yearly_cap}次的上限"
            f"(如“{_unit_name(min(over))}”),请重新抽取后再公布",
        )
    claim_version(plan, version)
    plan.digest = digest_of(visits)
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = timezone.now()
    plan.save()
    if actor is not None:
        ensure_permitted(actor, "change", plan)
    return plan


# --- verification -----------------------------------------------------------------------------


@dataclass
class VerifyResult:
    matches: bool
    expected: list[DrawnVisit]
    actual: list[DrawnVisit]
    differences: list[str] = field(default_factory=list)
    digest: str = ""  # the SHA-256 of the re-run list

    def as_dict(self) -> dict[str, Any]:
        return {
            "matches": self.matches,
            "digest": self.digest,
            "expected": [v.as_list() for v in self.expected],
            "actual": [v.as_list() for v in self.actual],
            "differences": self.differences,
        }


def _compare(expected: Sequence[DrawnVisit], actual: Sequence[DrawnVisit]) -> list[str]:
    out: list[str] = []
    if len(expected) != len(actual):
        out.append(f"抽取户数不同:重新抽取{len(expected)}户,现存名单{len(actual)}户")
    for n, (e, a) in enumerate(zip(expected, actual, strict=False), start=1):
        if e.unit_id != a.unit_id:
            out.append(f"第{n}位单位不同:重新抽取为{e.unit_id},现存名单为{a.unit_id}")
        elif e.inspector_ids != a.inspector_ids:
            out.append(
                f"第{n}位执法人员不同:重新抽取为{list(e.inspector_ids)},现存名单为{list(a.inspector_ids)}"
            )
    return out


def verify(plan: InspectionPlan | int) -> VerifyResult:
    """Re-run the draw from the plan's stored seed and inputs only, and compare it with the stored
    list (and, once published, with the published digest)."""
    if not isinstance(plan, InspectionPlan):
        plan = InspectionPlan.objects.get(pk=plan)
    actual = stored_visits(plan)
    inputs = plan.inputs or {}
    if not inputs.get("seed"):
        return VerifyResult(False, [], actual, ["抽查计划尚未抽取"])
    differences: list[str] = []
    if inputs.get("algorithm") != ALGORITHM:
        differences.append(f"抽取方法“{inputs.get('algorithm')}”不是本系统的方法")
        return VerifyResult(False, [], actual, differences)
    if inputs["seed"] != plan.seed:
        differences.append("抽取输入中的随机种子与计划记载的种子不一致")
    try:
        expected = run_draw(inputs)
    except (InspectorsInsufficient, KeyError, TypeError, ValueError, ZeroDivisionError):
        return VerifyResult(False, [], actual, [*differences, "抽取输入不完整或已被改动,无法重新抽取"])
    found = _compare(expected, actual)
    if len(found) > MAX_DIFFERENCES:
        found = [*found[:MAX_DIFFERENCES], f"……共{len(found)}处不同"]
    differences.extend(found)
    digest = digest_of(expected)
    if plan.digest and plan.digest != digest:
        differences.append("重新抽取结果的摘要与公布的摘要(SHA-256)不一致")
    return VerifyResult(not differences, expected, actual, differences, digest)


# --- 综合查一次 -----------------------------------------------------------------------------


def merge_joint_visits(
    district: Region, start: date, end: date, actor: User | None = None
) -> list[JointVisit]:
    """综合查一次: the visits of published plans overlapping ``start``–``end``, grouped per unit into
    runs of plans whose periods overlap; a run with visits of two or more departments becomes one
    :class:`JointVisit` (its period the common part, led by the department of the earliest plan).
    Running it again over the same range rebuilds the same groups."""
    if end < start:
        raise invalid("end", "period_invalid", "结束日期不能早于开始日期")
    if actor is not None and not can(actor, "add", JointVisit):
        raise Forbidden(audit="add safety.jointvisit")
    with transaction.atomic():
        visits = list(
            PlanVisit.objects.select_for_update()
            .filter(
                plan__region=district,
                plan__status=PlanStatus.PUBLISHED,
                plan__starts_on__lte=end,
                plan__ends_on__gte=start,
            )
            .select_related("plan")
            .order_by("unit_id", "plan__starts_on", "plan_id")
        )
        old = {v.joint_visit_id for v in visits if v.joint_visit_id}
        if old:
            PlanVisit.objects.filter(joint_visit_id__in=old).update(joint_visit=None)
            JointVisit.objects.filter(pk__in=old).delete()
        merged: list[JointVisit] = []
        changed: list[PlanVisit] = []
        for group in _overlapping_runs(visits):
            departments = {v.plan.department_id for v in group}
            if len(departments) < 2:
                continue
            joint = JointVisit.objects.create(
                region=district,
                unit_id=group[0].unit_id,
                starts_on=max(v.plan.starts_on for v in group),
                ends_on=min(v.plan.ends_on for v in group),
                lead_department_id=group[0].plan.department_id,
            )
            for v in group:
                v.joint_visit = joint
                changed.append(v)
            merged.append(joint)
        PlanVisit.objects.bulk_update(changed, ["joint_visit"])
        if actor is not None:
            for joint in merged:
                ensure_permitted(actor, "view", joint)
    return merged


def _overlapping_runs(visits: list[PlanVisit]) -> list[list[PlanVisit]]:
    """Per unit (visits sorted by unit, plan start), runs whose plan periods share a common day."""
    runs: list[list[PlanVisit]] = []
    current: list[PlanVisit] = []
    lo = hi = date.min
    for v in visits:
        p = v.plan
        if current and v.unit_id == current[0].unit_id and p.starts_on <= hi and p.ends_on >= lo:
            current.append(v)
            lo, hi = max(lo, p.starts_on), min(hi, p.ends_on)
            continue
        if current:
            runs.append(current)
        current, lo, hi = [v], p.starts_on, p.ends_on
    if current:
        runs.append(current)
    return runs


# --- coverage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRef:
    id: int
    name: str
    township: str
    risk_level: str


@dataclass
class CoverageRow:
    """One sector: its active units, those inspected (执法/联合) in the year up to the date, and
    those not — ``never_inspected`` the ones with no such inspection ever up to that date."""

    sector: Sector | None
    units: int = 0
    inspected: int = 0
    not_inspected: list[UnitRef] = field(default_factory=list)
    never_inspected: list[UnitRef] = field(default_factory=list)

    @property
    def rate(self) -> Decimal | None:
        """Share of the units inspected, in percent (one decimal)."""
        return figures.ratio(self.inspected, self.units)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sector_id": self.sector.pk if self.sector else None,
            "sector": self.sector.name if self.sector else "合计",
            "units": self.units,
            "inspected": self.inspected,
            "not_inspected": len(self.not_inspected),
            "never_inspected": len(self.never_inspected),
            "rate": None if self.rate is None else float(self.rate),
        }


def coverage_until(year: int, as_of: date | None = None) -> date:
    """The last day a coverage of ``year`` counts: ``as_of`` (default today in the current year,
    else 31 December), never past the year's end."""
    last = date(year, 12, 31)
    if as_of is None:
        today = timezone.localdate()
        as_of = today if today.year == year else last
    return min(as_of, last)


def coverage(district: Region, year: int, as_of: date | None = None, user: Any = None) -> list[CoverageRow]:
    """Per sector of the district (in order), then a total row (``sector`` None): active units,
    units inspected by 执法检查/联合检查 between 1 January of ``year`` and ``as_of`` (default: today
    in the current year, else 31 December), and the lists of units not inspected. With ``user``,
    only the units the user may view."""
    first = date(year, 1, 1)
    until = coverage_until(year, as_of)
    units = Unit.objects.filter(district=district, is_active=True)
    if user is not None:
        units = units.restrict(user)
    rows = list(
        units.order_by("sector_id", "township__code", "name", "pk").values_list(
            "pk", "name", "sector_id", "township__name", "risk_level"
        )
    )
    done = Inspection.objects.filter(district=district, kind__in=ENFORCEMENT_KINDS, inspected_on__lte=until)
    this_year = set(done.filter(inspected_on__gte=first).values_list("unit_id", flat=True).distinct())
    ever = set(done.values_list("unit_id", flat=True).distinct())
    sectors = list(Sector.objects.filter(region=district).order_by("order", "pk"))
    by_sector = {s.pk: CoverageRow(s) for s in sectors}
    total = CoverageRow(None)
    for pk, name, sector_id, township, risk in rows:
        row = by_sector.get(sector_id)
        if row is None:
            continue
        ref = UnitRef(pk, name, township or "", risk)
        for target in (row, total):
            target.units += 1
            if pk in this_year:
                target.inspected += 1
            else:
                target.not_inspected.append(ref)
                if pk not in ever:
                    target.never_inspected.append(ref)
    kept = [r for r in by_sector.values() if r.units or (r.sector is not None and r.sector.is_active)]
    return [*kept, total]
