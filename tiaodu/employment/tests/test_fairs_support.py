"""Support for the fair, bus and public-page tests (lane D): a ready district and small stand-ins
for the other lanes' services (jobseekers.register/touch, outcomes.open_placement/record_result,
markets.propose_fair_dates), installed only while those lanes have not landed their own — once a
real function exists, the tests run against it.

The stand-ins follow the contract's signatures and do the least the fair tests rely on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from tiaodu.core import pii
from tiaodu.core.errors import FieldError, InvalidInput, invalid
from tiaodu.employment import idcard, jobseekers, markets, outcomes
from tiaodu.employment.choices import OutcomeState, RegisteredVia
from tiaodu.employment.models import Jobseeker, MarketRule, Placement
from tiaodu.employment.tests import factories
from tiaodu.employment.text import tokenize
from tiaodu.regions.models import Region

GUXI, YUXI, TONGNAN = "500152103", "500152107", "500152"

# --- stand-ins -------------------------------------------------------------------------------------


def _touch(jobseeker: Jobseeker, on: date) -> None:
    if jobseeker.last_active_on is None or jobseeker.last_active_on < on:
        Jobseeker.objects.filter(pk=jobseeker.pk).update(last_active_on=on)
        jobseeker.last_active_on = on


def _open_placement(
    actor: Any, *, jobseeker: Jobseeker, vacancy: Any, on: date, fair: Any = None, trip: Any = None
) -> Placement:
    placement = Placement.objects.filter(jobseeker=jobseeker, vacancy=vacancy).first()
    if placement is not None:
        changed = False
        if fair is not None and placement.fair_id is None:
            placement.fair, changed = fair, True
        if trip is not None and placement.trip_id is None:
            placement.trip, changed = trip, True
        if changed:
            placement.save()
        return placement
    return Placement.objects.create(
        district=jobseeker.district,
        township=jobseeker.township,
        jobseeker=jobseeker,
        vacancy=vacancy,
        enterprise=vacancy.enterprise,
        occupation=vacancy.occupation,
        fair=fair,
        trip=trip,
        intended_on=on,
        service_org=jobseeker.service_org,
        created_by=actor,
    )


_STEPS = [
    ("意向", OutcomeState.INTENDED, "intended_on"),
    ("面试", OutcomeState.INTERVIEWED, "interviewed_on"),
    ("录用", OutcomeState.HIRED, "hired_on"),
    ("入职", OutcomeState.EMPLOYED, "started_on"),
]


def _record_result(
    actor: Any,
    *,
    jobseeker: Jobseeker,
    vacancy: Any,
    result: str,
    on: date,
    fair: Any = None,
    trip: Any = None,
) -> Placement:
    placement = _open_placement(actor, jobseeker=jobseeker, vacancy=vacancy, on=on, fair=fair, trip=trip)
    states = [s for _r, s, _f in _STEPS]
    target = [r for r, _s, _f in _STEPS].index(result)
    current = states.index(placement.state) if placement.state in states else len(states)
    if target > current:
        for _r, state, field in _STEPS[current + 1 : target + 1]:
            setattr(placement, field, on)
            placement.state = state
        placement.save()
    return placement


def _register(
    actor: Any,
    *,
    township: Any,
    name: str,
    id_number: str,
    phone: str = "",
    village: str = "",
    education: str = "",
    experience: str = "",
    skills: str = "",
    certificates: str = "",
    desired_occupations: Any = (),
    desired_text: str = "",
    wage_expected: Any = None,
    max_commute_minutes: Any = None,
    needs_dorm: bool = False,
    groups: Any = (),
    consent: bool = True,
    registered_on: date | None = None,
    via: str = RegisteredVia.STAFF,
    fair: Any = None,
) -> tuple[Jobseeker, bool]:
    from tiaodu.core.resolve import township_of

    errors: list[FieldError] = []
    try:
        parsed = idcard.parse(id_number)
    except idcard.IdNumberError as exc:
        errors.append(FieldError("id_number", exc.code, exc.message))
    if phone and not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
        errors.append(FieldError("phone", "phone_format", "手机号应为11位"))
    if not consent:
        errors.append(FieldError("consent", "consent_required", "请同意"))
    if errors:
        raise InvalidInput(errors)
    town = township_of(township, actor)
    district = town.parent
    digest = pii.blind_index(parsed.number, field="id")
    existing = Jobseeker.objects.filter(district=district, id_hash=digest).first()
    if existing is not None:
        if not existing.phone_mask and phone:
            existing.phone_enc = pii.encrypt(phone, field="phone")
            existing.phone_hash = pii.blind_index(phone, field="phone")
            existing.phone_mask = pii.mask_phone(phone)
            existing.save()
        return existing, False
    if not name:
        raise invalid("name", "required", "请填写姓名")
    person = Jobseeker(
        district=district,
        township=town,
        village=village,
        name=name,
        id_enc=pii.encrypt(parsed.number, field="id"),
        id_hash=digest,
        id_mask=pii.mask_id_number(parsed.number),
        phone_enc=pii.encrypt(phone, field="phone"),
        phone_hash=pii.blind_index(phone, field="phone"),
        phone_mask=pii.mask_phone(phone) if phone else "",
        sex=parsed.sex,
        birth_date=parsed.birth_date,
        education=education,
        experience=experience,
        desired_text=desired_text,
        registered_on=registered_on or date.today(),
        registered_via=via,
        registered_fair=fair,
        service_org=factories.rsj(district.code),
        registered_by=actor,
    )
    person.tokens = tokenize(experience, skills, certificates, desired_text)
    person.save()
    return person, True


@dataclass(frozen=True)
class _Proposal:
    day: date
    township: Region
    rule: MarketRule
    holiday: bool


def _propose_fair_dates(district: Region, start: date, end: date, townships: Any = None) -> list[_Proposal]:
    from datetime import timedelta

    rules = MarketRule.objects.filter(district=district, calendar="solar").select_related("township")
    if townships:
        rules = rules.filter(township__in=list(townships))
    out = []
    day = start
    while day <= end:
        for rule in rules:
            if str(day.day % 10) in rule.digits:
                out.append(_Proposal(day, rule.township, rule, False))
        day += timedelta(days=1)
    return out


STAND_INS = [
    (jobseekers, "touch", _touch),
    (jobseekers, "register", _register),
    (outcomes, "open_placement", _open_placement),
    (outcomes, "record_result", _record_result),
    (markets, "propose_fair_dates", _propose_fair_dates),
]


@pytest.fixture
def lanes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Install the stand-ins the other lanes have not replaced yet; returns their names."""
    installed = []
    for module, name, function in STAND_INS:
        if not hasattr(module, name):
            monkeypatch.setattr(module, name, function, raising=False)
            installed.append(f"{module.__name__.rsplit('.', 1)[-1]}.{name}")
    return installed


