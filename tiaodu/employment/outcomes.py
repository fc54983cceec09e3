"""Outcomes (求职对接): one jobseeker × one vacancy, 意向 → 面试 → 录用 → 入职 → 30/90天回访. Lane E.

The moves are the one table :data:`TRANSITIONS` (action → source states, target state, the date
it sets, its label). Every step is dated; the figures of the report read the dates, never the
state.

======== ============================================== ============ =========================
action   from                                           to           dates and flags
======== ============================================== ============ =========================
interview 意向                                          面试         interviewed_on
hire     意向、面试                                     录用         hired_on
start    录用                                           入职         started_on
check_30 入职                                           30天回访在岗 checked_30_on, employed_30=True
check_90 30天回访在岗                                   90天回访在岗 checked_90_on, employed_90=True
leave    入职、30天回访在岗、90天回访在岗               已离岗       ended_on, reason (below)
drop     意向、面试、录用                               未达成       ended_on, reason
======== ============================================== ============ =========================

Rules:

- A step's date may not be before the latest date already on the placement
  (``outcome_date_order``) nor after today (``outcome_date_future``).
- An action not allowed from the placement's state: 409 ``outcome_transition``.
- The 30-day follow-up not before ``started_on`` + 30 days, the 90-day one not before + 90
  (``follow_up_too_early``).
- ``leave`` and ``drop`` need a reason (``LeaveReason``: 薪资, 距离, 岗位不符, 企业辞退, 其他;
  ``reason_required``).
- ``leave`` is what the next follow-up found: from 入职 it records the 30-day follow-up as "not
  employed" (``checked_30_on`` = the date, ``employed_30`` = False) and the 90-day one too
  (``employed_90`` = False: who is gone at 30 days is gone at 90); from 30天回访在岗 it records the
  90-day follow-up as "not employed" (``checked_90_on``, ``employed_90`` = False); from
  90天回访在岗 only the end (both follow-ups had found the person employed). So the retention
  figures (still employed / followed up) count everyone who started and was followed up.
- Enterprises record 面试、录用、入职 for their own vacancies; the follow-ups, leaving and dropping
  are the employment staff's and the towns' (``Transition.enterprise``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from tiaodu.accounts.choices import Role
from tiaodu.core.concurrency import claim_version
from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, invalid
from tiaodu.core.permissions import ensure_added, ensure_permitted, get_scoped
from tiaodu.employment.choices import FOLLOW_UP_DAYS, LeaveReason
from tiaodu.employment.choices import OutcomeState as S
from tiaodu.employment.models import Jobseeker, Placement, Vacancy

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.employment.models import BusTrip, JobFair

FOLLOW_UP_30, FOLLOW_UP_90 = FOLLOW_UP_DAYS


@dataclass(frozen=True)
class Transition:
    """One row of the table: ``action`` moves a placement from one of ``sources`` to ``target``
    and dates it in ``date_field``. ``needs_reason``: leave/drop (why not). ``enterprise``: the
    vacancy's enterprise may take this step itself."""

    action: str
    sources: frozenset[str]
    target: str
    date_field: str
    label: str
    needs_reason: bool = False
    enterprise: bool = False


def _t(
    action: str,
    sources: set[str],
    target: str,
    date_field: str,
    label: str,
    *,
    needs_reason: bool = False,
    enterprise: bool = False,
) -> Transition:
    return Transition(action, frozenset(sources), target, date_field, label, needs_reason, enterprise)


# The one transition table (see the module docstring).
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("interview", {S.INTENDED}, S.INTERVIEWED, "interviewed_on", "面试", enterprise=True),
        _t("hire", {S.INTENDED, S.INTERVIEWED}, S.HIRED, "hired_on", "录用", enterprise=True),
        _t("start", {S.HIRED}, S.EMPLOYED, "started_on", "入职", enterprise=True),
        _t("check_30", {S.EMPLOYED}, S.CHECKED_30, "checked_30_on", "30天回访:仍在岗"),
        _t("check_90", {S.CHECKED_30}, S.CHECKED_90, "checked_90_on", "90天回访:仍在岗"),
        _t(
            "leave",
            {S.EMPLOYED, S.CHECKED_30, S.CHECKED_90},
            S.LEFT,
            "ended_on",
            "已离岗",
            needs_reason=True,
        ),
        _t(
            "drop",
            {S.INTENDED, S.INTERVIEWED, S.HIRED},
            S.DROPPED,
            "ended_on",
            "未达成",
            needs_reason=True,
        ),
    )
}

# The steps in the order they happen: the dates a new step may not precede.
STEP_DATES = (
    "intended_on",
    "interviewed_on",
    "hired_on",
    "started_on",
    "checked_30_on",
    "checked_90_on",
    "ended_on",
)
STEP_LABELS = {
    "intended_on": "达成意向",
    "interviewed_on": "面试",
    "hired_on": "录用",
    "started_on": "入职",
    "checked_30_on": "30天回访",
    "checked_90_on": "90天回访",
    "ended_on": "离岗/终止",
}

