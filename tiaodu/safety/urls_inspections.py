"""/safety/inspections/: the list, the mobile inspection form, 企业自查 and an inspection's page
(included by tiaodu/safety/urls.py under the "safety" namespace)."""

from django.urls import URLPattern, path

from tiaodu.safety import views_inspections as views

urlpatterns: list[URLPattern] = [
    path("", views.InspectionListView.as_view(), name="inspection-list"),
    path("new/", views.InspectionCreateView.as_view(), name="inspection-create"),
    path("self/", views.SelfInspectionView.as_view(), name="self-inspection"),
    path("<int:pk>/", views.InspectionDetailView.as_view(), name="inspection-detail"),
]
