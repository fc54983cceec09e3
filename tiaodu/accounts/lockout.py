"""Failed-login lockout: per account *and* address, plus a per-address throttle (ADR 0032).

django-axes counts failures per (username, client address) — ``AXES_LOCKOUT_PARAMETERS`` — so
five wrong passwords for ``admin`` typed from one address lock ``admin`` for that address only:
nobody can lock an account out for everybody else by knowing its name. On top of that, an
address whose failures across *all* usernames reach ``LOGIN_ADDRESS_FAILURE_LIMIT`` within the
cool-off window is refused for the window (password spraying, username probing). The limit is
higher than the per-account one because a government office shares one NAT address.

The client address is ``tiaodu.core.http.client_address`` (``AXES_CLIENT_IP_CALLABLE``), i.e. the
proxy chain as configured, never the client-controlled left end of ``X-Forwarded-For``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone


def cool_off_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - settings.AXES_COOLOFF_TIME


def address_failures(address: str | None, since: datetime | None = None) -> int:
    """Failed logins from ``address`` across all usernames since ``since`` (default: the window)."""
    if not address:
        return 0
    rows = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since or cool_off_start())
    return int(rows.aggregate(n=Sum("failures_since_start"))["n"] or 0)


def address_throttled(address: str | None, since: datetime | None = None) -> bool:
    return address_failures(address, since) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with the per-address throttle added to its lock decision."""

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return address_throttled(request.axes_ip_address, get_cool_off_threshold(request))

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        address = getattr(request, "axes_ip_address", None)
        if address_throttled(address, get_cool_off_threshold(request)):
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=address,
            )
