"""URLs of the outcomes part (lane E), included under the "employment" namespace at /employment/placements/."""

from django.urls import URLPattern, path

from tiaodu.employment import views_outcomes as views

urlpatterns: list[URLPattern] = [
    path("", views.PlacementListView.as_view(), name="placement-list"),
    path("new/", views.PlacementCreateView.as_view(), name="placement-create"),
    path("follow-ups/", views.FollowUpsView.as_view(), name="follow-ups"),
    path("<int:pk>/", views.PlacementDetailView.as_view(), name="placement-detail"),
    path("<int:pk>/actions/<str:action>/", views.PlacementActionView.as_view(), name="placement-action"),
    path("<int:pk>/changes/", views.PlacementHistoryView.as_view(), name="placement-changes"),
]
