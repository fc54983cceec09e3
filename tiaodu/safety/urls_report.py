"""/safety/report/: 安全生产工作情况 (included by tiaodu/safety/urls.py under the "safety" namespace)."""

from django.urls import path

from tiaodu.safety import views_report as views

urlpatterns = [
    path("", views.ReportView.as_view(), name="report"),
    path("xlsx/", views.ReportXlsxView.as_view(), name="report-xlsx"),
]
