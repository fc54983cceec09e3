"""/safety/import/: the five safety imports (单位, 检查记录, 隐患, 行政处罚, 事故) on the import page
every module uses — the same services as ``tiaodu import …``; the fill-in templates."""

from __future__ import annotations

from tiaodu.core import views_import as base
from tiaodu.safety.imports import SAFETY_KINDS


class SafetyImportView(base.ImportView):
    kinds = SAFETY_KINDS
    template_name = "safety/import.html"


class TemplateDownloadView(base.TemplateDownloadView):
    kinds = SAFETY_KINDS
