"""The employment demo loaded (``load_employment_demo``, through the importers and services) gives
the seeds' sentences back through the report, keeps 大渡口区's demand at 2000余人 with its needs
turned into vacancies, and is idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import transaction

from tiaodu.employment import demo
from tiaodu.regions.models import Region


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[bool]:
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield demo.load_employment_demo()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def sentences(code: str, start: date, end: date, user: Any = None) -> str:
    from tiaodu.employment.report import employment_report

    return demo.normalise("\n".join(employment_report(code, start, end, user=user).sentences()))


def tongnan() -> Region:
    return Region.objects.get(code=demo.TONGNAN)


def test_loaded_once(loaded: bool, db: Any) -> None:
    from tiaodu.employment.models import JobFair, Jobseeker, Placement

    assert loaded is True
    counts = (JobFair.objects.count(), Jobseeker.objects.count(), Placement.objects.count())
    assert demo.load_employment_demo() is False
    assert (JobFair.objects.count(), Jobseeker.objects.count(), Placement.objects.count()) == counts


def test_tongnan_report_tells_the_seed(loaded: bool, db: Any) -> None:
    text = sentences(demo.TONGNAN, demo.SPRING_START, demo.SPRING_END)
    for sentence in (demo.SEED_FAIRS, demo.SEED_BUSES, demo.SEED_DEMAND, "企业录用求职者110人,入职92人"):
        assert demo.normalise(sentence) in text, (sentence, text)


def test_outcomes_and_follow_ups(loaded: bool, db: Any) -> None:
    from tiaodu.employment.models import Placement

    placements = Placement.objects.filter(district=tongnan(), fair__kind="spring")
    assert placements.filter(employed_30=True).count() == 84
    assert placements.filter(employed_30=False).count() == 8
    assert placements.filter(employed_90=True).count() == 76
    # Left by the 90-day follow-up: 8 found at 30 days, 8 more at 90.
    assert placements.filter(employed_30=True, employed_90=False).count() == 8
    assert placements.filter(employed_90=False).count() == 16
    assert placements.filter(state="dropped").count() == 20
    # Those who rode a bus to their interview carry the trip.
    assert placements.filter(trip__isnull=False, interviewed_on__isnull=False).count() == 140
    # 23 镇街 joined: intentions from jobseekers of every township of 潼南区.
    assert placements.values("township").distinct().count() == 23
    half_year = sentences(demo.TONGNAN, demo.SPRING_START, date(2022, 6, 30))
    assert "30天" in half_year and "90天" in half_year


def test_the_villager(loaded: bool, db: Any) -> None:
    from tiaodu.employment.models import Placement

    (placement,) = Placement.objects.filter(jobseeker__name="陈淑芬", district=tongnan())
    assert placement.enterprise.name == demo.TOY_FACTORY
    assert placement.vacancy.title == demo.VILLAGER_TITLE
    assert placement.state == "checked_90" and placement.employed_30 and placement.employed_90
    assert placement.fair is not None and placement.fair.township.name == "古溪镇"
    assert "制衣厂" in placement.jobseeker.experience and "玩具厂" in placement.jobseeker.experience


def test_fairs_on_market_days_with_their_organisers(loaded: bool, db: Any) -> None:
    from tiaodu.employment import markets
    from tiaodu.employment.models import JobFair, MarketRule

    spring = list(JobFair.objects.filter(district=tongnan(), kind="spring").select_related("township"))
    assert len(spring) == 10
    for fair in spring:
        rules = MarketRule.objects.filter(township=fair.township)
        assert any(markets.is_market_day(rule, fair.held_on) for rule in rules), fair
        names = set(fair.organisers.values_list("short_name", flat=True))
        assert {"人社局", "潼南高新区", fair.township.name} <= names, names


def test_dadukou_demand_stays_2000_odd(loaded: bool, db: Any) -> None:
    from tiaodu.employment.models import Vacancy
    from tiaodu.employment.report import employment_report

    made = Vacancy.objects.filter(district__code=demo.DADUKOU, need__isnull=False)
    assert made.values("need").distinct().count() == demo.DADUKOU_CONVERTED
    for vacancy in made:
        assert vacancy.need is not None and vacancy.published_on == vacancy.need.raised_on
    report = employment_report(demo.DADUKOU, demo.DADUKOU_START, demo.DADUKOU_END)
    assert report.total.demand == 2037
    assert demo.normalise(demo.SEED_DEMAND) in demo.normalise("\n".join(report.sentences()))


def test_who_may_reveal_the_demo_jobseekers(loaded: bool, db: Any, users: Any) -> None:
    from tiaodu.accounts.models import User
    from tiaodu.employment import jobseekers
    from tiaodu.employment.models import Jobseeker

    villager = Jobseeker.objects.get(name="陈淑芬", district=tongnan())
    rsj = User.objects.get(username="rsj")
    assert jobseekers.can_reveal(rsj, villager)
    assert jobseekers.can_reveal(users["guxi"], villager)
    assert not jobseekers.can_reveal(users["yuxi"], villager)
    assert not jobseekers.can_reveal(users["leader"], villager)
    assert villager.id_mask != jobseekers.reveal(rsj, villager, "id")
