"""Lead pages: the list and 待裁定 list, a lead's page (duplicate banner, assign, convert,
decide), the report form with the 首报制 check, the change history; and the bureau's decision
on a project waiting as a duplicate."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.forms import HiddenInput
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tiaodu.accounts.choices import Role
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can, get_scoped
from tiaodu.core.views import (
    Column,
    ObjectHistoryView,
    ObjectListView,
    ScopedView,
    apply_service_error,
    redirect_with_message,
)
from tiaodu.investment import leads
from tiaodu.investment.choices import DuplicateStatus, LeadStatus, Source
from tiaodu.investment.filters_leads import LeadFilter
from tiaodu.investment.forms_leads import (
    AssignForm,
    ConvertForm,
    DecideForm,
    LeadForm,
    chain_choices,
    team_choices,
)
from tiaodu.investment.models import InvestmentProject, Lead

RELATED = ("township", "reporter", "reporting_team", "team", "chain", "project")


def _reporter(lead: Lead) -> str:
    if lead.reporter_id:
        return lead.reporter.name  # type: ignore[union-attr]
    return lead.reporting_team.name if lead.reporting_team_id else ""  # type: ignore[union-attr]


class LeadListView(ObjectListView):
    model = Lead
    filterset = LeadFilter
    title = gettext_lazy("招商线索")
    export_name = "investment-leads"
    template_name = "investment/leads/lead_list.html"
    columns = [
        Column(gettext_lazy("投资方"), "investor_name", link=True),
        Column(gettext_lazy("报送单位"), _reporter, sort="reporter__name"),
        Column(gettext_lazy("所属镇街"), "township.name"),
        Column(gettext_lazy("报送日期"), "reported_on"),
        Column(gettext_lazy("来源"), "source"),
        Column(gettext_lazy("接收招商组"), "team.name"),
        Column(gettext_lazy("产业链"), "chain.name"),
        Column(gettext_lazy("预计投资额(万元)"), "estimated_investment"),
        Column(gettext_lazy("状态"), "status"),
        Column(gettext_lazy("查重裁定"), "duplicate_status"),
    ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        from tiaodu.cases.forms import township_choices

        user = self.request.user
        return [
            ("q", gettext_lazy("投资方或线索内容"), None),
            ("status", gettext_lazy("状态"), [("", gettext_lazy("全部状态")), *LeadStatus.choices]),
            (
                "duplicate_status",
                gettext_lazy("查重裁定"),
                [("", gettext_lazy("全部")), *((v, lbl) for v, lbl in DuplicateStatus.choices if v)],
            ),
            ("source", gettext_lazy("来源"), [("", gettext_lazy("全部来源")), *Source.choices]),
            ("team", gettext_lazy("接收招商组"), [("", gettext_lazy("全部招商组")), *team_choices(user)]),
            ("chain", gettext_lazy("产业链"), [("", gettext_lazy("全部产业链")), *chain_choices(user)]),
            ("township", gettext_lazy("镇街"), [("", gettext_lazy("全部镇街")), *township_choices(user)]),
            ("reported_from", gettext_lazy("报送日期起"), "date"),
            ("reported_to", gettext_lazy("报送日期止"), "date"),
        ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("investment:lead-create")

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related(*RELATED)


class PendingLeadListView(LeadListView):
    """待裁定: duplicates waiting for 招商投资局 (leads here; projects through the project list's
    查重裁定 filter)."""

    title = gettext_lazy("待裁定重复报送")
    export_name = "investment-leads-pending"

    def get_queryset(self) -> Any:
        return super().get_queryset().filter(duplicate_status=DuplicateStatus.PENDING)


def _lead_or_404(user: Any, pk: int) -> Lead:
    get_scoped(Lead, user, pk=pk)
    return Lead.objects.select_related(
        *RELATED, "duplicate_of_lead", "duplicate_of_project", "decided_by"
    ).get(pk=pk)


class LeadDetailView(ScopedView):
    model = Lead

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.page(request, pk)

    def page(self, request: HttpRequest, pk: int, status: int = 200, **forms: Any) -> HttpResponse:
        user = current_user(request)
        lead = _lead_or_404(user, pk)
        bureau = leads.may_decide(user)
        is_open = lead.status in leads.OPEN_LEAD and not lead.project_id
        can_change = Lead.objects.restrict(user, "change").filter(pk=pk).exists()
        pending = lead.duplicate_status == DuplicateStatus.PENDING
        context = {
            "object": lead,
            "first": leads.first_report(lead) if lead.duplicate_status else None,
            "enterprise": leads.check_investor(
                user, lead.investor_name, lead.investor_credit_code, lead.region
            )["enterprise"],
            "project": InvestmentProject.objects.restrict(user).filter(pk=lead.project_id).first()
            if lead.project_id
            else None,
            "bureau": bureau,
            "can_assign": bureau and is_open,
            "can_convert": is_open
            and user.role != Role.TOWN
            and (bureau or can_change)
            and can(user, "add", InvestmentProject),
            "can_decide": bureau and pending,
            "assign_form": forms.get("assign_form")
            or AssignForm(user=user, initial={"team_id": lead.team_id}),
            "convert_form": forms.get("convert_form")
            or ConvertForm(
                initial={
                    "name": f"{lead.investor_name}投资项目",
                    "on": timezone.localdate(),
                    "planned_investment": lead.estimated_investment,
                }
            ),
            "decide_form": forms.get("decide_form") or DecideForm(),
        }
        return render(request, "investment/leads/lead_detail.html", context, status=status)


class LeadAssignView(LeadDetailView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        form = AssignForm(request.POST, user=user)
        if form.is_valid():
            team = form.cleaned_data["team_id"]
            try:
                lead = leads.assign_lead(user, pk, team)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                message = _("已分派给“%(team)s”") % {"team": lead.team} if lead.team else _("已撤回分派")
                return redirect_with_message(request, lead.get_absolute_url(), message)
        return self.page(request, pk, status=422, assign_form=form)


class LeadConvertView(LeadDetailView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        form = ConvertForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            values: dict[str, Any] = {"name": data["name"], "stage": data["stage"], "on": data.get("on")}
            if data.get("planned_investment") is not None:
                values["planned_investment"] = data["planned_investment"]
            try:
                project = leads.convert_lead(user, pk, **values)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(
                    request,
                    project.get_absolute_url(),
                    _("线索已转为项目“%(name)s”") % {"name": project.name},
                )
        return self.page(request, pk, status=422, convert_form=form)


class LeadDecideView(LeadDetailView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        form = DecideForm(request.POST)
        if form.is_valid():
            lead = _lead_or_404(user, pk)
            try:
                leads.decide_duplicate(user, lead, form.cleaned_data["decision"], form.cleaned_data["note"])
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(request, lead.get_absolute_url(), _("已裁定"))
        return self.page(request, pk, status=422, decide_form=form)


class ProjectDecideView(ScopedView):
    """招商投资局 settles a project entered as a duplicate (POST decision, note); back to the project."""

    model = InvestmentProject

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        project = get_scoped(InvestmentProject, user, pk=pk)
        form = DecideForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择裁定结果"))
        else:
            try:
                leads.decide_duplicate(
                    user, project, form.cleaned_data["decision"], form.cleaned_data["note"]
                )
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已裁定"))
        return HttpResponseRedirect(project.get_absolute_url())


class LeadCreateView(ScopedView):
    """报送线索: a duplicate investor shows the first report and the box to submit it anyway."""

    model = Lead
    action = "add"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = LeadForm(user=request.user, initial={"reported_on": timezone.localdate()})
        return self._render(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        form = LeadForm(request.POST, user=user)
        match = enterprise = None
        if form.is_valid():
            try:
                lead = leads.report_lead(
                    user,
                    submit_as_duplicate=form.cleaned_data["submit_as_duplicate"],
                    **form.service_fields(),
                )
            except leads.DuplicateInvestor as exc:
                match = exc.match
                form.add_error("investor_name", exc.message)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                message = (
                    _("线索已报送,疑似重复,待区招商投资局裁定")
                    if lead.duplicate_status == DuplicateStatus.PENDING
                    else _("线索已报送")
                )
                return redirect_with_message(request, lead.get_absolute_url(), message)
            enterprise = leads.check_investor(
                user,
                form.cleaned_data.get("investor_name", ""),
                form.cleaned_data.get("investor_credit_code", ""),
            )["enterprise"]
        return self._render(request, form, match, enterprise, status=422)

    def _render(
        self,
        request: HttpRequest,
        form: LeadForm,
        match: Any = None,
        enterprise: Any = None,
        status: int = 200,
    ) -> HttpResponse:
        field = form.fields["submit_as_duplicate"]
        if match is None and not form["submit_as_duplicate"].value():
            field.widget = HiddenInput()  # offered once the check has named the first report
        context = {"form": form, "first": match, "enterprise": enterprise}
        return render(request, "investment/leads/lead_form.html", context, status=status)


class LeadHistoryView(ObjectHistoryView):
    model = Lead
