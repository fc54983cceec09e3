"""/employment/import/: the employment imports (职业, 赶场规则, 岗位, 求职者, 招聘会结果) on the import page
every module uses — the same services as ``tiaodu import …``; the fill-in templates."""

from __future__ import annotations

from tiaodu.core import views_import as base
from tiaodu.employment.imports import EMPLOYMENT_KINDS


class EmploymentImportView(base.ImportView):
    kinds = EMPLOYMENT_KINDS
    template_name = "employment/import.html"


class TemplateDownloadView(base.TemplateDownloadView):
    kinds = EMPLOYMENT_KINDS
