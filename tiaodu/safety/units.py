"""Regulated units (生产经营单位): registering and changing them, and finding them by credit code
or by name within a township (the other safety importers' lookup).

A unit is either an enterprise of the registry (linked by its 统一社会信用代码, else by its name in
the township) or a unit that is not one (a market, a building site — linked to its key project —,
a port, a petrol station, a school …). Every write runs in one transaction, validates everything
before writing (all errors at once) and re-checks the actor's scope on the row as saved.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import translation

from tiaodu.accounts.choices import Role
from tiaodu.core.concurrency import claim_version
from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, ServiceError, invalid
from tiaodu.core.permissions import can, ensure_permitted, get_scoped
from tiaodu.core.resolve import Resolver, actor_district, credit_code, township_of
from tiaodu.projects.services import validate_coordinates, validate_in_district
from tiaodu.regions.models import Region
from tiaodu.safety import reference
from tiaodu.safety.choices import RISK_COLOUR_LABELS, RISK_COLOURS, TWO_LISTS_TWO_CARDS, RiskLevel, UnitType
from tiaodu.safety.models import Sector, Unit

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.enterprises.models import Enterprise
    from tiaodu.projects.models import Project

# What create_unit / update_unit accept.
FIELDS = (
    "name",
    "credit_code",
    "township",
    "sector",
    "unit_type",
    "risk_level",
    "address",
    "contact_name",
    *TWO_LISTS_TWO_CARDS,
    "longitude",
    "latitude",
    "enterprise",
    "project",
    "is_active",
)
TEXT_LIMITS = {"name": 128, "address": 200, "contact_name": 32}


# --- choices as people write them --------------------------------------------------------------


def unit_type_of(value: str, field: str = "unit_type") -> str:
    """A unit type by code or label (企业, 建筑工地 …); ``invalid_choice`` otherwise."""
    return _choice(value, "unit_type", field, "单位类型")


def risk_level_of(value: str, field: str = "risk_level") -> str:
    """A risk level by code, label (重大风险), short label (重大, 较大, 一般, 低) or colour (红, 橙 …)."""
    return _choice(value, "risk_level", field, "风险等级")


@functools.cache
def _choice_tables() -> dict[str, tuple[dict[str, str], str]]:
    """What people write for each choice (codes and the Chinese labels) → its code, and the
    labels to list in an error; built once (a label is a lazy translation, slow per row)."""
    with translation.override("zh-hans"):
        types = {str(label): code for code, label in UnitType.choices}
        risks: dict[str, str] = {}
        for level, label in RiskLevel.choices:
            colour = RISK_COLOURS[RiskLevel(level)]
            for word in (str(label), str(label).removesuffix("风险"), str(RISK_COLOUR_LABELS[colour])):
                risks[word] = level
            risks[f"{RISK_COLOUR_LABELS[colour]}色"] = level
            risks[colour] = level
        return {
            "unit_type": ({**types, **{c: c for c in UnitType.values}}, "、".join(types)),
            "risk_level": (
                {**risks, **{c: c for c in RiskLevel.values}},
                "、".join(str(label) for _c, label in RiskLevel.choices),
            ),
        }


def _choice(value: Any, kind: str, field: str, label: str) -> str:
    text = str(value or "").strip()
    table, names = _choice_tables()[kind]
    found = table.get(text)
    if found is None:
        raise invalid(field, "invalid_choice", f"{label}“{text}”不是可选值,可选:{names}")
    return found


def _decimal(value: Any, field: str, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid(field, "number_invalid", f"{label}“{value}”不是数字") from None
    if not number.is_finite():
        raise invalid(field, "number_invalid", f"{label}“{value}”不是数字")
    return number.quantize(Decimal("0.000001"))


# --- validation --------------------------------------------------------------------------------


def _collect(errors: list[FieldError], fn: Any, *args: Any, **kw: Any) -> Any:
    """Run one check, adding its errors to ``errors`` instead of stopping at the first."""
    try:
        return fn(*args, **kw)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        return None


def _enterprise_ref(ref: Any, field: str = "enterprise") -> Enterprise | None:
    from tiaodu.enterprises.models import Enterprise

    if ref is None or ref == "":
        return None
    if isinstance(ref, Enterprise):
        return ref
    if isinstance(ref, int):
        found = Enterprise.objects.filter(pk=ref).first()
        if found is None:
            raise invalid(field, "enterprise_unknown", "企业不存在")
        return found
    return Resolver().enterprise(str(ref), field=field)


def _project_ref(ref: Any, actor: User | None, field: str = "project") -> Project | None:
    from tiaodu.projects.models import Project

    if ref is None or ref == "":
        return None
    if isinstance(ref, Project):
        return ref
    if isinstance(ref, int):
        found = Project.objects.filter(pk=ref).first()
        if found is None:
            raise invalid(field, "project_unknown", "项目不存在")
        return found
    return Resolver(actor).project(str(ref), field=field)


def _linked_enterprise(data: dict[str, Any], township: Region | None, errors: list[FieldError]) -> None:
    """Link the registry enterprise: the one given, else the one with the unit's credit code, else
    the one of that name in the township. A unit without a credit code takes the enterprise's."""
    from tiaodu.enterprises.models import Enterprise

    enterprise = data.get("enterprise")
    code = data.get("credit_code") or ""
    if enterprise is not None:
        if code and enterprise.credit_code != code:
            errors.append(
                FieldError(
                    "credit_code",
                    "enterprise_mismatch",
                    f"统一社会信用代码“{code}”与所选企业“{enterprise.name}”({enterprise.credit_code})不一致",
                )
            )
        return
    if not data.get("link_enterprise", True):
        return
    found = None
    if code:
        found = Enterprise.objects.filter(credit_code=code).first()
    elif township is not None and data.get("name"):
        found = Enterprise.objects.filter(township=township, name=data["name"]).first()
    data["enterprise"] = found


