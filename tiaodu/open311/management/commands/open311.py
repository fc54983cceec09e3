from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tiaodu.core.errors import ServiceError
from tiaodu.open311 import services
from tiaodu.open311.models import Open311Key


class Command(BaseCommand):
    help = "Open311 密钥:tiaodu open311 key --name NAME (--enterprise CREDIT_CODE | --org ORG) | list | revoke PREFIX"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        key = sub.add_parser("key", help="签发密钥,最后一行输出密钥明文")
        key.add_argument("--name", required=True, help="用途说明,如“古溪镇12345工单系统”")
        binding = key.add_mutually_exclusive_group(required=True)
        binding.add_argument("--enterprise", metavar="CREDIT_CODE", help="绑定企业(统一社会信用代码)")
        binding.add_argument("--org", metavar="ORG", help="绑定单位:编号、机构代码或名称(如镇街、部门)")
        sub.add_parser("list", help="列出密钥")
        revoke = sub.add_parser("revoke", help="按前缀吊销密钥")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            action = options["action"]
            if action == "key":
                issued = services.issue_key(
                    options["name"], enterprise=options["enterprise"], org=options["org"]
                )
                self.stdout.write(
                    f"已签发 Open311 密钥 {issued.key.prefix}…({issued.key.name}),绑定{issued.binding}。"
                    "密钥仅显示一次:"
                )
                self.stdout.write(issued.secret)
            elif action == "list":
                keys = Open311Key.objects.select_related("enterprise", "organization")
                for k in keys:
                    state = "已吊销" if k.revoked_at else "有效"
                    used = (
                        timezone.localtime(k.last_used_at).strftime("%Y-%m-%d %H:%M")
                        if k.last_used_at
                        else "—"
                    )
                    self.stdout.write(
                        f"{k.prefix}\t{state}\t{k.name}\t{services.describe_binding(k)}\t"
                        f"{timezone.localtime(k.created_at):%Y-%m-%d}\t{used}"
                    )
            else:
                key = services.revoke_key(options["prefix"])
                self.stdout.write(f"已吊销 Open311 密钥 {key.prefix}…({key.name})")
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
