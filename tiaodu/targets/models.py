"""Annual targets and their assessment: 月通报、季督办、年评估 (issue 5, item 8).

A :class:`Target` is one region's annual target of one catalogue indicator (潼南区 2022年
招商引资到位资金 1000亿元, 规模以上工业总产值 增长10%), with its responsible organisation. It is
versioned: every change of value, growth, responsible unit or note writes a
:class:`TargetRevision` (version 1, 2, …) with who and when, so a revised target stays
traceable; django-auditlog records the same changes field by field. See ADR 0025.

Who reaches targets (``TargetQuerySet.restrict``): leaders and departments of a district view,
set and revise the targets of their district and its townships; township staff view their own
township's; squad members view the targets their squad is responsible for; enterprises and
project owners none.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.choices import Role
from tiaodu.core.models import ScopedModel, TimeStampedModel
from tiaodu.core.permissions import NOTHING, Action, Scope, ScopedQuerySet, user_squad_ids
from tiaodu.monitoring.models import VALUE_DECIMALS, VALUE_DIGITS

REGION_ROLES = (Role.LEADER, Role.DEPARTMENT, Role.TOWN)


def target_regions(user: Any, action: Action) -> Q | None:
    """The regions whose targets ``user`` may ``action``, as a filter on ``Region`` (None: all).

    Leaders and departments: their region's subtree (a district and its townships) for every
    action their role has; township staff: their township (view). Other roles reach no region
    (squads reach targets through their squad, see :meth:`TargetQuerySet.restrict`).
    """
    if not (user.is_authenticated and user.is_active):
        return NOTHING
    if user.is_superuser or user.role == Role.ADMIN:
        return None
    if not Target.scope.allows(user.role, action):
        return NOTHING
    if user.role in REGION_ROLES and user.region is not None:
        return Q(path__startswith=user.region.path)
    return NOTHING


class TargetQuerySet(ScopedQuerySet[Any]):
    def restrict(self, user: Any, action: Action = "view", *, authored: bool = True) -> ScopedQuerySet[Any]:
        rule = target_regions(user, action)
        if rule is None:
            return self
        from tiaodu.regions.models import Region

        q = NOTHING if rule == NOTHING else Q(region__in=Region.objects.filter(rule).values("pk"))
        if (
            user.is_authenticated
            and user.is_active
            and user.role == Role.SQUAD
            and Target.scope.allows(user.role, action)
        ):
            q |= Q(responsible__in=user_squad_ids(user))
        return self.filter(q)


class Target(TimeStampedModel, ScopedModel):
    """One region's annual target of one indicator (unique per region, indicator and year)."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+"
    )
    indicator = models.ForeignKey(
        "monitoring.Indicator", verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    # In the indicator's unit (亿元, 万千瓦时, % for a ratio, 指数); empty for a growth-only target.
    value = models.DecimalField(
        _("目标值"), max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS, null=True, blank=True
    )
    # Year-on-year growth target in percent; for a reported rate indicator, the target rate itself.
    growth = models.DecimalField(
        _("目标增速(%)"), max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS, null=True, blank=True
    )
    responsible = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("备注"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField(_("设定时间"))

    objects = TargetQuerySet.as_manager()  # type: ignore[misc]
    scope = Scope(
        region="region",
        squads=("responsible",),
        actions={
            "leader": "view add change delete",
            "department": "view add change delete",
            "town": "view",
            "squad": "view",
        },
    )

    class Meta:
        ordering = ["-year", "region_id", "indicator_id"]
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "indicator", "year"], name="target_region_indicator_year"
            ),
        ]
        indexes = [models.Index(fields=["year", "region"], name="target_year_region")]

    def __str__(self) -> str:
        return f"{self.region}{self.year}年{self.indicator}目标"

    def get_absolute_url(self) -> str:
        return reverse("targets:detail", args=[self.pk])


class RevisionQuerySet(ScopedQuerySet[Any]):
    def restrict(self, user: Any, action: Action = "view", *, authored: bool = True) -> ScopedQuerySet[Any]:
        return self.filter(target__in=Target.objects.restrict(user, action).values("pk"))


