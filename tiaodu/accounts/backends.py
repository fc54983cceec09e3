"""Model-level permissions come from each model's ``Scope.actions`` by role.

``user.has_perm("orgs.change_organization")`` answers whether the role may change
organisations at all; which rows it may change is ``Organization.objects.restrict(user, "change")``.
"""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.utils.crypto import constant_time_compare

from tiaodu.accounts.choices import Role
from tiaodu.core.permissions import ACTIONS, can

# The shape of the demo accounts' shared password (core.demo.demo_password, ADR 0010).
DEMO_PASSWORD_RE = re.compile(r"Td-[A-Za-z0-9_-]{12}7a")


def is_demo_password(password: str) -> bool:
    """The demo accounts' password: the one in the data directory, or any of its shape (a
    database copied from a demo keeps its users' password after the file is gone)."""
    path = settings.DATA_DIR / "demo_password"
    if path.exists() and constant_time_compare(password, path.read_text().strip()):
        return True
    return DEMO_PASSWORD_RE.fullmatch(password) is not None


class RoleBackend(ModelBackend):
    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        # In production the demo password never opens an account, whichever account has it.
        if settings.PRODUCTION and password and is_demo_password(password):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active:
            return False
        try:
            app_label, codename = perm.split(".", 1)
            action, model_name = codename.split("_", 1)
            model = apps.get_model(app_label, model_name)
        except (ValueError, LookupError):
            return False
        if action not in ACTIONS:
            return bool(user_obj.is_superuser or user_obj.role == Role.ADMIN)
        return can(user_obj, action, model)  # type: ignore[arg-type]

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return bool(user_obj.is_active and user_obj.is_superuser)
