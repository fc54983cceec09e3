"""/safety/import/ (included under the "safety" namespace): safety:import, safety:import-template,
safety:import-kind(kind), safety:import-kind-template(kind)."""

from django.urls import URLPattern, path

from tiaodu.safety import views_import as views

urlpatterns: list[URLPattern] = [
    path("", views.SafetyImportView.as_view(), name="import"),
    path("template.xlsx", views.TemplateDownloadView.as_view(), name="import-template"),
    path("<slug:kind>/", views.SafetyImportView.as_view(), name="import-kind"),
    path("<slug:kind>/template.xlsx", views.TemplateDownloadView.as_view(), name="import-kind-template"),
]
