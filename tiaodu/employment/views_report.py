"""稳就业工作情况 on the web (``employment:report``) and as an xlsx in the leaders' layout
(``employment:report-xlsx``), computed within the signed-in user's scope (see
:mod:`tiaodu.employment.queries`), so the page, the workbook, ``GET /api/v1/employment/report``
and ``tiaodu report employment --user`` agree."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from tiaodu.core import exports
from tiaodu.core import figures as fig
from tiaodu.core.officialdoc import OfficialDocument
from tiaodu.core.views_report import PeriodReportView
from tiaodu.employment.document import build_document
from tiaodu.employment.models import JobFair, Vacancy
from tiaodu.employment.report import TABLES, EmploymentReport, employment_report


class ReportPage(PeriodReportView):
    """The report is for the roles that read job fairs (leaders, employment and other departments,
    towns; an enterprise sees its own fairs' figures)."""

    model = JobFair
    region_model = Vacancy  # administrators choose among the districts with vacancies
    template_name = "employment/report/report.html"
    file_prefix = "employment"

    def build(self, region: Any, date_from: date, date_to: date, user: Any) -> EmploymentReport:
        return employment_report(region, date_from, date_to, user=user)

    def tables(self, report: EmploymentReport) -> list[Any]:
        return [
            (name, _(heading), report.header(name), rows)
            for name, heading, _first in TABLES
            if (rows := report.rows(name, text=True))
        ]

    def workbook(self, report: EmploymentReport) -> bytes:
        return workbook(report)

    def document(
        self, report: EmploymentReport, user: Any, *, number: int | None = None, signed_on: date | None = None
    ) -> OfficialDocument:
        return build_document(report, user, number=number, signed_on=signed_on)


class ReportView(ReportPage):
    """GET ?region=&date_from=&date_to= [&export=docx|pdf&number=&signed_on=]: the sentences, the key figures and the tables."""


class ReportXlsxView(ReportPage):
    """GET ?region=&date_from=&date_to=: the workbook (the page with the form's errors when the
    period is refused)."""

    as_xlsx = True


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
