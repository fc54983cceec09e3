"""Idle session timeout: a session unused for SESSION_IDLE_MINUTES ends."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from tiaodu.audit.choices import EventKind
from tiaodu.audit.services import record_event

KEY = "_last_activity"
REFRESH_SECONDS = 60  # write the session at most once a minute


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

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
