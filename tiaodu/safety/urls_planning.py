"""/safety/planning/ URLs (included by tiaodu/safety/urls.py under the "safety" namespace):
双随机 plans, campaigns, joint teams, inspectors, 综合查一次 and coverage."""

from django.urls import URLPattern, path

from tiaodu.safety import views_planning as views

urlpatterns: list[URLPattern] = [
    path("plans/", views.PlanListView.as_view(), name="plan-list"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan-create"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan-detail"),
    path("plans/<int:pk>/draw/", views.PlanDrawView.as_view(), name="plan-draw"),
    path("plans/<int:pk>/publish/", views.PlanPublishView.as_view(), name="plan-publish"),
    path("plans/<int:pk>/verify/", views.PlanVerifyView.as_view(), name="plan-verify"),
    path("campaigns/", views.CampaignListView.as_view(), name="campaign-list"),
    path("campaigns/new/", views.CampaignCreateView.as_view(), name="campaign-create"),
    path("campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign-detail"),
    path("campaigns/<int:pk>/edit/", views.CampaignCreateView.as_view(), name="campaign-edit"),
    path("teams/", views.TeamListView.as_view(), name="team-list"),
    path("teams/new/", views.TeamCreateView.as_view(), name="team-create"),
    path("inspectors/", views.InspectorListView.as_view(), name="inspector-list"),
    path("inspectors/new/", views.InspectorCreateView.as_view(), name="inspector-create"),
    path("inspectors/<int:pk>/edit/", views.InspectorCreateView.as_view(), name="inspector-edit"),
    path("joint-visits/", views.JointVisitListView.as_view(), name="joint-visit-list"),
    path("joint-visits/merge/", views.JointVisitMergeView.as_view(), name="joint-visit-merge"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
]
