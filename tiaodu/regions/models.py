"""The administrative division tree (国家 → 省 → 市 → 区县 → 镇街) and ranking peer groups."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tiaodu.accounts.choices import Role
from tiaodu.core.models import ScopedModel
from tiaodu.core.permissions import SELF, Scope
from tiaodu.regions.choices import Level

ALL_ROLES_VIEW = {role.value: "view" for role in Role}


class Region(ScopedModel):
    """One division. Codes follow GB/T 2260 (6 digits down to county) and the statistical
    9-digit township codes; ``100000`` is the nation. ``path`` holds the ancestors' codes
    ("100000/500000/500100/500152/") so that a subtree is one indexed prefix match."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=80, unique=True)

    scope = Scope(region=SELF, public_read=True, actions=ALL_ROLES_VIEW)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        indexes = [
            models.Index(fields=["path"], name="region_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["parent", "code"], name="region_parent_code"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("regions:detail", args=[self.code])

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        """The name with its county and city, e.g. 重庆市潼南区古溪镇."""
        from tiaodu.regions.services import ancestors

        names = [
            r.name for r in ancestors(self) if r.level >= Level.PROVINCE and r.name not in ("市辖区", "县")
        ]
        return "".join([*names, self.name])


class PeerGroup(ScopedModel):
    """A group of regions ranked against each other (e.g. Chongqing's 考核组 "主城新区")."""

    name = models.CharField(_("名称"), max_length=64)
    scheme = models.CharField(_("分组方案"), max_length=64, help_text=_("例如:一区两群"))
    parent = models.ForeignKey(Region, verbose_name=_("所属地区"), on_delete=models.PROTECT, related_name="+")
    members = models.ManyToManyField(Region, verbose_name=_("成员"), related_name="peer_groups")

    scope = Scope(public_read=True, actions=ALL_ROLES_VIEW)

    class Meta:
        ordering = ["scheme", "name"]
        constraints = [models.UniqueConstraint(fields=["scheme", "name"], name="peergroup_scheme_name")]
        verbose_name = _("考核组")
        verbose_name_plural = _("考核组")

    def __str__(self) -> str:
        return self.name
