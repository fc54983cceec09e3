from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tiaodu.core.pii import new_master_key


class Command(BaseCommand):
    help = "生成新的个人信息加密主密钥(写入环境变量 TIAODU_PI_KEY;请与数据库分开备份)"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(new_master_key())
