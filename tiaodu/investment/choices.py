"""Choices of the investment pipeline (招商引资). Stages, sources and levels are codes; the labels
are what staff read and write in imports."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """Where an investment project stands. The order of the chain is :data:`STAGE_CHAIN`."""

    LEAD = "lead", _("线索")
    CONTACT = "contact", _("接洽")
    NEGOTIATING = "negotiating", _("在谈")
    INTENT = "intent", _("意向明显")
    TO_SIGN = "to_sign", _("拟签约")
    SIGNED = "signed", _("签约")
    REGISTERED = "registered", _("注册落地")
    STARTED = "started", _("开工")
    PRODUCING = "producing", _("投产")
    TERMINATED = "terminated", _("终止")


# The stages in order; 终止 sits outside the chain (reachable from any stage before 投产).
STAGE_CHAIN = [
    Stage.LEAD,
    Stage.CONTACT,
    Stage.NEGOTIATING,
    Stage.INTENT,
    Stage.TO_SIGN,
    Stage.SIGNED,
    Stage.REGISTERED,
    Stage.STARTED,
    Stage.PRODUCING,
]
# Stages before signing: the pipeline still being worked (跟进级别 applies to these).
OPEN_STAGES = STAGE_CHAIN[: STAGE_CHAIN.index(Stage.SIGNED)]
# Stages from signing on: 协议投资额, funds in place and the hand-off to key projects apply.
SIGNED_STAGES = STAGE_CHAIN[STAGE_CHAIN.index(Stage.SIGNED) :]
# "在库重点在谈项目": 重点 projects in one of these stages on the date asked about.
IN_TALKS_STAGES = [Stage.NEGOTIATING, Stage.INTENT, Stage.TO_SIGN]
# "其中投资意向比较明显的": those of them in one of these.
CLEAR_INTENT_STAGES = [Stage.INTENT, Stage.TO_SIGN]


class TerminationReason(models.TextChoices):
    STRATEGY = "strategy", _("战略调整")
    FACTORS = "factors", _("要素条件不满足")
    POLICY = "policy", _("政策条件不满足")
    LOST = "lost", _("被其他地区争取")
    ENVIRONMENT = "environment", _("环保安全不符")
    FUNDS = "funds", _("资金不到位")
    OTHER = "other", _("其他")


class TeamKind(models.TextChoices):
    REGIONAL = "regional", _("区域招商组")
    INDUSTRY = "industry", _("产业招商组")
    CHAIN = "chain", _("产业链专班")
    TOWN = "town", _("镇街招商小分队")


class Source(models.TextChoices):
    """Where a lead or project came from (来源)."""

    TOWN_TEAM = "town_team", _("镇街招商小分队")
    REGIONAL_TEAM = "regional_team", _("区域招商组")
    CHAIN_SQUAD = "chain_squad", _("产业链专班")
    BUSINESS = "business", _("以商招商")
    CHAMBER = "chamber", _("商会/中介")
    EXPO = "expo", _("展会/推介会")
    OTHER = "other", _("其他")


class FollowLevel(models.TextChoices):
    CLOSE = "close", _("紧密跟进")
    GENERAL = "general", _("一般跟进")
    RESERVE = "reserve", _("在谈储备")


class FollowUpKind(models.TextChoices):
    VISIT = "visit", _("登门拜访")
    INSPECTION = "inspection", _("邀请考察/来区考察")
    TALKS = "talks", _("洽谈")
    CALL = "call", _("电话/视频")
    PROMOTION = "promotion", _("推介会")


class FundSource(models.TextChoices):
    """到位资金来源 as the statistics count it."""

    OUT_OF_DISTRICT = "in_city", _("区外市内")
    OUT_OF_CITY = "in_country", _("市外境内")
    ABROAD = "abroad", _("境外")


class LeadStatus(models.TextChoices):
    NEW = "new", _("待分派")
    ASSIGNED = "assigned", _("已分派")
    CONVERTED = "converted", _("已转项目")
    DUPLICATE = "duplicate", _("重复线索")
    CLOSED = "closed", _("不予跟进")


class DuplicateStatus(models.TextChoices):
    """首报制: a lead or project whose investor is already in the pipeline waits for 招商投资局."""

    NONE = "", _("—")
    PENDING = "pending", _("待裁定")
    CONFIRMED = "confirmed", _("认定重复(归首报)")
    OVERRULED = "overruled", _("认定不重复")


class InvestmentCardReason(models.TextChoices):
    NO_FOLLOW_UP = "no_follow_up", _("长期未跟进")
    MISSED_NEXT = "missed_next", _("错过计划跟进日期")
    NOT_STARTED = "not_started", _("签约后未开工")


class ResourceKind(models.TextChoices):
    LAND = "land", _("土地")
    FACTORY = "factory", _("标准厂房")


class ResourceStatus(models.TextChoices):
    AVAILABLE = "available", _("可供")
    RESERVED = "reserved", _("意向锁定")
    TAKEN = "taken", _("已落地")
    WITHDRAWN = "withdrawn", _("撤回")


class EnterpriseSize(models.TextChoices):
    """企业规模 per 《统计上大中小微型企业划分办法》."""

    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("微型")


class TargetKind(models.TextChoices):
    FORTUNE_500 = "fortune500", _("世界500强")
    CHINA_500 = "china500", _("中国500强")
    CHAIN_LEADER = "chain_leader", _("链主企业")
    LISTED = "listed", _("上市公司")
    OTHER = "other", _("其他")


# Default settings of a district's pipeline (PipelineSettings overrides them).
DEFAULT_FOLLOW_UP_DAYS = 30
DEFAULT_NOT_STARTED_MONTHS = 6
# The key industries a district starts with when none are configured: 潼南's seven.
DEFAULT_KEY_INDUSTRIES = [
    "绿色化工新材料",
    "电子信息",
    "装备制造",
    "食品及农产品加工",
    "新能源",
    "生物医药",
    "纺织服装",
]
# The groups of regions (重点区域) a district starts with: name → province-level codes.
DEFAULT_FOCUS_AREAS = {
    "粤港澳大湾区": ["440000", "810000", "820000"],
    "长三角": ["310000", "320000", "330000", "340000"],
    "京津冀": ["110000", "120000", "130000"],
    "成渝地区": ["510000", "500000"],
}
