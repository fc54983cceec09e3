"""Routes of this lane (included by tiaodu/investment/urls.py under the "investment" namespace)."""

from django.urls import path

from tiaodu.investment import views_analysis as views

urlpatterns = [
    path("", views.AnalysisView.as_view(), name="analysis"),
    path("forecast/", views.ForecastView.as_view(), name="analysis-forecast"),
    path("ranking/", views.RankingView.as_view(), name="analysis-ranking"),
    path("report/", views.ReportView.as_view(), name="report"),
]
