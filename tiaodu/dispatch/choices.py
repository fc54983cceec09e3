from django.db import models
from django.utils.translation import gettext_lazy as _

# The rounds' states are shared by every kind of round (ADR 0028).
from tiaodu.core.rounds import RoundState as RoundState


class PeriodKind(models.TextChoices):
    WEEK = "week", _("周")
    XUN = "xun", _("旬")
    MONTH = "month", _("月")


class ProblemState(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    ASSIGNED = "assigned", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    RETURNED = "returned", _("已退回")
    RESOLVED = "resolved", _("已解决")


# The project-problem categories (code, name, default department's short name in the demo district,
# time limit in working days), seeded by migration 0002; departments are linked by the demo loader.
PROBLEM_CATEGORIES = [
    ("material", "材料运输", "交通局", 5),
    ("approval", "前期审批", "发改委", 10),
    ("land", "用地", "住建委", 15),
    ("funding", "资金", "财政局", 15),
    ("labour", "用工", "人社局", 7),
    ("coordination", "协调", "发改委", 5),
]
DEFAULT_PROBLEM_CATEGORY = "coordination"
# Workers on site may exceed workers required by this share before the reporter must confirm.
WORKERS_TOLERANCE = 0.10
