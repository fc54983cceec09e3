"""Job bus pages (lane D): the list of trips, a trip's page (pick-up points, enterprises, riders
masked with what came of each ride), the trip form, adding a rider by ID number (keyed-hash
lookup; ``bus_full`` when the seats are taken), and recording a rider's intention for a vacancy of
one of the trip's enterprises. Writes go through :mod:`tiaodu.employment.buses`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can, get_scoped
from tiaodu.core.views import Column, ObjectListView, ScopedView, apply_service_error, redirect_with_message
from tiaodu.employment import buses, fairs
from tiaodu.employment.forms_fairs import BusFilter, BusIntentionForm, RiderForm, TripForm
from tiaodu.employment.models import BusRider, BusStop, BusTrip, Placement
from tiaodu.employment.views_fairs import page_district


class BusListView(ObjectListView):
    model = BusTrip
    filterset = BusFilter
    title = gettext_lazy("求职专车")
    export_name = "employment-buses"
    columns = [
        Column(gettext_lazy("名称"), "name", link=True),
        Column(gettext_lazy("发车日期"), "run_on"),
        Column(gettext_lazy("座位数"), "seats"),
        Column(gettext_lazy("乘车人数"), "rider_count"),
        Column(gettext_lazy("对应招聘会"), "fair.name"),
    ]
    filter_fields = [
        ("q", gettext_lazy("专车名称"), None),
        ("date_from", gettext_lazy("发车日期起"), "date"),
        ("date_to", gettext_lazy("发车日期止"), "date"),
    ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("employment:bus-create")

    def get_queryset(self) -> Any:
        return buses.trips_for(self.request.user).order_by("-run_on", "-pk")  # type: ignore[arg-type]


def _trip_context(request: HttpRequest, trip: BusTrip, **extra: Any) -> dict[str, Any]:
    user = current_user(request)
    visible = set(
        BusRider.objects.restrict(user).filter(trip=trip).values_list("pk", flat=True)  # type: ignore[attr-defined]
    )
    placements_visible = set(
        Placement.objects.restrict(user).filter(trip=trip).values_list("pk", flat=True)  # type: ignore[attr-defined]
    )
    results = [
        (rider, [p for p in placements if p.pk in placements_visible])
        for rider, placements in buses.rider_results(trip)
        if rider.pk in visible
    ]
    may_change = BusTrip.objects.restrict(user, "change").filter(pk=trip.pk).exists()  # type: ignore[attr-defined]
    riders = [rider for rider, _placements in results]
    intention_form = extra.pop("intention_form", None)
    if intention_form is None and may_change and riders and can(user, "add", Placement):
        intention_form = BusIntentionForm(trip=trip, riders=riders)
    return {
        "object": trip,
        "trip": trip,
        "stops": BusStop.objects.filter(trip=trip).select_related("township").order_by("order", "pk"),
        "enterprises": trip.enterprises.order_by("name"),
        "results": results,
        "rider_total": BusRider.objects.filter(trip=trip).count(),
        "may_change": may_change,
        "rider_form": extra.pop("rider_form", None) or (RiderForm(trip=trip) if may_change else None),
        "intention_form": intention_form,
        **extra,
    }


class BusDetailView(ScopedView):
    model = BusTrip

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        found = get_scoped(BusTrip, request.user, "view", pk=pk)
        trip = BusTrip.objects.select_related("district", "fair").get(pk=found.pk)
        return render(request, "employment/buses/detail.html", _trip_context(request, trip))


class BusCreateView(ScopedView):
    model = BusTrip
    action = "add"

    def get(self, request: HttpRequest) -> HttpResponse:
        district = page_district(request)
        initial = {"fair": request.GET.get("fair")} if request.GET.get("fair") else None
        return self.render_form(request, TripForm(initial=initial, district=district))

    def post(self, request: HttpRequest) -> HttpResponse:
        district = page_district(request)
        form = TripForm(request.POST, district=district)
        if form.is_valid():
            data = form.cleaned_data
            try:
                trip = buses.create_trip(
                    current_user(request),
                    district=district,
                    name=data["name"],
                    run_on=data["run_on"],
                    seats=data["seats"],
                    stops=data["stops"],
                    enterprises=data["enterprises"],
                    fair=data["fair"],
                    note=data["note"],
                )
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                for err in exc.errors:
                    if err.field.startswith("stops."):
                        err.field = "stops"
                apply_service_error(form, exc)
            else:
                return redirect_with_message(
                    request, trip.get_absolute_url(), _("已登记求职专车“%(name)s”") % {"name": trip.name}
                )
        return self.render_form(request, form, status=422)

    def render_form(self, request: HttpRequest, form: Any, status: int = 200) -> HttpResponse:
        context = {"form": form, "title": _("登记求职专车"), "cancel_url": reverse("employment:bus-list")}
        return render(request, "employment/buses/form.html", context, status=status)


def _changeable_trip(request: HttpRequest, pk: int) -> BusTrip:
    found = get_scoped(BusTrip, request.user, "view", pk=pk)
    if not BusTrip.objects.restrict(request.user, "change").filter(pk=found.pk).exists():  # type: ignore[attr-defined]
        get_scoped(BusTrip, request.user, "change", pk=pk)  # raises Forbidden, logged
    return BusTrip.objects.select_related("district", "fair").get(pk=found.pk)


class BusRiderAddView(ScopedView):
    """Add a rider by ID number (POST; the form is on the trip's page)."""

    model = BusTrip
    action = "change"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        trip = _changeable_trip(request, pk)
        return render(request, "employment/buses/detail.html", _trip_context(request, trip))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        trip = _changeable_trip(request, pk)
        form = RiderForm(request.POST, trip=trip)
        if form.is_valid():
            try:
                person = fairs.find_jobseeker(user, trip.district, form.cleaned_data["id_number"])
                if person is None:
                    raise ServiceError(
                        "jobseeker_unknown", _("本区县尚未登记该身份证号,请先登记求职者"), status=422
                    )
                rider = buses.add_rider(user, trip, person, stop=form.cleaned_data["stop"])
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
            else:
                message = _("%(id)s 已登记乘车") % {"id": rider.jobseeker.id_mask}
                return redirect_with_message(request, trip.get_absolute_url(), message)
        context = _trip_context(request, trip, rider_form=form)
        return render(request, "employment/buses/detail.html", context, status=422)


class BusIntentionView(ScopedView):
    """Record a rider's intention for a vacancy of one of the trip's enterprises (POST)."""

    model = Placement
    action = "add"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        trip = _changeable_trip(request, pk)
        riders = BusRider.objects.restrict(user).filter(trip=trip).select_related("jobseeker")  # type: ignore[attr-defined]
        form = BusIntentionForm(request.POST, trip=trip, riders=riders)
        if form.is_valid():
            try:
                placement = buses.record_intention(
                    user, trip, form.cleaned_data["rider"], form.cleaned_data["vacancy"]
                )
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
            else:
                message = _("已登记%(who)s对“%(job)s”的求职意向") % {
                    "who": placement.jobseeker.id_mask,
                    "job": placement.vacancy.title,
                }
                return redirect_with_message(request, trip.get_absolute_url(), message)
        context = _trip_context(request, trip, intention_form=form)
        return render(request, "employment/buses/detail.html", context, status=422)
