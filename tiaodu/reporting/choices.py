from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

# The rounds' states are shared by every kind of round (ADR 0028).
from tiaodu.core.rounds import RoundState as RoundState


class RoundKind(models.TextChoices):
    """The periods a reporting round may cover (周报, 旬报, 月报): monitoring period kinds."""

    WEEK = "week", _("周报")
    XUN = "xun", _("旬报")
    MONTH = "month", _("月报")


class UnitKind(models.TextChoices):
    """Who reports in a round."""

    ENTERPRISE = "enterprise", _("企业")
    DEPARTMENT = "department", _("部门")


class UnitFilter(models.TextChoices):
    """Which units a round takes when it opens."""

    ABOVE_SCALE = "above_scale", _("规上企业")
    KEY = "key", _("重点企业(亿元以上)")
    ALL = "all", _("全部企业")
    DEPARTMENTS = "departments", _("全部区级部门")
    SELECTED = "selected", _("指定单位")


ENTERPRISE_FILTERS = (UnitFilter.ABOVE_SCALE, UnitFilter.KEY, UnitFilter.ALL, UnitFilter.SELECTED)
DEPARTMENT_FILTERS = (UnitFilter.DEPARTMENTS, UnitFilter.SELECTED)


class AlertState(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已知悉")
    HANDLED = "handled", _("已处置")
    CLEARED = "cleared", _("已解除")


class AlertAction(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("知悉")
    HANDLE = "handle", _("处置")


# Output tiers that make an enterprise a key enterprise (亿元以上), besides ``Enterprise.is_key``.
KEY_TIERS = ("100m", "1b", "10b")
# The alert rule's defaults; settings ``REPORTING_ALERT_INDICATOR`` /
# ``REPORTING_ALERT_THRESHOLD`` override them, a round's own threshold overrides both.
DEFAULT_ALERT_INDICATOR = "gy_zcz"  # 规模以上工业总产值 (cumulative, 亿元)
DEFAULT_ALERT_THRESHOLD = Decimal("-10.0")  # year-on-year growth in %, alert when below
