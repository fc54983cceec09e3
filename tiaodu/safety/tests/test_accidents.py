"""Accidents: the grade by 条例第三条 (boundaries "以上含本数,以下不含本数"), the register's rules and
the "连续N个月未发生较大及以上事故" run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tiaodu.core.errors import InvalidInput, ServiceError
from tiaodu.regions.models import Region
from tiaodu.safety.accidents import accident_free_run, grade_of, record_accident, update_accident
from tiaodu.safety.choices import AccidentGrade
from tiaodu.safety.models import Accident, SafetySettings, Sector

G, L, M, X = AccidentGrade.GENERAL, AccidentGrade.LARGER, AccidentGrade.MAJOR, AccidentGrade.EXTRAORDINARY

# (deaths, serious injuries, direct loss 万元) → grade; each row sits at or next to a boundary.
GRADE_CASES = [
    ((0, 0, "0"), G),
    ((2, 0, "0"), G),
    ((3, 0, "0"), L),
    ((9, 0, "0"), L),
    ((10, 0, "0"), M),
    ((29, 0, "0"), M),
    ((30, 0, "0"), X),
    ((0, 9, "0"), G),
    ((0, 10, "0"), L),
    ((0, 49, "0"), L),
    ((0, 50, "0"), M),
    ((0, 99, "0"), M),
    ((0, 100, "0"), X),
    ((0, 0, "999.99"), G),
    ((0, 0, "1000"), L),
    ((0, 0, "4999.99"), L),
    ((0, 0, "5000"), M),
    ((0, 0, "9999.99"), M),
    ((0, 0, "10000"), X),
    # the highest measure decides
    ((1, 12, "10"), L),
    ((2, 9, "5000"), M),
    ((10, 0, "10000.00"), X),
]


@pytest.mark.parametrize(("values", "expected"), GRADE_CASES)
def test_grade_of_boundaries(values: tuple[int, int, str], expected: AccidentGrade) -> None:
    deaths, injuries, loss = values
    assert grade_of(deaths, injuries, Decimal(loss)) == expected


def test_grade_of_refuses_negative_values() -> None:
    with pytest.raises(InvalidInput) as caught:
        grade_of(-1, 0, Decimal("-0.01"))
    assert {e.code for e in caught.value.errors} == {"value_negative"}
    assert {e.field for e in caught.value.errors} == {"deaths", "direct_loss"}


# --- the register -------------------------------------------------------------------------------


def district(code: str = "500152") -> Region:
    return Region.objects.get(code=code)


def township(code: str = "500152103") -> Region:
    return Region.objects.get(code=code)


def sector(code: str = "500152", name: str = "工贸") -> Sector:
    found, _ = Sector.objects.get_or_create(region=district(code), code=f"t-{name}", defaults={"name": name})
    return found


def accident(
    on: date, deaths: int = 0, injuries: int = 0, loss: str = "0", town: str = "500152103"
) -> Accident:
    return record_accident(
        None,
        occurred_on=on,
        unit_name="测试事故单位",
        township=township(town),
        sector=sector(town[:6]),
        deaths=deaths,
        serious_injuries=injuries,
        direct_loss=Decimal(loss),
    )


@pytest.mark.django_db
def test_record_accident_computes_the_grade_and_the_district() -> None:
    made = accident(date(2021, 5, 3), deaths=3)
    made.refresh_from_db()
    assert made.grade == AccidentGrade.LARGER
    assert made.district == district()
    corrected = update_accident(None, made.pk, deaths=1, direct_loss=Decimal("12"))
    corrected.refresh_from_db()
    assert corrected.grade == AccidentGrade.GENERAL


@pytest.mark.django_db
def test_record_accident_refuses_bad_values_and_writes_nothing() -> None:
    before = Accident.objects.count()
    with pytest.raises(InvalidInput) as caught:
        record_accident(
            None,
            occurred_on=date(2021, 5, 3),
            unit_name="某单位",
            township=township(),
            sector=sector(),
            deaths=0,
            serious_injuries=-2,
            direct_loss=Decimal("-5"),
        )
    codes = {(e.field, e.code) for e in caught.value.errors}
    assert codes == {("serious_injuries", "value_negative"), ("direct_loss", "value_negative")}
    with pytest.raises(InvalidInput) as caught:
        record_accident(
            None,
            occurred_on=date(2021, 5, 3),
            unit_name="某单位",
            township=township(),
            sector=sector("500104"),  # another district's sector
        )
    assert caught.value.errors[0].code == "sector_unknown"
    with pytest.raises(ServiceError) as unknown:
        record_accident(None, grade=AccidentGrade.MAJOR)  # the grade is never typed
    assert unknown.value.errors[0].code == "field_unknown"
    assert Accident.objects.count() == before


@pytest.mark.django_db
def test_town_user_records_in_own_township_only() -> None:
    from tiaodu.accounts.models import User

    guxi = User.objects.get(username="guxi")
    made = record_accident(
        guxi, occurred_on=date(2021, 1, 4), unit_name="古溪某厂", township=township(), sector=sector()
    )
    assert made.created_by == guxi
    with pytest.raises(ServiceError) as caught:
        record_accident(
            guxi,
            occurred_on=date(2021, 1, 4),
            unit_name="玉溪某厂",
            township=township("500152107"),
            sector=sector(),
        )
    assert caught.value.status == 403
    assert not Accident.objects.filter(unit_name="玉溪某厂").exists()


# --- the accident-free run ---------------------------------------------------------------------


@pytest.mark.django_db
def test_run_counts_from_the_month_after_the_last_serious_accident() -> None:
    accident(date(2016, 6, 20), deaths=3)  # 较大: June 2016 is not accident-free
    accident(date(2019, 2, 1), deaths=1, loss="100")  # 一般: does not break the run
    run = accident_free_run(district(), date(2022, 3, 31))
    assert run.months == 69
    assert run.since == date(2016, 7, 1)
    assert run.last_serious is not None and run.last_serious.occurred_on == date(2016, 6, 20)
    assert run.text() == "连续69个月未发生较大及以上事故"
    # as_of's month counts whatever day it is
    assert accident_free_run(district(), date(2022, 3, 1)).months == 69
    assert accident_free_run(district(), date(2022, 2, 28)).months == 68
    # a township code is taken as its district
    assert accident_free_run(township(), date(2022, 3, 31)).months == 69


@pytest.mark.django_db
def test_run_is_as_of_the_date_and_per_district() -> None:
    accident(date(2016, 6, 20), deaths=3)
    accident(date(2022, 4, 2), injuries=10)  # 较大, after the date: not seen
    accident(date(2020, 1, 5), deaths=5, town="500104001")  # another district
    assert accident_free_run(district(), date(2022, 3, 31)).months == 69
    after = accident_free_run(district(), date(2022, 4, 30))
    assert (after.months, after.since) == (0, date(2022, 5, 1))
    assert accident_free_run(district(), date(2022, 5, 1)).months == 1


@pytest.mark.django_db
def test_run_starts_no_earlier_than_record_start() -> None:
    settings, _ = SafetySettings.objects.get_or_create(region=district())
    settings.record_start = date(2016, 7, 1)
    settings.save()
    run = accident_free_run(district(), date(2022, 3, 31))
    assert (run.months, run.since, run.last_serious) == (69, date(2016, 7, 1), None)
    accident(date(2014, 3, 1), deaths=12)  # before the register starts: the start stays
    assert accident_free_run(district(), date(2022, 3, 31)).months == 69
    accident(date(2020, 12, 31), loss="1000")  # 较大 by the loss
    run = accident_free_run(district(), date(2022, 3, 31))
    assert (run.months, run.since) == (15, date(2021, 1, 1))
    assert accident_free_run(district(), date(2016, 5, 31)).months == 0


@pytest.mark.django_db
def test_run_without_record_start_or_register() -> None:
    run = accident_free_run(district("500101"), date(2022, 3, 31))
    assert (run.months, run.since, run.last_serious) == (0, date(2022, 4, 1), None)


# --- pages and API --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_accident_pages_show_the_computed_grade(client_for: Any) -> None:
    from django.urls import reverse

    from tiaodu.accounts.models import User

    guxi = User.objects.get(username="guxi")
    c = client_for(guxi)
    form = c.get(reverse("safety:accident-create"))
    assert form.status_code == 200
    assert 'name="grade"' not in form.content.decode()  # the grade is never an input
    post = {
        "occurred_on": "2021-08-09",
        "township_code": "500152103",
        "unit_name": "古溪某砖厂",
        "sector_id": sector().pk,
        "deaths": 0,
        "serious_injuries": 12,
        "direct_loss": "80",
        "summary": "窑体坍塌",
        "grade": "general",  # ignored
    }
    done = c.post(reverse("safety:accident-create"), post)
    assert done.status_code == 302
    made = Accident.objects.get(unit_name="古溪某砖厂")
    assert made.grade == AccidentGrade.LARGER and made.created_by == guxi
    detail = c.get(reverse("safety:accident-detail", args=[made.pk])).content.decode()
    assert 'data-grade="larger"' in detail and "较大事故" in detail
    bad = c.post(reverse("safety:accident-create"), post | {"deaths": -1})
    assert bad.status_code == 422 and "不能为负数" in bad.content.decode()
    other_town = c.post(
        reverse("safety:accident-create"), post | {"township_code": "500152107", "unit_name": "X"}
    )
    assert other_town.status_code in (403, 422)
    assert not Accident.objects.filter(unit_name="X").exists()
    edit = c.get(reverse("safety:accident-edit", args=[made.pk]))
    assert edit.status_code == 200 and "古溪某砖厂" in edit.content.decode()
    fixed = c.post(reverse("safety:accident-edit", args=[made.pk]), post | {"serious_injuries": 2})
    assert fixed.status_code == 302
    made.refresh_from_db()
    assert made.grade == AccidentGrade.GENERAL
    assert (
        client_for(User.objects.get(username="yuxi"))
        .get(reverse("safety:accident-edit", args=[made.pk]))
        .status_code
        == 404
    )
    post["serious_injuries"] = 12
    made = update_accident(None, made.pk, serious_injuries=12)
    listed = c.get(reverse("safety:accident-list"), {"grade": "larger"}).content.decode()
    assert reverse("safety:accident-detail", args=[made.pk]) in listed
    export = c.get(reverse("safety:accident-list"), {"export": "csv"})
    assert "窑体坍塌" in export.content.decode("utf-8-sig")


@pytest.mark.django_db
def test_accident_api_and_run(client_for: Any) -> None:
    from tiaodu.accounts.models import User

    settings, _ = SafetySettings.objects.get_or_create(region=district())
    settings.record_start = date(2016, 7, 1)
    settings.save()
    guxi = User.objects.get(username="guxi")
    c = client_for(guxi)
    body = {
        "occurred_on": "2020-05-06",
        "township": "古溪镇",
        "unit_name": "古溪某厂",
        "sector_id": sector().pk,
        "deaths": 3,
        "grade": "general",
    }
    created = c.post("/api/v1/safety/accidents", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["grade"] == "larger"
    negative = c.post("/api/v1/safety/accidents", body | {"deaths": -1}, content_type="application/json")
    assert negative.status_code == 422
    run = c.get("/api/v1/safety/accident-free-run", {"as_of": "2022-03-31"}).json()
    assert (run["months"], run["since"], run["district_code"]) == (22, "2020-06-01", "500152")
    assert run["text"] == "连续22个月未发生较大及以上事故"
    assert c.get("/api/v1/safety/accident-free-run", {"region": "500104"}).status_code == 403
    admin = client_for(User.objects.get(username="admin"))
    other = admin.get("/api/v1/safety/accident-free-run", {"region": "500104", "as_of": "2022-03-31"}).json()
    assert other["district_code"] == "500104"
    listed = c.get("/api/v1/safety/accidents", {"serious": "true"}).json()
    assert [r["unit_name"] for r in listed["results"]] == ["古溪某厂"]
    qiye = client_for(User.objects.get(username="qiye"))
    assert qiye.get("/api/v1/safety/accidents").status_code == 403


@pytest.mark.django_db
def test_supervising_department_corrects_an_accident() -> None:
    """The department of the accident's sector may correct it (on PostgreSQL the row is locked
    alone: the scope's OR of joins cannot be locked FOR UPDATE); another department may not."""
    from tiaodu.accounts.models import User

    jxw = User.objects.get(username="jxw")
    own, _ = Sector.objects.get_or_create(
        region=district(), code="t-power", defaults={"name": "电力", "department": jxw.organization}
    )
    made = record_accident(
        None, occurred_on=date(2021, 3, 1), unit_name="电厂", township=township(), sector=own, deaths=1
    )
    fixed = update_accident(jxw, made.pk, deaths=4)
    assert fixed.grade == AccidentGrade.LARGER
    other = accident(date(2021, 3, 2))  # a 工贸 accident: not 经信委's
    with pytest.raises(ServiceError) as caught:
        update_accident(jxw, other.pk, deaths=5)
    assert caught.value.status == 403
