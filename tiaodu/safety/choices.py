"""Choices of the work-safety app (安全生产). Stable codes in English, labels in Chinese."""

from django.db import models
from django.utils.translation import gettext_lazy as _

WORKFLOW = "hazard"  # the case-engine workflow of 隐患 (tiaodu.safety.workflow)


class UnitType(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INDIVIDUAL = "individual", _("个体工商户")
    MARKET = "market", _("商贸市场")
    SITE = "site", _("建筑工地")
    PORT = "port", _("港口码头")
    SAND = "sand", _("采砂区")
    GAS_STATION = "gas_station", _("加油站")
    SCHOOL = "school", _("学校")
    SCENIC = "scenic", _("景区")
    OTHER = "other", _("其他")


class RiskLevel(models.TextChoices):
    """Risk level of a unit, shown in the four colours of 风险分级管控."""

    MAJOR = "major", _("重大风险")
    LARGE = "large", _("较大风险")
    GENERAL = "general", _("一般风险")
    LOW = "low", _("低风险")


RISK_COLOURS = {
    RiskLevel.MAJOR: "red",
    RiskLevel.LARGE: "orange",
    RiskLevel.GENERAL: "yellow",
    RiskLevel.LOW: "blue",
}
RISK_COLOUR_LABELS = {"red": _("红"), "orange": _("橙"), "yellow": _("黄"), "blue": _("蓝")}
# The 双随机 draw's weights: a unit of higher risk is drawn more often.
RISK_WEIGHTS = {RiskLevel.MAJOR: 8, RiskLevel.LARGE: 4, RiskLevel.GENERAL: 2, RiskLevel.LOW: 1}


class InspectionKind(models.TextChoices):
    ENFORCEMENT = "enforcement", _("执法检查")
    JOINT = "joint", _("联合检查")
    PATROL = "patrol", _("日常巡查")
    SELF = "self", _("企业自查")


# The kinds counted as "执法检查N家次" (self-inspections are reported apart, patrols not at all).
ENFORCEMENT_KINDS = (InspectionKind.ENFORCEMENT, InspectionKind.JOINT)


class HazardGrade(models.TextChoices):
    GENERAL = "general", _("一般隐患")
    MAJOR = "major", _("重大隐患")


class RectifyMode(models.TextChoices):
    IMMEDIATE = "immediate", _("即查即改")
    DEADLINE = "deadline", _("限期整改")


class HazardState(models.TextChoices):
    """States of the hazard workflow on the case engine (发现-整改-验收)."""

    PENDING = "pending", _("待整改")
    RECTIFYING = "rectifying", _("整改中")
    AWAITING = "awaiting", _("待验收")
    ACCEPTED = "accepted", _("已验收(销号)")


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("整改前")
    AFTER = "after", _("整改后")


class DocumentKind(models.TextChoices):
    ORDER = "order", _("责令限期整改指令书")
    REVIEW = "review", _("整改复查意见书")
    DECISION = "decision", _("行政处罚决定书")


class PenaltyKind(models.TextChoices):
    """《安全生产违法行为行政处罚办法》第五条. Only 罚款 and 没收违法所得 carry an amount (元)."""

    WARNING = "warning", _("警告")
    FINE = "fine", _("罚款")
    CONFISCATION = "confiscation", _("没收违法所得")
    SUSPENSION = "suspension", _("责令停产停业(整顿)")
    LICENSE = "license", _("暂扣或者吊销有关许可证")
    CLOSURE = "closure", _("关闭")
    DETENTION = "detention", _("移送拘留")


AMOUNT_KINDS = (PenaltyKind.FINE, PenaltyKind.CONFISCATION)


class AccidentGrade(models.TextChoices):
    """《生产安全事故报告和调查处理条例》第三条; computed, never typed (tiaodu.safety.accidents)."""

    GENERAL = "general", _("一般事故")
    LARGER = "larger", _("较大事故")
    MAJOR = "major", _("重大事故")
    EXTRAORDINARY = "extraordinary", _("特别重大事故")


# 较大及以上: the grades that break "连续N个月未发生较大及以上事故".
SERIOUS_GRADES = (AccidentGrade.LARGER, AccidentGrade.MAJOR, AccidentGrade.EXTRAORDINARY)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已公布")


# 两单两卡 (each unit: 岗位风险清单, 岗位职责清单, 岗位操作卡, 岗位应急处置卡): field name → label.
TWO_LISTS_TWO_CARDS = {
    "has_risk_list": _("岗位风险清单"),
    "has_duty_list": _("岗位职责清单"),
    "has_operation_card": _("岗位操作卡"),
    "has_emergency_card": _("岗位应急处置卡"),
}

# The sectors every district starts with, and the department that supervises each (三管三必须),
# looked up by name among the district's organisations (short name or full name).
DEFAULT_SECTORS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("hazchem", "危险化学品", ("应急管理局", "区应急管理局")),
    ("mining", "非煤矿山", ("应急管理局", "区应急管理局")),
    ("fireworks", "烟花爆竹", ("应急管理局", "区应急管理局")),
    ("industry", "工贸", ("应急管理局", "区应急管理局")),
    ("construction", "建筑施工", ("住房城乡建委", "区住房城乡建委", "住建委")),
    ("road", "道路运输", ("交通局", "区交通局")),
    ("water_transport", "水上交通", ("交通局", "区交通局")),
    ("gas", "城镇燃气", ("城市管理局", "区城市管理局", "住建委", "区住房城乡建委")),
    ("fire", "消防", ("消防救援支队", "区消防救援支队")),
    ("special_equipment", "特种设备", ("市场监管局", "区市场监管局")),
    ("commerce", "商贸", ("商务委", "区商务委")),
    ("tourism", "文化旅游", ("文化旅游委", "区文化旅游委")),
    ("education", "教育", ("教委", "区教委")),
    ("health", "医疗卫生", ("卫生健康委", "区卫生健康委")),
    ("agriculture", "农业农村", ("农业农村委", "区农业农村委")),
    ("water", "水利", ("水利局", "区水利局")),
    ("power", "电力", ("经济信息委", "区经济信息委")),
    ("explosives", "民爆物品", ("经济信息委", "区经济信息委")),
)

# Defaults of SafetySettings.
DEFAULT_RECENT_DAYS = 90  # a unit inspected within this many days is left out of a draw
DEFAULT_YEARLY_CAP = 2  # planned inspections of one unit by one department per year
DEFAULT_INSPECTORS_PER_VISIT = 2
DEFAULT_ACCEPTANCE_DAYS = 5  # working days the accepting department has after 提请验收
DEFAULT_RECTIFY_DAYS = 10  # working days of a 限期整改 when no deadline is given
