from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.accounts import services
from tiaodu.accounts.choices import Role
from tiaodu.core.errors import ServiceError


class Command(BaseCommand):
    help = "用户:tiaodu user create USERNAME --role ROLE [--region CODE] [--org ORG]"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="新增用户;未给密码时自动生成并在最后一行输出")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--region", help="所属地区区划代码")
        create.add_argument("--org", help="所属单位:编号、机构代码或名称")
        create.add_argument("--name", default="", help="姓名")
        create.add_argument("--phone", default="")
        create.add_argument("--email", default="")
        create.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
        reset = sub.add_parser("reset-password", help="重置密码并在最后一行输出新密码")
        reset.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                password = sys.stdin.readline().rstrip("\n") if options["password_stdin"] else None
                created = services.create_user(
                    None,
                    username=options["username"],
                    role=options["role"],
                    region_code=options["region"],
                    org=options["org"],
                    full_name=options["name"],
                    phone=options["phone"],
                    email=options["email"],
                    password=password,
                    must_change_password=True,
                )
                user = created.user
                where = " / ".join(
                    filter(
                        None,
                        [
                            user.region.name if user.region else "",
                            user.organization.name if user.organization else "",
                        ],
                    )
                )
                self.stdout.write(f"已创建用户 {user.username}({user.get_role_display()}) {where}")
                if created.password:
                    self.stdout.write("初始密码(仅显示一次,首次登录后须修改):")
                    self.stdout.write(created.password)
            else:
                user = services.find_user(options["username"])
                password = services.reset_password(None, user)
                self.stdout.write(f"已重置 {user.username} 的密码(登录后须修改):")
                self.stdout.write(password)
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
