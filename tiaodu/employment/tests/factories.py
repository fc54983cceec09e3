"""Test data for the employment tests, written straight to the tables (no services), so every
lane's tests can make a district ready, a jobseeker and a vacancy in one line each.

The services under test are the lanes' own; these helpers only set the scene."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from tiaodu.accounts.models import User
from tiaodu.core import pii
from tiaodu.employment import idcard
from tiaodu.employment.models import EmploymentSettings, Jobseeker, Vacancy
from tiaodu.employment.text import tokenize
from tiaodu.enterprises.models import Enterprise
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

_sequence = itertools.count(1)


def rsj(district_code: str) -> Organization:
    """The district's 人社局 (区人力社保局), made if the district has none."""
    district = Region.objects.get(code=district_code)
    org = Organization.objects.filter(region=district, short_name="人社局").first()
    if org is None:
        org = Organization.objects.create(
            name="区人力社保局", short_name="人社局", kind=OrgKind.DEPARTMENT, region=district
        )
    return org


def settings_for(district_code: str) -> EmploymentSettings:
    district = Region.objects.get(code=district_code)
    settings, _made = EmploymentSettings.objects.get_or_create(region=district)
    settings.departments.add(rsj(district_code))
    return settings


def staff(district_code: str, username: str | None = None) -> User:
    """A department user of the district's 人社局."""
    settings_for(district_code)
    org = rsj(district_code)
    user, _made = User.objects.get_or_create(
        username=username or f"rsj{district_code}",
        defaults={"role": "department", "region": org.region, "organization": org, "full_name": "人社局干部"},
    )
    return user


def town_user(township_code: str, username: str | None = None) -> User:
    township = Region.objects.get(code=township_code)
    org = Organization.objects.filter(region=township, kind=OrgKind.TOWN).first()
    user, _made = User.objects.get_or_create(
        username=username or f"town{township_code}",
        defaults={"role": "town", "region": township, "organization": org, "full_name": "镇街干部"},
    )
    return user


def id_number(township_code: str = "500152103", born: date = date(1985, 3, 4), sex: str = "m") -> str:
    """A valid, unique 身份证号 (the address code is the township's district)."""
    n = next(_sequence) % 500
    return idcard.make(township_code[:6], born, 2 * n + (1 if sex == "m" else 0))


def jobseeker(
    township_code: str, name: str = "张三", *, number: str | None = None, phone: str = "", **fields: Any
) -> Jobseeker:
    township = Region.objects.get(code=township_code)
    district = township.parent
    assert district is not None
    parsed = idcard.parse(number or id_number(township_code))
    fields.setdefault("registered_on", date(2022, 2, 1))
    fields.setdefault("service_org", rsj(district.code))
    settings_for(district.code)
    row = Jobseeker(
        district=district,
        township=township,
        name=name,
        id_enc=pii.encrypt(parsed.number, field="id"),
        id_hash=pii.blind_index(parsed.number, field="id"),
        id_mask=pii.mask_id_number(parsed.number),
        phone_enc=pii.encrypt(phone, field="phone"),
        phone_hash=pii.blind_index(phone, field="phone"),
        phone_mask=pii.mask_phone(phone) if phone else "",
        sex=parsed.sex,
        birth_date=parsed.birth_date,
        **fields,
    )
    row.tokens = tokenize(row.experience, row.skills, row.certificates, row.desired_text)
    row.save()
    return row


def vacancy(enterprise: Enterprise, title: str = "普工", *, headcount: int = 10, **fields: Any) -> Vacancy:
    township = enterprise.township
    fields.setdefault("published_on", date(2022, 2, 1))
    row = Vacancy(
        district=township.parent,
        township=township,
        enterprise=enterprise,
        title=title,
        headcount=headcount,
        **fields,
    )
    row.tokens = tokenize(row.title, row.skills, row.certificates, row.requirements)
    row.save()
    return row