# The results an import may record (fair-results: 结果), by label or by state code, and the
# chain of actions that leads to each from 意向.
RESULTS: dict[str, str] = {
    "意向": S.INTENDED,
    "面试": S.INTERVIEWED,
    "录用": S.HIRED,
    "入职": S.EMPLOYED,
    S.INTENDED: S.INTENDED,
    S.INTERVIEWED: S.INTERVIEWED,
    S.HIRED: S.HIRED,
    S.EMPLOYED: S.EMPLOYED,
}
CHAIN: tuple[tuple[str, str], ...] = (
    (S.INTENDED, ""),
    (S.INTERVIEWED, "interview"),
    (S.HIRED, "hire"),
    (S.EMPLOYED, "start"),
    (S.CHECKED_30, "check_30"),
    (S.CHECKED_90, "check_90"),
)
RANK = {state: rank for rank, (state, _action) in enumerate(CHAIN)}
TERMINAL = frozenset({S.LEFT, S.DROPPED})
STAFF_ROLES = frozenset({Role.ADMIN, Role.DEPARTMENT, Role.TOWN})


def allowed_actions(placement: Placement, user: User | None = None) -> list[Transition]:
    """The table's moves open from the placement's state (for ``user``'s role: enterprises only
    the steps marked ``enterprise``)."""
    moves = [t for t in TRANSITIONS.values() if placement.state in t.sources]
    if user is not None and not is_staff(user):
        moves = [t for t in moves if t.enterprise]
    return moves


def is_staff(user: User) -> bool:
    return bool(user.is_superuser or user.role in STAFF_ROLES)


def latest_date(placement: Placement) -> date | None:
    """The latest step date on the placement (a new step may not precede it)."""
    dates = [d for d in (getattr(placement, f) for f in STEP_DATES) if d is not None]
    return max(dates) if dates else None


def follow_up_from(placement: Placement, action: str) -> date | None:
    """The first day the 30- or 90-day follow-up may be recorded (None: not a follow-up)."""
    if placement.started_on is None:
        return None
    if action == "check_30":
        return placement.started_on + timedelta(days=FOLLOW_UP_30)
    if action == "check_90":
        return placement.started_on + timedelta(days=FOLLOW_UP_90)
    return None


def display_name(user: User | None, jobseeker: Jobseeker) -> str:
    """The jobseeker's name as ``user`` may see it: in full for the employment staff and the
    towns, masked (张*) for everyone else (enterprises)."""
    if user is not None and is_staff(user):
        return jobseeker.name
    return jobseeker.masked_name


def _today() -> date:
    return timezone.localdate()


def _check_day(on: Any, field: str = "on") -> date:
    if not isinstance(on, date):
        raise invalid(field, "date_required", "请填写日期")
    if on > _today():
        raise invalid(field, "outcome_date_future", "日期不能晚于今天")
    return on


def _touch(jobseeker: Jobseeker, on: date) -> None:
    """The jobseeker's last activity moves to ``on`` (the retention period runs from it)."""
    from tiaodu.employment import jobseekers

    jobseekers.touch(jobseeker, on)


# --- opening --------------------------------------------------------------------------------------


