"""双随机一公开: the plan, the reproducible draw, publish and verify, 综合查一次, coverage.

The helpers at the top are shared by the other planning test modules (views, API, command)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

import pytest

from tiaodu.accounts import services as accounts
from tiaodu.core.errors import ServiceError
from tiaodu.core.tests.districts import DADUKOU, TONGNAN, WANZHOU, three_districts
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region
from tiaodu.safety import campaigns, planning
from tiaodu.safety.choices import InspectionKind, PlanStatus, RiskLevel
from tiaodu.safety.models import Inspection, InspectionPlan, PlanVisit, Sector, Unit

_serial = count(1)
START = date(2022, 3, 1)


def department(code: str, name: str) -> Organization:
    """区<name> of the district ``code`` (made when the demo has none)."""
    district = Region.objects.get(code=code)
    org = Organization.objects.filter(region=district, kind=OrgKind.DEPARTMENT, name=name).first()
    return org or Organization.objects.create(region=district, kind=OrgKind.DEPARTMENT, name=name)


def sector(code: str, name: str = "工贸", org: Organization | None = None, sector_code: str = "") -> Sector:
    district = Region.objects.get(code=code)
    found = Sector.objects.filter(region=district, name=name).first()
    if found:
        return found
    return Sector.objects.create(
        region=district, code=sector_code or f"s{next(_serial)}", name=name, department=org
    )


def township(code: str) -> Region:
    return Region.objects.filter(parent__code=code, level=4).order_by("code").first()  # type: ignore[return-value]


def units(s: Sector, n: int, risk: str = RiskLevel.LOW, **fields: Any) -> list[Unit]:
    town = township(s.region.code)
    made = [
        Unit(
            district=s.region,
            township=town,
            name=f"测试单位{next(_serial)}",
            sector=s,
            risk_level=risk,
            **fields,
        )
        for _ in range(n)
    ]
    return Unit.objects.bulk_create(made)


def inspectors(org: Organization, n: int, valid_until: date = date(2030, 1, 1)) -> list[Any]:
    return [
        campaigns.create_inspector(
            None,
            organization=org,
            name=f"执法员{next(_serial)}",
            certificate_no=f"ZF{next(_serial):06d}",
            certificate_valid_until=valid_until,
        )
        for _ in range(n)
    ]


def department_user(org: Organization, username: str) -> Any:
    return accounts.create_user(
        None,
        username=username,
        role="department",
        organization=org,
        region=org.region,
        password="Td-planning-test-9a",
    ).user


def inspect(unit: Unit, on: date, org: Organization, kind: str = InspectionKind.ENFORCEMENT) -> Inspection:
    return Inspection.objects.create(
        district=unit.district,
        township=unit.township,
        number=f"JC{next(_serial):08d}",
        inspected_on=on,
        unit=unit,
        sector=unit.sector,
        department=org,
        kind=kind,
    )


def plan(org: Organization, sectors: list[Sector], percent: str = "10", **fields: Any) -> InspectionPlan:
    values: dict[str, Any] = {
        "name": f"双随机计划{next(_serial)}",
        "department": org,
        "starts_on": START,
        "ends_on": date(2022, 6, 30),
        "sectors": sectors,
        "sample_percent": Decimal(percent),
    }
    values.update(fields)
    return planning.create_plan(None, **values)


@pytest.fixture
def setup(db: Any) -> dict[str, Any]:
    three_districts()
    yjj = department(TONGNAN, "区应急管理局")
    s = sector(TONGNAN, "工贸", yjj)
    made = units(s, 60, RiskLevel.LOW) + units(s, 20, RiskLevel.MAJOR)
    return {"yjj": yjj, "sector": s, "units": made, "inspectors": inspectors(yjj, 4)}


def codes(exc: Any) -> set[str]:
    return {e.code for e in exc.value.errors} | {exc.value.code}


# --- plans -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_plan_defaults_and_refusals(setup: dict[str, Any]) -> None:
    p = plan(setup["yjj"], [])  # the department's sectors by default
    assert list(p.sectors.all()) == [setup["sector"]]
    assert p.year == 2022 and p.inspectors_per_visit == 2 and p.recent_days == 90
    assert p.region.code == TONGNAN and p.status == PlanStatus.DRAFT
    other = sector(DADUKOU, "工贸", department(DADUKOU, "区应急管理局"))
    with pytest.raises(ServiceError) as exc:
        plan(setup["yjj"], [other], percent="0", inspectors_per_visit=1, year=2021)
    assert {"sector_unknown", "percent_out_of_range", "inspectors_too_few", "year_mismatch"} <= codes(exc)
    with pytest.raises(ServiceError) as exc:
        plan(setup["yjj"], [setup["sector"]], name=p.name)
    assert "plan_duplicate" in codes(exc)
    with pytest.raises(ServiceError) as exc:
        plan(setup["yjj"], [setup["sector"]], ends_on=date(2022, 1, 1))
    assert "period_invalid" in codes(exc)
    town = Organization.objects.get(region=township(TONGNAN), kind=OrgKind.TOWN)
    with pytest.raises(ServiceError) as exc:
        plan(town, [setup["sector"]])
    assert "department_unknown" in codes(exc)


@pytest.mark.django_db
def test_department_user_plans_for_its_own_department_only(setup: dict[str, Any]) -> None:
    user = department_user(setup["yjj"], "yjj-plan")
    mine = planning.create_plan(
        user, name="本部门计划", starts_on=START, ends_on=date(2022, 4, 30), sample_percent=5
    )
    assert mine.department == setup["yjj"] and mine.created_by == user
    zjw = department(TONGNAN, "区住房城乡建委")
    with pytest.raises(ServiceError) as exc:
        planning.create_plan(
            user,
            name="他部门计划",
            department=zjw,
            starts_on=START,
            ends_on=date(2022, 4, 30),
            sectors=[setup["sector"]],
            sample_percent=5,
        )
    assert "department_not_yours" in codes(exc)
    assert not InspectionPlan.objects.filter(name="他部门计划").exists()


# --- the draw --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_draw_is_reproducible_and_stores_seed_and_inputs(setup: dict[str, Any]) -> None:
    p = plan(setup["yjj"], [setup["sector"]], percent="10")
    planning.draw(None, p.pk, seed="abc123")
    p.refresh_from_db()
    first = planning.stored_visits(p)
    assert len(first) == 8  # ceil(80 × 10 %)
    assert p.seed == "abc123" and p.inputs["seed"] == "abc123" and p.inputs["count"] == 8
    assert [u for u, _w in p.inputs["units"]] == sorted(u.pk for u in setup["units"])
    assert p.inputs["inspectors"] == sorted(i.pk for i in setup["inspectors"])
    assert p.inputs["date"] == "2022-03-01"
    # Same seed, same list; another seed, another list.
    planning.draw(None, p.pk, seed="abc123")
    assert planning.stored_visits(p) == first
    planning.draw(None, p.pk, seed="other-seed")
    assert planning.stored_visits(p) != first
    # Two inspectors per visit, distinct, of the department, load balanced.
    visits = planning.stored_visits(p)
    assert all(len(set(v.inspector_ids)) == 2 for v in visits)
    load = Counter(i for v in visits for i in v.inspector_ids)
    assert set(load) <= {i.pk for i in setup["inspectors"]}
    assert max(load.values()) - min(load.values()) <= 1
    assert len({v.unit_id for v in visits}) == len(visits)


@pytest.mark.django_db
def test_draw_generates_a_seed_and_refuses_bad_ones(setup: dict[str, Any]) -> None:
    p = plan(setup["yjj"], [setup["sector"]])
    planning.draw(None, p.pk)
    p.refresh_from_db()
    assert len(p.seed) == 32
    with pytest.raises(ServiceError) as exc:
        planning.draw(None, p.pk, seed="带空格 的种子")
    assert "seed_invalid" in codes(exc)


@pytest.mark.django_db
def test_draw_is_weighted_by_risk(setup: dict[str, Any]) -> None:
    """20 major-risk units (weight 8) against 60 low-risk ones (weight 1): over many seeds the
    major ones are drawn far more than their share of a quarter."""
    p = plan(setup["yjj"], [setup["sector"]], percent="10")
    p.refresh_from_db()
    inputs = planning.collect_inputs(p, "x")
    major = {u.pk for u in setup["units"] if u.risk_level == RiskLevel.MAJOR}
    drawn = major_drawn = 0
    for n in range(200):
        visits = planning.run_draw({**inputs, "seed": f"s{n}"})
        drawn += len(visits)
        major_drawn += sum(1 for v in visits if v.unit_id in major)
    assert major_drawn / drawn > 0.6  # expected about 0.7; unweighted would be 0.25


@pytest.mark.django_db
def test_draw_excludes_recently_inspected_and_inactive_units(setup: dict[str, Any]) -> None:
    zjw = department(TONGNAN, "区住房城乡建委")
    recent, old, selfcheck, gone = setup["units"][:4]
    inspect(recent, date(2022, 2, 1), zjw)  # by another department, 28 days before: excluded
    inspect(old, date(2021, 11, 1), zjw)  # 120 days before: kept
    inspect(selfcheck, date(2022, 2, 20), zjw, InspectionKind.SELF)  # self-inspection: kept
    Unit.objects.filter(pk=gone.pk).update(is_active=False)
    p = plan(setup["yjj"], [setup["sector"]], percent="100")
    planning.draw(None, p.pk, seed="1")
    p.refresh_from_db()
    drawn = {v.unit_id for v in planning.stored_visits(p)}
    assert recent.pk not in drawn and gone.pk not in drawn
    assert {old.pk, selfcheck.pk} <= drawn
    assert p.inputs["population"] == 79 and p.inputs["excluded_recent"] == 1
    assert len(drawn) == 78


@pytest.mark.django_db
def test_yearly_cap_per_department(setup: dict[str, Any]) -> None:
    first = plan(setup["yjj"], [setup["sector"]], percent="100", yearly_cap=1)
    rival = plan(setup["yjj"], [setup["sector"]], percent="10", yearly_cap=1)
    planning.draw(None, first.pk, seed="1")
    planning.draw(None, rival.pk, seed="1")  # drawn while the first was a draft
    planning.publish(None, first.pk)
    with pytest.raises(ServiceError) as exc:
        planning.publish(None, rival.pk)
    assert "yearly_cap_exceeded" in codes(exc)
    assert InspectionPlan.objects.get(pk=rival.pk).status == PlanStatus.DRAFT
    second = plan(setup["yjj"], [setup["sector"]], percent="100", yearly_cap=1, recent_days=0)
    with pytest.raises(ServiceError) as exc:
        planning.draw(None, second.pk, seed="1")
    assert "units_none" in codes(exc)
    # Another year, or another department, is not capped.
    later = plan(
        setup["yjj"],
        [setup["sector"]],
        percent="100",
        yearly_cap=1,
        starts_on=date(2023, 3, 1),
        ends_on=date(2023, 6, 30),
    )
    planning.draw(None, later.pk, seed="1")
    assert PlanVisit.objects.filter(plan=later).count() == 80


@pytest.mark.django_db
def test_inspectors_need_a_valid_certificate_and_avoid_related_units(setup: dict[str, Any]) -> None:
    yjj = setup["yjj"]
    expired = inspectors(yjj, 1, valid_until=date(2022, 2, 28))[0]  # expired on the start day
    uncertified = campaigns.create_inspector(None, organization=yjj, name="无证人员")
    target = setup["units"][0]
    a, b, c, d = setup["inspectors"]
    campaigns.update_inspector(None, a.pk, related_units=[target])
    campaigns.update_inspector(None, b.pk, related_units=[target])
    p = plan(yjj, [setup["sector"]], percent="100")
    planning.draw(None, p.pk, seed="r")
    visits = planning.stored_visits(p)
    used = {i for v in visits for i in v.inspector_ids}
    assert expired.pk not in used and uncertified.pk not in used
    on_target = next(v for v in visits if v.unit_id == target.pk)
    assert set(on_target.inspector_ids) == {c.pk, d.pk}
    # A third one related to the unit: only one inspector left for it.
    campaigns.update_inspector(None, c.pk, related_units=[target])
    with pytest.raises(ServiceError) as exc:
        planning.draw(None, p.pk, seed="r")
    assert "inspectors_insufficient" in codes(exc)
    assert planning.stored_visits(p) == visits  # nothing changed


@pytest.mark.django_db
def test_too_few_inspectors(setup: dict[str, Any]) -> None:
    p = plan(setup["yjj"], [setup["sector"]], inspectors_per_visit=5)
    with pytest.raises(ServiceError) as exc:
        planning.draw(None, p.pk)
    assert "inspectors_insufficient" in codes(exc)
    assert not PlanVisit.objects.filter(plan=p).exists()


# --- publish and verify ----------------------------------------------------------------------


@pytest.mark.django_db
def test_publish_digest_verify_and_no_redraw(setup: dict[str, Any]) -> None:
    p = plan(setup["yjj"], [setup["sector"]])
    with pytest.raises(ServiceError) as exc:
        planning.publish(None, p.pk)
    assert "plan_not_drawn" in codes(exc)
    planning.draw(None, p.pk, seed="pub")
    p = planning.publish(None, p.pk)
    assert p.status == PlanStatus.PUBLISHED and p.published_at is not None
    visits = planning.stored_visits(p)
    assert p.digest == planning.digest_of(visits) and len(p.digest) == 64
    result = planning.verify(p)
    assert result.matches and result.differences == [] and result.expected == visits
    with pytest.raises(ServiceError) as exc:
        planning.draw(None, p.pk, seed="again")
    assert "plan_published" in codes(exc)
    with pytest.raises(ServiceError) as exc:
        planning.publish(None, p.pk)
    assert "plan_published" in codes(exc)


@pytest.mark.django_db
def test_verify_uses_only_the_stored_inputs(setup: dict[str, Any]) -> None:
    p = plan(setup["yjj"], [setup["sector"]], percent="20")
    planning.draw(None, p.pk, seed="v1")
    planning.publish(None, p.pk)
    # The world changes after the draw: units closed, inspectors gone, new inspections.
    Unit.objects.filter(pk__in=[u.pk for u in setup["units"][:30]]).update(risk_level=RiskLevel.MAJOR)
    Unit.objects.filter(pk__in=[u.pk for u in setup["units"][30:40]]).update(is_active=False)
    campaigns.update_inspector(None, setup["inspectors"][0].pk, is_active=False)
    assert planning.verify(InspectionPlan.objects.get(pk=p.pk)).matches
    # The stored list is altered: verify says where.
    visit = PlanVisit.objects.filter(plan=p).order_by("order").first()
    assert visit is not None
    spare = next(u for u in setup["units"] if not PlanVisit.objects.filter(plan=p, unit=u).exists())
    PlanVisit.objects.filter(pk=visit.pk).update(unit=spare)
    result = planning.verify(InspectionPlan.objects.get(pk=p.pk))
    assert not result.matches
    assert any("第1位单位不同" in d for d in result.differences)
    # The stored inputs are altered: the re-run no longer gives the published digest.
    PlanVisit.objects.filter(pk=visit.pk).update(unit_id=visit.unit_id)
    tampered = InspectionPlan.objects.get(pk=p.pk)
    tampered.inputs = {**tampered.inputs, "seed": "forged"}
    tampered.save()
    result = planning.verify(tampered)
    assert not result.matches and any("随机种子" in d for d in result.differences)


@pytest.mark.django_db
def test_verify_of_an_undrawn_plan(setup: dict[str, Any]) -> None:
    result = planning.verify(plan(setup["yjj"], [setup["sector"]]))
    assert not result.matches and result.differences == ["抽查计划尚未抽取"]


@pytest.mark.django_db
def test_department_user_draws_its_own_plans_only(setup: dict[str, Any]) -> None:
    zjw = department(TONGNAN, "区住房城乡建委")
    inspectors(zjw, 2)
    theirs = plan(zjw, [setup["sector"]])
    user = department_user(setup["yjj"], "yjj-draw")
    mine = plan(setup["yjj"], [setup["sector"]])
    planning.draw(user, mine.pk, seed="m")
    with pytest.raises(ServiceError) as exc:
        planning.draw(user, theirs.pk, seed="m")
    assert exc.value.status == 403
    assert not PlanVisit.objects.filter(plan=theirs).exists()


@pytest.mark.django_db
def test_stale_version_is_refused(setup: dict[str, Any]) -> None:
    p = plan(setup["yjj"], [setup["sector"]])
    planning.draw(None, p.pk, seed="a", version=p.version)
    with pytest.raises(ServiceError) as exc:
        planning.draw(None, p.pk, seed="b", version=p.version)
    assert exc.value.code == "stale_write"


# --- 综合查一次 -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_merge_joint_visits(setup: dict[str, Any]) -> None:
    yjj, s = setup["yjj"], setup["sector"]
    swj = department(TONGNAN, "区商务委")
    inspectors(swj, 2)
    early = plan(swj, [s], percent="100", starts_on=date(2022, 2, 1), ends_on=date(2022, 4, 30))
    late = plan(yjj, [s], percent="100", starts_on=START, ends_on=date(2022, 6, 30))
    apart = plan(yjj, [s], percent="100", starts_on=date(2022, 9, 1), ends_on=date(2022, 9, 30))
    for p in (early, late, apart):
        planning.draw(None, p.pk, seed="j")
        planning.publish(None, p.pk)
    district = setup["sector"].region
    merged = planning.merge_joint_visits(district, date(2022, 1, 1), date(2022, 12, 31))
    assert len(merged) == 80  # every unit: 商务委 (Feb–Apr) with 应急管理局 (Mar–Jun)
    joint = merged[0]
    assert joint.lead_department == swj  # the earlier plan leads
    assert (joint.starts_on, joint.ends_on) == (START, date(2022, 4, 30))
    assert {v.plan_id for v in joint.visits.all()} == {early.pk, late.pk}
    assert not PlanVisit.objects.filter(plan=apart, joint_visit__isnull=False).exists()
    # Again: the same groups, not twice as many.
    again = planning.merge_joint_visits(district, date(2022, 1, 1), date(2022, 12, 31))
    assert len(again) == 80
    from tiaodu.safety.models import JointVisit

    assert JointVisit.objects.filter(region=district).count() == 80


@pytest.mark.django_db
def test_merge_needs_two_departments(setup: dict[str, Any]) -> None:
    s = setup["sector"]
    for n in range(2):
        p = plan(setup["yjj"], [s], percent="100", recent_days=0, yearly_cap=5, name=f"同部门{n}")
        planning.draw(None, p.pk, seed="k")
        planning.publish(None, p.pk)
    assert planning.merge_joint_visits(s.region, date(2022, 1, 1), date(2022, 12, 31)) == []


# --- coverage --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_coverage_per_sector(setup: dict[str, Any]) -> None:
    yjj, s = setup["yjj"], setup["sector"]
    zjw = department(TONGNAN, "区住房城乡建委")
    site = sector(TONGNAN, "建筑施工", zjw)
    sites = units(site, 3)
    made = setup["units"]
    inspect(made[0], date(2022, 2, 1), yjj)
    inspect(made[0], date(2022, 3, 1), yjj)  # twice: one unit
    inspect(made[1], date(2022, 5, 1), zjw, InspectionKind.JOINT)
    inspect(made[2], date(2021, 5, 1), yjj)  # last year: not this year, but not "never"
    inspect(made[3], date(2022, 2, 1), yjj, InspectionKind.SELF)  # self-inspection: not counted
    inspect(made[4], date(2022, 8, 1), yjj)  # after the as-of date
    inspect(sites[0], date(2022, 1, 10), zjw, InspectionKind.PATROL)  # patrol: not counted
    rows = planning.coverage(s.region, 2022, date(2022, 6, 30))
    by_name = {r.sector.name if r.sector else "合计": r for r in rows}
    industry = by_name["工贸"]
    assert (industry.units, industry.inspected) == (80, 2)
    assert len(industry.not_inspected) == 78
    assert made[2].pk in {u.id for u in industry.not_inspected}
    assert made[2].pk not in {u.id for u in industry.never_inspected}
    assert {made[3].pk, made[4].pk} <= {u.id for u in industry.never_inspected}
    assert len(industry.never_inspected) == 77
    assert industry.rate == Decimal("2.5")
    assert planning.CoverageRow(None, units=80, inspected=1).rate == Decimal("1.3")  # half up
    assert (by_name["建筑施工"].units, by_name["建筑施工"].inspected) == (3, 0)
    assert (by_name["合计"].units, by_name["合计"].inspected) == (83, 2)


@pytest.mark.django_db
def test_coverage_keeps_to_the_district_and_the_users_reach(setup: dict[str, Any]) -> None:
    wz = sector(WANZHOU, "工贸", department(WANZHOU, "区应急管理局"))
    units(wz, 5)
    rows = planning.coverage(setup["sector"].region, 2022, date(2022, 6, 30))
    assert rows[-1].units == 80
    town_user = accounts.create_user(
        None,
        username="town-cov",
        role="town",
        region=township(WANZHOU),
        organization=None,
        password="Td-planning-test-9a",
    ).user
    rows = planning.coverage(wz.region, 2022, date(2022, 6, 30), user=town_user)
    assert rows[-1].units == 5


@pytest.mark.django_db
def test_with_the_districts_reference_data(db: Any) -> None:
    """On the seeded sectors (reference.ensure_defaults) and settings: 区应急管理局's plan covers the
    four sectors it supervises and takes the district's settings."""
    from tiaodu.safety import reference

    district = Region.objects.get(code=TONGNAN)
    reference.ensure_defaults(district)
    settings = reference.settings_for(district)
    settings.recent_days, settings.inspectors_per_visit = 30, 3
    settings.save()
    yjj = department(TONGNAN, "区应急管理局")
    supervised = list(Sector.objects.filter(region=district, department=yjj))
    assert {s.name for s in supervised} >= {"危险化学品", "工贸"}
    for s in supervised:
        units(s, 10, RiskLevel.GENERAL)
    inspectors(yjj, 3)
    p = planning.create_plan(
        None,
        name="默认行业计划",
        department=yjj,
        starts_on=START,
        ends_on=date(2022, 6, 30),
        sample_percent=10,
    )
    assert set(p.sectors.all()) == set(supervised)
    assert (p.recent_days, p.inspectors_per_visit) == (30, 3)
    planning.draw(None, p.pk, seed="ref")
    visits = planning.stored_visits(p)
    assert len(visits) == len(supervised) and all(len(v.inspector_ids) == 3 for v in visits)
