"""URLs of the vacancies part (lane C), included under the "employment" namespace."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
