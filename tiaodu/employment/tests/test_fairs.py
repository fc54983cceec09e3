"""Fair services (lane D): create, booths, sign-in, intentions, live counts, public registration."""

from __future__ import annotations

from datetime import date

import pytest

from tiaodu.core.errors import Forbidden, InvalidInput, NotFound, ServiceError
from tiaodu.employment import fairs
from tiaodu.employment.choices import FairKind, SignInVia
from tiaodu.employment.models import FairAttendance, FairEnterprise, JobFair, Jobseeker, Placement
from tiaodu.employment.tests import factories
from tiaodu.employment.tests.test_fairs_support import GUXI, TONGNAN, lanes, scene  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lanes")]

DAY = date(2022, 2, 14)


def _fair(s: dict, **kw: object) -> JobFair:
    values = {
        "township": s["guxi"],
        "name": "古溪镇测试专场招聘会",
        "kind": FairKind.SPRING,
        "held_on": DAY,
        "venue": "古溪镇场镇",
    }
    values.update(kw)
    return fairs.create_fair(s["staff"], **values)  # type: ignore[arg-type]


def test_create_fair_by_township_name_and_label() -> None:
    s = scene()
    fair = fairs.create_fair(
        s["town"], township="古溪镇", name="古溪镇专场", kind="赶场天专场", held_on=DAY, venue="场镇"
    )
    assert fair.district.code == TONGNAN
    assert fair.township.code == GUXI
    assert fair.kind == FairKind.MARKET_DAY
    assert fair.created_by == s["town"]
    assert fair.public_key is not None


def test_create_fair_refusals_change_nothing(users: dict) -> None:
    s = scene()
    _fair(s)
    before = JobFair.objects.count()
    with pytest.raises(InvalidInput) as dup:
        _fair(s)
    assert dup.value.errors[0].code == "fair_duplicate"
    with pytest.raises(InvalidInput) as bad:
        fairs.create_fair(s["staff"], township=s["guxi"], name="", kind="庙会", held_on=DAY)
    assert {e.code for e in bad.value.errors} == {"required", "fair_kind_unknown"}
    with pytest.raises(InvalidInput) as other:
        fairs.create_fair(
            s["staff"], district="500104", township=s["guxi"], name="x", kind="spring", held_on=DAY
        )
    assert other.value.errors[0].code == "township_unknown"
    with pytest.raises(Forbidden):
        fairs.create_fair(users["qiye"], township=s["guxi"], name="企业办的", kind="spring", held_on=DAY)
    assert JobFair.objects.count() == before


def test_booth_vacancies_must_be_the_enterprises() -> None:
    s = scene()
    fair = _fair(s)
    booth = fairs.add_booth(s["staff"], fair, s["food"], [s["packer"]])
    assert list(booth.vacancies.all()) == [s["packer"]]
    with pytest.raises(InvalidInput) as exc:
        fairs.add_booth(s["staff"], fair, s["toys"], [s["sewer"], s["packer"]])
    assert exc.value.errors[0].code == "vacancy_not_of_enterprise"
    assert not FairEnterprise.objects.filter(fair=fair, enterprise=s["toys"]).exists()
    again = fairs.add_booth(s["staff"], fair, s["food"], [])
    assert again.pk == booth.pk


def test_sign_in_is_idempotent_and_touches() -> None:
    s = scene()
    fair = _fair(s)
    first = fairs.sign_in(s["staff"], fair, s["zhang"], via=SignInVia.STAFF)
    second = fairs.sign_in(s["town"], fair, s["zhang"], via=SignInVia.QR)
    assert first.pk == second.pk
    assert FairAttendance.objects.filter(fair=fair).count() == 1
    assert first.signed_in_at.date() == DAY  # a past fair: its day, not now
    assert Jobseeker.objects.get(pk=s["zhang"].pk).last_active_on == DAY


def test_sign_in_refuses_other_district_and_enterprise(users: dict) -> None:
    s = scene()
    fair = _fair(s)
    stranger = factories.jobseeker("500104001", "王五")
    with pytest.raises(InvalidInput) as exc:
        fairs.sign_in(s["staff"], fair, stranger)
    assert exc.value.errors[0].code == "jobseeker_other_district"
    with pytest.raises((Forbidden, NotFound)):
        fairs.sign_in(users["qiye"], fair, s["zhang"])
    assert not FairAttendance.objects.filter(fair=fair).exists()


