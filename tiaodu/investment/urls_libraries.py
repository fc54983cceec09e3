"""Routes of the libraries and settings (included by tiaodu/investment/urls.py under the
"investment" namespace at /investment/libraries/)."""

from django.urls import URLPattern, path

from tiaodu.investment import views_libraries as v

urlpatterns: list[URLPattern] = [
    path("targets/", v.TargetListView.as_view(), name="targets"),
    path("targets/new/", v.EditView.as_view(kind="target"), name="target-create"),
    path("targets/link/", v.TargetsLinkView.as_view(), name="targets-link"),
    path("targets/<int:pk>/", v.TargetDetailView.as_view(), name="target-detail"),
    path("targets/<int:pk>/edit/", v.EditView.as_view(kind="target"), name="target-edit"),
    path("targets/<int:pk>/delete/", v.DeleteView.as_view(kind="target"), name="target-delete"),
    path("resources/", v.ResourceListView.as_view(), name="resources"),
    path("resources/map/", v.ResourceMapView.as_view(), name="resources-map"),
    path("resources/map/data.json", v.ResourceMapDataView.as_view(), name="resources-map-data"),
    path("resources/map/outline.json", v.ResourceMapOutlineView.as_view(), name="resources-map-outline"),
    path("resources/new/", v.EditView.as_view(kind="resource"), name="resource-create"),
    path("resources/<int:pk>/", v.ResourceDetailView.as_view(), name="resource-detail"),
    path("resources/<int:pk>/edit/", v.EditView.as_view(kind="resource"), name="resource-edit"),
    path("resources/<int:pk>/delete/", v.DeleteView.as_view(kind="resource"), name="resource-delete"),
    path("policies/", v.PolicyListView.as_view(), name="policies"),
    path("policies/new/", v.EditView.as_view(kind="policy"), name="policy-create"),
    path("policies/<int:pk>/", v.PolicyDetailView.as_view(), name="policy-detail"),
    path("policies/<int:pk>/edit/", v.EditView.as_view(kind="policy"), name="policy-edit"),
    path("policies/<int:pk>/delete/", v.DeleteView.as_view(kind="policy"), name="policy-delete"),
    path("settings/", v.SettingsView.as_view(), name="settings"),
    path("settings/pipeline/", v.PipelineEditView.as_view(), name="settings-pipeline"),
    path("settings/chains/new/", v.EditView.as_view(kind="chain"), name="chain-create"),
    path("settings/chains/<int:pk>/edit/", v.EditView.as_view(kind="chain"), name="chain-edit"),
    path("settings/areas/new/", v.EditView.as_view(kind="area"), name="area-create"),
    path("settings/areas/<int:pk>/edit/", v.EditView.as_view(kind="area"), name="area-edit"),
    path("settings/teams/new/", v.EditView.as_view(kind="team"), name="team-create"),
    path("settings/teams/<int:pk>/edit/", v.EditView.as_view(kind="team"), name="team-edit"),
    path("settings/teams/<int:pk>/delete/", v.DeleteView.as_view(kind="team"), name="team-delete"),
]