@transaction.atomic
def open_placement(
    actor: User | None,
    *,
    jobseeker: Jobseeker,
    vacancy: Vacancy,
    on: date,
    fair: JobFair | None = None,
    trip: BusTrip | None = None,
) -> Placement:
    """The placement of ``jobseeker`` × ``vacancy``, opened as 意向 on ``on`` — or the existing one
    (never a second): its fair and trip are filled if empty and its intention date moves back
    to ``on`` if that is earlier. The township (the jobseeker's now), district, enterprise,
    occupation and service department are copied onto it.

    ``actor`` None: the system (a command run without a user). Otherwise the new placement must
    be in the actor's "add" scope, an existing one in its "change" scope.
    Errors: ``jobseeker_anonymised``, ``vacancy_other_district``, ``fair_other_district``,
    ``trip_other_district``, ``outcome_date_future``."""
    on = _check_day(on)
    errors: list[FieldError] = []
    if jobseeker.anonymised_on is not None or jobseeker.consent_withdrawn_on is not None:
        errors.append(
            FieldError("jobseeker", "jobseeker_anonymised", "该求职者已撤回同意或已匿名化,不能再登记求职对接")
        )
    if vacancy.district_id != jobseeker.district_id:
        errors.append(FieldError("vacancy", "vacancy_other_district", "岗位与求职者不在同一区县"))
    if fair is not None and fair.district_id != jobseeker.district_id:
        errors.append(FieldError("fair", "fair_other_district", "招聘会与求职者不在同一区县"))
    if trip is not None and trip.district_id != jobseeker.district_id:
        errors.append(FieldError("trip", "trip_other_district", "求职专车与求职者不在同一区县"))
    if errors:
        raise InvalidInput(errors)

    existing = Placement.objects.select_for_update().filter(jobseeker=jobseeker, vacancy=vacancy).first()
    if existing is not None:
        return _reopen(actor, existing, on=on, fair=fair, trip=trip)

    service_org = jobseeker.service_org
    if service_org is None:
        from tiaodu.employment.models import EmploymentSettings

        settings = EmploymentSettings.objects.filter(region_id=jobseeker.district_id).first()
        service_org = settings.departments.order_by("pk").first() if settings is not None else None
    try:
        with transaction.atomic():  # a savepoint: someone else may open the same pair meanwhile
            placement = Placement.objects.create(
                district_id=jobseeker.district_id,
                township_id=jobseeker.township_id,
                jobseeker=jobseeker,
                vacancy=vacancy,
                enterprise_id=vacancy.enterprise_id,
                occupation_id=vacancy.occupation_id,
                fair=fair,
                trip=trip,
                state=S.INTENDED,
                intended_on=on,
                service_org=service_org,
                created_by=actor,
            )
    except IntegrityError:
        existing = Placement.objects.select_for_update().get(jobseeker=jobseeker, vacancy=vacancy)
        return _reopen(actor, existing, on=on, fair=fair, trip=trip)
    if actor is not None:
        ensure_added(actor, placement)
    _touch(jobseeker, on)
    return placement


def _reopen(
    actor: User | None, existing: Placement, *, on: date, fair: JobFair | None, trip: BusTrip | None
) -> Placement:
    """The existing placement of a pair: fair and trip filled if empty, the intention date moved
    back to ``on`` if earlier (checked against the actor's "change" scope when anything changes,
    its "view" scope otherwise)."""
    changed: list[str] = []
    if fair is not None and existing.fair_id is None:
        existing.fair = fair
        changed.append("fair")
    if trip is not None and existing.trip_id is None:
        existing.trip = trip
        changed.append("trip")
    if on < existing.intended_on:
        existing.intended_on = on
        changed.append("intended_on")
    if actor is not None:
        ensure_permitted(actor, "change" if changed else "view", existing)
    if changed:
        claim_version(existing, None)
        existing.save(update_fields=[*changed, "updated_at"])
    _touch(existing.jobseeker, on)
    return existing


# --- moving ---------------------------------------------------------------------------------------


def _placement_id(placement: Placement | int) -> int:
    return placement if isinstance(placement, int) else int(placement.pk)


@transaction.atomic
def advance(
    actor: User | None,
    placement: Placement | int,
    action: str,
    *,
    on: date,
    reason: str = "",
    note: str = "",
    version: int | None = None,
) -> Placement:
    """Take one step of :data:`TRANSITIONS` on ``on``.

    The placement is fetched through ``actor``'s "change" scope (locked; 404/403 outside it);
    ``version`` (when given) must be the placement's current one (409 ``stale_write``).
    Errors: ``outcome_action`` (no such action, 422), ``outcome_transition`` (409: not allowed
    from the state), ``permission_denied`` (an enterprise's follow-up), ``outcome_date_order``,
    ``outcome_date_future``, ``follow_up_too_early``, ``reason_required``, ``reason_unknown``.
    ``actor`` None: the system (no scope check)."""
    move = TRANSITIONS.get(action)
    if move is None:
        raise invalid("action", "outcome_action", f"未知的操作“{action}”")
    pk = _placement_id(placement)
    if actor is None:
        found = Placement.objects.select_for_update().get(pk=pk)
    else:
        found = get_scoped(Placement, actor, "change", pk=pk)
        if not move.enterprise and not is_staff(actor):
            raise Forbidden(
                "回访、离岗和终止由就业服务部门或镇街登记", audit=f"change employment.placement {pk}"
            )
    if found.state not in move.sources:
        raise Conflict(
            "outcome_transition",
            f"当前状态为“{found.get_state_display()}”,不能执行“{move.label}”",
            [FieldError("action", "outcome_transition", f"当前状态不能执行“{move.label}”")],
        )
    on = _check_day(on)
    errors: list[FieldError] = []
    last = latest_date(found)
    if last is not None and on < last:
        errors.append(FieldError("on", "outcome_date_order", f"日期不能早于上一步的日期({last.isoformat()})"))
    earliest = follow_up_from(found, action)
    if earliest is not None and on < earliest:
        days = FOLLOW_UP_30 if action == "check_30" else FOLLOW_UP_90
        errors.append(
            FieldError(
                "on",
                "follow_up_too_early",
                f"{days}天回访不能早于入职后第{days}天({earliest.isoformat()})",
            )
        )
    reason = (reason or "").strip()
    if move.needs_reason:
        if not reason:
            errors.append(FieldError("reason", "reason_required", "请选择原因"))
        elif reason not in LeaveReason.values:
            errors.append(FieldError("reason", "reason_unknown", f"原因“{reason}”无效"))
    elif reason:
        errors.append(FieldError("reason", "reason_unexpected", "只有离岗或未达成需要填写原因"))
    note = (note or "").strip()
    if len(note) > Placement._meta.get_field("note").max_length:  # type: ignore[operator]
        errors.append(FieldError("note", "too_long", "备注过长"))
    if errors:
        raise InvalidInput(errors)

    claim_version(found, version)
    fields = _apply(found, move, on, reason)
    if note:
        found.note = note
        fields.append("note")
    found.save(update_fields=[*fields, "updated_at"])
    _touch(found.jobseeker, on)
    return found


