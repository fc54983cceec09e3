from django.urls import include, path

from tiaodu.accounts.views import set_language
from tiaodu.core.api import api
from tiaodu.core.health import healthz

urlpatterns = [
    path("", include("tiaodu.dashboard.urls")),
    path("accounts/", include("tiaodu.accounts.urls")),
    path("regions/", include("tiaodu.regions.urls")),
    path("orgs/", include("tiaodu.orgs.urls")),
    path("audit/", include("tiaodu.audit.urls")),
    path("enterprises/import/", include("tiaodu.enterprises.urls_import")),
    path("enterprises/report/", include("tiaodu.enterprises.urls_report")),
    path("enterprises/", include("tiaodu.enterprises.urls")),
    path("cases/", include("tiaodu.cases.urls")),
    path("projects/import/", include("tiaodu.projects.urls_import")),
    path("projects/", include("tiaodu.projects.urls")),
    path("dispatch/", include("tiaodu.dispatch.urls")),
    path("events/", include("tiaodu.events.urls")),
    path("investment/", include("tiaodu.investment.urls")),
    path("safety/", include("tiaodu.safety.urls")),
    path("employment/", include("tiaodu.employment.urls")),
    path("monitoring/", include("tiaodu.monitoring.urls")),
    path("reporting/", include("tiaodu.reporting.urls")),
    path("targets/", include("tiaodu.targets.urls")),
    path("open311/v2/", include("tiaodu.open311.urls")),
    path("api/v1/", api.urls),
    path("jobs/", include("tiaodu.core.urls_jobs")),
    path("documents/", include("tiaodu.core.officialdoc.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", healthz, name="healthz"),
]

handler403 = "tiaodu.core.views.permission_denied"
handler404 = "tiaodu.core.views.page_not_found"
handler500 = "tiaodu.core.health.server_error"
