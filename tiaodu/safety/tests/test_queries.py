"""The safety report's figures (tiaodu.safety.queries) on records made directly with the ORM in
万州区, with the same names in 潼南区 and 大渡口区 (太安镇, 区应急管理局 …) that must not count."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tiaodu.accounts.services import create_user
from tiaodu.cases.models import CardRecord, Case, CaseCategory
from tiaodu.core.errors import InvalidInput
from tiaodu.core.tests.districts import TONGNAN, WANZHOU, shared_township
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region
from tiaodu.safety import queries
from tiaodu.safety.choices import WORKFLOW, DocumentKind, HazardGrade, InspectionKind, PenaltyKind
from tiaodu.safety.models import (
    Accident,
    EnforcementDocument,
    Hazard,
    Inspection,
    PenaltyItem,
    SafetySettings,
    Sector,
    Unit,
)

pytestmark = pytest.mark.django_db
FROM, TO = date(2023, 1, 1), date(2023, 3, 31)
_serial = itertools.count(1)


@dataclass
class World:
    district: Region
    towns: list[Region]
    yjj: Organization
    jw: Organization
    sectors: dict[str, Sector]
    units: dict[str, Unit] = field(default_factory=dict)
    hazards: dict[str, Hazard] = field(default_factory=dict)


def org(district: Region, short: str, full: str) -> Organization:
    return Organization.objects.create(
        region=district, kind=OrgKind.DEPARTMENT, name=f"重庆市{district.name}{full}", short_name=short
    )


def unit(w: World, name: str, town: Region, sector: str) -> Unit:
    return Unit.objects.create(district=w.district, township=town, name=name, sector=w.sectors[sector])


def inspect(u: Unit, on: date, kind: str, dept: Organization) -> Inspection:
    return Inspection.objects.create(
        district=u.district,
        township=u.township,
        number=f"JC{next(_serial):06d}",
        inspected_on=on,
        unit=u,
        sector=u.sector,
        department=dept,
        kind=kind,
    )


def hazard(
    insp: Inspection,
    found: date,
    grade: str = HazardGrade.GENERAL,
    rectified: date | None = None,
    accepted: date | None = None,
    **extra: Any,
) -> Hazard:
    category, _ = CaseCategory.objects.get_or_create(
        workflow=WORKFLOW, code=grade, defaults={"name": "重大隐患" if grade == "major" else "一般隐患"}
    )
    case = Case.objects.create(
        workflow=WORKFLOW,
        number=f"YH{next(_serial):08d}",
        category=category,
        title=f"{insp.unit.name} 隐患",
        description="隐患",
        state="accepted" if accepted else "pending",
        is_open=accepted is None,
        region=insp.township,
        handling_org=insp.department,
        raised_on=found,
    )
    return Hazard.objects.create(
        case=case,
        inspection=insp,
        district=insp.district,
        township=insp.township,
        unit=insp.unit,
        sector=insp.sector,
        department=insp.department,
        description="隐患",
        grade=grade,
        found_on=found,
        rectified_on=rectified,
        accepted_on=accepted,
        **extra,
    )


def card(h: Hazard, colour: str, issued: date, lifted: date | None = None) -> None:
    CardRecord.objects.create(case=h.case, card=colour, issued_on=issued, lifted_on=lifted, reason="overdue")


def decision(
    u: Unit, on: date, dept: Organization, *items: tuple[str, str | None], kind: str = DocumentKind.DECISION
) -> EnforcementDocument:
    doc = EnforcementDocument.objects.create(
        district=u.district,
        township=u.township,
        kind=kind,
        number=f"渝罚〔2023〕{next(_serial)}号",
        unit=u,
        sector=u.sector,
        department=dept,
        issued_on=on,
    )
    for item_kind, amount in items:
        PenaltyItem.objects.create(document=doc, kind=item_kind, amount=Decimal(amount) if amount else None)
    return doc


def world(code: str = WANZHOU) -> World:
    """Three sectors, four units in two townships (one of them 太安镇, a name three districts share)."""
    district = Region.objects.get(code=code)
    taian = shared_township()[code]
    other = Region.objects.filter(parent=district, level=4).exclude(pk=taian.pk).order_by("code").first()
    assert other is not None
    yjj, jw = (
        org(district, "区应急管理局", "应急管理局"),
        org(district, "区住房城乡建委", "住房和城乡建设委员会"),
    )
    sectors = {
        code_: Sector.objects.create(region=district, code=code_, name=name, department=dept, order=order)
        for code_, name, dept, order in (
            ("industry", "工贸", yjj, 4),
            ("construction", "建筑施工", jw, 5),
            ("gas", "城镇燃气", jw, 8),
        )
    }
    w = World(district, [taian, other], yjj, jw, sectors)
    w.units = {
        "u1": unit(w, "甲机械厂", taian, "industry"),
        "u2": unit(w, "乙工地", taian, "construction"),
        "u3": unit(w, "丙燃气站", other, "gas"),
        "u4": unit(w, "丁家具厂", other, "industry"),
    }
    return w


def quarter(code: str = WANZHOU) -> World:
    """The records of 2023 Q1 (and around it) whose figures the tests check."""
    w = world(code)
    u, yjj, jw = w.units, w.yjj, w.jw
    i1 = inspect(u["u1"], date(2023, 1, 10), InspectionKind.ENFORCEMENT, yjj)
    i2 = inspect(u["u1"], date(2023, 2, 10), InspectionKind.ENFORCEMENT, yjj)  # the same unit again
    i3 = inspect(u["u2"], date(2023, 3, 31), InspectionKind.JOINT, jw)
    i4 = inspect(u["u3"], date(2023, 3, 1), InspectionKind.PATROL, jw)
    i5 = inspect(u["u4"], date(2023, 2, 1), InspectionKind.SELF, yjj)
    i6 = inspect(u["u3"], date(2022, 12, 31), InspectionKind.ENFORCEMENT, jw)
    i7 = inspect(u["u3"], date(2023, 4, 1), InspectionKind.ENFORCEMENT, jw)
    major = HazardGrade.MAJOR
    w.hazards = {
        "h1": hazard(i1, date(2023, 1, 10), rectified=date(2023, 1, 20), accepted=date(2023, 1, 25)),
        "h2": hazard(
            i2,
            date(2023, 2, 10),
            major,
            rectified=date(2023, 4, 5),
            is_supervised=True,
            supervised_on=date(2023, 2, 10),
        ),
        "h3": hazard(i3, date(2023, 3, 31), rectified=date(2023, 3, 31), accepted=date(2023, 3, 31)),
        "h4": hazard(i4, date(2023, 3, 1)),
        "h5": hazard(i5, date(2023, 2, 1), rectified=date(2023, 2, 3)),
        "h6": hazard(i6, date(2022, 12, 31), major, rectified=date(2023, 2, 1), accepted=date(2023, 2, 15)),
        "h7": hazard(i7, date(2023, 4, 1), major),
    }
    h = w.hazards
    card(h["h2"], "yellow", date(2023, 3, 1))
    card(h["h2"], "red", date(2023, 3, 20))
    card(h["h4"], "yellow", date(2023, 3, 15), lifted=date(2023, 4, 10))
    card(h["h1"], "yellow", date(2023, 1, 22), lifted=date(2023, 1, 26))
    card(h["h3"], "yellow", date(2023, 4, 2))
    decision(u["u1"], date(2023, 1, 15), yjj, (PenaltyKind.WARNING, None), (PenaltyKind.FINE, "10000.00"))
    decision(u["u1"], date(2023, 2, 20), yjj, (PenaltyKind.FINE, "9200"), (PenaltyKind.SUSPENSION, None))
    decision(u["u3"], date(2023, 3, 5), jw, (PenaltyKind.WARNING, None))
    decision(u["u2"], date(2023, 3, 10), jw, kind=DocumentKind.ORDER)  # an order, not a decision
    decision(u["u4"], date(2023, 4, 2), yjj, (PenaltyKind.FINE, "50000"))  # after the period
    decision(u["u2"], date(2023, 3, 30), jw, (PenaltyKind.CONFISCATION, "3000"))
    SafetySettings.objects.create(region=w.district, record_start=date(2016, 1, 1))
    Accident.objects.create(
        district=w.district,
        township=w.towns[1],
        occurred_on=date(2020, 6, 15),
        unit_name="丙燃气站",
        sector=w.sectors["gas"],
        deaths=3,
        grade="larger",
    )
    return w


def noise(code: str = TONGNAN) -> World:
    """Another district with the same names and records in the same period."""
    w = world(code)
    i = inspect(w.units["u1"], date(2023, 2, 1), InspectionKind.ENFORCEMENT, w.yjj)
    h = hazard(i, date(2023, 2, 1), HazardGrade.MAJOR)
    card(h, "red", date(2023, 3, 1))
    decision(w.units["u1"], date(2023, 2, 2), w.yjj, (PenaltyKind.FINE, "1000"), (PenaltyKind.WARNING, None))
    return w


def test_the_quarters_figures_follow_the_definitions() -> None:
    w = quarter()
    noise()
    f = queries.figures(WANZHOU, FROM, TO)
    t = f.total
    assert (t.inspections, t.joint, t.patrols, t.self_inspections) == (3, 1, 1, 1)
    assert t.sectors == {w.sectors["industry"].pk, w.sectors["construction"].pk}
    assert (t.hazards, t.major, t.rectified, t.accepted, t.self_hazards) == (4, 1, 2, 2, 1)
    assert (t.decisions, t.penalised_units, t.warnings, t.suspended_units) == (4, 3, 2, 1)
    assert t.fines == Decimal("19200") and t.confiscated == Decimal("3000")
    assert (t.red, t.yellow) == (1, 1)
    assert f.major == queries.MajorStock(
        found_in_range=1, closed_in_range=1, open=1, closed=1, supervised_open=1, missing_plan_open=0
    )


def test_figures_as_of_a_date_do_not_move_when_hazards_are_closed_later() -> None:
    w = quarter()
    before = queries.figures(WANZHOU, FROM, TO).total
    # Later: h2 accepted, h4 rectified and accepted, the cards lifted, and the case states moved on.
    Hazard.objects.filter(pk=w.hazards["h2"].pk).update(accepted_on=date(2023, 4, 20))
    Hazard.objects.filter(pk=w.hazards["h4"].pk).update(
        rectified_on=date(2023, 4, 8), accepted_on=date(2023, 4, 9)
    )
    Case.objects.filter(hazard__in=w.hazards.values()).update(is_open=False, state="accepted", card="none")
    CardRecord.objects.filter(lifted_on__isnull=True).update(lifted_on=date(2023, 4, 20))
    after = queries.figures(WANZHOU, FROM, TO)
    assert (after.total.rectified, after.total.accepted) == (before.rectified, before.accepted)
    assert (after.total.red, after.total.yellow) == (1, 1)
    assert (after.major.open, after.major.closed) == (1, 1)
    # … and the day after shows the change.
    later = queries.figures(WANZHOU, FROM, date(2023, 4, 30))
    assert (later.major.open, later.major.closed) == (1, 2)  # h7 found in April is still open
    assert (later.total.red, later.total.yellow) == (0, 0)


def test_tables_per_sector_department_and_township_add_up() -> None:
    w = quarter()
    f = queries.figures(WANZHOU, FROM, TO)
    sectors = {t.name: t for t in queries.ordered(f.by_sector)}
    assert [t.name for t in queries.ordered(f.by_sector)] == ["工贸", "建筑施工", "城镇燃气"]
    assert (sectors["工贸"].inspections, sectors["工贸"].self_inspections, sectors["工贸"].hazards) == (
        2,
        1,
        2,
    )
    assert sectors["工贸"].penalised == {w.units["u1"].pk} and sectors["工贸"].fines == Decimal("19200")
    assert (sectors["城镇燃气"].inspections, sectors["城镇燃气"].patrols, sectors["城镇燃气"].yellow) == (
        0,
        1,
        1,
    )
    departments = {t.name: t for t in f.by_department.values()}
    assert departments["重庆市万州区住房和城乡建设委员会"].penalised_units == 2
    towns = queries.ordered(f.by_township)
    assert [t.key for t in towns] == sorted(t.key for t in towns)
    taian = f.by_township[w.towns[0].pk]
    assert (taian.name, taian.inspections, taian.hazards, taian.red) == ("太安镇", 3, 3, 1)
    for table in (f.by_sector, f.by_department, f.by_township):
        assert sum(t.inspections for t in table.values()) == f.total.inspections
        assert sum(t.hazards for t in table.values()) == f.total.hazards
        assert sum(t.red + t.yellow for t in table.values()) == f.total.overdue
        assert sum((t.fines for t in table.values()), Decimal(0)) == f.total.fines


def test_a_township_report_counts_its_township_only() -> None:
    w = quarter()
    f = queries.figures(w.towns[1].code, FROM, TO)
    assert f.region == w.towns[1]
    assert (f.total.inspections, f.total.patrols, f.total.hazards, f.total.yellow) == (0, 1, 1, 1)
    assert f.total.penalised_units == 1  # 丙燃气站's warning


def test_scope_a_town_user_gets_its_township_and_a_stranger_nothing() -> None:
    w = quarter()
    town_org = Organization.objects.create(
        region=w.towns[0], kind=OrgKind.TOWN, name="太安镇人民政府", short_name="太安镇"
    )
    town = create_user(None, username="taian_wz", role="town", org=str(town_org.pk)).user
    f = queries.figures(WANZHOU, FROM, TO, user=town)
    assert f.region == w.towns[0]
    assert (f.total.inspections, f.total.hazards, f.total.red, f.total.yellow) == (3, 3, 1, 0)
    assert f.total.penalised_units == 2
    tongnan = Organization.objects.create(
        region=Region.objects.get(code=TONGNAN), kind=OrgKind.DEPARTMENT, name="潼南区应急管理局x"
    )
    stranger = create_user(
        None, username="yjj_tn", role="department", region_code=TONGNAN, org=str(tongnan.pk)
    ).user
    g = queries.figures(WANZHOU, FROM, TO, user=stranger)
    assert g.total.is_empty and g.major.open == 0 and not g.by_sector


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
    quarter()
    with django_assert_max_num_queries(10):
        queries.figures(WANZHOU, FROM, TO)


def _same(a: queries.SafetyFigures, b: queries.SafetyFigures) -> None:
    assert a.total == b.total and a.major == b.major
    for name in ("by_sector", "by_department", "by_township"):
        assert getattr(a, name) == getattr(b, name)


def test_a_district_wide_reader_gets_the_same_figures_as_restrict_would_give() -> None:
    w = quarter()
    noise()
    dept = create_user(None, username="jw_wz", role="department", region_code=WANZHOU, org=str(w.jw.pk)).user
    assert queries.sees_all_of(dept, Hazard, w.district)
    assert not queries.sees_all_of(dept, Hazard, Region.objects.get(code=TONGNAN))
    everything = queries.figures(WANZHOU, FROM, TO)
    _same(queries.figures(WANZHOU, FROM, TO, user=dept), everything)
    # What restrict gives, computed the slow way, is the same.
    for model in (Inspection, Hazard, EnforcementDocument):
        located = queries.located(model, w.district)
        assert set(located.values_list("pk", flat=True)) == set(
            model.objects.restrict(dept).filter(district=w.district).values_list("pk", flat=True)
        )


def test_an_enterprise_user_counts_its_own_unit_only() -> None:
    from tiaodu.enterprises.models import Enterprise

    w = quarter()
    firm = Organization.objects.create(
        region=w.towns[0], kind=OrgKind.ENTERPRISE, name="甲机械厂", code="91500101MA5U0000X1"
    )
    enterprise = Enterprise.objects.create(
        credit_code="91500101MA5U0000X1", name="甲机械厂", organization=firm, township=w.towns[0]
    )
    Unit.objects.filter(pk=w.units["u1"].pk).update(enterprise=enterprise)
    user = create_user(None, username="jia_wz", role="enterprise", org=str(firm.pk)).user
    assert not queries.sees_all_of(user, Inspection, w.district)
    f = queries.figures(WANZHOU, FROM, TO, user=user)
    # 甲机械厂: two enforcement inspections, h1 and h2 (h2 red-carded), two decisions.
    assert (f.total.inspections, f.total.hazards, f.total.red, f.total.yellow) == (2, 2, 1, 0)
    assert (f.total.penalised_units, f.total.warnings, f.total.suspended_units) == (1, 1, 1)
    assert f.total.fines == Decimal("19200") and f.major.open == 1 and f.major.closed == 0


def test_a_town_user_asking_for_another_township_gets_nothing() -> None:
    w = quarter()
    town_org = Organization.objects.create(region=w.towns[0], kind=OrgKind.TOWN, name="太安镇人民政府y")
    town = create_user(None, username="taian_wz2", role="town", org=str(town_org.pk)).user
    assert queries.sees_all_of(town, Hazard, w.towns[0]) and not queries.sees_all_of(town, Hazard, w.towns[1])
    f = queries.figures(w.towns[1].code, FROM, TO, user=town)
    assert f.region == w.towns[1] and f.total.is_empty and not f.by_township
