from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    GOVERNMENT = "government", _("党政机关")
    DEPARTMENT = "department", _("区级部门")
    TOWN = "town", _("镇街")
    SQUAD = "squad", _("服务专班")
    ENTERPRISE = "enterprise", _("企业")
    OWNER = "owner", _("项目业主")
    OTHER = "other", _("其他")


# Kinds that sit in one township rather than the whole district.
TOWNSHIP_KINDS = {OrgKind.TOWN}
