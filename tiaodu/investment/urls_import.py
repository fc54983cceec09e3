"""/investment/import/ (included by tiaodu/investment/urls.py under the "investment" namespace):
investment:import, investment:import-template, investment:import-kind(kind),
investment:import-kind-template(kind)."""

from django.urls import URLPattern, path

from tiaodu.investment import views_import as views

urlpatterns: list[URLPattern] = [
    path("", views.InvestmentImportView.as_view(), name="import"),
    path("template.xlsx", views.TemplateDownloadView.as_view(), name="import-template"),
    path("<slug:kind>/", views.InvestmentImportView.as_view(), name="import-kind"),
    path("<slug:kind>/template.xlsx", views.TemplateDownloadView.as_view(), name="import-kind-template"),
]
