"""经济运行监测: the indicator catalogue, periods, versioned figures of regions and enterprises,
their provenance, and the composite index (definition and stored results).

Figures are never overwritten. Each (indicator, region, period) has numbered versions; exactly one
is current (a partial unique index says so). Importing the same value again changes nothing; a
different value is a new version that points to its :class:`DataSource` (the import, roll-up or
person it came from). See ``docs/adr/0021-monitoring-data.md``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.choices import Role
from tiaodu.core.models import ScopedModel
from tiaodu.core.permissions import NOTHING, Action, Scope, ScopedQuerySet, user_squad_ids
from tiaodu.monitoring.choices import (
    GOVERNMENT_ROLES,
    Direction,
    IndexOrigin,
    IndicatorKind,
    Measure,
    PeriodKind,
    ValueOrigin,
)
from tiaodu.monitoring.periods import Period
from tiaodu.regions.choices import Level

GOVERNMENT_VIEW = {role: "view" for role in GOVERNMENT_ROLES}
VALUE_DECIMALS = 4
VALUE_DIGITS = 20


def _active(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _unrestricted(user: Any) -> bool:
    return bool(user.is_superuser or user.role == Role.ADMIN)


def figure_regions(user: Any, action: Action, spec: Scope) -> Q | None:
    """The regions whose figures ``user`` may ``action``, as a filter on ``Region`` (None: all).

    Figures of county units and above (区县, 市, 省, 全国) are published statistics that every
    county unit is ranked by, so every government role reads them whatever its own region, and
    departments (统计、经信 staff) may add them, because the city publishes the table of all
    county units at once. Figures of townships stay inside the user's region subtree. Roles
    outside government (enterprise, owner) have no access (``spec.actions``). ADR 0021.
    """
    if not _active(user):
        return NOTHING
    if _unrestricted(user):
        return None
    if not spec.allows(user.role, action):
        return NOTHING
    own = Q(path__startswith=user.region.path) if user.region is not None else NOTHING
    return own | Q(level__lte=Level.COUNTY)


def figure_enterprises(user: Any, action: Action) -> Q | None:
    """The enterprises whose reported figures ``user`` may ``action``, as a filter on
    ``Enterprise`` (None: all): the enterprise itself (view), government roles over its township
    (view; departments and townships also add), squads over the enterprises they serve."""
    if not _active(user):
        return NOTHING
    if _unrestricted(user):
        return None
    if not EnterpriseValue.scope.allows(user.role, action):
        return NOTHING
    if user.role == Role.ENTERPRISE:
        return Q(organization_id=user.organization_id) if user.organization_id else NOTHING
    q = NOTHING
    if user.role in (Role.LEADER, Role.DEPARTMENT, Role.TOWN) and user.region is not None:
        q |= Q(township__path__startswith=user.region.path)
    if user.role == Role.SQUAD:
        q |= Q(squad__in=user_squad_ids(user))
    return q


class RegionFigureQuerySet(ScopedQuerySet[Any]):
    """Rows of regional figures, restricted by :func:`figure_regions`."""

    def restrict(self, user: Any, action: Action = "view", *, authored: bool = True) -> ScopedQuerySet[Any]:
        rule = figure_regions(user, action, self.model.scope)  # type: ignore[attr-defined]
        if rule is None:
            return self
        from tiaodu.regions.models import Region

        return self.filter(region__in=Region.objects.filter(rule).values("pk"))


class EnterpriseValueQuerySet(ScopedQuerySet[Any]):
    """Rows of enterprise figures, restricted by :func:`figure_enterprises`."""

    def restrict(self, user: Any, action: Action = "view", *, authored: bool = True) -> ScopedQuerySet[Any]:
        rule = figure_enterprises(user, action)
        if rule is None:
            return self
        from tiaodu.enterprises.models import Enterprise

        return self.filter(enterprise__in=Enterprise.objects.filter(rule).values("pk"))


class StatPeriod(models.Model):
    """A reporting period as stored: the canonical key of :class:`~tiaodu.monitoring.periods.Period`
    with its dates, so figures can be filtered and ordered in SQL. Rows are made on demand."""

    key = models.CharField(_("期别代码"), max_length=16, unique=True)
    kind = models.CharField(_("期别类型"), max_length=16, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("年份"))
    first = models.PositiveSmallIntegerField(_("起"))
    last = models.PositiveSmallIntegerField(_("止"))
    part = models.PositiveSmallIntegerField(_("旬"), default=0)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    label = models.CharField(_("期别"), max_length=32)

    class Meta:
        ordering = ["year", "end", "start"]
        verbose_name = _("统计期别")
        verbose_name_plural = _("统计期别")
        indexes = [models.Index(fields=["year", "kind"], name="statperiod_year_kind")]

    def __str__(self) -> str:
        return self.label

    @property
    def period(self) -> Period:
        return Period(self.kind, self.year, self.first, self.last, self.part)


class Indicator(ScopedModel):
    """One indicator of the catalogue (指标): what its figures are and how they are compared."""

    code = models.CharField(_("指标代码"), max_length=32, unique=True)
    name = models.CharField(_("指标名称"), max_length=64, unique=True)
    aliases = models.JSONField(_("别名"), default=list, blank=True, help_text=_("导入时可用的其他名称"))
    unit = models.CharField(_("计量单位"), max_length=16)
    kind = models.CharField(_("指标类型"), max_length=8, choices=IndicatorKind.choices)
    direction = models.CharField(_("方向"), max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    rank_by = models.CharField(_("排名依据"), max_length=8, choices=Measure.choices, default=Measure.VALUE)
    additive = models.BooleanField(_("可跨地区加总"), default=False)
    # a level that may be below zero (利润总额: a loss); other levels (产值, 投资 …) are refused
    may_be_negative = models.BooleanField(_("可为负数"), default=False, help_text=_("如利润总额(亏损)"))
    decimals = models.PositiveSmallIntegerField(_("发布小数位数"), default=2)
    # level: the indicator whose share it is ranked by (技改投资 → 工业投资)
    share_of = models.ForeignKey(
        "self", verbose_name=_("占比分母"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # ratio: numerator / denominator × 100
    numerator = models.ForeignKey(
        "self", verbose_name=_("分子指标"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    denominator = models.ForeignKey(
        "self", verbose_name=_("分母指标"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # rate: the level indicator whose published year-on-year growth this is
    growth_of = models.ForeignKey(
        "self",
        verbose_name=_("所报增速对应的总量指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("数据来源"), max_length=64, blank=True)
    description = models.TextField(_("说明"), blank=True)
    builtin = models.BooleanField(_("内置"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    scope = Scope(public_read=True, actions=GOVERNMENT_VIEW)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("监测指标")
        verbose_name_plural = _("监测指标")

    def __str__(self) -> str:
        return self.name

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"


class DataSource(models.Model):
    """Where a set of figures came from: one import (file, person, time), one roll-up, or one
    manual entry. Every stored figure points to one; it is written in the same transaction as
    the figures, so a failed import leaves none."""

    origin = models.CharField(_("来源类型"), max_length=8, choices=ValueOrigin.choices)
    name = models.CharField(_("来源"), max_length=255, help_text=_("文件名、“汇总”或录入说明"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    detail = models.JSONField(_("明细"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("数据来源")
        verbose_name_plural = _("数据来源")

    def __str__(self) -> str:
        return f"{self.get_origin_display()}:{self.name}"


class IndicatorValue(ScopedModel):
    """One version of one region's figure of one indicator for one period."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    period = models.ForeignKey(
        StatPeriod, verbose_name=_("期别"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    value = models.DecimalField(_("数值"), max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS)
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_current = models.BooleanField(_("现行版本"), default=True)
    source = models.ForeignKey(DataSource, verbose_name=_("来源"), on_delete=models.PROTECT, related_name="+")
    # For roll-ups: how many enterprise figures were summed.
    contributors = models.PositiveIntegerField(_("汇总企业数"), null=True, blank=True)
    # For roll-ups: the largest single enterprise figure summed (absolute value), for the
    # dominance rule of statistical confidentiality (统计保密, ADR 0033).
    largest = models.DecimalField(
        _("最大单个企业数值"), max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS, null=True, blank=True
    )

    objects = RegionFigureQuerySet.as_manager()  # type: ignore[misc]
    scope = Scope(region="region", actions={**GOVERNMENT_VIEW, "department": "view add"})

    class Meta:
        ordering = ["indicator", "period", "region", "-version"]
        verbose_name = _("指标数据")
        verbose_name_plural = _("指标数据")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "indicator", "period", "version"], name="indicatorvalue_version"
            ),
            models.UniqueConstraint(
                fields=["region", "indicator", "period"],
                condition=Q(is_current=True),
                name="indicatorvalue_one_current",
            ),
        ]
        indexes = [models.Index(fields=["indicator", "period", "is_current"], name="indicatorvalue_ranking")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.indicator_id} {self.period_id} v{self.version}"