# --- scene -----------------------------------------------------------------------------------------


def scene() -> dict[str, Any]:
    """潼南区 ready for employment: settings, 人社局 staff, a 古溪镇 user, two enterprises of the
    demo with vacancies, two jobseekers."""
    from tiaodu.cases.tests.factories import credit_code, enterprise, qiye_enterprise, yuxi_enterprise

    factories.settings_for(TONGNAN)
    food = qiye_enterprise()
    materials = yuxi_enterprise()
    toys = enterprise(credit_code(9_100_001), GUXI, "重庆古溪玩具有限公司")
    return {
        "district": Region.objects.get(code=TONGNAN),
        "guxi": Region.objects.get(code=GUXI),
        "yuxi": Region.objects.get(code=YUXI),
        "staff": factories.staff(TONGNAN),
        "town": factories.town_user(GUXI),
        "food": food,
        "materials": materials,
        "toys": toys,
        "packer": factories.vacancy(food, "包装工", headcount=20, wage_min=3000, wage_max=4500),
        "sewer": factories.vacancy(toys, "缝纫工", headcount=30, wage_min=3500, wage_max=5000),
        "mixer": factories.vacancy(materials, "配料工", headcount=5),
        "zhang": factories.jobseeker(GUXI, "张三"),
        "li": factories.jobseeker(YUXI, "李四", experience="制衣厂缝纫五年,玩具厂包装两年"),
    }
