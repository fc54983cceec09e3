"""周报/旬报/月报: reporting rounds of enterprises and departments (issue 5, item 7)."""

from django.urls import path

from tiaodu.reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.RoundListView.as_view(), name="list"),
    path("new/", views.RoundCreateView.as_view(), name="create"),
    path("<int:pk>/", views.RoundDetailView.as_view(), name="detail"),
    path("<int:pk>/close/", views.RoundActionView.as_view(), {"what": "close"}, name="close"),
    path("<int:pk>/remind/", views.RoundActionView.as_view(), {"what": "remind"}, name="remind"),
    path("<int:pk>/slots/<int:slot_id>/", views.SlotView.as_view(), name="slot"),
    path("alerts/", views.AlertListView.as_view(), name="alerts"),
    path("alerts/<int:pk>/", views.AlertView.as_view(), name="alert"),
]
