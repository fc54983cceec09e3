"""Jobseeker services: registration with the GB 11643 check, merge of a known ID number,
hash lookup, the reveal policy, touch, edits."""

from __future__ import annotations

from datetime import date

import pytest

from tiaodu.audit.models import SecurityEvent
from tiaodu.core import pii
from tiaodu.core.errors import Forbidden, InvalidInput, ServiceError
from tiaodu.core.tests.districts import DADUKOU, TONGNAN
from tiaodu.employment import idcard, jobseekers
from tiaodu.employment.choices import RegisteredVia
from tiaodu.employment.models import Jobseeker, Occupation
from tiaodu.employment.tests.factories import id_number, jobseeker, settings_for, staff, town_user
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db
GUXI, YUXI = "500152103", "500152107"


def codes(exc: ServiceError) -> set[str]:
    return {e.code for e in exc.errors}


def test_register_derives_sex_and_birth_and_encrypts(users: dict) -> None:
    actor = staff(TONGNAN)
    number = idcard.make("500152", date(1990, 5, 6), 122)  # even sequence: a woman
    row, created = jobseekers.register(
        actor,
        township="古溪镇",
        name="李秀英",
        id_number=number,
        phone="138 1234 5678",
        experience="在制衣厂做过缝纫工,也在玩具厂做过包装",
        groups="脱贫劳动力、返乡农民工",
        education="初中",
        registered_on=date(2022, 2, 10),
    )
    assert created
    row.refresh_from_db()
    assert (row.sex, row.birth_date) == ("f", date(1990, 5, 6))
    assert row.township.code == GUXI and row.district.code == TONGNAN
    assert row.id_mask == number[:4] + "*" * 10 + number[-4:] and row.phone_mask == "138****5678"
    assert number not in row.id_enc and "13812345678" not in row.phone_enc
    assert pii.decrypt(row.id_enc, field="id") == number
    assert row.group_codes == ["poverty", "returnee"] and row.education == "junior"
    assert "制衣厂" in row.tokens.split() and row.consented_on == date(2022, 2, 10)
    assert row.service_org is not None and row.service_org.short_name == "人社局"
    assert row.registered_by == actor and row.last_active_on == date(2022, 2, 10)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("50015219900506122", "id_number_format"),
        ("500152199002301228", "id_number_birth_date"),
        ("500152199005061220", "id_number_checksum"),
    ],
)
def test_bad_id_numbers_are_refused(users: dict, number: str, code: str) -> None:
    good = idcard.make("500152", date(1990, 5, 6), 122)
    if code == "id_number_checksum":
        number = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(InvalidInput) as info:
        jobseekers.register(staff(TONGNAN), township=GUXI, name="王五", id_number=number)
    assert code in codes(info.value)
    assert {e.field for e in info.value.errors} == {"id_number"}
    assert not Jobseeker.objects.exists()


def test_phone_consent_and_many_errors_at_once(users: dict) -> None:
    with pytest.raises(InvalidInput) as info:
        jobseekers.register(
            staff(TONGNAN), township=GUXI, name="", id_number=id_number(), phone="12345", consent=False
        )
    assert {"phone_format", "consent_required", "required"} <= codes(info.value)
    assert not Jobseeker.objects.exists()


def test_duplicate_id_is_merged_not_doubled(users: dict) -> None:
    actor = staff(TONGNAN)
    number = id_number(GUXI)
    first, created = jobseekers.register(
        actor,
        township=GUXI,
        name="张三",
        id_number=number,
        experience="制衣厂三年",
        groups=["poverty"],
        wage_expected=3500,
        registered_on=date(2022, 2, 1),
    )
    assert created
    again, created = jobseekers.register(
        town_user(GUXI),
        township=GUXI,
        name="张三",
        id_number=number.lower(),
        phone="13900001111",
        experience="玩具厂一年",
        groups=["returnee"],
        wage_expected=4000,
        village="古溪村",
        registered_on=date(2022, 3, 1),
    )
    assert not created and again.pk == first.pk
    assert Jobseeker.objects.count() == 1
    row = Jobseeker.objects.get()
    assert row.phone_mask == "139****1111" and row.village == "古溪村"
    assert row.wage_expected == 4000  # newer non-empty value wins
    assert row.group_codes == ["poverty", "returnee"]
    assert "制衣厂三年" in row.experience and "玩具厂一年" in row.experience
    assert row.registered_on == date(2022, 2, 1) and row.last_active_on == date(2022, 3, 1)
    # An older registration only fills blanks.
    jobseekers.register(
        actor,
        township=GUXI,
        name="张三",
        id_number=number,
        wage_expected=2000,
        skills="缝纫",
        registered_on=date(2021, 12, 1),
    )
    row.refresh_from_db()
    assert row.wage_expected == 4000 and row.skills == "缝纫" and row.registered_on == date(2021, 12, 1)
    assert Jobseeker.objects.count() == 1


