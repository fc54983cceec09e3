"""URLs of the fairs part (lane D), included under the "employment" namespace."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
