from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.core.errors import ServiceError
from tiaodu.core.imports import get_importer, importer_names, importer_title, run_import, template_workbook


class Command(BaseCommand):
    help = (
        "导入表格:tiaodu import KIND FILE [--partial] [--as USERNAME];"
        "下载模板:tiaodu import template KIND OUT.xlsx。"
        "默认整批导入,任何一行有错误时全部不导入并列出错误(退出码非0)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = "、".join(importer_names())
        parser.add_argument("kind", help=f"导入类型({kinds}),或 template")
        parser.add_argument("file", help="xlsx 或 CSV 文件(UTF-8 或 GBK);template 时为导入类型")
        parser.add_argument("out", nargs="?", help="template 时:模板保存路径(.xlsx)")
        parser.add_argument("--partial", action="store_true", help="跳过有错误的行,导入其余各行")
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            help="以该用户的身份和权限范围导入(默认为系统操作员,不受范围限制)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["kind"] == "template":
                self.template(options["file"], options["out"])
            else:
                if options["out"]:
                    raise CommandError("usage: 多余的参数:" + options["out"])
                self.run(options["kind"], options["file"], options["partial"], options["as_user"])
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc

    def template(self, kind: str, out: str | None) -> None:
        get_importer(kind)  # unknown kinds fail before anything is written
        if not out:
            raise CommandError("usage: tiaodu import template KIND OUT.xlsx")
        path = Path(out)
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        path.write_bytes(template_workbook(kind))
        self.stdout.write(f"已生成{importer_title(kind)}导入模板:{path}")

    def run(self, kind: str, file: str, partial: bool, username: str | None) -> None:
        actor = None
        if username:
            from tiaodu.accounts.services import find_user

            actor = find_user(username)
        get_importer(kind)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"file_not_found: 文件不存在:{file}")
        result = run_import(kind, path, actor=actor, partial=partial)
        header = f"{result.title}({kind}):文件 {result.file_name}"
        for line in result.error_lines():
            self.stderr.write(line)
        if not result.ok:
            raise CommandError(f"{result.code}: {header} — {result.message}")
        self.stdout.write(f"{header} — {result.message}(耗时{result.elapsed_ms / 1000:.1f}秒)")
        # An importer may leave a notice for the operator (e.g. where new users' one-time
        # passwords were written); it names a path, never a secret.
        notice = (result.audit_data or {}).get("notice")
        if notice:
            self.stdout.write(str(notice))
