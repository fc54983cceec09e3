"""Personal data of jobseekers: consent withdrawal anonymises at once, the retention run
anonymises the expired, the change log never holds the numbers, figures stay countable."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry

from tiaodu.audit.models import SecurityEvent
from tiaodu.core import pii
from tiaodu.core.errors import ServiceError
from tiaodu.core.tests.districts import TONGNAN
from tiaodu.employment import jobseekers, tasks
from tiaodu.employment.models import Jobseeker, Placement
from tiaodu.employment.tests.factories import id_number, jobseeker, settings_for, staff, town_user, vacancy
from tiaodu.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db
GUXI, YUXI = "500152103", "500152107"


def test_withdrawal_anonymises_and_keeps_figures(users: dict) -> None:
    number = id_number(GUXI)
    actor = town_user(GUXI)
    row, _ = jobseekers.register(
        actor,
        township=GUXI,
        name="张三丰",
        id_number=number,
        phone="13800001234",
        village="古溪村",
        experience="制衣厂三年",
        groups=["poverty"],
        education="初中",
        registered_on=date(2022, 2, 1),
    )
    enterprise = Enterprise.objects.filter(township__code__startswith=TONGNAN).first()
    assert enterprise is not None
    Placement.objects.create(
        district=row.district,
        township=row.township,
        jobseeker=row,
        vacancy=vacancy(enterprise),
        enterprise=enterprise,
        intended_on=date(2022, 2, 2),
    )
    jobseekers.withdraw_consent(actor, row, date(2022, 6, 1))
    row.refresh_from_db()
    assert row.name == "已匿名" and row.id_enc == "" and row.phone_enc == "" and row.phone_mask == ""
    assert row.id_mask == number[:4] + "*" * 14 and row.village == "" and row.experience == ""
    assert row.tokens == "" and row.birth_date == date(int(number[6:10]), 1, 1)
    assert row.id_hash != pii.blind_index(number, field="id")
    assert (row.consent_withdrawn_on, row.anonymised_on) == (date(2022, 6, 1), date(2022, 6, 1))
    # Kept: township, groups, education, dates, placements.
    assert row.township.code == GUXI and row.group_codes == ["poverty"] and row.education == "junior"
    assert row.registered_on == date(2022, 2, 1) and Placement.objects.filter(jobseeker=row).count() == 1
    assert jobseekers.find_by_id_number(staff(TONGNAN), number) is None
    event = SecurityEvent.objects.get(kind="pi_anonymised")
    assert f"#{row.pk}" in event.detail and event.user == actor
    # The change log (append-only) never held the number, the phone, the ciphertext or the full name.
    logged = " ".join(
        f"{e.changes} {e.object_repr}" for e in LogEntry.objects.filter(content_type__model="jobseeker")
    )
    assert number not in logged and "13800001234" not in logged and "张三丰" not in logged
    assert "制衣厂" not in logged and "古溪村" not in logged
    # Revealing gives nothing; registering the same number again is a new row.
    with pytest.raises(ServiceError):
        jobseekers.withdraw_consent(actor, row)
    again, created = jobseekers.register(actor, township=GUXI, name="张三丰", id_number=number)
    assert created and again.pk != row.pk


def test_two_anonymised_rows_do_not_collide(users: dict) -> None:
    a, b = jobseeker(GUXI), jobseeker(GUXI)
    jobseekers.anonymise(a, date(2022, 5, 1))
    jobseekers.anonymise(b, date(2022, 5, 1))
    assert Jobseeker.objects.filter(anonymised_on=date(2022, 5, 1)).count() == 2


def test_withdrawal_needs_change_scope(users: dict) -> None:
    row = jobseeker(GUXI)
    with pytest.raises(ServiceError) as info:
        jobseekers.withdraw_consent(town_user(YUXI), row)
    assert info.value.status == 404
    with pytest.raises(ServiceError):
        jobseekers.withdraw_consent(users["qiye"], row)
    row.refresh_from_db()
    assert row.anonymised_on is None


def test_retention_run(users: dict) -> None:
    settings = settings_for(TONGNAN)
    settings.retention_days = 365
    settings.save()
    today = date.today()
    old = jobseeker(
        GUXI, "老人", registered_on=today - timedelta(days=800), last_active_on=today - timedelta(days=400)
    )
    never = jobseeker(GUXI, "未活动", registered_on=today - timedelta(days=500))
    recent = jobseeker(
        GUXI, "活跃", registered_on=today - timedelta(days=800), last_active_on=today - timedelta(days=10)
    )
    fresh = jobseeker(YUXI, "新人", registered_on=today - timedelta(days=30))
    assert tasks.run_anonymise_expired() == {"anonymised": 2}
    names = dict(Jobseeker.objects.values_list("pk", "name"))
    assert names[old.pk] == names[never.pk] == "已匿名"
    assert names[recent.pk] == "活跃" and names[fresh.pk] == "新人"
    assert SecurityEvent.objects.filter(kind="pi_anonymised").count() == 2
    # Idempotent; touch keeps people.
    jobseekers.touch(recent, today)
    assert jobseekers.anonymise_expired() == {"anonymised": 0}


def test_retention_task_is_a_django_task(users: dict) -> None:
    assert tasks.anonymise_expired.name == "anonymise_expired"
    assert tasks.anonymise_expired.func() == {"anonymised": 0}
