"""Shared fixtures: the Chongqing regions and the demo organisations/users, loaded once per run."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import pytest

# Keep tests' secret key, uploads and SQLite files out of the working tree.
os.environ.setdefault("TIAODU_DATA_DIR", tempfile.mkdtemp(prefix="tiaodu-test-"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    from tiaodu.core.demo import load_demo
    from tiaodu.regions.services import load_regions

    with django_db_blocker.unblock():
        load_regions(["50"])
        load_demo()


@pytest.fixture
def users(db: Any) -> Any:
    """The demo accounts by username: admin, leader, jxw, guxi, yuxi, squad1, qiye, yezhu."""
    from tiaodu.accounts.models import User

    return {u.username: u for u in User.objects.select_related("region", "organization")}


@pytest.fixture
def client_for(client: Any) -> Callable[[Any], Any]:
    """A Django test client logged in as the given user."""
    from django.test import Client

    def make(user: Any) -> Any:
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def bearer(db: Any) -> Callable[[Any], dict[str, str]]:
    """Headers carrying a fresh API token for the given user."""
    from tiaodu.accounts.services import create_token

    def make(user: Any) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {create_token(None, user).key}"}

    return make
