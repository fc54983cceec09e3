from django.urls import path

from tiaodu.projects import views, views_map, views_report

app_name = "projects"
urlpatterns = [
    path("", views.ProjectListView.as_view(), name="list"),
    path("new/", views.ProjectEditView.as_view(), name="create"),
    path("lists/<slug:name>/", views.FiveListView.as_view(), name="five_list"),
    path("report/", views_report.ProjectReportView.as_view(), name="report"),
    path("ranking/", views_report.RankingView.as_view(), name="ranking"),
    path("map/", views_map.ProjectMapView.as_view(), name="map"),
    path("map/data.json", views_map.ProjectMapDataView.as_view(), name="map_data"),
    path("map/outline.json", views_map.ProjectMapOutlineView.as_view(), name="map_outline"),
    path("<int:pk>/", views.ProjectDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ProjectEditView.as_view(), name="edit"),
    path("<int:pk>/stage/", views.StageChangeView.as_view(), name="stage"),
    path("<int:pk>/schedule/", views.ScheduleView.as_view(), name="schedule"),
    path("<int:pk>/milestone/", views.MilestoneView.as_view(), name="milestone"),
    path("<int:pk>/changes/", views.ProjectHistoryView.as_view(), name="changes"),
]
