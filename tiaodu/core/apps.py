from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class CoreConfig(AppConfig):
    name = "tiaodu.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        checks.register(check_time_limits)


def check_time_limits(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The request's database limits must end a slow request before gunicorn kills the worker."""
    problems: list[checks.CheckMessage] = []
    lock, statement, web = settings.DB_LOCK_TIMEOUT, settings.DB_STATEMENT_TIMEOUT, settings.WEB_TIMEOUT
    if min(lock, statement, web) < 0:
        problems.append(
            checks.Error(
                "TIAODU_DB_LOCK_TIMEOUT, TIAODU_DB_STATEMENT_TIMEOUT and TIAODU_WEB_TIMEOUT must not be negative",
                id="tiaodu.E001",
            )
        )
    if web and (statement == 0 or statement >= web):
        problems.append(
            checks.Warning(
                f"TIAODU_DB_STATEMENT_TIMEOUT ({statement}s) is not below TIAODU_WEB_TIMEOUT ({web}s)",
                hint="a slow query then has the web worker killed (no answer) instead of a 503 page",
                id="tiaodu.W001",
            )
        )
    if statement and lock > statement:
        problems.append(
            checks.Warning(
                f"TIAODU_DB_LOCK_TIMEOUT ({lock}s) is above TIAODU_DB_STATEMENT_TIMEOUT ({statement}s)",
                hint="the statement limit ends the lock wait first",
                id="tiaodu.W002",
            )
        )
    return problems
