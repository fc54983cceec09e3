"""The closed-loop case engine: cases, their timeline, cards, attachments and the work calendar.

One ``Case`` table serves every workflow (enterprise appeals now; project problems and safety
hazards later), so that due dates, 红黄牌 escalation and the sweep are built once, set-based.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tiaodu.cases.choices import Card, EventKind
from tiaodu.core.concurrency import VersionedModel
from tiaodu.core.models import ScopedModel, TimeStampedModel
from tiaodu.core.permissions import Scope


class WorkDay(models.Model):
    """The official calendar: weekends, public holidays and adjusted working days (调休).

    ``workday_index`` counts working days from the start of the table, so "N working days
    after D" and "working days between" are single indexed lookups, usable inside SQL.
    """

    date = models.DateField(primary_key=True)
    is_workday = models.BooleanField(_("工作日"))
    holiday_name = models.CharField(_("节假日"), max_length=32, blank=True)
    workday_index = models.PositiveIntegerField(_("工作日序号"), db_index=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_workday else '休息日'}"


class CaseCategory(TimeStampedModel, ScopedModel):
    """A kind of case within a workflow, with its default handler and time limit."""

    workflow = models.CharField(_("办理流程"), max_length=32, db_index=True)
    code = models.CharField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    department = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("默认责任部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    time_limit_days = models.PositiveSmallIntegerField(_("办理时限(工作日)"), default=10)
    yellow_after_days = models.PositiveSmallIntegerField(
        _("逾期几个工作日挂黄牌"), default=0, help_text=_("0 = 过了办理期限即挂黄牌")
    )
    red_after_days = models.PositiveSmallIntegerField(
        _("逾期几个工作日挂红牌"), default=5, help_text=_("或已挂过黄牌的事项再次逾期")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    scope = Scope(
        public_read=True,
        actions={r: "view" for r in ("leader", "department", "town", "squad", "enterprise", "owner")},
    )

    class Meta:
        ordering = ["workflow", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "code"], name="casecategory_workflow_code")
        ]
        verbose_name = _("办理类别")
        verbose_name_plural = _("办理类别")

    def __str__(self) -> str:
        return self.name


class Case(TimeStampedModel, ScopedModel, VersionedModel):
    workflow = models.CharField(_("办理流程"), max_length=32, db_index=True)
    number = models.CharField(_("编号"), max_length=32, unique=True)
    category = models.ForeignKey(
        CaseCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="cases"
    )
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("内容"))
    state = models.CharField(_("状态"), max_length=32, db_index=True)
    source = models.CharField(_("来源"), max_length=32, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属地区"), on_delete=models.PROTECT, related_name="+"
    )
    # The enterprise / unit that raised the case (its users follow and rate it).
    submitter_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("提出单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submitted_cases",
    )
    handling_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
    )
    co_orgs = models.ManyToManyField(
        "orgs.Organization", verbose_name=_("配合部门"), blank=True, related_name="co_handled_cases"
    )
    raised_on = models.DateField(_("提出日期"))
    due_on = models.DateField(_("办结时限"), null=True, blank=True, db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("重新办理时间"), null=True, blank=True)
    resolution = models.TextField(_("办理结果"), blank=True)
    rating = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    rating_note = models.TextField(_("评价意见"), blank=True)
    # Not indexed, like yellow_count / yellow_at / red_at: the sweep changes only these columns, so on
    # PostgreSQL its updates stay on their page (HOT) and touch no index (see migration 0003).
    card = models.CharField(_("督办牌"), max_length=8, choices=Card.choices, default=Card.NONE)
    yellow_at = models.DateField(_("黄牌日期"), null=True, blank=True)
    red_at = models.DateField(_("红牌日期"), null=True, blank=True)
    yellow_count = models.PositiveSmallIntegerField(_("黄牌次数"), default=0)
    is_open = models.BooleanField(_("未办结"), default=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope = Scope(
        region="region",
        orgs=("submitter_org", "handling_org", "co_orgs"),
        # A service squad follows the cases of the enterprises it serves (每个专班联系一批企业).
        # Workflows whose subject is not an enterprise add their own path here.
        squads=("submitter_org__enterprise__squad", "dispatch_reports__project__squad"),
        users=("created_by",),
        actions={
            "leader": "view change",
            "department": "view add change",
            "town": "view add change",
            "squad": "view",
            "enterprise": "view add change",
            "owner": "view add change",
        },
    )

    class Meta:
        ordering = ["-raised_on", "-pk"]
        verbose_name = _("办理事项")
        verbose_name_plural = _("办理事项")
        indexes = [
            models.Index(fields=["workflow", "is_open", "due_on"], name="case_open_due"),
            models.Index(fields=["workflow", "region", "raised_on"], name="case_region_raised"),
            models.Index(fields=["handling_org", "is_open"], name="case_handler_open"),
            # Open311 / list filters: category + status + date window, and date-ordered paging.
            models.Index(fields=["category", "is_open", "raised_on", "id"], name="case_cat_open_raised"),
            models.Index(fields=["workflow", "raised_on", "id"], name="case_wf_raised"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.pk])

    @property
    def state_label(self) -> str:
        from tiaodu.cases.workflow import get_workflow

        return get_workflow(self.workflow).states.get(self.state, self.state)


class CaseEvent(models.Model):
    """The append-only timeline of a case, as users read it.

    The sweep inserts up to two events per case in one statement; a database foreign key would
    add a deferred per-row check (and a row lock on the case) for each, so the link is kept by the
    application (rows are only written for existing cases; deleting a case cascades in Django).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_constraint=False)
    kind = models.CharField(_("类型"), max_length=16, choices=EventKind.choices)
    action = models.CharField(_("操作"), max_length=32, blank=True)
    from_state = models.CharField(_("原状态"), max_length=32, blank=True)
    to_state = models.CharField(_("新状态"), max_length=32, blank=True)
    note = models.TextField(_("说明"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # nothing looks events up by who wrote them
        related_name="+",
    )
    actor_org = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # nothing looks events up by who wrote them
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()} {self.action}".rstrip()


class CardRecord(models.Model):
    """Every card ever issued (挂牌) and when it was lifted (摘牌): the history stays.

    Like CaseEvent, written in bulk by the sweep: no database foreign key, and no index of its own on
    ``case`` (the ``(case, lifted_on)`` index serves lookups by case).
    """

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="card_records", db_constraint=False, db_index=False
    )
    card = models.CharField(_("督办牌"), max_length=8, choices=Card.choices)
    issued_on = models.DateField(_("挂牌日期"))
    lifted_on = models.DateField(_("摘牌日期"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=64)

    class Meta:
        ordering = ["issued_on", "pk"]
        indexes = [models.Index(fields=["case", "lifted_on"], name="cardrecord_case_open")]
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")

    def __str__(self) -> str:
        return f"{self.case_id} {self.card} {self.issued_on}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"cases/{instance.case_id}/{filename}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    content_type = models.CharField(_("类型"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name
