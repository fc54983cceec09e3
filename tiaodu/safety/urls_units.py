"""/safety/units/ URLs of lane units (included by tiaodu/safety/urls.py under the "safety" namespace):
the units, their profile and map, the sectors with their checklists, the district's settings."""

from django.urls import URLPattern, path

from tiaodu.safety import views_units as v

urlpatterns: list[URLPattern] = [
    path("", v.UnitListView.as_view(), name="unit-list"),
    path("new/", v.UnitEditView.as_view(), name="unit-create"),
    path("<int:pk>/", v.UnitDetailView.as_view(), name="unit-detail"),
    path("<int:pk>/edit/", v.UnitEditView.as_view(), name="unit-edit"),
    path("<int:pk>/history/", v.UnitHistoryView.as_view(), name="unit-history"),
    path("map/", v.UnitMapView.as_view(), name="map"),
    path("map/data.json", v.UnitMapDataView.as_view(), name="map-data"),
    path("map/outline.json", v.UnitMapOutlineView.as_view(), name="map-outline"),
    path("sectors/", v.SectorListView.as_view(), name="sector-list"),
    path("sectors/new/", v.SectorEditView.as_view(), name="sector-create"),
    path("sectors/<int:pk>/", v.SectorDetailView.as_view(), name="sector-detail"),
    path("sectors/<int:pk>/edit/", v.SectorEditView.as_view(), name="sector-edit"),
    path("sectors/items/<int:pk>/edit/", v.ChecklistItemEditView.as_view(), name="checklist-item-edit"),
    path("settings/", v.SettingsView.as_view(), name="settings"),
]
