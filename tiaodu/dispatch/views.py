"""Dispatch pages: the round list, opening a round, a round (totals, reports, 催报, close), the
report form of a project's responsible unit, and a project's report history."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tiaodu.core import rounds
from tiaodu.core import views as core_views
from tiaodu.core.concurrency import StaleWrite, parse_version
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.core.views import Column, ObjectListView, ScopedView, apply_service_error, redirect_with_message
from tiaodu.dispatch import services
from tiaodu.dispatch.choices import PeriodKind, RoundState
from tiaodu.dispatch.filters import RoundFilter
from tiaodu.dispatch.forms import ReportForm, RoundForm
from tiaodu.dispatch.models import DispatchReport, DispatchRound, Reminder
from tiaodu.projects.models import Project


def _rate(r: DispatchRound) -> str:
    rate = services.shown_totals(r).attendance_rate
    return f"{rate}%" if rate is not None else ""


def _shown(name: str) -> Any:
    """A column of the figures the viewer may see (its slice of the round, or the frozen totals
    of a round it sees whole): :func:`tiaodu.dispatch.services.shown_totals`."""
    return lambda r: getattr(services.shown_totals(r), name)


class RoundListView(ObjectListView):
    model = DispatchRound
    filterset = RoundFilter
    title = gettext_lazy("调度任务")
    export_name = "dispatch-rounds"
    detail_url_name = "dispatch:detail"
    columns = [
        Column(gettext_lazy("期次"), "period_label", link=True, sort="period_start"),
        Column(gettext_lazy("调度周期"), "period_kind"),
        Column(gettext_lazy("所属区县"), "district.name"),
        Column(gettext_lazy("开始日期"), "period_start"),
        Column(gettext_lazy("结束日期"), "period_end"),
        Column(gettext_lazy("填报截止日期"), "due_on"),
        Column(gettext_lazy("状态"), "state"),
        Column(gettext_lazy("应报项目数"), _shown("expected"), sort="seen_expected"),
        Column(gettext_lazy("已报项目数"), _shown("reported"), sort="seen_reported"),
        Column(gettext_lazy("本期完成投资(万元)"), _shown("investment"), sort="seen_investment"),
        Column(gettext_lazy("到岗率(%)"), _rate, sort=False),
    ]
    filter_fields = [
        ("q", gettext_lazy("期次"), None),
        ("period_kind", gettext_lazy("调度周期"), [("", gettext_lazy("全部周期")), *PeriodKind.choices]),
        ("state", gettext_lazy("状态"), [("", gettext_lazy("全部状态")), *RoundState.choices]),
    ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("dispatch:create")

    def get_queryset(self) -> Any:
        rounds_ = super().get_queryset().select_related("district")
        return services.with_viewer_totals(rounds_, current_user(self.request)).order_by(
            "-period_start", "-pk"
        )


class RoundCreateView(ScopedView):
    model = DispatchRound
    action = "add"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "dispatch/round_form.html", {"form": RoundForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        return rounds.open_round_page(
            request,
            RoundForm(request.POST),
            "dispatch/round_form.html",
            lambda user, district, data: services.open_round(user, district=district, **data),
            lambda rnd: (
                _("已发起调度任务“%(label)s”,共%(n)d个项目")
                % {"label": rnd.period_label, "n": rnd.expected_count}
            ),
        )


class RoundDetailView(ScopedView):
    model = DispatchRound

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        rnd = get_scoped(DispatchRound, user, pk=pk)
        reports = (
            DispatchReport.objects.restrict(user)
            .select_related("project", "project__township", "project__responsible_unit")
            .prefetch_related("cases")
            .order_by("project__name", "pk")
        )
        # ?mine=1 (the workbench's link for a unit with several reports to fill): only the reports
        # the user may fill in, so the 未报项目 table is exactly the unit's own to-do list
        mine = request.GET.get("mine") == "1"
        if mine:
            reports = reports.filter(
                pk__in=DispatchReport.objects.restrict(user, "change").filter(round=rnd).values("pk")
            )
        context = {
            **rounds.detail_context(user, services.KIND, rnd, reports),
            "mine": mine,
            "totals": services.viewer_totals(user, rnd),
            # 催报 records count the district's missing projects: only the roles their scope allows
            "reminders": Reminder.objects.restrict(user).filter(round=rnd).select_related("actor")[:5],
        }
        return render(request, "dispatch/round_detail.html", context)


class RoundActionView(core_views.RoundActionView):
    model = DispatchRound
    detail_url_name = "dispatch:detail"

    def close(self, user: Any, pk: int) -> str:
        rnd = services.close_round(user, pk)
        return _("调度任务已关闭,数据已冻结:已报%(n)d/%(m)d个项目") % {
            "n": rnd.reported_count,
            "m": rnd.expected_count,
        }

    def remind(self, user: Any, pk: int, note: str) -> str:
        return _("已催报%(n)d个未报项目") % {"n": services.remind(user, pk, note).missing_count}


def back_url(request: HttpRequest, default: str) -> str:
    """Where the report form returns to: ``next`` (the workbench links the form with ``?next=/``)
    when it is a path of this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class ReportView(ScopedView):
    """The report form of one project in one round (its responsible unit, township or squad,
    or the project owner). Opened from the workbench with ``?next=/``, it returns there once
    submitted, so the unit sees its list of reports to fill shrink."""

    model = DispatchReport
    action = "change"

    def _slot(self, request: HttpRequest, pk: int, project_id: int) -> DispatchReport:
        user = current_user(request)
        rnd = get_scoped(DispatchRound, user, pk=pk)
        slot = services.report_slot(rnd, project_id, user)
        return get_scoped(DispatchReport, user, "change", pk=slot.pk)

    def get(self, request: HttpRequest, pk: int, project_id: int) -> HttpResponse:
        slot = self._slot(request, pk, project_id)
        initial: dict[str, Any] = {}
        if slot.submitted_at is not None:
            initial = {
                f: getattr(slot, f)
                for f in ("investment", "progress", "workers_required", "workers_on_site", "problems")
            }
            initial["confirmed_over_required"] = slot.confirmed_over_required
            initial["problem_category"] = slot.problem_category or None
        return self._render(request, slot, ReportForm(initial=initial or None))

    def post(self, request: HttpRequest, pk: int, project_id: int) -> HttpResponse:
        slot = self._slot(request, pk, project_id)
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                # the version the form was rendered with (a hidden field): a report someone else
                # saved in between is not overwritten
                version = parse_version(request.POST.get("version"))
                services.submit_report(
                    current_user(request),
                    pk,
                    project_id,
                    services.ReportInput(**form.cleaned_data),
                    version=version,
                )
            except StaleWrite:
                # The writer sees the report as it is now; the form keeps what was typed, and a
                # second submit (checked against the version shown now) replaces it deliberately.
                slot.refresh_from_db()
                form.add_error(
                    None, _("该调度填报已被他人修改,您看到的是旧的内容。请核对下方的最新内容,确认后再提交")
                )
                return self._render(request, slot, form, status=409, stale=True)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(
                    request,
                    back_url(request, reverse("dispatch:detail", args=[pk])),
                    _("已提交“%(name)s”的调度填报") % {"name": slot.project.name},
                )
        # shown again with the version it was rendered with, so the check still holds
        return self._render(request, slot, form, status=422, version=request.POST.get("version"))

    def _render(
        self,
        request: HttpRequest,
        slot: DispatchReport,
        form: ReportForm,
        status: int = 200,
        stale: bool = False,
        version: Any = None,
    ) -> HttpResponse:
        closed = not slot.round.is_open
        detail = reverse("dispatch:detail", args=[slot.round_id])
        back = back_url(request, detail)
        context = {
            "next": back if back != detail else "",
            "back": back,
            "object": slot,
            "round": slot.round,
            "project": slot.project,
            "form": form,
            "closed": closed,
            "version": version or slot.version,
            "stale": stale,
        }
        return render(request, "dispatch/report_form.html", context, status=status)


class ProjectReportsView(ScopedView):
    """A project's reports across rounds (its dispatch history)."""

    model = DispatchReport

    def get(self, request: HttpRequest, project_id: int) -> HttpResponse:
        user = current_user(request)
        project = get_scoped(Project, user, pk=project_id)
        reports = (
            DispatchReport.objects.restrict(user)
            .filter(project=project)
            .select_related("round")
            .prefetch_related("cases")
            .order_by("-round__period_start", "-pk")
        )
        return render(request, "dispatch/project_reports.html", {"project": project, "reports": reports})
