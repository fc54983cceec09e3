from django.urls import path

from tiaodu.monitoring import views, views_bulletin

app_name = "monitoring"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("choropleth.json", views.ChoroplethView.as_view(), name="choropleth"),
    path("indicators/", views.IndicatorListView.as_view(), name="indicators"),
    path("figures/", views.FigureListView.as_view(), name="figures"),
    path("figures/<int:pk>/", views.FigureDetailView.as_view(), name="figure"),
    path("bulletin/", views_bulletin.BulletinView.as_view(), name="bulletin"),
    path("bulletin/download/", views_bulletin.BulletinDownloadView.as_view(), name="bulletin_download"),
]
