"""Fair pages (lane D): the list, a fair's page (booths and their vacancies, attendees and
intentions masked, live counts refreshed by htmx every 10 s, the QR code of its public page as an
inline SVG), the fair form, adding a booth, signing a jobseeker in (by ID number: found by keyed
hash, or registered on the spot), recording an intention, the QR code as an SVG file, and the
planner that proposes fair dates on townships' market days.

Every page starts from ``Model.objects.restrict(user)`` / ``get_scoped``; writes go through
:mod:`tiaodu.employment.fairs`."""

from __future__ import annotations

import abc
import io
from typing import Any

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can, get_scoped
from tiaodu.core.resolve import actor_district, district_of
from tiaodu.core.views import Column, ObjectListView, ScopedView, apply_service_error, redirect_with_message
from tiaodu.employment import fairs
from tiaodu.employment.choices import FairKind, RegisteredVia, SignInVia
from tiaodu.employment.forms_fairs import (
    BoothForm,
    FairFilter,
    FairForm,
    IntentionForm,
    PlannerForm,
    SignInForm,
    township_choices,
)
from tiaodu.employment.models import FairAttendance, FairEnterprise, JobFair, Placement, Vacancy
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

QR_SCALE = 5


def page_district(request: HttpRequest) -> Region:
    """The district a page is about: ``?district=CODE`` (a county), else the user's own."""
    code = request.GET.get("district") or request.POST.get("district") or ""
    if code:
        found = Region.objects.filter(code=code, level=Level.COUNTY).first()
        if found is not None:
            return found
    district = actor_district(request.user)
    if district is None:
        district = Region.objects.get(code=settings.HOME_REGION_CODE)
    return district_of(district)


def public_url(request: HttpRequest, fair: JobFair) -> str:
    return request.build_absolute_uri(reverse("employment:fair-public", args=[fair.public_key]))


def qr_svg(url: str, *, inline: bool) -> str:
    """The QR code of ``url`` as SVG (segno): an inline element for a page, or a file."""
    import segno

    code = segno.make(url, error="m")
    if inline:
        return str(code.svg_inline(scale=QR_SCALE, title=_("招聘会扫码登记")))
    out = io.BytesIO()
    code.save(out, kind="svg", scale=QR_SCALE * 2, title=_("招聘会扫码登记"))
    return out.getvalue().decode()


