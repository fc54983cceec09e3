"""The employment report's figures (tiaodu.employment.queries) on a spring of records in 万州区
(500101, March–June 2024: a period and a district the demo does not use), with noise in 潼南区
and outside the period. The scene is written straight to the tables; what is counted, and why,
is spelled out next to each figure."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pytest

from tiaodu.accounts.services import create_user
from tiaodu.cases.tests.factories import credit_code, enterprise
from tiaodu.core.errors import InvalidInput
from tiaodu.core.tests.districts import TONGNAN, WANZHOU
from tiaodu.employment import queries
from tiaodu.employment.choices import FairKind, OccupationLevel
from tiaodu.employment.models import (
    BusRider,
    BusStop,
    BusTrip,
    FairEnterprise,
    JobFair,
    Jobseeker,
    Occupation,
    Placement,
    Vacancy,
)
from tiaodu.employment.tests import factories
from tiaodu.enterprises.choices import NeedKind
from tiaodu.enterprises.models import Enterprise, Need
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

FROM, TO = date(2024, 3, 1), date(2024, 6, 30)
T1, T2 = "500101001", "500101017"  # 高笋塘街道, 太白街道
OCC_A, OCC_B = "6-91-01-01", "6-92-01-01"  # test-only codes: 中类 6-91 and 6-92


@dataclass
class World:
    district: Region
    towns: list[Region]
    enterprises: dict[str, Enterprise] = field(default_factory=dict)
    vacancies: dict[str, Vacancy] = field(default_factory=dict)
    people: dict[str, Jobseeker] = field(default_factory=dict)
    fairs: dict[str, JobFair] = field(default_factory=dict)
    placements: dict[str, Placement] = field(default_factory=dict)
    trips: dict[str, BusTrip] = field(default_factory=dict)


def district_of(town: Region) -> Region:
    return Region.objects.get(pk=town.parent_id or 0)


def occupation(code: str, name: str) -> Occupation:
    """The 中类 and the 细类 of a test-only code."""
    middle = "-".join(code.split("-")[:2])
    Occupation.objects.get_or_create(
        code=middle, defaults={"name": f"{name}类人员", "level": OccupationLevel.MIDDLE}
    )
    row, _made = Occupation.objects.get_or_create(
        code=code, defaults={"name": name, "level": OccupationLevel.OCCUPATION}
    )
    return row


def fair(w: World, key: str, kind: str, town: Region, held_on: date, booths: dict[str, list[str]]) -> JobFair:
    made = JobFair.objects.create(
        district=district_of(town), township=town, name=f"招聘会{key}", kind=kind, held_on=held_on
    )
    for firm, vacancies in booths.items():
        booth = FairEnterprise.objects.create(fair=made, enterprise=w.enterprises[firm])
        booth.vacancies.add(*(w.vacancies[v] for v in vacancies))
    w.fairs[key] = made
    return made


def place(
    w: World, person: str, vacancy: str, intended: date, fair: str | None = None, **dates: Any
) -> Placement:
    js, v = w.people[person], w.vacancies[vacancy]
    made = Placement.objects.create(
        district=js.district,
        township=js.township,
        jobseeker=js,
        vacancy=v,
        enterprise=v.enterprise,
        occupation=v.occupation,
        fair=w.fairs[fair] if fair else None,
        intended_on=intended,
        **dates,
    )
    w.placements[f"{person}-{vacancy}"] = made
    return made


def trip(w: World, key: str, run_on: date, stops: list[Region], riders: list[str]) -> BusTrip:
    made = BusTrip.objects.create(district=w.district, name=f"专车{key}", run_on=run_on, seats=40)
    made_stops = {
        town.pk: BusStop.objects.create(trip=made, township=town, point=f"{town.name}场镇", order=i)
        for i, town in enumerate(stops)
    }
    for person in riders:
        js = w.people[person]
        BusRider.objects.create(
            trip=made, jobseeker=js, township=js.township, stop=made_stops.get(js.township_id)
        )
    w.trips[key] = made
    return made


def spring(code: str = WANZHOU) -> World:
    """The scene (figures for FROM–TO in the comments)."""
    towns = [Region.objects.get(code=T1), Region.objects.get(code=T2)]
    w = World(Region.objects.get(code=code), towns)
    factories.settings_for(code)
    a, b = occupation(OCC_A, "测试缝纫工"), occupation(OCC_B, "测试包装工")
    for key, town, serial in (
        ("E1", towns[0], 8_101_001),
        ("E2", towns[1], 8_101_002),
        ("E3", towns[0], 8_101_003),
    ):
        w.enterprises[key] = enterprise(credit_code(serial, code), town.code, f"万州测试企业{key}")
    e1, e2, e3 = (w.enterprises[k] for k in ("E1", "E2", "E3"))
    # Needs: N1 counted (labour, in range, 60 people); the others not.
    n1 = Need.objects.create(
        enterprise=e1, kind=NeedKind.LABOUR, raised_on=date(2024, 3, 2), people=60, job_types="缝纫工"
    )
    n2 = Need.objects.create(enterprise=e2, kind=NeedKind.LABOUR, raised_on=date(2023, 12, 1), people=25)
    Need.objects.create(enterprise=e1, kind=NeedKind.FINANCING, raised_on=date(2024, 3, 3), amount_wan=100)
    Need.objects.create(enterprise=e2, kind=NeedKind.LABOUR, raised_on=date(2024, 3, 4), people=None)
    Need.objects.create(enterprise=e2, kind=NeedKind.LABOUR, raised_on=date(2024, 7, 4), people=99)
    published = date(2024, 3, 1)
    w.vacancies["V1"] = factories.vacancy(e1, "缝纫工", headcount=30, occupation=a, published_on=published)
    w.vacancies["V2"] = factories.vacancy(e1, "包装工", headcount=20, occupation=b, published_on=published)
    w.vacancies["V3"] = factories.vacancy(e2, "车缝工", headcount=50, occupation=a, published_on=published)
    w.vacancies["V4"] = factories.vacancy(e3, "普工", headcount=10, published_on=date(2024, 2, 1))  # out
    # V5 comes from N1 (counted): not counted itself; it gives N1 its occupation (B).
    w.vacancies["V5"] = factories.vacancy(
        e1, "打包工", headcount=40, occupation=b, published_on=published, need=n1
    )
    # V6 comes from N2 (raised before the range, not counted): V6 counts.
    w.vacancies["V6"] = factories.vacancy(
        e2, "缝纫工", headcount=15, occupation=a, published_on=date(2024, 3, 3), need=n2
    )
    factories.vacancy(e2, "普工", headcount=70, occupation=a, published_on=date(2024, 7, 1))  # out
    for i in range(1, 15):
        town = towns[0] if i <= 6 else towns[1]
        w.people[f"J{i}"] = factories.jobseeker(town.code, f"求职者{i}")
    # Fairs: F1, F2 spring in range, F3 market day in range, F4 spring before the range.
    fair(w, "F1", FairKind.SPRING, towns[0], date(2024, 3, 5), {"E1": ["V1", "V2"], "E2": ["V3"]})
    fair(w, "F2", FairKind.SPRING, towns[1], date(2024, 3, 15), {"E2": ["V3"], "E3": ["V4"]})
    fair(w, "F3", FairKind.MARKET_DAY, towns[0], date(2024, 3, 20), {"E1": ["V1"]})
    fair(w, "F4", FairKind.SPRING, towns[0], date(2024, 2, 20), {"E3": ["V4"]})
    f1, f2 = date(2024, 3, 5), date(2024, 3, 15)
    for person, vacancy in (
        ("J1", "V1"),
        ("J3", "V3"),
        ("J4", "V1"),
        ("J5", "V2"),
        ("J6", "V3"),
        ("J8", "V3"),
    ):
        place(w, person, vacancy, f1, "F1")
    place(
        w,
        "J2",
        "V2",
        f1,
        "F1",
        hired_on=date(2024, 3, 6),
        started_on=date(2024, 3, 8),
        ended_on=date(2024, 3, 20),
    )
    place(w, "J7", "V3", f1, "F1", hired_on=date(2024, 3, 16), started_on=date(2024, 3, 20),
          checked_30_on=date(2024, 4, 22), employed_30=True)  # fmt: skip
    for person, vacancy in (("J8", "V4"), ("J11", "V3"), ("J13", "V3"), ("J14", "V4")):
        place(w, person, vacancy, f2, "F2")
    place(w, "J9", "V4", f2, "F2", hired_on=date(2024, 3, 20))
    place(w, "J12", "V4", date(2024, 7, 2), "F2")  # an intention recorded after the range
    place(w, "J2", "V1", date(2024, 3, 20), "F3")
    place(w, "J10", "V4", date(2024, 2, 20), "F4", hired_on=date(2024, 2, 25), started_on=date(2024, 3, 1),
          checked_30_on=date(2024, 4, 1), employed_30=False, ended_on=date(2024, 3, 28))  # fmt: skip
    # J1 placed at V1 (intention at F1, hired and followed up at 30 and 90 days, still employed).
    Placement.objects.filter(pk=w.placements["J1-V1"].pk).update(
        hired_on=date(2024, 3, 10),
        started_on=date(2024, 3, 11),
        checked_30_on=date(2024, 4, 12),
        employed_30=True,
        checked_90_on=date(2024, 6, 12),
        employed_90=True,
    )
    # Buses: B1 and B2 in range, B3 after.
    trip(w, "B1", date(2024, 3, 10), towns, ["J1", "J9"])
    trip(w, "B2", date(2024, 3, 12), [towns[0]], ["J1", "J3"])
    trip(w, "B3", date(2024, 7, 10), towns, ["J4", "J10"])
    return w


def noise() -> None:
    """A spring fair with a booth, a vacancy, a need and a placement in 潼南区, in the period."""
    town = Region.objects.get(code="500152103")
    firm = enterprise(credit_code(8_101_009, TONGNAN), town.code, "潼南噪声企业")
    v = factories.vacancy(firm, "普工", headcount=500, published_on=date(2024, 3, 1))
    Need.objects.create(enterprise=firm, kind=NeedKind.LABOUR, raised_on=date(2024, 3, 1), people=300)
    made = JobFair.objects.create(
        district=district_of(town),
        township=town,
        name="潼南春风",
        kind=FairKind.SPRING,
        held_on=date(2024, 3, 5),
    )
    FairEnterprise.objects.create(fair=made, enterprise=firm).vacancies.add(v)
    js = factories.jobseeker(town.code, "潼南人")
    Placement.objects.create(
        district=js.district, township=js.township, jobseeker=js, vacancy=v, enterprise=firm,
        fair=made, intended_on=date(2024, 3, 5), hired_on=date(2024, 3, 6),
    )  # fmt: skip
    BusTrip.objects.create(district=district_of(town), name="潼南专车", run_on=date(2024, 3, 5), seats=10)


def people(w: World, ids: set[int]) -> set[str]:
    names = {js.pk: key for key, js in w.people.items()}
    return {names[pk] for pk in ids}


def test_the_spring_figures_follow_the_definitions() -> None:
    w = spring()
    noise()
    f = queries.figures(WANZHOU, FROM, TO)
    t = f.total
    spring_line, market = f.fair_lines()
    assert spring_line.kind == FairKind.SPRING and market.kind == FairKind.MARKET_DAY
    # F1 and F2 (F4 was held before the range); E1, E2, E3; V1+V2+V3+V4 (V3 at both fairs once).
    assert len(spring_line.fairs) == 2 and len(spring_line.enterprises) == 3
    assert spring_line.positions == 30 + 20 + 50 + 10
    # Intentions at F1/F2 dated in the range: J1–J9, J11, J13, J14 (J12's is dated July).
    assert people(w, spring_line.jobseekers) == {f"J{i}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 14)}
    assert (len(market.fairs), len(market.enterprises), market.positions) == (1, 1, 30)
    assert people(w, market.jobseekers) == {"J2"}
    # Demand: V1 30 + V2 20 + V3 50 + V6 15 (V5 is N1's) + N1 60.
    assert (t.demand_vacancies, t.demand_needs, t.demand) == (115, 60, 175)
    assert len(t.trips) == 2 and people(w, t.riders) == {"J1", "J3", "J9"}
    assert people(w, t.hired) == {"J1", "J2", "J7", "J9"}
    assert people(w, t.started) == {"J1", "J2", "J7", "J10"}
    # 30 days: J1 yes, J2 left on day 12, J7 yes, J10 no. 90 days: J1 yes, J2/J10 left, J7 unknown.
    assert (t.checked_30, t.employed_30, t.checked_90, t.employed_90) == (4, 2, 3, 1)


def test_the_tables_per_township_and_occupation() -> None:
    spring()
    f = queries.figures(WANZHOU, FROM, TO)
    one, two = f.townships()
    assert (one.key, one.name, two.key) == (T1, "高笋塘街道", T2)
    assert (len(one.fairs), len(one.fair_enterprises), one.positions, len(one.fair_jobseekers)) == (
        2,
        2,
        100,
        8,
    )
    assert (len(two.fairs), len(two.fair_enterprises), two.positions, len(two.fair_jobseekers)) == (
        1,
        2,
        60,
        5,
    )
    assert (one.demand, two.demand) == (110, 65) and one.demand + two.demand == f.total.demand
    assert (len(one.trips), len(one.riders), len(two.trips), len(two.riders)) == (2, 2, 1, 1)
    assert (len(one.intended), len(two.intended)) == (6, 6)
    assert (len(one.hired), len(one.started), len(two.hired), len(two.started)) == (2, 2, 2, 2)
    assert (one.checked_30, one.employed_30, two.checked_30, two.employed_30) == (2, 1, 2, 1)
    assert (one.checked_90, one.employed_90, two.checked_90, two.employed_90) == (2, 1, 1, 0)
    shortages = {s.code: (s.name, s.demand, s.hires, s.shortage) for s in f.occupations()}
    # 6-91: V1 30 + V3 50 + V6 15, hired J1, J7; 6-92: V2 20 + N1 60 (its vacancy V5), hired J2;
    # 未分类: J9 hired at V4 (no occupation), nothing demanded in the period.
    assert shortages == {
        "6-91": ("测试缝纫工类人员", 95, 2, 93),
        "6-92": ("测试包装工类人员", 80, 1, 79),
        "": ("未分类", 0, 1, -1),
    }
    assert [s.code for s in f.occupations()] == ["6-91", "6-92", ""]


def test_a_township_report_counts_its_township_only() -> None:
    w = spring()
    f = queries.figures(T1, FROM, TO)
    assert f.region == w.towns[0]
    (line, market) = f.fair_lines()
    assert (len(line.fairs), len(line.enterprises), line.positions, len(line.jobseekers)) == (1, 2, 100, 8)
    assert len(market.fairs) == 1
    t = f.total
    assert t.demand == 110 and len(t.trips) == 2 and people(w, t.riders) == {"J1", "J3"}
    assert people(w, t.hired) == {"J1", "J2"} and list(f.by_township) == [w.towns[0].pk]


def test_figures_as_of_the_end_date_do_not_move_with_later_records() -> None:
    w = spring()
    before = queries.figures(WANZHOU, FROM, date(2024, 4, 15))
    # On 15 April: J1's and J10's 30-day results are known (J1 checked on 12 April, J10 checked 1
    # April), J2 had left; J7's check (22 April) is not known yet.
    assert (before.total.checked_30, before.total.employed_30) == (3, 1)
    # Later records: J7 leaves, vacancies close, a placement's state moves — the past report holds.
    Placement.objects.filter(pk=w.placements["J7-V3"].pk).update(
        state="left", ended_on=date(2024, 5, 1), employed_90=False
    )
    Vacancy.objects.update(status="closed")
    again = queries.figures(WANZHOU, FROM, date(2024, 4, 15))
    assert again.total == before.total and again.by_occupation == before.by_occupation
    later = queries.figures(WANZHOU, FROM, TO)
    assert (later.total.checked_90, later.total.employed_90) == (4, 1)  # J7 now known: left


def test_a_need_without_vacancies_takes_the_proposed_occupation(monkeypatch: pytest.MonkeyPatch) -> None:
    from tiaodu.employment import reference

    spring()
    firm = Enterprise.objects.get(name="万州测试企业E3")
    Need.objects.create(
        enterprise=firm, kind=NeedKind.LABOUR, raised_on=date(2024, 4, 1), people=12, job_types="包装"
    )
    Need.objects.create(
        enterprise=firm, kind=NeedKind.LABOUR, raised_on=date(2024, 4, 2), people=7, job_types="保安"
    )
    proposed = {"包装": Occupation.objects.get(code=OCC_B)}
    monkeypatch.setattr(
        reference, "propose_occupation", lambda title, text="": proposed.get(title), raising=False
    )
    f = queries.figures(WANZHOU, FROM, TO)
    assert f.by_occupation["6-92"].demand == 80 + 12
    assert f.by_occupation[""].demand == 7 and f.total.demand == 175 + 19


def test_scope_leader_and_department_read_the_whole_town_its_township() -> None:
    w = spring()
    noise()
    everything = queries.figures(WANZHOU, FROM, TO)
    gov = Organization.objects.create(region=w.district, kind=OrgKind.GOVERNMENT, name="万州区人民政府x")
    leader = create_user(None, username="leader_wz", role="leader", region_code=WANZHOU, org=str(gov.pk)).user
    staff = factories.staff(WANZHOU)
    for user in (leader, staff):
        assert queries.reads_whole(user, w.district)
        mine = queries.figures(WANZHOU, FROM, TO, user=user)
        assert mine.total == everything.total and mine.by_township == everything.by_township
    town_org = Organization.objects.create(region=w.towns[1], kind=OrgKind.TOWN, name="太白街道办事处x")
    town = create_user(None, username="taibai_wz", role="town", org=str(town_org.pk)).user
    theirs = queries.figures(WANZHOU, FROM, TO, user=town)
    assert theirs.region == w.towns[1] and theirs.total == queries.figures(T2, FROM, TO).total


def test_scope_an_enterprise_counts_its_own_and_a_stranger_nothing() -> None:
    w = spring()
    e3 = w.enterprises["E3"]
    user = create_user(None, username="e3_wz", role="enterprise", org=str(e3.organization_id)).user
    assert not queries.reads_whole(user, w.district)
    f = queries.figures(WANZHOU, FROM, TO, user=user)
    (line,) = f.fair_lines()
    # F2 only (its booth); its own vacancy V4; the intentions for its vacancy: J8, J9, J14.
    assert (len(line.fairs), len(line.enterprises), line.positions) == (1, 1, 10)
    assert people(w, line.jobseekers) == {"J8", "J9", "J14"}
    assert people(w, f.total.hired) == {"J9"} and f.total.demand == 0
    tongnan = Organization.objects.create(
        region=Region.objects.get(code=TONGNAN), kind=OrgKind.DEPARTMENT, name="潼南区某局y"
    )
    stranger = create_user(
        None, username="tn_y", role="department", region_code=TONGNAN, org=str(tongnan.pk)
    ).user
    g = queries.figures(WANZHOU, FROM, TO, user=stranger)
    assert g.total.is_empty and not g.by_kind and not g.by_township and not g.by_occupation


def test_bad_ranges_and_regions_are_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        queries.figures(WANZHOU, TO, FROM)
    assert exc.value.errors[0].code == "date_range_invalid"
    with pytest.raises(InvalidInput) as exc:
        queries.figures("500000", FROM, TO)
    assert exc.value.errors[0].code == "region_level_invalid"
    with pytest.raises(InvalidInput) as exc:
        queries.figures("509999", FROM, TO)
    assert exc.value.errors[0].code == "region_unknown"


def test_a_handful_of_queries(django_assert_max_num_queries: Any) -> None:
    spring()
    with django_assert_max_num_queries(16):
        queries.figures(WANZHOU, FROM, TO)


def test_follow_up_rules() -> None:
    start, end = date(2024, 3, 1), date(2024, 6, 30)
    assert queries.follow_up(start, date(2024, 4, 1), True, None, 30, end) is True
    assert queries.follow_up(start, date(2024, 7, 1), True, None, 30, end) is None  # after the end
    assert queries.follow_up(start, None, None, date(2024, 3, 20), 30, end) is False  # left early
    assert queries.follow_up(start, None, None, date(2024, 4, 20), 30, end) is None  # left after 30 days
    assert queries.follow_up(start, None, None, date(2024, 4, 20), 90, end) is False
    assert queries.follow_up(start, None, False, date(2024, 4, 2), 30, end) is False  # found at the check
    assert queries.follow_up(start, None, None, None, 30, end) is None


def _numbers(t: queries.Tally) -> queries.Tally:
    return replace(t, key="", name="")


def test_a_township_report_is_its_row_of_the_district_table() -> None:
    w = spring()
    district = queries.figures(WANZHOU, FROM, TO)
    for town in w.towns:
        alone = queries.figures(town.code, FROM, TO)
        assert _numbers(alone.total) == _numbers(district.by_township[town.pk])
    # People counts add up over the townships; distinct counts are united in the whole.
    rows = district.townships()
    assert sum(t.demand for t in rows) == district.total.demand
    assert sum(t.checked_30 for t in rows) == district.total.checked_30


def test_a_counted_need_keeps_its_vacancy_out_wherever_the_work_is() -> None:
    w = spring()
    e1 = w.enterprises["E1"]  # 高笋塘街道
    need = Need.objects.create(enterprise=e1, kind=NeedKind.LABOUR, raised_on=date(2024, 5, 1), people=8)
    before = queries.figures(WANZHOU, FROM, TO)
    # The need's vacancy is worked in 太白街道: the 8 people are counted once, at the need.
    moved = factories.vacancy(e1, "搬运工", headcount=8, published_on=date(2024, 5, 2), need=need)
    Vacancy.objects.filter(pk=moved.pk).update(township=w.towns[1])
    after = queries.figures(WANZHOU, FROM, TO)
    assert after.total.demand == before.total.demand == 175 + 8
    assert queries.figures(T2, FROM, TO).total.demand == 65
    # A need raised before the range is not counted: its vacancy published in the range is.
    Need.objects.filter(pk=need.pk).update(raised_on=date(2024, 2, 1))
    assert queries.figures(T2, FROM, TO).total.demand == 65 + 8
    assert queries.figures(WANZHOU, FROM, TO).total.demand == 175 + 8


def test_a_need_s_work_types_find_their_occupation_in_the_shipped_catalogue() -> None:
    from tiaodu.employment import reference

    spring()
    firm = Enterprise.objects.get(name="万州测试企业E3")
    Need.objects.create(
        enterprise=firm, kind=NeedKind.LABOUR, raised_on=date(2024, 4, 1), people=33, job_types="缝纫工"
    )
    proposed = reference.propose_occupation("缝纫工")
    assert proposed is not None  # the catalogue knows 缝纫工
    f = queries.figures(WANZHOU, FROM, TO)
    row = f.by_occupation[queries.middle(proposed.code)]
    assert row.demand == 33 and row.name and row.name != queries.UNCLASSIFIED_NAME
    assert queries.UNCLASSIFIED not in f.by_occupation or f.by_occupation[""].demand == 0


def test_follow_up_counts_a_cohort_once_its_days_are_over() -> None:
    """Early leavers of a cohort still under way are not counted: on 31 March, a start of
    2 March has no 30-day result yet even if that person left on 10 March (else a quarter's
    report would show only its leavers as the 90-day rate)."""
    end = date(2024, 3, 31)
    assert queries.follow_up(date(2024, 3, 2), None, None, date(2024, 3, 10), 30, end) is None
    assert queries.follow_up(date(2024, 3, 1), None, None, date(2024, 3, 10), 30, end) is False
    assert queries.follow_up(date(2024, 1, 2), None, None, date(2024, 1, 10), 90, end) is None
    assert queries.follow_up(date(2024, 1, 1), None, None, date(2024, 1, 10), 90, end) is False
