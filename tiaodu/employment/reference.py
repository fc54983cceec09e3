"""Reference data of the employment module. Lane A.

- The occupation catalogue: 《中华人民共和国职业分类大典(2022年版)》, shipped in
  ``data/occupations.csv`` (the 8 大类, all 79 中类, and the 小类/细类 the demo districts' industries
  use, each with common job titles as ``keywords``) and loaded by migration 0002; more codes can be
  imported (``tiaodu import occupations``). A code's level comes from its shape: ``6`` 大类,
  ``6-05`` 中类, ``6-05-01`` 小类, ``6-05-01-03`` 细类 (``-00`` closes a 小类 with one occupation).
- :func:`propose_occupation`: the occupation a job title (and its free text) most likely means,
  from the catalogue's keywords and names — deterministic, the most specific match wins.
- A district's :class:`EmploymentSettings` (its employment departments; :func:`settings_for`) and
  whether a user is one of their staff (:func:`is_employment_staff`).
- Township seats (:func:`seat_of`, :func:`save_seat`) and 赶场 rules (:func:`save_market_rule`,
  :func:`parse_digits`); the market days themselves are in :mod:`tiaodu.employment.markets`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q

from tiaodu.core import resolve
from tiaodu.core.errors import FieldError, Forbidden, InvalidInput, invalid
from tiaodu.core.permissions import Action, can, ensure_permitted, get_scoped
from tiaodu.employment.choices import CalendarKind, OccupationLevel
from tiaodu.employment.models import EmploymentSettings, MarketRule, Occupation, TownshipSeat
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

OCCUPATIONS_CSV = Path(__file__).resolve().parent / "data" / "occupations.csv"
CSV_HEADERS = ("职业编码", "职业名称", "关键词")
CODE_RE = re.compile(r"^\d(?:-\d{2}(?:-\d{2}(?:-\d{2})?)?)?$")
KEYWORD_SPLIT = re.compile(r"[、,,;;\s/]+")
# Organisations that are never a district's employment department.
NOT_DEPARTMENTS = (OrgKind.ENTERPRISE, OrgKind.OWNER, OrgKind.SQUAD)
SETTINGS_FIELDS = ("departments", "retention_days", "consent_purpose", "default_commute_minutes")


# --- codes -----------------------------------------------------------------------------------------


def is_code(code: str) -> bool:
    """Is this the shape of a 大典 code (6, 6-05, 6-05-01, 6-05-01-03)?"""
    return bool(CODE_RE.match(code or ""))


def level_of(code: str) -> int:
    """The level of a code from its shape (1 大类 … 4 细类); ``occupation_code_format`` otherwise."""
    if not is_code(code):
        raise invalid(
            "code",
            "occupation_code_format",
            f"职业编码“{code}”格式不正确,应如 6、6-05、6-05-01 或 6-05-01-03",
        )
    return code.count("-") + 1


def parent_code(code: str) -> str:
    """The code one level up ("" for a 大类)."""
    return code.rsplit("-", 1)[0] if "-" in code else ""


def ancestors(code: str) -> list[str]:
    """The code and the codes above it, from the 大类 down: "6-05-01-01" → ["6", "6-05",
    "6-05-01", "6-05-01-01"]. A code of the wrong shape gives []."""
    if not is_code(code):
        return []
    parts = code.split("-")
    return ["-".join(parts[: n + 1]) for n in range(len(parts))]


def split_keywords(raw: str) -> list[str]:
    """Keywords as written in a cell: separated by 、 , ; or spaces; duplicates dropped, order kept."""
    out: list[str] = []
    for word in KEYWORD_SPLIT.split(raw or ""):
        word = word.strip()
        if word and word not in out:
            out.append(word)
    return out


# --- the catalogue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueRow:
    code: str
    name: str
    keywords: str


def shipped_rows(path: Path = OCCUPATIONS_CSV) -> list[CatalogueRow]:
    """The rows of the shipped catalogue file (UTF-8 CSV with the import's headers)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [
            CatalogueRow(
                (r["职业编码"] or "").strip(),
                (r["职业名称"] or "").strip(),
                "、".join(split_keywords(r.get("关键词") or "")),
            )
            for r in reader
        ]
    return rows


