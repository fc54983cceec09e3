"""/safety/: units and reference data, inspections, hazards, enforcement and accidents, 双随机
planning, the report, imports. Each part has its own URL module under the "safety" namespace."""

from django.urls import include, path

app_name = "safety"

urlpatterns = [
    path("units/", include("tiaodu.safety.urls_units")),
    path("inspections/", include("tiaodu.safety.urls_inspections")),
    path("hazards/", include("tiaodu.safety.urls_hazards")),
    path("enforcement/", include("tiaodu.safety.urls_enforcement")),
    path("planning/", include("tiaodu.safety.urls_planning")),
    path("report/", include("tiaodu.safety.urls_report")),
    path("import/", include("tiaodu.safety.urls_import")),
]
