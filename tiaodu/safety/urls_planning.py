"""/safety/ URLs of lane planning (included by tiaodu/safety/urls.py under the "safety" namespace)."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
