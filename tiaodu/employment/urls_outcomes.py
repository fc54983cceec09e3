"""URLs of the outcomes part (lane E), included under the "employment" namespace."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
