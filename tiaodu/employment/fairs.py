"""Job fairs (招聘会): creating a fair, the enterprises at it (booths) and the vacancies they bring,
signing jobseekers in (by staff, or by the jobseeker's phone through the fair's QR code), and the
intentions (初步求职意向) recorded on the spot.

- :func:`create_fair` — a fair of a township of the district on a date (one fair per district,
  name and date: ``fair_duplicate``); its kind is one of :class:`~tiaodu.employment.choices.FairKind`.
- :func:`add_booth` — an enterprise at the fair with some of its own vacancies
  (``vacancy_not_of_enterprise`` otherwise); adding again adds the new vacancies.
- :func:`sign_in` — a jobseeker of the district signed in once (a second sign-in returns the first);
  the jobseeker's last activity becomes the fair's date (:func:`jobseekers.touch`).
- :func:`record_intention` — an intention for a vacancy whose enterprise has a booth at the fair
  (``vacancy_not_at_fair`` otherwise): the jobseeker is signed in if not yet, the vacancy is added
  to the booth, and the placement is opened by :func:`outcomes.open_placement` dated the fair's day.
- :func:`live_counts` — the figures the fair page refreshes while the fair is on.
- :func:`register_at_fair` — the public page's self-registration: :func:`jobseekers.register`
  with ``via=SELF`` and the fair, then a QR sign-in on the fair's day (registration only before
  it; refused with ``fair_over`` after it).

A fair's figures are counted from its rows (booths, attendances, placements with ``fair``), not
from any running total.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, invalid
from tiaodu.core.imports import start_of_day
from tiaodu.core.permissions import Action, can, ensure_added, get_scoped
from tiaodu.core.resolve import district_of, township_of
from tiaodu.employment.choices import FairKind, RegisteredVia, SignInVia, VacancyStatus
from tiaodu.employment.models import FairAttendance, FairEnterprise, JobFair, Jobseeker, Placement, Vacancy
from tiaodu.enterprises.models import Enterprise
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

KIND_BY_LABEL = {str(label): value for value, label in FairKind.choices}


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def kind_of(value: str) -> str:
    """A fair kind by code (``spring``) or label (春风行动专场); ``fair_kind_unknown`` otherwise."""
    value = (value or "").strip()
    if value in FairKind.values:
        return value
    if value in KIND_BY_LABEL:
        return KIND_BY_LABEL[value]
    labels = "、".join(KIND_BY_LABEL)
    raise invalid("kind", "fair_kind_unknown", f"招聘会类型“{value}”无效,可选:{labels}")


def _district(value: Region | str | None) -> Region | None:
    if value is None or value == "":
        return None
    if isinstance(value, Region):
        found: Region | None = value
    else:
        found = Region.objects.filter(code=str(value), level=Level.COUNTY).first()
    if found is None or found.level != Level.COUNTY:
        raise invalid("district", "district_unknown", f"区县“{value}”不存在")
    return found


def _township(actor: User | None, township: Region | str, district: Region | None) -> Region:
    if township is None or township == "":
        raise invalid("township", "required", "请选择举办镇街")
    town = township_of(township, actor, district)
    if district is not None and not town.path.startswith(district.path):
        raise invalid("township", "township_unknown", f"{town.name}不是{district.name}的镇街")
    return town


def fairs_for(user: User, action: Action = "view") -> QuerySet[JobFair]:
    """The fairs the user may see (or change), with what lists show."""
    qs: QuerySet[JobFair] = JobFair.objects.restrict(user, action).select_related("district", "township")  # type: ignore[attr-defined]
    return qs


@transaction.atomic
def create_fair(
    actor: User | None,
    *,
    district: Region | str | None = None,
    township: Region | str,
    name: str,
    kind: str,
    held_on: date,
    venue: str = "",
    organisers: Iterable[Organization | int] = (),
    note: str = "",
) -> JobFair:
    """Register a fair. ``district`` defaults to the township's; the township must be of it."""
    if actor is not None and not can(actor, "add", JobFair):
        raise Forbidden(audit="add employment.jobfair")
    errors: list[FieldError] = []
    found_district = _district(district)
    town = _township(actor, township, found_district)
    found_district = found_district or district_of(town)
    name = (name or "").strip()
    if not name:
        errors.append(FieldError("name", "required", "请填写招聘会名称"))
    elif len(name) > 128:
        errors.append(FieldError("name", "too_long", "招聘会名称不能超过128个字符"))
    try:
        kind = kind_of(kind)
    except InvalidInput as exc:
        errors.extend(exc.errors)
    if held_on is None:
        errors.append(FieldError("held_on", "required", "请填写举办日期"))
    venue, note = (venue or "").strip()[:128], (note or "").strip()[:255]
    organiser_ids = list(dict.fromkeys(_pk(o) for o in organisers))
    if organiser_ids and Organization.objects.filter(pk__in=organiser_ids).count() != len(organiser_ids):
        errors.append(FieldError("organisers", "organisation_unknown", "主办单位不存在"))
    if not errors and JobFair.objects.filter(district=found_district, name=name, held_on=held_on).exists():
        errors.append(FieldError("name", "fair_duplicate", f"{held_on:%Y-%m-%d}已有名为“{name}”的招聘会"))
    if errors:
        raise InvalidInput(errors)
    fair = JobFair(
        district=found_district,
        township=town,
        name=name,
        kind=kind,
        held_on=held_on,
        venue=venue,
        note=note,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            fair.save()
    except IntegrityError:
        raise invalid("name", "fair_duplicate", f"{held_on:%Y-%m-%d}已有名为“{name}”的招聘会") from None
    if organiser_ids:
        fair.organisers.set(organiser_ids)
    if actor is not None:
        ensure_added(actor, fair)
    return fair


def _fair(actor: User | None, fair: JobFair | int, action: Action = "change") -> JobFair:
    if actor is None:
        try:
            return JobFair.objects.select_related("district", "township").get(pk=_pk(fair))
        except (JobFair.DoesNotExist, ValueError, TypeError):
            raise invalid("fair", "fair_unknown", "招聘会不存在") from None
    found: JobFair = get_scoped(JobFair, actor, action, pk=_pk(fair))
    return found


@transaction.atomic
def add_booth(
    actor: User | None,
    fair: JobFair | int,
    enterprise: Enterprise | int,
    vacancies: Iterable[Vacancy | int] = (),
) -> FairEnterprise:
    """The enterprise at the fair (its booth, made once) with these of its vacancies added."""
    target = _fair(actor, fair)
    company = Enterprise.objects.filter(pk=_pk(enterprise)).first()
    if company is None:
        raise invalid("enterprise", "enterprise_unknown", "企业不存在")
    ids = list(dict.fromkeys(_pk(v) for v in vacancies))
    found = list(Vacancy.objects.filter(pk__in=ids)) if ids else []
    errors = [
        FieldError("vacancies", "vacancy_not_of_enterprise", f"岗位“{v.title}”不是{company.name}的岗位")
        for v in found
        if v.enterprise_id != company.pk
    ]
    if len(found) != len(ids):
        errors.append(FieldError("vacancies", "vacancy_unknown", "岗位不存在"))
    if errors:
        raise InvalidInput(errors)
    booth, created = FairEnterprise.objects.get_or_create(fair=target, enterprise=company)
    if found:
        booth.vacancies.add(*found)
    if created and actor is not None:
        ensure_added(actor, booth)
    return booth


def _jobseeker_of(fair: JobFair, jobseeker: Jobseeker | int) -> Jobseeker:
    found = (
        jobseeker if isinstance(jobseeker, Jobseeker) else Jobseeker.objects.filter(pk=_pk(jobseeker)).first()
    )
    if found is None or found.anonymised_on is not None:
        raise invalid("jobseeker", "jobseeker_unknown", "求职者不存在")
    if found.district_id != fair.district_id:
        raise invalid("jobseeker", "jobseeker_other_district", "求职者不是该招聘会所在区县登记的")
    return found


def _moment(fair: JobFair, at: datetime | None) -> datetime:
    """When a sign-in happened: given, else now on the fair's day, else the start of the fair's day
    (a sign-in recorded afterwards, e.g. by an import)."""
    if at is not None:
        return at
    now = timezone.now()
    return now if timezone.localdate(now) == fair.held_on else start_of_day(fair.held_on)


def _touch(jobseeker: Jobseeker, on: date) -> None:
    from tiaodu.employment import jobseekers

    jobseekers.touch(jobseeker, on)


@transaction.atomic
def sign_in(
    actor: User | None,
    fair: JobFair | int,
    jobseeker: Jobseeker | int,
    *,
    via: str = SignInVia.STAFF,
    at: datetime | None = None,
) -> FairAttendance:
    """Sign the jobseeker in at the fair (once: a repeated sign-in returns the first)."""
    target = _fair(actor, fair)
    person = _jobseeker_of(target, jobseeker)
    if via not in SignInVia.values:
        raise invalid("via", "sign_in_via_unknown", f"签到方式“{via}”无效")
    existing = FairAttendance.objects.filter(fair=target, jobseeker=person).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            attendance = FairAttendance.objects.create(
                fair=target,
                jobseeker=person,
                via=via,
                signed_in_at=_moment(target, at),
                signed_in_by=actor,
            )
    except IntegrityError:  # signed in by someone else at the same moment
        return FairAttendance.objects.get(fair=target, jobseeker=person)
    _touch(person, target.held_on)
    return attendance


@transaction.atomic
def record_intention(
    actor: User | None,
    fair: JobFair | int,
    jobseeker: Jobseeker | int,
    vacancy: Vacancy | int,
    *,
    on: date | None = None,
) -> Placement:
    """An intention (意向) of the jobseeker for the vacancy, recorded at the fair."""
    from tiaodu.employment import outcomes

    target = _fair(actor, fair, "view")
    if actor is not None and not can(actor, "add", Placement):
        raise Forbidden(audit=f"add employment.placement fair={target.pk}")
    person = _jobseeker_of(target, jobseeker)
    job = (
        vacancy
        if isinstance(vacancy, Vacancy)
        else Vacancy.objects.select_related("enterprise").filter(pk=_pk(vacancy)).first()
    )
    if job is None:
        raise invalid("vacancy", "vacancy_unknown", "岗位不存在")
    booth = FairEnterprise.objects.filter(fair=target, enterprise_id=job.enterprise_id).first()
    if booth is None:
        raise invalid(
            "vacancy",
            "vacancy_not_at_fair",
            f"{job.enterprise.name}未参加“{target.name}”,不能登记该企业岗位的求职意向",
        )
    day = on or target.held_on
    if day < target.held_on:
        raise invalid("on", "outcome_date_order", "意向日期不能早于招聘会举办日期")
    booth.vacancies.add(job)
    if not FairAttendance.objects.filter(fair=target, jobseeker=person).exists():
        sign_in(
            None,
            target,
            person,
            via=SignInVia.STAFF if actor is not None else SignInVia.QR,
        )
        if actor is not None:
            FairAttendance.objects.filter(fair=target, jobseeker=person).update(signed_in_by=actor)
    placement: Placement = outcomes.open_placement(actor, jobseeker=person, vacancy=job, on=day, fair=target)
    return placement


def live_counts(fair: JobFair | int) -> dict[str, int]:
    """The fair's figures now: enterprises at it, distinct vacancies they bring and their positions
    (headcount), jobseekers signed in, intentions recorded and the distinct jobseekers with one."""
    fair_id = _pk(fair)
    booths = FairEnterprise.objects.filter(fair_id=fair_id)
    vacancies = Vacancy.objects.filter(booths__fair_id=fair_id).distinct()
    vacancy_figures = Vacancy.objects.filter(pk__in=vacancies.values("pk")).aggregate(
        n=Count("pk"), positions=Sum("headcount")
    )
    placements = Placement.objects.filter(fair_id=fair_id).aggregate(
        n=Count("pk"), people=Count("jobseeker", distinct=True)
    )
    return {
        "enterprises": booths.count(),
        "vacancies": int(vacancy_figures["n"] or 0),
        "positions": int(vacancy_figures["positions"] or 0),
        "attendees": FairAttendance.objects.filter(fair_id=fair_id).count(),
        "intentions": int(placements["n"] or 0),
        "jobseekers_with_intention": int(placements["people"] or 0),
    }


def open_vacancies_at(fair: JobFair, on: date | None = None) -> QuerySet[Vacancy]:
    """The vacancies brought to the fair that are still open on ``on`` (today by default): what
    the public page lists. No personal data on a vacancy."""
    day = on or timezone.localdate()
    return (
        Vacancy.objects.filter(booths__fair=fair, status=VacancyStatus.OPEN, published_on__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .select_related("enterprise", "township", "occupation")
        .distinct()
        .order_by("enterprise__name", "title", "pk")
    )


def fair_by_key(key: Any) -> JobFair | None:
    """The fair of a public page address (None for an unknown key: the page is a 404)."""
    try:
        return JobFair.objects.select_related("district", "township").filter(public_key=key).first()
    except (ValueError, TypeError):
        return None


@transaction.atomic
def register_at_fair(fair: JobFair, **data: Any) -> tuple[Jobseeker, FairAttendance | None, bool]:
    """A jobseeker registers themself on the fair's public page (no login): registered through
    :func:`jobseekers.register` (``via=SELF``, the fair; an ID number already registered in the
    district is merged, not doubled) and, on the fair's day, signed in by QR (before it the
    registration alone; after it ``fair_over``). Returns (jobseeker, attendance or None,
    created)."""
    from tiaodu.employment import jobseekers

    today = timezone.localdate()
    if fair.held_on < today:
        raise Conflict("fair_over", "该招聘会已结束,不能再登记签到")
    data.pop("via", None)
    data.pop("fair", None)
    person, created = jobseekers.register(
        None, via=RegisteredVia.SELF, fair=fair, registered_on=today, **data
    )
    if person.district_id != fair.district_id:
        raise Conflict("jobseeker_other_district", "求职者不是该招聘会所在区县登记的")
    attendance = sign_in(None, fair, person, via=SignInVia.QR) if fair.held_on == today else None
    return person, attendance, created


def find_jobseeker(actor: User, district: Region, number: str) -> Jobseeker | None:
    """The district's jobseeker with this 身份证号, by keyed hash (nothing decrypted), among those
    the actor may see; ``id_number_*`` errors for a malformed number."""
    from tiaodu.core import pii
    from tiaodu.employment import idcard

    try:
        parsed = idcard.parse(number)
    except idcard.IdNumberError as exc:
        raise invalid("id_number", exc.code, exc.message) from None
    digest = pii.blind_index(parsed.number, field="id")
    found: Jobseeker | None = (
        Jobseeker.objects.restrict(actor)  # type: ignore[attr-defined]
        .filter(district=district, id_hash=digest, anonymised_on__isnull=True)
        .first()
    )
    return found