def _validate(
    data: dict[str, Any], actor: User | None, errors: list[FieldError], keep_district: Region | None = None
) -> None:
    """Check and normalise ``data`` (the unit's values after the write) in place. A unit being
    changed stays in its district (``keep_district``)."""
    for field, limit in TEXT_LIMITS.items():
        data[field] = str(data.get(field) or "").strip()
        if len(data[field]) > limit:
            errors.append(FieldError(field, "too_long", f"不能超过{limit}个字符"))
    if not data["name"]:
        errors.append(FieldError("name", "required", "单位名称不能为空"))
    code = str(data.get("credit_code") or "").strip()
    data["credit_code"] = _collect(errors, credit_code, code) or "" if code else ""
    township = data.get("township")
    if township is not None and not isinstance(township, Region):
        township = data["township"] = _collect(errors, township_of, str(township), actor)
    elif township is not None:
        township = data["township"] = _collect(errors, township_of, township)
    if township is None and not any(e.field == "township" for e in errors):
        errors.append(FieldError("township", "township_unknown", "所属镇街不能为空"))
    district = reference.district_of(township) if township is not None else None
    if keep_district is not None and district is not None and district != keep_district:
        raise invalid("township", "township_unknown", "单位不能移到其他区县,请在该区县重新登记")
    data["district"] = district
    sector = data.get("sector")
    if district is not None:
        data["sector"] = _collect(errors, reference.sector, district, sector if sector is not None else "")
    elif not isinstance(sector, Sector) and not sector:
        errors.append(FieldError("sector", "sector_unknown", "行业领域不能为空"))
    data["unit_type"] = _collect(errors, unit_type_of, data.get("unit_type") or UnitType.ENTERPRISE)
    data["risk_level"] = _collect(errors, risk_level_of, data.get("risk_level") or RiskLevel.LOW)
    for field in TWO_LISTS_TWO_CARDS:
        data[field] = bool(data.get(field))
    data["is_active"] = bool(data.get("is_active", True))
    lon = _collect(errors, _decimal, data.get("longitude"), "longitude", "经度")
    lat = _collect(errors, _decimal, data.get("latitude"), "latitude", "纬度")
    data["longitude"], data["latitude"] = lon, lat
    if not any(e.field in ("longitude", "latitude") for e in errors):
        located = validate_coordinates(lon, lat)
        errors.extend(located or validate_in_district(township, lon, lat))
    data["enterprise"] = _collect(errors, _enterprise_ref, data.get("enterprise"))
    _linked_enterprise(data, township, errors)
    enterprise = data.get("enterprise")
    if enterprise is not None and district is not None:
        if not enterprise.township.path.startswith(district.path):
            errors.append(
                FieldError("enterprise", "enterprise_unknown", f"企业“{enterprise.name}”不在{district.name}")
            )
        elif not data["credit_code"]:
            data["credit_code"] = enterprise.credit_code
    project = data["project"] = _collect(errors, _project_ref, data.get("project"), actor)
    if project is not None:
        if data["unit_type"] != UnitType.SITE:
            errors.append(FieldError("project", "project_not_site", "只有建筑工地才能关联重点项目"))
        elif district is not None and not project.township.path.startswith(district.path):
            errors.append(
                FieldError("project", "project_unknown", f"重点项目“{project.name}”不在{district.name}")
            )


