from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest

if TYPE_CHECKING:
    from tiaodu.accounts.models import User


def current_user(request: HttpRequest) -> User:
    """The signed-in user of a view that requires login (session or API token)."""
    return cast("User", request.user)
