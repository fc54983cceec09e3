"""Who keeps and may reveal the district's personal data, and who may rewrite a known person:

- every employment department of the district (``EmploymentSettings.departments``) keeps all its
  jobseekers, not only the one that registered them; only administrators and those departments
  change the settings (they decide who may reveal);
- an ID number already registered is merged only by someone who may change the record; the
  public page (anyone who knows the number) and another township note the activity and rewrite
  nothing;
- a withdrawal of consent takes the person out of the matching at once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tiaodu.core import pii
from tiaodu.core.errors import ServiceError
from tiaodu.core.imports import run_import, write_xlsx
from tiaodu.core.tests.districts import TONGNAN
from tiaodu.employment import fairs, jobseekers, matching, reference
from tiaodu.employment.models import Jobseeker
from tiaodu.employment.tests import factories as f
from tiaodu.enterprises.models import Enterprise
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db
GUXI, YUXI = "500152103", "500152107"


def _centre() -> tuple[Organization, object]:
    """区就业服务中心 of 潼南区, one of its employment departments, with a user."""
    from tiaodu.accounts.models import User

    district = Region.objects.get(code=TONGNAN)
    org = Organization.objects.create(
        name="区就业服务中心", short_name="就业服务中心", kind=OrgKind.DEPARTMENT, region=district
    )
    f.settings_for(TONGNAN).departments.add(org)
    user = User.objects.create(username="jyzx", role="department", region=district, organization=org)
    return org, user


def test_every_employment_department_keeps_the_district(users: dict) -> None:
    person = f.jobseeker(GUXI, "周九", phone="13700001234")
    assert person.service_org is not None and person.service_org.short_name == "人社局"
    _org, centre = _centre()
    assert Jobseeker.objects.restrict(centre).filter(pk=person.pk).exists()
    assert jobseekers.reveal(centre, person, "phone") == "13700001234"
    # A department that is not an employment department sees none of them.
    assert not Jobseeker.objects.restrict(users["jxw"]).exists()


def test_only_employment_departments_change_the_settings(users: dict) -> None:
    district = Region.objects.get(code=TONGNAN)
    f.settings_for(TONGNAN)
    jxw = users["jxw"]
    with pytest.raises(ServiceError) as refused:
        reference.update_settings(jxw, district, departments=[jxw.organization_id])
    assert refused.value.status == 403
    assert jxw.organization_id not in set(
        reference.settings_for(district).departments.values_list("pk", flat=True)
    )
    updated = reference.update_settings(f.staff(TONGNAN), district, retention_days=400)
    assert updated.retention_days == 400


def test_a_known_id_number_does_not_rewrite_the_record(users: dict, tmp_path) -> None:
    number = f.id_number(GUXI)
    staff = f.staff(TONGNAN)
    person, _created = jobseekers.register(
        staff,
        township="古溪镇",
        name="吴十",
        id_number=number,
        phone="13600002222",
        registered_on=date(2022, 2, 1),
    )
    # Someone on the public page of a fair, with the same ID number.
    enterprise = Enterprise.objects.filter(township__parent__code=TONGNAN).first()
    fair = fairs.create_fair(
        staff,
        township="古溪镇",
        name="策略测试招聘会",
        kind="spring",
        held_on=timezone.localdate() + timedelta(days=3),
    )
    assert enterprise is not None and fair is not None
    again, _attendance, created = fairs.register_at_fair(
        fair, township="古溪镇", name="冒名者", id_number=number, phone="13900009999"
    )
    assert again.pk == person.pk and not created
    person.refresh_from_db()
    assert person.name == "吴十"
    assert pii.decrypt(person.phone_enc, field="phone") == "13600002222"
    # Another township's staff, by the form and by an import: the record stays as registered.
    yuxi = f.town_user(YUXI)
    jobseekers.register(yuxi, township="玉溪镇", name="别人", id_number=number, phone="13900008888")
    path = tmp_path / "j.xlsx"
    write_xlsx(
        path, [["姓名", "身份证号", "手机号", "所属镇街"], ["另一个", number, "13900007777", "玉溪镇"]]
    )
    assert run_import("jobseekers", path, actor=yuxi).ok
    person.refresh_from_db()
    assert (person.name, person.township.code) == ("吴十", GUXI)
    assert pii.decrypt(person.phone_enc, field="phone") == "13600002222"
    assert Jobseeker.objects.filter(id_hash=person.id_hash).count() == 1
    # Those who keep the record do merge.
    jobseekers.register(staff, township="古溪镇", name="吴十", id_number=number, phone="13600003333")
    person.refresh_from_db()
    assert pii.decrypt(person.phone_enc, field="phone") == "13600003333"


def test_withdrawal_leaves_the_matching_at_once(users: dict) -> None:
    enterprise = (
        Enterprise.objects.filter(township__code=GUXI).first()
        or Enterprise.objects.filter(township__parent__code=TONGNAN).first()
    )
    assert enterprise is not None
    job = f.vacancy(enterprise, "缝纫工", skills="缝纫 平车", published_on=date(2022, 1, 1))
    person = f.jobseeker(GUXI, "郑十一", experience="制衣厂缝纫工", skills="平车")
    ids = {m.jobseeker_id for m in matching.candidates_for(job, top=50)}
    assert person.pk in ids
    jobseekers.withdraw_consent(f.staff(TONGNAN), person, on=date(2022, 3, 1))
    ids = {m.jobseeker_id for m in matching.candidates_for(job, top=50)}
    assert person.pk not in ids
