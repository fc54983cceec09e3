"""稳就业工作情况 on the web (``employment:report``) and as an xlsx in the leaders' layout
(``employment:report-xlsx``), computed within the signed-in user's scope (see
:mod:`tiaodu.employment.queries`), so the page, the workbook, ``GET /api/v1/employment/report``
and ``tiaodu report employment --user`` agree."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tiaodu.core import exports
from tiaodu.core import figures as fig
from tiaodu.core.http import current_user
from tiaodu.core.views import ScopedView, period_report
from tiaodu.employment.models import JobFair, Vacancy
from tiaodu.employment.report import TABLES, EmploymentReport, employment_report
from tiaodu.enterprises.views_report import default_params, region_choices
from tiaodu.projects.views_report import PeriodForm

PARAMS = ("region", "date_from", "date_to")


class ReportForm(PeriodForm):
    """The period form of the other reports; the regions are the districts with vacancies (each
    with its townships) for administrators, else the user's own region."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].choices = region_choices(user, Vacancy)  # type: ignore[attr-defined]


def _report(region: Any, date_from: date, date_to: date, user: Any) -> EmploymentReport:
    return employment_report(region, date_from, date_to, user=user)


class ReportPage(ScopedView):
    """The report is for the roles that read job fairs (leaders, employment and other departments,
    towns; an enterprise sees its own fairs' figures)."""

    model = JobFair

    def report(self, request: HttpRequest) -> tuple[ReportForm, EmploymentReport | None, str]:
        user = current_user(request)
        params = {**default_params(user), **{k: v for k, v in request.GET.items() if v}}
        form = ReportForm(params, user=user)
        report: EmploymentReport | None = period_report(form, _report, user)
        return form, report, urlencode({k: params[k] for k in PARAMS if k in params})

    def page(
        self, request: HttpRequest, form: ReportForm, report: EmploymentReport | None, query: str
    ) -> HttpResponse:
        context: dict[str, Any] = {"form": form, "report": report, "query": query}
        if report is not None:
            context["tables"] = [
                (name, _(heading), report.header(name), rows)
                for name, heading, _first in TABLES
                if (rows := report.rows(name, text=True))
            ]
        return render(request, "employment/report/report.html", context)


class ReportView(ReportPage):
    """GET ?region=&date_from=&date_to=: the sentences, the key figures and the tables."""

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
            f"employment-{report.region_code}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.xlsx",
        )


def workbook(report: EmploymentReport) -> bytes:
    """Sheet 1 in the leaders' layout: the table per township ending with its 合计 row; then a
    sheet per other table (fair kinds, 缺工 per occupation) and the bulletin with the key figures."""
    period = _("统计期间:%(period)s") % {"period": fig.cn_period(report.date_from, report.date_to)}
    header = report.header("by_township")
    wb, ws = exports.leader_sheet(report.title, period, header, [16, *(10 for _label in header[1:])])
    for row in report.rows("by_township"):
        exports.append(ws, [fig.NO_VALUE if value is None else value for value in row])
    for name, heading, _first in TABLES[1:]:
        sheet = wb.create_sheet(exports.sheet_title(_(heading)))
        exports.append(sheet, [_(heading)])
        exports.append(sheet, report.header(name))
        for row in report.rows(name):
            exports.append(sheet, [fig.NO_VALUE if value is None else value for value in row])
        sheet.column_dimensions["A"].width = 28
    summary = wb.create_sheet(exports.sheet_title(_("情况通报")))
    exports.append(summary, [report.title])
    exports.append(summary, [report.paragraph])
    exports.append(summary, [])
    for label, value in report.key_figures():
        exports.append(summary, [label, value])
    summary.column_dimensions["A"].width = 34
    return exports.finish_leader_sheet(wb, ws, money_columns=(), wrap_columns=(1,))