def load_occupations(
    model: Any = None, rows: Iterable[CatalogueRow] | None = None, *, shipped: bool = True
) -> int:
    """Write catalogue rows (default: the shipped file) into ``model`` (default: Occupation; a
    migration passes its historical model), parents before children: a code already there gets
    the file's name and keywords, a new code is created. Returns the number of rows written."""
    model = model or Occupation
    items = sorted(rows if rows is not None else shipped_rows(), key=lambda r: (r.code.count("-"), r.code))
    existing = {o.code: o for o in model.objects.all()}
    written = 0
    for row in items:
        level = level_of(row.code)
        parent = existing.get(parent_code(row.code)) if level > 1 else None
        if level > 1 and parent is None:
            raise invalid(
                "code",
                "occupation_parent_missing",
                f"职业编码“{row.code}”的上级“{parent_code(row.code)}”不存在",
            )
        found = existing.get(row.code)
        if found is None:
            found = model.objects.create(
                code=row.code,
                name=row.name,
                level=level,
                parent=parent,
                keywords=row.keywords,
                is_shipped=shipped,
            )
            existing[row.code] = found
        else:
            found.name, found.keywords, found.level, found.parent = row.name, row.keywords, level, parent
            if shipped:
                found.is_shipped = True
            found.save()
        written += 1
    return written


def occupation(code: str) -> Occupation | None:
    """The occupation of a code (None when unknown or not a code)."""
    code = (code or "").strip()
    if not is_code(code):
        return None
    return Occupation.objects.filter(code=code).first()


# --- proposing a code from a job title ---------------------------------------------------------------

# Terms this short are matched only as whole words (jieba), not inside longer words: "电子" must
# not match 电子商务, "车工" must not match 服装车工's … (a longer term wins there anyway).
SHORT_TERM = 2


@dataclass(frozen=True)
class _Term:
    text: str
    occupation_id: int
    level: int
    code: str


class OccupationIndex:
    """The catalogue's keywords and names as match terms (built once per catalogue state)."""

    def __init__(self, occupations: Iterable[Occupation]) -> None:
        self.by_id: dict[int, Occupation] = {}
        terms: dict[tuple[str, int], _Term] = {}
        for occ in occupations:
            self.by_id[occ.pk] = occ
            for text in [occ.name, *split_keywords(occ.keywords)]:
                text = text.strip().lower()
                if len(text) >= SHORT_TERM:
                    terms[(text, occ.pk)] = _Term(text, occ.pk, occ.level, occ.code)
        # Most specific first: the deepest level, then the longest term, then the code.
        self.terms = sorted(terms.values(), key=lambda t: (-t.level, -len(t.text), t.code))

    def _best(self, text: str) -> Occupation | None:
        text = (text or "").strip().lower()
        if not text:
            return None
        from tiaodu.employment.text import words

        tokens = set(words(text))
        for term in self.terms:
            if len(term.text) <= SHORT_TERM:
                if term.text in tokens:
                    return self.by_id[term.occupation_id]
            elif term.text in text:
                return self.by_id[term.occupation_id]
        return None

    def propose(self, title: str, text: str = "") -> Occupation | None:
        """The title's best match, else the free text's; None when nothing matches."""
        return self._best(title) or self._best(text)


_index_cache: dict[str, Any] = {}


def occupation_index() -> OccupationIndex:
    """The index of the current catalogue (rebuilt when the catalogue's row count, highest id or
    last change differs from the cached one's: one small aggregate query per call). Callers that
    propose for many titles at once take the index once and call its ``propose``."""
    state = Occupation.objects.aggregate(n=Count("pk"), top=Max("pk"), changed=Max("updated_at"))
    key = (state["n"], state["top"], state["changed"])
    if _index_cache.get("key") != key:
        _index_cache["index"] = OccupationIndex(Occupation.objects.all())
        _index_cache["key"] = key
    index: OccupationIndex = _index_cache["index"]
    return index


def propose_occupation(title: str, text: str = "") -> Occupation | None:
    """The occupation a job title means: the catalogue term (keyword or name) found in the title
    — the most specific: the deepest level, then the longest term, then the lowest code — else
    the one found in ``text``
    (requirements, work history). Terms of two characters count only as whole words (jieba).
    Deterministic; None when nothing matches."""
    return occupation_index().propose(title, text)


# --- districts and their settings -------------------------------------------------------------------


def district_of(region: Region | str) -> Region:
    """The district (区县) of a region or a region code/name; ``district_unknown`` otherwise."""
    if not isinstance(region, Region):
        ref = (region or "").strip()
        if not ref:
            raise invalid("district", "district_unknown", "所属区县不能为空")
        region = resolve.Resolver().region(ref, field="district", label="区县")
    if region.level < Level.COUNTY:
        raise invalid("district", "district_unknown", f"“{region.name}”不是区县或镇街")
    return resolve.district_of(region)


def department_candidates(district: Region) -> Any:
    """The district's organisations that may be employment departments (not enterprises,
    project owners or squads), active, in the district's subtree."""
    return (
        Organization.objects.filter(region__path__startswith=district.path, is_active=True)
        .exclude(kind__in=NOT_DEPARTMENTS)
        .order_by("kind", "name")
    )


