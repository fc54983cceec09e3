"""/employment/buses/ (lane D, included under the "employment" namespace): the trips, a trip's
page, the trip form, adding riders and recording their intentions."""

from django.urls import URLPattern, path

from tiaodu.employment import views_buses as views

urlpatterns: list[URLPattern] = [
    path("", views.BusListView.as_view(), name="bus-list"),
    path("new/", views.BusCreateView.as_view(), name="bus-create"),
    path("<int:pk>/", views.BusDetailView.as_view(), name="bus-detail"),
    path("<int:pk>/riders/new/", views.BusRiderAddView.as_view(), name="bus-rider-add"),
    path("<int:pk>/intentions/new/", views.BusIntentionView.as_view(), name="bus-intention"),
]
