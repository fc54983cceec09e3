"""Hazard pages (lane screens): the list, the hazard board (counts by state and grade, by sector
and by township), the overdue board (open hazards past their due date, with their cards), and a
hazard with its workflow actions (those the case engine offers this user now), its 治理方案,
photos and timeline. Enterprise users see their own hazards here and rectify them (start, then
提请验收 with the photo after rectification).

Every query starts from ``Hazard.objects.restrict(user)``; every write goes through
:mod:`tiaodu.safety.hazards` (``step``, ``save_plan``, ``add_photo``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError as PydanticValidationError

from tiaodu.cases import queries, services
from tiaodu.cases.choices import Card
from tiaodu.cases.forms import township_choices
from tiaodu.cases.models import Case
from tiaodu.core.concurrency import parse_version
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.core.views import (
    Column,
    ObjectListView,
    ScopedView,
    apply_service_error,
    filter_error_text,
    redirect_with_message,
)
from tiaodu.regions.models import Region
from tiaodu.safety import hazards as hazard_services
from tiaodu.safety.choices import WORKFLOW, HazardGrade, HazardState, PhotoStage, RectifyMode
from tiaodu.safety.forms_inspections import (
    HazardPlanForm,
    PhotoForm,
    SafetyHazardFilter,
    StepForm,
    district_sectors,
)
from tiaodu.safety.models import Hazard, HazardPlan, Sector

HAZARD_RELATED = ("case", "unit", "township", "sector", "department")
YES_NO = [("", gettext_lazy("全部")), ("true", gettext_lazy("是")), ("false", gettext_lazy("否"))]


def hazards_for(user: Any) -> QuerySet[Hazard]:
    """The user's hazards with what the pages show of them."""
    return hazard_services.hazards_for(user)  # type: ignore[no-any-return]


def hazard_filter_fields(user: Any) -> list[tuple[str, Any, Any]]:
    return [
        ("q", gettext_lazy("隐患描述或单位名称"), None),
        ("state", gettext_lazy("状态"), [("", gettext_lazy("全部状态")), *HazardState.choices]),
        ("grade", gettext_lazy("隐患等级"), [("", gettext_lazy("全部等级")), *HazardGrade.choices]),
        ("mode", gettext_lazy("整改方式"), [("", gettext_lazy("全部方式")), *RectifyMode.choices]),
        (
            "sector",
            gettext_lazy("行业领域"),
            [("", gettext_lazy("全部行业")), *((s.pk, s.name) for s in district_sectors(user))],
        ),
        ("township", gettext_lazy("镇街"), [("", gettext_lazy("全部镇街")), *township_choices(user)]),
        (
            "is_open",
            gettext_lazy("销号情况"),
            [("", gettext_lazy("全部")), ("true", gettext_lazy("未销号")), ("false", gettext_lazy("已销号"))],
        ),
        ("overdue", gettext_lazy("超期未销号"), YES_NO),
        (
            "card",
            gettext_lazy("督办牌"),
            [
                ("", gettext_lazy("全部")),
                ("any", gettext_lazy("红黄牌")),
                (Card.RED, gettext_lazy("红牌")),
                (Card.YELLOW, gettext_lazy("黄牌")),
            ],
        ),
        ("found_from", gettext_lazy("发现日期起"), "date"),
        ("found_to", gettext_lazy("发现日期止"), "date"),
    ]


class HazardListView(ObjectListView):
    model = Hazard
    filterset = SafetyHazardFilter
    export_name = "safety-hazards"
    template_name = "safety/hazards/hazard_list.html"
    columns = [
        Column(gettext_lazy("隐患描述"), lambda h: h.description[:60], sort="description", kind="name"),
        Column(gettext_lazy("单位"), "unit.name"),
        Column(gettext_lazy("所属镇街"), "township.name"),
        Column(gettext_lazy("行业领域"), "sector.name"),
        Column(gettext_lazy("隐患等级"), "grade"),
        Column(gettext_lazy("整改方式"), "mode"),
        Column(gettext_lazy("状态"), lambda h: h.case.state_label, sort="case__state"),
        Column(
            gettext_lazy("督办牌"),
            lambda h: h.case.get_card_display() if h.case.card != Card.NONE else "",
            sort="case__card",
        ),
        Column(gettext_lazy("发现日期"), "found_on"),
        Column(gettext_lazy("整改期限"), "case.due_on", sort="case__due_on"),
        Column(gettext_lazy("检查部门"), "department.name"),
    ]

    @property
    def title(self) -> Any:  # type: ignore[override]
        return _("我的隐患") if current_user(self.request).role == "enterprise" else _("隐患台账")

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        return hazard_filter_fields(self.request.user)

    def get_queryset(self) -> Any:
        return hazards_for(self.request.user).order_by("-found_on", "-pk")