def settings_for(district: Region) -> EmploymentSettings:
    """The district's EmploymentSettings, created when missing — with the district's
    organisations whose 简称 is 人社局 or whose name has 人力 or 就业服务 as its departments."""
    district = district_of(district)
    row, created = EmploymentSettings.objects.get_or_create(region=district)
    if created:
        found = department_candidates(district).filter(
            Q(short_name="人社局") | Q(name__contains="人力") | Q(name__contains="就业服务")
        )
        row.departments.add(*found)
    return row


def is_employment_staff(user: Any, district: Region) -> bool:
    """Is ``user`` a department user of one of the district's employment departments?"""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role != "department" or not user.organization_id:
        return False
    row = EmploymentSettings.objects.filter(region=district_of(district)).first()
    if row is None:
        row = settings_for(district)
    return row.departments.filter(pk=user.organization_id).exists()


def ensure_keeper(actor: Any, action: Action, model: type[Any], district: Region) -> None:
    """May ``actor`` keep (add/change) ``model`` rows of ``district``? The role must allow the
    action on the model and the district must be the actor's own (administrators: any)."""
    if actor is None:
        return
    if not can(actor, action, model):
        raise Forbidden(audit=f"{action} {model._meta.label_lower} region={district.code}")
    if actor.is_superuser or actor.role == "admin":
        return
    home = resolve.actor_district(actor)
    if home is None or home.pk != district.pk:
        raise Forbidden(audit=f"{action} {model._meta.label_lower} region={district.code}")


@transaction.atomic
def update_settings(actor: Any, district: Region, **fields: Any) -> EmploymentSettings:
    """Change a district's settings: ``departments`` (organisations or ids of the district),
    ``retention_days`` (30–36500), ``consent_purpose``, ``default_commute_minutes`` (5–300)."""
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], "field_unknown", f"未知字段:{'、'.join(sorted(unknown))}")
    district = district_of(district)
    row = settings_for(district)
    if actor is not None:
        row = get_scoped(EmploymentSettings, actor, "change", pk=row.pk)
    ensure_keeper(actor, "change", EmploymentSettings, district)
    # The departments decide who may reveal the district's personal data: only administrators
    # and the employment departments themselves change the settings (not any department).
    admin = actor is not None and (actor.is_superuser or actor.role == "admin")
    if actor is not None and not admin and not is_employment_staff(actor, district):
        raise Forbidden(
            "只有系统管理员和本区县就业服务部门可以修改就业服务设置",
            audit=f"change employment.employmentsettings region={district.code}",
        )
    errors: list[FieldError] = []
    limits = {
        "retention_days": (30, 36500, "个人信息保存期限"),
        "default_commute_minutes": (5, 300, "默认可接受通勤时间"),
    }
    for name, (low, high, label) in limits.items():
        if name not in fields:
            continue
        try:
            number = int(fields[name])
        except (TypeError, ValueError):
            errors.append(FieldError(name, "integer_invalid", f"{label}应为整数"))
            continue
        if not low <= number <= high:
            errors.append(FieldError(name, "number_out_of_range", f"{label}应在{low}至{high}之间"))
        fields[name] = number
    if "consent_purpose" in fields:
        purpose = str(fields["consent_purpose"] or "").strip()
        if not purpose:
            errors.append(FieldError("consent_purpose", "required", "个人信息处理目的不能为空"))
        elif len(purpose) > 255:
            errors.append(FieldError("consent_purpose", "too_long", "个人信息处理目的不能超过255个字符"))
        fields["consent_purpose"] = purpose
    departments: list[Organization] | None = None
    if "departments" in fields:
        ids = [d.pk if isinstance(d, Organization) else int(d) for d in fields.pop("departments") or ()]
        departments = list(department_candidates(district).filter(pk__in=ids))
        if len(departments) != len(set(ids)):
            errors.append(
                FieldError("departments", "organization_unknown", f"就业服务部门须为{district.name}的部门")
            )
    if errors:
        raise InvalidInput(errors)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    if departments is not None:
        row.departments.set(departments)
    if actor is not None:
        ensure_permitted(actor, "change", row)
    return row


# --- township seats ------------------------------------------------------------------------------


def seat_of(township: Region) -> TownshipSeat | None:
    """Where a township's seat is (None when not recorded)."""
    return TownshipSeat.objects.filter(township=township).first()


def township_in(actor: Any, ref: Region | str, district: Region | None = None) -> Region:
    """A township (Region, code or name — the actor's district first) that must lie in ``district``
    (default: the actor's district; any for the server operator): ``township_unknown`` otherwise."""
    town = resolve.township_of(ref, actor, district)
    if district is None and actor is not None and not (actor.is_superuser or actor.role == "admin"):
        district = resolve.actor_district(actor)
    if district is not None and not town.path.startswith(district.path):
        raise invalid("township", "township_unknown", f"“{town.name}”不是{district.name}的镇街")
    return town


