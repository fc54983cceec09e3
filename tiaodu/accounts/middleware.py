"""Idle session timeout, and the password change a one-time password requires."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from tiaodu.audit.choices import EventKind
from tiaodu.audit.services import record_event

KEY = "_last_activity"
REFRESH_SECONDS = 60  # write the session at most once a minute
PASSWORD_CHANGE_REQUIRED = "password_change_required"  # noqa: S105 (an error code)


class IdleTimeoutMiddleware:
    """Ends a session unused for SESSION_IDLE_MINUTES, then applies
    :class:`PasswordChangeRequiredMiddleware` (chained here so that the settings' middleware
    list need not change; it can be listed on its own right after this one)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response: Callable[[HttpRequest], HttpResponse] = PasswordChangeRequiredMiddleware(
            get_response
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(KEY)
            if last is not None and now - int(last) > settings.SESSION_IDLE_MINUTES * 60:
                record_event(EventKind.SESSION_TIMEOUT, user=user, request=request)
                logout(request)
                messages.info(request, _("长时间未操作,已自动退出,请重新登录"))
            elif last is None or now - int(last) >= REFRESH_SECONDS:
                request.session[KEY] = now
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """A user signed in with a one-time password (``User.must_change_password``) reaches only the
    change-password page, logout and static files: pages redirect there, the API answers 403
    ``password_change_required``. Bearer-token API calls are not affected: a token is a separate
    credential issued on purpose, not the password someone else has seen."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not self._exempt(request)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": PASSWORD_CHANGE_REQUIRED,
                        "message": _("请先修改初始密码,再使用系统"),
                        "errors": [],
                    },
                    status=403,
                )
            response = redirect("accounts:password_change")
            if request.headers.get("HX-Request"):
                response["HX-Redirect"] = response["Location"]
            return response
        return self.get_response(request)

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        path = request.path
        if path in (
            reverse("accounts:password_change"),
            reverse("accounts:logout"),
            reverse("set_language"),
            reverse("healthz"),
        ):
            return True
        if path.startswith("/api/") and request.headers.get("Authorization", "").lower().startswith(
            "bearer "
        ):
            return True
        return bool(settings.STATIC_URL) and path.startswith(str(settings.STATIC_URL))