def test_same_id_in_another_district_is_another_row(users: dict) -> None:
    number = id_number(GUXI)
    jobseekers.register(staff(TONGNAN), township=GUXI, name="张三", id_number=number)
    ddk_town = Region.objects.filter(code__startswith=DADUKOU, level=4).order_by("code").first()
    assert ddk_town is not None
    settings_for(DADUKOU)
    _row, created = jobseekers.register(staff(DADUKOU), township=ddk_town, name="张三", id_number=number)
    assert created and Jobseeker.objects.count() == 2


def test_township_name_resolves_in_actor_district(users: dict) -> None:
    # 太安镇 exists in 潼南区 and 万州区: a 潼南 user gets 潼南's.
    row, _ = jobseekers.register(staff(TONGNAN), township="太安镇", name="赵六", id_number=id_number())
    assert row.district.code == TONGNAN


def test_who_may_register(users: dict) -> None:
    with pytest.raises(Forbidden):  # a town user registers only in their own township
        jobseekers.register(town_user(GUXI), township=YUXI, name="钱七", id_number=id_number())
    with pytest.raises(Forbidden):
        jobseekers.register(users["qiye"], township=GUXI, name="钱七", id_number=id_number())
    with pytest.raises(Forbidden):
        jobseekers.register(users["leader"], township=GUXI, name="钱七", id_number=id_number())
    with pytest.raises(Forbidden):  # a department that is not an employment department
        jobseekers.register(users["jxw"], township=GUXI, name="钱七", id_number=id_number())
    with pytest.raises(Forbidden):  # no user: only self-registration at a fair
        jobseekers.register(None, township=GUXI, name="钱七", id_number=id_number())
    assert not Jobseeker.objects.exists()
    row, created = jobseekers.register(town_user(GUXI), township=GUXI, name="钱七", id_number=id_number())
    assert created and row.registered_via == RegisteredVia.STAFF


def test_a_non_employment_department_cannot_merge(users: dict) -> None:
    number = id_number(GUXI)
    jobseekers.register(staff(TONGNAN), township=GUXI, name="周九", id_number=number, wage_expected=3000)
    with pytest.raises(Forbidden):
        jobseekers.register(users["jxw"], township=GUXI, name="周九", id_number=number, wage_expected=9000)
    assert Jobseeker.objects.get().wage_expected == 3000


def test_self_registration_at_a_fair(users: dict) -> None:
    from tiaodu.employment.models import JobFair

    district = Region.objects.get(code=TONGNAN)
    settings_for(TONGNAN)
    fair = JobFair.objects.create(
        district=district,
        township=Region.objects.get(code=GUXI),
        name="春风行动古溪专场",
        kind="spring",
        held_on=date(2022, 2, 15),
    )
    row, created = jobseekers.register(
        None, township="古溪镇", name="吴十", id_number=id_number(), via=RegisteredVia.SELF, fair=fair
    )
    assert created and row.registered_fair == fair and row.registered_by is None
    assert row.registered_via == RegisteredVia.SELF and row.service_org is not None
    with pytest.raises(InvalidInput) as info:  # a township of another district
        ddk = Region.objects.filter(code__startswith=DADUKOU, level=4).order_by("code").first()
        assert ddk is not None
        jobseekers.register(
            None, township=ddk, name="吴十", id_number=id_number(), via=RegisteredVia.SELF, fair=fair
        )
    assert codes(info.value) == {"township_unknown"}


