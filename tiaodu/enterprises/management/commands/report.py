"""``tiaodu report KIND --region CODE --from DATE --to DATE [--format text|json] [--user USERNAME] [--org ORG]``.

``--date DATE`` is the same as ``--to DATE`` with the period starting on 1 January of that year
(``tiaodu report projects --region 500104 --date 2020-04-30``).

Figures in words from the records, one subcommand per report. Every report is about a region and
a period, so those options are the same for all. A module adds its report by naming it in
``CLI_REPORTS`` of its own ``report.py``::

    # tiaodu/projects/report.py
    CLI_REPORTS = {"projects": ("重点项目调度情况", project_report)}

where the function is called as ``function(region, date_from, date_to, user=None)`` and returns
an object with ``text()`` (the bulletin for a terminal) and ``as_dict()`` (for ``--format json``).
The command finds the reports of every installed app, so it does not change when one is added.
A report whose function takes an ``org`` keyword (the enterprise-service report: only the visits
made by that organisation) gets ``--org NAME_OR_ID``.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from datetime import date
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tiaodu.core.errors import ServiceError

ReportFunction = Callable[..., Any]


def available_reports() -> dict[str, tuple[str, ReportFunction]]:
    """``CLI_REPORTS`` of every installed app's ``report`` module, by subcommand name."""
    found: dict[str, tuple[str, ReportFunction]] = {}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.report")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.report":
                raise
            continue
        found.update(getattr(module, "CLI_REPORTS", {}))
    return dict(sorted(found.items()))


def takes_org(function: ReportFunction) -> bool:
    return "org" in inspect.signature(function).parameters


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"date_invalid: 日期“{text}”格式应为 YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "统计报告:tiaodu report enterprise-service --region 500104 --from 2020-02-01 --to 2020-04-30"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        for name, (title, function) in available_reports().items():
            p = sub.add_parser(name, help=title)
            p.add_argument(
                "--region", default=settings.HOME_REGION_CODE, help="区划代码(默认本区 %(default)s)"
            )
            p.add_argument("--from", dest="date_from", help="开始日期 YYYY-MM-DD(默认今年1月1日)")
            p.add_argument("--to", dest="date_to", help="结束日期 YYYY-MM-DD(默认今天)")
            p.add_argument(
                "--date", dest="as_of", help="截至日期 YYYY-MM-DD(同 --to,开始日期默认为当年1月1日)"
            )
            p.add_argument("--format", choices=("text", "json"), default="text", help="输出格式")
            p.add_argument("--user", help="按该用户的权限范围统计(默认不限)")
            if takes_org(function):
                p.add_argument("--org", help="只统计该单位的走访(机构名称、简称或ID)")

    def handle(self, *args: Any, **options: Any) -> None:
        _title, function = available_reports()[options["kind"]]
        if options.get("as_of") and options["date_to"]:
            raise CommandError("options_conflict: --date 与 --to 只能填写一个")
        today = timezone.localdate()
        date_to = _date(options.get("as_of") or options["date_to"] or today.isoformat())
        date_from = _date(options["date_from"]) if options["date_from"] else date_to.replace(month=1, day=1)
        user = None
        if options["user"]:
            from tiaodu.accounts.models import User

            user = User.objects.select_related("region").filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"user_unknown: 用户“{options['user']}”不存在")
        extra = {"org": options["org"]} if options.get("org") else {}
        try:
            result = function(options["region"], date_from, date_to, user=user, **extra)
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(result.text(), ending="")
