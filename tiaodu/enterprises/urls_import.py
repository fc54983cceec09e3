from django.urls import path

from tiaodu.enterprises import views_import as views

app_name = "enterprise_imports"
urlpatterns = [
    path("", views.ImportIndexView.as_view(), name="upload"),
    path("batches/<int:pk>/", views.BatchView.as_view(), name="batch"),
    path("<slug:kind>/", views.ImportView.as_view(), name="kind"),
    path("<slug:kind>/template.xlsx", views.TemplateDownloadView.as_view(), name="template"),
]
