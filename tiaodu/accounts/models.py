"""Users (with a role, a region and an organisation) and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.choices import Role
from tiaodu.core.models import ScopedModel
from tiaodu.core.permissions import SELF, Scope, ScopedQuerySet

# The interface languages a user may choose (settings.LANGUAGES); Chinese unless chosen otherwise.
DEFAULT_LANGUAGE = "zh-hans"


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class UserQuerySet(ScopedQuerySet["User"]):
    pass


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser, ScopedModel):
    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    role = models.CharField(
        _("角色"), max_length=16, choices=Role.choices, default=Role.DEPARTMENT, db_index=True
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属地区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(_("手机号码"), max_length=32, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    must_change_password = models.BooleanField(
        _("须修改密码"),
        default=False,
        help_text=_("初始密码或管理员重置的密码:下次登录后须先修改密码才能使用系统"),
    )
    language = models.CharField(
        _("界面语言"),
        max_length=8,
        choices=Language.choices,
        default=DEFAULT_LANGUAGE,
        help_text=_("用户自己选择的界面语言;浏览器的语言设置不起作用"),
    )

    objects = UserManager()  # type: ignore[misc]

    scope = Scope(
        region="region",
        orgs=("organization",),
        squads=("squads",),
        users=(SELF,),
        actions={role.value: "view" for role in Role},
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def get_absolute_url(self) -> str:
        return reverse("accounts:user_detail", args=[self.pk])

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return f"{self.full_name}({self.username})" if self.full_name else self.username


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for machine clients. Only its SHA-256 is stored; the key is shown once."""

    PREFIX = "tdu_"

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=64, blank=True)
    prefix = models.CharField(_("前缀"), max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user.username})"

    @classmethod
    def new_key(cls) -> str:
        # The first 8 characters after "tdu_" are the public prefix: hex, so that it never starts
        # with "-" (which a command line would take for an option) and reads aloud unambiguously.
        return cls.PREFIX + secrets.token_hex(4) + secrets.token_urlsafe(32)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired
