from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorKind(models.TextChoices):
    """What a figure of the indicator is."""

    LEVEL = "level", _("总量")  # an amount or a count (亿元, 万千瓦时, 人): its growth is computed
    RATE = "rate", _("增速")  # a rate reported as such (规上工业增加值增速, %): never recomputed
    RATIO = "ratio", _("比重")  # numerator / denominator × 100 (%), derived or reported
    INDEX = "index", _("指数")  # a score (综合指数): compared by its value only


class Direction(models.TextChoices):
    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")


class Measure(models.TextChoices):
    """Which figure of an indicator is compared and ranked."""

    VALUE = "value", _("数值")
    GROWTH = "growth", _("同比增速")
    SHARE = "share", _("占比")


class PeriodKind(models.TextChoices):
    WEEK = "week", _("周")
    XUN = "xun", _("旬")
    MONTH = "month", _("月")
    CUMULATIVE = "cumulative", _("累计")
    QUARTER = "quarter", _("季度")
    HALF = "half", _("半年")
    YEAR = "year", _("年")


class ValueOrigin(models.TextChoices):
    """Where a stored figure comes from."""

    IMPORT = "import", _("导入")
    ROLLUP = "rollup", _("汇总")
    MANUAL = "manual", _("录入")


class IndexOrigin(models.TextChoices):
    COMPUTED = "computed", _("计算")
    IMPORTED = "imported", _("导入")


# Government roles: they read the published figures of every county unit (for ranking) and
# the figures inside their own region; enterprises and project owners do not (ADR 0021).
GOVERNMENT_ROLES = ("leader", "department", "town", "squad")
