"""Investment attraction (招商引资): the pipeline from lead to production and the four libraries.

- ``InvestmentProject`` (项目库) moves through the stage table; every move is an
  ``InvestmentStageChange`` row, and any "as of" figure is computed from those rows.
- ``Lead`` (线索) is what towns' 小分队, groups and squads report; 首报制 marks a lead or project
  whose investor is already in the pipeline as a duplicate of the first report.
- ``FollowUp`` (跟进记录), ``FundsInPlace`` (到位资金), ``InvestmentCard`` (红黄牌), and
  ``EventEntry`` (an investment project at a collective signing event).
- The other three libraries: ``TargetCompany`` (企业库), ``Resource`` (资源库), ``Policy`` with its
  ``PolicyClause`` (政策库).
- Reference data per district: ``IndustryChain`` (key industries and their chains), ``FocusArea``
  (重点区域: groups of regions), ``Team`` (招商组, 产业链专班, 镇街招商小分队), ``PipelineSettings``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.choices import Role
from tiaodu.cases.choices import Card
from tiaodu.core.concurrency import VersionedModel
from tiaodu.core.models import LocatedModel, ScopedModel, TimeStampedModel
from tiaodu.core.permissions import Scope
from tiaodu.investment.choices import (
    DEFAULT_FOLLOW_UP_DAYS,
    DEFAULT_NOT_STARTED_MONTHS,
    DuplicateStatus,
    EnterpriseSize,
    FollowLevel,
    FollowUpKind,
    FundSource,
    InvestmentCardReason,
    LeadStatus,
    ResourceKind,
    ResourceStatus,
    Source,
    Stage,
    TargetKind,
    TeamKind,
    TerminationReason,
)

# Who may do what to the pipeline. 招商投资局 and the other departments see the district's
# pipeline and change what is assigned to them; groups and squads (squad role) work their team's
# projects; towns add leads and see the stage of the projects they reported (the amounts and
# follow-ups of the pipeline are commercial secrets: see ``confidential``); leaders read.
PROJECT_ACTIONS = {
    "leader": "view",
    "department": "view add change",
    "squad": "view add change",
    "town": "view",
}
LEAD_ACTIONS = {
    "leader": "view",
    "department": "view add change",
    "squad": "view add change",
    "town": "view add change",
}
# Reference data and the libraries: the district reads them, departments keep them.
LIBRARY_ACTIONS = {
    "leader": "view",
    "department": "view add change",
    "squad": "view",
    "town": "view",
}


def _district() -> Any:
    """The district (区县) a row of the pipeline or a library belongs to."""
    return models.ForeignKey(
        "regions.Region", verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="+"
    )


def _person(label: Any) -> Any:
    """An optional link to a user (组长, 产业链长, 录入人 …); the row stays when the user goes."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


def _district_scope(actions: dict[str, str], orgs: tuple[str, ...] = ()) -> Scope:
    """Rows that belong to a district (``region``): everyone of the district reads them."""
    return Scope(region="region", district_wide=True, orgs=orgs, actions=actions)


class IndustryChain(TimeStampedModel, ScopedModel):
    """A key industry (no parent) or one of its chains (产业链, parent = the industry)."""

    region = _district()
    name = models.CharField(_("名称"), max_length=64)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("所属重点产业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chains",
    )
    chain_leader = _person(_("产业链长"))
    chain_leader_name = models.CharField(_("产业链长(姓名职务)"), max_length=64, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    scope = _district_scope(LIBRARY_ACTIONS)

    class Meta:
        ordering = ["region", "order", "name", "pk"]
        verbose_name = _("产业链")
        verbose_name_plural = _("产业链")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="chain_region_name")]

    def __str__(self) -> str:
        return self.name


class FocusArea(TimeStampedModel, ScopedModel):
    """A 重点区域 (粤港澳大湾区, 长三角 …): a configurable group of provinces and cities, by code."""

    region = _district()
    name = models.CharField(_("名称"), max_length=32)
    region_codes = models.JSONField(
        _("包含地区代码"), default=list, help_text=_("省级或地市级区划代码,如 440000、310000")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    scope = _district_scope(LIBRARY_ACTIONS)

    class Meta:
        ordering = ["region", "order", "name", "pk"]
        verbose_name = _("重点区域")
        verbose_name_plural = _("重点区域")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="focusarea_region_name")]

    def __str__(self) -> str:
        return self.name


