from django.urls import path

from tiaodu.enterprises import views, views_appeal

app_name = "enterprises"
urlpatterns = [
    path("", views.EnterpriseListView.as_view(), name="list"),
    path("new/", views.EnterpriseEditView.as_view(), name="create"),
    path("portal/", views.PortalView.as_view(), name="portal"),
    path("appeals/new/", views_appeal.AppealCreateView.as_view(), name="appeal_create"),
    path("<int:pk>/", views.EnterpriseDetailView.as_view(), name="detail"),
    path("<int:pk>/contact-phone/", views.EnterpriseContactView.as_view(), name="contact_phone"),
    path("<int:pk>/edit/", views.EnterpriseEditView.as_view(), name="edit"),
    path("<int:pk>/changes/", views.EnterpriseHistoryView.as_view(), name="changes"),
    path("<int:pk>/visits/new/", views.VisitCreateView.as_view(), name="visit_create"),
    path("<int:pk>/needs/new/", views.NeedCreateView.as_view(), name="need_create"),
    path("<int:pk>/services/new/", views.ServiceCreateView.as_view(), name="service_create"),
]
