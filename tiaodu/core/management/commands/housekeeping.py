from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tiaodu.core.tasks import housekeeping


class Command(BaseCommand):
    help = "例行清理:过期会话、失效的登录失败计数(后台任务进程每天03:00自动加入队列;此命令手动加入;--now 立即执行)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="不经队列,立即执行")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["now"]:
            self.stdout.write(str(housekeeping.call()))
        else:
            result = housekeeping.enqueue()
            self.stdout.write(f"已加入后台任务队列:{result.id}")
