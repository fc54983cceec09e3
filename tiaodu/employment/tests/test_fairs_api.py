"""Fair and bus API (lane D): /api/v1/employment/fairs… and /buses… — masked people, stable error
codes, scope."""

from __future__ import annotations

from datetime import date

import pytest

from tiaodu.employment import fairs
from tiaodu.employment.models import BusRider, JobFair, Placement
from tiaodu.employment.tests import factories
from tiaodu.employment.tests.test_fairs_support import GUXI, lanes, scene  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lanes")]

API = "/api/v1/employment"


def test_fair_api_flow(client: object, bearer: object) -> None:
    s = scene()
    headers = bearer(s["staff"])  # type: ignore[operator]
    made = client.post(  # type: ignore[attr-defined]
        f"{API}/fairs",
        {"name": "接口招聘会", "kind": "春风行动专场", "held_on": "2021-03-21", "township": "古溪镇"},
        content_type="application/json",
        **headers,
    )
    assert made.status_code == 201, made.content
    body = made.json()
    fair = JobFair.objects.get(pk=body["id"])
    assert body["kind"] == "spring" and body["township_code"] == GUXI
    assert body["public_url"].endswith(f"/employment/p/fair/{fair.public_key}/")
    assert body["counts"]["enterprises"] == 0
    booth = client.post(  # type: ignore[attr-defined]
        f"{API}/fairs/{fair.pk}/booths",
        {"enterprise_id": s["toys"].pk, "vacancy_ids": [s["sewer"].pk]},
        content_type="application/json",
        **headers,
    )
    assert booth.status_code == 201 and booth.json()["vacancies"][0]["title"] == "缝纫工"
    foreign = client.post(  # type: ignore[attr-defined]
        f"{API}/fairs/{fair.pk}/booths",
        {"enterprise_id": s["toys"].pk, "vacancy_ids": [s["packer"].pk]},
        content_type="application/json",
        **headers,
    )
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["code"] == "vacancy_not_of_enterprise"
    number = factories.id_number(GUXI)
    person = factories.jobseeker(GUXI, "蒋十五", number=number)
    intention = client.post(  # type: ignore[attr-defined]
        f"{API}/fairs/{fair.pk}/intentions",
        {"id_number": number, "vacancy_id": s["sewer"].pk},
        content_type="application/json",
        **headers,
    )
    assert intention.status_code == 201, intention.content
    out = intention.json()
    assert out["id_mask"] == person.id_mask and out["state"] == "intended" and out["fair_id"] == fair.pk
    assert number not in intention.content.decode()
    not_at_fair = client.post(  # type: ignore[attr-defined]
        f"{API}/fairs/{fair.pk}/intentions",
        {"jobseeker_id": person.pk, "vacancy_id": s["packer"].pk},
        content_type="application/json",
        **headers,
    )
    assert not_at_fair.status_code == 422
    assert not_at_fair.json()["errors"][0]["code"] == "vacancy_not_at_fair"
    assert not Placement.objects.filter(jobseeker=person, vacancy=s["packer"]).exists()
    unknown = client.post(  # type: ignore[attr-defined]
        f"{API}/fairs/{fair.pk}/intentions",
        {"id_number": factories.id_number(GUXI), "vacancy_id": s["sewer"].pk},
        content_type="application/json",
        **headers,
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["code"] == "jobseeker_unknown"
    counts = client.get(f"{API}/fairs/{fair.pk}/counts", **headers).json()  # type: ignore[attr-defined]
    assert counts == {
        "enterprises": 1,
        "vacancies": 1,
        "positions": 30,
        "attendees": 1,
        "intentions": 1,
        "jobseekers_with_intention": 1,
    }
    listing = client.get(f"{API}/fairs?kind=spring&date_from=2021-03-01", **headers).json()  # type: ignore[attr-defined]
    assert fair.pk in [row["id"] for row in listing["results"]]
    detail = client.get(f"{API}/fairs/{fair.pk}", **headers).json()  # type: ignore[attr-defined]
    assert detail["booths"][0]["enterprise_name"] == "重庆古溪玩具有限公司"


def test_fair_api_scope(client: object, bearer: object, users: dict) -> None:
    s = scene()
    fair = fairs.create_fair(
        s["staff"], township=s["guxi"], name="范围招聘会", kind="spring", held_on=date(2021, 3, 22)
    )
    enterprise = bearer(users["qiye"])  # type: ignore[operator]
    refused = client.post(  # type: ignore[attr-defined]
        f"{API}/fairs",
        {"name": "企业的", "kind": "spring", "held_on": "2021-03-21", "township": GUXI},
        content_type="application/json",
        **enterprise,
    )
    assert refused.status_code == 403
    assert client.get(f"{API}/fairs/{fair.pk}", **enterprise).status_code == 404  # type: ignore[attr-defined]
    fairs.add_booth(s["staff"], fair, s["food"], [s["packer"]])
    assert client.get(f"{API}/fairs/{fair.pk}", **enterprise).status_code == 200  # type: ignore[attr-defined]
    other = bearer(factories.staff("500104"))  # type: ignore[operator]
    assert client.get(f"{API}/fairs/{fair.pk}/counts", **other).status_code == 404  # type: ignore[attr-defined]


def test_bus_api(client: object, bearer: object, users: dict) -> None:
    s = scene()
    headers = bearer(s["staff"])  # type: ignore[operator]
    made = client.post(  # type: ignore[attr-defined]
        f"{API}/buses",
        {
            "name": "接口专车",
            "run_on": "2021-03-23",
            "seats": 1,
            "stops": [{"township": "古溪镇", "point": "古溪车站"}, {"township": "500152107"}],
            "enterprise_ids": [s["toys"].pk],
        },
        content_type="application/json",
        **headers,
    )
    assert made.status_code == 201, made.content
    trip = made.json()
    assert [st["point"] for st in trip["stops"]] == ["古溪车站", "玉溪镇场镇"]
    assert trip["riders"] == 0 and trip["enterprise_ids"] == [s["toys"].pk]
    rider = client.post(  # type: ignore[attr-defined]
        f"{API}/buses/{trip['id']}/riders",
        {"jobseeker_id": s["li"].pk, "stop_id": trip["stops"][0]["id"]},
        content_type="application/json",
        **headers,
    )
    assert rider.status_code == 201 and rider.json()["id_mask"] == s["li"].id_mask
    assert "李四" not in rider.content.decode()
    full = client.post(  # type: ignore[attr-defined]
        f"{API}/buses/{trip['id']}/riders",
        {"jobseeker_id": s["zhang"].pk},
        content_type="application/json",
        **headers,
    )
    assert full.status_code == 409 and full.json()["code"] == "bus_full"
    assert BusRider.objects.filter(trip_id=trip["id"]).count() == 1
    detail = client.get(f"{API}/buses/{trip['id']}", **headers).json()  # type: ignore[attr-defined]
    assert detail["riders"] == 1 and detail["rider_list"][0]["masked_name"] == s["li"].masked_name
    listing = client.get(f"{API}/buses", **headers).json()  # type: ignore[attr-defined]
    assert trip["id"] in [row["id"] for row in listing["results"]]
    leader = bearer(users["leader"])  # type: ignore[operator]
    seen = client.get(f"{API}/buses/{trip['id']}", **leader).json()  # type: ignore[attr-defined]
    assert seen["riders"] == 1 and seen["rider_list"] == []  # leaders: the figure, not the people
