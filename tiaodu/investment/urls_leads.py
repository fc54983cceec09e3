"""Routes of this lane (included by tiaodu/investment/urls.py under the "investment" namespace)."""

from django.urls import path

from tiaodu.investment import views_leads as views

urlpatterns = [
    path("", views.LeadListView.as_view(), name="lead-list"),
    path("pending/", views.PendingLeadListView.as_view(), name="lead-pending"),
    path("new/", views.LeadCreateView.as_view(), name="lead-create"),
    path("<int:pk>/", views.LeadDetailView.as_view(), name="lead-detail"),
    path("<int:pk>/assign/", views.LeadAssignView.as_view(), name="lead-assign"),
    path("<int:pk>/convert/", views.LeadConvertView.as_view(), name="lead-convert"),
    path("<int:pk>/decide/", views.LeadDecideView.as_view(), name="lead-decide"),
    path("<int:pk>/changes/", views.LeadHistoryView.as_view(), name="lead-changes"),
    path("projects/<int:pk>/decide/", views.ProjectDecideView.as_view(), name="project-duplicate-decide"),
]
