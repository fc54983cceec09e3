"""Enforcement documents (执法文书) and penalties (lane enforcement)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from tiaodu.core.permissions import ensure_permitted

if TYPE_CHECKING:
    from tiaodu.accounts.models import User


def ensure_added(actor: User, instance: models.Model) -> None:
    """``ensure_permitted(actor, "add", instance)`` for a new row whose ``created_by`` would by
    itself put it in the actor's scope (``Scope.users``): the check runs on the row as if someone
    else had entered it, so a town user cannot add a row in another township by being its author."""
    manager = type(instance)._base_manager
    manager.filter(pk=instance.pk).update(created_by=None)
    ensure_permitted(actor, "add", instance)
    manager.filter(pk=instance.pk).update(created_by=actor)
