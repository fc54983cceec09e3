"""Annual targets and their assessment: 月通报、季督办、年评估 (issue 5, item 8)."""

from django.urls import path

from tiaodu.targets import views

app_name = "targets"
urlpatterns = [
    path("", views.TargetListView.as_view(), name="list"),
    path("new/", views.TargetEditView.as_view(), name="create"),
    path("progress/", views.ProgressView.as_view(), name="progress"),
    path("supervision/", views.SupervisionView.as_view(), name="supervision"),
    path("evaluation/", views.EvaluationView.as_view(), name="evaluation"),
    path("import/", views.TargetImportView.as_view(), name="import"),
    path("import/template.xlsx", views.TemplateDownloadView.as_view(), name="import_template"),
    path("import/<slug:kind>/", views.TargetImportView.as_view(), name="import_kind"),
    path(
        "import/<slug:kind>/template.xlsx", views.TemplateDownloadView.as_view(), name="import_template_kind"
    ),
    path("multiyear/", views.MultiYearListView.as_view(), name="multiyear"),
    path("multiyear/new/", views.MultiYearEditView.as_view(), name="multiyear_create"),
    path("multiyear/<int:pk>/", views.MultiYearDetailView.as_view(), name="multiyear_detail"),
    path("multiyear/<int:pk>/edit/", views.MultiYearEditView.as_view(), name="multiyear_edit"),
    path("<int:pk>/", views.TargetDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.TargetEditView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.TargetDeleteView.as_view(), name="delete"),
    path("<int:pk>/changes/", views.TargetHistoryView.as_view(), name="changes"),
]