def _filtered(
    request: HttpRequest, names: tuple[str, ...]
) -> tuple[QuerySet[Hazard], dict[str, Any], list[str]]:
    """The user's hazards under the board's filters (a subset of the list's)."""
    user = current_user(request)
    params: dict[str, Any] = {k: v for k, v in request.GET.items() if k in names and v != ""}
    try:
        return SafetyHazardFilter(**params).filter(hazards_for(user)), params, []
    except PydanticValidationError as exc:
        fields = hazard_filter_fields(user)
        return Hazard.objects.none(), params, [filter_error_text(fields, e) for e in exc.errors()]
    except ServiceError as exc:
        return Hazard.objects.none(), params, [exc.message]


@dataclass
class BoardRow:
    key: Any
    label: str
    total: int = 0
    open: int = 0
    major: int = 0
    major_open: int = 0
    overdue: int = 0
    accepted: int = 0

    @property
    def rate(self) -> str:
        """销号率 (accepted / found) in per cent, one decimal."""
        return f"{self.accepted * 100 / self.total:.1f}%" if self.total else "—"

    def add(self, state: str, grade: str, total: int, still_open: int, overdue: int) -> None:
        major = grade == HazardGrade.MAJOR
        self.total += total
        self.open += still_open
        self.major += total if major else 0
        self.major_open += still_open if major else 0
        self.overdue += overdue
        self.accepted += total if state == HazardState.ACCEPTED else 0


@dataclass
class Board:
    cells: dict[tuple[str, str], int]
    sectors: list[BoardRow]
    townships: list[BoardRow]


def board_counts(hazards: QuerySet[Hazard]) -> Board:
    """Every count of the board from one grouped query (state × grade × sector × township: a few
    hundred groups), folded here — one pass over the hazards rather than one per table."""
    today = timezone.localdate()
    is_open = Q(case__is_open=True)
    groups = list(
        hazards.order_by()
        .values("case__state", "grade", "sector_id", "township_id")
        .annotate(
            total=Count("pk"),
            still_open=Count("pk", filter=is_open),
            overdue=Count("pk", filter=is_open & Q(case__due_on__lt=today)),
        )
    )
    sector_rows = {
        s.pk: BoardRow(s.pk, s.name)
        for s in Sector.objects.filter(pk__in={g["sector_id"] for g in groups}).order_by("order", "pk")
    }
    town_rows = {
        r.pk: BoardRow(r.code, r.name)
        for r in Region.objects.filter(pk__in={g["township_id"] for g in groups}).order_by("code")
    }
    cells: dict[tuple[str, str], int] = {}
    for g in groups:
        state, grade = g["case__state"], g["grade"]
        cells[(state, grade)] = cells.get((state, grade), 0) + g["total"]
        for row in (sector_rows[g["sector_id"]], town_rows[g["township_id"]]):
            row.add(state, grade, g["total"], g["still_open"], g["overdue"])
    return Board(cells, list(sector_rows.values()), list(town_rows.values()))


BOARD_FILTERS = ("sector", "township", "found_from", "found_to", "grade")