class Team(TimeStampedModel, ScopedModel):
    """A 招商组 (区域/产业), 产业链专班 or 镇街招商小分队. Its members are the members of its squad
    organisation (``organization``), which is how squad users reach the team's projects."""

    region = _district()
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=12, choices=TeamKind.choices, db_index=True)
    township = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属镇街"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("镇街招商小分队填写"),
    )
    focus_area = models.ForeignKey(
        FocusArea,
        verbose_name=_("负责区域"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams",
    )
    chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("负责产业链"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("对应专班/单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    leader = _person(_("组长"))
    leader_name = models.CharField(_("组长(姓名职务)"), max_length=64, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    scope = Scope(
        region="region",
        district_wide=True,
        squads=("organization",),
        users=("leader",),
        actions=LIBRARY_ACTIONS,
    )

    class Meta:
        ordering = ["region", "kind", "name", "pk"]
        verbose_name = _("招商组")
        verbose_name_plural = _("招商组")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="team_region_name")]

    def __str__(self) -> str:
        return self.name


class PipelineSettings(TimeStampedModel, ScopedModel):
    """A district's pipeline rules: days without follow-up before a card, per stage; months after
    signing before a project not started gets a card."""

    region = models.OneToOneField(
        "regions.Region", verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="+"
    )
    follow_up_days = models.PositiveSmallIntegerField(_("未跟进挂牌天数"), default=DEFAULT_FOLLOW_UP_DAYS)
    follow_up_days_by_stage = models.JSONField(
        _("分阶段未跟进天数"), default=dict, blank=True, help_text=_('如 {"to_sign": 15}')
    )
    not_started_months = models.PositiveSmallIntegerField(
        _("签约后未开工挂牌月数"), default=DEFAULT_NOT_STARTED_MONTHS
    )
    # Signing probabilities per stage used by the forecast until a stage has enough closed projects.
    default_probabilities = models.JSONField(_("默认签约概率"), default=dict, blank=True)

    scope = _district_scope({"leader": "view", "department": "view change", "squad": "view", "town": "view"})

    class Meta:
        verbose_name = _("招商管理设置")
        verbose_name_plural = _("招商管理设置")

    def __str__(self) -> str:
        return f"{self.region} 招商管理设置"


# --- The pipeline (项目库) -------------------------------------------------------------------------


class InvestorFields(models.Model):
    """Who invests: the company name as written, its normalised key (for 首报制 matching) and its
    credit code when it has one."""

    investor_name = models.CharField(_("投资方"), max_length=128)
    investor_key = models.CharField(
        _("投资方归一名称"), max_length=128, db_index=True, editable=False, help_text=_("用于查重")
    )
    investor_credit_code = models.CharField(_("投资方信用代码"), max_length=18, blank=True, db_index=True)

    class Meta:
        abstract = True


class InvestmentProject(TimeStampedModel, ScopedModel, VersionedModel, InvestorFields):
    region = _district()
    name = models.CharField(_("项目名称"), max_length=128)
    investor_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("投资方所在地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("产业链"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    industry_code = models.CharField(_("行业代码"), max_length=8, blank=True, help_text=_("GB/T 4754-2017"))
    planned_investment = models.DecimalField(
        _("计划投资额(万元)"), default=0, max_digits=14, decimal_places=2
    )
    agreed_investment = models.DecimalField(
        _("协议投资额(万元)"),
        null=True,
        blank=True,
        help_text=_("签约后填写"),
        max_digits=14,
        decimal_places=2,
    )
    land_mu = models.DecimalField(_("用地需求(亩)"), max_digits=10, decimal_places=2, null=True, blank=True)
    expected_output = models.DecimalField(
        _("预计年产值(万元)"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    expected_tax = models.DecimalField(
        _("预计年税收(万元)"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("招商组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    lead_unit = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("招商责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("默认为区招商投资局"),
    )
    first_reporter = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("首报单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_township = models.ForeignKey(
        "regions.Region",
        verbose_name=_("首报镇街"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("由镇街招商小分队首报的项目填写"),
    )
    first_reported_on = models.DateField(_("首报日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.OTHER)
    is_key = models.BooleanField(_("重点项目"), default=False, db_index=True)
    follow_level = models.CharField(
        _("跟进级别"), max_length=8, choices=FollowLevel.choices, default=FollowLevel.GENERAL, db_index=True
    )
    planned_signing_on = models.DateField(_("计划签约日期"), null=True, blank=True)
    stage = models.CharField(
        _("阶段"), max_length=12, choices=Stage.choices, default=Stage.LEAD, db_index=True
    )
    stage_on = models.DateField(_("进入当前阶段日期"), null=True, blank=True)
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    termination_reason = models.CharField(
        _("终止原因"), max_length=12, choices=TerminationReason.choices, blank=True
    )
    key_project = models.OneToOneField(
        "projects.Project",
        verbose_name=_("对应重点项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="investment_project",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("落地企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("疑似重复(首报项目)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duplicate_status = models.CharField(
        _("查重裁定"),
        max_length=12,
        choices=DuplicateStatus.choices,
        blank=True,
        default=DuplicateStatus.NONE,
    )
    last_follow_up_on = models.DateField(_("最近跟进日期"), null=True, blank=True)
    next_follow_up_on = models.DateField(_("计划下次跟进日期"), null=True, blank=True)
    card = models.CharField(_("督办牌"), max_length=8, choices=Card.choices, default=Card.NONE, db_index=True)
    notes = models.TextField(_("备注"), blank=True)
    created_by = _person(_("录入人"))

    scope = Scope(
        region="region",
        town_region="first_township",
        orgs=("lead_unit", "first_reporter"),
        squads=("team__organization",),
        actions=PROJECT_ACTIONS,
    )
    # Fields a town user does not see on a project it reported (commercial secrets): amounts and
    # the negotiation; the list, detail, API and export leave them out for that role.
    confidential = (
        "planned_investment",
        "agreed_investment",
        "land_mu",
        "expected_output",
        "expected_tax",
        "notes",
        "last_follow_up_on",
        "next_follow_up_on",
    )

    class Meta:
        ordering = ["region", "name", "pk"]
        verbose_name = _("招商项目")
        verbose_name_plural = _("招商项目")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="investment_project_region_name"),
            models.CheckConstraint(
                condition=Q(planned_investment__gte=0)
                & (Q(agreed_investment__isnull=True) | Q(agreed_investment__gte=0)),
                name="investment_project_amounts_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "stage"], name="invproject_region_stage"),
            models.Index(fields=["region", "investor_key"], name="invproject_region_investor"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("investment:detail", args=[self.pk])


def _via_project(actions: dict[str, str]) -> Scope:
    return Scope(
        region="project__region",
        orgs=("project__lead_unit", "project__first_reporter"),
        squads=("project__team__organization",),
        actions=actions,
    )


class InvestmentStageChange(ScopedModel):
    """One move of the stage table, dated. The history is the truth: the stage a project had on
    any date is that of its last change on or before the date. ``ended_on`` is the date of the
    project's next change (empty while current); it is filled once, when that change is written,
    so an "as of" count is one range condition. Rows are otherwise append-only."""

    project = models.ForeignKey(
        InvestmentProject, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("原阶段"), max_length=12, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=12, choices=Stage.choices)
    on = models.DateField(_("日期"))
    ended_on = models.DateField(_("下一次变更日期"), null=True, blank=True)
    reason = models.CharField(_("终止原因"), max_length=12, choices=TerminationReason.choices, blank=True)
    actor = _person(_("操作人"))
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope = Scope(
        region="project__region",
        town_region="project__first_township",
        orgs=("project__lead_unit", "project__first_reporter"),
        squads=("project__team__organization",),
        actions={role: "view" for role in PROJECT_ACTIONS} | {"department": "view add", "squad": "view add"},
    )

    class Meta:
        ordering = ["project", "on", "pk"]
        verbose_name = _("招商项目阶段变更")
        verbose_name_plural = _("招商项目阶段变更")
        indexes = [
            models.Index(fields=["project", "on"], name="invstage_project_on"),
            models.Index(fields=["to_stage", "on", "ended_on"], name="invstage_stage_span"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.from_stage}→{self.to_stage} {self.on}"


class Lead(TimeStampedModel, ScopedModel, InvestorFields):
    """A 信息线索 reported by a town's 小分队, a group or a squad; assigned to a group, converted into
    a project, or marked a duplicate of the first report (首报制)."""

    region = _district()
    content = models.TextField(_("线索内容"))
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.TOWN_TEAM)
    reporter = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("报送单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reporting_team = models.ForeignKey(
        Team,
        verbose_name=_("报送小分队/组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_leads",
    )
    township = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属镇街"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_on = models.DateField(_("报送日期"), db_index=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("接收招商组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("产业链"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    estimated_investment = models.DecimalField(
        _("预计投资额(万元)"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW, db_index=True
    )
    project = models.ForeignKey(
        InvestmentProject,
        verbose_name=_("转化项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    duplicate_of_lead = models.ForeignKey(
        "self",
        verbose_name=_("疑似重复(首报线索)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duplicate_of_project = models.ForeignKey(
        InvestmentProject,
        verbose_name=_("疑似重复(在库项目)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duplicate_status = models.CharField(
        _("查重裁定"),
        max_length=12,
        choices=DuplicateStatus.choices,
        blank=True,
        default=DuplicateStatus.NONE,
    )
    decided_by = _person(_("裁定人"))
    decided_on = models.DateField(_("裁定日期"), null=True, blank=True)
    decision_note = models.CharField(_("裁定说明"), max_length=255, blank=True)
    created_by = _person(_("录入人"))

    scope = Scope(
        region="region",
        town_region="township",
        orgs=("reporter",),
        squads=("team__organization", "reporting_team__organization"),
        users=("created_by",),
        actions=LEAD_ACTIONS,
    )

    class Meta:
        ordering = ["-reported_on", "-pk"]
        verbose_name = _("招商线索")
        verbose_name_plural = _("招商线索")
        indexes = [models.Index(fields=["region", "investor_key"], name="lead_region_investor")]

    def __str__(self) -> str:
        return f"{self.investor_name}({self.reported_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("investment:lead-detail", args=[self.pk])


NO_TOWN = {role: acts for role, acts in PROJECT_ACTIONS.items() if role != "town"}


class FollowUp(TimeStampedModel, ScopedModel):
    """跟进记录: a visit, inspection, talk, call or promotion event on a project, with its outcome and
    the next step."""

    project = models.ForeignKey(
        InvestmentProject, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    kind = models.CharField(_("跟进方式"), max_length=12, choices=FollowUpKind.choices)
    on = models.DateField(_("跟进日期"), db_index=True)
    people = models.CharField(_("跟进人"), max_length=128)
    outcome = models.TextField(_("跟进情况"))
    next_step = models.CharField(_("下一步工作"), max_length=255, blank=True)
    next_on = models.DateField(_("计划下次跟进日期"), null=True, blank=True)
    created_by = _person(_("录入人"))

    scope = _via_project(NO_TOWN)

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("跟进记录")
        verbose_name_plural = _("跟进记录")

    def __str__(self) -> str:
        return f"{self.project} {self.get_kind_display()} {self.on}"


class FundsInPlace(TimeStampedModel, ScopedModel):
    """到位资金 of one project in one month from one source (万元)."""

    project = models.ForeignKey(
        InvestmentProject, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="funds"
    )
    month = models.DateField(_("年月"), help_text=_("当月1日"))
    amount = models.DecimalField(
        _("到位资金(万元)"), validators=[MinValueValidator(0)], max_digits=14, decimal_places=2
    )
    source = models.CharField(_("资金来源"), max_length=12, choices=FundSource.choices)
    created_by = _person(_("录入人"))

    scope = _via_project(NO_TOWN)

    class Meta:
        ordering = ["project", "month", "source"]
        verbose_name = _("到位资金")
        verbose_name_plural = _("到位资金")
        constraints = [
            models.UniqueConstraint(fields=["project", "month", "source"], name="funds_project_month_source"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="funds_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["month"], name="funds_month")]

    def __str__(self) -> str:
        return f"{self.project} {self.month:%Y-%m} {self.amount}"


class InvestmentCard(ScopedModel):
    """A card hung on a project by the sweep: no follow-up for too long, a missed next date, or
    signed and not started (履约). Lifted when the cause goes; the history stays."""

    project = models.ForeignKey(
        InvestmentProject, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="cards"
    )
    reason_kind = models.CharField(_("挂牌原因"), max_length=16, choices=InvestmentCardReason.choices)
    card = models.CharField(_("督办牌"), max_length=8, choices=Card.choices)
    reason = models.CharField(_("说明"), max_length=255)
    issued_on = models.DateField(_("挂牌日期"))
    lifted_on = models.DateField(_("摘牌日期"), null=True, blank=True)

    scope = _via_project({role: "view" for role in NO_TOWN})

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("招商项目督办牌")
        verbose_name_plural = _("招商项目督办牌")
        indexes = [models.Index(fields=["project", "lifted_on"], name="invcard_project_open")]
        # One open card of a colour per cause: two sweeps running at once cannot both hang it.
        constraints = [
            models.UniqueConstraint(
                fields=["project", "reason_kind", "card"],
                condition=Q(lifted_on__isnull=True),
                name="invcard_one_open_per_cause",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.get_card_display()} {self.issued_on}"


class EventEntry(ScopedModel):
    """An investment project signed at a collective event (集中签约/云签约). The 协议投资额 is the
    project's when it was added, so the event's totals do not drift."""

    event = models.ForeignKey(
        "events.CollectiveEvent",
        verbose_name=_("活动"),
        on_delete=models.CASCADE,
        related_name="investment_entries",
    )
    project = models.ForeignKey(
        InvestmentProject, verbose_name=_("招商项目"), on_delete=models.PROTECT, related_name="event_entries"
    )
    investment = models.DecimalField(_("协议投资额(万元)"), default=0, max_digits=14, decimal_places=2)

    scope = _via_project({"leader": "view", "department": "view add change", "squad": "view"})

    class Meta:
        ordering = ["event", "project__name", "pk"]
        verbose_name = _("活动招商项目")
        verbose_name_plural = _("活动招商项目")
        constraints = [models.UniqueConstraint(fields=["event", "project"], name="event_investment_once")]

    def __str__(self) -> str:
        return f"{self.event} {self.project}"


# --- The other three libraries (四库) ------------------------------------------------------------

PUBLIC_LIBRARY = {role.value: "view" for role in Role} | {"department": "view add change"}


class TargetCompany(TimeStampedModel, ScopedModel, InvestorFields):
    """企业库: a company the district wants to attract (500强, 链主 …), usually outside the district;
    linked to the enterprise registry once it registers here. ``investor_*`` are its own name,
    key and credit code, so the pipeline's duplicate check sees it."""

    region = _district()
    kind = models.CharField(_("类别"), max_length=16, choices=TargetKind.choices, default=TargetKind.OTHER)
    home_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("总部所在地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("产业链"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    industry_code = models.CharField(_("行业代码"), max_length=8, blank=True)
    description = models.TextField(_("企业简介"), blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("对接招商组"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("区内注册企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope = _district_scope(LIBRARY_ACTIONS)

    class Meta:
        ordering = ["region", "investor_name", "pk"]
        verbose_name = _("目标企业")
        verbose_name_plural = _("企业库")
        constraints = [
            models.UniqueConstraint(fields=["region", "investor_name"], name="targetcompany_region_name")
        ]

    def __str__(self) -> str:
        return self.investor_name

    def get_absolute_url(self) -> str:
        return reverse("investment:target-detail", args=[self.pk])


class Resource(TimeStampedModel, ScopedModel, LocatedModel):
    """资源库: a land parcel or a standard factory building on offer."""

    region = _district()
    kind = models.CharField(_("类型"), max_length=8, choices=ResourceKind.choices)
    name = models.CharField(_("名称/地块编号"), max_length=128)
    township = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在镇街"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    location = models.CharField(_("位置"), max_length=255, blank=True)
    area_mu = models.DecimalField(_("面积(亩)"), max_digits=10, decimal_places=2, null=True, blank=True)
    floor_area = models.DecimalField(
        _("建筑面积(平方米)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    price = models.DecimalField(_("价格"), max_digits=12, decimal_places=2, null=True, blank=True)
    price_unit = models.CharField(
        _("价格单位"), max_length=16, blank=True, help_text=_("如 万元/亩、元/平方米·月")
    )
    zoning = models.CharField(_("用地性质/规划用途"), max_length=64, blank=True)
    available_from = models.DateField(_("可供日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ResourceStatus.choices,
        default=ResourceStatus.AVAILABLE,
        db_index=True,
    )
    project = models.ForeignKey(
        InvestmentProject,
        verbose_name=_("意向/落地项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
    )
    notes = models.TextField(_("备注"), blank=True)

    scope = _district_scope(LIBRARY_ACTIONS)

    class Meta:
        ordering = ["region", "kind", "name", "pk"]
        verbose_name = _("载体资源")
        verbose_name_plural = _("资源库")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="resource_region_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("investment:resource-detail", args=[self.pk])


class Policy(TimeStampedModel, ScopedModel):
    """政策库: a policy document with its clauses, the industries and enterprise sizes it applies to
    and its validity. ``region`` is the district that keeps it in its library (a city or national
    policy is kept by each district that uses it)."""

    region = _district()
    title = models.CharField(_("政策名称"), max_length=255)
    issuer = models.CharField(_("发文机关"), max_length=128)
    doc_number = models.CharField(_("文号"), max_length=64, blank=True)
    issued_on = models.DateField(_("发文日期"), null=True, blank=True)
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_until = models.DateField(_("有效期止"), null=True, blank=True)
    industries = models.ManyToManyField(
        IndustryChain, verbose_name=_("适用产业"), blank=True, related_name="+"
    )
    industry_codes = models.CharField(
        _("适用行业代码"), max_length=255, blank=True, help_text=_("GB/T 4754 门类或大类代码,逗号分隔")
    )
    sizes = models.JSONField(
        _("适用企业规模"), default=list, blank=True, help_text=_("大型、中型、小型、微型;空表示不限")
    )
    summary = models.TextField(_("摘要"), blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    # Policies are public documents: every user may read every district's library.
    scope = Scope(region="region", district_wide=True, public_read=True, actions=PUBLIC_LIBRARY)

    class Meta:
        ordering = ["region", "-issued_on", "title", "pk"]
        verbose_name = _("政策")
        verbose_name_plural = _("政策库")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "doc_number"], condition=~Q(doc_number=""), name="policy_region_docnumber"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}({self.doc_number})" if self.doc_number else self.title

    def get_absolute_url(self) -> str:
        return reverse("investment:policy-detail", args=[self.pk])


class PolicyClause(ScopedModel):
    policy = models.ForeignKey(
        Policy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="clauses"
    )
    number = models.CharField(_("条款号"), max_length=16)
    text = models.TextField(_("条款内容"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    scope = Scope(region="policy__region", district_wide=True, public_read=True, actions=PUBLIC_LIBRARY)

    class Meta:
        ordering = ["policy", "order", "pk"]
        verbose_name = _("政策条款")
        verbose_name_plural = _("政策条款")

    def __str__(self) -> str:
        return f"{self.policy} {self.number}"


# Sizes as stored in Policy.sizes, for validation.
SIZE_CODES = EnterpriseSize.values
ROLES_WITH_SECRETS = {Role.ADMIN, Role.LEADER, Role.DEPARTMENT, Role.SQUAD}
