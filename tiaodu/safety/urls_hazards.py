"""/safety/hazards/: the list, the hazard board, the overdue board and a hazard with its actions,
治理方案 and photos (included by tiaodu/safety/urls.py under the "safety" namespace)."""

from django.urls import URLPattern, path

from tiaodu.safety import views_hazards as views

urlpatterns: list[URLPattern] = [
    path("", views.HazardListView.as_view(), name="hazard-list"),
    path("board/", views.HazardBoardView.as_view(), name="hazard-board"),
    path("overdue/", views.HazardOverdueView.as_view(), name="hazard-overdue"),
    path("<int:pk>/", views.HazardDetailView.as_view(), name="hazard-detail"),
    path("<int:pk>/step/", views.HazardStepView.as_view(), name="hazard-step"),
    path("<int:pk>/plan/", views.HazardPlanView.as_view(), name="hazard-plan"),
    path("<int:pk>/photos/", views.HazardPhotoView.as_view(), name="hazard-photo"),
    path("<int:pk>/photos/<int:photo_id>/", views.HazardPhotoFileView.as_view(), name="hazard-photo-file"),
]
