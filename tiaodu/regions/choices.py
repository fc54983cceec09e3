from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    NATION = 0, _("国家")
    PROVINCE = 1, _("省级")
    CITY = 2, _("地级")
    COUNTY = 3, _("区县")
    TOWNSHIP = 4, _("镇街")


NATION_CODE = "100000"
NATION_NAME = "全国"
