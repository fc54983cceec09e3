"""URLs of the matching part (lane F), included under the "employment" namespace."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