def test_desired_occupations_by_code(users: dict) -> None:
    occupation = Occupation.objects.filter(level=4).first() or Occupation.objects.create(
        code="6-05-01-01", name="缝纫工", level=4
    )
    row, _ = jobseekers.register(
        staff(TONGNAN),
        township=GUXI,
        name="孙八",
        id_number=id_number(),
        desired_occupations=[occupation.code],
    )
    assert list(row.desired_occupations.all()) == [occupation]
    with pytest.raises(InvalidInput) as info:
        jobseekers.register(
            staff(TONGNAN), township=GUXI, name="孙八", id_number=id_number(), desired_occupations=["9-99-99"]
        )
    assert codes(info.value) == {"occupation_unknown"}


def test_find_by_id_number_is_scoped(users: dict) -> None:
    number = id_number(GUXI)
    row = jobseeker(GUXI, number=number)
    assert jobseekers.find_by_id_number(staff(TONGNAN), number) == row
    assert jobseekers.find_by_id_number(town_user(GUXI), f" {number.lower()} ") == row
    assert jobseekers.find_by_id_number(town_user(YUXI), number) is None
    assert jobseekers.find_by_id_number(users["leader"], number) is None
    assert jobseekers.find_by_id_number(staff(TONGNAN), "") is None


def test_can_reveal_policy(users: dict) -> None:
    row = jobseeker(GUXI, phone="13800001234")
    assert jobseekers.can_reveal(users["admin"], row)
    assert jobseekers.can_reveal(staff(TONGNAN), row)
    assert jobseekers.can_reveal(town_user(GUXI), row)
    assert not jobseekers.can_reveal(town_user(YUXI), row)
    assert not jobseekers.can_reveal(users["leader"], row)
    assert not jobseekers.can_reveal(users["qiye"], row)
    assert not jobseekers.can_reveal(users["jxw"], row)  # a department, not an employment one
    assert not jobseekers.can_reveal(staff(DADUKOU), row)


def test_reveal_audits_both_ways(users: dict) -> None:
    number = id_number(GUXI)
    row = jobseeker(GUXI, number=number, phone="13800001234")
    assert jobseekers.reveal(town_user(GUXI), row, "id") == number
    assert jobseekers.reveal(staff(TONGNAN), row, "phone") == "13800001234"
    shown = SecurityEvent.objects.filter(kind="pi_revealed")
    assert shown.count() == 2 and all(number not in e.detail for e in shown)
    with pytest.raises(pii.PIRevealRefused) as info:
        jobseekers.reveal(users["leader"], row, "id")
    assert info.value.code == "pi_reveal_forbidden" and info.value.status == 403
    refused = SecurityEvent.objects.get(kind="pi_reveal_refused")
    assert refused.user == users["leader"] and f"#{row.pk}" in refused.detail
    with pytest.raises(InvalidInput):
        jobseekers.reveal(staff(TONGNAN), row, "name")


def test_touch_keeps_the_latest(users: dict) -> None:
    row = jobseeker(GUXI, last_active_on=date(2022, 3, 1))
    jobseekers.touch(row, date(2022, 2, 1))
    row.refresh_from_db()
    assert row.last_active_on == date(2022, 3, 1)
    jobseekers.touch(row, date(2022, 4, 1))
    row.refresh_from_db()
    assert row.last_active_on == date(2022, 4, 1)


def test_update_checks_and_versions(users: dict) -> None:
    row = jobseeker(GUXI)
    actor = town_user(GUXI)
    updated = jobseekers.update_jobseeker(
        actor, row, row.version, phone="13700002222", skills="叉车", groups="退役军人"
    )
    assert updated.phone_mask == "137****2222" and "叉车" in updated.tokens and updated.groups == "veteran"
    with pytest.raises(ServiceError) as info:
        jobseekers.update_jobseeker(actor, row, row.version, skills="焊工")
    assert info.value.code == "stale_write"
    with pytest.raises(InvalidInput):
        jobseekers.update_jobseeker(actor, row, None, phone="555")
    with pytest.raises(ServiceError) as info:
        jobseekers.update_jobseeker(town_user(YUXI), row, None, skills="焊工")
    assert info.value.status == 404
