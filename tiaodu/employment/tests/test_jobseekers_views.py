"""Jobseeker pages: masked list with hash search, profile and audited reveal, the registration
form (merge message), edit, withdrawal, the export (masked; full only when allowed)."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from tiaodu.audit.models import SecurityEvent
from tiaodu.core.tests.districts import TONGNAN
from tiaodu.employment import idcard
from tiaodu.employment.models import Jobseeker
from tiaodu.employment.tests.factories import id_number, jobseeker, staff, town_user

pytestmark = pytest.mark.django_db
GUXI, YUXI = "500152103", "500152107"
LIST = "/employment/jobseekers/"


def cells(response: Any) -> list[list[Any]]:
    sheet = load_workbook(BytesIO(response.content)).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_list_is_masked_and_searchable_by_full_id(client_for: Any, users: dict) -> None:
    number = id_number(GUXI)
    row = jobseeker(GUXI, "张三丰", number=number, phone="13800001234")
    jobseeker(YUXI, "李四")
    client = client_for(staff(TONGNAN))
    page = client.get(LIST).content.decode()
    assert "张三丰" in page and row.id_mask in page and "138****1234" in page
    assert number not in page and "13800001234" not in page
    page = client.get(LIST, {"q": number}).content.decode()
    assert "张三丰" in page and "李四" not in page
    page = client.get(LIST, {"q": "13800001234"}).content.decode()
    assert "张三丰" in page and "李四" not in page
    page = client_for(town_user(YUXI)).get(LIST).content.decode()
    assert "李四" in page and "张三丰" not in page
    assert client_for(users["leader"]).get(LIST).status_code == 403


def test_detail_reveal_is_audited_and_shown_once(client_for: Any, users: dict) -> None:
    number = id_number(GUXI)
    row = jobseeker(GUXI, "张三", number=number, phone="13800001234")
    url = f"{LIST}{row.pk}/"
    client = client_for(town_user(GUXI))
    page = client.get(url).content.decode()
    assert number not in page and 'id="reveal-id"' in page
    response = client.post(f"{url}reveal/", {"field": "id"})
    assert response.status_code == 200 and number in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert SecurityEvent.objects.filter(kind="pi_revealed", user=town_user(GUXI)).count() == 1
    assert number not in client.get(url).content.decode()
    # Another town cannot see the profile at all; a staff of another role is refused and audited.
    assert client_for(town_user(YUXI)).get(url).status_code == 404
    other = client_for(users["admin"])
    assert "13800001234" in other.post(f"{url}reveal/", {"field": "phone"}).content.decode()


def test_reveal_refused_for_enterprise_that_met_the_candidate(client_for: Any, users: dict) -> None:
    """An enterprise sees a candidate who applied to it (masked name) but may not reveal."""
    from tiaodu.employment.models import Placement
    from tiaodu.employment.tests.factories import vacancy
    from tiaodu.enterprises.models import Enterprise

    enterprise = Enterprise.objects.get(organization=users["qiye"].organization)
    job = vacancy(enterprise)
    row = jobseeker(GUXI, "张三", phone="13800001234")
    Placement.objects.create(
        district=row.district,
        township=row.township,
        jobseeker=row,
        vacancy=job,
        enterprise=enterprise,
        intended_on=date(2022, 2, 2),
    )
    client = client_for(users["qiye"])
    page = client.get(f"{LIST}{row.pk}/").content.decode()
    assert "张*" in page and "张三" not in page and 'id="reveal-id"' not in page
    response = client.post(f"{LIST}{row.pk}/reveal/", {"field": "id"})
    assert response.status_code == 403 and "pi_reveal_forbidden" in response.content.decode()
    response = client.post(f"{LIST}{row.pk}/reveal/", {"field": "id"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 403 and response.json()["code"] == "pi_reveal_forbidden"
    assert SecurityEvent.objects.filter(kind="pi_reveal_refused", user=users["qiye"]).count() == 2
    list_page = client.get(LIST).content.decode()
    assert "张*" in list_page and "张三" not in list_page


def test_register_form_creates_then_merges(client_for: Any, users: dict) -> None:
    client = client_for(town_user(GUXI))
    form = client.get(f"{LIST}new/").content.decode()
    assert 'name="id_number"' in form and "style=" not in form and "<script>" not in form
    number = idcard.make("500152", date(1988, 8, 8), 31)
    data = {
        "township": str(town_user(GUXI).region_id),
        "name": "王芳",
        "id_number": number,
        "phone": "13900001111",
        "groups": ["poverty"],
        "consent": "on",
    }
    response = client.post(f"{LIST}new/", data)
    assert response.status_code == 302
    row = Jobseeker.objects.get()
    assert row.registered_by == town_user(GUXI) and row.group_codes == ["poverty"]
    response = client.post(f"{LIST}new/", {**data, "groups": ["returnee"], "consent": "on"}, follow=True)
    assert "未重复登记" in response.content.decode() and Jobseeker.objects.count() == 1
    bad = client.post(
        f"{LIST}new/", {**data, "id_number": number[:17] + "0" if number[17] != "0" else number[:17] + "1"}
    )
    assert bad.status_code == 422 and "校验码" in bad.content.decode()
    no_consent = client.post(f"{LIST}new/", {**data, "consent": ""})
    assert no_consent.status_code == 422 and "同意" in no_consent.content.decode()
    assert client_for(users["qiye"]).get(f"{LIST}new/").status_code == 403


def test_edit_and_withdraw(client_for: Any, users: dict) -> None:
    row = jobseeker(GUXI, "张三", phone="13800001234", experience="制衣厂")
    client = client_for(town_user(GUXI))
    response = client.post(
        f"{LIST}{row.pk}/edit/", {"name": "张三", "skills": "叉车", "version": row.version}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.skills == "叉车" and row.phone_mask == "138****1234"
    assert client.get(f"{LIST}{row.pk}/withdraw/").status_code == 200
    response = client.post(f"{LIST}{row.pk}/withdraw/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.name == "已匿名" and row.anonymised_on is not None and row.consent_withdrawn_on is not None
    assert client_for(town_user(YUXI)).post(f"{LIST}{row.pk}/withdraw/").status_code == 404


def test_export_masked_and_full(client_for: Any, users: dict) -> None:
    number = id_number(GUXI)
    jobseeker(GUXI, "张三", number=number, phone="13800001234")
    other = id_number(YUXI)
    jobseeker(YUXI, "李四", number=other)
    client = client_for(staff(TONGNAN))
    table = cells(client.get(f"{LIST}export.xlsx"))
    flat = str(table)
    assert "张三" in flat and number not in flat and "138****1234" in flat
    assert SecurityEvent.objects.filter(kind="pi_exported").count() == 1
    table = cells(client.get(f"{LIST}export.xlsx", {"full": "1"}))
    assert number in str(table) and other in str(table) and "13800001234" in str(table)
    assert SecurityEvent.objects.filter(kind="pi_exported_full").count() == 1
    # A town user: full export only of their own township's rows.
    town = client_for(town_user(GUXI))
    assert number in str(cells(town.get(f"{LIST}export.xlsx", {"full": "1"})))
    # The list's own export link is masked and audited too.
    listed = client.get(LIST, {"export": "xlsx"})
    assert number not in str(cells(listed)) and SecurityEvent.objects.filter(kind="pi_exported").count() == 2


def test_full_export_refused_is_audited(client_for: Any, users: dict) -> None:
    from tiaodu.employment.models import Placement
    from tiaodu.employment.tests.factories import vacancy
    from tiaodu.enterprises.models import Enterprise

    enterprise = Enterprise.objects.get(organization=users["qiye"].organization)
    row = jobseeker(GUXI, "张三")
    Placement.objects.create(
        district=row.district,
        township=row.township,
        jobseeker=row,
        vacancy=vacancy(enterprise),
        enterprise=enterprise,
        intended_on=date(2022, 2, 2),
    )
    client = client_for(users["qiye"])
    response = client.get(f"{LIST}export.xlsx", {"full": "1"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 403 and response.json()["code"] == "pi_reveal_forbidden"
    assert SecurityEvent.objects.filter(kind="pi_reveal_refused", user=users["qiye"]).exists()
    assert not SecurityEvent.objects.filter(kind="pi_exported_full").exists()
    masked = cells(client.get(f"{LIST}export.xlsx"))
    assert "张*" in str(masked) and "张三" not in str(masked)


def test_import_page_and_template(client_for: Any, users: dict) -> None:
    client = client_for(staff(TONGNAN))
    assert client.get("/employment/import/jobseekers/").status_code == 200
    response = client.get("/employment/import/jobseekers/template.xlsx")
    assert response.status_code == 200
    headers = [c.value for c in load_workbook(BytesIO(response.content)).worksheets[0][1]]
    assert headers[:4] == ["姓名", "身份证号", "手机号", "所属镇街"]
