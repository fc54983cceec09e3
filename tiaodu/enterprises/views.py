"""Enterprise pages: the registry list, the profile (everything done for and heard from an
enterprise), the edit form, visits / needs / services, and the enterprise users' portal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tiaodu.accounts.choices import Role
from tiaodu.cases import queries
from tiaodu.cases.forms import ActionForm
from tiaodu.cases.models import Case
from tiaodu.cases.workflow import get_workflow
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can, get_scoped
from tiaodu.core.views import (
    Column,
    EditView,
    ObjectHistoryView,
    ObjectListView,
    ScopedView,
    apply_service_error,
    handle_service_error,
    redirect_with_message,
)
from tiaodu.employment.models import Vacancy
from tiaodu.enterprises import services
from tiaodu.enterprises.appeals import WORKFLOW
from tiaodu.enterprises.filters import EnterpriseFilter
from tiaodu.enterprises.forms import (
    AppealForm,
    DifficultyFormSet,
    EnterpriseForm,
    NeedForm,
    ServiceForm,
    VisitForm,
    scoped_case,
    township_choices,
)
from tiaodu.enterprises.models import Enterprise, Need, ServiceRecord, Visit
from tiaodu.orgs.models import Organization

CASE_RELATED = ("category", "region", "submitter_org", "handling_org")
YES_NO = [("", gettext_lazy("全部")), ("true", gettext_lazy("是")), ("false", gettext_lazy("否"))]
PORTAL_SOURCE = "企业门户"


def appeals_of(user: Any, enterprise: Enterprise) -> QuerySet[Case]:
    return (
        Case.objects.restrict(user)
        .filter(workflow=WORKFLOW, submitter_org_id=enterprise.organization_id)
        .select_related(*CASE_RELATED)
        .order_by("-raised_on", "-pk")
    )


def mark_overdue(cases: list[Case]) -> list[Case]:
    today = timezone.localdate()
    late = queries.overdue_days(c.due_on for c in cases if c.is_open)
    for case in cases:
        due = case.due_on
        case.overdue_workdays = late[due][0] if case.is_open and due and due < today else 0  # type: ignore[attr-defined]
    return cases


class EnterpriseListView(ObjectListView):
    model = Enterprise
    filterset = EnterpriseFilter
    title = gettext_lazy("企业服务")
    export_name = "enterprises"
    template_name = "enterprises/enterprise_list.html"
    columns = [
        Column(gettext_lazy("企业名称"), "name", link=True),
        Column(gettext_lazy("统一社会信用代码"), "credit_code"),
        Column(gettext_lazy("所属镇街"), "township.name"),
        Column(gettext_lazy("行业代码"), "industry_code"),
        Column(gettext_lazy("规上企业"), "is_above_scale"),
        Column(gettext_lazy("重点企业"), "is_key"),
        Column(gettext_lazy("专精特新"), "is_specialized"),
        Column(
            gettext_lazy("联系领导"),
            lambda e: e.liaison_leader.display_name if e.liaison_leader else "",
            sort="liaison_leader__full_name",
        ),
        Column(gettext_lazy("联系科室"), "liaison_department.name"),
        Column(gettext_lazy("服务专班"), "squad.name"),
    ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        return [
            ("q", gettext_lazy("企业名称或信用代码"), None),
            (
                "township",
                gettext_lazy("镇街"),
                [("", gettext_lazy("全部镇街")), *township_choices(self.request.user)],
            ),
            ("is_above_scale", gettext_lazy("规上企业"), [("", gettext_lazy("规上:全部")), *YES_NO[1:]]),
            ("is_key", gettext_lazy("重点企业"), [("", gettext_lazy("重点:全部")), *YES_NO[1:]]),
            ("is_specialized", gettext_lazy("专精特新"), [("", gettext_lazy("专精特新:全部")), *YES_NO[1:]]),
        ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("enterprises:create")

    def get_queryset(self) -> Any:
        return (
            super()
            .get_queryset()
            .select_related("township", "liaison_leader", "liaison_department", "squad")
            .order_by("name", "pk")
        )


class EnterpriseDetailView(ScopedView):
    """The profile: who looks after the enterprise, and every visit, appeal, need and service."""

    model = Enterprise

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        enterprise = get_scoped(Enterprise, user, pk=pk)
        enterprise = Enterprise.objects.select_related(
            "township", "organization", "liaison_leader", "liaison_department", "squad", "resident_officer"
        ).get(pk=enterprise.pk)
        visible_cases = Case.objects.restrict(user).select_related("category")
        visits = (
            Visit.objects.restrict(user)
            .filter(enterprise=enterprise)
            .select_related("visiting_org", "created_by")
            .prefetch_related(Prefetch("cases", queryset=visible_cases.order_by("pk")))
        )
        appeals = mark_overdue(list(appeals_of(user, enterprise)))
        needs = Need.objects.restrict(user).filter(enterprise=enterprise).select_related("case")
        served = (
            ServiceRecord.objects.restrict(user)
            .filter(enterprise=enterprise)
            .select_related("org", "case", "policy")
        )
        need_totals = needs.aggregate(people=Sum("people"), amount=Sum("amount_wan"), n=Count("pk"))
        service_totals = served.aggregate(amount=Sum("amount_wan"), n=Count("pk"))
        wf = get_workflow(WORKFLOW)
        summary = {
            "visits": visits.count(),
            "appeals": len(appeals),
            "open": sum(1 for c in appeals if c.is_open),
            "resolved": sum(1 for c in appeals if c.state in wf.resolved_states),
            "red": sum(1 for c in appeals if c.card == "red"),
            "yellow": sum(1 for c in appeals if c.card == "yellow"),
            "needs": need_totals["n"],
            "need_people": need_totals["people"] or 0,
            "need_amount": need_totals["amount"] or Decimal(0),
            "services": service_totals["n"],
            "service_amount": service_totals["amount"] or Decimal(0),
        }
        context = {
            "object": enterprise,
            "visits": visits,
            "appeals": appeals,
            "needs": needs,
            "services": served,
            "summary": summary,
            "can_change": Enterprise.objects.restrict(user, "change").filter(pk=enterprise.pk).exists(),
            # The same users (those who keep the enterprise) may see the full phone, audited.
            "can_reveal_contact": bool(enterprise.contact_phone_enc)
            and services.may_reveal_contact(user, enterprise),
            "can_visit": can(user, "add", Visit),
            # A labour need turns into vacancies (稳就业) without re-entry.
            "can_post_vacancies": can(user, "add", Vacancy),
            "can_need": can(user, "add", Need),
            "can_service": can(user, "add", ServiceRecord),
        }
        return render(request, "enterprises/enterprise_detail.html", context)


class EnterpriseContactView(ScopedView):
    """POST: the contact's full phone, shown once to those who keep the enterprise; every reveal
    and every refusal is in the security log (个人信息保护法). Answers a fragment (htmx swaps it
    in place of the mask)."""

    model = Enterprise

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        enterprise = get_scoped(Enterprise, user, pk=pk)
        try:
            phone = services.reveal_contact_phone(user, enterprise)
        except ServiceError as exc:
            context = {"error": exc.message, "code": exc.code}
            return render(request, "enterprises/_contact_phone.html", context, status=exc.status)
        return render(request, "enterprises/_contact_phone.html", {"phone": phone})


class EnterpriseEditView(EditView):
    """Create (no pk) or change an enterprise through ``services.save_enterprise``."""

    model = Enterprise

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        enterprise = self.instance(request, pk)
        initial = EnterpriseForm.initial_for(enterprise) if enterprise else {}
        form = EnterpriseForm(initial=initial, user=request.user, instance=enterprise)
        return self._render(request, form, enterprise)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        user = current_user(request)
        enterprise = self.instance(request, pk)
        initial = EnterpriseForm.initial_for(enterprise) if enterprise else {}
        form = EnterpriseForm(request.POST, initial=initial, user=user, instance=enterprise)
        if form.is_valid():
            code = enterprise.credit_code if enterprise else form.cleaned_data["credit_code"].strip().upper()
            try:
                if enterprise is None:
                    # The service upserts by credit code (for imports); a new-enterprise form must
                    # not, nor tell whether a code it may not use is registered elsewhere.
                    services.ensure_registrable(user, code)
                saved, created = services.save_enterprise(
                    user, code, form.cleaned_data["township_code"], **form.service_fields()
                )
                message = (_("已登记企业“%(name)s”") if created else _("已保存企业“%(name)s”")) % {
                    "name": saved.name
                }
                return redirect_with_message(request, saved.get_absolute_url(), message)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                handle_service_error(request, exc)  # writes the security log entry, if any
                apply_service_error(form, exc)
        return self._render(request, form, enterprise, status=422)

    def _render(
        self, request: HttpRequest, form: EnterpriseForm, enterprise: Enterprise | None, status: int = 200
    ) -> HttpResponse:
        return render(
            request, "enterprises/enterprise_form.html", {"form": form, "object": enterprise}, status=status
        )


class EnterpriseHistoryView(ObjectHistoryView):
    model = Enterprise


class _EnterpriseRecordView(ScopedView):
    """Base for pages that add a record (visit, need, service) to one enterprise."""

    action = "add"
    template_name = ""
    title: Any = ""

    def enterprise(self, request: HttpRequest, pk: int) -> Enterprise:
        return get_scoped(Enterprise, request.user, "view", pk=pk)

    def render_form(
        self, request: HttpRequest, enterprise: Enterprise, status: int = 200, **context: Any
    ) -> HttpResponse:
        context.update(object=enterprise, title=self.title)
        return render(request, self.template_name, context, status=status)


class VisitCreateView(_EnterpriseRecordView):
    """走访: the visit, and each difficulty raised during it becomes an appeal linked to it."""

    model = Visit
    template_name = "enterprises/visit_form.html"
    title = gettext_lazy("记录走访")

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        enterprise = self.enterprise(request, pk)
        return self.render_form(
            request,
            enterprise,
            form=VisitForm(user=request.user),
            difficulties=DifficultyFormSet(prefix="d"),
            can_raise=can(request.user, "add", Case),
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        enterprise = self.enterprise(request, pk)
        can_raise = can(user, "add", Case)
        form = VisitForm(request.POST, user=user)
        difficulties = DifficultyFormSet(request.POST, prefix="d")
        lines_ok = difficulties.is_valid() if can_raise else True
        if form.is_valid() and lines_ok:
            lines = (
                [f for f in difficulties.forms if f.has_changed() and f.cleaned_data.get("content")]
                if can_raise
                else []
            )
            try:
                with transaction.atomic():
                    visit = services.record_visit(
                        user,
                        enterprise,
                        form.cleaned_data["visited_on"],
                        form.cleaned_data["visitors"],
                        form.cleaned_data["record"],
                        visiting_org=Organization.objects.filter(
                            pk=form.cleaned_data["visiting_org_id"]
                        ).first()
                        if form.cleaned_data["visiting_org_id"]
                        else None,
                    )
                    for line in lines:
                        try:
                            services.raise_appeal(
                                user,
                                enterprise,
                                line.cleaned_data["category"],
                                line.cleaned_data["content"],
                                raised_on=visit.visited_on,
                                visit=visit,
                            )
                        except ServiceError as exc:
                            if exc.status not in (403, 404):
                                apply_service_error(line, _line_error(exc))
                                exc.errors = []
                                exc.message = _("第%(n)d条困难未能登记,走访未保存") % {
                                    "n": difficulties.forms.index(line) + 1
                                }
                            raise
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                message = _("已记录走访,收集困难%(n)d件") % {"n": len(lines)}
                return redirect_with_message(request, enterprise.get_absolute_url() + "#visits", message)
        return self.render_form(
            request, enterprise, status=422, form=form, difficulties=difficulties, can_raise=can_raise
        )


def _line_error(exc: ServiceError) -> ServiceError:
    """Map the appeal service's field names onto a difficulty line's fields."""
    for err in exc.errors:
        if err.field in ("description", "title"):
            err.field = "content"
    return exc


class NeedCreateView(_EnterpriseRecordView):
    model = Need
    template_name = "enterprises/record_form.html"
    title = gettext_lazy("记录企业需求")

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        enterprise = self.enterprise(request, pk)
        return self.render_form(request, enterprise, form=NeedForm(user=request.user, enterprise=enterprise))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        enterprise = self.enterprise(request, pk)
        form = NeedForm(request.POST, user=user, enterprise=enterprise)
        if form.is_valid():
            data = dict(form.cleaned_data)
            case = scoped_case(user, enterprise, data.pop("case_id"))
            try:
                services.record_need(user, enterprise, services.NeedInput(**data), case=case)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(
                    request, enterprise.get_absolute_url() + "#needs", _("已记录企业需求")
                )
        return self.render_form(request, enterprise, status=422, form=form)


class ServiceCreateView(_EnterpriseRecordView):
    model = ServiceRecord
    template_name = "enterprises/record_form.html"
    title = gettext_lazy("记录服务")

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        enterprise = self.enterprise(request, pk)
        return self.render_form(
            request, enterprise, form=ServiceForm(user=request.user, enterprise=enterprise)
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        enterprise = self.enterprise(request, pk)
        form = ServiceForm(request.POST, user=user, enterprise=enterprise)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["case"] = scoped_case(user, enterprise, data.pop("case_id"))
            org_id = data.pop("org_id")
            # Like a visit: the serving unit defaults to the recording user's organisation.
            data["org"] = Organization.objects.filter(pk=org_id).first() if org_id else user.organization
            try:
                services.record_service(user, enterprise, **data)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(
                    request, enterprise.get_absolute_url() + "#services", _("已记录服务")
                )
        return self.render_form(request, enterprise, status=422, form=form)


class PortalView(ScopedView):
    """我的企业: an enterprise user's own enterprise, its appeals, a new appeal, and ratings."""

    model = Enterprise

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and getattr(user, "role", None) != Role.ENTERPRISE:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def own(self, request: HttpRequest) -> Enterprise | None:
        user = current_user(request)
        if user.organization_id is None:
            return None
        return (
            Enterprise.objects.restrict(user)
            .filter(organization_id=user.organization_id)
            .select_related("township", "liaison_leader", "liaison_department", "squad", "resident_officer")
            .first()
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, self.own(request), AppealForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        enterprise = self.own(request)
        if enterprise is None:
            raise PermissionDenied
        form = AppealForm(request.POST)
        if form.is_valid():
            try:
                case = services.raise_appeal(
                    user,
                    enterprise,
                    form.cleaned_data["category"],
                    form.cleaned_data["content"],
                    raised_on=timezone.localdate(),
                    source=PORTAL_SOURCE,
                    title=form.cleaned_data["title"],
                )
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, _line_error(exc))
            else:
                message = _("诉求已提交,受理编号%(number)s,办结时限%(due)s") % {
                    "number": case.number,
                    "due": f"{case.due_on:%Y-%m-%d}" if case.due_on else "—",
                }
                return redirect_with_message(request, reverse("enterprises:portal"), message)
        return self._render(request, enterprise, form, status=422)

    def _render(
        self, request: HttpRequest, enterprise: Enterprise | None, form: AppealForm, status: int = 200
    ) -> HttpResponse:
        user = current_user(request)
        appeals: list[Case] = []
        rate_forms: dict[int, ActionForm] = {}
        if enterprise is not None:
            appeals = mark_overdue(list(appeals_of(user, enterprise)))
            for case in appeals:
                move = next((t for t in queries.available_actions(user, case) if t.action == "rate"), None)
                if move is not None:
                    rate_forms[case.pk] = ActionForm(
                        transition=move, user=user, case=case, auto_id=f"id_c{case.pk}_%s"
                    )
        rows = [(case, rate_forms.get(case.pk)) for case in appeals]
        context = {
            "object": enterprise,
            "form": form,
            "rows": rows,
            "open": sum(1 for c in appeals if c.is_open),
            "to_rate": len(rate_forms),
        }
        return render(request, "enterprises/portal.html", context, status=status)
