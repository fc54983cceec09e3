"""URLs of the reference part (lane A), included under the "employment" namespace."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
