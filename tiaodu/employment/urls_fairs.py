"""/employment/fairs/ (lane D, included under the "employment" namespace): the list, the planner,
the fair form, a fair's page with its live counts and QR code, booths, sign-in and intentions."""

from django.urls import URLPattern, path

from tiaodu.employment import views_fairs as views

urlpatterns: list[URLPattern] = [
    path("", views.FairListView.as_view(), name="fair-list"),
    path("planner/", views.FairPlannerView.as_view(), name="fair-planner"),
    path("new/", views.FairCreateView.as_view(), name="fair-create"),
    path("<int:pk>/", views.FairDetailView.as_view(), name="fair-detail"),
    path("<int:pk>/counts/", views.FairCountsView.as_view(), name="fair-counts"),
    path("<int:pk>/qr.svg", views.FairQRView.as_view(), name="fair-qr"),
    path("<int:pk>/booths/new/", views.FairBoothAddView.as_view(), name="fair-booth-add"),
    path("<int:pk>/signin/", views.FairSignInView.as_view(), name="fair-signin"),
    path("<int:pk>/intentions/new/", views.FairIntentionView.as_view(), name="fair-intention"),
]
