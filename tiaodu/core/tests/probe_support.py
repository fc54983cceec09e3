"""The world of the probe matrix (issue 13): three districts that share names, one user of every
role in each, and the objects of every kind the platform shows.

潼南区 (500152) and 大渡口区 (500104) come from the demo (enterprises, visits, appeals, projects,
dispatch rounds, events, monitoring figures, reporting rounds with alerts, targets); 万州区
(500101) is added here with a small slice of everything. The three share department names
(区发展改革委, 区经济信息委: :func:`three_districts`) and a township name (太安镇:
:func:`shared_township`). Users: the demo accounts of 潼南区 plus one per role in the other two
districts, placed in a township, organisation, enterprise, squad or project-owner unit as the role
requires.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from stdnum.cn import uscc

from tiaodu.accounts import services as accounts
from tiaodu.accounts.models import User
from tiaodu.core.tests.districts import DADUKOU, TONGNAN, WANZHOU, shared_township, three_districts
from tiaodu.dispatch import services as dispatch
from tiaodu.dispatch.choices import PeriodKind
from tiaodu.enterprises import services as enterprises
from tiaodu.enterprises.models import Enterprise
from tiaodu.events import services as events
from tiaodu.events.choices import EventAction
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.projects import services as projects
from tiaodu.projects.choices import Stage
from tiaodu.projects.models import Project
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

PASSWORD = "Probe-Matrix-2026-x7"
MARK = "探针"  # in the names of the objects made here


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)  # label → user, e.g. "500101/town"
    made: dict[str, Any] = field(default_factory=dict)  # what was added for 万州区


def credit(n: int) -> str:
    base = f"91500101MA7P{n:05d}"
    return base + uscc.calc_check_digit(base)


def _org(name: str, kind: str, region: Region, **extra: Any) -> Organization:
    org = Organization.objects.filter(name=name, kind=kind, region=region).first()
    return org or Organization.objects.create(name=name, kind=kind, region=region, **extra)


def _user(username: str, role: str, *, region: Region | None = None, org: Organization | None = None) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return accounts.create_user(
        None,
        username=username,
        role=role,
        region_code=region.code if region is not None else None,
        org=str(org.pk) if org is not None else None,
        full_name=f"{MARK}{username}",
        password=PASSWORD,
    ).user


def _townships(district: Region) -> list[Region]:
    return list(Region.objects.filter(parent=district, level=Level.TOWNSHIP).order_by("code"))


def _town_gov(township: Region) -> Organization:
    name = f"{township.name}人民政府" if township.name.endswith("镇") else f"{township.name}办事处"
    return _org(name, OrgKind.TOWN, township, short_name=township.name)


def build_wanzhou(departments: dict[str, Organization], taian: Region) -> dict[str, Any]:
    """万州区's slice: two townships (one of them 太安镇), government, town governments, an owner,
    a squad, two enterprises, two projects, a visit, an appeal, a dispatch round with one report,
    an event and a reporting round."""
    district = Region.objects.get(code=WANZHOU)
    other = next(t for t in _townships(district) if t.pk != taian.pk)
    gov = _org(f"{district.name}人民政府", OrgKind.GOVERNMENT, district, short_name="区政府")
    towns = {t.code: _town_gov(t) for t in (taian, other)}
    owner = _org(f"万州{MARK}城建投资有限公司", OrgKind.OWNER, district)
    squad = _org(
        f"万州区{MARK}重点项目服务一专班", OrgKind.SQUAD, district, parent=departments["区发展改革委"]
    )
    firms = [
        enterprises.save_enterprise(None, credit(n), township, name=f"重庆万州{MARK}企业{n}有限公司")[0]
        for n, township in ((1, taian), (2, other))
    ]
    Enterprise.objects.filter(pk__in=[f.pk for f in firms]).update(is_above_scale=True, squad=squad)
    made_projects = []
    for n, (township, project_owner, project_squad) in enumerate(
        ((taian, owner, squad), (other, None, None)), start=1
    ):
        project, _ = projects.save_project(
            None,
            code=f"2026-500101-{MARK}-{n:02d}",
            name=f"万州{MARK}重点项目{n}",
            township=township,
            level="district",
            kind="new",
            category="industry",
            funding="social",
            total_investment=Decimal(90000 + n),
            annual_plan=Decimal(30000),
            responsible_unit=departments["区发展改革委"],
            owner=project_owner,
            squad=project_squad,
            stage=Stage.STARTED,
            stage_on=date(2026, 3, 1),
        )
        made_projects.append(project)
    visit = enterprises.record_visit(
        None,
        firms[0],
        date(2026, 9, 1),
        "王探针",
        record="了解用工",
        visiting_org=departments["区经济信息委"],
    )
    appeal = enterprises.raise_appeal(
        None, firms[0], "labour", f"万州{MARK}诉求:招工难", date(2026, 9, 2), visit=visit
    )
    rnd = dispatch.open_round(
        None,
        district=district,
        period_kind=PeriodKind.MONTH,
        period_label=f"2026年10月{MARK}",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        due_on=date(2026, 11, 5),
        projects=Project.objects.filter(pk__in=[p.pk for p in made_projects]),
    )
    for project, invest, required in ((made_projects[0], 777, 70), (made_projects[1], 333, 30)):
        dispatch.submit_report(
            None,
            rnd.pk,
            project.pk,
            dispatch.ReportInput(
                investment=Decimal(invest),
                progress=50,
                workers_required=required,
                workers_on_site=required - 1,
                problems="",
                problem_category="",
            ),
        )
    event = events.record_event(
        None,
        name=f"万州区{MARK}集中开工活动",
        held_on=date(2026, 3, 1),
        region=district,
        place="万州区",
        entries=[(p, EventAction.START) for p in made_projects],
    )
    from tiaodu.monitoring.periods import Period
    from tiaodu.reporting import services as reporting

    reporting_round = reporting.open_round(
        None,
        district=district,
        period=Period.month(2026, 10),
        indicators=("gy_zcz", "yysr"),
        due_on=date(2026, 11, 5),
        unit_filter="all",
        title=f"万州区{MARK}10月企业月报",
    )
    return {
        "district": district,
        "townships": (taian, other),
        "gov": gov,
        "towns": towns,
        "owner": owner,
        "squad": squad,
        "enterprises": firms,
        "projects": made_projects,
        "visit": visit,
        "appeal": appeal,
        "dispatch_round": rnd,
        "event": event,
        "reporting_round": reporting_round,
    }


# Amounts of the investment projects made here: distinctive figures a town user must never see.
INVESTMENT_SECRETS = ("43219.87", "43220.87", "43221.87", "8765.43", "探针洽谈底价")


def build_investment(
    places: dict[str, tuple[Region | None, Region | None, Organization | None]],
) -> list[Any]:
    """Per district three investment projects (招商引资): one reported by the first township and
    worked by the squad's team (signed, with a follow-up), one reported by the second township,
    one of the district's bureau; amounts and notes are distinctive (:data:`INVESTMENT_SECRETS`)."""
    from tiaodu.investment import services as investment
    from tiaodu.investment import tracking
    from tiaodu.investment.models import Team

    made: list[Any] = []
    for code, (first, second, squad) in places.items():
        district = Region.objects.get(code=code)
        investment.ensure_defaults(district)
        team = Team.objects.create(
            region=district, name=f"{district.name}{MARK}招商组", kind="industry", organization=squad
        )
        for n, (township, with_team) in enumerate(((first, True), (second, False), (None, False))):
            made.append(
                investment.create_project(
                    None,
                    stage="negotiating",
                    on=date(2026, 1, 5),
                    region=district,
                    name=f"{district.name}{MARK}招商项目{n + 1}",
                    investor_name=f"{district.name}{MARK}投资方{n + 1}有限公司",
                    planned_investment=Decimal("43219.87") + n,
                    notes="探针洽谈底价",
                    first_township=township,
                    team=team if with_team else None,
                )
            )
        signed = made[-3]
        investment.change_stage(
            None, signed, "signed", date(2026, 2, 1), agreed_investment=Decimal("8765.43")
        )
        tracking.record_follow_up(
            None, signed, kind="visit", on=date(2026, 2, 2), people=f"{MARK}组长", outcome="探针洽谈底价"
        )
    return made