def _check_unique(data: dict[str, Any], exclude: int | None) -> None:
    others = Unit.objects.exclude(pk=exclude) if exclude else Unit.objects.all()
    code = data.get("credit_code")
    if code:
        same = others.filter(credit_code=code).select_related("township").first()
        if same is not None:
            raise Conflict(
                "unit_duplicate",
                f"统一社会信用代码“{code}”已登记为单位“{same.name}”({same.township.name})",
                [FieldError("credit_code", "unit_duplicate", f"已登记:{same.name}")],
            )
    town = data.get("township")
    if town is not None and others.filter(township=town, name=data["name"]).exists():
        raise Conflict(
            "unit_duplicate",
            f"{town.name}已有名为“{data['name']}”的单位",
            [FieldError("name", "unit_duplicate", f"{town.name}已有同名单位")],
        )


def _check_district(actor: User | None, township: Region) -> None:
    """A non-administrator registers units of their own district only, a town of its own
    township (the registrant's ``created_by`` scope would otherwise reach anywhere)."""
    if actor is None or actor.is_superuser or actor.role == Role.ADMIN:
        return
    home = actor.region if actor.role == Role.TOWN else actor_district(actor)
    if home is None or not township.path.startswith(home.path):
        raise Forbidden(audit=f"add safety.unit township={township.code}")


def _save(unit: Unit) -> None:
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError:  # a concurrent writer registered the same unit first
        raise Conflict(
            "unit_duplicate",
            "该单位已登记(同一镇街同名或统一社会信用代码相同)",
            [FieldError("name", "unit_duplicate", "该单位已登记")],
        ) from None


# --- services ----------------------------------------------------------------------------------


@transaction.atomic
def create_unit(actor: User | None, **fields: Any) -> Unit:
    """Register a unit. ``township`` and ``sector`` may be objects, codes or names; ``enterprise``
    and ``project`` objects, ids or references; ``link_enterprise=False`` skips the registry link
    by credit code / name."""
    link = fields.pop("link_enterprise", True)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], "field_unknown", f"未知字段:{'、'.join(sorted(unknown))}")
    if actor is not None and not can(actor, "add", Unit):
        raise Forbidden(audit="add safety.unit")
    data: dict[str, Any] = {**fields, "link_enterprise": link}
    errors: list[FieldError] = []
    _validate(data, actor, errors)
    if errors:
        raise InvalidInput(errors)
    _check_district(actor, data["township"])
    _check_unique(data, None)
    data.pop("link_enterprise", None)
    unit = Unit(created_by=actor if actor is not None and actor.pk else None, **data)
    _save(unit)
    if actor is not None:
        ensure_permitted(actor, "add", unit)
    return unit


