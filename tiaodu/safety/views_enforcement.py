"""Enforcement documents and accidents: lists (filtered, exported), entry forms and detail pages.

Lists and details start from ``Model.objects.restrict(user)``; the forms post to
:func:`tiaodu.safety.enforcement.create_document` and :func:`tiaodu.safety.accidents.record_accident`.
An accident's grade is shown, never asked for."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can, get_scoped
from tiaodu.core.resolve import actor_district
from tiaodu.core.views import (
    Column,
    EditView,
    ObjectHistoryView,
    ObjectListView,
    ScopedView,
    apply_service_error,
    redirect_with_message,
)
from tiaodu.safety import accidents as accident_services
from tiaodu.safety import enforcement
from tiaodu.safety.choices import SERIOUS_GRADES, AccidentGrade, DocumentKind, PenaltyKind
from tiaodu.safety.forms_enforcement import (
    AccidentFilter,
    AccidentForm,
    DocumentCorrectionForm,
    DocumentFilter,
    DocumentForm,
    department_choices,
    sector_choices,
)
from tiaodu.safety.models import Accident, EnforcementDocument, Inspection, PenaltyItem, Unit

DOCUMENT_RELATED = ("unit", "township", "sector", "department", "inspection")
ACCIDENT_RELATED = ("unit", "township", "sector")
# Badge colours of the accident grades (Bootstrap classes).
GRADE_BADGES = {
    AccidentGrade.GENERAL: "text-bg-secondary",
    AccidentGrade.LARGER: "text-bg-warning",
    AccidentGrade.MAJOR: "text-bg-danger",
    AccidentGrade.EXTRAORDINARY: "text-bg-dark",
}


def _penalty_text(document: EnforcementDocument) -> str:
    return "、".join(str(p.get_kind_display()) for p in document.penalties.all())


def _fine(document: EnforcementDocument) -> Decimal | str:
    total = sum(
        (p.amount or Decimal(0) for p in document.penalties.all() if p.kind == PenaltyKind.FINE), Decimal(0)
    )
    return total if total else ""


class DocumentListView(ObjectListView):
    model = EnforcementDocument
    filterset = DocumentFilter
    title = gettext_lazy("执法文书")
    export_name = "safety-documents"
    detail_url_name = "safety:document-detail"
    columns = [
        Column(gettext_lazy("文号"), "number", link=True),
        Column(gettext_lazy("文书种类"), "kind"),
        Column(gettext_lazy("当事单位"), "unit.name", sort="unit__name"),
        Column(gettext_lazy("所属镇街"), "township.name"),
        Column(gettext_lazy("行业领域"), "sector.name"),
        Column(gettext_lazy("执法部门"), "department.name"),
        Column(gettext_lazy("文书日期"), "issued_on"),
        Column(gettext_lazy("处罚种类"), _penalty_text, sort=False),
        Column(gettext_lazy("罚款(元)"), _fine, sort=False),
    ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        from tiaodu.cases.forms import township_choices

        user = self.request.user
        return [
            ("q", gettext_lazy("文号或单位名称"), None),
            ("kind", gettext_lazy("文书种类"), [("", gettext_lazy("全部文书")), *DocumentKind.choices]),
            ("penalty", gettext_lazy("处罚种类"), [("", gettext_lazy("全部处罚种类")), *PenaltyKind.choices]),
            ("sector", gettext_lazy("行业领域"), [("", gettext_lazy("全部行业")), *sector_choices(user)]),
            (
                "department",
                gettext_lazy("执法部门"),
                [("", gettext_lazy("全部部门")), *department_choices(user)],
            ),
            ("township", gettext_lazy("镇街"), [("", gettext_lazy("全部镇街")), *township_choices(user)]),
            ("issued_from", gettext_lazy("文书日期起"), "date"),
            ("issued_to", gettext_lazy("文书日期止"), "date"),
        ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("safety:document-create")

    def get_queryset(self) -> Any:
        return (
            super()
            .get_queryset()
            .select_related(*DOCUMENT_RELATED)
            .prefetch_related(Prefetch("penalties", queryset=PenaltyItem.objects.order_by("pk")))
        )


class DocumentCreateView(ScopedView):
    """Issue a document; ``?unit=<id>`` (from a unit's page) and ``?inspection=<id>`` prefill it."""

    model = EnforcementDocument
    action = "add"

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        initial: dict[str, Any] = {"issued_on": timezone.localdate()}
        unit = self._unit(request)
        inspection = None
        if request.GET.get("inspection", "").isdigit():
            inspection = Inspection.objects.restrict(user).filter(pk=int(request.GET["inspection"])).first()
            if inspection is not None:
                unit = unit or Unit.objects.restrict(user).filter(pk=inspection.unit_id).first()
                initial["inspection"] = inspection.number
        if unit is not None:
            initial.update(
                unit_id=unit.pk, unit=unit.credit_code or unit.name, township_code=unit.township.code
            )
        form = DocumentForm(user=user, initial=initial)
        return self._render(request, form, unit)

    def _unit(self, request: HttpRequest) -> Unit | None:
        ref = request.GET.get("unit", "")
        if not ref.isdigit():
            return None
        return Unit.objects.restrict(request.user).select_related("township").filter(pk=int(ref)).first()

    def post(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        form = DocumentForm(request.POST, user=user)
        if form.is_valid():
            try:
                document = enforcement.create_document(user, **form.service_fields())
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(
                    request,
                    document.get_absolute_url(),
                    _("执法文书“%(number)s”已录入") % {"number": document.number},
                )
        return self._render(request, form, None, status=422)

    @staticmethod
    def _render(
        request: HttpRequest, form: DocumentForm, unit: Unit | None, status: int = 200
    ) -> HttpResponse:
        return render(
            request, "safety/enforcement/document_form.html", {"form": form, "unit": unit}, status=status
        )


class DocumentDetailView(ScopedView):
    model = EnforcementDocument

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        get_scoped(EnforcementDocument, user, pk=pk)
        document = EnforcementDocument.objects.select_related(*DOCUMENT_RELATED, "created_by").get(pk=pk)
        penalties = list(document.penalties.order_by("pk"))
        context = {
            "object": document,
            "penalties": penalties,
            "fine_total": enforcement.fine_total(document)
            if document.kind == DocumentKind.DECISION
            else None,
            "unit_visible": Unit.objects.restrict(user).filter(pk=document.unit_id).exists(),
            "inspection_visible": document.inspection_id is not None
            and Inspection.objects.restrict(user).filter(pk=document.inspection_id).exists(),
            "can_add": can(user, "add", EnforcementDocument),
            "can_change": EnforcementDocument.objects.restrict(user, "change").filter(pk=pk).exists(),
        }
        return render(request, "safety/enforcement/document_detail.html", context)


class DocumentEditView(EditView):
    """更正 a document: its 文号, date, content and penalties (the same rules as when issued)."""

    model = EnforcementDocument

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        document = self.instance(request, pk)
        form = DocumentCorrectionForm(user=request.user, initial=DocumentCorrectionForm.initial_for(document))
        return self._render(request, form, document)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        document = self.instance(request, pk)
        form = DocumentCorrectionForm(request.POST, user=user)
        if form.is_valid():
            try:
                saved = enforcement.update_document(user, document.pk, **form.correction_fields())
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(request, saved.get_absolute_url(), _("执法文书已更正"))
        return self._render(request, form, document, status=422)

    @staticmethod
    def _render(
        request: HttpRequest, form: DocumentCorrectionForm, document: EnforcementDocument, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "object": document, "unit": document.unit}
        return render(request, "safety/enforcement/document_form.html", context, status=status)


class DocumentHistoryView(ObjectHistoryView):
    model = EnforcementDocument


# --- accidents ------------------------------------------------------------------------------------


class AccidentListView(ObjectListView):
    model = Accident
    filterset = AccidentFilter
    title = gettext_lazy("生产安全事故")
    export_name = "safety-accidents"
    detail_url_name = "safety:accident-detail"
    columns = [
        Column(gettext_lazy("发生日期"), "occurred_on", link=True),
        Column(gettext_lazy("单位名称"), "unit_name"),
        Column(gettext_lazy("所属镇街"), "township.name"),
        Column(gettext_lazy("行业领域"), "sector.name"),
        Column(gettext_lazy("死亡人数"), "deaths"),
        Column(gettext_lazy("重伤人数"), "serious_injuries"),
        Column(gettext_lazy("直接经济损失(万元)"), "direct_loss"),
        Column(gettext_lazy("事故等级"), "grade"),
        Column(gettext_lazy("事故简况"), "summary", sort=False),
    ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        from tiaodu.cases.forms import township_choices

        user = self.request.user
        return [
            ("q", gettext_lazy("单位名称或事故简况"), None),
            ("grade", gettext_lazy("事故等级"), [("", gettext_lazy("全部等级")), *AccidentGrade.choices]),
            ("sector", gettext_lazy("行业领域"), [("", gettext_lazy("全部行业")), *sector_choices(user)]),
            ("township", gettext_lazy("镇街"), [("", gettext_lazy("全部镇街")), *township_choices(user)]),
            ("occurred_from", gettext_lazy("发生日期起"), "date"),
            ("occurred_to", gettext_lazy("发生日期止"), "date"),
        ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("safety:accident-create")

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related(*ACCIDENT_RELATED)


def accident_free_run_for(district: Any) -> Any:
    """A district's run as of today (shown on the accident pages); None without a district."""
    if district is None:
        return None
    return accident_services.accident_free_run(district, timezone.localdate())


class AccidentEditView(EditView):
    """登记 (no pk; ``?unit=<id>`` from a unit's page prefills it) or 更正 an accident; the grade is
    computed again from the facts."""

    model = Accident

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = current_user(request)
        accident = self.instance(request, pk)
        if accident is not None:
            initial = AccidentForm.initial_for(accident)
        else:
            initial = {"occurred_on": timezone.localdate()}
            ref = request.GET.get("unit", "")
            unit = (
                Unit.objects.restrict(user).select_related("township").filter(pk=int(ref)).first()
                if ref.isdigit()
                else None
            )
            if unit is not None:
                initial.update(unit=unit.credit_code or unit.name, township_code=unit.township.code)
        return self._render(request, AccidentForm(user=user, initial=initial), accident)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = current_user(request)
        accident = self.instance(request, pk)
        form = AccidentForm(request.POST, user=user)
        if form.is_valid():
            try:
                values = form.service_fields()
                if accident is None:
                    saved = accident_services.record_accident(user, **values)
                else:
                    values.setdefault("unit", None)
                    saved = accident_services.update_accident(user, accident.pk, **values)
            except ServiceError as exc:
                if exc.status in (403, 404) and not exc.errors:
                    raise
                apply_service_error(form, exc)
            else:
                message = (
                    _("事故已登记,等级:%(grade)s") if accident is None else _("事故已更正,等级:%(grade)s")
                )
                return redirect_with_message(
                    request, saved.get_absolute_url(), message % {"grade": saved.get_grade_display()}
                )
        return self._render(request, form, accident, status=422)

    @staticmethod
    def _render(
        request: HttpRequest, form: AccidentForm, accident: Accident | None, status: int = 200
    ) -> HttpResponse:
        district = accident.district if accident is not None else actor_district(request.user)
        context = {
            "form": form,
            "object": accident,
            "district": district,
            "run": accident_free_run_for(district),
        }
        return render(request, "safety/enforcement/accident_form.html", context, status=status)


class AccidentDetailView(ScopedView):
    model = Accident

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        get_scoped(Accident, user, pk=pk)
        accident = Accident.objects.select_related(*ACCIDENT_RELATED, "created_by").get(pk=pk)
        context = {
            "object": accident,
            "grade_badge": GRADE_BADGES.get(AccidentGrade(accident.grade), "text-bg-secondary"),
            "is_serious": accident.grade in SERIOUS_GRADES,
            "unit_visible": accident.unit_id is not None
            and Unit.objects.restrict(user).filter(pk=accident.unit_id).exists(),
            "run": accident_free_run_for(accident.district),
            "can_change": Accident.objects.restrict(user, "change").filter(pk=pk).exists(),
        }
        return render(request, "safety/enforcement/accident_detail.html", context)


class AccidentHistoryView(ObjectHistoryView):
    model = Accident
