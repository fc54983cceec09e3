from django.urls import path

from tiaodu.projects import views_import as views

app_name = "project_imports"
urlpatterns = [
    path("", views.ProjectImportView.as_view(), name="upload"),
    path("template.xlsx", views.TemplateDownloadView.as_view(), name="template"),
    path("<slug:kind>/", views.ProjectImportView.as_view(), name="kind"),
    path("<slug:kind>/template.xlsx", views.TemplateDownloadView.as_view(), name="kind_template"),
]