@transaction.atomic
def save_seat(
    actor: Any, township: Region | str, longitude: Decimal | None, latitude: Decimal | None
) -> TownshipSeat:
    """Record (or move) a township's seat; both coordinates in China and in the district."""
    from tiaodu.projects.services import validate_coordinates, validate_in_district

    town = township_in(actor, township)
    district = district_of(town)
    found = TownshipSeat.objects.select_for_update().filter(township=town).first()
    ensure_keeper(actor, "change" if found else "add", TownshipSeat, district)
    if longitude is None or latitude is None:
        raise InvalidInput(
            [FieldError("longitude" if longitude is None else "latitude", "required", "经度和纬度都须填写")]
        )
    problems = validate_coordinates(longitude, latitude) or validate_in_district(town, longitude, latitude)
    if problems:
        raise InvalidInput(problems)
    seat = found or TownshipSeat(district=district, township=town)
    seat.longitude, seat.latitude = longitude, latitude
    seat.save()
    if actor is not None:
        ensure_permitted(actor, "change" if found else "add", seat, authored=found is not None)
    return seat


# --- market rules ----------------------------------------------------------------------------------

_CN_DIGITS = {
    "〇": "0",
    "零": "0",
    "一": "1",
    "二": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
    "十": "0",
}


def parse_digits(raw: Any) -> str:
    """逢几赶场 as stored: "1、4、7", "147", "1,4,7", "逢一四七" → "147" (distinct, ascending;
    0 = the 10th, 20th, 30th). ``market_digits`` when it holds anything else or nothing."""
    text = str(raw if raw is not None else "").strip()
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        text = str(int(raw))
    text = text.removeprefix("逢").removesuffix("赶场").removesuffix("日")
    digits: list[str] = []
    for ch in text:
        ch = _CN_DIGITS.get(ch, ch)
        if ch.isascii() and ch.isdigit():
            digits.append(ch)
        elif ch in "、,,;; /":
            continue
        else:
            raise invalid("digits", "market_digits", f"逢几赶场“{text}”应为日期末位数字,例如“1、4、7”或“147”")
    if not digits:
        raise invalid("digits", "market_digits", "逢几赶场不能为空,例如“1、4、7”")
    return "".join(sorted(set(digits)))


def calendar_of(raw: Any) -> str:
    """历法: 公历/阳历/solar or 农历/阴历/lunar; blank → 农历 (most 场镇 count on the lunar calendar)."""
    text = str(raw or "").strip().lower()
    if not text:
        return CalendarKind.LUNAR
    if text in ("公历", "阳历", "新历", "solar", CalendarKind.SOLAR):
        return CalendarKind.SOLAR
    if text in ("农历", "阴历", "旧历", "lunar", CalendarKind.LUNAR):
        return CalendarKind.LUNAR
    raise invalid("calendar", "calendar_invalid", f"历法“{raw}”应为公历或农历")


@transaction.atomic
def save_market_rule(
    actor: Any,
    *,
    township: Region | str,
    digits: Any,
    calendar: Any = CalendarKind.LUNAR,
    place: str = "",
    pk: int | None = None,
) -> MarketRule:
    """Add a township's 赶场 rule (or change rule ``pk``). A township's rule for the same 场镇
    is updated rather than doubled."""
    errors: list[FieldError] = []
    town = None
    try:
        town = township_in(actor, township)
    except InvalidInput as exc:
        errors.extend(exc.errors)
    values: dict[str, Any] = {"place": str(place or "").strip()}
    for name, parse in (("digits", parse_digits), ("calendar", calendar_of)):
        try:
            values[name] = parse(digits if name == "digits" else calendar)
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if len(values["place"]) > 64:
        errors.append(FieldError("place", "too_long", "场镇不能超过64个字符"))
    if errors or town is None:
        raise InvalidInput(errors)
    district = district_of(town)
    if pk is not None:
        rule = (
            get_scoped(MarketRule, actor, "change", pk=pk)
            if actor is not None
            else MarketRule.objects.select_for_update().get(pk=pk)
        )
    else:
        rule = MarketRule.objects.select_for_update().filter(
            township=town, place=values["place"]
        ).first() or MarketRule(district=district, township=town)
    action: Action = "change" if rule.pk else "add"
    ensure_keeper(actor, action, MarketRule, district)
    rule.district, rule.township = district, town
    for name, value in values.items():
        setattr(rule, name, value)
    rule.save()
    if actor is not None:
        ensure_permitted(actor, action, rule, authored=action == "change")
    return rule


def township_choices(district: Region) -> list[tuple[int, str]]:
    towns = Region.objects.filter(path__startswith=district.path, level=Level.TOWNSHIP).order_by("code")
    return [(t.pk, t.name) for t in towns]


LEVEL_LABELS = dict(OccupationLevel.choices)
