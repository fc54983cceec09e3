"""新区县上线检查: what a district still lacks before it can work on the platform (ADR 0027).

:func:`district_checklist` counts, for one district, the reference data every module relies on —
townships, the district's government, departments and township governments, users of the roles
that do the work, the working-day calendar over the years of the district's data, indicator
figures and this year's targets — and says for each whether it is in place, with a link to the
page where it is seen or loaded. The page ``/orgs/onboarding/`` shows it to administrators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from tiaodu.accounts.choices import Role
from tiaodu.core.errors import Forbidden, invalid
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.imports import is_admin
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region
from tiaodu.regions.services import get_region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

# Roles a district needs at least one user of before its work can be assigned.
WORKING_ROLES = (Role.LEADER, Role.DEPARTMENT, Role.TOWN)
# Government units that should each have somebody signed in for them.
STAFFED_KINDS = (OrgKind.GOVERNMENT, OrgKind.DEPARTMENT, OrgKind.TOWN)


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    count: int
    ok: bool
    detail: str = ""
    url: str = ""
    expected: int | None = None  # the count it should reach, when there is one


@dataclass
class Section:
    key: str
    title: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


@dataclass
class Checklist:
    district: Region
    year: int
    sections: list[Section]

    @property
    def missing(self) -> list[Check]:
        return [c for s in self.sections for c in s.checks if not c.ok]

    @property
    def ready(self) -> bool:
        return not self.missing

    def check(self, key: str) -> Check:
        return next(c for s in self.sections for c in s.checks if c.key == key)


def _url(name: str, args: tuple[Any, ...] = (), **query: Any) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _restricted(model: Any, actor: User | None) -> QuerySet[Any]:
    return model.objects.all() if actor is None else model.objects.restrict(actor)


def district_checklist(actor: User | None, code: str, today: date | None = None) -> Checklist:
    """What the district ``code`` still lacks; administrators only (``actor`` None: the CLI)."""
    if not is_admin(actor):
        raise Forbidden(audit="view orgs onboarding checklist")
    district = get_region(code)
    if district.level != Level.COUNTY:
        raise invalid("district", "region_level_mismatch", f"“{district.name}”不是区县,请选择区县")
    year = (today or timezone.localdate()).year
    within = Q(region__path__startswith=district.path)
    sections = [
        _regions(district),
        _organisations(actor, district, within),
        _users(actor, district, within),
        _calendar(district, year),
        _indicators(actor, district),
        _targets(actor, district, year),
    ]
    return Checklist(district, year, sections)


def _townships(district: Region) -> QuerySet[Region]:
    return Region.objects.filter(path__startswith=district.path, level=Level.TOWNSHIP)


def _regions(district: Region) -> Section:
    count = _townships(district).count()
    return Section(
        "regions",
        "行政区划",
        [
            Check(
                "townships",
                "已加载的镇街",
                count,
                count > 0,
                "" if count else "请用 tiaodu regions load 加载区划数据",
                _url("regions:detail", (district.code,)),
            )
        ],
    )


def _organisations(actor: User | None, district: Region, within: Q) -> Section:
    orgs = _restricted(Organization, actor).filter(within, is_active=True)
    government = orgs.filter(kind=OrgKind.GOVERNMENT).count()
    departments = orgs.filter(kind=OrgKind.DEPARTMENT).count()
    townships = _townships(district)
    total = townships.count()
    with_town = (
        townships.filter(pk__in=orgs.filter(kind=OrgKind.TOWN).values("region_id")).count() if total else 0
    )
    without = total - with_town
    return Section(
        "organisations",
        "组织机构",
        [
            Check(
                "government",
                "党政机关",
                government,
                government > 0,
                "" if government else "尚未登记区政府等党政机关",
                _url("orgs:list", region=district.code, kind=OrgKind.GOVERNMENT.value),
            ),
            Check(
                "departments",
                "区级部门",
                departments,
                departments > 0,
                "" if departments else "尚未登记区级部门",
                _url("orgs:list", region=district.code, kind=OrgKind.DEPARTMENT.value),
            ),
            Check(
                "towns",
                "已登记镇街机构的镇街",
                with_town,
                total > 0 and without == 0,
                f"{without}个镇街尚无镇街机构" if without else "",
                _url("orgs:list", region=district.code, kind=OrgKind.TOWN.value),
                expected=total,
            ),
        ],
    )


def _users(actor: User | None, district: Region, within: Q) -> Section:
    from tiaodu.accounts.models import User

    people = _restricted(User, actor).filter(within, is_active=True)
    checks = []
    for role in WORKING_ROLES:
        count = people.filter(role=role).count()
        checks.append(
            Check(
                f"users_{role.value}",
                f"{role.label}用户",
                count,
                count > 0,
                "" if count else f"尚无{role.label}用户",
                _url("accounts:user_list", region=district.code, role=role.value),
            )
        )
    staffed = User.objects.filter(is_active=True, organization__isnull=False).values("organization_id")
    unstaffed = (
        _restricted(Organization, actor)
        .filter(within, is_active=True, kind__in=STAFFED_KINDS)
        .exclude(pk__in=staffed)
        .count()
    )
    checks.append(
        Check(
            "orgs_without_users",
            "尚无用户的机构",
            unstaffed,
            unstaffed == 0,
            f"{unstaffed}个党政机关、部门或镇街机构还没有用户" if unstaffed else "",
            _url("orgs:list", region=district.code),
        )
    )
    return Section("users", "用户", checks)


def data_years(district: Region, year: int) -> list[int]:
    """The years the district's data covers: this year, and the years of its appeals and other
    cases, its projects' stage dates, its indicator figures and its targets."""
    from tiaodu.cases.models import Case
    from tiaodu.monitoring.models import IndicatorValue
    from tiaodu.projects.models import Project
    from tiaodu.targets.models import Target

    within = Q(region__path__startswith=district.path)
    years = {year}
    years |= {d.year for d in Case.objects.filter(within).dates("raised_on", "year")}
    projects = Project.objects.filter(township__path__startswith=district.path)
    for name in ("reserved_on", "signed_on", "started_on"):
        years |= {d.year for d in projects.filter(**{f"{name}__isnull": False}).dates(name, "year")}
    years |= set(
        IndicatorValue.objects.filter(within, is_current=True)
        .values_list("period__year", flat=True)
        .distinct()
    )
    years |= set(Target.objects.filter(within).values_list("year", flat=True).distinct())
    return sorted(years)


