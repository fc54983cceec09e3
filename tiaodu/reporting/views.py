"""Reporting pages: the round list, opening a round, a round (totals, the missing list with 催报,
close), a unit's fill form with its figures' versions, and the key-enterprise alerts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tiaodu.accounts.choices import Role
from tiaodu.core import rounds
from tiaodu.core import views as core_views
from tiaodu.core.concurrency import StaleWrite, parse_version
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.core.views import Column, ObjectListView, ScopedView, apply_service_error, redirect_with_message
from tiaodu.reporting import services
from tiaodu.reporting.choices import AlertState, RoundKind, RoundState, UnitKind
from tiaodu.reporting.filters import OutputAlertFilter, ReportingRoundFilter
from tiaodu.reporting.forms import AlertForm, RoundForm, SlotForm
from tiaodu.reporting.models import OutputAlert, Reminder, ReportingRound, ReportSlot


def _rate(r: ReportingRound) -> str:
    rate = services.report_rate(r.live_reported, r.live_expected)  # type: ignore[attr-defined]
    return f"{rate}" if rate is not None else ""


class RoundListView(ObjectListView):
    model = ReportingRound
    filterset = ReportingRoundFilter
    title = gettext_lazy("监测报送")
    export_name = "reporting-rounds"
    detail_url_name = "reporting:detail"
    columns = [
        Column(gettext_lazy("报送任务"), "title", link=True),
        Column(gettext_lazy("报送周期"), "period_kind"),
        Column(gettext_lazy("期别"), "period.label"),
        Column(gettext_lazy("报送单位类型"), "unit_kind"),
        Column(gettext_lazy("所属区县"), "district.name"),
        Column(gettext_lazy("报送截止日期"), "due_on"),
        Column(gettext_lazy("状态"), "state"),
        # the viewer's slice of each round (issue 13): services.with_progress
        Column(gettext_lazy("应报单位数"), "live_expected"),
        Column(gettext_lazy("已报单位数"), "live_reported"),
        Column(gettext_lazy("报送率(%)"), _rate, sort=False),
    ]
    filter_fields = [
        ("q", gettext_lazy("报送任务"), None),
        ("period_kind", gettext_lazy("报送周期"), [("", gettext_lazy("全部周期")), *RoundKind.choices]),
        ("unit_kind", gettext_lazy("报送单位类型"), [("", gettext_lazy("全部单位")), *UnitKind.choices]),
        ("state", gettext_lazy("状态"), [("", gettext_lazy("全部状态")), *RoundState.choices]),
    ]

    @property
    def add_url(self) -> str:  # type: ignore[override]
        return reverse("reporting:create")

    def get_queryset(self) -> Any:
        rounds = super().get_queryset().select_related("district", "period")
        return services.with_progress(rounds, current_user(self.request)).order_by("-period__end", "-pk")


class RoundCreateView(ScopedView):
    model = ReportingRound
    action = "add"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "reporting/round_form.html", {"form": RoundForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        return rounds.open_round_page(
            request,
            RoundForm(request.POST),
            "reporting/round_form.html",
            self._open,
            lambda rnd: (
                _("已发起报送任务“%(title)s”,共%(n)d个报送单位")
                % {"title": rnd.title, "n": rnd.expected_count}
            ),
        )

    @staticmethod
    def _open(user: Any, district: Any, data: dict[str, Any]) -> ReportingRound:
        division = services.parse_division(data["assignments"]) if data["assignments"].strip() else None
        return services.open_round(
            user,
            district=district,
            period=data["period"],
            indicators=data["indicators"],
            due_on=data["due_on"],
            unit_kind=data["unit_kind"],
            unit_filter=data["unit_filter"],
            cumulative=data["cumulative"],
            alert_threshold=data["alert_threshold"],
            title=data["title"],
            notes=data["notes"],
            assignments=division,
        )


class RoundDetailView(ScopedView):
    model = ReportingRound

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        get_scoped(ReportingRound, user, pk=pk)
        rnd = services.with_progress(ReportingRound.objects.filter(pk=pk), user).get()
        slots = (
            ReportSlot.objects.restrict(user)
            .select_related("organization", "enterprise", "region", "submitted_by")
            .prefetch_related("indicators")
            .order_by("organization__name", "pk")
        )
        government = user.role != Role.ENTERPRISE
        context = {
            **rounds.detail_context(user, services.KIND, rnd, slots),
            "indicators": list(rnd.indicators.order_by("order", "code")),
            "totals": services.viewer_totals(user, rnd) if government else None,
            "alert_count": services.shown_alert_count(rnd),
            # 催报 records name the district's missing units: only the roles their scope allows
            "reminders": Reminder.objects.restrict(user).filter(round=rnd).select_related("actor")[:5],
            "alerts": (
                OutputAlert.objects.restrict(user)
                .filter(period=rnd.figure_period, district=rnd.district)
                .exclude(state=AlertState.CLEARED)
                .select_related("enterprise", "indicator")
                if government
                else []
            ),
        }
        return render(request, "reporting/round_detail.html", context)


class RoundActionView(core_views.RoundActionView):
    model = ReportingRound
    detail_url_name = "reporting:detail"

    def close(self, user: Any, pk: int) -> str:
        rnd = services.close_round(user, pk)
        return _("报送任务已关闭,数据已冻结:已报%(n)d/%(m)d个单位,重点企业产值预警%(a)d家") % {
            "n": rnd.reported_count,
            "m": rnd.expected_count,
            "a": rnd.alert_count,
        }

    def remind(self, user: Any, pk: int, note: str) -> str:
        return _("已催报%(n)d个未报单位") % {"n": services.remind(user, pk, note).missing_count}


class SlotView(ScopedView):
    """The fill form of one unit in one round (the enterprise itself, its township, the department)
    with the versions of its figures and where each came from."""

    model = ReportSlot
    action = "change"

    def _slot(self, request: HttpRequest, pk: int, slot_id: int) -> ReportSlot:
        user = current_user(request)
        rnd = get_scoped(ReportingRound, user, pk=pk)
        slot = services.round_slot(rnd, slot_id, user)
        return get_scoped(ReportSlot, user, "change", pk=slot.pk)

    def get(self, request: HttpRequest, pk: int, slot_id: int) -> HttpResponse:
        slot = self._slot(request, pk, slot_id)
        indicators = services.slot_indicators(slot.round, slot)
        current = services.current_figures(slot.round, slot)
        initial = {i.code: services.plain(current[i.pk].value) for i in indicators if i.pk in current}
        return self._render(request, slot, SlotForm(initial=initial, indicators=indicators))

    def post(self, request: HttpRequest, pk: int, slot_id: int) -> HttpResponse:
        slot = self._slot(request, pk, slot_id)
        form = SlotForm(request.POST, indicators=services.slot_indicators(slot.round, slot))
        if form.is_valid():
            try:
                # the version the form was rendered with (a hidden field): figures someone else
                # submitted in between are not overwritten
                version = parse_version(request.POST.get("version"))
                result = services.submit(
                    current_user(request), pk, slot.pk, form.cleaned_data, version=version
                )
            except StaleWrite:
                # The writer sees the current figures (the versions table below the form); the form
                # keeps what was typed, and a second submit replaces them deliberately.
                slot.refresh_from_db()
                form.add_error(
                    None,
                    _("该单位的报送数据已被他人修改,您看到的是旧的内容。请核对下方的现行数据,确认后再提交"),
                )
                return self._render(request, slot, form, status=409)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                message = _("已提交“%(unit)s”的报送数据(新增%(c)d项,修改%(r)d项,未变化%(u)d项)") % {
                    "unit": services.unit_name(slot),
                    "c": result.created,
                    "r": result.revised,
                    "u": result.unchanged,
                }
                return redirect_with_message(request, reverse("reporting:detail", args=[pk]), message)
        # shown again with the version it was rendered with, so the check still holds
        return self._render(request, slot, form, status=422, version=request.POST.get("version"))

    def _render(
        self, request: HttpRequest, slot: ReportSlot, form: SlotForm, status: int = 200, version: Any = None
    ) -> HttpResponse:
        context = {
            "version": version or slot.version,
            "object": slot,
            "round": slot.round,
            "unit": services.unit_name(slot),
            "form": form,
            "closed": not slot.round.is_open,
            "versions": services.figure_versions(slot.round, slot),
        }
        return render(request, "reporting/slot_form.html", context, status=status)


class AlertListView(ObjectListView):
    model = OutputAlert
    filterset = OutputAlertFilter
    title = gettext_lazy("重点企业产值预警")
    export_name = "output-alerts"
    detail_url_name = "reporting:alert"
    columns = [
        Column(gettext_lazy("企业"), "enterprise.name", link=True),
        Column(gettext_lazy("所属镇街"), "enterprise.township.name"),
        Column(gettext_lazy("期别"), "period.label"),
        Column(gettext_lazy("指标"), "indicator.name"),
        Column(gettext_lazy("本期数值"), lambda a: services.plain(a.value), sort="value"),
        Column(
            gettext_lazy("上年同期数值"), lambda a: services.plain(a.last_year_value), sort="last_year_value"
        ),
        Column(gettext_lazy("同比增速(%)"), "growth"),
        Column(gettext_lazy("预警阈值(%)"), "threshold"),
        Column(gettext_lazy("状态"), "state"),
        Column(
            gettext_lazy("预警时间"),
            lambda a: timezone.localtime(a.raised_at).strftime("%Y-%m-%d %H:%M"),
            sort="raised_at",
        ),
    ]
    filter_fields = [
        ("q", gettext_lazy("企业名称"), None),
        ("period", gettext_lazy("期别"), None),
        ("state", gettext_lazy("状态"), [("", gettext_lazy("全部状态")), *AlertState.choices]),
    ]

    def get_queryset(self) -> Any:
        return (
            super()
            .get_queryset()
            .select_related("enterprise", "enterprise__township", "period", "indicator")
            .order_by("-period__end", "growth", "pk")
        )


class AlertView(ScopedView):
    """One alert: its figures and follow-up (知悉, 处置 with what was done)."""

    model = OutputAlert

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        alert = get_scoped(OutputAlert, current_user(request), pk=pk)
        return self._render(request, alert, AlertForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        alert = get_scoped(OutputAlert, user, "change", pk=pk)
        form = AlertForm(request.POST)
        if form.is_valid():
            try:
                services.follow_up(user, pk, form.cleaned_data["action"], form.cleaned_data["note"])
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(
                    request,
                    alert.get_absolute_url(),
                    _("已更新“%(name)s”的预警") % {"name": alert.enterprise.name},
                )
        return self._render(request, alert, form, status=422)

    def _render(
        self, request: HttpRequest, alert: OutputAlert, form: AlertForm, status: int = 200
    ) -> HttpResponse:
        user = current_user(request)
        can_change = OutputAlert.objects.restrict(user, "change").filter(pk=alert.pk).exists()
        context = {
            "object": alert,
            "form": form,
            "can_follow_up": can_change and alert.state in (AlertState.OPEN, AlertState.ACKNOWLEDGED),
        }
        return render(request, "reporting/alert_detail.html", context, status=status)
