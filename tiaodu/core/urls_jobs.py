"""我的导出 and the pages of one background job (ADR 0034); included under ``jobs/``."""

from django.urls import path

from tiaodu.core import views_jobs

app_name = "jobs"

urlpatterns = [
    path("", views_jobs.JobListView.as_view(), name="list"),
    path("<int:pk>/", views_jobs.JobDetailView.as_view(), name="detail"),
    path("<int:pk>/download/", views_jobs.JobDownloadView.as_view(), name="download"),
]
