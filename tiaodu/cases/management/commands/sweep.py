from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.cases.sweep import sweep_all
from tiaodu.cases.tasks import sweep_cards


class Command(BaseCommand):
    help = "红黄牌督办:逾期挂黄牌、持续逾期升红牌、办结摘牌(--enqueue 加入后台队列)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按该日期评估(YYYY-MM-DD),默认今天")
        parser.add_argument("--enqueue", action="store_true", help="加入后台任务队列而不是立即执行")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            self.stdout.write(f"已加入后台任务队列:{sweep_cards.enqueue().id}")
            return
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError("date_invalid: 日期格式应为 YYYY-MM-DD") from exc
        results = sweep_all(day)
        self.stdout.write(f"督办扫描完成:{results[0]}")
        for extra in results[1:]:
            self.stdout.write(str(extra))
