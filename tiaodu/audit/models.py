"""Security events (logins, lockouts, denied access). Object changes live in auditlog's LogEntry.

Both tables are append-only: the application refuses updates and deletes (see ``guards``), and
the database itself refuses them through triggers (migration 0002).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tiaodu.audit.choices import EventKind


class SecurityEvent(models.Model):
    kind = models.CharField(_("事件"), max_length=32, choices=EventKind.choices, db_index=True)
    # No cascading update: the log must never be rewritten when a user changes.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=255, blank=True)
    path = models.CharField(_("访问路径"), max_length=255, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    detail = models.TextField(_("详情"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("安全事件")
        verbose_name_plural = _("安全事件")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("security events are append-only")
        super().save(*args, **kwargs)
