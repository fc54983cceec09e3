"""URLs of the report part (lane G), included under the "employment" namespace at /employment/report/."""

from django.urls import URLPattern, path

from tiaodu.employment import views_report as views

urlpatterns: list[URLPattern] = [
    path("", views.ReportView.as_view(), name="report"),
    path("xlsx/", views.ReportXlsxView.as_view(), name="report-xlsx"),
]