class HazardBoardView(ScopedView):
    """隐患看板: counts by state × grade, and per sector and per township (found, open, 重大,
    overdue, accepted); every count links to the list with the same filters."""

    model = Hazard

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        hazards, params, errors = _filtered(request, BOARD_FILTERS)
        board = board_counts(hazards)
        cells = board.cells
        grades = list(HazardGrade.choices)
        matrix = [
            (
                state,
                label,
                [cells.get((state, g), 0) for g, _label in grades],
                sum(cells.get((state, g), 0) for g, _label in grades),
            )
            for state, label in HazardState.choices
        ]
        totals = [sum(cells.get((s, g), 0) for s, _l in HazardState.choices) for g, _label in grades]
        context = {
            "title": _("隐患看板"),
            "grades": grades,
            "matrix": matrix,
            "totals": totals,
            "total": sum(totals),
            "sectors": board.sectors,
            "townships": board.townships,
            "params": params,
            "base_query": urlencode(params),
            "filter_errors": errors,
            "sector_choices": [(s.pk, s.name) for s in district_sectors(user)],
            "township_choices": township_choices(user),
        }
        return render(request, "safety/hazards/board.html", context)


OVERDUE_FILTERS = ("sector", "township", "grade")
OVERDUE_ROWS = 30  # hazards shown per accepting department (red first, longest overdue first)


class HazardOverdueView(ScopedView):
    """超期隐患: open hazards past their due date, grouped by the accepting department (the case
    engine's 督办 grouping), with their red and yellow cards and days overdue."""

    model = Hazard

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        hazards, params, errors = _filtered(request, OVERDUE_FILTERS)
        today = timezone.localdate()
        # From the hazards joined to their open, past-due cases (the case index finds the few late
        # ones), then those cases: a semi-join on every visible hazard's case id was ten times slower.
        late = hazards.filter(case__workflow=WORKFLOW, case__is_open=True, case__due_on__lt=today)
        cases = Case.objects.filter(pk__in=list(late.values_list("case_id", flat=True))).select_related(
            "handling_org", "hazard", "hazard__unit", "hazard__township", "hazard__sector"
        )
        card = request.GET.get("card") or ""
        if card in (Card.RED, Card.YELLOW):
            cases = cases.filter(card=card)
        groups = queries.board(cases, today)
        rows = [c for g in groups for c in g.cases]
        for group in groups:  # the worst of each department; the list has them all
            group.shown = group.cases[:OVERDUE_ROWS]  # type: ignore[attr-defined]
            group.more = len(group.cases) - len(group.shown)  # type: ignore[attr-defined]
        context = {
            "title": _("超期隐患"),
            "groups": groups,
            "count": len(rows),
            "red": sum(g.red for g in groups),
            "yellow": sum(g.yellow for g in groups),
            "params": params,
            "card": card,
            "filter_errors": errors,
            "sector_choices": [(s.pk, s.name) for s in district_sectors(user)],
            "township_choices": township_choices(user),
            "grades": HazardGrade.choices,
            "list_query": urlencode({**params, "overdue": "true", **({"card": card} if card else {})}),
        }
        return render(request, "safety/hazards/overdue.html", context)


# --- one hazard ---------------------------------------------------------------------------------


def may_change(user: Any, hazard: Hazard) -> bool:
    return bool(Hazard.objects.restrict(user, "change").filter(pk=hazard.pk).exists())


