from django.db import models
from django.utils.translation import gettext_lazy as _


class EventAction(models.TextChoices):
    """What happens to a project at a collective event (集中签约/开工/竣工投产)."""

    SIGN = "sign", _("签约")
    START = "start", _("开工")
    COMPLETE = "complete", _("竣工投产")


# Words staff write in the 活动类型 column, mapped to the action.
ACTION_WORDS = {
    "签约": EventAction.SIGN,
    "集中签约": EventAction.SIGN,
    "云签约": EventAction.SIGN,
    "开工": EventAction.START,
    "集中开工": EventAction.START,
    "竣工投产": EventAction.COMPLETE,
    "集中竣工投产": EventAction.COMPLETE,
    "竣工": EventAction.COMPLETE,
    "投产": EventAction.COMPLETE,
}
