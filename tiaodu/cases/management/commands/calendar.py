from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.cases.workdays import DEFAULT_END, DEFAULT_START, load_calendar
from tiaodu.core.errors import ServiceError


class Command(BaseCommand):
    help = "工作日历:tiaodu calendar load [--from DATE] [--to DATE](按国务院公布的节假日安排)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="重建工作日历")
        # By default every year the holiday package knows, and the year after it (Monday–Friday).
        load.add_argument("--from", dest="start", default=DEFAULT_START.isoformat())
        load.add_argument("--to", dest="end", default=DEFAULT_END.isoformat())

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            days = load_calendar(date.fromisoformat(options["start"]), date.fromisoformat(options["end"]))
        except ValueError as exc:
            raise CommandError("date_invalid: 日期格式应为 YYYY-MM-DD") from exc
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        self.stdout.write(f"工作日历已更新:{days}天")
