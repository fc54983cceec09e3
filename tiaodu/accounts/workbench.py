"""账号与令牌 on the workbench: the user's own API tokens about to expire, and (administrators)
the accounts locked out by failed logins right now, each linking to the account's page (解锁)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tiaodu.accounts.choices import Role
from tiaodu.accounts.lockout import cool_off_start
from tiaodu.accounts.models import ApiToken, User
from tiaodu.core import workbench

TOKEN_WARNING_DAYS = 14
LOCKED_LINES = 5  # at most this many locked accounts are listed, one line each


@workbench.provider("accounts", order=95)
def tokens_expiring(ctx: workbench.Context) -> Iterator[workbench.Item]:
    now = timezone.now()
    rows = ApiToken.objects.filter(
        user=ctx.user,
        revoked_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + timedelta(days=TOKEN_WARNING_DAYS),
    ).order_by("expires_at")
    first = rows.first()
    if first is None or first.expires_at is None:
        return
    yield workbench.Task(
        _("即将过期的API令牌"),
        rows.count(),
        reverse("accounts:tokens"),
        severity="warning",
        hint=_("最早于%(when)s过期，请及时签发新令牌")
        % {"when": f"{timezone.localtime(first.expires_at):%Y-%m-%d %H:%M}"},
    )


@workbench.provider("accounts", order=96)
def locked_accounts(ctx: workbench.Context) -> Iterator[workbench.Item]:
    user = ctx.user
    if not (user.is_superuser or user.role == Role.ADMIN):
        return
    locked = [
        row["username"]
        for row in AccessAttempt.objects.filter(attempt_time__gte=cool_off_start())
        .values("username")
        .annotate(n=Sum("failures_since_start"))
        .order_by("username")
        if row["n"] >= settings.AXES_FAILURE_LIMIT
    ]
    known = dict(User.objects.filter(username__in=locked).values_list("username", "pk"))
    for username in [u for u in locked if u in known][:LOCKED_LINES]:
        yield workbench.Task(
            _("账号已锁定：%(username)s") % {"username": username},
            1,
            reverse("accounts:user_detail", args=[known[username]]),
            severity="danger",
            hint=_("连续登录失败，可在账号页面解除锁定"),
        )
