"""Job buses (lane D): trips with stops, riders (idempotent, bus_full), rider intentions limited
to the trip's enterprises, results per rider; the pages (riders masked) and the scope."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tiaodu.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tiaodu.employment import buses
from tiaodu.employment.models import BusRider, BusStop, BusTrip, Placement
from tiaodu.employment.tests import factories
from tiaodu.employment.tests.test_fairs_support import GUXI, YUXI, lanes, scene  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lanes")]

RUN = date(2021, 3, 16)


def _trip(s: dict, seats: int = 2, **kw: object) -> BusTrip:
    values: dict = {
        "name": "古溪—玉溪求职专车",
        "run_on": RUN,
        "seats": seats,
        "stops": [("古溪镇", "古溪场镇车站"), (YUXI, "")],
        "enterprises": [s["toys"], s["food"]],
    }
    values.update(kw)
    return buses.create_trip(s["staff"], **values)


def test_create_trip_with_stops_in_order() -> None:
    s = scene()
    trip = _trip(s)
    assert trip.district == s["district"] and trip.seats == 2
    stops = list(BusStop.objects.filter(trip=trip).order_by("order"))
    assert [(st.township.code, st.point, st.order) for st in stops] == [
        (GUXI, "古溪场镇车站", 1),
        (YUXI, "玉溪镇场镇", 2),
    ]
    assert set(trip.enterprises.all()) == {s["toys"], s["food"]}


def test_create_trip_refusals() -> None:
    s = scene()
    before = BusTrip.objects.count()
    with pytest.raises(InvalidInput) as exc:
        buses.create_trip(
            s["staff"], district="500152", name="", run_on=RUN, seats=0, stops=[("500104001", "x")]
        )
    assert {e.code for e in exc.value.errors} == {"required", "seats_invalid", "township_unknown"}
    assert BusTrip.objects.count() == before


def test_riders_idempotent_and_bus_full() -> None:
    s = scene()
    trip = _trip(s, seats=2)
    first_stop = BusStop.objects.get(trip=trip, order=1)
    rider = buses.add_rider(s["staff"], trip, s["zhang"], stop=first_stop)
    assert rider.township == s["zhang"].township and rider.stop == first_stop
    assert buses.add_rider(s["staff"], trip, s["zhang"]).pk == rider.pk
    buses.add_rider(s["staff"], trip, s["li"])
    third = factories.jobseeker(GUXI, "冯十二")
    with pytest.raises(Conflict) as full:
        buses.add_rider(s["staff"], trip, third)
    assert full.value.code == "bus_full" and full.value.status == 409
    assert BusRider.objects.filter(trip=trip).count() == 2
    other = _trip(s, name="另一趟")
    with pytest.raises(InvalidInput) as wrong_stop:
        buses.add_rider(s["staff"], other, third, stop=first_stop)
    assert wrong_stop.value.errors[0].code == "stop_unknown"
    stranger = factories.jobseeker("500104001", "外区人")
    with pytest.raises(InvalidInput) as district:
        buses.add_rider(s["staff"], other, stranger)
    assert district.value.errors[0].code == "jobseeker_other_district"


def test_rider_intention_and_results() -> None:
    s = scene()
    trip = _trip(s, enterprises=[s["toys"]])
    buses.add_rider(s["staff"], trip, s["li"])
    with pytest.raises(InvalidInput) as exc:
        buses.record_intention(s["staff"], trip, s["li"], s["packer"])
    assert exc.value.errors[0].code == "vacancy_not_on_trip"
    with pytest.raises(InvalidInput) as not_rider:
        buses.record_intention(s["staff"], trip, s["zhang"], s["sewer"])
    assert not_rider.value.errors[0].code == "rider_unknown"
    placement = buses.record_intention(s["staff"], trip, s["li"], s["sewer"])
    assert placement.trip == trip and placement.intended_on == RUN
    results = buses.rider_results(trip)
    assert [(r.jobseeker, [p.pk for p in ps]) for r, ps in results] == [(s["li"], [placement.pk])]


def test_scope_of_trips(users: dict) -> None:
    s = scene()
    trip = _trip(s)
    with pytest.raises(Forbidden):
        buses.create_trip(users["qiye"], name="x", run_on=RUN, seats=3, stops=[(GUXI, "")])
    with pytest.raises((Forbidden, NotFound)):
        buses.add_rider(users["leader"], trip, s["zhang"])
    assert not BusRider.objects.filter(trip=trip).exists()


def test_bus_pages(client_for: object, users: dict) -> None:
    s = scene()
    c = client_for(s["staff"])  # type: ignore[operator]
    create = c.post(
        reverse("employment:bus-create"),
        {
            "name": "页面专车",
            "run_on": "2021-03-20",
            "seats": 1,
            "stops": "古溪镇 古溪车站\n玉溪镇",
            "enterprises": [s["toys"].pk],
        },
    )
    trip = BusTrip.objects.get(name="页面专车")
    assert create.status_code == 302 and create["Location"] == trip.get_absolute_url()
    assert [st.point for st in BusStop.objects.filter(trip=trip).order_by("order")] == [
        "古溪车站",
        "玉溪镇场镇",
    ]
    number = factories.id_number(GUXI)
    person = factories.jobseeker(GUXI, "陈十三", number=number)
    add = reverse("employment:bus-rider-add", args=[trip.pk])
    assert c.post(add, {"id_number": number}).status_code == 302
    assert c.post(add, {"id_number": number}).status_code == 302  # the same person again: one rider
    assert BusRider.objects.filter(trip=trip).count() == 1
    other = factories.id_number(GUXI)
    factories.jobseeker(GUXI, "褚十四", number=other)
    refused = c.post(add, {"id_number": other})
    assert refused.status_code == 422 and "座位已满" in refused.content.decode()
    unknown = c.post(add, {"id_number": factories.id_number(GUXI)})
    assert unknown.status_code == 422 and "尚未登记" in unknown.content.decode()
    intention = c.post(
        reverse("employment:bus-intention", args=[trip.pk]), {"rider": person.pk, "vacancy": s["sewer"].pk}
    )
    assert intention.status_code == 302
    assert Placement.objects.filter(trip=trip, jobseeker=person).exists()
    page = c.get(trip.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200 and person.id_mask in html and "陈十三" not in html and "缝纫工" in html
    assert "页面专车" in c.get(reverse("employment:bus-list")).content.decode()
    leader = client_for(users["leader"])  # type: ignore[operator]
    leader_page = leader.get(trip.get_absolute_url()).content.decode()
    assert person.id_mask not in leader_page  # leaders see the trip, not its riders
    assert leader.post(add, {"id_number": other}).status_code == 403
    assert client_for(users["qiye"]).get(reverse("employment:bus-list")).status_code == 403  # type: ignore[operator]
