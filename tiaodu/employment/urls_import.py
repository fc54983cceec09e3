"""/employment/import/ (included under the "employment" namespace): employment:import, employment:import-template,
employment:import-kind(kind), employment:import-kind-template(kind)."""

from django.urls import URLPattern, path

from tiaodu.employment import views_import as views

urlpatterns: list[URLPattern] = [
    path("", views.EmploymentImportView.as_view(), name="import"),
    path("template.xlsx", views.TemplateDownloadView.as_view(), name="import-template"),
    path("<slug:kind>/", views.EmploymentImportView.as_view(), name="import-kind"),
    path("<slug:kind>/template.xlsx", views.TemplateDownloadView.as_view(), name="import-kind-template"),
]
