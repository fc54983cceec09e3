"""URLs of the reference part (lane A), included under the "employment" namespace at
/employment/reference/: employment:occupation-list, employment:market-list,
employment:market-create, employment:market-edit(pk), employment:settings, employment:seat-list."""

from django.urls import URLPattern, path

from tiaodu.employment import views_reference as v

urlpatterns: list[URLPattern] = [
    path("occupations/", v.OccupationListView.as_view(), name="occupation-list"),
    path("markets/", v.MarketListView.as_view(), name="market-list"),
    path("markets/new/", v.MarketEditView.as_view(), name="market-create"),
    path("markets/<int:pk>/edit/", v.MarketEditView.as_view(), name="market-edit"),
    path("settings/", v.SettingsView.as_view(), name="settings"),
    path("seats/", v.SeatListView.as_view(), name="seat-list"),
]
