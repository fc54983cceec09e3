from django.urls import path

from tiaodu.enterprises.views_report import EnterpriseServiceReportView

app_name = "enterprise_reports"
urlpatterns = [
    path("", EnterpriseServiceReportView.as_view(), name="report"),
]
