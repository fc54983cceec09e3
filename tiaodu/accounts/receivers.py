"""Authentication framework hooks → the security log. (Auth signals are the framework's only
extension point for these; domain logic stays in services.)"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from tiaodu.audit.choices import EventKind
from tiaodu.audit.services import record_event


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event(EventKind.LOGIN_SUCCEEDED, user=user, request=request)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    record_event(EventKind.LOGIN_FAILED, username=str(credentials.get("username", ""))[:150], request=request)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_event(EventKind.LOGOUT, user=user, request=request)


@receiver(user_locked_out)
def on_locked_out(sender: Any, request: Any, username: str | None = None, **kwargs: Any) -> None:
    record_event(EventKind.LOCKED_OUT, username=(username or "")[:150], request=request)
