"""``tiaodu load_enterprise_data FILE.csv [--as USERNAME]``: the bulk path for very large
enterprise-data files (PostgreSQL ``COPY`` and set-based checks; on SQLite, and for xlsx, the
same as ``tiaodu import enterprise-data``). Same columns, rules and all-or-nothing outcome."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.core.errors import ServiceError


class Command(BaseCommand):
    help = "批量导入企业指标数据(大文件,CSV;PostgreSQL 上整批校验、整批写入,规则同 tiaodu import enterprise-data)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户的身份和权限范围导入")

    def handle(self, *args: Any, **options: Any) -> None:
        from pathlib import Path

        from tiaodu.monitoring.bulk import load_enterprise_data

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"file_not_found: 文件不存在:{path}")
        try:
            actor = None
            if options["as_user"]:
                from tiaodu.accounts.services import find_user

                actor = find_user(options["as_user"])
            result = load_enterprise_data(path, actor)
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        for line in result.error_lines():
            self.stderr.write(line)
        if not result.ok:
            raise CommandError(f"{result.code}: {result.file_name} — {result.message}")
        self.stdout.write(f"{result.file_name} — {result.message}(耗时{result.elapsed_ms / 1000:.1f}秒)")