def test_intention_needs_a_booth_and_signs_in() -> None:
    s = scene()
    fair = _fair(s)
    fairs.add_booth(s["staff"], fair, s["toys"], [])
    with pytest.raises(InvalidInput) as exc:
        fairs.record_intention(s["staff"], fair, s["li"], s["packer"])
    assert exc.value.errors[0].code == "vacancy_not_at_fair"
    assert not Placement.objects.filter(jobseeker=s["li"]).exists()
    assert not FairAttendance.objects.filter(jobseeker=s["li"]).exists()
    placement = fairs.record_intention(s["staff"], fair, s["li"], s["sewer"])
    assert placement.fair == fair and placement.intended_on == DAY
    assert placement.jobseeker == s["li"] and placement.vacancy == s["sewer"]
    assert FairAttendance.objects.filter(fair=fair, jobseeker=s["li"]).exists()
    assert s["sewer"] in FairEnterprise.objects.get(fair=fair, enterprise=s["toys"]).vacancies.all()
    again = fairs.record_intention(s["staff"], fair, s["li"], s["sewer"])
    assert again.pk == placement.pk


def test_live_counts() -> None:
    s = scene()
    fair = _fair(s)
    assert fairs.live_counts(fair) == {
        "enterprises": 0,
        "vacancies": 0,
        "positions": 0,
        "attendees": 0,
        "intentions": 0,
        "jobseekers_with_intention": 0,
    }
    fairs.add_booth(s["staff"], fair, s["food"], [s["packer"]])
    fairs.add_booth(s["staff"], fair, s["toys"], [s["sewer"]])
    fairs.sign_in(s["staff"], fair, s["zhang"])
    fairs.record_intention(s["staff"], fair, s["li"], s["sewer"])
    fairs.record_intention(s["staff"], fair, s["li"], s["packer"])
    assert fairs.live_counts(fair) == {
        "enterprises": 2,
        "vacancies": 2,
        "positions": 50,
        "attendees": 2,
        "intentions": 2,
        "jobseekers_with_intention": 1,
    }


def test_public_vacancies_only_open_ones() -> None:
    from tiaodu.employment.choices import VacancyStatus

    s = scene()
    fair = _fair(s)
    closed = factories.vacancy(s["food"], "叉车司机", status=VacancyStatus.CLOSED)
    expired = factories.vacancy(s["food"], "质检员", valid_until=date(2022, 3, 1))
    fairs.add_booth(s["staff"], fair, s["food"], [s["packer"], closed, expired])
    assert list(fairs.open_vacancies_at(fair, date(2022, 2, 14))) == [s["packer"], expired]
    assert list(fairs.open_vacancies_at(fair, date(2022, 3, 2))) == [s["packer"]]


def test_register_at_fair_merges_and_signs_in() -> None:
    from datetime import timedelta

    from django.utils import timezone

    s = scene()
    today = timezone.localdate()
    fair = _fair(s, held_on=today)
    number = factories.id_number(GUXI, date(1990, 5, 6), "f")
    person, attendance, created = fairs.register_at_fair(
        fair, township=s["guxi"], name="赵六", id_number=number, phone="13800001234", consent=True
    )
    assert created and attendance is not None
    assert attendance.via == SignInVia.QR and attendance.jobseeker == person
    again, attendance2, created2 = fairs.register_at_fair(
        fair, township=s["guxi"], name="赵六", id_number=number, consent=True
    )
    assert not created2 and again.pk == person.pk
    assert attendance2 is not None and attendance2.pk == attendance.pk
    assert Jobseeker.objects.filter(district=s["district"], name="赵六").count() == 1
    with pytest.raises(ServiceError):
        fairs.register_at_fair(fair, township=s["guxi"], name="错号", id_number="500152199001011230")
    assert FairAttendance.objects.filter(fair=fair).count() == 1
    later = _fair(s, name="下周的招聘会", held_on=today + timedelta(days=7))
    early, no_attendance, _created = fairs.register_at_fair(
        later, township=s["guxi"], name="钱十六", id_number=factories.id_number(GUXI), consent=True
    )
    assert no_attendance is None and not FairAttendance.objects.filter(fair=later).exists()
    assert early.registered_fair == later
    over = _fair(s, name="已结束的招聘会", held_on=today - timedelta(days=1))
    with pytest.raises(ServiceError) as exc:
        fairs.register_at_fair(over, township=s["guxi"], name="孙十七", id_number=factories.id_number(GUXI))
    assert exc.value.code == "fair_over"
    assert not Jobseeker.objects.filter(name="孙十七").exists()


def test_find_jobseeker_by_hash_in_scope(users: dict) -> None:
    from tiaodu.core import pii

    s = scene()
    number = factories.id_number(GUXI)
    person = factories.jobseeker(GUXI, "钱七", number=number)
    assert fairs.find_jobseeker(s["staff"], s["district"], number) == person
    assert fairs.find_jobseeker(users["yuxi"], s["district"], number) is None  # another township's
    assert person.id_hash == pii.blind_index(number, field="id")
    with pytest.raises(InvalidInput) as exc:
        fairs.find_jobseeker(s["staff"], s["district"], number[:-1] + ("0" if number[-1] != "0" else "1"))
    assert exc.value.errors[0].code == "id_number_checksum"
