"""``tiaodu bulletin --region CODE --period P [--format text|docx|pdf|xlsx] [--output FILE] [--user USERNAME]
[--index CODE …]``: the monthly bulletin (月通报) of a county unit; ``--index`` states a composite
index computed here (``tiaodu index compute``) after the city's published one.

Text goes to standard output unless ``--output`` names a file. Word, PDF and Excel are written to
``--output`` or, without it, to ``bulletin-CODE-PERIOD.EXT`` in the current directory; the path is
printed. ``--user`` reads the figures within that user's scope (default: all, as the server
operator). An unknown region, a region that is not a county unit, an unreadable period or a period
without figures is an error (``CODE: message``) with a non-zero exit status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.core.errors import ServiceError
from tiaodu.monitoring.bulletin_render import BINARY_FORMATS, FORMATS


class Command(BaseCommand):
    help = "月通报:按区县和期别生成文字、表格和图表(text、docx、pdf、xlsx)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", required=True, help="区县代码,如 500152")
        parser.add_argument("--period", required=True, help="期别,如 2022年1-2月")
        parser.add_argument("--format", choices=FORMATS, default="text", help="输出格式(默认 text)")
        parser.add_argument("--output", "-o", help="输出文件(text 默认输出到屏幕)")
        parser.add_argument("--user", help="按该用户的权限范围读取数据(默认不限)")
        parser.add_argument(
            "--index",
            action="append",
            default=[],
            metavar="CODE",
            help="同时通报本平台测算的综合指数(指数代码,可重复;须先 tiaodu index compute)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from tiaodu.monitoring.bulletin import build_bulletin
        from tiaodu.monitoring.bulletin_render import filename, render

        user = None
        if options["user"]:
            from tiaodu.accounts.models import User

            user = User.objects.select_related("region").filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"user_unknown: 用户“{options['user']}”不存在")
        fmt = options["format"]
        try:
            bulletin = build_bulletin(
                options["region"], options["period"], user=user, indices=options["index"]
            )
            content = render(bulletin, fmt)
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        output = options["output"]
        if fmt == "text" and not output:
            self.stdout.write(content.decode("utf-8"), ending="")
            return
        path = Path(output or filename(bulletin, fmt))
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"output_failed: 无法写入文件{path}:{exc.strerror}") from exc
        kind = "文本" if fmt not in BINARY_FORMATS else fmt
        self.stdout.write(f"已生成{bulletin.title}({kind}):{path}")
