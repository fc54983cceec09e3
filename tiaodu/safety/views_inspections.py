"""Inspection pages (lane screens): the list, an inspection with its checklist and hazards, and
the mobile inspection form — inspectors on site with a phone (360 px wide; the hazard photo from
the camera, the location from the browser through ``static/tiaodu/safety-inspect.js``) and
enterprises filing a 企业自查. Writes go through :func:`tiaodu.safety.inspections.record_inspection`
(all or nothing: the inspection, its hazards, their cases and photos)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.core.views import Column, ObjectListView, ScopedView, apply_service_error, redirect_with_message
from tiaodu.safety import inspections
from tiaodu.safety.choices import InspectionKind
from tiaodu.safety.forms_inspections import (
    HAZARD_PREFIX,
    RESULT_CHOICES,
    HazardFormSet,
    InspectionForm,
    SafetyInspectionFilter,
    district_sectors,
    units_for,
)
from tiaodu.safety.models import ChecklistItem, Hazard, Inspection, Unit

INSPECTION_RELATED = ("unit", "township", "sector", "department", "campaign")
# The inspection form reads the device's location (navigator.geolocation); the platform's
# default Permissions-Policy denies it everywhere else.
DEVICE_POLICY = "camera=(self), microphone=(), geolocation=(self), payment=()"


def hazard_count() -> Any:
    """The number of hazards of each inspection, as a correlated subquery: computed for the rows
    of a page only (a GROUP BY over the join would aggregate every inspection first)."""
    counts = (
        Hazard.objects.filter(inspection=OuterRef("pk"))
        .order_by()
        .values("inspection")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


class InspectionListView(ObjectListView):
    model = Inspection
    filterset = SafetyInspectionFilter
    title = gettext_lazy("检查记录")
    export_name = "safety-inspections"
    template_name = "safety/inspections/inspection_list.html"
    columns = [
        Column(gettext_lazy("检查编号"), "number", link=True),
        Column(gettext_lazy("检查日期"), "inspected_on"),
        Column(gettext_lazy("被检查单位"), "unit.name"),
        Column(gettext_lazy("所属镇街"), "township.name"),
        Column(gettext_lazy("行业领域"), "sector.name"),
        Column(gettext_lazy("检查部门"), "department.name"),
        Column(gettext_lazy("检查类型"), "kind"),
        Column(gettext_lazy("专项行动"), "campaign.name"),
        Column(gettext_lazy("隐患数"), "hazard_count"),
    ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        from tiaodu.cases.forms import township_choices

        user = self.request.user
        return [
            ("q", gettext_lazy("检查编号或单位名称"), None),
            ("kind", gettext_lazy("检查类型"), [("", gettext_lazy("全部类型")), *InspectionKind.choices]),
            (
                "sector",
                gettext_lazy("行业领域"),
                [("", gettext_lazy("全部行业")), *((s.pk, s.name) for s in district_sectors(user))],
            ),
            ("township", gettext_lazy("镇街"), [("", gettext_lazy("全部镇街")), *township_choices(user)]),
            ("date_from", gettext_lazy("检查日期起"), "date"),
            ("date_to", gettext_lazy("检查日期止"), "date"),
        ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("safety:inspection-create")

    def get_queryset(self) -> Any:
        return (
            super()
            .get_queryset()
            # Prefetched for the page's rows: joining them to every inspection before the sort
            # took six times as long on 200,000 inspections.
            .prefetch_related(*INSPECTION_RELATED)
            .annotate(hazard_count=hazard_count())
            .order_by("-inspected_on", "-pk")
        )


class InspectionDetailView(ScopedView):
    model = Inspection

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        found = get_scoped(Inspection, user, "view", pk=pk)
        inspection = Inspection.objects.select_related(*INSPECTION_RELATED, "team", "created_by").get(
            pk=found.pk
        )
        results = dict(RESULT_CHOICES)
        entries = [e for e in inspection.checklist or [] if isinstance(e, dict)]
        items = ChecklistItem.objects.in_bulk(
            [e.get("item") for e in entries if isinstance(e.get("item"), int)]
        )
        checklist = [
            (items.get(e["item"]), results.get(e.get("result", ""), e.get("result", ""))) for e in entries
        ]
        hazards = (
            Hazard.objects.restrict(user)
            .filter(inspection=inspection)
            .select_related("case", "checklist_item")
            .order_by("pk")
        )
        context = {
            "object": inspection,
            "checklist": checklist,
            "hazards": hazards,
            "inspectors": inspection.inspectors.order_by("name"),
            "co_departments": inspection.co_departments.order_by("name"),
        }
        return render(request, "safety/inspections/inspection_detail.html", context)


class InspectionCreateView(ScopedView):
    """The mobile inspection form. Without ``?unit=`` it searches the unit to inspect (the
    checklist is the unit's sector's); with it, the form. Enterprise users file 企业自查."""

    model = Inspection
    action = "add"
    self_inspection: ClassVar[bool] = False
    url_name: ClassVar[str] = "safety:inspection-create"

    def is_self(self, user: Any) -> bool:
        """Enterprise users file 企业自查 (on either address); everyone else inspects."""
        return bool(user.role == "enterprise")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        user = request.user
        if user.is_authenticated and self.is_self(user) != self.self_inspection:
            other = "safety:inspection-create" if self.self_inspection else "safety:self-inspection"
            return HttpResponseRedirect(reverse(other) + _query(request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        unit_id = request.GET.get("unit") or ""
        if not unit_id.isdigit():
            return self.search(request, user)
        unit = get_scoped(Unit, user, "view", pk=int(unit_id))
        visit = request.GET.get("visit") or ""
        initial = {"plan_visit": int(visit)} if visit.isdigit() else {}
        form = InspectionForm(user=user, unit=unit, self_inspection=self.is_self(user), initial=initial)
        formset = HazardFormSet(items=form.items, prefix=HAZARD_PREFIX)
        return self.render_form(request, unit, form, formset)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        unit_id = request.POST.get("unit") or ""
        if not unit_id.isdigit():
            return self.search(request, user, status=422)
        unit = get_scoped(Unit, user, "view", pk=int(unit_id))
        form = InspectionForm(request.POST, user=user, unit=unit, self_inspection=self.is_self(user))
        formset = HazardFormSet(request.POST, request.FILES, items=form.items, prefix=HAZARD_PREFIX)
        if form.is_valid() and formset.is_valid():
            try:
                inspection = self.record(user, unit, form, formset)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_errors(form, formset, exc)
            else:
                count = inspection.hazards.count()
                message = _("已登记检查记录%(number)s,发现隐患%(count)d条") % {
                    "number": inspection.number,
                    "count": count,
                }
                return redirect_with_message(request, inspection.get_absolute_url(), message)
        return self.render_form(request, unit, form, formset, status=422)

    def record(self, user: Any, unit: Unit, form: InspectionForm, formset: Any) -> Inspection:
        data = form.cleaned_data
        items = {i.pk: i for i in form.items}
        lon, lat = data.get("longitude"), data.get("latitude")
        found = []
        formset.reported = []  # the formset's forms in the order of the hazards reported
        for hazard_form in formset:
            hazard = hazard_form.cleaned_data
            if not hazard or not hazard_form.has_changed():
                continue
            formset.reported.append(hazard_form)
            photo = hazard.get("photo")
            found.append(
                inspections.HazardInput(
                    description=hazard["description"],
                    checklist_item=items.get(hazard.get("checklist_item") or 0),
                    grade=hazard.get("grade") or None,
                    major_reason=hazard.get("major_reason") or "",
                    mode=hazard["mode"],
                    deadline=hazard.get("deadline"),
                    responsible_person=hazard.get("responsible_person") or "",
                    longitude=lon,
                    latitude=lat,
                    photos=(photo,) if photo else (),
                )
            )
        hazard_items = {getattr(h.checklist_item, "pk", h.checklist_item) for h in found if h.checklist_item}
        related = form.related()
        return inspections.record_inspection(
            user,
            unit=unit,
            inspected_on=data["inspected_on"],
            department=related["department"],
            kind=InspectionKind.SELF if form.self_inspection else data["kind"],
            campaign=related.get("campaign"),
            team=related.get("team"),
            plan_visit=related.get("plan_visit"),
            inspectors=related.get("inspectors", ()),
            checklist=form.checklist(hazard_items),
            findings=data.get("findings") or "",
            longitude=lon,
            latitude=lat,
            hazards=found,
        )

    def search(self, request: HttpRequest, user: Any, status: int = 200) -> HttpResponse:
        query = (request.GET.get("q") or "").strip()[:64]
        context = {
            "query": query,
            "units": units_for(user, query),
            "self_inspection": self.is_self(user),
            "form_url": reverse(self.url_name),
        }
        return render(request, "safety/inspections/unit_search.html", context, status=status)

    def render_form(
        self, request: HttpRequest, unit: Unit, form: InspectionForm, formset: Any, status: int = 200
    ) -> HttpResponse:
        context = {
            "unit": unit,
            "form": form,
            "formset": formset,
            "self_inspection": form.self_inspection,
            "form_url": reverse(self.url_name),
            "title": _("企业自查") if form.self_inspection else _("现场检查"),
        }
        response = render(request, "safety/inspections/inspection_form.html", context, status=status)
        response["Permissions-Policy"] = DEVICE_POLICY
        return response


class SelfInspectionView(InspectionCreateView):
    """企业自查: an enterprise user records an inspection of its own unit (kind 企业自查)."""

    self_inspection = True
    url_name = "safety:self-inspection"


def apply_errors(form: InspectionForm, formset: Any, exc: ServiceError) -> None:
    """A service's errors onto the form: ``hazards.N.field`` onto the N-th reported hazard's
    block, the rest onto the inspection form."""
    from tiaodu.core.errors import InvalidInput

    reported = getattr(formset, "reported", [])
    rest = []
    for err in exc.errors:
        parts = err.field.split(".", 2)
        if parts[0] == "hazards" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(reported):
            target = reported[int(parts[1])]
            name = HAZARD_FIELD_ALIASES.get(parts[2], parts[2])
            target.add_error(name if name in target.fields else None, err.message)
        else:
            rest.append(err)
    if rest or not exc.errors:
        apply_service_error(form, InvalidInput(rest, exc.message) if exc.errors else exc)


# The service's names of a hazard's fields → the hazard block's.
HAZARD_FIELD_ALIASES = {"photos": "photo", "file": "photo"}


def _query(request: HttpRequest) -> str:
    query = request.GET.urlencode()
    return f"?{query}" if query else ""
