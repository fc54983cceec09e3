from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tiaodu.accounts import services
from tiaodu.accounts.models import ApiToken
from tiaodu.core.errors import ServiceError


class Command(BaseCommand):
    help = "API令牌:tiaodu token create USERNAME | list USERNAME | revoke PREFIX"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="签发令牌,最后一行输出令牌明文")
        create.add_argument("username")
        create.add_argument("--name", default="", help="用途说明")
        create.add_argument("--days", type=int, default=None, help="有效天数,0为永不过期")
        listing = sub.add_parser("list", help="列出用户的令牌")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="按前缀吊销令牌")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            action = options["action"]
            if action == "create":
                user = services.find_user(options["username"])
                issued = services.create_token(None, user, name=options["name"], days=options["days"])
                expires = (
                    timezone.localtime(issued.token.expires_at).strftime("%Y-%m-%d")
                    if issued.token.expires_at
                    else "永不过期"
                )
                self.stdout.write(
                    f"已为 {user.username} 签发令牌 {issued.token.prefix}…,有效期至 {expires}。令牌仅显示一次:"
                )
                self.stdout.write(issued.key)
            elif action == "list":
                user = services.find_user(options["username"])
                for token in ApiToken.objects.filter(user=user):
                    state = "有效" if token.is_active else ("已吊销" if token.revoked_at else "已过期")
                    self.stdout.write(f"{token.prefix}\t{state}\t{token.name}\t{token.created_at:%Y-%m-%d}")
            else:
                matches = list(ApiToken.objects.filter(prefix=options["prefix"]))
                if len(matches) != 1:
                    raise CommandError("token_unknown: 没有唯一匹配该前缀的令牌")
                services.revoke_token(None, matches[0])
                self.stdout.write(f"已吊销令牌 {matches[0].prefix}…")
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
