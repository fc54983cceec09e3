"""/safety/enforcement/: enforcement documents (执法文书) and the accident register (lane enforcement;
included by tiaodu/safety/urls.py under the "safety" namespace)."""

from django.urls import URLPattern, path

from tiaodu.safety import views_enforcement as views

urlpatterns: list[URLPattern] = [
    path("documents/", views.DocumentListView.as_view(), name="document-list"),
    path("documents/new/", views.DocumentCreateView.as_view(), name="document-create"),
    path("documents/<int:pk>/", views.DocumentDetailView.as_view(), name="document-detail"),
    path("documents/<int:pk>/edit/", views.DocumentEditView.as_view(), name="document-edit"),
    path("documents/<int:pk>/changes/", views.DocumentHistoryView.as_view(), name="document-changes"),
    path("accidents/", views.AccidentListView.as_view(), name="accident-list"),
    path("accidents/new/", views.AccidentEditView.as_view(), name="accident-create"),
    path("accidents/<int:pk>/", views.AccidentDetailView.as_view(), name="accident-detail"),
    path("accidents/<int:pk>/edit/", views.AccidentEditView.as_view(), name="accident-edit"),
    path("accidents/<int:pk>/changes/", views.AccidentHistoryView.as_view(), name="accident-changes"),
]
