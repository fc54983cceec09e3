"""安全生产工作情况 on the web (``safety:report``) and as an xlsx in the leaders' layout
(``safety:report-xlsx``), computed within the signed-in user's scope, so the page, the workbook,
``GET /api/v1/safety/report`` and ``tiaodu report safety --user`` agree."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from tiaodu.core import exports
from tiaodu.core import figures as fig
from tiaodu.core.officialdoc import OfficialDocument
from tiaodu.core.views_report import PeriodReportView
from tiaodu.safety.document import build_document
from tiaodu.safety.models import Inspection, Unit
from tiaodu.safety.report import COLUMNS, MONEY_COLUMNS, TABLES, SafetyReport, safety_report


class ReportPage(PeriodReportView):
    model = Inspection
    region_model = Unit  # administrators choose among the districts with regulated units
    template_name = "safety/report/report.html"
    file_prefix = "safety"

    def build(self, region: Any, date_from: date, date_to: date, user: Any) -> SafetyReport:
        return safety_report(region, date_from, date_to, user)

    def tables(self, report: SafetyReport) -> list[Any]:
        return [
            (name, _("按%(what)s") % {"what": first}, report.header(first), report.rows(name, text=True))
            for name, first in TABLES
        ]

    def workbook(self, report: SafetyReport) -> bytes:
        return workbook(report)

    def document(
        self, report: SafetyReport, user: Any, *, number: int | None = None, signed_on: date | None = None
    ) -> OfficialDocument:
        return build_document(report, user, number=number, signed_on=signed_on)


class ReportView(ReportPage):
    """GET ?region=&date_from=&date_to= [&export=docx|pdf&number=&signed_on=]: the bulletin, the key figures and the three tables."""


class ReportXlsxView(ReportPage):
    """GET ?region=&date_from=&date_to=: the workbook (the page with the form's errors when the
    period is refused)."""

    as_xlsx = True


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
