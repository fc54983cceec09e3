from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.accounts import services
from tiaodu.core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "解除登录锁定:tiaodu unlock USERNAME(该账号所有地址的锁定)或 tiaodu unlock --address IP(该地址的限制)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="要解锁的用户名")
        parser.add_argument("--address", help="要解除限制的客户端IP地址")

    def handle(self, *args: Any, **options: Any) -> None:
        username, address = options["username"], options["address"]
        try:
            cleared = services.unlock_login(None, username=username, address=address)
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        target = " ".join(filter(None, [username or "", address or ""]))
        self.stdout.write(f"已解除 {target} 的登录锁定(清除失败记录 {cleared} 条)")
