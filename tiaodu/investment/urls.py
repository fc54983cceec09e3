"""/investment/: the pipeline (this file), leads, analysis and report, the libraries, imports."""

from django.urls import include, path

app_name = "investment"

urlpatterns = [
    path("leads/", include("tiaodu.investment.urls_leads")),
    path("analysis/", include("tiaodu.investment.urls_analysis")),
    path("libraries/", include("tiaodu.investment.urls_libraries")),
    path("import/", include("tiaodu.investment.urls_import")),
]