class RevisionRecord(ScopedModel):
    """What every version of a target records besides its values: who set it, when, why, from
    where (append-only: a revision is never changed)."""

    responsible = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("备注"), blank=True)
    reason = models.CharField(_("调整说明"), max_length=255, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField(_("设定时间"))
    source = models.CharField(_("来源"), max_length=255, blank=True, help_text=_("录入、接口或导入文件名"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.target_id} v{self.version}"  # type: ignore[attr-defined]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("a target revision is never changed")
        super().save(*args, **kwargs)


class TargetRevision(RevisionRecord):
    """One version of a target as it was set (append-only: a revision is never changed)."""

    target = models.ForeignKey(
        Target, verbose_name=_("目标"), on_delete=models.CASCADE, related_name="revisions"
    )
    version = models.PositiveIntegerField(_("版本"))
    value = models.DecimalField(
        _("目标值"), max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS, null=True, blank=True
    )
    growth = models.DecimalField(
        _("目标增速(%)"), max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS, null=True, blank=True
    )

    objects = RevisionQuerySet.as_manager()  # type: ignore[misc]
    scope = Scope(region="target__region", actions=dict(Target.scope.actions))

    class Meta:
        ordering = ["target", "-version"]
        verbose_name = _("目标版本")
        verbose_name_plural = _("目标版本")
        constraints = [
            models.UniqueConstraint(fields=["target", "version"], name="targetrevision_version"),
        ]


class MultiYearTarget(TimeStampedModel, ScopedModel):
    """One region's target of an additive amount over several years (到2026年实现招商引资到位资金
    1000亿元: 2022–2026). The annual targets of the years in the span are its yearly parts; its
    progress sums the years' cumulative figures (ADR 0025, multi-year targets). Versioned like
    :class:`Target` (:class:`MultiYearTargetRevision`)."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+"
    )
    indicator = models.ForeignKey(
        "monitoring.Indicator", verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+"
    )
    first_year = models.PositiveSmallIntegerField(_("起始年"))
    last_year = models.PositiveSmallIntegerField(_("截止年"))
    value = models.DecimalField(_("目标值"), max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS)
    responsible = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("备注"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField(_("设定时间"))

    objects = TargetQuerySet.as_manager()  # type: ignore[misc]  # the same reach as annual targets
    scope = Scope(region="region", squads=("responsible",), actions=dict(Target.scope.actions))

    class Meta:
        ordering = ["-last_year", "region_id", "indicator_id"]
        verbose_name = _("多年目标")
        verbose_name_plural = _("多年目标")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "indicator", "first_year", "last_year"],
                name="multiyeartarget_region_indicator_span",
            ),
            models.CheckConstraint(
                condition=Q(last_year__gte=models.F("first_year")), name="multiyeartarget_span_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region}{self.first_year}—{self.last_year}年{self.indicator}目标"

    @property
    def span_label(self) -> str:
        return f"{self.first_year}—{self.last_year}年"

    def get_absolute_url(self) -> str:
        return reverse("targets:multiyear_detail", args=[self.pk])


class MultiYearRevisionQuerySet(ScopedQuerySet[Any]):
    def restrict(self, user: Any, action: Action = "view", *, authored: bool = True) -> ScopedQuerySet[Any]:
        return self.filter(target__in=MultiYearTarget.objects.restrict(user, action).values("pk"))


class MultiYearTargetRevision(RevisionRecord):
    """One version of a multi-year target as it was set (append-only)."""

    target = models.ForeignKey(
        MultiYearTarget, verbose_name=_("多年目标"), on_delete=models.CASCADE, related_name="revisions"
    )
    version = models.PositiveIntegerField(_("版本"))
    value = models.DecimalField(_("目标值"), max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS)

    objects = MultiYearRevisionQuerySet.as_manager()  # type: ignore[misc]
    scope = Scope(region="target__region", actions=dict(Target.scope.actions))

    class Meta:
        ordering = ["target", "-version"]
        verbose_name = _("多年目标版本")
        verbose_name_plural = _("多年目标版本")
        constraints = [
            models.UniqueConstraint(fields=["target", "version"], name="multiyeartargetrevision_version"),
        ]
