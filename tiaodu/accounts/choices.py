from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """User roles; the codes are what the CLI and the API accept."""

    ADMIN = "admin", _("系统管理员")
    LEADER = "leader", _("区领导")
    DEPARTMENT = "department", _("部门人员")
    TOWN = "town", _("镇街人员")
    SQUAD = "squad", _("专班成员")
    ENTERPRISE = "enterprise", _("企业用户")
    OWNER = "owner", _("项目业主")


# Roles whose users work for the district as a whole and so need a district region.
DISTRICT_ROLES = {Role.LEADER, Role.DEPARTMENT, Role.SQUAD}
# Roles tied to one organisation outside government.
EXTERNAL_ROLES = {Role.ENTERPRISE, Role.OWNER}
