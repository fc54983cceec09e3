"""/api/v1/employment/ endpoints of the fairs and buses (lane D): fairs (list, detail with booths
and counts, add), live counts, booths, sign-ins and intentions; bus trips (list, detail with masked
riders and their results, add) and riders. Schema names start with ``EmploymentFair`` /
``EmploymentBus``.

Lists and details start from ``Model.objects.restrict(user)``; writes go through
:mod:`tiaodu.employment.fairs` and :mod:`tiaodu.employment.buses`. Jobseekers are named by their
number in the platform (``jobseeker_id``) or by 身份证号 (``id_number``: found by keyed hash among
the district's jobseekers the user may see); answers carry only the masked ID.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.errors import invalid
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.employment import buses, fairs
from tiaodu.employment.choices import FairKind, SignInVia
from tiaodu.employment.forms_fairs import BusFilter, FairFilter
from tiaodu.employment.models import BusRider, BusStop, BusTrip, FairEnterprise, JobFair, Jobseeker, Placement
from tiaodu.regions.models import Region

router = Router()

Id = Annotated[int, Field(ge=1, le=2**62)]
IdNumber = Annotated[str, Field(min_length=15, max_length=18, description="18位居民身份证号")]


class EmploymentFairOut(Schema):
    id: int
    name: str
    kind: str = Field(..., description="类型:" + "、".join(f"{v} {label}" for v, label in FairKind.choices))
    kind_label: str
    held_on: date
    district_code: str
    township_code: str
    township_name: str
    venue: str
    note: str

    @staticmethod
    def resolve_kind_label(obj: JobFair) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_district_code(obj: JobFair) -> str:
        return str(obj.district.code)

    @staticmethod
    def resolve_township_code(obj: JobFair) -> str:
        return str(obj.township.code)

    @staticmethod
    def resolve_township_name(obj: JobFair) -> str:
        return str(obj.township.name)


class EmploymentFairCountsOut(Schema):
    enterprises: int = Field(..., description="参会企业数")
    vacancies: int = Field(..., description="提供岗位数(不重复)")
    positions: int = Field(..., description="招聘人数(岗位招聘人数之和)")
    attendees: int = Field(..., description="签到人数")
    intentions: int = Field(..., description="登记的求职意向数")
    jobseekers_with_intention: int = Field(..., description="达成意向的求职者人数(不重复)")


class EmploymentFairVacancyOut(Schema):
    id: int
    title: str
    headcount: int
    wage_min: int | None
    wage_max: int | None
    status: str


class EmploymentFairBoothOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    vacancies: list[EmploymentFairVacancyOut]


class EmploymentFairDetailOut(EmploymentFairOut):
    public_url: str = Field(..., description="公开页(二维码)地址,无需登录,不含个人信息")
    booths: list[EmploymentFairBoothOut]
    counts: EmploymentFairCountsOut

    @staticmethod
    def resolve_booths(obj: Any) -> list[Any]:
        return list(obj.booths_out)

    @staticmethod
    def resolve_counts(obj: Any) -> dict[str, int]:
        return dict(obj.counts_out)

    @staticmethod
    def resolve_public_url(obj: Any) -> str:
        return str(obj.public_url_out)


class EmploymentFairIn(Schema):
    name: str = Field(..., min_length=1, max_length=128)
    kind: str = Field(..., max_length=16, description="类型代码或名称,如 spring 或 春风行动专场")
    held_on: date
    township: str = Field(..., max_length=64, description="举办镇街:9位区划代码或名称")
    district: str | None = Field(None, max_length=12, description="区县代码,默认为举办镇街所在区县")
    venue: str = Field("", max_length=128)
    organisers: list[Id] = Field(default_factory=list, max_length=50, description="主办单位编号")
    note: str = Field("", max_length=255)


class EmploymentFairBoothIn(Schema):
    enterprise_id: Id
    vacancy_ids: list[Id] = Field(default_factory=list, max_length=200, description="该企业的岗位编号")


class EmploymentFairPersonIn(Schema):
    jobseeker_id: Id | None = Field(None, description="求职者编号(与 id_number 二选一)")
    id_number: IdNumber | None = None


class EmploymentFairSignInIn(EmploymentFairPersonIn):
    via: SignInVia = SignInVia.STAFF


class EmploymentFairSignInOut(Schema):
    id: int
    fair_id: int
    jobseeker_id: int
    id_mask: str
    via: str
    signed_in_at: datetime

    @staticmethod
    def resolve_id_mask(obj: Any) -> str:
        return str(obj.jobseeker.id_mask)


class EmploymentFairIntentionIn(EmploymentFairPersonIn):
    vacancy_id: Id
    on: date | None = Field(None, description="意向日期,默认为招聘会举办日期")


class EmploymentFairPlacementOut(Schema):
    placement_id: int
    jobseeker_id: int
    id_mask: str
    vacancy_id: int
    enterprise_id: int
    state: str
    intended_on: date
    fair_id: int | None
    trip_id: int | None

    @staticmethod
    def resolve_placement_id(obj: Placement) -> int:
        return int(obj.pk)

    @staticmethod
    def resolve_id_mask(obj: Placement) -> str:
        return str(obj.jobseeker.id_mask)


class EmploymentBusStopOut(Schema):
    id: int
    order: int
    township_code: str
    township_name: str
    point: str

    @staticmethod
    def resolve_township_code(obj: BusStop) -> str:
        return str(obj.township.code)

    @staticmethod
    def resolve_township_name(obj: BusStop) -> str:
        return str(obj.township.name)


class EmploymentBusOut(Schema):
    id: int
    name: str
    run_on: date
    seats: int
    riders: int = Field(..., description="乘车人数")
    district_code: str
    fair_id: int | None
    note: str

    @staticmethod
    def resolve_riders(obj: Any) -> int:
        count = getattr(obj, "rider_count", None)
        return int(count if count is not None else obj.riders.count())

    @staticmethod
    def resolve_district_code(obj: BusTrip) -> str:
        return str(obj.district.code)


class EmploymentBusRiderOut(Schema):
    id: int
    jobseeker_id: int
    masked_name: str
    id_mask: str
    township_code: str
    stop_id: int | None
    results: list[EmploymentFairPlacementOut] = Field(
        default_factory=list, description="该专车带来的对接结果"
    )

    @staticmethod
    def resolve_masked_name(obj: BusRider) -> str:
        return str(obj.jobseeker.masked_name)

    @staticmethod
    def resolve_id_mask(obj: BusRider) -> str:
        return str(obj.jobseeker.id_mask)

    @staticmethod
    def resolve_township_code(obj: BusRider) -> str:
        return str(obj.township.code)

    @staticmethod
    def resolve_results(obj: Any) -> list[Any]:
        return list(getattr(obj, "results", []))


class EmploymentBusDetailOut(EmploymentBusOut):
    stops: list[EmploymentBusStopOut]
    enterprise_ids: list[int]
    rider_list: list[EmploymentBusRiderOut] = Field(..., description="本人可见的乘车求职者(脱敏)")

    @staticmethod
    def resolve_rider_list(obj: Any) -> list[Any]:
        return list(obj.rider_list_out)

    @staticmethod
    def resolve_stops(obj: Any) -> list[Any]:
        return list(obj.stops_out)

    @staticmethod
    def resolve_enterprise_ids(obj: Any) -> list[int]:
        return list(obj.enterprise_ids_out)


class EmploymentBusStopIn(Schema):
    township: str = Field(..., max_length=64, description="镇街:9位区划代码或名称")
    point: str = Field("", max_length=64, description="上车地点,默认为“某某镇场镇”")


class EmploymentBusIn(Schema):
    name: str = Field(..., min_length=1, max_length=128)
    run_on: date
    seats: int = Field(..., ge=1, le=buses.MAX_SEATS)
    stops: list[EmploymentBusStopIn] = Field(..., min_length=1, max_length=50)
    enterprise_ids: list[Id] = Field(default_factory=list, max_length=100)
    fair_id: Id | None = None
    district: str | None = Field(None, max_length=12, description="区县代码,默认为第一个上车点所在区县")
    note: str = Field("", max_length=255)


class EmploymentBusRiderIn(EmploymentFairPersonIn):
    stop_id: Id | None = None


# --- helpers ---------------------------------------------------------------------------------------


def _person(request: HttpRequest, district: Region, payload: EmploymentFairPersonIn) -> Jobseeker:
    user = current_user(request)
    if payload.jobseeker_id:
        found: Jobseeker = get_scoped(Jobseeker, user, "view", pk=payload.jobseeker_id)
        return found
    if not payload.id_number:
        raise invalid("jobseeker_id", "required", "请提供求职者编号或身份证号")
    person = fairs.find_jobseeker(user, district, payload.id_number)
    if person is None:
        raise invalid("id_number", "jobseeker_unknown", f"该身份证号在{district.name}没有登记为求职者")
    return person


def _fair_detail(request: HttpRequest, fair_id: int) -> JobFair:
    user = current_user(request)
    found = get_scoped(JobFair, user, "view", pk=fair_id)
    fair = JobFair.objects.select_related("district", "township").get(pk=found.pk)
    booths = (
        FairEnterprise.objects.restrict(user)  # type: ignore[attr-defined]
        .filter(fair=fair)
        .select_related("enterprise")
        .prefetch_related("vacancies")
        .order_by("enterprise__name")
    )
    fair.booths_out = [  # type: ignore[attr-defined]
        {
            "id": b.pk,
            "enterprise_id": b.enterprise_id,
            "enterprise_name": b.enterprise.name,
            "vacancies": list(b.vacancies.all()),
        }
        for b in booths
    ]
    fair.counts_out = fairs.live_counts(fair)  # type: ignore[attr-defined]
    fair.public_url_out = request.build_absolute_uri(  # type: ignore[attr-defined]
        reverse("employment:fair-public", args=[fair.public_key])
    )
    return fair


def _placement(placement: Placement) -> Placement:
    return Placement.objects.select_related("jobseeker").get(pk=placement.pk)


# --- fairs -----------------------------------------------------------------------------------------


@router.get("/fairs", response={200: list[EmploymentFairOut], **READ_ERRORS}, summary="招聘会列表")
@paginate(PageNumber)
def list_fairs(request: HttpRequest, filters: Query[FairFilter]) -> Any:
    return filters.filter(fairs.fairs_for(current_user(request))).order_by("-held_on", "-pk")


@router.post("/fairs", response={201: EmploymentFairDetailOut, **ERRORS}, summary="登记招聘会")
def create_fair(request: HttpRequest, payload: EmploymentFairIn) -> Any:
    fair = fairs.create_fair(
        current_user(request),
        district=payload.district or None,
        township=payload.township,
        name=payload.name,
        kind=payload.kind,
        held_on=payload.held_on,
        venue=payload.venue,
        organisers=payload.organisers,
        note=payload.note,
    )
    return Status(201, _fair_detail(request, fair.pk))


@router.get("/fairs/{fair_id}", response={200: EmploymentFairDetailOut, **READ_ERRORS}, summary="招聘会详情")
def fair_detail(request: HttpRequest, fair_id: Id) -> Any:
    return _fair_detail(request, fair_id)


@router.get(
    "/fairs/{fair_id}/counts",
    response={200: EmploymentFairCountsOut, **READ_ERRORS},
    summary="招聘会实时统计",
)
def fair_counts(request: HttpRequest, fair_id: Id) -> Any:
    fair = get_scoped(JobFair, current_user(request), "view", pk=fair_id)
    return fairs.live_counts(fair)


@router.post(
    "/fairs/{fair_id}/booths", response={201: EmploymentFairBoothOut, **ERRORS}, summary="登记参会企业及岗位"
)
def add_booth(request: HttpRequest, fair_id: Id, payload: EmploymentFairBoothIn) -> Any:
    booth = fairs.add_booth(current_user(request), fair_id, payload.enterprise_id, payload.vacancy_ids)
    return Status(
        201,
        {
            "id": booth.pk,
            "enterprise_id": booth.enterprise_id,
            "enterprise_name": booth.enterprise.name,
            "vacancies": list(booth.vacancies.all()),
        },
    )


@router.post(
    "/fairs/{fair_id}/signins", response={201: EmploymentFairSignInOut, **ERRORS}, summary="招聘会签到"
)
def sign_in(request: HttpRequest, fair_id: Id, payload: EmploymentFairSignInIn) -> Any:
    user = current_user(request)
    fair = get_scoped(JobFair, user, "view", pk=fair_id)
    person = _person(request, fair.district, payload)
    attendance = fairs.sign_in(user, fair, person, via=payload.via)
    return Status(201, attendance)


@router.post(
    "/fairs/{fair_id}/intentions",
    response={201: EmploymentFairPlacementOut, **ERRORS},
    summary="登记招聘会现场求职意向",
)
def record_intention(request: HttpRequest, fair_id: Id, payload: EmploymentFairIntentionIn) -> Any:
    user = current_user(request)
    fair = get_scoped(JobFair, user, "view", pk=fair_id)
    person = _person(request, fair.district, payload)
    placement = fairs.record_intention(user, fair, person, payload.vacancy_id, on=payload.on)
    return Status(201, _placement(placement))


# --- buses -----------------------------------------------------------------------------------------


def _bus_detail(request: HttpRequest, trip_id: int) -> BusTrip:
    user = current_user(request)
    found = get_scoped(BusTrip, user, "view", pk=trip_id)
    trip = buses.trips_for(user).get(pk=found.pk)
    visible = set(BusRider.objects.restrict(user).filter(trip=trip).values_list("pk", flat=True))  # type: ignore[attr-defined]
    placements = set(Placement.objects.restrict(user).filter(trip=trip).values_list("pk", flat=True))  # type: ignore[attr-defined]
    riders = []
    for rider, results in buses.rider_results(trip):
        if rider.pk in visible:
            rider.results = [p for p in results if p.pk in placements]  # type: ignore[attr-defined]
            riders.append(rider)
    trip.rider_list_out = riders  # type: ignore[attr-defined]
    stops = BusStop.objects.filter(trip=trip).select_related("township").order_by("order", "pk")
    trip.stops_out = list(stops)  # type: ignore[attr-defined]
    trip.enterprise_ids_out = list(trip.enterprises.order_by("pk").values_list("pk", flat=True))  # type: ignore[attr-defined]
    return trip


@router.get("/buses", response={200: list[EmploymentBusOut], **READ_ERRORS}, summary="求职专车列表")
@paginate(PageNumber)
def list_buses(request: HttpRequest, filters: Query[BusFilter]) -> Any:
    return filters.filter(buses.trips_for(current_user(request))).order_by("-run_on", "-pk")


@router.post("/buses", response={201: EmploymentBusDetailOut, **ERRORS}, summary="登记求职专车")
def create_bus(request: HttpRequest, payload: EmploymentBusIn) -> Any:
    trip = buses.create_trip(
        current_user(request),
        district=payload.district or None,
        name=payload.name,
        run_on=payload.run_on,
        seats=payload.seats,
        stops=[(s.township, s.point) for s in payload.stops],
        enterprises=payload.enterprise_ids,
        fair=payload.fair_id,
        note=payload.note,
    )
    return Status(201, _bus_detail(request, trip.pk))


@router.get("/buses/{trip_id}", response={200: EmploymentBusDetailOut, **READ_ERRORS}, summary="求职专车详情")
def bus_detail(request: HttpRequest, trip_id: Id) -> Any:
    return _bus_detail(request, trip_id)


@router.post(
    "/buses/{trip_id}/riders", response={201: EmploymentBusRiderOut, **ERRORS}, summary="登记乘车求职者"
)
def add_rider(request: HttpRequest, trip_id: Id, payload: EmploymentBusRiderIn) -> Any:
    user = current_user(request)
    trip = get_scoped(BusTrip, user, "view", pk=trip_id)
    person = _person(request, trip.district, payload)
    rider = buses.add_rider(user, trip, person, stop=payload.stop_id)
    rider = BusRider.objects.select_related("jobseeker", "township").get(pk=rider.pk)
    rider.results = []  # type: ignore[attr-defined]
    return Status(201, rider)
