"""Test data for the case engine and the enterprise module (the demo has no enterprises yet)."""

from __future__ import annotations

from datetime import date
from typing import Any

from stdnum.cn import uscc

from tiaodu.cases.models import Case
from tiaodu.enterprises import services as enterprises
from tiaodu.enterprises.models import Enterprise
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization

GUXI = "500152103"  # 古溪镇
YUXI = "500152107"  # 玉溪镇
# Demo enterprise organisations (tiaodu.core.demo); the user ``qiye`` belongs to the first.
QIYE_NAME = "重庆潼南古溪食品有限公司"
YUXI_NAME = "重庆玉溪新材料有限公司"


def credit_code(serial: int, district: str = "500152") -> str:
    """A valid unified social credit code (GB 32100-2015) with the given serial."""
    first17 = f"91{district}MA{serial:07d}"
    return first17 + uscc.calc_check_digit(first17)


def enterprise(code: str, township: str = GUXI, name: str = "", **fields: Any) -> Enterprise:
    """Create (or update) an enterprise as the command line does (no acting user)."""
    made, _created = enterprises.save_enterprise(
        None, code, township, name=name or f"测试企业{code[-6:]}", **fields
    )
    return made


def demo_enterprise(org_name: str, township: str, serial: int) -> Enterprise:
    """The registry entry of a demo enterprise organisation (registered here if the demo has none:
    the organisation, entered without a valid credit code, is taken over by the registry)."""
    org = Organization.objects.get(name=org_name, kind=OrgKind.ENTERPRISE)
    existing = Enterprise.objects.filter(organization=org).first()
    code = org.code if uscc.is_valid(org.code) else credit_code(serial)
    made = existing or enterprise(code, township, org_name)
    assert made.organization_id == org.pk
    return made


def qiye_enterprise() -> Enterprise:
    """The enterprise of the demo user ``qiye`` (古溪镇)."""
    return demo_enterprise(QIYE_NAME, GUXI, 9_000_001)


def yuxi_enterprise() -> Enterprise:
    """An enterprise of 玉溪镇 (the demo organisation 重庆玉溪新材料有限公司)."""
    return demo_enterprise(YUXI_NAME, YUXI, 9_000_002)


def appeal(
    owner: Enterprise,
    category: str = "labour",
    raised_on: date | None = None,
    actor: Any = None,
    content: str = "招工困难,缺少熟练焊工20人",
) -> Case:
    from django.utils import timezone

    return enterprises.raise_appeal(actor, owner, category, content, raised_on or timezone.localdate())
