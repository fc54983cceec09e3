"""``/documents/``: the issuing profiles of official documents (ADR 0039)."""

from django.urls import path

from tiaodu.core.officialdoc.views import IssuingProfileView

app_name = "officialdoc"

urlpatterns = [
    path("profiles/", IssuingProfileView.as_view(), name="profiles"),
]
