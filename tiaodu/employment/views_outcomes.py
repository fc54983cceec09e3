"""Placement list, detail and actions; follow-ups due; opening a placement. Lane E.

Lists and details start from ``Placement.objects.restrict(user)``; every step posts to
:func:`tiaodu.employment.outcomes.advance`. Jobseekers appear with their masked ID number; their
names in full for the employment staff and the towns, masked (张*) for enterprises."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tiaodu.core import pii
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.core.views import (
    Column,
    ObjectHistoryView,
    ObjectListView,
    ScopedView,
    apply_service_error,
    redirect_with_message,
)
from tiaodu.employment import outcomes
from tiaodu.employment.choices import OutcomeState
from tiaodu.employment.forms_outcomes import ActionForm, EmploymentPlacementFilter, OpenPlacementForm
from tiaodu.employment.models import JobFair, Jobseeker, Placement, Vacancy
from tiaodu.enterprises.models import Enterprise

PLACEMENT_RELATED = ("jobseeker", "vacancy", "enterprise", "township", "fair", "trip", "occupation")
STATE_BADGES: dict[str, str] = {
    OutcomeState.INTENDED: "text-bg-secondary",
    OutcomeState.INTERVIEWED: "text-bg-info",
    OutcomeState.HIRED: "text-bg-primary",
    OutcomeState.EMPLOYED: "text-bg-success",
    OutcomeState.CHECKED_30: "text-bg-success",
    OutcomeState.CHECKED_90: "text-bg-success",
    OutcomeState.LEFT: "text-bg-warning",
    OutcomeState.DROPPED: "text-bg-light",
}


def url_or_none(name: str, *args: Any) -> str | None:
    """The address of another part's page, or None while that part has no such page."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class PlacementListView(ObjectListView):
    model = Placement
    filterset = EmploymentPlacementFilter
    title = gettext_lazy("求职对接")
    export_name = "employment-placements"
    detail_url_name = "employment:placement-detail"

    @property
    def columns(self) -> list[Column]:  # type: ignore[override]
        user = self.request.user
        return [
            Column(
                gettext_lazy("求职者"),
                lambda p: outcomes.display_name(user, p.jobseeker),  # type: ignore[arg-type]
                link=True,
                sort="jobseeker__name",
                kind="name",
            ),
            Column(gettext_lazy("身份证号"), "jobseeker.id_mask", sort=False, kind="code"),
            Column(gettext_lazy("所属镇街"), "township.name"),
            Column(gettext_lazy("企业"), "enterprise.name"),
            Column(gettext_lazy("岗位"), "vacancy.title"),
            Column(gettext_lazy("状态"), "state"),
            Column(gettext_lazy("达成意向"), "intended_on"),
            Column(gettext_lazy("录用"), "hired_on"),
            Column(gettext_lazy("入职"), "started_on"),
            Column(gettext_lazy("招聘会"), "fair.name", sort=False),
        ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        from tiaodu.cases.forms import township_choices

        user = self.request.user
        mine = Placement.objects.restrict(user)
        enterprises = Enterprise.objects.filter(pk__in=mine.values("enterprise_id")).order_by("name")
        fairs = JobFair.objects.filter(pk__in=mine.values("fair_id")).order_by("-held_on")[:200]
        return [
            ("state", gettext_lazy("状态"), [("", gettext_lazy("全部状态")), *OutcomeState.choices]),
            ("township", gettext_lazy("镇街"), [("", gettext_lazy("全部镇街")), *township_choices(user)]),
            (
                "enterprise",
                gettext_lazy("企业"),
                [("", gettext_lazy("全部企业")), *((e.pk, e.name) for e in enterprises)],
            ),
            (
                "fair",
                gettext_lazy("招聘会"),
                [("", gettext_lazy("全部招聘会")), *((x.pk, str(x)) for x in fairs)],
            ),
            ("intended_from", gettext_lazy("达成意向日期起"), "date"),
            ("intended_to", gettext_lazy("达成意向日期止"), "date"),
        ]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related(*PLACEMENT_RELATED)

    def export(self, queryset: Any, kind: str) -> HttpResponse:
        # Names (masked for enterprises) and masked ID numbers: a masked export of personal data.
        pii.audit_export(self.request.user, f"employment placements ({kind})", revealed=False)
        return super().export(queryset, kind)


# --- detail and steps -------------------------------------------------------------------------------


def render_placement(
    request: HttpRequest, pk: int, *, forms: dict[str, ActionForm] | None = None, status: int = 200
) -> HttpResponse:
    user = current_user(request)
    found = get_scoped(Placement, user, "view", pk=pk)
    placement = Placement.objects.select_related(*PLACEMENT_RELATED, "service_org", "created_by").get(
        pk=found.pk
    )
    changeable = Placement.objects.restrict(user, "change").filter(pk=pk).exists()
    moves = outcomes.allowed_actions(placement, user) if changeable else []
    action_forms = []
    for move in moves:
        form = (forms or {}).get(move.action) or ActionForm(move=move, initial={"version": placement.version})
        earliest = outcomes.follow_up_from(placement, move.action)
        action_forms.append((move, form, earliest))
    # A posted step that is not (or no longer) open here: its errors at the top of the page.
    shown = {move.action for move in moves}
    errors = [
        str(e)
        for action, form in (forms or {}).items()
        if action not in shown
        for e in form.errors.get("__all__", [])
    ]
    jobseeker_visible = Jobseeker.objects.restrict(user).filter(pk=placement.jobseeker_id).exists()
    vacancy_visible = Vacancy.objects.restrict(user).filter(pk=placement.vacancy_id).exists()
    context = {
        "object": placement,
        "name": outcomes.display_name(user, placement.jobseeker),
        "badge": STATE_BADGES.get(placement.state, "text-bg-secondary"),
        "steps": outcomes.timeline(placement),
        "action_forms": action_forms,
        "errors": errors,
        "jobseeker_url": url_or_none("employment:jobseeker-detail", placement.jobseeker_id)
        if jobseeker_visible
        else None,
        "vacancy_url": url_or_none("employment:vacancy-detail", placement.vacancy_id)
        if vacancy_visible
        else None,
        "fair_url": url_or_none("employment:fair-detail", placement.fair_id) if placement.fair_id else None,
        "trip_url": url_or_none("employment:bus-detail", placement.trip_id) if placement.trip_id else None,
    }
    return render(request, "employment/outcomes/placement_detail.html", context, status=status)


class PlacementDetailView(ScopedView):
    model = Placement

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render_placement(request, pk)


class PlacementActionView(ScopedView):
    """POST one step of the table (``action`` in the address): date, reason, note, version."""

    model = Placement
    action = "change"

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        user = current_user(request)
        placement = get_scoped(Placement, user, "view", pk=pk)
        move = outcomes.TRANSITIONS.get(action)
        if move is None:
            return render(request, "404.html", status=404)
        form = ActionForm(request.POST, move=move)
        back = request.POST.get("back") == "follow-ups"
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                outcomes.advance(
                    user,
                    placement.pk,
                    action,
                    on=data["on"],
                    reason=data.get("reason") or "",
                    note=data.get("note") or "",
                    version=data.get("version"),
                )
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                status = exc.status
                if exc.code == "outcome_transition" or exc.code == "stale_write":
                    form.add_error(None, exc.message)
                else:
                    apply_service_error(form, exc)
            else:
                target = (
                    reverse("employment:follow-ups")
                    if back
                    else reverse("employment:placement-detail", args=[pk])
                )
                return redirect_with_message(request, target, _("已登记:%(label)s") % {"label": move.label})
        return render_placement(request, pk, forms={action: form}, status=status)


class PlacementHistoryView(ObjectHistoryView):
    model = Placement


# --- follow-ups -------------------------------------------------------------------------------------


class FollowUpsView(ScopedView):
    """The placements whose 30- or 90-day follow-up is due on ``?on=`` (default today)."""

    model = Placement

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        error = ""
        on = timezone.localdate()
        raw = request.GET.get("on", "")
        if raw:
            try:
                on = date.fromisoformat(raw)
            except ValueError:
                error = _("日期格式有误,应为YYYY-MM-DD")
        due = outcomes.follow_ups_due(user, on).select_related(*PLACEMENT_RELATED)
        page = Paginator(due, 50).get_page(request.GET.get("page"))
        staff = outcomes.is_staff(user)
        rows = [
            {
                "placement": p,
                "name": outcomes.display_name(user, p.jobseeker),
                "action": outcomes.due_action(p),
                "label": outcomes.TRANSITIONS[outcomes.due_action(p)].label,
                "from": outcomes.follow_up_from(p, outcomes.due_action(p)),
            }
            for p in page.object_list
        ]
        context = {
            "title": _("待回访"),
            "on": on,
            "today": timezone.localdate(),
            "rows": rows,
            "page": page,
            "error": error,
            "staff": staff,
        }
        return render(request, "employment/outcomes/follow_ups.html", context)


# --- opening ----------------------------------------------------------------------------------------


class PlacementCreateView(ScopedView):
    """登记求职意向 for a jobseeker (``?jobseeker=<id>``) and one of the district's open vacancies
    (``?vacancy=<id>`` preselects it)."""

    model = Placement
    action = "add"

    def jobseeker(self, request: HttpRequest, raw: Any) -> Jobseeker:
        pk = int(raw) if str(raw or "").isdigit() else 0
        return get_scoped(Jobseeker, current_user(request), "view", pk=pk)

    @staticmethod
    def vacancies(user: Any, jobseeker: Jobseeker, on: date) -> list[tuple[int, str]]:
        rows = (
            Vacancy.objects.restrict(user)
            .filter(district_id=jobseeker.district_id, status="open", published_on__lte=on)
            .exclude(valid_until__lt=on)
            .select_related("enterprise")
            .order_by("enterprise__name", "title")[:500]
        )
        return [(v.pk, f"{v.enterprise.name} · {v.title}") for v in rows]

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        jobseeker = self.jobseeker(request, request.GET.get("jobseeker"))
        initial = {"jobseeker": jobseeker.pk, "vacancy": request.GET.get("vacancy", "")}
        form = OpenPlacementForm(
            initial=initial, vacancies=self.vacancies(user, jobseeker, timezone.localdate())
        )
        return self._render(request, form, jobseeker)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        jobseeker = self.jobseeker(request, request.POST.get("jobseeker"))
        form = OpenPlacementForm(
            request.POST, vacancies=self.vacancies(user, jobseeker, timezone.localdate())
        )
        if form.is_valid():
            vacancy = get_scoped(Vacancy, user, "view", pk=int(form.cleaned_data["vacancy"]))
            try:
                placement = outcomes.open_placement(
                    user, jobseeker=jobseeker, vacancy=vacancy, on=form.cleaned_data["on"]
                )
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(request, placement.get_absolute_url(), _("已登记求职意向"))
        return self._render(request, form, jobseeker, status=422)

    @staticmethod
    def _render(
        request: HttpRequest, form: OpenPlacementForm, jobseeker: Jobseeker, status: int = 200
    ) -> HttpResponse:
        context = {
            "form": form,
            "jobseeker": jobseeker,
            "name": outcomes.display_name(current_user(request), jobseeker),
        }
        return render(request, "employment/outcomes/placement_form.html", context, status=status)