def _calendar(district: Region, year: int) -> Section:
    from tiaodu.cases.models import WorkDay

    wanted = data_years(district, year)
    covered = {d.year for d in WorkDay.objects.filter(date__year__in=wanted).dates("date", "year")}
    missing = [y for y in wanted if y not in covered]
    listed = "、".join(str(y) for y in missing)
    return Section(
        "calendar",
        "工作日历",
        [
            Check(
                "calendar_years",
                "工作日历覆盖的数据年份",
                len(wanted) - len(missing),
                not missing,
                f"缺少{listed}年的工作日历(tiaodu calendar load)" if missing else "",
                "",
                expected=len(wanted),
            )
        ],
    )


def _indicators(actor: User | None, district: Region) -> Section:
    from tiaodu.monitoring.models import Indicator, IndicatorValue

    catalogue = Indicator.objects.count()
    figures = _restricted(IndicatorValue, actor).filter(
        region__path__startswith=district.path, is_current=True
    )
    count = figures.count()
    return Section(
        "indicators",
        "经济运行指标",
        [
            Check(
                "catalogue",
                "指标目录中的指标",
                catalogue,
                catalogue > 0,
                "" if catalogue else "指标目录为空",
                _url("monitoring:indicators"),
            ),
            Check(
                "figures",
                "本区县的指标数据",
                count,
                count > 0,
                "" if count else "尚未导入本区县的指标数据(tiaodu import indicators)",
                _url("monitoring:figures", region=district.code),
            ),
        ],
    )


def _targets(actor: User | None, district: Region, year: int) -> Section:
    from tiaodu.targets.models import Target

    count = _restricted(Target, actor).filter(region__path__startswith=district.path, year=year).count()
    return Section(
        "targets",
        "年度目标",
        [
            Check(
                "targets",
                f"{year}年目标",
                count,
                count > 0,
                "" if count else f"尚未登记{year}年目标",
                _url("targets:list", region=district.code, year=year),
            )
        ],
    )
