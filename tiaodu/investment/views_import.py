"""/investment/import/: the four investment imports (招商组, 招商项目, 招商线索, 到位资金) on the
import page every module uses — the same services as ``tiaodu import investment-…``; the
fill-in templates. Departments (招商投资局 …) and administrators run them."""

from __future__ import annotations

from tiaodu.core import views_import as base
from tiaodu.investment.imports import INVESTMENT_KINDS


class InvestmentImportView(base.ImportView):
    kinds = INVESTMENT_KINDS
    template_name = "investment/import.html"


class TemplateDownloadView(base.TemplateDownloadView):
    kinds = INVESTMENT_KINDS
