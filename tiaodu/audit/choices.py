from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    LOGIN_SUCCEEDED = "login_succeeded", _("登录成功")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKED_OUT = "locked_out", _("账号锁定")
    LOGOUT = "logout", _("退出登录")
    SESSION_TIMEOUT = "session_timeout", _("会话超时")
    PERMISSION_DENIED = "permission_denied", _("越权访问")
    TOKEN_REJECTED = "token_rejected", _("令牌被拒")
    TOKEN_CREATED = "token_created", _("签发令牌")
    TOKEN_REVOKED = "token_revoked", _("吊销令牌")
    PASSWORD_CHANGED = "password_changed", _("修改密码")
    UNLOCKED = "unlocked", _("解除锁定")
    PI_REVEALED = "pi_revealed", _("查看个人信息")
    PI_REVEAL_REFUSED = "pi_reveal_refused", _("查看个人信息被拒")
    PI_EXPORTED = "pi_exported", _("导出个人信息(脱敏)")
    PI_EXPORTED_FULL = "pi_exported_full", _("导出个人信息(完整)")
    PI_ANONYMISED = "pi_anonymised", _("个人信息匿名化")


# Events an administrator should look at first.
ALERT_KINDS = {
    EventKind.LOGIN_FAILED,
    EventKind.LOCKED_OUT,
    EventKind.PERMISSION_DENIED,
    EventKind.TOKEN_REJECTED,
    EventKind.PI_REVEAL_REFUSED,
}
