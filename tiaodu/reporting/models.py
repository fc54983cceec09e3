"""周报/旬报/月报: reporting rounds of enterprises and departments, and key-enterprise output alerts
(issue 5, item 7; ADR 0024).

A round works like a dispatch round (ADR 0016): it belongs to a district and a period, holds one
:class:`ReportSlot` per reporting unit from the moment it opens (an empty slot until the unit
submits), so the missing list (催报) is ``submitted_at IS NULL`` and closing freezes the totals
from one aggregate. What a unit submits is not stored on the slot: it is written as versioned
monitoring figures (``EnterpriseValue`` for enterprises, ``IndicatorValue`` of the district for
departments) with a ``DataSource`` naming the round and the unit, so a revision is a new version
and every figure says where it came from (ADR 0021).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.choices import Role
from tiaodu.core.concurrency import VersionedModel
from tiaodu.core.models import ScopedModel, TimeStampedModel
from tiaodu.core.permissions import Action, Scope, ScopedQuerySet, scope_q
from tiaodu.core.rounds import ReminderBase, RoundBase, district_rounds_q, round_scope
from tiaodu.monitoring.models import VALUE_DECIMALS, VALUE_DIGITS
from tiaodu.reporting.choices import AlertState, RoundKind, UnitFilter, UnitKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tiaodu.accounts.models import User

# Roles that see the rounds of the district they work in (their region lies in it).
DISTRICT_ROLES = (Role.LEADER, Role.DEPARTMENT, Role.TOWN, Role.SQUAD)


class ReportingRoundQuerySet(ScopedQuerySet["ReportingRound"]):
    def restrict(
        self, user: User | AnonymousUser, action: Action = "view", *, authored: bool = True
    ) -> ReportingRoundQuerySet:
        """The scope's rows, plus the rounds of the district a government user works in
        (:func:`tiaodu.core.rounds.district_rounds_q`), plus (for enterprise users) the rounds the
        user's enterprise has a slot in: enterprise users never see the district's other rounds."""
        q = district_rounds_q(user, self.model, action, DISTRICT_ROLES)
        if q is None:
            return self
        role: str = getattr(user, "role", "")
        if role == Role.ENTERPRISE and self.model.scope.allows(role, action) and user.organization_id:  # type: ignore[attr-defined,union-attr]
            mine = ReportSlot.objects.filter(organization_id=user.organization_id).values("round_id")  # type: ignore[union-attr]
            q |= Q(pk__in=mine)
        return self.filter(q)


class ReportingRound(RoundBase):
    """One round of 周报/旬报/月报 of a district's enterprises or departments."""

    title = models.CharField(_("报送任务"), max_length=64)
    unit_kind = models.CharField(_("报送单位类型"), max_length=16, choices=UnitKind.choices)
    unit_filter = models.CharField(_("报送范围"), max_length=16, choices=UnitFilter.choices)
    period_kind = models.CharField(_("报送周期"), max_length=8, choices=RoundKind.choices, db_index=True)
    period = models.ForeignKey(
        "monitoring.StatPeriod", verbose_name=_("期别"), on_delete=models.PROTECT, related_name="+"
    )
    # Month rounds collect the figures of the year so far (1—m月, 累计) unless opened otherwise:
    # that is how enterprises report 产值 and 营业收入, and what year-on-year growth compares.
    cumulative = models.BooleanField(_("按累计值报送"), default=True)
    figure_period = models.ForeignKey(
        "monitoring.StatPeriod",
        verbose_name=_("数据期别"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("填报数据写入的期别,月报按累计值报送时为1月至本月"),
    )
    indicators = models.ManyToManyField(
        "monitoring.Indicator", verbose_name=_("报送指标"), related_name="reporting_rounds"
    )
    due_on = models.DateField(_("报送截止日期"))
    alert_threshold = models.DecimalField(
        _("预警阈值(%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("重点企业产值同比降幅超过该值时预警;不填则用系统默认值"),
    )
    # expected_count is set when the round opens; the rest is frozen when it closes.
    report_rate = models.DecimalField(_("报送率(%)"), max_digits=4, decimal_places=1, null=True, blank=True)
    # [{"code", "name", "unit", "sum", "count"}]: per indicator, the sum of the submitted units'
    # current figures (enterprise rounds) or the district's current figure (department rounds).
    totals = models.JSONField(_("冻结汇总"), default=list, blank=True)
    alert_count = models.PositiveIntegerField(_("关闭时预警数"), default=0)

    objects = ReportingRoundQuerySet.as_manager()  # type: ignore[assignment,misc]

    scope = round_scope("town", "squad", "enterprise")

    class Meta:
        ordering = ["-period__end", "-pk"]
        verbose_name = _("报送任务")
        verbose_name_plural = _("报送任务")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "unit_kind", "period"], name="reportinground_period_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reporting:detail", args=[self.pk])

    @property
    def is_enterprise_round(self) -> bool:
        return self.unit_kind == UnitKind.ENTERPRISE