def build_world() -> World:
    from tiaodu.monitoring.demo import load_monitoring_demo
    from tiaodu.reporting.demo import load_reporting_demo
    from tiaodu.targets.demo import load_targets_demo

    # What ``tiaodu demo`` adds to load_demo(): monitoring figures, targets, reporting rounds with
    # alerts (not in the suite's shared database).
    load_monitoring_demo()
    load_targets_demo()
    load_reporting_demo()
    world = World()
    departments = three_districts()
    taian = shared_township()
    made = build_wanzhou(departments[WANZHOU], taian[WANZHOU])
    world.made = made

    # 潼南区: the demo accounts.
    for username in ("admin", "leader", "jxw", "guxi", "yuxi", "squad1", "qiye", "yezhu"):
        user = User.objects.select_related("region", "organization").get(username=username)
        world.users[f"{TONGNAN}/{username}"] = user

    # 大渡口区: one user per role.
    ddk = Region.objects.get(code=DADUKOU)
    ddk_gov = Organization.objects.get(region=ddk, kind=OrgKind.GOVERNMENT)
    ddk_town = _townships(ddk)[0]
    ddk_squad = Organization.objects.get(name="大渡口区重点项目服务一专班", kind=OrgKind.SQUAD)
    ddk_firm = Enterprise.objects.filter(township__parent=ddk).order_by("credit_code").first()
    assert ddk_firm is not None
    ddk_owner = _org(f"大渡口{MARK}业主有限公司", OrgKind.OWNER, ddk)
    owned = Project.objects.filter(township__parent=ddk, squad=ddk_squad).order_by("pk")[:2]
    Project.objects.filter(pk__in=[p.pk for p in owned]).update(owner=ddk_owner)
    made["ddk_owner"] = ddk_owner
    world.users.update(
        {
            f"{DADUKOU}/leader": _user("ddk-leader", "leader", region=ddk, org=ddk_gov),
            f"{DADUKOU}/department": _user(
                "ddk-jxw", "department", region=ddk, org=departments[DADUKOU]["区经济信息委"]
            ),
            f"{DADUKOU}/town": _user("ddk-town", "town", org=_town_gov(ddk_town)),
            f"{DADUKOU}/town-taian": _user("ddk-taian", "town", org=_town_gov(taian[DADUKOU])),
            f"{DADUKOU}/squad": _user(
                "ddk-squad", "squad", region=ddk, org=departments[DADUKOU]["区发展改革委"]
            ),
            f"{DADUKOU}/enterprise": _user("ddk-qiye", "enterprise", org=ddk_firm.organization),
            f"{DADUKOU}/owner": _user("ddk-yezhu", "owner", org=ddk_owner),
        }
    )
    ddk_squad.members.add(world.users[f"{DADUKOU}/squad"])

    # 万州区: one user per role (two town users: 太安镇 and another township).
    wz, (wz_taian, wz_other) = made["district"], made["townships"]
    world.users.update(
        {
            f"{WANZHOU}/leader": _user("wz-leader-p", "leader", region=wz, org=made["gov"]),
            f"{WANZHOU}/department": _user(
                "wz-jxw-p", "department", region=wz, org=departments[WANZHOU]["区经济信息委"]
            ),
            f"{WANZHOU}/town-taian": _user("wz-taian-p", "town", org=made["towns"][wz_taian.code]),
            f"{WANZHOU}/town": _user("wz-town-p", "town", org=made["towns"][wz_other.code]),
            f"{WANZHOU}/squad": _user(
                "wz-squad-p", "squad", region=wz, org=departments[WANZHOU]["区发展改革委"]
            ),
            f"{WANZHOU}/enterprise": _user(
                "wz-qiye-p", "enterprise", org=made["enterprises"][0].organization
            ),
            f"{WANZHOU}/owner": _user("wz-yezhu-p", "owner", org=made["owner"]),
        }
    )
    made["squad"].members.add(world.users[f"{WANZHOU}/squad"])
    made["investment"] = build_investment(
        {
            TONGNAN: (
                world.users[f"{TONGNAN}/guxi"].region,
                world.users[f"{TONGNAN}/yuxi"].region,
                Organization.objects.squads_of(world.users[f"{TONGNAN}/squad1"]).first(),
            ),
            DADUKOU: (ddk_town, taian[DADUKOU], ddk_squad),
            WANZHOU: (wz_taian, wz_other, made["squad"]),
        }
    )
    # Work safety (issue 15): units of the enterprises the enterprise users stand for, and the rest.
    firms = {
        TONGNAN: Enterprise.objects.get(organization=world.users[f"{TONGNAN}/qiye"].organization),
        DADUKOU: ddk_firm,
        WANZHOU: made["enterprises"][0],
    }
    made["safety"] = [obj for piece in build_safety(firms).values() for obj in piece.all()]
    for label, user in world.users.items():
        world.users[label] = User.objects.select_related("region", "organization").get(pk=user.pk)
    return world


