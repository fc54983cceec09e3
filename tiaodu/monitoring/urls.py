from django.urls import path

from tiaodu.monitoring import views, views_bulletin, views_import

app_name = "monitoring"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("choropleth.json", views.ChoroplethView.as_view(), name="choropleth"),
    path("indicators/", views.IndicatorListView.as_view(), name="indicators"),
    path("figures/", views.FigureListView.as_view(), name="figures"),
    path("figures/<int:pk>/", views.FigureDetailView.as_view(), name="figure"),
    path("bulletin/", views_bulletin.BulletinView.as_view(), name="bulletin"),
    path("bulletin/download/", views_bulletin.BulletinDownloadView.as_view(), name="bulletin_download"),
    path("import/", views_import.MonitoringImportView.as_view(), name="import"),
    path("import/<slug:kind>/", views_import.MonitoringImportView.as_view(), name="import_kind"),
    path(
        "import/<slug:kind>/template.xlsx",
        views_import.TemplateDownloadView.as_view(),
        name="import_template",
    ),
]
