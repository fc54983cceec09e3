from django.urls import path

from tiaodu.orgs import views, views_onboarding

app_name = "orgs"
urlpatterns = [
    path("", views.OrganizationListView.as_view(), name="list"),
    path("new/", views.OrganizationEditView.as_view(), name="create"),
    path("onboarding/", views_onboarding.OnboardingView.as_view(), name="onboarding"),
    path("onboarding/import/", views_onboarding.OnboardingImportView.as_view(), name="onboarding_import"),
    path(
        "onboarding/import/<slug:kind>/",
        views_onboarding.OnboardingImportView.as_view(),
        name="onboarding_import_kind",
    ),
    path(
        "onboarding/import/<slug:kind>/template.xlsx",
        views_onboarding.OnboardingTemplateView.as_view(),
        name="onboarding_template",
    ),
    path(
        "onboarding/passwords/<int:batch>/",
        views_onboarding.PasswordFileView.as_view(),
        name="onboarding_passwords",
    ),
    path("<int:pk>/", views.OrganizationDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.OrganizationEditView.as_view(), name="edit"),
    path("<int:pk>/changes/", views.OrganizationHistoryView.as_view(), name="changes"),
]
