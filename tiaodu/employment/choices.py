"""Choices and defaults of the employment (稳就业) module."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OccupationLevel(models.IntegerChoices):
    """The levels of 《中华人民共和国职业分类大典(2022年版)》: code shapes 6, 6-05, 6-05-01, 6-05-01-01."""

    MAJOR = 1, _("大类")
    MIDDLE = 2, _("中类")
    MINOR = 3, _("小类")
    OCCUPATION = 4, _("细类(职业)")


class Education(models.TextChoices):
    """文化程度, in ascending order (``EDUCATION_RANK``)."""

    NONE = "", _("不限")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中专/技校")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生")


EDUCATION_RANK = {value: rank for rank, value in enumerate(Education.values)}


class Shift(models.TextChoices):
    DAY = "day", _("长白班")
    TWO = "two", _("两班倒")
    THREE = "three", _("三班倒")
    FLEXIBLE = "flexible", _("弹性/计件")


class Sex(models.TextChoices):
    MALE = "m", _("男")
    FEMALE = "f", _("女")


class PriorityGroup(models.TextChoices):
    """重点群体. A jobseeker may belong to several: stored space-separated in ``Jobseeker.groups``."""

    POVERTY = "poverty", _("脱贫劳动力")
    RETURNEE = "returnee", _("返乡农民工")
    GRADUATE = "graduate", _("高校毕业生")
    HARDSHIP = "hardship", _("就业困难人员")
    VETERAN = "veteran", _("退役军人")


class RegisteredVia(models.TextChoices):
    STAFF = "staff", _("镇村工作人员登记")
    FAIR = "fair", _("招聘会现场登记")
    SELF = "self", _("本人手机登记")
    IMPORT = "import", _("批量导入")


class VacancyStatus(models.TextChoices):
    OPEN = "open", _("招聘中")
    FILLED = "filled", _("已招满")
    CLOSED = "closed", _("已关闭")


class FairKind(models.TextChoices):
    SPRING = "spring", _("春风行动专场")
    MARKET_DAY = "market_day", _("赶场天专场")
    PARK = "park", _("园区招聘会")
    ONLINE = "online", _("网络招聘会")


class SignInVia(models.TextChoices):
    STAFF = "staff", _("工作人员登记")
    QR = "qr", _("扫码签到")


class CalendarKind(models.TextChoices):
    SOLAR = "solar", _("公历")
    LUNAR = "lunar", _("农历")


class OutcomeState(models.TextChoices):
    """意向 → 面试 → 录用 → 入职 → 回访(30天、90天). ``LEFT``: no longer employed at a follow-up (or
    before); ``DROPPED``: the intention came to nothing before the start. The transition table is
    ``tiaodu.employment.outcomes.TRANSITIONS``."""

    INTENDED = "intended", _("意向")
    INTERVIEWED = "interviewed", _("面试")
    HIRED = "hired", _("录用")
    EMPLOYED = "employed", _("入职")
    CHECKED_30 = "checked_30", _("30天回访在岗")
    CHECKED_90 = "checked_90", _("90天回访在岗")
    LEFT = "left", _("已离岗")
    DROPPED = "dropped", _("未达成")


class LeaveReason(models.TextChoices):
    """Why a placed person is no longer employed at a follow-up (or why an intention failed)."""

    WAGE = "wage", _("薪资")
    DISTANCE = "distance", _("距离")
    MISMATCH = "mismatch", _("岗位不符")
    DISMISSED = "dismissed", _("企业辞退")
    OTHER = "other", _("其他")


# Defaults of a district's EmploymentSettings.
DEFAULT_RETENTION_DAYS = 3 * 365  # personal data kept after the last activity, then anonymised
DEFAULT_COMMUTE_MINUTES = 60
DEFAULT_CONSENT_PURPOSE = "用于就业登记、岗位推荐、招聘会及求职专车服务和就业跟踪回访"
FOLLOW_UP_DAYS = (30, 90)
