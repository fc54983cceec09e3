"""URLs of the jobseekers part (lane B), included under the "employment" namespace."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
