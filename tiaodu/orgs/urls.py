from django.urls import path

from tiaodu.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.OrganizationListView.as_view(), name="list"),
    path("new/", views.OrganizationEditView.as_view(), name="create"),
    path("<int:pk>/", views.OrganizationDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.OrganizationEditView.as_view(), name="edit"),
    path("<int:pk>/changes/", views.OrganizationHistoryView.as_view(), name="changes"),
]
