"""/employment/: reference data, vacancies, jobseekers, fairs (and their public pages), buses,
outcomes, matching, the report, imports. Each part has its own URL module under the
"employment" namespace."""

from django.urls import include, path

app_name = "employment"

urlpatterns = [
    path("reference/", include("tiaodu.employment.urls_reference")),
    path("vacancies/", include("tiaodu.employment.urls_vacancies")),
    path("jobseekers/", include("tiaodu.employment.urls_jobseekers")),
    path("fairs/", include("tiaodu.employment.urls_fairs")),
    path("buses/", include("tiaodu.employment.urls_buses")),
    path("p/", include("tiaodu.employment.urls_public")),
    path("placements/", include("tiaodu.employment.urls_outcomes")),
    path("matching/", include("tiaodu.employment.urls_matching")),
    path("report/", include("tiaodu.employment.urls_report")),
    path("import/", include("tiaodu.employment.urls_import")),
]
