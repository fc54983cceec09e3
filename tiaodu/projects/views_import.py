"""/projects/import/: upload a project list, dispatch reports or event projects (the same import
services as ``tiaodu import projects|dispatch|event-projects``), see the counts or every row's
errors; download the fill-in template."""

from __future__ import annotations

from tiaodu.core import views_import as base

KINDS = ("projects", "dispatch", "event-projects")


class ProjectImportView(base.ImportView):
    kinds = KINDS
    template_name = "projects/import.html"


class TemplateDownloadView(base.TemplateDownloadView):
    kinds = KINDS
