"""/monitoring/import/: upload region figures, enterprise figures or indicators added to the
catalogue (the same import services as ``tiaodu import indicators|enterprise-data|catalogue``), see
the counts or every row's errors; download the fill-in template. A tab is shown to whoever may run
that import (the catalogue: administrators)."""

from __future__ import annotations

from tiaodu.core import views_import as base

KINDS = ("indicators", "enterprise-data", "catalogue")


class MonitoringImportView(base.ImportView):
    kinds = KINDS
    template_name = "monitoring/import.html"


class TemplateDownloadView(base.TemplateDownloadView):
    kinds = KINDS
