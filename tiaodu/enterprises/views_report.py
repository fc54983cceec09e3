"""企业服务情况 on the web: the bulletin of a region and period, its tables, the xlsx export and the
official document (公文, docx / PDF, :mod:`tiaodu.enterprises.document`).

``org`` (走访单位) narrows the visits to those made by one organisation; the organisations offered
are the visiting units of the visits the user may see.

The figures come from :func:`tiaodu.enterprises.report.enterprise_service_report` computed within
the signed-in user's scope, so the page, the exports and ``tiaodu report enterprise-service
--user`` agree.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tiaodu.core import exports
from tiaodu.core.forms import StyledForm
from tiaodu.core.http import current_user
from tiaodu.core.views import ScopedView, period_report
from tiaodu.core.views_report import document_export, export_params
from tiaodu.enterprises.document import build_document
from tiaodu.enterprises.models import Enterprise, Visit
from tiaodu.enterprises.report import EnterpriseServiceReport, enterprise_service_report, table
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region


def region_choices(user: Any, model: Any = Enterprise) -> list[tuple[str, Any]]:
    """Districts (each with its townships) the user may report on, grouped for a <select>.

    Administrators get every district that has rows of ``model`` (enterprises by default; a model
    with a ``township``) and the home district; everyone else gets their own region and what lies
    below it.
    """
    if user.is_superuser or user.role == "admin" or user.region is None:
        with_enterprises = Q(pk__in=model.objects.values("township__parent"))
        tops = list(
            Region.objects.filter(with_enterprises | Q(code=settings.HOME_REGION_CODE)).order_by("code")
        )
    else:
        tops = [user.region]
    groups: list[tuple[str, Any]] = []
    for top in tops:
        options = [(top.code, f"{top.name}(全部)" if top.level < Level.TOWNSHIP else top.name)]
        if top.level < Level.TOWNSHIP:
            options += [(r.code, r.name) for r in Region.objects.filter(parent=top, level=Level.TOWNSHIP)]
        groups.append((top.name, options))
    return groups


def org_choices(user: Any) -> list[tuple[str, Any]]:
    """The visiting units (走访单位) of the visits within the user's scope, "" for all of them."""
    units = list(
        Organization.objects.filter(pk__in=Visit.objects.restrict(user).values("visiting_org"))
        .select_related("region")
        .order_by("region__code", "kind", "name")
    )
    names = [o.name for o in units]
    return [("", _("全部")), *[(str(o.pk), _unit_label(o, names.count(o.name) > 1)) for o in units]]


def _unit_label(org: Organization, shared: bool) -> str:
    return f"{org.name}({org.region.name})" if shared else org.name


class ReportForm(StyledForm):
    region = forms.ChoiceField(label=_("地区"))
    date_from = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    org = forms.ChoiceField(label=_("走访单位"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user)  # type: ignore[attr-defined]
        self.fields["org"].choices = org_choices(user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return data


def default_params(user: Any) -> dict[str, str]:
    today = timezone.localdate()
    region = user.region.code if user.region is not None else settings.HOME_REGION_CODE
    return {"region": region, "date_from": f"{today:%Y}-01-01", "date_to": today.isoformat()}


class EnterpriseServiceReportView(ScopedView):
    """GET ?region=&date_from=&date_to= [&org=] [&export=xlsx|docx|pdf [&number=&signed_on=]]."""

    model = Enterprise

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        params = {**default_params(user), **{k: v for k, v in request.GET.items() if v}}
        form = ReportForm(params, user=user)

        def for_org(region: Any, date_from: Any, date_to: Any, viewer: Any) -> EnterpriseServiceReport:
            org = form.cleaned_data.get("org") or None
            return enterprise_service_report(region, date_from, date_to, viewer, org=org)

        report: EnterpriseServiceReport | None = period_report(form, for_org, user)
        if report is not None and request.GET.get("export") == "xlsx":
            return xlsx_response(report)
        if report is not None:
            build = partial(build_document, report, user)
            document = document_export(request, form, build, _stem(report))
            if document is not None:
                return document
        names = ("region", "date_from", "date_to", "org")
        query = urlencode({k: params[k] for k in names if k in params})
        context = {
            "title": _("企业服务情况"),
            "form": form,
            "report": report,
            "query": query,
            "export_params": export_params(params, names),
        }
        if report is not None:
            context["departments"] = table(report.by_department, "责任部门")
            context["townships"] = table(report.by_township, "镇街")
        return render(request, "enterprises/report.html", context)


def _stem(report: EnterpriseServiceReport) -> str:
    return f"enterprise-service-{report.region_code}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}"


def _filename(report: EnterpriseServiceReport, ext: str) -> str:
    return f"{_stem(report)}.{ext}"


def xlsx_response(report: EnterpriseServiceReport) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("企业服务情况")
    exports.append(ws, [report.title])
    exports.append(ws, [report.paragraph])
    ws.append([])
    exports.append(ws, ["指标", "数值"])
    for label, value in report.key_figures():
        exports.append(ws, [label, value])
    for name, rows, first in (
        ("按责任部门", report.by_department, "责任部门"),
        ("按镇街", report.by_township, "镇街"),
    ):
        sheet = wb.create_sheet(name)
        header, body = table(rows, first)
        exports.append(sheet, header)
        for row in body:
            exports.append(sheet, [_number(v) for v in row])
    return exports.xlsx_response(exports.workbook_bytes(wb), _filename(report, "xlsx"))


def _number(text: str) -> Any:
    """Table cells as numbers where they are (Excel can then sum them)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text
