"""/projects/import/: upload a project list (the same import service as ``tiaodu import projects``),
see the counts or every row's errors; download the fill-in template."""

from __future__ import annotations

from tiaodu.core import views_import as base


class ProjectImportView(base.ImportView):
    kinds = ("projects",)
    template_name = "projects/import.html"


class TemplateDownloadView(base.TemplateDownloadView):
    kinds = ("projects",)
