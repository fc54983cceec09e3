"""安全生产工作情况 on the web (``safety:report``) and as an xlsx in the leaders' layout
(``safety:report-xlsx``), computed within the signed-in user's scope, so the page, the workbook,
``GET /api/v1/safety/report`` and ``tiaodu report safety --user`` agree."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tiaodu.core import exports
from tiaodu.core import figures as fig
from tiaodu.core.http import current_user
from tiaodu.core.views import ScopedView, period_report
from tiaodu.enterprises.views_report import default_params, region_choices
from tiaodu.projects.views_report import PeriodForm
from tiaodu.safety.models import Inspection, Unit
from tiaodu.safety.report import COLUMNS, MONEY_COLUMNS, TABLES, SafetyReport, safety_report

PARAMS = ("region", "date_from", "date_to")


class ReportForm(PeriodForm):
    """The period form of the other reports; the regions are those with regulated units (each
    district with its townships) or the user's own."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].choices = region_choices(user, Unit)  # type: ignore[attr-defined]


class ReportPage(ScopedView):
    model = Inspection

    def report(self, request: HttpRequest) -> tuple[ReportForm, SafetyReport | None, str]:
        user = current_user(request)
        params = {**default_params(user), **{k: v for k, v in request.GET.items() if v}}
        form = ReportForm(params, user=user)
        report: SafetyReport | None = period_report(form, safety_report, user)
        return form, report, urlencode({k: params[k] for k in PARAMS if k in params})

    def page(
        self, request: HttpRequest, form: ReportForm, report: SafetyReport | None, query: str
    ) -> HttpResponse:
        context: dict[str, Any] = {"form": form, "report": report, "query": query}
        if report is not None:
            context["tables"] = [
                (name, _("按%(what)s") % {"what": first}, report.header(first), report.rows(name, text=True))
                for name, first in TABLES
            ]
        return render(request, "safety/report/report.html", context)


class ReportView(ReportPage):
    """GET ?region=&date_from=&date_to=: the bulletin, the key figures and the three tables."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(request, *self.report(request))


class ReportXlsxView(ReportPage):
    """GET ?region=&date_from=&date_to=: the workbook (the page with the form's errors when the
    period is refused)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form, report, query = self.report(request)
        if report is None:
            return self.page(request, form, report, query)
        return exports.xlsx_response(
            workbook(report),
            f"safety-{report.region_code}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.xlsx",
        )


def workbook(report: SafetyReport) -> bytes:
    """Sheet 1 in the leaders' layout: the three tables one under the other, each ending with its
    合计 row; sheet 2: the bulletin and the key figures."""
    header = report.header(_("类别"))
    wb, ws = exports.leader_sheet(
        report.title,
        _("统计期间:%(period)s") % {"period": fig.cn_period(report.date_from, report.date_to)},
        header,
        [18, *(10 for _column in COLUMNS)],
    )
    for name, first in TABLES:
        exports.append(ws, [_("按%(what)s") % {"what": first}])
        for row in report.rows(name):
            exports.append(ws, [fig.NO_VALUE if value is None else value for value in row])
    summary = wb.create_sheet(exports.sheet_title(_("情况通报")))
    exports.append(summary, [report.title])
    exports.append(summary, [report.paragraph])
    exports.append(summary, [])
    for label, value in report.key_figures():
        exports.append(summary, [label, value])
    summary.column_dimensions["A"].width = 30
    money = [i for i, label in enumerate(header, start=1) if label in MONEY_COLUMNS]
    return exports.finish_leader_sheet(wb, ws, money_columns=money, wrap_columns=(1,))
