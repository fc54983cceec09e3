from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.core.api import api


def render_schema() -> str:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "OpenAPI文档:tiaodu openapi FILE 写出;--check FILE 与已提交的文档比对"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="输出文件;省略则打印")
        parser.add_argument("--check", action="store_true", help="只比对,不一致时失败")

    def handle(self, *args: Any, **options: Any) -> None:
        current = render_schema()
        path = Path(options["path"]) if options["path"] else None
        if options["check"]:
            if path is None or not path.exists():
                raise CommandError("openapi_missing: 请先运行 make openapi 生成 docs/openapi.json")
            committed = path.read_text(encoding="utf-8")
            if committed != current:
                diff = "".join(
                    difflib.unified_diff(
                        committed.splitlines(True), current.splitlines(True), str(path), "current", n=2
                    )
                )
                self.stderr.write(diff[:20000])
                raise CommandError(
                    "openapi_changed: API 与已提交的 docs/openapi.json 不一致;若是有意修改,请运行 make openapi 并提交"
                )
            self.stdout.write("OpenAPI 文档与代码一致")
        elif path is None:
            self.stdout.write(current, ending="")
        else:
            path.write_text(current, encoding="utf-8")
            self.stdout.write(f"已写出 {path}")