# --- Work safety (issue 15) ------------------------------------------------------------------------

# Safety departments every district gets, under the same names in all three (潼南区's come from the
# demo): 区应急管理局 (industry, hazardous chemicals …) and 区住房城乡建委 (building sites).
SAFETY_DEPARTMENTS = (("区应急管理局", "应急管理局"), ("区住房城乡建委", "住建委"))
# Names of units shared by the three districts (each has a 太安镇).
SAFETY_UNIT_NAMES = ("太安镇农贸市场", "太安镇安置房项目工地", "综合商场")


@dataclass
class SafetySlice:
    """One district's safety objects (made by :func:`build_safety`)."""

    district: Region
    taian: Region
    other: Region
    departments: dict[str, Organization]  # short name → organisation
    enterprise: Enterprise
    units: dict[str, Any] = field(default_factory=dict)  # "enterprise", "market", "site", "other"
    inspections: dict[str, Any] = field(default_factory=dict)  # same keys + "joint"
    hazards: dict[str, Any] = field(default_factory=dict)  # same keys as inspections
    documents: dict[str, Any] = field(default_factory=dict)  # "enterprise", "site"
    accidents: dict[str, Any] = field(default_factory=dict)  # "taian", "other"
    plans: dict[str, Any] = field(default_factory=dict)  # "应急管理局", "住建委"

    def all(self) -> list[Any]:
        groups = (self.units, self.inspections, self.hazards, self.documents, self.accidents, self.plans)
        return [obj for group in groups for obj in group.values()]


