from django.db import models
from django.utils.translation import gettext_lazy as _


class Basis(models.TextChoices):
    """What a target is measured by."""

    LEVEL = "level", _("完成率")  # a level target (800亿元): cumulative ÷ target against time progress
    GROWTH = "growth", _("增速")  # a growth target (增长8%), or the target of a reported rate
    VALUE = "value", _("目标值")  # the target of a ratio (%) or an index: the value itself


class Status(models.TextChoices):
    """Where a target stands in a period (the same codes whatever the basis; the words differ)."""

    AHEAD = "ahead", _("超序时进度")
    ON_TRACK = "on_track", _("符合序时进度")
    BEHIND = "behind", _("滞后序时进度")
    MISSING = "missing", _("数据缺失")
