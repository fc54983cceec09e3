"""OC4IDS (Open Contracting for Infrastructure Data Standard) 0.9 project packages of key projects.

The mapping from our project library onto OC4IDS is documented in docs/adr/0018-oc4ids.md; the
tables below are that mapping in code. :func:`build_package` and :func:`project_to_oc4ids` are pure
(no queries): they read a project with ``township``, ``owner``, ``responsible_unit``,
``leader.organization`` and ``squad`` loaded and its milestones prefetched (:func:`package_queryset`),
plus the names of the townships' ancestor regions (:func:`region_names`).

Amounts: the project library keeps 万元 (ten thousand yuan) with two decimals; OC4IDS amounts are
in CNY, so a value is multiplied by 10,000 in ``Decimal`` and is then a whole number of yuan.
Dates: OC4IDS wants ``date-time``; a calendar date is midnight local time (Asia/Shanghai, +08:00).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation
from stdnum.cn import uscc

from tiaodu.core.industries import section_of
from tiaodu.projects.choices import (
    BondField,
    Funding,
    MilestoneKind,
    ProjectCategory,
    ProjectKind,
    ProjectLevel,
    Stage,
)
from tiaodu.projects.models import Milestone, Project
from tiaodu.regions.choices import Level

if TYPE_CHECKING:
    from tiaodu.orgs.models import Organization

VERSION = "0.9"  # the schema's major.minor (0.9.5 in /work/shared/standards/oc4ids)
LANGUAGE = "zh"
CURRENCY = "CNY"
WAN = Decimal(10_000)  # 1 万元 = 10,000 CNY
COUNTRY = "中国"

# Identifier and classification schemes (local names; see the ADR).
SCHEME_RECORD = "tiaodu"  # our database id of the project
SCHEME_PROJECT_CODE = "CN-TZXM"  # 项目代码 of the 全国投资项目在线审批监管平台
SCHEME_USCC = "CN-USCC"  # 统一社会信用代码 (GB 32100-2015)
SCHEME_STAGE = "tiaodu-stage"
SCHEME_LEVEL = "tiaodu-level"
SCHEME_CATEGORY = "tiaodu-category"
SCHEME_FUNDING = "tiaodu-funding"
SCHEME_INDUSTRY = "GB/T 4754-2017"
SCHEME_GAZETTEER = "CN-STATS-DIVISION"  # 统计用区划代码 (9 digits for a township)


def id_prefix() -> str:
    """The project id prefix: ``settings.OC4IDS_PREFIX`` (a registered ``oc4ids-xxxxxx``) when the
    deployment has one, else a local prefix naming the platform and the district."""
    prefix = getattr(settings, "OC4IDS_PREFIX", "") or f"oc4ids-tiaodu{settings.HOME_REGION_CODE}"
    return str(prefix).rstrip("-")


def project_id(project: Project, prefix: str | None = None) -> str:
    """``<prefix>-<database id>``: the database id never changes (the 项目代码 may be added or
    corrected later, so it goes into ``identifiers`` instead)."""
    return f"{prefix or id_prefix()}-{project.pk}"


# --- The mapping tables --------------------------------------------------------------------------

# 阶段 → projectStatus (closed codelist). 停建 is a halt inside a phase, not a phase of its own: it
# maps to the status of the stage it interrupted (Project.suspended_from).
STAGE_STATUS: dict[str, str] = {
    Stage.RESERVE: "identification",
    Stage.SIGNED: "preparation",
    Stage.LANDED: "preparation",
    Stage.STARTED: "implementation",
    Stage.BUILDING: "implementation",
    Stage.COMPLETED: "completion",
    Stage.OPERATING: "maintenance",
    Stage.FULL_PRODUCTION: "maintenance",
    Stage.CANCELLED: "cancelled",
}
SUSPENDED_FALLBACK_STATUS = "implementation"  # 停建 = construction halted, when the origin is unknown
COMPLETED_STAGES = (Stage.COMPLETED, Stage.OPERATING, Stage.FULL_PRODUCTION)

# 项目类型 → projectType (closed codelist). 续建 continues building a new asset; 储备 projects are
# scheduled by the same chain as new ones (立项 → 用地 → … → 开工). 智能化改造 overrides this.
KIND_TYPE: dict[str, str] = {
    ProjectKind.NEW: "construction",
    ProjectKind.CONTINUING: "construction",
    ProjectKind.RESERVE: "construction",
}
UPGRADE_TYPE = "rehabilitation"

# 节点类型 → milestoneType (open codelist); 其他 has no type.
MILESTONE_TYPE: dict[str, str] = {
    MilestoneKind.APPROVAL: "approval",
    MilestoneKind.LAND: "preProcurement",
    MilestoneKind.PLANNING_PERMIT: "approval",
    MilestoneKind.CONSTRUCTION_PERMIT: "approval",
    MilestoneKind.TENDER: "procurement",
    MilestoneKind.MOBILISATION: "delivery",
    MilestoneKind.START: "delivery",
    MilestoneKind.COMPLETION: "delivery",
    MilestoneKind.PRODUCTION: "delivery",
}

# 项目类别 → projectSector, used when the industry code (行业代码) says nothing more precise.
CATEGORY_SECTOR: dict[str, str] = {
    ProjectCategory.INDUSTRY: "economy",
    ProjectCategory.INTELLIGENT: "economy",
    ProjectCategory.ECOLOGY: "naturalResources",
}

# GB/T 4754-2017 industry codes → projectSector. Longest prefix first: a 4-digit class, a 3-digit
# group, a 2-digit division; then the division's section letter (门类).
INDUSTRY_SECTOR: dict[str, str] = {
    "44": "energy",  # 电力、热力生产和供应业
    "45": "energy",  # 燃气生产和供应业
    "46": "waterAndWaste",  # 水的生产和供应业
    "53": "transport.rail",  # 铁路运输业
    "54": "transport.road",  # 道路运输业
    "541": "transport.urban",  # 城市公共交通运输
    "55": "transport.water",  # 水上运输业
    "56": "transport.air",  # 航空运输业
    "57": "energy",  # 管道运输业 (oil and gas pipelines)
    "59": "economy",  # 装卸搬运和仓储业
    "60": "communications",  # 邮政业
    "76": "naturalResources",  # 水利管理业
    "7610": "naturalResources.floodProtection",  # 防洪除涝设施管理
    "77": "naturalResources",  # 生态保护和环境治理业
    "7721": "waterAndWaste",  # 水污染治理
    "7723": "waterAndWaste",  # 固体废物治理
    "7724": "waterAndWaste",  # 危险废物治理
    "7820": "waterAndWaste",  # 环境卫生管理
    "784": "cultureSportsAndRecreation",  # 绿化管理
    "785": "cultureSportsAndRecreation",  # 城市公园管理
    "786": "cultureSportsAndRecreation",  # 游览景区管理
    "79": "naturalResources",  # 土地管理业
}
SECTION_SECTOR: dict[str, str] = {
    "A": "economy",  # 农、林、牧、渔业
    "C": "economy",  # 制造业
    "F": "economy",  # 批发和零售业
    "G": "transport",  # 交通运输、仓储和邮政业
    "H": "economy",  # 住宿和餐饮业
    "I": "communications",  # 信息传输、软件和信息技术服务业
    "J": "economy",  # 金融业
    "L": "economy",  # 租赁和商务服务业
    "M": "economy",  # 科学研究和技术服务业
    "P": "education",  # 教育
    "Q": "health",  # 卫生和社会工作
    "R": "cultureSportsAndRecreation",  # 文化、体育和娱乐业
    "S": "governance",  # 公共管理、社会保障和社会组织
}

# Party roles (partyRole is an open codelist; the last two are ours, see the ADR).
ROLE_OWNER = "buyer"  # 业主单位: the 建设单位 whose budget pays for the works
ROLE_SELF_FUNDED_OWNER = "funder"  # … and, for 社会投资, the one financing it
ROLE_RESPONSIBLE = "publicAuthority"  # 责任单位: the government body answerable for the project
ROLE_LEADER = "supervisingAuthority"  # the organisation of the 包保领导
ROLE_SQUAD = "serviceTeam"  # 服务专班

# --- Small converters ----------------------------------------------------------------------------


def cny(amount_wan: Decimal | int | str) -> int | float:
    """万元 → CNY, exactly: ``Decimal('1234.56')`` 万元 → ``12345600``."""
    yuan = Decimal(str(amount_wan)) * WAN
    integral = yuan.to_integral_value()
    return int(integral) if yuan == integral else float(yuan)


def value(amount_wan: Decimal) -> dict[str, Any]:
    return {"amount": cny(amount_wan), "currency": CURRENCY}


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def date_time(day: date | datetime | None) -> str | None:
    """ISO 8601 date-time: a date as local midnight, a datetime in local time (seconds)."""
    if day is None:
        return None
    if isinstance(day, datetime):
        moment = timezone.localtime(day, local_zone()) if timezone.is_aware(day) else day
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=local_zone())
        return moment.isoformat(timespec="seconds")
    return datetime.combine(day, time.min, tzinfo=local_zone()).isoformat()


def period(start: date | None, end: date | None) -> dict[str, str] | None:
    data = {k: v for k, v in (("startDate", date_time(start)), ("endDate", date_time(end))) if v}
    return data or None


def label(choices: Any, code: str) -> str:
    """The Chinese label of a choice (the msgid: packages are published in Chinese)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(dict(choices.choices).get(code, code))


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Drop empty members: OC4IDS has minLength/minItems/minProperties 1 almost everywhere."""
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


# --- Mapping functions ---------------------------------------------------------------------------


def status(project: Project) -> str:
    if project.stage == Stage.SUSPENDED:
        return STAGE_STATUS.get(project.suspended_from, SUSPENDED_FALLBACK_STATUS)
    return STAGE_STATUS.get(project.stage, "identification")


def project_type(project: Project) -> str | None:
    if project.is_intelligent_upgrade or project.category == ProjectCategory.INTELLIGENT:
        return UPGRADE_TYPE
    return KIND_TYPE.get(project.kind)


_section = section_of


def industry_sector(code: str) -> str | None:
    code = (code or "").strip()
    if not code:
        return None
    if code.isdigit():
        for length in (4, 3, 2):
            if len(code) >= length and code[:length] in INDUSTRY_SECTOR:
                return INDUSTRY_SECTOR[code[:length]]
    section = _section(code)
    return SECTION_SECTOR.get(section) if section else None


def sector(project: Project) -> list[str]:
    """projectSector codes, the parent before a subsector (``['transport', 'transport.rail']``)."""
    code = industry_sector(project.industry_code) or CATEGORY_SECTOR.get(project.category)
    if not code:
        return []
    parent = code.split(".", 1)[0]
    return [parent, code] if parent != code else [code]


def milestone_status(milestone: Milestone, today: date) -> str:
    if milestone.actual_on is not None:
        return "met"
    return "notMet" if milestone.planned_on < today else "scheduled"


def milestone_to_oc4ids(milestone: Milestone, today: date) -> dict[str, Any]:
    return _compact(
        {
            "id": str(milestone.pk),
            "title": milestone.name or label(MilestoneKind, milestone.kind),
            "type": MILESTONE_TYPE.get(milestone.kind),
            "code": milestone.kind,
            "dueDate": date_time(milestone.planned_on),
            "dateMet": date_time(milestone.actual_on),
            "dateModified": date_time(milestone.updated_at),
            "status": milestone_status(milestone, today),
        }
    )


def party_id(org: Organization) -> str:
    return f"org-{org.pk}"


def _party(org: Organization) -> dict[str, Any]:
    code = (org.code or "").strip()
    identifier = (
        {"scheme": SCHEME_USCC, "id": code.upper(), "legalName": org.name} if uscc.is_valid(code) else None
    )
    return _compact(
        {
            "id": party_id(org),
            "name": org.name,
            "identifier": identifier,
            "address": _compact({"streetAddress": org.address.strip(), "countryName": COUNTRY})
            if org.address.strip()
            else None,
            "roles": [],
        }
    )


def parties(project: Project) -> list[dict[str, Any]]:
    """One party per organisation (id ``org-<id>``), its roles merged, in a stable order."""
    leader_org = project.leader.organization if project.leader is not None else None
    owner_roles = [ROLE_OWNER] + ([ROLE_SELF_FUNDED_OWNER] if project.funding == Funding.SOCIAL else [])
    links: list[tuple[Organization | None, list[str]]] = [
        (project.responsible_unit, [ROLE_RESPONSIBLE]),
        (project.owner, owner_roles),
        (leader_org, [ROLE_LEADER]),
        (project.squad, [ROLE_SQUAD]),
    ]
    by_id: dict[str, dict[str, Any]] = {}
    for org, roles in links:
        if org is None:
            continue
        party = by_id.setdefault(party_id(org), _party(org))
        party.setdefault("roles", [])
        party["roles"] += [r for r in roles if r not in party["roles"]]
    return list(by_id.values())


def locations(project: Project, regions: Mapping[str, tuple[int, str]]) -> list[dict[str, Any]]:
    """The point (when the project has coordinates) with the township's address, and the outline
    (项目范围) as a second location when one was drawn."""
    township = project.township
    by_level = {regions[c][0]: regions[c][1] for c in township.path.strip("/").split("/") if c in regions}
    province, city, county = (by_level.get(level) for level in (Level.PROVINCE, Level.CITY, Level.COUNTY))
    if city in ("市辖区", "县"):  # the placeholder level under a municipality such as 重庆市
        city = None
    full = "".join(n for n in (province, city, county, township.name) if n)
    address = _compact(
        {"locality": f"{county or ''}{township.name}", "region": province, "countryName": COUNTRY}
    )
    point: dict[str, Any] = {
        "id": "1",
        "description": full,
        "address": address,
        "gazetteer": {"scheme": SCHEME_GAZETTEER, "identifiers": [township.code]},
    }
    if project.longitude is not None and project.latitude is not None:
        point["geometry"] = {
            "type": "Point",
            "coordinates": [float(project.longitude), float(project.latitude)],
        }
    result = [point]
    outline = outline_geometry(project.outline)
    if outline is not None:
        result.append({"id": "2", "description": f"{project.name}项目范围", "geometry": outline})
    return result


def outline_geometry(text: str) -> dict[str, Any] | None:
    """The GeoJSON Polygon/MultiPolygon of the outline, or None (absent or unreadable)."""
    if not (text or "").strip():
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    coordinates = data.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        return None
    return {"type": data["type"], "coordinates": coordinates}


def budget(project: Project, today: date) -> dict[str, Any]:
    funding = label(Funding, project.funding)
    text = f"总投资{project.total_investment}万元;资金来源:{funding}"
    if project.bond_field:
        text += f"(专项债领域:{label(BondField, project.bond_field)})"
    data: dict[str, Any] = {"description": text, "amount": value(project.total_investment)}
    if project.annual_plan > 0:
        data["budgetBreakdowns"] = [
            {
                "id": "annual-plan",
                "description": f"{today.year}年度计划投资",
                "budgetBreakdown": [
                    {
                        "id": f"annual-plan-{today.year}",
                        "description": "年度计划投资",
                        "amount": value(project.annual_plan),
                        "period": period(date(today.year, 1, 1), date(today.year, 12, 31)),
                    }
                ],
            }
        ]
    if project.funding == Funding.SPECIAL_BOND:
        data["finance"] = [
            _compact(
                {
                    "id": "special-bond",
                    "title": "地方政府专项债券",
                    "type": "bond",
                    "description": label(BondField, project.bond_field) if project.bond_field else None,
                }
            )
        ]
    return data


def classifications(project: Project) -> list[dict[str, Any]]:
    items = [
        {"scheme": SCHEME_STAGE, "id": project.stage, "description": label(Stage, project.stage)},
        {"scheme": SCHEME_LEVEL, "id": project.level, "description": label(ProjectLevel, project.level)},
        {
            "scheme": SCHEME_CATEGORY,
            "id": project.category,
            "description": label(ProjectCategory, project.category),
        },
        {"scheme": SCHEME_FUNDING, "id": project.funding, "description": label(Funding, project.funding)},
    ]
    if project.stage == Stage.SUSPENDED and project.suspended_from:
        items[0]["description"] += f"(停建前:{label(Stage, project.suspended_from)})"
    if project.industry_code:
        items.append({"scheme": SCHEME_INDUSTRY, "id": project.industry_code})
    return items


def description(project: Project) -> str:
    """A one-sentence summary built from structured fields (备注 are internal and not published)."""
    return (
        f"{project.township.name}{label(ProjectLevel, project.level)}项目"
        f"({label(ProjectKind, project.kind)},{label(ProjectCategory, project.category)}),"
        f"总投资{project.total_investment}万元,当前阶段:{label(Stage, project.stage)}。"
    )


def _last_change(project: Project, milestones: Iterable[Milestone]) -> datetime:
    return max([project.updated_at, *(m.updated_at for m in milestones)])


def project_to_oc4ids(
    project: Project, regions: Mapping[str, tuple[int, str]], *, today: date, prefix: str | None = None
) -> dict[str, Any]:
    """One OC4IDS project. ``project.milestones.all()`` should be prefetched."""
    milestones = list(project.milestones.all())
    identifiers = [{"scheme": SCHEME_RECORD, "id": str(project.pk)}]
    if project.code:
        identifiers.append({"scheme": SCHEME_PROJECT_CODE, "id": project.code})
    party_list = parties(project)
    authority = next((p for p in party_list if ROLE_RESPONSIBLE in p["roles"]), None)
    data: dict[str, Any] = {
        "id": project_id(project, prefix),
        "updated": date_time(_last_change(project, milestones)),
        "language": LANGUAGE,
        "identifiers": identifiers,
        "title": project.name,
        "description": description(project),
        "status": status(project),
        "type": project_type(project),
        "sector": sector(project),
        "additionalClassifications": classifications(project),
        "period": period(project.planned_start, project.planned_completion),
        "locations": locations(project, regions),
        "budget": budget(project, today),
        "parties": party_list,
        "publicAuthority": {"id": authority["id"], "name": authority["name"]} if authority else None,
        "milestones": [milestone_to_oc4ids(m, today) for m in milestones],
    }
    if project.investment_completed > 0:
        data["metrics"] = [
            {
                "id": "financialProgress",
                "title": "累计完成投资",
                "observations": [
                    {
                        "id": "investment-completed",
                        "value": value(project.investment_completed),
                        "period": period(None, today),
                        "notes": f"累计完成投资{project.investment_completed}万元",
                    }
                ],
            }
        ]
    if project.stage in COMPLETED_STAGES and project.completed_on is not None:
        data["completion"] = _compact(
            {
                "endDate": date_time(project.completed_on),
                "finalValue": value(project.investment_completed)
                if project.investment_completed > 0
                else None,
                "finalValueDetails": "竣工时的累计完成投资" if project.investment_completed > 0 else None,
            }
        )
    return _compact(data)


def build_package(
    projects: Iterable[Project],
    regions: Mapping[str, tuple[int, str]],
    *,
    uri: str,
    publisher: str,
    publisher_uri: str | None = None,
    today: date | None = None,
    now: datetime | None = None,
    prefix: str | None = None,
) -> dict[str, Any]:
    """The project package. ``publishedDate`` is the last change of anything in it (the OC4IDS rule
    for packages generated on demand), or ``now`` when it holds no project."""
    today = today or timezone.localdate()
    rows = list(projects)
    items = [project_to_oc4ids(p, regions, today=today, prefix=prefix) for p in rows]
    changes = [_last_change(p, p.milestones.all()) for p in rows]
    published = max(changes) if changes else (now or timezone.now())
    return {
        "uri": uri,
        "publishedDate": date_time(published),
        "publisher": _compact({"name": publisher, "uri": publisher_uri}),
        "version": VERSION,
        "projects": items,
    }


# --- Loading -------------------------------------------------------------------------------------


def package_queryset(queryset: QuerySet[Project]) -> QuerySet[Project]:
    """What :func:`project_to_oc4ids` reads, in a fixed number of queries whatever the size."""
    return queryset.select_related(
        "township", "owner", "responsible_unit", "leader__organization", "squad"
    ).prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("order", "planned_on", "pk"))
    )


def region_names(projects: Iterable[Project]) -> dict[str, tuple[int, str]]:
    """code → (level, name) of the projects' townships and their ancestors (one query)."""
    from tiaodu.regions.models import Region

    codes = {c for p in projects for c in p.township.path.strip("/").split("/") if c}
    return {
        code: (level, name)
        for code, level, name in Region.objects.filter(code__in=codes).values_list("code", "level", "name")
    }


def publisher_name() -> str:
    from tiaodu.regions.models import Region

    district = Region.objects.filter(code=settings.HOME_REGION_CODE).first()
    platform = "区县经济运行调度平台"
    return f"{district.full_name}{platform}" if district is not None else platform
