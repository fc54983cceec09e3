from django.urls import path

from tiaodu.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.ChangeListView.as_view(), name="changes"),
    path("events/", views.EventListView.as_view(), name="events"),
    path("tasks/", views.TaskRunView.as_view(), name="tasks"),
]
