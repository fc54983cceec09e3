"""Abstract bases shared by every app, and the history of tabular imports (ImportBatch)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.choices import Role
from tiaodu.core.permissions import Scope, ScopedQuerySet


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class LocatedModel(models.Model):
    """A point on the map (经度/纬度, decimal degrees); both or neither. The services check that the
    point lies in China and in the row's district (``projects.services.validate_coordinates``)."""

    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )

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


class JobKind(models.TextChoices):
    BULLETIN = "bulletin", _("月通报")
    EXPORT = "export", _("列表导出")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class JobQuerySet(models.QuerySet["Job"]):
    def owned_by(self, user: Any) -> JobQuerySet:
        """The jobs of this user: only the user who started a job sees it (administrators
        included: a result file holds what its owner's scope allowed, ADR 0034)."""
        if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
            return self.none()
        return self.filter(user=user)


class Job(models.Model):
    """Long work whose result is a file (a bulletin, a large list export), run by the background
    worker (``tiaodu.core.file_jobs``, ADR 0034). The file lives under ``DATA_DIR/jobs`` until
    ``expires_at``; the rows done meanwhile are kept outside the database, as for imports."""

    kind = models.CharField(_("类型"), max_length=16, choices=JobKind.choices, db_index=True)
    title = models.CharField(_("名称"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What to produce: the bulletin's region, period, index and format; the export's view, path,
    # query string and URL arguments. Ids and codes only (no personal data).
    params = models.JSONField(_("参数"), default=dict, blank=True)
    language = models.CharField(_("语言"), max_length=16, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    task_id = models.CharField(_("后台任务"), max_length=64, blank=True)
    rows_total = models.PositiveIntegerField(_("总数"), default=0)
    rows_done = models.PositiveIntegerField(_("已完成数"), default=0)
    result_name = models.CharField(_("结果文件"), max_length=64, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=128, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    code = models.CharField(_("结果代码"), max_length=64, blank=True)
    message = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("保留至"), db_index=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("后台生成的文件")
        verbose_name_plural = _("后台生成的文件")
        indexes = [models.Index(fields=["user", "-created_at"], name="core_job_user_created")]

    def __str__(self) -> str:
        return f"{self.kind} {self.title}"

    @property
    def in_progress(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def ready(self) -> bool:
        return self.status == JobStatus.SUCCEEDED and bool(self.result_name)


class DocumentKind(models.TextChoices):
    """The reports issued as official documents (公文), each with its issuing profile."""

    BULLETIN = "bulletin", _("经济运行月通报")
    ENTERPRISES = "enterprises", _("企业服务情况报告")
    PROJECTS = "projects", _("重点项目推进情况报告")
    DISPATCH = "dispatch", _("重点项目调度通报")
    INVESTMENT = "investment", _("招商引资情况报告")
    SAFETY = "safety", _("安全生产执法检查情况通报")
    EMPLOYMENT = "employment", _("稳就业工作情况报告")
    TARGETS = "targets", _("目标任务考核情况通报")


class IssuingProfile(TimeStampedModel, ScopedModel):
    """Who issues a district's report as an official document (GB/T 9704 版头 and 版记): the
    issuing body, its mark, the prefix of its document numbers, the addressees, 抄送 and 印发机关.
    A district without a row for a kind uses the defaults of
    :func:`tiaodu.core.officialdoc.profiles.default_profile` (ADR 0039); administrators edit them."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区县"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("公文类别"), max_length=16, choices=DocumentKind.choices)
    issuer = models.CharField(
        _("发文机关"), max_length=64, help_text=_("全称,例如:重庆市潼南区经济和信息化委员会")
    )
    mark = models.CharField(
        _("发文机关标志"), max_length=64, help_text=_("例如:重庆市潼南区经济和信息化委员会文件")
    )
    number_prefix = models.CharField(
        _("发文字号机关代字"), max_length=16, blank=True, help_text=_("例如:潼经信;空则不标发文字号")
    )
    addressee = models.CharField(_("主送机关"), max_length=255, blank=True)
    cc = models.TextField(_("抄送机关"), blank=True, help_text=_("每行一个"))
    printer = models.CharField(_("印发机关"), max_length=64, blank=True, help_text=_("空则为发文机关办公室"))

    scope = Scope(
        region="region", district_wide=True, actions={"leader": "view", "department": "view", "town": "view"}
    )

    class Meta:
        ordering = ["region", "kind"]
        verbose_name = _("公文发文设置")
        verbose_name_plural = _("公文发文设置")
        constraints = [models.UniqueConstraint(fields=["region", "kind"], name="issuing_profile_region_kind")]

    def __str__(self) -> str:
        return f"{self.region} {self.get_kind_display()}"
