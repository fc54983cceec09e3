"""The page, workbook and official document of a dated report (region + period): the base the
module reports (安全生产, 稳就业 …) share. The report is computed within the signed-in user's scope
by the same function as the API and ``tiaodu report … --user``, so they all agree.

Every report page of the platform exports its report as an official document (公文, GB/T 9704)
through :func:`document_export`: ``?export=docx`` or ``?export=pdf`` on the page's own query
(same form, same scope), with ``&number=`` (发文字号序号) and ``&signed_on=`` (成文日期) optional.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any, ClassVar
from urllib.parse import urlencode

from django import forms
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tiaodu.core import exports
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.officialdoc import OfficialDocument
from tiaodu.core.views import ScopedView, apply_service_error, period_report

PARAMS = ("region", "date_from", "date_to")
DOCUMENT_FORMATS = ("docx", "pdf")

DocumentBuilder = Callable[..., OfficialDocument]


def export_params(params: dict[str, Any], names: tuple[str, ...] = PARAMS) -> list[tuple[str, str]]:
    """The page's query as the hidden fields of the export form (core/report_document_export.html)."""
    return [(k, str(params[k])) for k in names if params.get(k)]


def document_export(
    request: HttpRequest, form: forms.Form, build: DocumentBuilder, stem: str
) -> HttpResponse | None:
    """``?export=docx|pdf`` of a report page: the official document ``build(number=, signed_on=)``
    makes, as a download named ``<stem>.<ext>`` (and by the document's title); None when the page
    is asked for, or when ``?number=`` / ``?signed_on=`` are refused (their errors are then on
    ``form``, and the page shows them)."""
    from tiaodu.core.officialdoc.http import document_response
    from tiaodu.core.officialdoc.profiles import export_options

    fmt = request.GET.get("export", "")
    if fmt not in DOCUMENT_FORMATS:
        return None
    try:
        options = export_options(request.GET)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return None
    return document_response(build(number=options.number, signed_on=options.signed_on), fmt, stem)


class PeriodReportView(ScopedView, abc.ABC):
    """GET ?region=&date_from=&date_to= [&export=docx|pdf]: the report page, its official document
    (:meth:`document`), or (``as_xlsx``) its workbook — the page with the form's errors when the
    period is refused. ``region_model`` (a model with a ``township``) gives administrators the
    districts to choose from."""

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

    @abc.abstractmethod
    def document(
        self, report: Any, user: Any, *, number: int | None = None, signed_on: date | None = None
    ) -> OfficialDocument:
        """The official document (公文) of the report."""

    def get(self, request: HttpRequest) -> HttpResponse:
        from tiaodu.enterprises.views_report import default_params
        from tiaodu.projects.views_report import PeriodForm

        user = current_user(request)
        params = {**default_params(user), **{k: v for k, v in request.GET.items() if v}}
        form = PeriodForm(params, user=user, model=self.region_model)
        report = period_report(form, self.build, user)
        if report is not None:
            stem = (
                f"{self.file_prefix}-{report.region_code}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}"
            )
            if self.as_xlsx:
                return exports.xlsx_response(self.workbook(report), f"{stem}.xlsx")
            response = document_export(request, form, partial(self.document, report, user), stem)
            if response is not None:
                return response
        context: dict[str, Any] = {
            "form": form,
            "report": report,
            "query": urlencode({k: params[k] for k in PARAMS if k in params}),
            "export_params": export_params(params),
        }
        if report is not None:
            context["tables"] = self.tables(report)
        return render(request, self.template_name, context)
