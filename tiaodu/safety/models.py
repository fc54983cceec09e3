"""Work safety (安全生产): regulated units, inspections, hazards, enforcement, accidents, 双随机 plans.

- Reference data per district: ``Sector`` (行业领域, each with its supervising department — 三管三必须)
  and its ``ChecklistItem`` rows (检查表; some are 重大事故隐患判定 items), ``Campaign`` (专项行动),
  ``JointTeam`` (联合检查组), ``Inspector`` (执法人员 with 执法证), ``SafetySettings``.
- ``Unit`` (生产经营单位): an enterprise of the registry or a unit that is not one (a market, a
  building site — linked to its key project —, a port, a petrol station, a school …).
- ``Inspection`` (检查记录) and its ``Hazard`` rows (隐患). A hazard is a case of the ``hazard``
  workflow on the case engine (``Hazard.case``): due dates, the 红黄牌 sweep and the inbox are the
  engine's. The hazard keeps its own dated history (found, rectified, accepted), from which every
  "as of" figure is computed. ``HazardPlan`` is a 重大隐患's 治理方案; ``HazardPhoto`` its photos.
- ``EnforcementDocument`` (执法文书: 指令书, 复查意见书, 处罚决定书) with its ``PenaltyItem`` rows.
- ``Accident`` (事故): the grade is computed from the casualties and the loss, never typed.
- ``InspectionPlan`` (双随机 plan), its drawn ``PlanVisit`` rows and ``JointVisit`` (综合查一次).

Located facts carry both their ``district`` (区县; unique numbers and fast district filters) and
their ``township`` (镇街; the permission scope of towns). Facts also keep the ``sector`` they had
when recorded, so a unit moved to another sector later does not rewrite history.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tiaodu.core.concurrency import VersionedModel
from tiaodu.core.models import LocatedModel, ScopedModel, TimeStampedModel
from tiaodu.core.permissions import Scope
from tiaodu.safety.choices import (
    DEFAULT_ACCEPTANCE_DAYS,
    DEFAULT_INSPECTORS_PER_VISIT,
    DEFAULT_RECENT_DAYS,
    DEFAULT_RECTIFY_DAYS,
    DEFAULT_YEARLY_CAP,
    RISK_COLOURS,
    AccidentGrade,
    DocumentKind,
    HazardGrade,
    InspectionKind,
    PenaltyKind,
    PhotoStage,
    PlanStatus,
    RectifyMode,
    RiskLevel,
    UnitType,
)

# Who may do what. 应急管理局 and the sector departments (department role) read the district and
# keep what their organisation inspects or supervises; town safety offices keep their township;
# enterprises read their own unit and hazards, rectify them and file self-inspections; leaders read.
REFERENCE_ACTIONS = {"leader": "view", "department": "view add change", "town": "view"}
UNIT_ACTIONS = {
    "leader": "view",
    "department": "view add change",
    "town": "view add change",
    "enterprise": "view",
}
INSPECTION_ACTIONS = {
    "leader": "view",
    "department": "view add change",
    "town": "view add change",
    "enterprise": "view add",
}
HAZARD_ACTIONS = {
    "leader": "view",
    "department": "view add change",
    "town": "view add change",
    "enterprise": "view change",
}
ENFORCEMENT_ACTIONS = {
    "leader": "view",
    "department": "view add change",
    "town": "view",
    "enterprise": "view",
}
ACCIDENT_ACTIONS = {"leader": "view", "department": "view add change", "town": "view add change"}
PLAN_ACTIONS = {"leader": "view", "department": "view add change"}


def _district() -> Any:
    return models.ForeignKey(
        "regions.Region", verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="+"
    )


def _township() -> Any:
    return models.ForeignKey(
        "regions.Region", verbose_name=_("所属镇街"), on_delete=models.PROTECT, related_name="+"
    )


def _org(label: Any, *, null: bool = False, related_name: str = "+") -> Any:
    return models.ForeignKey(
        "orgs.Organization",
        verbose_name=label,
        null=null,
        blank=null,
        on_delete=models.PROTECT,
        related_name=related_name,
    )


def _person(label: Any) -> Any:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


def _sector() -> Any:
    return models.ForeignKey("Sector", verbose_name=_("行业领域"), on_delete=models.PROTECT, related_name="+")


def _reference_scope() -> Scope:
    return Scope(region="region", district_wide=True, actions=REFERENCE_ACTIONS)


# --- reference data ----------------------------------------------------------------------------


class Sector(TimeStampedModel, ScopedModel):
    """A 行业领域 of a district and the department that supervises it (三管三必须)."""

    region = _district()
    code = models.CharField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=32)
    department = _org(_("监管部门"), null=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    scope = _reference_scope()

    class Meta:
        ordering = ["region", "order", "pk"]
        verbose_name = _("行业领域")
        verbose_name_plural = _("行业领域")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="safety_sector_region_name"),
            models.UniqueConstraint(fields=["region", "code"], name="safety_sector_region_code"),
        ]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(TimeStampedModel, ScopedModel):
    """One line of a sector's checklist (检查表). ``is_major_criterion``: a 重大事故隐患判定标准 item —
    a hazard found against it is 重大 by rule."""

    sector = models.ForeignKey(
        Sector, verbose_name=_("行业领域"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField(_("编号"), max_length=16)
    text = models.CharField(_("检查内容"), max_length=255)
    basis = models.CharField(_("依据"), max_length=255, blank=True)
    is_major_criterion = models.BooleanField(_("重大事故隐患判定项"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    scope = Scope(region="sector__region", district_wide=True, actions=REFERENCE_ACTIONS)

    class Meta:
        ordering = ["sector", "order", "pk"]
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        constraints = [models.UniqueConstraint(fields=["sector", "code"], name="safety_item_sector_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class SafetySettings(TimeStampedModel, ScopedModel):
    """A district's settings: the record-keeping start of the accident register (the "连续N个月"
    run counts from it), the 双随机 defaults and the hazard deadlines."""

    region = _district()
    record_start = models.DateField(
        _("事故统计起始月"),
        null=True,
        blank=True,
        help_text=_("事故登记从该月起完整;连续无事故月数不早于此月计算"),
    )
    recent_days = models.PositiveSmallIntegerField(_("近期已检查单位排除天数"), default=DEFAULT_RECENT_DAYS)
    yearly_cap = models.PositiveSmallIntegerField(
        _("同一部门对同一单位每年计划检查上限"), default=DEFAULT_YEARLY_CAP
    )
    inspectors_per_visit = models.PositiveSmallIntegerField(
        _("每次检查执法人员数"), default=DEFAULT_INSPECTORS_PER_VISIT, validators=[MinValueValidator(2)]
    )
    rectify_days = models.PositiveSmallIntegerField(
        _("限期整改默认期限(工作日)"), default=DEFAULT_RECTIFY_DAYS
    )
    acceptance_days = models.PositiveSmallIntegerField(_("验收期限(工作日)"), default=DEFAULT_ACCEPTANCE_DAYS)

    scope = _reference_scope()

    class Meta:
        verbose_name = _("安全生产设置")
        verbose_name_plural = _("安全生产设置")
        constraints = [models.UniqueConstraint(fields=["region"], name="safety_settings_region")]

    def __str__(self) -> str:
        return str(self.region)


class Campaign(TimeStampedModel, ScopedModel):
    """A 专项行动 (e.g. "两重大一突出"大排查大整治大执法): period, sectors, lead and participating departments."""

    region = _district()
    name = models.CharField(_("名称"), max_length=128)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    sectors = models.ManyToManyField(Sector, verbose_name=_("涉及行业"), blank=True, related_name="campaigns")
    lead_department = _org(_("牵头部门"), null=True)
    departments = models.ManyToManyField(
        "orgs.Organization", verbose_name=_("参与单位"), blank=True, related_name="safety_campaigns"
    )
    description = models.TextField(_("工作要求"), blank=True)

    scope = _reference_scope()

    class Meta:
        ordering = ["region", "-starts_on", "pk"]
        verbose_name = _("专项行动")
        verbose_name_plural = _("专项行动")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="safety_campaign_region_name")]

    def __str__(self) -> str:
        return self.name


class JointTeam(TimeStampedModel, ScopedModel):
    """A 联合检查组 across departments, towns and utilities (e.g. 应管局、商务委、街道和燃气公司)."""

    region = _district()
    name = models.CharField(_("名称"), max_length=128)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("专项行动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams",
    )
    lead_org = _org(_("牵头单位"), null=True)
    organizations = models.ManyToManyField(
        "orgs.Organization", verbose_name=_("成员单位"), blank=True, related_name="safety_teams"
    )
    note = models.CharField(_("备注"), max_length=255, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    scope = _reference_scope()

    class Meta:
        ordering = ["region", "name", "pk"]
        verbose_name = _("联合检查组")
        verbose_name_plural = _("联合检查组")

    def __str__(self) -> str:
        return self.name


# --- units --------------------------------------------------------------------------------------


class Unit(TimeStampedModel, ScopedModel, LocatedModel, VersionedModel):
    """A 生产经营单位 under supervision."""

    district = _district()
    township = _township()
    name = models.CharField(_("单位名称"), max_length=128)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("对应企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="safety_units",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("对应重点项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="safety_units",
        help_text=_("建筑工地是重点项目时填写"),
    )
    sector = models.ForeignKey(
        Sector, verbose_name=_("行业领域"), on_delete=models.PROTECT, related_name="units"
    )
    unit_type = models.CharField(
        _("单位类型"), max_length=16, choices=UnitType.choices, default=UnitType.ENTERPRISE
    )
    risk_level = models.CharField(
        _("风险等级"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("安全负责人"), max_length=32, blank=True)
    has_risk_list = models.BooleanField(_("岗位风险清单"), default=False)
    has_duty_list = models.BooleanField(_("岗位职责清单"), default=False)
    has_operation_card = models.BooleanField(_("岗位操作卡"), default=False)
    has_emergency_card = models.BooleanField(_("岗位应急处置卡"), default=False)
    is_active = models.BooleanField(_("在营"), default=True)
    created_by = _person(_("登记人"))

    scope = Scope(
        region="township",
        orgs=("sector__department", "enterprise__organization"),
        users=("created_by",),
        actions=UNIT_ACTIONS,
    )

    class Meta:
        ordering = ["township", "name", "pk"]
        verbose_name = _("生产经营单位")
        verbose_name_plural = _("生产经营单位")
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="safety_unit_township_name"),
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="safety_unit_credit_code"
            ),
        ]
        indexes = [
            models.Index(fields=["district", "sector", "risk_level"], name="safety_unit_district_sector")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("safety:unit-detail", args=[self.pk])

    @property
    def risk_colour(self) -> str:
        return RISK_COLOURS.get(self.risk_level, "blue")  # type: ignore[call-overload]

    @property
    def two_lists_two_cards_done(self) -> int:
        return sum((self.has_risk_list, self.has_duty_list, self.has_operation_card, self.has_emergency_card))


class Inspector(TimeStampedModel, ScopedModel):
    """A 执法人员 of a department. Only holders of a valid 执法证 are drawn; ``related_units`` are the
    units the inspector must not inspect (回避: relatives, former employer …)."""

    region = _district()
    organization = _org(_("所属部门"), related_name="safety_inspectors")
    user = _person(_("用户"))
    name = models.CharField(_("姓名"), max_length=32)
    certificate_no = models.CharField(_("执法证号"), max_length=32, blank=True)
    certificate_valid_until = models.DateField(_("执法证有效期至"), null=True, blank=True)
    related_units = models.ManyToManyField(
        Unit, verbose_name=_("回避单位"), blank=True, related_name="related_inspectors"
    )
    is_active = models.BooleanField(_("在岗"), default=True)

    scope = Scope(region="region", orgs=("organization",), users=("user",), actions=REFERENCE_ACTIONS)

    class Meta:
        ordering = ["region", "organization", "name", "pk"]
        verbose_name = _("执法人员")
        verbose_name_plural = _("执法人员")

    def __str__(self) -> str:
        return self.name


# --- inspections and hazards ------------------------------------------------------------------


class Inspection(TimeStampedModel, ScopedModel, LocatedModel):
    """One inspection of one unit (a record of 家次)."""

    district = _district()
    township = _township()
    number = models.CharField(_("检查编号"), max_length=40)
    inspected_on = models.DateField(_("检查日期"))
    unit = models.ForeignKey(
        Unit, verbose_name=_("被检查单位"), on_delete=models.PROTECT, related_name="inspections"
    )
    sector = _sector()
    department = _org(_("检查部门"), related_name="safety_inspections")
    kind = models.CharField(_("检查类型"), max_length=16, choices=InspectionKind.choices)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("专项行动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspections",
    )
    team = models.ForeignKey(
        JointTeam,
        verbose_name=_("联合检查组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspections",
    )
    plan_visit = models.ForeignKey(
        "PlanVisit",
        verbose_name=_("双随机抽查任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspections",
    )
    co_departments = models.ManyToManyField(
        "orgs.Organization", verbose_name=_("参加单位"), blank=True, related_name="safety_joint_inspections"
    )
    inspectors = models.ManyToManyField(
        Inspector, verbose_name=_("执法人员"), blank=True, related_name="inspections"
    )
    # [{"item": ChecklistItem id, "result": "ok" | "hazard" | "na"}]: the checklist as gone through.
    checklist = models.JSONField(_("检查表"), default=list, blank=True)
    findings = models.TextField(_("检查情况"), blank=True)
    created_by = _person(_("录入人"))

    scope = Scope(
        region="township",
        orgs=("department", "co_departments", "sector__department", "unit__enterprise__organization"),
        users=("created_by",),
        actions=INSPECTION_ACTIONS,
    )

    class Meta:
        ordering = ["-inspected_on", "-pk"]
        verbose_name = _("检查记录")
        verbose_name_plural = _("检查记录")
        constraints = [
            models.UniqueConstraint(fields=["district", "number"], name="safety_inspection_number")
        ]
        indexes = [
            models.Index(fields=["district", "inspected_on"], name="safety_insp_district_on"),
            models.Index(fields=["township", "inspected_on"], name="safety_insp_township_on"),
            models.Index(fields=["unit", "inspected_on"], name="safety_insp_unit_on"),
            # Self-inspections told apart in the report; "inspected recently" in the 双随机 draw.
            models.Index(fields=["district", "kind", "inspected_on"], name="safety_insp_district_kind_on"),
            # The list's default order (newest first), paged without sorting every visible row.
            models.Index(fields=["inspected_on", "id"], name="safety_insp_on_id"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.unit}"

    def get_absolute_url(self) -> str:
        return reverse("safety:inspection-detail", args=[self.pk])


class Hazard(TimeStampedModel, ScopedModel, LocatedModel):
    """A 隐患 found in an inspection; its closed loop runs as a case of the ``hazard`` workflow.

    ``found_on`` / ``rectified_on`` / ``accepted_on`` are the dated history (imports set them as
    they happened); the case's state is the current state.
    """

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("办理事项"), on_delete=models.PROTECT, related_name="hazard"
    )
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查记录"), on_delete=models.PROTECT, related_name="hazards"
    )
    district = _district()
    township = _township()
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="hazards")
    sector = _sector()
    department = _org(_("检查部门"))
    description = models.TextField(_("隐患描述"))
    checklist_item = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("对应检查项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hazards",
    )
    grade = models.CharField(
        _("隐患等级"), max_length=8, choices=HazardGrade.choices, default=HazardGrade.GENERAL
    )
    major_reason = models.CharField(_("认定重大隐患的理由"), max_length=255, blank=True)
    mode = models.CharField(
        _("整改方式"), max_length=12, choices=RectifyMode.choices, default=RectifyMode.DEADLINE
    )
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    responsible_person = models.CharField(_("整改责任人"), max_length=32, blank=True)
    found_on = models.DateField(_("发现日期"))
    rectified_on = models.DateField(_("整改完成日期"), null=True, blank=True)
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    is_supervised = models.BooleanField(_("挂牌督办"), default=False)
    supervised_on = models.DateField(_("挂牌督办日期"), null=True, blank=True)
    missing_plan = models.BooleanField(_("缺治理方案"), default=False)

    scope = Scope(
        region="township",
        orgs=("department", "sector__department", "unit__enterprise__organization"),
        users=("case__created_by",),
        actions=HAZARD_ACTIONS,
    )

    class Meta:
        ordering = ["-found_on", "-pk"]
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")
        indexes = [
            models.Index(fields=["district", "found_on"], name="safety_hazard_district_found"),
            models.Index(fields=["township", "found_on"], name="safety_hazard_township_found"),
            models.Index(fields=["unit", "found_on"], name="safety_hazard_unit_found"),
            models.Index(fields=["found_on", "id"], name="safety_hazard_found_id"),
            # 重大隐患 open and closed as of a date: a small slice of the hazards.
            models.Index(
                fields=["district", "found_on"], condition=Q(grade="major"), name="safety_hazard_major"
            ),
        ]

    def __str__(self) -> str:
        return self.description[:40]

    def get_absolute_url(self) -> str:
        return reverse("safety:hazard-detail", args=[self.pk])


class HazardPlan(TimeStampedModel):
    """The 治理方案 a 重大隐患 needs before rectification starts (《安全生产事故隐患排查治理暂行规定》)."""

    hazard = models.OneToOneField(
        Hazard, verbose_name=_("隐患"), on_delete=models.CASCADE, related_name="plan"
    )
    goal = models.TextField(_("治理目标和任务"))
    measures = models.TextField(_("采取的方法和措施"))
    funds = models.DecimalField(
        _("经费(万元)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    personnel = models.CharField(_("负责治理的机构和人员"), max_length=255)
    due_on = models.DateField(_("治理时限"))
    emergency_plan = models.TextField(_("安全措施和应急预案"))
    created_by = _person(_("制定人"))

    class Meta:
        verbose_name = _("治理方案")
        verbose_name_plural = _("治理方案")

    def __str__(self) -> str:
        return f"{self.hazard} 治理方案"


def photo_path(instance: HazardPhoto, filename: str) -> str:
    return f"safety/hazards/{instance.hazard_id}/{filename}"


class HazardPhoto(models.Model):
    hazard = models.ForeignKey(
        Hazard, verbose_name=_("隐患"), on_delete=models.CASCADE, related_name="photos"
    )
    stage = models.CharField(_("阶段"), max_length=8, choices=PhotoStage.choices)
    file = models.FileField(_("照片"), upload_to=photo_path)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    content_type = models.CharField(_("类型"), max_length=64)
    uploaded_by = _person(_("上传人"))
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("隐患照片")
        verbose_name_plural = _("隐患照片")

    def __str__(self) -> str:
        return self.name


# --- enforcement and accidents ---------------------------------------------------------------


class EnforcementDocument(TimeStampedModel, ScopedModel):
    """A 执法文书 with its unique 文号. A 行政处罚决定书 carries one or more ``PenaltyItem`` rows."""

    district = _district()
    township = _township()
    kind = models.CharField(_("文书种类"), max_length=12, choices=DocumentKind.choices)
    number = models.CharField(_("文号"), max_length=64)
    unit = models.ForeignKey(
        Unit, verbose_name=_("当事单位"), on_delete=models.PROTECT, related_name="documents"
    )
    sector = _sector()
    department = _org(_("执法部门"))
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("检查记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    issued_on = models.DateField(_("文书日期"))
    content = models.TextField(_("主要内容"), blank=True)
    created_by = _person(_("录入人"))

    scope = Scope(
        region="township",
        orgs=("department", "sector__department", "unit__enterprise__organization"),
        users=("created_by",),
        actions=ENFORCEMENT_ACTIONS,
    )

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("执法文书")
        verbose_name_plural = _("执法文书")
        constraints = [models.UniqueConstraint(fields=["district", "number"], name="safety_document_number")]
        indexes = [models.Index(fields=["district", "kind", "issued_on"], name="safety_doc_district_on")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("safety:document-detail", args=[self.pk])


class PenaltyItem(models.Model):
    """One kind of penalty in a 行政处罚决定书 (第五条); ``amount`` (元) only for 罚款 / 没收违法所得."""

    document = models.ForeignKey(
        EnforcementDocument, verbose_name=_("处罚决定书"), on_delete=models.CASCADE, related_name="penalties"
    )
    kind = models.CharField(_("处罚种类"), max_length=16, choices=PenaltyKind.choices)
    amount = models.DecimalField(
        _("金额(元)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        ordering = ["document", "pk"]
        verbose_name = _("处罚种类")
        verbose_name_plural = _("处罚种类")
        constraints = [
            models.UniqueConstraint(fields=["document", "kind"], name="safety_penalty_document_kind")
        ]
        indexes = [models.Index(fields=["kind", "document"], name="safety_penalty_kind_doc")]

    def __str__(self) -> str:
        return f"{self.document_id} {self.kind}"


class Accident(TimeStampedModel, ScopedModel):
    """A 生产安全事故. ``grade`` is computed by :func:`tiaodu.safety.accidents.grade_of` on save."""

    district = _district()
    township = _township()
    occurred_on = models.DateField(_("发生日期"))
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("事故单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accidents",
    )
    unit_name = models.CharField(_("单位名称"), max_length=128)
    sector = _sector()
    deaths = models.PositiveIntegerField(_("死亡人数"), default=0)
    serious_injuries = models.PositiveIntegerField(_("重伤人数"), default=0)
    direct_loss = models.DecimalField(
        _("直接经济损失(万元)"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    grade = models.CharField(_("事故等级"), max_length=16, choices=AccidentGrade.choices, editable=False)
    summary = models.TextField(_("事故简况"), blank=True)
    created_by = _person(_("录入人"))

    scope = Scope(
        region="township", orgs=("sector__department",), users=("created_by",), actions=ACCIDENT_ACTIONS
    )

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("生产安全事故")
        verbose_name_plural = _("生产安全事故")
        indexes = [models.Index(fields=["district", "occurred_on"], name="safety_accident_district_on")]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.unit_name}"

    def get_absolute_url(self) -> str:
        return reverse("safety:accident-detail", args=[self.pk])


# --- 双随机一公开 -----------------------------------------------------------------------------


class InspectionPlan(TimeStampedModel, ScopedModel, VersionedModel):
    """A department's 双随机 plan. Publishing stores the seed and a snapshot of the inputs (the
    candidate units with their weights, the inspectors), so that anyone can re-run the draw to the
    same list (``tiaodu safety draw --verify``); ``digest`` is the SHA-256 of the drawn list."""

    region = _district()
    department = _org(_("抽查部门"), related_name="safety_plans")
    name = models.CharField(_("计划名称"), max_length=128)
    year = models.PositiveSmallIntegerField(_("年度"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("专项行动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plans",
    )
    sectors = models.ManyToManyField(Sector, verbose_name=_("抽查行业"), blank=True, related_name="plans")
    sample_percent = models.DecimalField(
        _("抽查比例(%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    recent_days = models.PositiveSmallIntegerField(_("近期已检查单位排除天数"), default=DEFAULT_RECENT_DAYS)
    yearly_cap = models.PositiveSmallIntegerField(_("每年计划检查上限"), default=DEFAULT_YEARLY_CAP)
    inspectors_per_visit = models.PositiveSmallIntegerField(
        _("每次检查执法人员数"), default=DEFAULT_INSPECTORS_PER_VISIT, validators=[MinValueValidator(2)]
    )
    seed = models.CharField(_("随机种子"), max_length=64, blank=True)
    inputs = models.JSONField(_("抽取输入"), default=dict, blank=True)
    digest = models.CharField(_("抽取结果摘要(SHA-256)"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    created_by = _person(_("制定人"))

    scope = Scope(region="region", orgs=("department",), users=("created_by",), actions=PLAN_ACTIONS)

    class Meta:
        ordering = ["region", "-year", "-starts_on", "pk"]
        verbose_name = _("双随机抽查计划")
        verbose_name_plural = _("双随机抽查计划")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "department", "name"], name="safety_plan_department_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("safety:plan-detail", args=[self.pk])


class JointVisit(TimeStampedModel, ScopedModel):
    """综合查一次: the planned visits of several departments to one unit in one period, merged."""

    region = _district()
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="joint_visits"
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    lead_department = _org(_("牵头部门"), null=True)

    scope = _reference_scope()

    class Meta:
        ordering = ["region", "starts_on", "pk"]
        verbose_name = _("综合查一次")
        verbose_name_plural = _("综合查一次")

    def __str__(self) -> str:
        return f"{self.unit} {self.starts_on}"


class PlanVisit(models.Model):
    """One drawn unit of a plan with its drawn inspectors (ids in draw order, so the published list
    is reproducible to the order)."""

    plan = models.ForeignKey(
        InspectionPlan, verbose_name=_("抽查计划"), on_delete=models.CASCADE, related_name="visits"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="plan_visits"
    )
    order = models.PositiveIntegerField(_("序号"))
    inspector_ids = models.JSONField(_("执法人员"), default=list)
    joint_visit = models.ForeignKey(
        JointVisit,
        verbose_name=_("综合查一次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = _("抽查任务")
        verbose_name_plural = _("抽查任务")
        constraints = [
            models.UniqueConstraint(fields=["plan", "unit"], name="safety_visit_plan_unit"),
            models.UniqueConstraint(fields=["plan", "order"], name="safety_visit_plan_order"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} #{self.order} {self.unit_id}"
