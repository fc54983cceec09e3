"""Open311 GeoReport v2: API keys bound to an enterprise or an organisation, and what a request
carried that an appeal has no field for (location, device, contact, media)."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Open311Key(models.Model):
    """An ``api_key`` for POSTing service requests. Only its SHA-256 is stored; shown once.

    Bound to exactly one enterprise (which files its own appeals) or one organisation (a town
    government, a department, a service squad …, which files appeals for enterprises in its scope).
    There is no ``scope``: keys are managed from the command line (admin only in the UI).
    """

    PREFIX = "o311_"

    name = models.CharField(_("名称"), max_length=64)
    prefix = models.CharField(_("前缀"), max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("绑定企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="open311_keys",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("绑定机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="open311_keys",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Open311 密钥")
        verbose_name_plural = _("Open311 密钥")
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False, organization__isnull=True)
                | Q(enterprise__isnull=True, organization__isnull=False),
                name="open311key_one_binding",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @classmethod
    def new_key(cls) -> str:
        # 8 hex characters of public prefix (never starts with "-", reads aloud unambiguously).
        return cls.PREFIX + secrets.token_hex(4) + secrets.token_urlsafe(32)

    @classmethod
    def prefix_of(cls, key: str) -> str:
        return key[len(cls.PREFIX) : len(cls.PREFIX) + 8]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Open311Request(models.Model):
    """The Open311 side of an appeal filed through the API (one per case)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="open311")
    key = models.ForeignKey(
        Open311Key, verbose_name=_("密钥"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token = models.CharField(_("令牌"), max_length=64, unique=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    long = models.FloatField(_("经度"), null=True, blank=True)
    address_string = models.CharField(_("地址"), max_length=255, blank=True)
    address_id = models.CharField(_("地址编号"), max_length=64, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    device_id = models.CharField(_("设备编号"), max_length=64, blank=True)
    account_id = models.CharField(_("账号"), max_length=64, blank=True)
    first_name = models.CharField(_("名"), max_length=64, blank=True)
    last_name = models.CharField(_("姓"), max_length=64, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    media_url = models.URLField(_("媒体链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 请求")
        verbose_name_plural = _("Open311 请求")

    def __str__(self) -> str:
        return f"{self.case_id} {self.token}"
