"""Pages and API of the reference data (lane A): the catalogue, market rules and their
calendar, settings, township seats; scope and keepers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tiaodu.core.tests.districts import DADUKOU, TONGNAN
from tiaodu.employment import reference
from tiaodu.employment.choices import CalendarKind
from tiaodu.employment.models import EmploymentSettings, MarketRule, TownshipSeat
from tiaodu.employment.tests.factories import staff
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

API = "/api/v1/employment"
GUXI, YUXI = "500152103", "500152107"


def _rule(code: str, digits: str, calendar: str = CalendarKind.LUNAR) -> MarketRule:
    township = Region.objects.get(code=code)
    assert township.parent is not None
    return MarketRule.objects.create(
        district=township.parent, township=township, digits=digits, calendar=calendar
    )


# --- pages -----------------------------------------------------------------------------------------


def test_occupation_tree_and_search(client_for: Any, users: dict) -> None:
    client = client_for(users["guxi"])
    page = client.get(reverse("employment:occupation-list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-code="6-05-01-03"' in text and "纺织品、服装和皮革、毛皮制品加工制作人员" in text
    assert "style=" not in text and "<script>" not in text
    found = client.get(reverse("employment:occupation-list"), {"q": "叉车"}).content.decode()
    # The match and the codes above it, nothing else.
    assert 'data-code="6-30-05-01"' in found and 'data-code="6-30"' in found and 'data-code="6"' in found
    assert 'data-code="6-05-01-03"' not in found
    proposed = client.get(reverse("employment:occupation-list"), {"q": "服装厂平车师傅"}).content.decode()
    assert "6-05-01-03" in proposed  # no catalogue row contains the phrase: the proposal is shown
    # Enterprises read the catalogue too.
    assert client_for(users["qiye"]).get(reverse("employment:occupation-list")).status_code == 200


def test_market_list_calendar_and_scope(client_for: Any, users: dict) -> None:
    _rule(GUXI, "147")
    _rule(YUXI, "258", CalendarKind.SOLAR)
    dadukou = Region.objects.get(code=DADUKOU)
    other = Region.objects.filter(parent=dadukou, level=4).first()
    assert other is not None
    MarketRule.objects.create(district=dadukou, township=other, digits="369")
    page = client_for(users["leader"]).get(reverse("employment:market-list"), {"month": "2022-02"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "古溪镇" in text and "玉溪镇" in text and other.name not in text
    assert 'data-day="2022-02-01"' in text  # 正月初一, 古溪 逢一
    assert text.count('data-day="2022-02-04"') == 1  # 正月初四: 古溪 only
    assert text.count('data-day="2022-02-05"') == 1  # 公历5日: 玉溪 only
    assert "market-add" not in text  # a leader reads, does not keep
    assert client_for(users["qiye"]).get(reverse("employment:market-list")).status_code == 403


def test_market_create_and_edit(client_for: Any, users: dict) -> None:
    client = client_for(users["guxi"])
    guxi = Region.objects.get(code=GUXI)
    assert client.get(reverse("employment:market-create")).status_code == 200
    bad = client.post(
        reverse("employment:market-create"), {"township": guxi.pk, "calendar": "lunar", "digits": "1x"}
    )
    assert bad.status_code == 422 and MarketRule.objects.count() == 0
    response = client.post(
        reverse("employment:market-create"),
        {"township": guxi.pk, "calendar": "lunar", "digits": "1、4、7", "place": "古溪场"},
    )
    assert response.status_code == 302
    rule = MarketRule.objects.get()
    assert (rule.township_id, rule.digits, rule.place) == (guxi.pk, "147", "古溪场")
    response = client.post(
        reverse("employment:market-edit", args=[rule.pk]),
        {"township": guxi.pk, "calendar": "solar", "digits": "258", "place": "古溪场"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.digits, rule.calendar) == ("258", CalendarKind.SOLAR)
    # A leader may not add; a district without the rule: 404.
    assert client_for(users["leader"]).get(reverse("employment:market-create")).status_code == 403
    ddk = staff(DADUKOU, "rsj_ddk_pages")
    assert client_for(ddk).get(reverse("employment:market-edit", args=[rule.pk])).status_code in (403, 404)


def test_settings_page(client_for: Any, users: dict) -> None:
    tongnan = Region.objects.get(code=TONGNAN)
    officer = staff(TONGNAN, "rsj_pages")
    client = client_for(officer)
    page = client.get(reverse("employment:settings"))
    assert page.status_code == 200 and "settings-form" in page.content.decode()
    centre = Organization.objects.create(name="潼南区就业服务中心", kind=OrgKind.DEPARTMENT, region=tongnan)
    response = client.post(
        reverse("employment:settings"),
        {
            "departments": [officer.organization_id, centre.pk],
            "retention_days": 1000,
            "consent_purpose": "用于就业服务",
            "default_commute_minutes": 45,
        },
    )
    assert response.status_code == 302
    row = EmploymentSettings.objects.get(region=tongnan)
    assert row.retention_days == 1000 and row.default_commute_minutes == 45
    assert set(row.departments.values_list("pk", flat=True)) == {officer.organization_id, centre.pk}
    assert reference.is_employment_staff(officer, tongnan)
    # Others read the settings; a town user cannot change them.
    shown = client_for(users["guxi"]).get(reverse("employment:settings")).content.decode()
    assert "settings-facts" in shown and "潼南区就业服务中心" in shown
    refused = client_for(users["guxi"]).post(reverse("employment:settings"), {"retention_days": 40})
    assert refused.status_code == 403
    assert EmploymentSettings.objects.get(region=tongnan).retention_days == 1000


def test_seat_page(client_for: Any, users: dict) -> None:
    guxi = Region.objects.get(code=GUXI)
    client = client_for(users["guxi"])
    page = client.get(reverse("employment:seat-list")).content.decode()
    assert f'data-code="{GUXI}"' in page and "seat-form" in page
    response = client.post(
        reverse("employment:seat-list"), {"township": guxi.pk, "longitude": "105.85", "latitude": "30.28"}
    )
    assert response.status_code == 302
    seat = TownshipSeat.objects.get(township=guxi)
    assert seat.longitude == Decimal("105.850000")
    bad = client.post(
        reverse("employment:seat-list"), {"township": guxi.pk, "longitude": "150", "latitude": "30"}
    )
    assert bad.status_code == 422
    assert client_for(users["leader"]).post(reverse("employment:seat-list"), {}).status_code == 403


# --- API ---------------------------------------------------------------------------------------------


def test_api_occupations(client: Any, users: dict, bearer: Any) -> None:
    headers = bearer(users["qiye"])
    body = client.get(f"{API}/occupations?level=2&page_size=200", **headers).json()
    assert body["count"] == 79 and body["results"][0]["code"] == "1-01"
    body = client.get(f"{API}/occupations?q=缝纫", **headers).json()
    codes = [r["code"] for r in body["results"]]
    assert "6-05-01-03" in codes
    sewing = next(r for r in body["results"] if r["code"] == "6-05-01-03")
    assert sewing["parent_code"] == "6-05-01" and sewing["level"] == 4 and "平车工" in sewing["keywords"]
    proposal = client.get(f"{API}/occupations/propose?title=叉车司机", **headers).json()
    assert proposal["occupation"]["code"] == "6-30-05-01"
    assert proposal["path"] == ["6", "6-30", "6-30-05", "6-30-05-01"]
    none = client.get(f"{API}/occupations/propose?title=abcdef", **headers).json()
    assert none["occupation"] is None and none["path"] == []
    assert client.get(f"{API}/occupations/propose", **headers).status_code == 422
    assert client.get(f"{API}/occupations").status_code == 401


def test_api_markets(client: Any, users: dict, bearer: Any) -> None:
    _rule(GUXI, "147")
    _rule(YUXI, "258", CalendarKind.SOLAR)
    headers = bearer(users["leader"])
    rules = client.get(f"{API}/markets", **headers).json()
    assert [(r["township_code"], r["digits"], r["calendar"]) for r in rules] == [
        (GUXI, "147", "lunar"),
        (YUXI, "258", "solar"),
    ]
    only = client.get(f"{API}/markets?township=古溪镇", **headers).json()
    assert [r["township_code"] for r in only] == [GUXI]
    days = client.get(f"{API}/markets/days?from=2022-02-01&to=2022-02-10", **headers).json()
    by_town = {d["township_code"]: d["days"] for d in days}
    assert by_town[GUXI] == ["2022-02-01", "2022-02-04", "2022-02-07"]
    assert by_town[YUXI] == ["2022-02-02", "2022-02-05", "2022-02-08"]
    backwards = client.get(f"{API}/markets/days?from=2022-02-10&to=2022-02-01", **headers)
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["code"] == "date_range"
    assert client.get(f"{API}/markets", **bearer(users["qiye"])).json() == []
    unknown = client.get(f"{API}/markets?township=不存在镇", **headers)
    assert unknown.status_code == 422
