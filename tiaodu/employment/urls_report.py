"""URLs of the report part (lane G), included under the "employment" namespace."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