def _apply(placement: Placement, move: Transition, on: date, reason: str) -> list[str]:
    """Set the state, the step's date and what the step implies; the fields changed."""
    source = placement.state
    placement.state = move.target
    setattr(placement, move.date_field, on)
    fields = ["state", move.date_field]
    if move.action == "check_30":
        placement.employed_30 = True
        fields.append("employed_30")
    elif move.action == "check_90":
        placement.employed_90 = True
        fields.append("employed_90")
    elif move.action == "leave":
        placement.reason = reason
        fields.append("reason")
        if source == S.EMPLOYED:
            placement.checked_30_on, placement.employed_30 = on, False
            placement.employed_90 = False
            fields += ["checked_30_on", "employed_30", "employed_90"]
        elif source == S.CHECKED_30:
            placement.checked_90_on, placement.employed_90 = on, False
            fields += ["checked_90_on", "employed_90"]
    elif move.action == "drop":
        placement.reason = reason
        fields.append("reason")
    return fields


@transaction.atomic
def record_result(
    actor: User | None,
    *,
    jobseeker: Jobseeker,
    vacancy: Vacancy,
    result: str,
    on: date,
    fair: JobFair | None = None,
    trip: BusTrip | None = None,
) -> Placement:
    """For imports: open the placement (:func:`open_placement`) and walk the table up to
    ``result`` ("意向"/"面试"/"录用"/"入职", or the state codes), each missing step dated ``on``
    (意向 → 面试 → 录用 → 入职). Never moves backwards: a placement already at or past the result,
    or ended (已离岗/未达成), is returned as it is. Error ``outcome_result`` for another result."""
    target = RESULTS.get((result or "").strip())
    if target is None:
        raise invalid("result", "outcome_result", f"结果“{result}”无效,应为意向、面试、录用或入职")
    placement = open_placement(actor, jobseeker=jobseeker, vacancy=vacancy, on=on, fair=fair, trip=trip)
    if placement.state in TERMINAL or RANK[placement.state] >= RANK[target]:
        return placement
    for state, action in CHAIN[RANK[placement.state] + 1 : RANK[target] + 1]:
        placement = advance(actor, placement, action, on=on)
        assert placement.state == state
    return placement


# --- reading --------------------------------------------------------------------------------------


def follow_ups_due(user: User, on: date) -> QuerySet[Placement]:
    """The placements in ``user``'s view whose follow-up is due on ``on``: 入职 and started at
    least 30 days before without the 30-day follow-up; 30天回访在岗 and started at least 90 days
    before (oldest start first)."""
    return (
        Placement.objects.restrict(user)
        .filter(
            Q(state=S.EMPLOYED, checked_30_on__isnull=True, started_on__lte=on - timedelta(days=FOLLOW_UP_30))
            | Q(
                state=S.CHECKED_30,
                checked_90_on__isnull=True,
                started_on__lte=on - timedelta(days=FOLLOW_UP_90),
            )
        )
        .order_by("started_on", "pk")
    )


def due_action(placement: Placement) -> str:
    """The follow-up a due placement waits for: ``check_30`` or ``check_90``."""
    return "check_30" if placement.state == S.EMPLOYED else "check_90"


def timeline(placement: Placement) -> list[tuple[str, date, str]]:
    """The dated steps of a placement, in order: (label, date, detail)."""
    out: list[tuple[str, date, str]] = []
    for field in STEP_DATES:
        day = getattr(placement, field)
        if day is None:
            continue
        detail = ""
        if field == "checked_30_on":
            detail = "在岗" if placement.employed_30 else "不在岗"
        elif field == "checked_90_on":
            detail = "在岗" if placement.employed_90 else "不在岗"
        elif field == "ended_on":
            label = "已离岗" if placement.state == S.LEFT else "未达成"
            reason = placement.get_reason_display() if placement.reason else ""
            out.append((label, day, str(reason)))
            continue
        out.append((STEP_LABELS[field], day, detail))
    return out