class SlotQuerySet(ScopedQuerySet["ReportSlot"]):
    def restrict(
        self, user: User | AnonymousUser, action: Action = "view", *, authored: bool = True
    ) -> SlotQuerySet:
        """The scope's rows, plus (departments) the slots of the enterprises the user's department
        liaises with (联系科室). That lookup is a subquery, not ``Scope.orgs``: a slot's enterprise
        is optional, and OR-ing a condition across the nullable join would make it an outer join,
        which PostgreSQL cannot lock ``FOR UPDATE``."""
        q = scope_q(user, self.model, action)
        if q is None:
            return self
        org = getattr(user, "organization_id", None)
        if (
            org
            and getattr(user, "role", "") == Role.DEPARTMENT
            and self.model.scope.allows(Role.DEPARTMENT, action)
        ):  # type: ignore[attr-defined]
            from tiaodu.enterprises.models import Enterprise

            q |= Q(enterprise_id__in=Enterprise.objects.filter(liaison_department_id=org).values("pk"))
        return self.filter(q)


class ReportSlot(TimeStampedModel, ScopedModel, VersionedModel):
    """One unit's report in one round: empty until ``submitted_at`` is set. The figures live in
    the monitoring tables; ``source`` is the latest submission's :class:`DataSource`. Writers
    check its ``version`` (:mod:`tiaodu.core.concurrency`)."""

    round = models.ForeignKey(
        ReportingRound, verbose_name=_("报送任务"), on_delete=models.CASCADE, related_name="slots"
    )
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The enterprise's township, or the department's region: what the scope reads.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属地区"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("填报时间"), null=True, blank=True)
    submission_count = models.PositiveIntegerField(_("提交次数"), default=0)
    source = models.ForeignKey(
        "monitoring.DataSource",
        verbose_name=_("数据来源"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reminded_count = models.PositiveSmallIntegerField(_("催报次数"), default=0)
    last_reminded_at = models.DateTimeField(_("最近催报时间"), null=True, blank=True)
    # A department round's division of work (分工): the indicators this department reports. Empty:
    # every indicator of the round (enterprise rounds, and department rounds opened without one).
    indicators = models.ManyToManyField(
        "monitoring.Indicator", verbose_name=_("本单位报送指标"), blank=True, related_name="+"
    )

    objects = SlotQuerySet.as_manager()  # type: ignore[assignment,misc]

    scope = Scope(
        region="region",
        orgs=("organization",),  # and the liaison department: SlotQuerySet
        squads=("enterprise__squad",),
        actions={
            "leader": "view",
            "department": "view change",
            "town": "view change",
            "squad": "view change",
            "enterprise": "view change",
        },
    )

    class Meta:
        ordering = ["round", "organization__name", "pk"]
        verbose_name = _("报送单位")
        verbose_name_plural = _("报送单位")
        constraints = [
            models.UniqueConstraint(fields=["round", "organization"], name="reportslot_round_unit"),
        ]
        indexes = [models.Index(fields=["round", "submitted_at"], name="reportslot_round_sub")]

    def __str__(self) -> str:
        return f"{self.round} {self.organization_id}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:slot", args=[self.round_id, self.pk])

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Reminder(ReminderBase):
    """One 催报: who reminded, when, and which units were still missing."""

    round = models.ForeignKey(
        ReportingRound, verbose_name=_("报送任务"), on_delete=models.CASCADE, related_name="reminders"
    )

    class Meta(ReminderBase.Meta):
        verbose_name = _("报送催报记录")
        verbose_name_plural = _("报送催报记录")


class OutputAlert(ScopedModel):
    """A key enterprise whose output fell year on year by more than the threshold.

    One per (enterprise, indicator, period): raising again updates the figures (or clears the
    alert when a revision lifted the growth above the threshold), so raising is idempotent.
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="+"
    )
    round = models.ForeignKey(
        ReportingRound,
        verbose_name=_("报送任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    indicator = models.ForeignKey(
        "monitoring.Indicator", verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.ForeignKey(
        "monitoring.StatPeriod", verbose_name=_("期别"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(_("本期数值"), max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS)
    last_year_value = models.DecimalField(
        _("上年同期数值"), max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS
    )
    # as wide as a figure: a mistyped report (800000000 for 80) gives an absurd growth, not a crash
    growth = models.DecimalField(_("同比增速(%)"), max_digits=VALUE_DIGITS, decimal_places=1)
    threshold = models.DecimalField(_("预警阈值(%)"), max_digits=5, decimal_places=1)
    state = models.CharField(
        _("状态"), max_length=16, choices=AlertState.choices, default=AlertState.OPEN, db_index=True
    )
    raised_at = models.DateTimeField(_("预警时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("知悉人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("知悉时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处置人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    note = models.TextField(_("处置情况"), blank=True)

    scope = Scope(
        region="enterprise__township",
        orgs=("enterprise__liaison_department",),
        squads=("enterprise__squad",),
        users=("enterprise__liaison_leader", "enterprise__resident_officer"),
        actions={
            "leader": "view change",
            "department": "view change",
            "town": "view change",
            "squad": "view change",
        },
    )

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("重点企业产值预警")
        verbose_name_plural = _("重点企业产值预警")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "indicator", "period"], name="outputalert_one_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.period_id} {self.growth}%"

    def get_absolute_url(self) -> str:
        return reverse("reporting:alert", args=[self.pk])

    @property
    def fall(self) -> Decimal:
        """The fall in percent (a positive number for a negative growth)."""
        return -self.growth
