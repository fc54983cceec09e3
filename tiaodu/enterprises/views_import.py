"""Import pages of the enterprise-service module: upload → the same import service as
``tiaodu import`` → counts or the row-error table; template download; import history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tiaodu.core import views_import as base
from tiaodu.core.http import current_user
from tiaodu.core.imports import Importer, get_importer
from tiaodu.core.jobs import IN_PROGRESS
from tiaodu.core.models import ImportBatch
from tiaodu.core.permissions import get_scoped
from tiaodu.enterprises.imports import ENTERPRISE_KINDS


def allowed_importers(user: Any) -> list[Importer]:
    return [imp for imp in (get_importer(kind) for kind in ENTERPRISE_KINDS) if imp.allowed(user)]


class ImportBaseView(base.ImportBaseView):
    kinds = ENTERPRISE_KINDS


class ImportIndexView(ImportBaseView):
    """/enterprises/import/: the kinds this user may import, and their recent imports."""

    def get(self, request: HttpRequest) -> HttpResponse:
        importers = allowed_importers(current_user(request))
        if not importers:
            raise PermissionDenied
        return render(
            request,
            "enterprises/import_index.html",
            {
                "title": _("数据导入"),
                "importers": importers,
                "batches": base.history(request.user, [i.name for i in importers]),
            },
        )


class ImportView(base.ImportView):
    """/enterprises/import/<kind>/: upload a file, see the counts or every row's errors."""

    kinds = ENTERPRISE_KINDS
    template_name = "enterprises/import.html"


class TemplateDownloadView(base.TemplateDownloadView):
    """/enterprises/import/<kind>/template.xlsx: the fill-in template."""

    kinds = ENTERPRISE_KINDS


class BatchView(ImportBaseView):
    """/enterprises/import/batches/<pk>/: one import's outcome and its stored errors."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = get_scoped(ImportBatch, request.user, "view", pk=pk)
        if batch.kind not in ENTERPRISE_KINDS:
            raise Http404
        if batch.status in IN_PROGRESS:  # still running in the background: the page with its progress bar
            return redirect(f"{reverse('enterprise_imports:kind', args=[batch.kind])}?batch={batch.pk}")
        return render(
            request,
            "enterprises/import_batch.html",
            {
                "title": _("导入记录"),
                "batch": batch,
                "errors": batch.errors,
                "errors_hidden": max(0, batch.error_count - len(batch.errors)),
            },
        )
