"""Abstract bases shared by every app, and the history of tabular imports (ImportBatch)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.choices import Role
from tiaodu.core.permissions import Scope, ScopedQuerySet


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class ScopedModel(models.Model):
    """A model whose rows are reached only through ``objects.restrict(user, action)``.

    Subclasses set ``scope`` (a :class:`tiaodu.core.permissions.Scope`).
    """

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    SUCCEEDED = "succeeded", _("成功")
    PARTIAL = "partial", _("部分成功")
    FAILED = "failed", _("失败")


class ImportBatch(ScopedModel):
    """One run of a tabular import (``tiaodu import`` or an import page), kept as history.

    An inline import (the CLI, a small upload) writes it once, after the import's own transaction
    has committed or rolled back, so failed imports are recorded too. A large upload runs as a
    background task (``tiaodu.core.jobs``): its batch is created at once as 排队中, becomes 导入中
    when a worker starts it and gets its outcome at the end; the rows done meanwhile are kept
    outside the database (ADR 0031). Its audit entry is the summary of the bulk writes, which
    django-auditlog does not see row by row.
    """

    kind = models.CharField(_("导入类型"), max_length=32, db_index=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    partial = models.BooleanField(_("跳过错误行"), default=False)
    status = models.CharField(_("结果"), max_length=16, choices=ImportStatus.choices)
    code = models.CharField(_("结果代码"), max_length=64, blank=True)
    message = models.CharField(_("说明"), max_length=255, blank=True)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    skipped_count = models.PositiveIntegerField(_("跳过"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    # The first errors (row, field, code, message); error_count says how many there were.
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    elapsed_ms = models.PositiveIntegerField(_("耗时(毫秒)"), default=0)
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True, db_index=True)
    # Background imports: the rows of the uploaded file (counted at upload, header included),
    # the task that runs it, and when it started and ended.
    rows_total = models.PositiveIntegerField(_("文件行数"), default=0)
    task_id = models.CharField(_("后台任务"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    # Everyone sees the imports they ran; administrators see all.
    scope = Scope(users=("user",), actions={role.value: "view" for role in Role})

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"

    @property
    def kind_label(self) -> str:
        from tiaodu.core.imports import importer_title

        return importer_title(self.kind)

    @property
    def in_progress(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
