"""/employment/p/ (lane D, included under the "employment" namespace): the public pages of a fair
reached by its QR code — no login, no personal data."""

from django.urls import URLPattern, path

from tiaodu.employment import views_public as views

urlpatterns: list[URLPattern] = [
    path("fair/<uuid:key>/", views.FairPublicView.as_view(), name="fair-public"),
    path("fair/<uuid:key>/register/", views.FairPublicRegisterView.as_view(), name="fair-public-register"),
]