def render_hazard(
    request: HttpRequest,
    pk: int,
    *,
    forms: dict[str, StepForm] | None = None,
    photo_form: PhotoForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = current_user(request)
    found = get_scoped(Hazard, user, "view", pk=pk)
    hazard = Hazard.objects.select_related(
        *HAZARD_RELATED, "inspection", "checklist_item", "case__handling_org", "case__category"
    ).get(pk=found.pk)
    case = hazard.case
    plan = HazardPlan.objects.filter(hazard=hazard).select_related("created_by").first()
    action_forms = [
        (move, (forms or {}).get(move.action) or StepForm(action=move.action, needs_note=move.needs_note))
        for move in queries.available_actions(user, case)
    ]
    changeable = may_change(user, hazard)
    rectifier = bool(services.party_of(user, case) & {"submitter", "handler"})
    late = queries.overdue_days([case.due_on]).get(case.due_on) if case.due_on and case.is_open else None
    context = {
        "object": hazard,
        "case": case,
        "plan": plan,
        "plan_needed": hazard.grade == HazardGrade.MAJOR and plan is None,
        "may_plan": changeable and rectifier and hazard.grade == HazardGrade.MAJOR and case.is_open,
        "may_upload": changeable and case.is_open,
        "photos": list(hazard.photos.select_related("uploaded_by")),
        "photo_form": photo_form or PhotoForm(),
        "action_forms": action_forms,
        "events": case.events.select_related("actor").order_by("created_at", "pk"),
        "card_records": case.card_records.order_by("issued_on", "pk"),
        "co_orgs": case.co_orgs.order_by("name"),
        "overdue": late,
        "error": error,
        "stages": dict(PhotoStage.choices),
    }
    return render(request, "safety/hazards/hazard_detail.html", context, status=status)


class HazardDetailView(ScopedView):
    model = Hazard

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render_hazard(request, pk)


class HazardStepView(ScopedView):
    """POST one workflow action (开始整改, 提请验收 with the after photo, 验收通过, 验收不通过)."""

    model = Hazard

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        hazard = get_scoped(Hazard, user, "view", pk=pk)
        action = request.POST.get("action", "")
        moves = {m.action: m for m in queries.available_actions(user, hazard.case)}
        move = moves.get(action)
        form = StepForm(
            request.POST,
            request.FILES,
            action=action or "none",
            needs_note=bool(move and move.needs_note),
        )
        if not form.is_valid():
            errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
            return render_hazard(request, pk, forms={action: form}, error=errors, status=422)
        try:
            version = parse_version(request.POST.get("version"))
            with transaction.atomic():
                photo = form.cleaned_data.get("photo")
                if photo:
                    hazard_services.add_photo(user, hazard.pk, photo, PhotoStage.AFTER)
                hazard_services.step(
                    user, hazard.pk, action, form.cleaned_data.get("note") or "", version=version
                )
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            apply_service_error(form, exc)
            errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
            return render_hazard(request, pk, forms={action: form}, error=errors, status=exc.status)
        label = move.label if move else action
        return redirect_with_message(
            request, reverse("safety:hazard-detail", args=[pk]), _("已%(action)s") % {"action": label}
        )


class HazardPlanView(ScopedView):
    """治理方案 of a 重大隐患: the form (filled in from the plan saved so far)."""

    model = Hazard
    action = "change"

    def hazard(self, request: HttpRequest, pk: int) -> Hazard:
        user = current_user(request)
        hazard = get_scoped(Hazard, user, "view", pk=pk)
        if not may_change(user, hazard):
            get_scoped(Hazard, user, "change", pk=pk)  # raises Forbidden, logged
        return hazard

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        hazard = self.hazard(request, pk)
        plan = HazardPlan.objects.filter(hazard=hazard).first()
        initial = {f: getattr(plan, f) for f in HazardPlanForm.FIELDS} if plan else {}
        return self.render(request, hazard, HazardPlanForm(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        hazard = self.hazard(request, pk)
        form = HazardPlanForm(request.POST)
        if form.is_valid():
            try:
                hazard_services.save_plan(current_user(request), hazard.pk, **form.cleaned_data)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(
                    request, reverse("safety:hazard-detail", args=[pk]) + "#plan", _("已保存治理方案")
                )
        return self.render(request, hazard, form, status=422)

    def render(
        self, request: HttpRequest, hazard: Hazard, form: HazardPlanForm, status: int = 200
    ) -> HttpResponse:
        return render(
            request, "safety/hazards/plan_form.html", {"object": hazard, "form": form}, status=status
        )


class HazardPhotoView(ScopedView):
    """POST a photo (整改前 / 整改后) to a hazard."""

    model = Hazard

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        hazard = get_scoped(Hazard, user, "view", pk=pk)
        form = PhotoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                hazard_services.add_photo(
                    user, hazard.pk, form.cleaned_data["photo"], form.cleaned_data["stage"]
                )
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(
                    request, reverse("safety:hazard-detail", args=[pk]) + "#photos", _("已上传照片")
                )
        return render_hazard(request, pk, photo_form=form, status=422)


class HazardPhotoFileView(ScopedView):
    """A hazard's photo, for those who may see the hazard."""

    model = Hazard

    def get(self, request: HttpRequest, pk: int, photo_id: int) -> HttpResponseBase:
        hazard = get_scoped(Hazard, current_user(request), "view", pk=pk)
        photo = hazard.photos.filter(pk=photo_id).first()
        if photo is None:
            return render(request, "404.html", status=404)
        return FileResponse(photo.file.open("rb"), filename=photo.name, content_type=photo.content_type)
