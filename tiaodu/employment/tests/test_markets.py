"""赶场 market days (公历 and 农历) and the fair planner's proposals (lane A)."""

from __future__ import annotations

from datetime import date

import pytest

from tiaodu.core.errors import ServiceError
from tiaodu.core.tests.districts import TONGNAN
from tiaodu.employment import markets
from tiaodu.employment.choices import CalendarKind, FairKind
from tiaodu.employment.models import JobFair, MarketRule
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

GUXI, YUXI, SHANGHE = "500152103", "500152107", "500152104"


def _rule(code: str, digits: str, calendar: str = CalendarKind.LUNAR, place: str = "") -> MarketRule:
    township = Region.objects.get(code=code)
    assert township.parent is not None
    return MarketRule.objects.create(
        district=township.parent, township=township, digits=digits, calendar=calendar, place=place
    )


def _unsaved(digits: str, calendar: str) -> MarketRule:
    return MarketRule(digits=digits, calendar=calendar)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2022, 2, 1), True),
        (date(2022, 2, 2), False),
        (date(2022, 2, 11), True),
        (date(2022, 2, 21), True),
        (date(2022, 2, 27), True),
        (date(2022, 3, 31), True),
        (date(2022, 2, 10), False),
    ],
)
def test_solar_rule(day: date, expected: bool) -> None:
    assert markets.is_market_day(_unsaved("147", CalendarKind.SOLAR), day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2022, 2, 1), True),  # 正月初一
        (date(2022, 2, 4), True),  # 正月初四
        (date(2022, 1, 22), False),  # 腊月二十
        (date(2022, 3, 4), False),  # 公历4日 = 二月初二
        (date(2022, 3, 6), True),  # 二月初四
        (date(2022, 1, 31), False),  # 腊月二十九
    ],
)
def test_lunar_rule(day: date, expected: bool) -> None:
    assert markets.is_market_day(_unsaved("147", CalendarKind.LUNAR), day) is expected


def test_lunar_tens_and_the_thirtieth() -> None:
    rule = _unsaved("0", CalendarKind.LUNAR)
    assert markets.is_market_day(rule, date(2022, 2, 10))  # 正月初十
    assert markets.is_market_day(rule, date(2022, 2, 20))  # 正月二十
    assert markets.is_market_day(rule, date(2022, 3, 2))  # 正月三十
    assert not markets.is_market_day(rule, date(2022, 3, 1))  # 正月二十九
    assert not markets.is_market_day(rule, date(2022, 3, 10))  # 公历10日 = 二月初八


def test_market_days_union_of_the_township_rules() -> None:
    guxi = Region.objects.get(code=GUXI)
    _rule(GUXI, "147")
    assert markets.market_days(guxi, date(2022, 2, 1), date(2022, 2, 10)) == [
        date(2022, 2, 1),
        date(2022, 2, 4),
        date(2022, 2, 7),
    ]
    _rule(GUXI, "0", CalendarKind.SOLAR, place="新场")
    assert markets.market_days(guxi, date(2022, 2, 1), date(2022, 2, 10))[-1] == date(2022, 2, 10)
    assert markets.market_days(Region.objects.get(code=YUXI), date(2022, 2, 1), date(2022, 2, 10)) == []
    with pytest.raises(ServiceError) as caught:
        markets.market_days(guxi, date(2022, 2, 10), date(2022, 2, 1))
    assert caught.value.errors[0].code == "date_range"


def test_planner_proposes_market_days_flags_holidays_skips_fairs() -> None:
    tongnan = Region.objects.get(code=TONGNAN)
    _rule(GUXI, "147")
    _rule(YUXI, "258")
    guxi = Region.objects.get(code=GUXI)
    JobFair.objects.create(
        district=tongnan,
        township=guxi,
        name="古溪镇春风行动专场",
        kind=FairKind.SPRING,
        held_on=date(2022, 2, 7),
    )
    proposals = markets.propose_fair_dates(tongnan, date(2022, 2, 1), date(2022, 2, 8))
    got = [(p.day.day, p.township.code, p.holiday) for p in proposals]
    assert got == [
        (1, GUXI, True),
        (2, YUXI, True),
        (4, GUXI, True),
        (5, YUXI, True),
        (8, YUXI, False),  # 2022-02-07 (古溪) already has a fair
    ]
    assert proposals[0].holiday_name == "Spring Festival"
    assert proposals[0].rule.digits == "147"
    only = markets.propose_fair_dates(
        tongnan, date(2022, 2, 1), date(2022, 2, 8), townships=[Region.objects.get(code=YUXI)]
    )
    assert [p.day.day for p in only] == [2, 5, 8]
    # A weekend (Saturday 2022-02-12, 正月十二 in 玉溪) is not a statutory holiday.
    weekend = markets.propose_fair_dates(tongnan, date(2022, 2, 12), date(2022, 2, 14))
    assert [(p.day.day, p.township.code, p.holiday) for p in weekend] == [
        (12, YUXI, False),
        (14, GUXI, False),
    ]


def test_planner_two_rules_of_one_township_give_one_proposal_a_day() -> None:
    tongnan = Region.objects.get(code=TONGNAN)
    _rule(SHANGHE, "147")
    _rule(SHANGHE, "14", place="老场")
    proposals = markets.propose_fair_dates(tongnan, date(2022, 2, 1), date(2022, 2, 7))
    assert [p.day.day for p in proposals] == [1, 4, 7]


def test_month_calendar() -> None:
    tongnan = Region.objects.get(code=TONGNAN)
    _rule(GUXI, "147")
    _rule(YUXI, "147", CalendarKind.SOLAR)
    weeks = markets.month_calendar(tongnan, 2022, 2)
    assert all(len(week) == 7 for week in weeks)
    days = {day: [t.code for t in towns] for week in weeks for day, towns in week if day is not None}
    assert len(days) == 28
    assert weeks[0][0][0] is None and weeks[0][1][0] == date(2022, 2, 1)  # a Tuesday
    assert days[date(2022, 2, 1)] == [GUXI, YUXI]
    assert days[date(2022, 2, 2)] == []
    assert days[date(2022, 2, 28)] == []  # 正月廿八 and the 28th
