"""Fair pages (lane D): list, detail (masked, live counts, QR), create, booth, sign-in, intention,
counts partial, QR file, planner; roles that may not change a fair are refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tiaodu.employment import fairs
from tiaodu.employment.choices import FairKind, RegisteredVia
from tiaodu.employment.models import FairAttendance, FairEnterprise, JobFair, Jobseeker, MarketRule, Placement
from tiaodu.employment.tests import factories
from tiaodu.employment.tests.test_fairs_support import GUXI, lanes, scene  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lanes")]

DAY = date(2021, 3, 14)


def _fair(s: dict) -> JobFair:
    return fairs.create_fair(
        s["staff"],
        township=s["guxi"],
        name="视图测试招聘会",
        kind=FairKind.SPRING,
        held_on=DAY,
        venue="古溪场镇",
    )


def test_list_and_detail_mask_people(client_for: object) -> None:
    s = scene()
    fair = _fair(s)
    fairs.add_booth(s["staff"], fair, s["toys"], [s["sewer"]])
    fairs.record_intention(s["staff"], fair, s["li"], s["sewer"])
    c = client_for(s["staff"])  # type: ignore[operator]
    listing = c.get(reverse("employment:fair-list"))
    assert listing.status_code == 200 and "视图测试招聘会" in listing.content.decode()
    page = c.get(reverse("employment:fair-detail", args=[fair.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "李四" not in html and s["li"].masked_name in html and s["li"].id_mask in html
    assert "<svg" in html and str(fair.public_key) in html
    assert 'hx-trigger="every 10s"' in html
    assert 'data-count="intentions">1<' in html
    assert "style=" not in html and "<script>" not in html


def test_counts_partial_and_qr_file(client_for: object) -> None:
    s = scene()
    fair = _fair(s)
    c = client_for(s["town"])  # type: ignore[operator]
    fairs.sign_in(s["staff"], fair, s["zhang"])
    counts = c.get(reverse("employment:fair-counts", args=[fair.pk]))
    assert counts.status_code == 200
    body = counts.content.decode()
    assert 'id="fair-counts"' in body and 'data-count="attendees">1<' in body
    qr = c.get(reverse("employment:fair-qr", args=[fair.pk]))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert qr.content.lstrip().startswith(b"<?xml") and b"<svg" in qr.content


def test_create_fair_page(client_for: object, users: dict) -> None:
    s = scene()
    c = client_for(s["staff"])  # type: ignore[operator]
    url = reverse("employment:fair-create")
    prefilled = c.get(url + f"?township={s['guxi'].pk}&held_on=2021-03-17&kind=market_day&name=预填")
    assert prefilled.status_code == 200 and 'value="预填"' in prefilled.content.decode()
    data = {"township": s["guxi"].pk, "name": "页面登记的招聘会", "kind": "park", "held_on": "2021-04-01"}
    response = c.post(url, data)
    fair = JobFair.objects.get(name="页面登记的招聘会")
    assert response.status_code == 302 and response["Location"] == fair.get_absolute_url()
    again = c.post(url, data)
    assert again.status_code == 422 and "已有名为" in again.content.decode()
    assert client_for(users["qiye"]).get(url).status_code == 403  # type: ignore[operator]
    assert client_for(users["leader"]).post(url, data).status_code == 403  # type: ignore[operator]


def test_booth_page_refuses_foreign_vacancy(client_for: object) -> None:
    s = scene()
    fair = _fair(s)
    c = client_for(s["staff"])  # type: ignore[operator]
    url = reverse("employment:fair-booth-add", args=[fair.pk])
    assert c.get(url).status_code == 200
    bad = c.post(url, {"enterprise": s["toys"].pk, "vacancies": [s["packer"].pk]})
    assert bad.status_code == 422 and not FairEnterprise.objects.filter(fair=fair).exists()
    good = c.post(url, {"enterprise": s["toys"].pk, "vacancies": [s["sewer"].pk]})
    assert good.status_code == 302
    assert list(FairEnterprise.objects.get(fair=fair).vacancies.all()) == [s["sewer"]]


def test_signin_finds_by_id_or_registers(client_for: object) -> None:
    s = scene()
    fair = _fair(s)
    c = client_for(s["staff"])  # type: ignore[operator]
    url = reverse("employment:fair-signin", args=[fair.pk])
    number = factories.id_number(GUXI)
    known = factories.jobseeker(GUXI, "孙八", number=number)
    response = c.post(url, {"id_number": number})
    assert response.status_code == 302
    assert FairAttendance.objects.filter(fair=fair, jobseeker=known).exists()
    new_number = factories.id_number(GUXI, date(1992, 7, 8), "f")
    ask = c.post(url, {"id_number": new_number})
    assert ask.status_code == 422 and "尚未登记" in ask.content.decode()
    assert not Jobseeker.objects.filter(district=s["district"], name="周九").exists()
    done = c.post(
        url,
        {
            "id_number": new_number,
            "name": "周九",
            "township": s["guxi"].pk,
            "phone": "13900001111",
            "consent": "on",
        },
    )
    assert done.status_code == 302
    person = Jobseeker.objects.get(district=s["district"], name="周九")
    assert person.registered_via == RegisteredVia.FAIR
    assert FairAttendance.objects.filter(fair=fair, jobseeker=person).exists()
    wrong = c.post(url, {"id_number": new_number[:-1] + ("1" if new_number[-1] != "1" else "2")})
    assert wrong.status_code == 422


def test_intention_page(client_for: object, users: dict) -> None:
    s = scene()
    fair = _fair(s)
    fairs.add_booth(s["staff"], fair, s["toys"], [s["sewer"]])
    fairs.sign_in(s["staff"], fair, s["li"])
    c = client_for(s["staff"])  # type: ignore[operator]
    url = reverse("employment:fair-intention", args=[fair.pk])
    page = c.get(url)
    assert page.status_code == 200 and s["li"].id_mask in page.content.decode()
    response = c.post(url, {"attendee": s["li"].pk, "vacancy": s["sewer"].pk})
    assert response.status_code == 302
    assert Placement.objects.filter(fair=fair, jobseeker=s["li"], vacancy=s["sewer"]).exists()
    not_at_fair = c.post(url, {"attendee": s["li"].pk, "vacancy": s["packer"].pk})
    assert not_at_fair.status_code == 422  # the food company has no booth: not offered either
    assert not Placement.objects.filter(fair=fair, vacancy=s["packer"]).exists()
    assert client_for(users["qiye"]).get(url).status_code == 403  # type: ignore[operator]


def test_planner_proposes_market_days(client_for: object) -> None:
    s = scene()
    MarketRule.objects.create(district=s["district"], township=s["guxi"], calendar="solar", digits="147")
    c = client_for(s["staff"])  # type: ignore[operator]
    url = reverse("employment:fair-planner")
    assert c.get(url).status_code == 200
    response = c.get(url, {"date_from": "2021-06-01", "date_to": "2021-06-10", "townships": [s["guxi"].pk]})
    html = response.content.decode()
    assert response.status_code == 200
    for day in ("2021-06-01", "2021-06-04", "2021-06-07"):
        assert f'data-day="{day}"' in html
    assert 'data-day="2021-06-02"' not in html
    assert reverse("employment:fair-create") + "?" in html
