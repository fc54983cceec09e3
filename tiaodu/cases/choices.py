from django.db import models
from django.utils.translation import gettext_lazy as _


class Card(models.TextChoices):
    """红黄牌: a yellow card when a case passes its due date, red when it stays late."""

    NONE = "none", _("无")
    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")


class EventKind(models.TextChoices):
    TRANSITION = "transition", _("流转")
    COMMENT = "comment", _("备注")
    CARD = "card", _("挂牌")
    LIFT = "lift", _("摘牌")
    ATTACHMENT = "attachment", _("附件")
