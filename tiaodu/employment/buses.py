"""Job buses (求职专车): a trip on a date from towns' pick-up points to enterprises' gates, its seats
and riders, and what came of each rider.

- :func:`create_trip` — name, date, seats (at least 1), pick-up points (township + place, in order;
  townships of the district), the enterprises it goes to, optionally the fair it serves.
- :func:`add_rider` — a jobseeker of the district on the trip (once: adding again returns the
  rider); ``bus_full`` when every seat is taken (the trip row is locked while counting, so two
  clerks cannot give away the last seat twice); the stop must be one of the trip's.
- :func:`record_intention` — an intention of a rider for a vacancy of one of the trip's
  enterprises (``vacancy_not_on_trip``), opened by :func:`outcomes.open_placement` with the trip.
- :func:`rider_results` — each rider with their placements of this trip (意向 → 入职 …).

A rider's township is the jobseeker's (the town that looks after them sees the ride).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, QuerySet

from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, invalid
from tiaodu.core.permissions import Action, can, ensure_added, get_scoped
from tiaodu.core.resolve import district_of, township_of
from tiaodu.employment.models import BusRider, BusStop, BusTrip, JobFair, Jobseeker, Placement, Vacancy
from tiaodu.enterprises.models import Enterprise
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

MAX_SEATS = 200


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def trips_for(user: User, action: Action = "view") -> QuerySet[BusTrip]:
    """The trips the user may see (or change), with their rider counts."""
    qs: QuerySet[BusTrip] = (
        BusTrip.objects.restrict(user, action)  # type: ignore[attr-defined]
        .select_related("district", "fair")
        .annotate(rider_count=Count("riders", distinct=True))
    )
    return qs


def _stops(
    actor: User | None, district: Region | None, stops: Sequence[Any], errors: list[FieldError]
) -> list[tuple[Region, str]]:
    out: list[tuple[Region, str]] = []
    for index, stop in enumerate(stops):
        try:
            township, point = stop
        except (TypeError, ValueError):
            errors.append(FieldError(f"stops.{index}", "stop_invalid", "上车点应为“镇街 + 地点”"))
            continue
        try:
            town = township_of(township, actor, district)
        except InvalidInput as exc:
            errors.extend(FieldError(f"stops.{index}.township", e.code, e.message) for e in exc.errors)
            continue
        if district is not None and not town.path.startswith(district.path):
            errors.append(
                FieldError(
                    f"stops.{index}.township", "township_unknown", f"{town.name}不是{district.name}的镇街"
                )
            )
            continue
        place = str(point or "").strip()
        if not place:
            place = f"{town.name}场镇"
        if len(place) > 64:
            errors.append(FieldError(f"stops.{index}.point", "too_long", "上车点不能超过64个字符"))
            continue
        out.append((town, place))
    return out


@transaction.atomic
def create_trip(
    actor: User | None,
    *,
    district: Region | str | None = None,
    name: str,
    run_on: date,
    seats: int,
    stops: Sequence[tuple[Region | str, str]] = (),
    enterprises: Iterable[Enterprise | int] = (),
    fair: JobFair | int | None = None,
    note: str = "",
) -> BusTrip:
    """Register a trip with its pick-up points (in the order given)."""
    if actor is not None and not can(actor, "add", BusTrip):
        raise Forbidden(audit="add employment.bustrip")
    errors: list[FieldError] = []
    found_district: Region | None = None
    if district:
        found_district = (
            district
            if isinstance(district, Region)
            else Region.objects.filter(code=str(district), level=Level.COUNTY).first()
        )
        if found_district is None or found_district.level != Level.COUNTY:
            raise invalid("district", "district_unknown", f"区县“{district}”不存在")
    if found_district is None and stops:
        try:
            found_district = district_of(township_of(stops[0][0], actor))
        except (InvalidInput, TypeError, ValueError, IndexError):
            found_district = None
    if found_district is None and actor is not None:
        from tiaodu.core.resolve import actor_district

        found_district = actor_district(actor)
    if found_district is None:
        raise invalid("district", "district_unknown", "请指定区县")
    name = (name or "").strip()
    if not name:
        errors.append(FieldError("name", "required", "请填写专车名称"))
    elif len(name) > 128:
        errors.append(FieldError("name", "too_long", "专车名称不能超过128个字符"))
    if run_on is None:
        errors.append(FieldError("run_on", "required", "请填写发车日期"))
    try:
        seat_count = int(seats)
    except (TypeError, ValueError):
        seat_count = 0
    if not 1 <= seat_count <= MAX_SEATS:
        errors.append(FieldError("seats", "seats_invalid", f"座位数应在1至{MAX_SEATS}之间"))
    found_stops = _stops(actor, found_district, stops, errors)
    company_ids = list(dict.fromkeys(_pk(e) for e in enterprises))
    if company_ids and Enterprise.objects.filter(pk__in=company_ids).count() != len(company_ids):
        errors.append(FieldError("enterprises", "enterprise_unknown", "送达企业不存在"))
    found_fair = None
    if fair is not None and fair != "":
        found_fair = JobFair.objects.filter(pk=_pk(fair), district=found_district).first()
        if found_fair is None:
            errors.append(FieldError("fair", "fair_unknown", f"招聘会不存在于{found_district.name}"))
    if errors:
        raise InvalidInput(errors)
    trip = BusTrip.objects.create(
        district=found_district,
        name=name,
        run_on=run_on,
        seats=seat_count,
        fair=found_fair,
        note=(note or "").strip()[:255],
        created_by=actor,
    )
    BusStop.objects.bulk_create(
        [
            BusStop(trip=trip, township=town, point=point, order=order)
            for order, (town, point) in enumerate(found_stops, start=1)
        ]
    )
    if company_ids:
        trip.enterprises.set(company_ids)
    if actor is not None:
        ensure_added(actor, trip)
    return trip


def _trip(actor: User | None, trip: BusTrip | int) -> BusTrip:
    """The trip, locked: its seats are counted under the lock."""
    if actor is None:
        found = BusTrip.objects.select_for_update().filter(pk=_pk(trip)).first()
        if found is None:
            raise invalid("trip", "trip_unknown", "求职专车不存在")
        return found
    scoped: BusTrip = get_scoped(BusTrip, actor, "change", pk=_pk(trip))
    return scoped


@transaction.atomic
def add_rider(
    actor: User | None, trip: BusTrip | int, jobseeker: Jobseeker | int, *, stop: BusStop | int | None = None
) -> BusRider:
    """Put a jobseeker on the trip (once; ``bus_full`` when the seats are taken)."""
    from tiaodu.employment import jobseekers

    target = _trip(actor, trip)
    person = (
        jobseeker if isinstance(jobseeker, Jobseeker) else Jobseeker.objects.filter(pk=_pk(jobseeker)).first()
    )
    if person is None or person.anonymised_on is not None:
        raise invalid("jobseeker", "jobseeker_unknown", "求职者不存在")
    if person.district_id != target.district_id:
        raise invalid("jobseeker", "jobseeker_other_district", "求职者不是该专车所在区县登记的")
    found_stop = None
    if stop is not None and stop != "":
        found_stop = BusStop.objects.filter(pk=_pk(stop), trip=target).first()
        if found_stop is None:
            raise invalid("stop", "stop_unknown", "上车点不是该专车的")
    existing = BusRider.objects.filter(trip=target, jobseeker=person).first()
    if existing is not None:
        if found_stop is not None and existing.stop_id != found_stop.pk:
            existing.stop = found_stop
            existing.save(update_fields=["stop", "updated_at"])
        return existing
    taken = BusRider.objects.filter(trip=target).count()
    if taken >= target.seats:
        raise Conflict("bus_full", f"“{target.name}”的{target.seats}个座位已满")
    try:
        with transaction.atomic():
            rider = BusRider.objects.create(
                trip=target, jobseeker=person, stop=found_stop, township_id=person.township_id
            )
    except IntegrityError:
        return BusRider.objects.get(trip=target, jobseeker=person)
    jobseekers.touch(person, target.run_on)
    return rider


@transaction.atomic
def record_intention(
    actor: User | None,
    trip: BusTrip | int,
    jobseeker: Jobseeker | int,
    vacancy: Vacancy | int,
    *,
    on: date | None = None,
) -> Placement:
    """An intention of a rider for a vacancy of one of the trip's enterprises."""
    from tiaodu.employment import outcomes

    if actor is not None:
        target: BusTrip = get_scoped(BusTrip, actor, "view", pk=_pk(trip))
        if not can(actor, "add", Placement):
            raise Forbidden(audit=f"add employment.placement trip={target.pk}")
    else:
        found = BusTrip.objects.filter(pk=_pk(trip)).first()
        if found is None:
            raise invalid("trip", "trip_unknown", "求职专车不存在")
        target = found
    rider = (
        BusRider.objects.filter(trip=target, jobseeker_id=_pk(jobseeker)).select_related("jobseeker").first()
    )
    if rider is None:
        raise invalid("jobseeker", "rider_unknown", "该求职者未乘坐此专车")
    job = Vacancy.objects.select_related("enterprise").filter(pk=_pk(vacancy)).first()
    if job is None:
        raise invalid("vacancy", "vacancy_unknown", "岗位不存在")
    if target.enterprises.exists() and not target.enterprises.filter(pk=job.enterprise_id).exists():
        raise invalid("vacancy", "vacancy_not_on_trip", f"专车未送达{job.enterprise.name}")
    day = on or target.run_on
    if day < target.run_on:
        raise invalid("on", "outcome_date_order", "意向日期不能早于发车日期")
    placement: Placement = outcomes.open_placement(
        actor, jobseeker=rider.jobseeker, vacancy=job, on=day, trip=target
    )
    return placement


def rider_results(trip: BusTrip | int) -> list[tuple[BusRider, list[Placement]]]:
    """Each rider of the trip (in boarding order) with their placements of this trip."""
    trip_id = _pk(trip)
    riders = (
        BusRider.objects.filter(trip_id=trip_id)
        .select_related("jobseeker", "stop", "township")
        .prefetch_related(
            Prefetch(
                "jobseeker__placements",
                queryset=Placement.objects.filter(trip_id=trip_id).select_related("vacancy", "enterprise"),
                to_attr="trip_placements",
            )
        )
        .order_by("stop__order", "pk")
    )
    return [(rider, list(getattr(rider.jobseeker, "trip_placements", []))) for rider in riders]
