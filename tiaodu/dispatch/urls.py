from django.urls import path

from tiaodu.dispatch import views

app_name = "dispatch"
urlpatterns = [
    path("", views.RoundListView.as_view(), name="list"),
    path("new/", views.RoundCreateView.as_view(), name="create"),
    path("<int:pk>/", views.RoundDetailView.as_view(), name="detail"),
    path("<int:pk>/close/", views.RoundActionView.as_view(), {"what": "close"}, name="close"),
    path("<int:pk>/remind/", views.RoundActionView.as_view(), {"what": "remind"}, name="remind"),
    path("<int:pk>/report/<int:project_id>/", views.ReportView.as_view(), name="report"),
    path("project/<int:project_id>/", views.ProjectReportsView.as_view(), name="project"),
]
