"""The import pages every module uses: upload → the same import service as ``tiaodu import`` →
counts or the row-error table; the fill-in template. A module subclasses them with its ``kinds``
and its page template (see enterprises/views_import.py and projects/views_import.py).

A file with more rows than ``settings.IMPORT_BACKGROUND_ROWS`` is imported by a background task
(``tiaodu.core.jobs``): the upload redirects to the same page with ``?batch=<id>``, which shows a
progress bar that htmx refreshes every second (the ``#import-job`` fragment) and, once the task
has finished, the same result as an inline import. Only the user who started it (and
administrators) can open a batch: anyone else gets 404."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from tiaodu.core import jobs
from tiaodu.core.http import current_user
from tiaodu.core.imports import (
    FileProblem,
    Importer,
    ImportResult,
    get_importer,
    importer_title,
    inspect_upload,
    run_import,
    template_workbook,
)
from tiaodu.core.models import ImportBatch
from tiaodu.core.permissions import get_scoped
from tiaodu.core.views import ServicePageView

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_SHOWN = 500  # rows of the error table on the page
HISTORY = 20


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel(.xlsx)或 CSV(UTF-8 或 GBK 编码)文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv", "class": "form-control"}),
    )
    partial = forms.BooleanField(
        label=_("跳过有错误的行"),
        required=False,
        help_text=_("不勾选时整批导入:任何一行有错误,全部不导入"),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


def history(user: Any, kinds: list[str]) -> list[ImportBatch]:
    """The latest imports this user may see; running ones carry their ``progress``."""
    batches = list(ImportBatch.objects.restrict(user).filter(kind__in=kinds).select_related("user")[:HISTORY])
    for batch in batches:
        if batch.in_progress:
            jobs.fail_if_stale(batch)
            batch.progress = jobs.progress_of(batch)  # type: ignore[attr-defined]
    return batches


class ImportBaseView(ServicePageView):
    kinds: ClassVar[tuple[str, ...]] = ()  # the import kinds this module's pages serve; first = default

    def importer(self, request: HttpRequest, kind: str | None) -> Importer:
        if kind is None:  # the first import this user may run
            user = current_user(request)
            kind = next((k for k in self.kinds if get_importer(k).allowed(user)), self.kinds[0])
        if kind not in self.kinds:
            raise Http404
        importer = get_importer(kind)
        if not importer.allowed(current_user(request)):
            raise PermissionDenied
        return importer


class ImportView(ImportBaseView):
    """Upload a file, see the counts or every row's errors."""

    template_name: ClassVar[str]

    def get(self, request: HttpRequest, kind: str | None = None) -> HttpResponse:
        importer = self.importer(request, kind)
        if "batch" not in request.GET:
            return self.page(request, importer, ImportForm())
        batch = get_scoped(ImportBatch, request.user, "view", pk=request.GET["batch"])
        if batch.kind != importer.name:
            raise Http404
        if batch.in_progress:
            jobs.fail_if_stale(batch)
        if request.headers.get("HX-Request") == "true":
            return render(request, "generic/import_job.html", self.job_context(request, batch))
        return self.page(request, importer, ImportForm(), job=batch)

    def post(self, request: HttpRequest, kind: str | None = None) -> HttpResponse:
        importer = self.importer(request, kind)
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, importer, form, status=422)
        upload = form.cleaned_data["file"]
        try:
            # Type, size and an xlsx's declared sizes before counting its rows: a zip bomb is
            # refused here, not inflated by the count (the inline import reports the problem).
            inspect_upload(upload, upload.name)
        except FileProblem:
            rows = 0
        else:
            rows = jobs.count_rows(upload, upload.name)
        if rows > jobs.background_rows():
            batch = jobs.start_import(
                importer.name,
                upload,
                actor=current_user(request),
                partial=form.cleaned_data["partial"],
                file_name=upload.name,
                rows=rows,
            )
            return HttpResponseRedirect(f"{request.path}?batch={batch.pk}", status=303)
        result = run_import(
            importer.name,
            upload,
            actor=current_user(request),
            partial=form.cleaned_data["partial"],
            file_name=upload.name,
        )
        return self.page(request, importer, ImportForm(), result=result, status=200 if result.ok else 422)

    def job_context(self, request: HttpRequest, batch: ImportBatch) -> dict[str, Any]:
        """The ``#import-job`` fragment: the progress while queued or running, else the result."""
        context: dict[str, Any] = {"job": batch, "poll_url": f"{request.path}?batch={batch.pk}"}
        if batch.in_progress:
            context["progress"] = jobs.progress_of(batch)
        else:
            context.update(result_context(ImportResult.from_batch(batch), batch.error_count))
        return context

    def page(
        self,
        request: HttpRequest,
        importer: Importer,
        form: ImportForm,
        result: Any = None,
        status: int = 200,
        job: ImportBatch | None = None,
    ) -> HttpResponse:
        context = {
            "title": _("导入%(title)s") % {"title": importer.title},
            "importer": importer,
            "form": form,
            **(result_context(result, len(result.errors)) if result else {}),
            **(self.job_context(request, job) if job else {}),
            "batches": history(request.user, [importer.name]),
            "history_here": True,  # history rows open on this page (?batch=)
            # the tabs: only the imports this user may run
            "kinds": [
                (kind, importer_title(kind))
                for kind in self.kinds
                if get_importer(kind).allowed(current_user(request))
            ],
        }
        return render(request, self.template_name, context, status=status)


def result_context(result: ImportResult, error_count: int) -> dict[str, Any]:
    return {
        "result": result,
        "errors": result.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, error_count - min(len(result.errors), ERRORS_SHOWN)),
    }


class TemplateDownloadView(ImportBaseView):
    """The fill-in template of an import kind."""

    def get(self, request: HttpRequest, kind: str | None = None) -> HttpResponse:
        importer = self.importer(request, kind)
        response = HttpResponse(template_workbook(importer.name), content_type=XLSX)
        disposition = content_disposition_header(
            as_attachment=True, filename=f"{importer.title}导入模板.xlsx"
        )
        response["Content-Disposition"] = disposition or "attachment"
        return response