class EnterpriseValue(ScopedModel):
    """One version of one enterprise's reported figure (企业月报等) for one indicator and period.

    The fact table of the module (a city's enterprises × months × indicators: tens of millions
    of rows), kept narrow: no index on indicator, period or source (the roll-up reads through the
    partial unique index of current figures, people read by enterprise), and no database-level
    foreign-key constraints. PostgreSQL checks a constraint with one trigger call per row and
    key, which made up most of a bulk load's time; the loaders take every id from a join with
    the referenced table, so the references are valid by construction, and the ORM still
    refuses to delete a referenced enterprise, indicator or period (``PROTECT``). ADR 0021.
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("指标"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    period = models.ForeignKey(
        StatPeriod,
        verbose_name=_("期别"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    value = models.DecimalField(_("数值"), max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS)
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_current = models.BooleanField(_("现行版本"), default=True)
    source = models.ForeignKey(
        DataSource,
        verbose_name=_("来源"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    objects = EnterpriseValueQuerySet.as_manager()  # type: ignore[misc]
    scope = Scope(
        region="enterprise__township",
        orgs=("enterprise__organization",),
        squads=("enterprise__squad",),
        actions={**GOVERNMENT_VIEW, "department": "view add", "town": "view add", "enterprise": "view"},
    )

    class Meta:
        ordering = ["enterprise", "indicator", "period", "-version"]
        verbose_name = _("企业指标数据")
        verbose_name_plural = _("企业指标数据")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "indicator", "enterprise"],
                condition=Q(is_current=True),
                name="enterprisevalue_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.indicator_id} {self.period_id} v{self.version}"


class CompositeIndex(ScopedModel):
    """A composite index (综合指数) as defined in its YAML/JSON file (``tiaodu index define``)."""

    code = models.CharField(_("指数代码"), max_length=32, unique=True)
    name = models.CharField(_("指数名称"), max_length=64)
    spec = models.JSONField(_("定义"), help_text=_("定义文件的内容,原样保存"))
    # An index the city publishes itself: its values are the figures of this indicator (imported),
    # ranked and reported like a computed one.
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("发布值指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    defined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("定义人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope = Scope(public_read=True, actions=GOVERNMENT_VIEW)

    class Meta:
        ordering = ["code"]
        verbose_name = _("综合指数")
        verbose_name_plural = _("综合指数")

    def __str__(self) -> str:
        return self.name


class IndexValue(ScopedModel):
    """One region's index value and ranks for one period (recomputed results replace the old)."""

    index = models.ForeignKey(
        CompositeIndex, verbose_name=_("指数"), on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.ForeignKey(StatPeriod, verbose_name=_("期别"), on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(
        _("指数值"), max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS, null=True
    )
    rank = models.PositiveSmallIntegerField(_("全市排名"), null=True, blank=True)
    group_rank = models.PositiveSmallIntegerField(_("考核组排名"), null=True, blank=True)
    origin = models.CharField(_("来源"), max_length=8, choices=IndexOrigin.choices)
    computed_at = models.DateTimeField(_("计算时间"))
    notes = models.JSONField(_("说明"), default=list, blank=True)

    objects = RegionFigureQuerySet.as_manager()  # type: ignore[misc]
    scope = Scope(region="region", actions=dict(GOVERNMENT_VIEW))

    class Meta:
        ordering = ["index", "period", "rank", "region"]
        verbose_name = _("指数结果")
        verbose_name_plural = _("指数结果")
        constraints = [
            models.UniqueConstraint(fields=["index", "region", "period"], name="indexvalue_one_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.index_id} {self.region_id} {self.period_id}"
