"""Organisations: departments, town governments, service squads, enterprises, project owners."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tiaodu.core.models import ScopedModel, TimeStampedModel
from tiaodu.core.permissions import SELF, Scope, ScopedQuerySet
from tiaodu.orgs.choices import OrgKind

if TYPE_CHECKING:
    from tiaodu.accounts.models import User


class OrganizationQuerySet(ScopedQuerySet["Organization"]):
    def squads_of(self, user: User) -> OrganizationQuerySet:
        """The squads the user leads or serves in."""
        return self.filter(Q(members=user) | Q(leader=user), kind=OrgKind.SQUAD).distinct()


class Organization(TimeStampedModel, ScopedModel):
    name = models.CharField(_("名称"), max_length=128)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=OrgKind.choices, db_index=True)
    code = models.CharField(
        _("机构代码"), max_length=32, blank=True, help_text=_("统一社会信用代码或内部编码,可留空")
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属地区"), on_delete=models.PROTECT, related_name="organizations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_organizations",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("专班成员"), blank=True, related_name="squads"
    )
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    notes = models.TextField(_("备注"), blank=True)

    objects = OrganizationQuerySet.as_manager()  # type: ignore[misc]

    scope = Scope(
        region="region",
        orgs=(SELF,),
        squads=(SELF,),
        users=("leader",),
        actions={
            "leader": "view",
            "department": "view change",
            "town": "view add change",
            "squad": "view",
            "enterprise": "view change",
            "owner": "view change",
        },
    )

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="org_code_unique"),
            models.UniqueConstraint(fields=["region", "kind", "name"], name="org_region_kind_name_unique"),
        ]
        indexes = [models.Index(fields=["region", "kind"], name="org_region_kind")]

    def get_absolute_url(self) -> str:
        return reverse("orgs:detail", args=[self.pk])

    def __str__(self) -> str:
        return self.name
