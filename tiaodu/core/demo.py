"""Demo data for the embedded platform: the two districts of the seed reports.

潼南区 (500152, the home district) with its 23 镇街, departments, the 5 service squads, a few
enterprises and a project owner; 大渡口区 (500104) as a second district. Idempotent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from tiaodu.accounts import services as accounts
from tiaodu.accounts.models import User
from tiaodu.orgs import services as orgs
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.regions.services import get_region

DEPARTMENTS = [
    ("区经济信息委", "经信委"),
    ("区发展改革委", "发改委"),
    ("区招商投资局", "招商投资局"),
    ("区应急管理局", "应急管理局"),
    ("区人力社保局", "人社局"),
    ("区住房城乡建委", "住建委"),
    ("区交通局", "交通局"),
    ("区商务委", "商务委"),
    ("区财政局", "财政局"),
    ("区统计局", "统计局"),
]
SQUADS = [
    "重点项目服务一专班",
    "重点项目服务二专班",
    "重点项目服务三专班",
    "重点项目服务四专班",
    "重点项目服务五专班",
]
ENTERPRISES = [
    # (name, unified social credit code with a valid check digit, township code). The enterprise
    # records themselves (industry, liaison, visits, appeals) are made by tiaodu.enterprises.demo.
    ("重庆潼南古溪食品有限公司", "91500152MA5U00001F", "500152103"),
    ("重庆古溪机械制造有限公司", "91500152MA5U00002J", "500152103"),
    ("重庆玉溪新材料有限公司", "91500152MA5U00003M", "500152107"),
    ("重庆潼南高新电子科技有限公司", "91500152MA5U00004Q", "500152001"),
]
# Codes of earlier demo databases, whose check digits were wrong: corrected on the next load.
_OLD_CODES = {
    "91500152MA5U000010": "91500152MA5U00001F",
    "91500152MA5U000029": "91500152MA5U00002J",
    "91500152MA5U000037": "91500152MA5U00003M",
    "91500152MA5U000045": "91500152MA5U00004Q",
}


@dataclass
class DemoAccount:
    username: str
    role: str
    where: str


def demo_password() -> str:
    """One password for all demo accounts, generated per data directory (never in the repo)."""
    path = settings.DATA_DIR / "demo_password"
    if not path.exists():
        path.write_text(f"Td-{secrets.token_urlsafe(9)}7a")
        path.chmod(0o600)
    return path.read_text().strip()


def _org(name: str, kind: str, region: Region, **extra: object) -> Organization:
    existing = Organization.objects.filter(name=name, kind=kind, region=region).first()
    return existing or orgs.create_organization(None, name=name, kind=kind, region=region, **extra)


def _user(username: str, role: str, password: str, **kw: str | None) -> User:
    existing = User.objects.filter(username=username).first()
    if existing:
        return existing
    return accounts.create_user(None, username=username, role=role, password=password, **kw).user  # type: ignore[arg-type]


def _district(code: str, departments: bool = True) -> dict[str, Organization]:
    district = get_region(code)
    made = {"gov": _org(f"{district.name}人民政府", OrgKind.GOVERNMENT, district, short_name="区政府")}
    if departments:
        for name, short in DEPARTMENTS:
            made[short] = _org(name, OrgKind.DEPARTMENT, district, short_name=short)
    for township in Region.objects.filter(parent=district, level=Level.TOWNSHIP):
        made[township.code] = _org(
            f"{township.name}人民政府" if township.name.endswith("镇") else f"{township.name}办事处",
            OrgKind.TOWN,
            township,
            short_name=township.name,
        )
    return made


@transaction.atomic
def load_demo() -> list[DemoAccount]:
    password = demo_password()
    tongnan = _district("500152")
    _district("500104")
    jxw = tongnan["经信委"]
    squads = [_org(name, OrgKind.SQUAD, get_region("500152"), parent=tongnan["发改委"]) for name in SQUADS]
    for old, new in _OLD_CODES.items():
        Organization.objects.filter(code=old, kind=OrgKind.ENTERPRISE).update(code=new)
    for name, code, township in ENTERPRISES:
        _org(name, OrgKind.ENTERPRISE, get_region(township), code=code)
    owner = _org(
        "重庆潼南城市建设投资(集团)有限公司", OrgKind.OWNER, get_region("500152"), code="91500223MA5U000053"
    )

    accounts_made = [
        DemoAccount("admin", "admin", "系统管理员"),
        DemoAccount("leader", "leader", "潼南区区领导"),
        DemoAccount("jxw", "department", "区经济信息委"),
        DemoAccount("guxi", "town", "古溪镇"),
        DemoAccount("yuxi", "town", "玉溪镇"),
        DemoAccount("squad1", "squad", "重点项目服务一专班"),
        DemoAccount("qiye", "enterprise", "重庆潼南古溪食品有限公司"),
        DemoAccount("yezhu", "owner", "潼南城建集团"),
        DemoAccount("zsj", "department", "区招商投资局"),
    ]
    _user("admin", "admin", password, full_name="系统管理员", region_code="500152")
    _user("leader", "leader", password, full_name="区领导", region_code="500152", org=str(tongnan["gov"].pk))
    _user("jxw", "department", password, full_name="经信委干部", region_code="500152", org=str(jxw.pk))
    _user("guxi", "town", password, full_name="古溪镇干部", org=str(tongnan["500152103"].pk))
    _user("yuxi", "town", password, full_name="玉溪镇干部", org=str(tongnan["500152107"].pk))
    squad_user = _user(
        "squad1", "squad", password, full_name="专班成员", region_code="500152", org=str(tongnan["发改委"].pk)
    )
    _user("qiye", "enterprise", password, full_name="企业联络员", org=ENTERPRISES[0][1])
    _user("yezhu", "owner", password, full_name="业主联络员", org=str(owner.pk))
    link_appeal_departments(tongnan)
    from tiaodu.investment.demo import load_investment_accounts

    load_investment_accounts()  # the pipeline itself is loaded by ``tiaodu demo`` only
    squad = squads[0]
    if squad.leader_id is None:
        orgs.update_organization(User.objects.get(username="admin"), squad.pk, leader_id=squad_user.pk)
    squad.members.add(squad_user)
    from tiaodu.enterprises.demo import load_enterprise_demo

    load_enterprise_demo()
    from tiaodu.projects.demo import load_project_demo

    load_project_demo()
    from tiaodu.dispatch.demo import load_dispatch_demo

    load_dispatch_demo()
    from tiaodu.projects.demo_seed import load_seed_projects

    load_seed_projects()
    from tiaodu.projects.cards import sweep_projects

    sweep_projects()  # today's cards on late milestones and problems
    return accounts_made


def link_appeal_departments(district_orgs: dict[str, Organization]) -> None:
    """Give each appeal category its default handling department in the home district."""
    from tiaodu.cases.models import CaseCategory
    from tiaodu.enterprises.choices import APPEAL_CATEGORIES

    for code, _name, department, _days in APPEAL_CATEGORIES:
        CaseCategory.objects.filter(workflow="appeal", code=code, department__isnull=True).update(
            department=district_orgs[department]
        )
