"""/orgs/onboarding/: the administrator's 新区县上线检查 (what a district still lacks), and the
onboarding imports (organisations, users) with the one-time download of new users' passwords."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views import View

from tiaodu.core import exports
from tiaodu.core import views_import as base
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.orgs.imports import is_admin
from tiaodu.orgs.models import Organization
from tiaodu.orgs.onboarding import district_checklist
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

KINDS = ("organisations", "users")


def _admin_only(request: HttpRequest) -> None:
    if not is_admin(current_user(request)):
        raise PermissionDenied


class OnboardingView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        _admin_only(request)
        code = (request.GET.get("district") or "").strip()
        checklist, error = None, ""
        if code:
            try:
                checklist = district_checklist(current_user(request), code)
            except ServiceError as exc:
                error = exc.errors[0].message if exc.errors else exc.message
        districts = Region.objects.filter(
            Q(pk__in=Organization.objects.values("region_id"))
            | Q(pk__in=Organization.objects.values("region__parent_id")),
            level=Level.COUNTY,
        ).order_by("code")
        context = {"checklist": checklist, "error": error, "code": code, "districts": districts}
        return render(request, "orgs/onboarding.html", context, status=422 if error else 200)


class OnboardingImportView(base.ImportView):
    kinds = KINDS
    template_name = "orgs/onboarding_import.html"


class OnboardingTemplateView(base.TemplateDownloadView):
    kinds = KINDS


def password_file_of(batch: Any) -> Path | None:
    """The password file a users import wrote, from its audit entry (never from user input)."""
    from auditlog.models import LogEntry

    from tiaodu.accounts.imports import password_dir

    entry = LogEntry.objects.get_for_object(batch).order_by("pk").first()
    name = ((entry.additional_data or {}) if entry else {}).get("password_file")
    if not name:
        return None
    path = password_dir() / Path(name).name
    return path if path.is_file() else None


class PasswordFileView(LoginRequiredMixin, View):
    """The new users' one-time passwords of a users import, once, to the administrator who ran
    it; the file is deleted as it is sent (a second request is 404)."""

    def get(self, request: HttpRequest, batch: int) -> HttpResponseBase:
        _admin_only(request)
        from tiaodu.core.models import ImportBatch

        found = ImportBatch.objects.filter(pk=batch, user=current_user(request), kind="users").first()
        path = password_file_of(found) if found else None
        if path is None:
            return render(request, "404.html", status=404)
        from tiaodu.accounts.imports import PASSWORD_HEADERS

        text = path.read_text(encoding="utf-8")
        os.unlink(path)  # read once; nobody can fetch it again
        # Names come from the imported file: no cell may reach Excel as a formula (the
        # passwords are kept byte-exact).
        content = exports.neutralised_csv(text, verbatim_headers=[PASSWORD_HEADERS[-1]])
        response = FileResponse(
            io.BytesIO(content.encode("utf-8")),
            as_attachment=True,
            filename=path.name,
            content_type="text/csv",
        )
        response["Cache-Control"] = "no-store"
        return response
