"""Key projects (重点项目): the project library, stage history, milestones and their templates."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.choices import Role
from tiaodu.cases.choices import Card
from tiaodu.core.concurrency import VersionedModel
from tiaodu.core.models import LocatedModel, ScopedModel, TimeStampedModel
from tiaodu.core.permissions import Scope
from tiaodu.orgs.choices import OrgKind
from tiaodu.projects.choices import (
    BondField,
    Funding,
    MilestoneKind,
    ProjectCategory,
    ProjectKind,
    ProjectLevel,
    Stage,
)

PROJECT_ACTIONS = {
    "leader": "view change",
    "department": "view add change",
    "town": "view add change",
    "squad": "view change",
    "owner": "view change",
}


class Project(TimeStampedModel, ScopedModel, VersionedModel, LocatedModel):
    name = models.CharField(_("项目名称"), max_length=128)
    code = models.CharField(
        _("项目代码"), max_length=64, blank=True, help_text=_("审批监管平台项目代码,可留空")
    )
    level = models.CharField(
        _("项目级别"),
        max_length=16,
        choices=ProjectLevel.choices,
        default=ProjectLevel.DISTRICT,
        db_index=True,
    )
    kind = models.CharField(
        _("项目类型"), max_length=16, choices=ProjectKind.choices, default=ProjectKind.NEW, db_index=True
    )
    category = models.CharField(
        _("项目类别"), max_length=16, choices=ProjectCategory.choices, default=ProjectCategory.INDUSTRY
    )
    industry_code = models.CharField(_("行业代码"), max_length=8, blank=True, help_text=_("GB/T 4754-2017"))
    township = models.ForeignKey(
        "regions.Region", verbose_name=_("所属镇街"), on_delete=models.PROTECT, related_name="+"
    )
    outline = models.TextField(_("项目范围"), blank=True, help_text=_("GeoJSON 面要素,可留空"))
    owner = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("业主单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrgKind.OWNER},
    )
    responsible_unit = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包保领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    squad = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("服务专班"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"kind": OrgKind.SQUAD},
    )
    total_investment = models.DecimalField(_("总投资(万元)"), max_digits=14, decimal_places=2, default=0)
    annual_plan = models.DecimalField(_("年度计划投资(万元)"), max_digits=14, decimal_places=2, default=0)
    investment_completed = models.DecimalField(
        _("累计完成投资(万元)"), max_digits=14, decimal_places=2, default=0
    )
    funding = models.CharField(
        _("资金来源"), max_length=16, choices=Funding.choices, default=Funding.SOCIAL, db_index=True
    )
    bond_field = models.CharField(_("专项债领域"), max_length=16, choices=BondField.choices, blank=True)
    is_intelligent_upgrade = models.BooleanField(_("智能化改造"), default=False, db_index=True)

    stage = models.CharField(
        _("阶段"), max_length=16, choices=Stage.choices, default=Stage.RESERVE, db_index=True
    )
    # The stage a suspended project left (it returns there when work resumes).
    suspended_from = models.CharField(_("停建前阶段"), max_length=16, choices=Stage.choices, blank=True)
    reserved_on = models.DateField(_("入库日期"), null=True, blank=True)
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    landed_on = models.DateField(_("落地日期"), null=True, blank=True)
    started_on = models.DateField(_("实际开工日期"), null=True, blank=True)
    building_on = models.DateField(_("转入在建日期"), null=True, blank=True)
    completed_on = models.DateField(_("实际竣工日期"), null=True, blank=True)
    operating_on = models.DateField(_("投产日期"), null=True, blank=True)
    full_production_on = models.DateField(_("达产日期"), null=True, blank=True)
    suspended_on = models.DateField(_("停建日期"), null=True, blank=True)
    cancelled_on = models.DateField(_("取消日期"), null=True, blank=True)
    card = models.CharField(
        _("督办牌"),
        max_length=8,
        choices=Card.choices,
        default=Card.NONE,
        db_index=True,
        help_text=_("项目当前最重的督办牌(节点逾期或问题逾期),由督办扫描维护"),
    )
    planned_start = models.DateField(_("计划开工日期"), null=True, blank=True)
    planned_completion = models.DateField(_("计划竣工日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    scope = Scope(
        region="township",
        orgs=("owner", "responsible_unit"),
        squads=("squad",),
        users=("leader",),
        actions=PROJECT_ACTIONS,
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("重点项目")
        verbose_name_plural = _("重点项目")
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="project_code_unique"),
        ]
        indexes = [models.Index(fields=["township", "stage"], name="project_township_stage")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.pk])


def _via_project(actions: dict[str, str]) -> Scope:
    return Scope(
        region="project__township",
        orgs=("project__owner", "project__responsible_unit"),
        squads=("project__squad",),
        users=("project__leader",),
        actions=actions,
    )


class StageChange(ScopedModel):
    """One move in the stage table. Append-only: rows are written by ``services.change_stage``."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("原阶段"), max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=16, choices=Stage.choices)
    on = models.DateField(_("日期"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope = _via_project({role: "view add" for role, acts in PROJECT_ACTIONS.items() if "change" in acts})

    class Meta:
        ordering = ["project", "on", "pk"]
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")

    def __str__(self) -> str:
        before = self.get_from_stage_display() if self.from_stage else "—"
        return f"{self.project} {before}→{self.get_to_stage_display()} {self.on}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("StageChange rows are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Milestone(TimeStampedModel, ScopedModel):
    """A preparatory or construction milestone, planned (often by backward scheduling) and actual."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="milestones"
    )
    kind = models.CharField(_("节点类型"), max_length=24, choices=MilestoneKind.choices)
    name = models.CharField(_("节点名称"), max_length=64)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    duration_days = models.PositiveIntegerField(_("工期(天)"), default=0)
    planned_on = models.DateField(_("计划完成日期"))
    actual_on = models.DateField(_("实际完成日期"), null=True, blank=True)
    is_critical = models.BooleanField(_("关键节点"), default=False)
    yellow_after_days = models.PositiveSmallIntegerField(
        _("逾期几个工作日挂黄牌"), default=0, help_text=_("0 = 过了计划完成日期即挂黄牌")
    )
    red_after_days = models.PositiveSmallIntegerField(_("逾期几个工作日挂红牌"), default=15)
    card = models.CharField(_("督办牌"), max_length=8, choices=Card.choices, default=Card.NONE)
    yellow_count = models.PositiveSmallIntegerField(_("黄牌次数"), default=0)

    scope = _via_project(
        {role: "view add change" if "change" in acts else "view" for role, acts in PROJECT_ACTIONS.items()}
    )

    class Meta:
        ordering = ["project", "order", "planned_on", "pk"]
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")

    def __str__(self) -> str:
        return f"{self.project} {self.name}"

    @property
    def planned_from(self) -> date:
        """When work towards this milestone is planned to begin."""
        from datetime import timedelta

        return self.planned_on - timedelta(days=self.duration_days)

    def slippage(self, today: date | None = None) -> int:
        """Days late: actual (or, while open, today) minus planned; early completions are negative,
        open milestones not yet due are 0."""
        if self.actual_on is not None:
            return (self.actual_on - self.planned_on).days
        today = today or timezone.localdate()
        return max(0, (today - self.planned_on).days)


class MilestoneTemplate(ScopedModel):
    """One step of the backward-scheduling template of a project kind (reference data)."""

    project_kind = models.CharField(_("项目类型"), max_length=16, choices=ProjectKind.choices)
    milestone_kind = models.CharField(_("节点类型"), max_length=24, choices=MilestoneKind.choices)
    order = models.PositiveSmallIntegerField(_("顺序"))
    duration_days = models.PositiveIntegerField(_("工期(天)"), help_text=_("自上一节点完成起所需天数"))
    yellow_after_days = models.PositiveSmallIntegerField(_("逾期几个工作日挂黄牌"), default=0)
    red_after_days = models.PositiveSmallIntegerField(_("逾期几个工作日挂红牌"), default=15)

    scope = Scope(public_read=True, actions={role.value: "view" for role in Role})

    class Meta:
        ordering = ["project_kind", "order"]
        verbose_name = _("倒排工期模板")
        verbose_name_plural = _("倒排工期模板")
        constraints = [
            models.UniqueConstraint(
                fields=["project_kind", "milestone_kind"], name="milestone_template_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_project_kind_display()} {self.get_milestone_kind_display()}"


class ProjectCard(ScopedModel):
    """A card hung on a project and its responsible unit (挂牌督办), from a late milestone or a late
    project problem; lifted (摘牌) when the cause is resolved. The history stays."""

    class Source(models.TextChoices):
        MILESTONE = "milestone", _("节点逾期")
        PROBLEM = "problem", _("问题逾期")

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="cards", db_index=False
    )
    responsible_unit = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    milestone = models.ForeignKey(
        Milestone, verbose_name=_("节点"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("问题"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    card = models.CharField(_("督办牌"), max_length=8, choices=Card.choices)
    reason = models.CharField(_("原因"), max_length=255)
    issued_on = models.DateField(_("挂牌日期"))
    lifted_on = models.DateField(_("摘牌日期"), null=True, blank=True)

    scope = _via_project({role: "view" for role in PROJECT_ACTIONS})

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("项目督办牌")
        verbose_name_plural = _("项目督办牌")
        indexes = [models.Index(fields=["project", "lifted_on"], name="projectcard_project_open")]

    def __str__(self) -> str:
        return f"{self.project} {self.get_card_display()} {self.issued_on}"