def _booth_count() -> Any:
    counts = (
        FairEnterprise.objects.filter(fair=OuterRef("pk"))
        .order_by()
        .values("fair")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


class FairListView(ObjectListView):
    model = JobFair
    filterset = FairFilter
    title = gettext_lazy("招聘会")
    export_name = "employment-fairs"
    columns = [
        Column(gettext_lazy("名称"), "name", link=True),
        Column(gettext_lazy("举办日期"), "held_on"),
        Column(gettext_lazy("类型"), "kind"),
        Column(gettext_lazy("举办镇街"), "township.name"),
        Column(gettext_lazy("地点"), "venue"),
        Column(gettext_lazy("参会企业"), "booth_count"),
    ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        district = page_district(self.request)
        return [
            ("q", gettext_lazy("名称或地点"), None),
            ("kind", gettext_lazy("类型"), [("", gettext_lazy("全部类型")), *FairKind.choices]),
            ("township", gettext_lazy("镇街"), [("", gettext_lazy("全部镇街")), *township_choices(district)]),
            ("date_from", gettext_lazy("举办日期起"), "date"),
            ("date_to", gettext_lazy("举办日期止"), "date"),
        ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("employment:fair-create")

    def get_queryset(self) -> Any:
        return (
            fairs.fairs_for(self.request.user)  # type: ignore[arg-type]
            .annotate(booth_count=_booth_count())
            .order_by("-held_on", "-pk")
        )


def _fair_context(request: HttpRequest, fair: JobFair) -> dict[str, Any]:
    user = current_user(request)
    booths = (
        FairEnterprise.objects.restrict(user)  # type: ignore[attr-defined]
        .filter(fair=fair)
        .select_related("enterprise")
        .prefetch_related("vacancies")
        .order_by("enterprise__name")
    )
    attendances = (
        FairAttendance.objects.restrict(user)  # type: ignore[attr-defined]
        .filter(fair=fair)
        .select_related("jobseeker", "jobseeker__township")
        .order_by("-signed_in_at", "-pk")[:200]
    )
    placements = (
        Placement.objects.restrict(user)  # type: ignore[attr-defined]
        .filter(fair=fair)
        .select_related("jobseeker", "vacancy", "enterprise")
        .order_by("-intended_on", "-pk")[:200]
    )
    url = public_url(request, fair)
    may_change = JobFair.objects.restrict(user, "change").filter(pk=fair.pk).exists()  # type: ignore[attr-defined]
    return {
        "object": fair,
        "fair": fair,
        "booths": booths,
        "attendances": attendances,
        "placements": placements,
        "counts": fairs.live_counts(fair),
        "public_url": url,
        "qr": mark_safe(qr_svg(url, inline=True)),  # noqa: S308  # segno's own markup of our URL
        "may_change": may_change,
        "may_record": may_change and can(user, "add", Placement),
        "jobseeker_url": reverse("employment:jobseeker-list"),
        "placement_list_url": reverse("employment:placement-list"),
    }


class FairDetailView(ScopedView):
    model = JobFair

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        found = get_scoped(JobFair, request.user, "view", pk=pk)
        fair = JobFair.objects.select_related("district", "township", "created_by").get(pk=found.pk)
        return render(request, "employment/fairs/detail.html", _fair_context(request, fair))


class FairCountsView(ScopedView):
    """The live counts partial (htmx polls it every 10 s)."""

    model = JobFair

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        fair = get_scoped(JobFair, request.user, "view", pk=pk)
        return render(
            request, "employment/fairs/_counts.html", {"fair": fair, "counts": fairs.live_counts(fair)}
        )


class FairQRView(ScopedView):
    """The QR code of the fair's public page, as an SVG file (to print on posters)."""

    model = JobFair

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        fair = get_scoped(JobFair, request.user, "view", pk=pk)
        response = HttpResponse(qr_svg(public_url(request, fair), inline=False), content_type="image/svg+xml")
        if request.GET.get("download"):
            response["Content-Disposition"] = f'attachment; filename="fair-{fair.pk}-qr.svg"'
        return response


class FairCreateView(ScopedView):
    model = JobFair
    action = "add"
    template_name = "employment/fairs/form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        district = page_district(request)
        initial: dict[str, Any] = {}
        for key in ("township", "held_on", "kind", "name", "venue"):
            if request.GET.get(key):
                initial[key] = request.GET[key]
        return self.render_form(request, FairForm(initial=initial, district=district), district)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        district = page_district(request)
        form = FairForm(request.POST, district=district)
        if form.is_valid():
            data = form.cleaned_data
            town = Region.objects.filter(pk=data["township"]).first()
            try:
                fair = fairs.create_fair(
                    user,
                    district=district,
                    township=town if town is not None else "",
                    name=data["name"],
                    kind=data["kind"],
                    held_on=data["held_on"],
                    venue=data["venue"],
                    organisers=data["organisers"],
                    note=data["note"],
                )
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(
                    request, fair.get_absolute_url(), _("已登记招聘会“%(name)s”") % {"name": fair.name}
                )
        return self.render_form(request, form, district, status=422)

    def render_form(
        self, request: HttpRequest, form: Any, district: Region, status: int = 200
    ) -> HttpResponse:
        context = {
            "form": form,
            "title": _("登记招聘会"),
            "district": district,
            "cancel_url": reverse("employment:fair-list"),
        }
        return render(request, self.template_name, context, status=status)


class _FairActionView(ScopedView, abc.ABC):
    """A form on one fair the user may change (booths, sign-in, intentions)."""

    model = JobFair
    template_name = "employment/fairs/action.html"
    title: Any = ""
    form_id = ""

    def fair(self, request: HttpRequest, pk: int) -> JobFair:
        found = get_scoped(JobFair, request.user, "view", pk=pk)
        if not JobFair.objects.restrict(request.user, "change").filter(pk=found.pk).exists():  # type: ignore[attr-defined]
            get_scoped(JobFair, request.user, "change", pk=pk)  # raises Forbidden, logged
        return JobFair.objects.select_related("district", "township").get(pk=found.pk)

    @abc.abstractmethod
    def make_form(self, request: HttpRequest, fair: JobFair, data: Any = None) -> Any:
        """The action's form, bound to ``data`` on a POST."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        fair = self.fair(request, pk)
        return self.render_form(request, fair, self.make_form(request, fair))

    def render_form(
        self, request: HttpRequest, fair: JobFair, form: Any, status: int = 200, **extra: Any
    ) -> HttpResponse:
        context = {
            "fair": fair,
            "form": form,
            "title": self.title,
            "form_id": self.form_id,
            "counts": fairs.live_counts(fair),
            **extra,
        }
        return render(request, self.template_name, context, status=status)


class FairBoothAddView(_FairActionView):
    title = gettext_lazy("登记参会企业")
    form_id = "fair-booth-form"

    def make_form(self, request: HttpRequest, fair: JobFair, data: Any = None) -> Any:
        return BoothForm(data, district=fair.district)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        fair = self.fair(request, pk)
        form = self.make_form(request, fair, request.POST)
        if form.is_valid():
            try:
                booth = fairs.add_booth(
                    current_user(request),
                    fair,
                    form.cleaned_data["enterprise"],
                    form.cleaned_data["vacancies"],
                )
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                message = _("%(name)s已参会,提供岗位%(n)d个") % {
                    "name": booth.enterprise.name,
                    "n": booth.vacancies.count(),
                }
                return redirect_with_message(request, fair.get_absolute_url(), message)
        return self.render_form(request, fair, form, status=422)


class FairSignInView(_FairActionView):
    """Staff sign-in at the desk: the ID number is looked up by keyed hash among the district's
    jobseekers; an unknown one is registered on the spot (name, township, phone, consent) and
    signed in. The page shows only the masked ID back."""

    title = gettext_lazy("现场签到")
    form_id = "fair-signin-form"
    template_name = "employment/fairs/signin.html"

    def make_form(self, request: HttpRequest, fair: JobFair, data: Any = None) -> Any:
        return SignInForm(data, district=fair.district)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from tiaodu.employment import jobseekers

        user = current_user(request)
        fair = self.fair(request, pk)
        form = self.make_form(request, fair, request.POST)
        if not form.is_valid():
            return self.render_form(request, fair, form, status=422)
        data = form.cleaned_data
        try:
            person = fairs.find_jobseeker(user, fair.district, data["id_number"])
            if person is None:
                if not data.get("name") or not data.get("township"):
                    form.add_error(None, _("本区县尚未登记该身份证号,请补充姓名、所属镇街等信息后登记并签到"))
                    return self.render_form(request, fair, form, status=422, register=True)
                town = Region.objects.get(pk=data["township"])
                person, _created = jobseekers.register(
                    user,
                    township=town,
                    name=data["name"],
                    id_number=data["id_number"],
                    phone=data.get("phone") or "",
                    consent=bool(data.get("consent")),
                    via=RegisteredVia.FAIR,
                    fair=fair,
                )
            attendance = fairs.sign_in(user, fair, person, via=SignInVia.STAFF)
        except ServiceError as exc:
            if exc.status in (403, 404) and not exc.errors:
                raise
            apply_service_error(form, exc)
            return self.render_form(request, fair, form, status=422, register=bool(data.get("name")))
        message = _("%(id)s 已签到") % {"id": attendance.jobseeker.id_mask}
        return redirect_with_message(request, reverse("employment:fair-signin", args=[fair.pk]), message)


class FairIntentionView(_FairActionView):
    title = gettext_lazy("登记求职意向")
    form_id = "fair-intention-form"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not can(request.user, "add", Placement):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def make_form(self, request: HttpRequest, fair: JobFair, data: Any = None) -> Any:
        initial = {"vacancy": request.GET.get("vacancy")} if request.GET.get("vacancy") else None
        return IntentionForm(data, initial=initial, fair=fair, user=request.user)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        fair = self.fair(request, pk)
        form = self.make_form(request, fair, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person: Any = data.get("attendee")
                if not person:
                    person = fairs.find_jobseeker(user, fair.district, data["id_number"])
                    if person is None:
                        raise ServiceError(
                            "jobseeker_unknown", _("本区县尚未登记该身份证号,请先签到登记"), status=422
                        )
                vacancy = Vacancy.objects.filter(pk=data["vacancy"]).first() or data["vacancy"]
                placement = fairs.record_intention(user, fair, person, vacancy)
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
            else:
                message = _("已登记%(who)s对“%(job)s”的求职意向") % {
                    "who": placement.jobseeker.id_mask,
                    "job": placement.vacancy.title,
                }
                return redirect_with_message(
                    request, reverse("employment:fair-intention", args=[fair.pk]), message
                )
        return self.render_form(request, fair, form, status=422)


class FairPlannerView(ScopedView):
    """Proposed fair dates: the market days (赶场天) of the district's townships in a period
    (:func:`markets.propose_fair_dates`), statutory holidays flagged, townships that already have
    a fair that day left out; each proposal links to the fair form filled in."""

    model = JobFair

    def get(self, request: HttpRequest) -> HttpResponse:
        from tiaodu.employment import markets

        district = page_district(request)
        form = PlannerForm(request.GET or None, district=district)
        proposals: list[Any] = []
        error = ""
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            townships = list(Region.objects.filter(pk__in=data["townships"])) if data["townships"] else None
            try:
                proposals = list(
                    markets.propose_fair_dates(
                        district, data["date_from"], data["date_to"], townships=townships
                    )
                )
            except ServiceError as exc:
                error = exc.message
        may_add = can(request.user, "add", JobFair)
        rows = []
        for proposal in proposals:
            link = ""
            if may_add:
                name = _("%(town)s%(day)s赶场天专场招聘会") % {
                    "town": proposal.township.name,
                    "day": f"{proposal.day.month}月{proposal.day.day}日",
                }
                from urllib.parse import urlencode

                link = (
                    reverse("employment:fair-create")
                    + "?"
                    + urlencode(
                        {
                            "township": proposal.township.pk,
                            "held_on": proposal.day.isoformat(),
                            "kind": FairKind.MARKET_DAY,
                            "name": name,
                            "venue": getattr(proposal.rule, "place", "") or "",
                        }
                    )
                )
            rows.append((proposal, link))
        context = {"form": form, "rows": rows, "error": error, "district": district, "title": _("招聘会排期")}
        return render(request, "employment/fairs/planner.html", context)