@transaction.atomic
def update_unit(actor: User | None, pk: int | Unit, version: int | None = None, **fields: Any) -> Unit:
    """Change a unit's fields (those given). Moving it to another district is refused."""
    pk = pk.pk if isinstance(pk, Unit) else pk
    link = fields.pop("link_enterprise", True)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], "field_not_editable", f"不能修改:{'、'.join(sorted(unknown))}")
    if actor is not None:
        unit = get_scoped(Unit, actor, "change", pk=pk)
    else:
        unit = Unit.objects.select_for_update().get(pk=pk)
    claim_version(unit, version, {f: str(getattr(unit, f)) for f in fields if f in FIELDS})
    data: dict[str, Any] = {f: getattr(unit, f) for f in FIELDS} | fields
    # The registry link follows a changed credit code or name unless given.
    relink = "enterprise" not in fields and ({"credit_code", "name", "township"} & set(fields))
    if relink:
        data["enterprise"] = None
    data["link_enterprise"] = link and (relink or unit.enterprise_id is None)
    if "sector" not in fields:
        data["sector"] = unit.sector
    errors: list[FieldError] = []
    _validate(data, actor, errors, keep_district=unit.district)
    if errors:
        raise InvalidInput(errors)
    if data["township"] != unit.township:
        _check_district(actor, data["township"])
    _check_unique(data, unit.pk)
    data.pop("link_enterprise", None)
    for field in FIELDS:
        setattr(unit, field, data[field])
    unit.district = data["district"]
    _save(unit)
    if actor is not None:
        ensure_permitted(actor, "change", unit)
    return unit


# --- finding units -----------------------------------------------------------------------------


def _code_key(code: str) -> str:
    return (code or "").strip().upper()


def find_unit(
    district: Region, *, credit_code: str = "", name: str = "", township: Region | None = None
) -> Unit | None:
    """A unit of the district by 统一社会信用代码, else by name within the township (or, without
    a township, the district's only unit of that name). None when not found or not unique."""
    units = Unit.objects.filter(district=district).select_related("sector", "township")
    code = _code_key(credit_code)
    if code:
        found = units.filter(credit_code=code).first()
        if found is not None:
            return found
    name = (name or "").strip()
    if not name:
        return None
    if township is not None:
        return units.filter(township=township, name=name).first()
    matches = list(units.filter(name=name)[:2])
    return matches[0] if len(matches) == 1 else None


class UnitIndex:
    """The units of some districts in memory, for importers that look up thousands of rows: the
    same rule as :func:`find_unit` without a query per row. Districts load on first use."""

    def __init__(self) -> None:
        self._loaded: set[int] = set()
        self._by_code: dict[str, Unit] = {}
        self._by_town: dict[tuple[int, str], Unit] = {}
        self._by_name: dict[tuple[int, str], list[Unit]] = {}

    def _load(self, district: Region) -> None:
        if district.pk in self._loaded:
            return
        self._loaded.add(district.pk)
        for unit in Unit.objects.filter(district=district).select_related("sector", "township"):
            self.add(unit)

    def add(self, unit: Unit) -> None:
        """Remember a unit created during the run."""
        if unit.credit_code:
            self._by_code[unit.credit_code] = unit
        self._by_town[(unit.township_id, unit.name)] = unit
        self._by_name.setdefault((unit.district_id, unit.name), []).append(unit)

    def find(
        self, district: Region, *, credit_code: str = "", name: str = "", township: Region | None = None
    ) -> Unit | None:
        self._load(district)
        code = _code_key(credit_code)
        found = self._by_code.get(code) if code else None
        if found is not None and found.district_id == district.pk:
            return found
        name = (name or "").strip()
        if not name:
            return None
        if township is not None:
            return self._by_town.get((township.pk, name))
        matches = self._by_name.get((district.pk, name), [])
        return matches[0] if len(matches) == 1 else None


def unknown_unit(credit_code: str = "", name: str = "", township: Region | None = None) -> ServiceError:
    """The ``unit_unknown`` error the importers raise for a unit they cannot find."""
    what = f"统一社会信用代码“{credit_code}”" if credit_code else ""
    if name:
        where = f"{township.name}" if township is not None else ""
        what = f"{what}、{where}“{name}”" if what else f"{where}“{name}”"
    return invalid("unit", "unit_unknown", f"单位{what or ''}未登记,请先导入生产经营单位")


def units_for(user: Any, action: Any = "view") -> Any:
    """The units the user may ``action`` (the base of lists, the map and the API)."""
    return Unit.objects.restrict(user, action).select_related("sector", "township")


def visible_sectors(user: Any, districts: Iterable[Region] | None = None) -> Any:
    """The sectors the user may see (filters and forms), in their order."""
    qs = Sector.objects.restrict(user).filter(is_active=True)
    if districts is not None:
        qs = qs.filter(region__in=list(districts))
    return qs.order_by("region", "order", "pk")
