from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.core.errors import ServiceError
from tiaodu.regions.models import Region
from tiaodu.regions.services import load_regions


class Command(BaseCommand):
    help = "行政区划:tiaodu regions load --province 50 | --all"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="加载官方区划代码(省、市、区县、镇街)")
        group = load.add_mutually_exclusive_group(required=True)
        group.add_argument("--province", action="append", help="省级代码,如 50(重庆);可重复")
        group.add_argument("--all", action="store_true", help="加载全国")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            result = load_regions(None if options["all"] else options["province"])
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        seconds = time.perf_counter() - started
        self.stdout.write(f"区划加载完成:{result},共{Region.objects.count()}条,用时{seconds:.1f}秒")
