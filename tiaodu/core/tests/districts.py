"""Three districts that share department and township names, for the resolver's tests and the
importers' (潼南区 500152 and 大渡口区 500104 from the demo, 万州区 500101 added)."""

from __future__ import annotations

from typing import Any

from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

TONGNAN, DADUKOU, WANZHOU, YUZHONG = "500152", "500104", "500101", "500103"
DEPARTMENTS = [("发展和改革委员会", "区发展改革委"), ("经济和信息化委员会", "区经济信息委")]


def three_districts() -> dict[str, dict[str, Organization]]:
    """区发展改革委 / 区经济信息委 in 潼南区, 大渡口区 and 万州区 (in that order of creation):
    full name 重庆市<区>发展和改革委员会, short name 区发展改革委."""
    made: dict[str, dict[str, Organization]] = {}
    for code in (TONGNAN, DADUKOU, WANZHOU):
        district = Region.objects.get(code=code)
        made[code] = {}
        for suffix, short in DEPARTMENTS:
            full = f"重庆市{district.name}{suffix}"
            # The demo registered 潼南区's and 大渡口区's under the short form as their name.
            org = Organization.objects.filter(region=district, kind=OrgKind.DEPARTMENT, name=short).first()
            if org is None:
                org = Organization(region=district, kind=OrgKind.DEPARTMENT)
            org.name, org.short_name = full, short
            org.save()
            made[code][short] = org
    return made


def user_in(code: str) -> Any:
    from tiaodu.accounts.models import User

    return User(username=f"u{code}", region=Region.objects.get(code=code))


def shared_township(name: str = "太安镇") -> dict[str, Region]:
    """太安镇 is a township of 万州区 (500101156) and of 潼南区 (500152117); a third one is added
    to 大渡口区, so that three districts share the name."""
    dadukou = Region.objects.get(code=DADUKOU)
    Region.objects.get_or_create(
        code="500104990",
        defaults={"name": name, "level": 4, "parent": dadukou, "path": f"{dadukou.path}500104990/"},
    )
    return {r.code[:6]: r for r in Region.objects.filter(name=name, level=4)}