def _safety_department(district: Region, name: str, short: str) -> Organization:
    org = Organization.objects.filter(region=district, kind=OrgKind.DEPARTMENT, short_name=short).first()
    return org or _org(name, OrgKind.DEPARTMENT, district, short_name=short)


def build_safety(firms: dict[str, Enterprise] | None = None) -> dict[str, SafetySlice]:
    """In each of the three districts: the safety reference data, four units (an enterprise's,
    a market and a building site in 太安镇, a mall in another township — the same names in all
    three), an inspection with one hazard of each (the site by the 住建委, the others by the
    应急管理局, a joint one of the mall with the 住建委), two penalty decisions, two accidents
    and a 双随机 plan of each department. ``firms``: the registry enterprise of each district whose
    unit it is (one is made in 太安镇 otherwise). Numbers, 文号, descriptions, dates and plan names
    carry the district (they identify a row in an export)."""
    from tiaodu.cases import services as cases
    from tiaodu.projects.demo_seed import points
    from tiaodu.safety import reference
    from tiaodu.safety.choices import DocumentKind, InspectionKind, PenaltyKind, UnitType
    from tiaodu.safety.models import (
        Accident,
        EnforcementDocument,
        Hazard,
        Inspection,
        InspectionPlan,
        PenaltyItem,
        Sector,
        Unit,
    )

    taian = shared_township()
    made: dict[str, SafetySlice] = {}
    for month, code in enumerate((TONGNAN, DADUKOU, WANZHOU), start=1):
        district = Region.objects.get(code=code)
        departments = {short: _safety_department(district, name, short) for name, short in SAFETY_DEPARTMENTS}
        reference.ensure_defaults(district)
        sectors = {s.code: s for s in Sector.objects.filter(region=district)}
        other = next(t for t in _townships(district) if t.pk != taian[code].pk)
        firm = (firms or {}).get(code)
        if firm is None:
            firm = enterprises.save_enterprise(
                None, credit(900 + month), taian[code], name=f"{district.name}{MARK}安全企业有限公司"
            )[0]
        s = SafetySlice(district, taian[code], other, departments, firm)
        yjj, zjw = departments["应急管理局"], departments["住建委"]
        places = {
            "enterprise": (firm.name, firm.township, "industry", UnitType.ENTERPRISE, firm, yjj),
            "market": (SAFETY_UNIT_NAMES[0], taian[code], "commerce", UnitType.MARKET, None, yjj),
            "site": (SAFETY_UNIT_NAMES[1], taian[code], "construction", UnitType.SITE, None, zjw),
            "other": (SAFETY_UNIT_NAMES[2], other, "fire", UnitType.OTHER, None, yjj),
        }
        located = points(code, len(places))
        for n, (key, (name, township, sector, unit_type, enterprise, by)) in enumerate(places.items(), 1):
            unit = Unit.objects.create(
                longitude=located[n - 1][0],
                latitude=located[n - 1][1],
                district=district,
                township=township,
                name=name,
                credit_code=firm.credit_code if enterprise else "",
                enterprise=enterprise,
                sector=sectors[sector],
                unit_type=unit_type,
            )
            s.units[key] = unit
            on = date(2026, month, n)
            kinds = [(key, InspectionKind.ENFORCEMENT)]
            if key == "other":
                kinds.append(("joint", InspectionKind.JOINT))
            for label_, kind in kinds:
                inspection = Inspection.objects.create(
                    district=district,
                    township=township,
                    number=f"JC{code}{MARK}{label_}",
                    inspected_on=on,
                    unit=unit,
                    sector=unit.sector,
                    department=by,
                    kind=kind,
                )
                if kind == InspectionKind.JOINT:
                    inspection.co_departments.set([zjw])
                s.inspections[label_] = inspection
                description = f"{district.name}{MARK}隐患{label_}"
                case = cases.open_case(
                    None,
                    workflow="hazard",
                    category_ref="general",
                    title=f"{unit.name} {description}",
                    description=description,
                    region=township,
                    raised_on=on,
                    submitter_org=enterprise.organization if enterprise else None,
                    handling_org=by,
                    due_on=date(2026, month, 20),
                )
                s.hazards[label_] = Hazard.objects.create(
                    case=case,
                    inspection=inspection,
                    district=district,
                    township=township,
                    unit=unit,
                    sector=unit.sector,
                    department=by,
                    description=description,
                    found_on=on,
                    deadline=date(2026, month, 20),
                )
        for key, by in (("enterprise", yjj), ("site", zjw)):
            unit = s.units[key]
            document = EnforcementDocument.objects.create(
                district=district,
                township=unit.township,
                kind=DocumentKind.DECISION,
                number=f"{district.name[:2]}{MARK}罚〔2026〕{key}号",
                unit=unit,
                sector=unit.sector,
                department=by,
                inspection=s.inspections[key],
                issued_on=date(2026, month, 10),
            )
            PenaltyItem.objects.create(document=document, kind=PenaltyKind.FINE, amount=Decimal("4321.00"))
            s.documents[key] = document
        registered: tuple[tuple[str, Region, Any], ...] = (
            ("taian", taian[code], s.units["site"]),
            ("other", other, None),
        )
        for key, township, unit in registered:
            s.accidents[key] = Accident.objects.create(
                district=district,
                township=township,
                occurred_on=date(2025, month, 11 if key == "taian" else 12),
                unit=unit,
                unit_name=unit.name if unit else f"{MARK}个体作坊",
                sector=sectors["construction" if unit else "fire"],
                deaths=1,
                grade="general",
                summary=f"{district.name}{MARK}事故{key}",
            )
        for short, org in departments.items():
            plan = InspectionPlan.objects.create(
                region=district,
                department=org,
                name=f"{district.name}{short}{MARK}双随机计划",
                year=2026,
                starts_on=date(2026, 4, 1),
                ends_on=date(2026, 6, 30),
                sample_percent=Decimal("5"),
            )
            plan.sectors.set([sectors["construction" if short == "住建委" else "industry"]])
            s.plans[short] = plan
        made[code] = s
    return made
