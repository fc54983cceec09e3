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


class TaskRun(models.Model):
    """One finished run of a scheduled background task (the sweep, housekeeping …).

    Written by the worker when the task finishes (``tiaodu.audit.taskruns``); the administrators'
    后台任务 page shows each task's last run and the workbench warns when the sweep is late.
    """

    task = models.CharField(_("任务"), max_length=64)  # the schedule key (``core.tasks.SCHEDULE``)
    result_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"))
    duration = models.FloatField(_("耗时(秒)"))
    ok = models.BooleanField(_("成功"))
    message = models.TextField(_("结果"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["task", "-started_at"], name="audit_taskrun_last")]
        verbose_name = _("后台任务运行")
        verbose_name_plural = _("后台任务运行")

    def __str__(self) -> str:
        return f"{self.task} {self.started_at:%Y-%m-%d %H:%M}"


class ScheduledTask(models.Model):
    """The "last scheduled" marker of one daily task.

    The worker that moves ``scheduled_for`` to today (a conditional UPDATE) is the one that
    enqueues the task, so several workers never enqueue it twice.
    """

    name = models.CharField(_("任务"), max_length=64, primary_key=True)
    scheduled_for = models.DateField(_("计划日期"), null=True, blank=True)
    enqueued_at = models.DateTimeField(_("加入队列时间"), null=True, blank=True)
    result_id = models.CharField(_("任务编号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("计划任务")
        verbose_name_plural = _("计划任务")

    def __str__(self) -> str:
        return self.name
