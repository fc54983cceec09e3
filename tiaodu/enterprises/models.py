"""The enterprise registry, visits (走访), structured needs and the services delivered."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tiaodu.core import pii
from tiaodu.core.models import ScopedModel, TimeStampedModel
from tiaodu.core.permissions import Scope
from tiaodu.enterprises.choices import NeedKind, OutputTier, ServiceKind

ENTERPRISE_ACTIONS = {
    "leader": "view",
    "department": "view change",
    "town": "view add change",
    "squad": "view change",
    "enterprise": "view",
    "owner": "view",
}


class Enterprise(TimeStampedModel, ScopedModel):
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("企业名称"), max_length=128)
    # The enterprise as an organisation: its users belong to it and its appeals are filed by it.
    organization = models.OneToOneField(
        "orgs.Organization", verbose_name=_("机构"), on_delete=models.PROTECT, related_name="enterprise"
    )
    township = models.ForeignKey(
        "regions.Region", verbose_name=_("所属镇街"), on_delete=models.PROTECT, related_name="+"
    )
    industry_code = models.CharField(_("行业代码"), max_length=8, blank=True, help_text=_("GB/T 4754-2017"))
    is_above_scale = models.BooleanField(_("规上企业"), default=False, db_index=True)
    is_key = models.BooleanField(_("重点企业"), default=False, db_index=True)
    output_tier = models.CharField(_("产值规模"), max_length=8, choices=OutputTier.choices, blank=True)
    is_leading = models.BooleanField(_("龙头企业"), default=False)
    is_shuangbai = models.BooleanField(_("“双百”企业"), default=False)
    is_specialized = models.BooleanField(_("专精特新"), default=False)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    # The contact's phone is personal information: encrypted at rest, found by keyed hash,
    # shown masked; ``contact_phone`` reads the mask and encrypts what is assigned
    # (tiaodu.core.pii). The full number: ``services.reveal_contact_phone`` (audited).
    contact_phone_enc = models.TextField(_("联系电话(密文)"), blank=True, editable=False)
    contact_phone_hash = models.CharField(_("联系电话检索码"), max_length=64, blank=True, editable=False)
    contact_phone_mask = models.CharField(_("联系电话"), max_length=32, blank=True, editable=False)
    contact_phone = pii.protected("contact_phone")
    address = models.CharField(_("地址"), max_length=255, blank=True)
    liaison_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("联系领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    liaison_department = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("联系科室"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    squad = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("服务专班"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resident_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("驻厂服务专员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(_("备注"), blank=True)

    scope = Scope(
        region="township",
        orgs=("organization", "liaison_department"),
        squads=("squad",),
        users=("liaison_leader", "resident_officer"),
        actions=ENTERPRISE_ACTIONS,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        indexes = [models.Index(fields=["township", "is_above_scale"], name="enterprise_township_scale")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("enterprises:detail", args=[self.pk])


def _scope_via_enterprise(**extra: str) -> Scope:
    return Scope(
        region="enterprise__township",
        orgs=("enterprise__organization", "enterprise__liaison_department", *extra.get("orgs", "").split()),
        squads=("enterprise__squad",),
        users=("enterprise__liaison_leader", "enterprise__resident_officer", "created_by"),
        actions={**ENTERPRISE_ACTIONS, "department": "view add change", "squad": "view add change"},
    )


class Visit(TimeStampedModel, ScopedModel):
    """走访: who went where, when, and what they heard; difficulties raised become appeals."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField(_("走访日期"), db_index=True)
    visiting_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("走访单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    visitors = models.CharField(_("走访人"), max_length=255)
    record = models.TextField(_("情况记录"), blank=True)
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("收集的困难诉求"), blank=True, related_name="visits"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope = _scope_via_enterprise(orgs="visiting_org")

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = _("走访")
        verbose_name_plural = _("走访")

    def __str__(self) -> str:
        return f"{self.visited_on} {self.enterprise}"


class Need(TimeStampedModel, ScopedModel):
    """A structured need from the 企业困难收集表 (labour, financing, supply, logistics)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="needs"
    )
    kind = models.CharField(_("需求类型"), max_length=16, choices=NeedKind.choices, db_index=True)
    raised_on = models.DateField(_("提出日期"), db_index=True)
    people = models.PositiveIntegerField(_("用工人数"), null=True, blank=True)
    job_types = models.CharField(_("工种"), max_length=255, blank=True)
    amount_wan = models.DecimalField(_("金额(万元)"), max_digits=14, decimal_places=2, null=True, blank=True)
    description = models.TextField(_("说明"), blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("对应诉求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope = _scope_via_enterprise()

    class Meta:
        ordering = ["-raised_on", "-pk"]
        verbose_name = _("企业需求")
        verbose_name_plural = _("企业需求")

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_kind_display()}"


class ServiceRecord(TimeStampedModel, ScopedModel):
    """What the government did: financing coordinated, suppliers matched, passes issued, …"""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="services"
    )
    kind = models.CharField(_("服务类型"), max_length=16, choices=ServiceKind.choices, db_index=True)
    served_on = models.DateField(_("日期"), db_index=True)
    org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("服务单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    counterpart = models.CharField(_("合作方"), max_length=128, blank=True, help_text=_("银行、配套企业等"))
    amount_wan = models.DecimalField(_("金额(万元)"), max_digits=14, decimal_places=2, null=True, blank=True)
    quantity = models.PositiveIntegerField(
        _("数量"), null=True, blank=True, help_text=_("笔数、家次、张数、批次等")
    )
    unit = models.CharField(_("单位"), max_length=8, blank=True)
    policy = models.ForeignKey(
        "investment.Policy",
        verbose_name=_("兑现政策"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_records",
        help_text=_("政策兑现时填写,链接政策库"),
    )
    description = models.TextField(_("说明"), blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("对应诉求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope = _scope_via_enterprise(orgs="org")

    class Meta:
        ordering = ["-served_on", "-pk"]
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_kind_display()}"
