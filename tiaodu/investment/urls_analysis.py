"""Routes of this lane (included by tiaodu/investment/urls.py under the "investment" namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
