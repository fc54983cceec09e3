from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectLevel(models.TextChoices):
    CITY = "city", _("市级重点")
    DISTRICT = "district", _("区级重点")
    GENERAL = "general", _("一般")


class ProjectKind(models.TextChoices):
    NEW = "new", _("新建")
    CONTINUING = "continuing", _("续建")
    RESERVE = "reserve", _("储备")


class ProjectCategory(models.TextChoices):
    INDUSTRY = "industry", _("产业")
    INFRASTRUCTURE = "infrastructure", _("基础设施")
    LIVELIHOOD = "livelihood", _("民生")
    INTELLIGENT = "intelligent", _("智能化改造")
    SOCIAL = "social", _("社会事业")
    ECOLOGY = "ecology", _("生态环保")
    OTHER = "other", _("其他")


class Funding(models.TextChoices):
    GOVERNMENT = "government", _("政府投资")
    SOCIAL = "social", _("社会投资")
    PPP = "ppp", _("PPP")
    SPECIAL_BOND = "special_bond", _("专项债")
    MIXED = "mixed", _("混合")


class BondField(models.TextChoices):
    NONE = "", _("—")
    PUBLIC_HEALTH = "public_health", _("公共卫生服务")
    MUNICIPAL = "municipal", _("市政基础设施")
    OLD_COMMUNITY = "old_community", _("老旧小区配套基础设施")
    RESERVES = "reserves", _("物资储备")
    OTHER = "other", _("其他")


class Stage(models.TextChoices):
    RESERVE = "reserve", _("储备")
    SIGNED = "signed", _("签约")
    LANDED = "landed", _("落地")
    STARTED = "started", _("开工")
    BUILDING = "building", _("在建")
    COMPLETED = "completed", _("竣工")
    OPERATING = "operating", _("投产")
    FULL_PRODUCTION = "full_production", _("达产")
    SUSPENDED = "suspended", _("停建")
    CANCELLED = "cancelled", _("取消")


# The stages a project moves through in order; 停建 and 取消 sit outside the chain.
STAGE_CHAIN = [
    Stage.RESERVE,
    Stage.SIGNED,
    Stage.LANDED,
    Stage.STARTED,
    Stage.BUILDING,
    Stage.COMPLETED,
    Stage.OPERATING,
    Stage.FULL_PRODUCTION,
]
# Stages a project can be suspended from (and return to when work resumes).
ACTIVE_STAGES = [Stage.SIGNED, Stage.LANDED, Stage.STARTED, Stage.BUILDING]
# The field on Project that records the date each stage was reached.
STAGE_DATE_FIELDS = {
    Stage.RESERVE: "reserved_on",
    Stage.SIGNED: "signed_on",
    Stage.LANDED: "landed_on",
    Stage.STARTED: "started_on",
    Stage.BUILDING: "building_on",
    Stage.COMPLETED: "completed_on",
    Stage.OPERATING: "operating_on",
    Stage.FULL_PRODUCTION: "full_production_on",
    Stage.SUSPENDED: "suspended_on",
    Stage.CANCELLED: "cancelled_on",
}


class MilestoneKind(models.TextChoices):
    APPROVAL = "approval", _("立项")
    LAND = "land", _("用地")
    PLANNING_PERMIT = "planning_permit", _("规划许可")
    CONSTRUCTION_PERMIT = "construction_permit", _("施工许可")
    TENDER = "tender", _("招标")
    MOBILISATION = "mobilisation", _("进场")
    START = "start", _("开工")
    COMPLETION = "completion", _("竣工")
    PRODUCTION = "production", _("投产")
    OTHER = "other", _("其他")


# Default backward-scheduling templates (loaded by migration 0002, editable afterwards):
# per project kind, the milestones in order with the days each takes after the previous one.
DEFAULT_TEMPLATES: dict[str, list[tuple[str, int]]] = {
    ProjectKind.NEW: [
        (MilestoneKind.APPROVAL, 30),
        (MilestoneKind.LAND, 60),
        (MilestoneKind.PLANNING_PERMIT, 30),
        (MilestoneKind.CONSTRUCTION_PERMIT, 20),
        (MilestoneKind.TENDER, 30),
        (MilestoneKind.MOBILISATION, 10),
        (MilestoneKind.START, 5),
        (MilestoneKind.COMPLETION, 365),
        (MilestoneKind.PRODUCTION, 60),
    ],
    ProjectKind.CONTINUING: [
        (MilestoneKind.TENDER, 30),
        (MilestoneKind.MOBILISATION, 15),
        (MilestoneKind.COMPLETION, 240),
        (MilestoneKind.PRODUCTION, 60),
    ],
    ProjectKind.RESERVE: [
        (MilestoneKind.APPROVAL, 45),
        (MilestoneKind.LAND, 90),
        (MilestoneKind.PLANNING_PERMIT, 30),
        (MilestoneKind.CONSTRUCTION_PERMIT, 20),
        (MilestoneKind.TENDER, 30),
        (MilestoneKind.MOBILISATION, 10),
        (MilestoneKind.START, 5),
    ],
}
