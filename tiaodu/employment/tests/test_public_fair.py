"""The public fair page and self-registration (lane D): no login, no personal data, unknown key is
a 404, registration merges by ID and signs in by QR, the answer shows only the masked ID, a
client sending too many registrations is slowed down."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tiaodu.employment import fairs, views_public
from tiaodu.employment.choices import FairKind, RegisteredVia, SignInVia
from tiaodu.employment.models import FairAttendance, JobFair, Jobseeker
from tiaodu.employment.tests import factories
from tiaodu.employment.tests.test_fairs_support import GUXI, lanes, scene  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lanes")]


@pytest.fixture(autouse=True)
def _fresh_limit() -> None:
    cache.clear()


def _fair(s: dict) -> JobFair:
    fair = fairs.create_fair(
        s["staff"],
        township=s["guxi"],
        name="公开页测试招聘会",
        kind=FairKind.MARKET_DAY,
        held_on=timezone.localdate(),
        venue="古溪场镇",
    )
    fairs.add_booth(s["staff"], fair, s["toys"], [s["sewer"]])
    fairs.add_booth(s["staff"], fair, s["food"], [s["packer"]])
    fairs.record_intention(s["staff"], fair, s["li"], s["sewer"])
    return fair


def test_public_page_lists_vacancies_without_personal_data() -> None:
    s = scene()
    fair = _fair(s)
    response = Client().get(reverse("employment:fair-public", args=[fair.public_key]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "缝纫工" in html and "包装工" in html and "重庆古溪玩具有限公司" in html
    assert "3500–5000" in html
    for personal in ("李四", s["li"].masked_name, s["li"].id_mask):
        assert personal not in html
    assert "2家企业提供岗位2个,招聘50人" in html
    assert "style=" not in html and "<script>" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_unknown_key_is_404() -> None:
    scene()
    client = Client()
    assert client.get(reverse("employment:fair-public", args=[uuid.uuid4()])).status_code == 404
    assert client.get(reverse("employment:fair-public-register", args=[uuid.uuid4()])).status_code == 404
    assert client.get("/employment/p/fair/1/").status_code == 404


def test_self_registration_signs_in_and_shows_mask_only() -> None:
    s = scene()
    fair = _fair(s)
    number = factories.id_number(GUXI, date(1995, 1, 2), "f")
    url = reverse("employment:fair-public-register", args=[fair.public_key])
    client = Client()
    assert client.get(url).status_code == 200
    data = {
        "name": "吴十",
        "id_number": number,
        "phone": "13712345678",
        "township": s["guxi"].pk,
        "experience": "在玩具厂做过两年包装",
        "desired_text": "缝纫工",
        "consent": "on",
    }
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="public-registered"' in html
    person = Jobseeker.objects.get(district=s["district"], registered_via=RegisteredVia.SELF, name="吴十")
    assert person.id_mask in html
    assert number not in html and "吴十" not in html and "13712345678" not in html
    attendance = FairAttendance.objects.get(fair=fair, jobseeker=person)
    assert attendance.via == SignInVia.QR and person.registered_fair == fair
    again = client.post(url, data)
    assert again.status_code == 200
    assert Jobseeker.objects.filter(district=s["district"], name="吴十").count() == 1
    assert FairAttendance.objects.filter(fair=fair, jobseeker=person).count() == 1


def test_self_registration_errors_change_nothing() -> None:
    s = scene()
    fair = _fair(s)
    url = reverse("employment:fair-public-register", args=[fair.public_key])
    number = factories.id_number(GUXI)
    bad = number[:-1] + ("1" if number[-1] != "1" else "2")
    before = FairAttendance.objects.filter(fair=fair).count()
    base = {"name": "郑十一", "phone": "13712345679", "township": s["guxi"].pk}
    wrong_id = Client().post(url, {**base, "id_number": bad, "consent": "on"})
    assert wrong_id.status_code == 422 and 'data-field="id_number"' in wrong_id.content.decode()
    no_consent = Client().post(url, {**base, "id_number": number})
    assert no_consent.status_code == 422 and 'data-field="consent"' in no_consent.content.decode()
    assert not Jobseeker.objects.filter(name="郑十一").exists()
    assert FairAttendance.objects.filter(fair=fair).count() == before


def test_past_fair_takes_no_registration() -> None:
    from datetime import timedelta

    s = scene()
    fair = fairs.create_fair(
        s["staff"],
        township=s["guxi"],
        name="昨天的招聘会",
        kind=FairKind.MARKET_DAY,
        held_on=timezone.localdate() - timedelta(days=1),
    )
    page = Client().get(reverse("employment:fair-public", args=[fair.public_key])).content.decode()
    assert 'id="public-fair-over"' in page and 'id="public-register-link"' not in page
    url = reverse("employment:fair-public-register", args=[fair.public_key])
    response = Client().post(url, {"name": "迟到", "id_number": factories.id_number(GUXI), "consent": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("employment:fair-public", args=[fair.public_key])
    assert not Jobseeker.objects.filter(name="迟到").exists()


def test_registrations_from_one_client_are_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    s = scene()
    fair = _fair(s)
    monkeypatch.setattr(views_public, "PUBLIC_REGISTER_LIMIT", 2)
    url = reverse("employment:fair-public-register", args=[fair.public_key])
    client = Client()
    codes = [client.post(url, {"name": "x", "id_number": "1", "phone": "1"}).status_code for _ in range(3)]
    assert codes == [422, 422, 429]
