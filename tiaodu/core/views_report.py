"""The page and workbook of a dated report (region + period): the base the module reports
(安全生产, 稳就业 …) share. The report is computed within the signed-in user's scope by the same
function as the API and ``tiaodu report … --user``, so they all agree."""

from __future__ import annotations

import abc
from datetime import date
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tiaodu.core import exports
from tiaodu.core.http import current_user
from tiaodu.core.views import ScopedView, period_report

PARAMS = ("region", "date_from", "date_to")


class PeriodReportView(ScopedView, abc.ABC):
    """GET ?region=&date_from=&date_to=: the report page, or (``as_xlsx``) its workbook — the page
    with the form's errors when the period is refused. ``region_model`` (a model with a
    ``township``) gives administrators the districts to choose from."""

    region_model: ClassVar[type[models.Model]]
    template_name: ClassVar[str]
    file_prefix: ClassVar[str]
    as_xlsx: ClassVar[bool] = False

    @abc.abstractmethod
    def build(self, region: Any, date_from: date, date_to: date, user: Any) -> Any:
        """The report object."""

    @abc.abstractmethod
    def tables(self, report: Any) -> list[Any]:
        """The page's tables: (name, heading, header, rows) each."""

    @abc.abstractmethod
    def workbook(self, report: Any) -> bytes:
        """The xlsx in the leaders' layout."""

    def get(self, request: HttpRequest) -> HttpResponse:
        from tiaodu.enterprises.views_report import default_params
        from tiaodu.projects.views_report import PeriodForm

        user = current_user(request)
        params = {**default_params(user), **{k: v for k, v in request.GET.items() if v}}
        form = PeriodForm(params, user=user, model=self.region_model)
        report = period_report(form, self.build, user)
        if report is not None and self.as_xlsx:
            name = f"{self.file_prefix}-{report.region_code}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.xlsx"
            return exports.xlsx_response(self.workbook(report), name)
        context: dict[str, Any] = {
            "form": form,
            "report": report,
            "query": urlencode({k: params[k] for k in PARAMS if k in params}),
        }
        if report is not None:
            context["tables"] = self.tables(report)
        return render(request, self.template_name, context)
