from django.db import models
from django.utils.translation import gettext_lazy as _


class OutputTier(models.TextChoices):
    NONE = "", _("—")
    OVER_10B = "10b", _("百亿元以上")
    OVER_1B = "1b", _("十亿元以上")
    OVER_100M = "100m", _("亿元以上")
    OVER_50M = "50m", _("5000万元以上")
    UNDER_50M = "small", _("5000万元以下")


class NeedKind(models.TextChoices):
    LABOUR = "labour", _("用工")
    FINANCING = "financing", _("融资")
    SUPPLY = "supply", _("原材料供应")
    LOGISTICS = "logistics", _("物流运输")
    OTHER = "other", _("其他")


class ServiceKind(models.TextChoices):
    FINANCING = "financing", _("协调融资")
    MATCHING = "matching", _("配套协作")
    PASS = "pass", _("办理通行证")
    SUPPLIES = "supplies", _("采购防疫物资")
    POLICY = "policy", _("政策兑现")
    LETTER = "letter", _("出具协调函")
    RECRUITMENT = "recruitment", _("招聘用工")
    RESUMPTION = "resumption", _("协调复工复产")
    GUARANTEE = "guarantee", _("申报保供企业")
    GUARANTEE_OK = "guarantee_ok", _("获批市级保供企业")
    OTHER = "other", _("其他")


class AppealState(models.TextChoices):
    ACCEPTED = "accepted", _("已受理")
    ASSIGNED = "assigned", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已办结")
    RATED = "rated", _("已评价")
    RETURNED = "returned", _("已退回")


# The appeal categories of the 企业困难收集表, with default department (by short name) and the
# time limit in working days. Loaded by migration; editable afterwards.
APPEAL_CATEGORIES = [
    ("labour", "用工", "人社局", 10),
    ("financing", "融资", "财政局", 15),
    ("supply", "原材料供应", "经信委", 7),
    ("logistics", "物流运输", "交通局", 5),
    ("approval", "审批手续", "发改委", 15),
    ("policy", "政策兑现", "财政局", 20),
    ("epidemic", "防疫物资", "经信委", 3),
    ("matching", "配套协作", "经信委", 10),
    ("land", "用地", "住建委", 20),
    ("other", "其他", "经信委", 10),
]


# An appeal's 来源 when the difficulty was collected on a visit (走访): the report counts every such
# appeal as 现场收集困难, and imports link it to the enterprise's latest visit in the 30 days before.
VISIT_SOURCE = "走访"
