"""Model-level permissions come from each model's ``Scope.actions`` by role.

``user.has_perm("orgs.change_organization")`` answers whether the role may change
organisations at all; which rows it may change is ``Organization.objects.restrict(user, "change")``.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.backends import ModelBackend

from tiaodu.accounts.choices import Role
from tiaodu.core.permissions import ACTIONS, can


class RoleBackend(ModelBackend):
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
