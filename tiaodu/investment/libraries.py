"""The other three libraries (企业库, 资源库, 政策库) and a district's investment settings
(产业链, 重点区域, 招商组, 招商管理设置).

Every write takes the acting user (``None`` = the server operator), runs in one transaction,
validates everything before writing (all errors of a row at once, stable codes, Chinese
messages) and re-checks the scope afterwards. Names are looked up in the row's district first.

Library rows belong to a district (``region``): everyone of the district reads them and its
departments keep them (``LIBRARY_ACTIONS`` / ``PUBLIC_LIBRARY``). :func:`rows` is that rule on top
of ``Model.objects.restrict`` (which alone gives town and squad users nothing of a district's rows
and departments no write access to rows that name no organisation); every list, detail, API
answer and write of this module starts from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models, transaction
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, ServiceError, invalid
from tiaodu.core.industries import section_of_division
from tiaodu.core.permissions import Action, can, ensure_permitted, get_scoped, scope_q
from tiaodu.core.resolve import Resolver, actor_district, credit_code, district_of
from tiaodu.investment.choices import (
    OPEN_STAGES,
    EnterpriseSize,
    ResourceKind,
    ResourceStatus,
    Stage,
    TargetKind,
    TeamKind,
)
from tiaodu.investment.models import (
    FocusArea,
    IndustryChain,
    InvestmentProject,
    PipelineSettings,
    Policy,
    PolicyClause,
    Resource,
    TargetCompany,
    Team,
)
from tiaodu.investment.names import normalise, place_names
from tiaodu.investment.services import ensure_defaults
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tiaodu.accounts.models import User

_M = TypeVar("_M", bound=models.Model)

# --- Who sees and keeps a district's rows ---------------------------------------------------------


def district_path(user: Any) -> str | None:
    """The region path whose rows are "the user's district": the county the user (or the user's
    organisation) sits in; the user's own region above county level; ``None`` without a region."""
    region = getattr(user, "region", None)
    if region is None and getattr(user, "organization", None) is not None:
        region = user.organization.region
    if region is None:
        return None
    if region.level >= Level.COUNTY:
        return str(district_of(region).path)
    return str(region.path)


def rows(model: type[_M], user: User | AnonymousUser, action: Action = "view") -> QuerySet[_M]:
    """The rows of a library or settings model ``user`` may ``action`` (the models' scopes are
    district-wide: every government role of a district reaches its reference data)."""
    return model.objects.restrict(user, action)  # type: ignore[attr-defined,no-any-return]


def get_row(model: type[_M], user: User | AnonymousUser, action: Action = "view", **lookup: Any) -> _M:
    """One row through the scope (locked unless viewing): 404 outside the user's reach, 403 when
    the user may see it but not ``action`` it."""
    return get_scoped(model, user, action, **lookup)


def ensure_row(user: User | AnonymousUser | None, action: Action, obj: models.Model) -> None:
    """Re-check inside the write transaction that ``obj`` as saved is within ``user``'s reach."""
    if user is not None:
        ensure_permitted(user, action, obj)


def can_keep(user: User | AnonymousUser, model: type[models.Model], district: Region) -> bool:
    """Whether ``user`` may add and change ``model`` rows of ``district`` (for buttons)."""
    if not can(user, "change", model):
        return False
    if scope_q(user, model, "change") is None:
        return True
    base = district_path(user)
    return base is not None and district.path.startswith(base)


def can_read(user: User | AnonymousUser, model: type[models.Model], district: Region) -> bool:
    """Whether ``user`` reads ``model`` rows of ``district`` (the scope's rule of :func:`rows`)."""
    if not can(user, "view", model):
        return False
    if scope_q(user, model, "view") is None:
        return True
    base = district_path(user)
    return base is not None and district.path.startswith(base)


def visible_districts(user: Any) -> QuerySet[Region]:
    """The districts (区县) whose libraries the user may pick: the user's own subtree's, all for
    administrators."""
    qs = Region.objects.filter(level=Level.COUNTY)
    if scope_q(user, TargetCompany, "view") is None:
        return qs
    base = district_path(user)
    return qs.filter(path__startswith=base) if base else qs.none()


def district_for(user: Any, code: str | None = None) -> Region:
    """The district a page or list is about: ``code`` when given (must be a district; a policy
    library may be read anywhere, so the caller checks reach), else the user's own."""
    if code:
        found = Region.objects.filter(code=code.strip(), level=Level.COUNTY).first()
        if found is None:
            raise invalid("district", "district_unknown", f"区县“{code}”不存在")
        return found
    own = actor_district(user)
    if own is None:
        raise invalid("district", "district_unknown", "请指定区县")
    return own


def _home(current: Any, actor: User | None, region: Region | str | None) -> Region:
    """The district of a row being changed, or the one a new row goes to."""
    if current is not None:
        found: Region = current.region
        return found
    return _district(actor, region)


def _district(actor: User | None, region: Region | str | None) -> Region:
    if isinstance(region, Region):
        if region.level != Level.COUNTY:
            raise invalid("region", "district_unknown", f"“{region.name}”不是区县")
        return region
    return district_for(actor, region)


# --- References inside a district -----------------------------------------------------------------


def _ref(
    model: type[_M],
    district: Region,
    ref: Any,
    errors: list[FieldError],
    *,
    field: str,
    label: str,
    name: str = "name",
) -> _M | None:
    """A row of ``district`` given as the row, its pk or its name; an error (``<field>_unknown``)
    when it is not one of the district's."""
    if ref is None or ref == "":
        return None
    obj: Any
    if isinstance(ref, model):
        obj = ref
    elif isinstance(ref, int):
        obj = model._default_manager.filter(pk=ref).first()
    else:
        obj = model._default_manager.filter(region=district, **{name: str(ref).strip()}).first()
    if obj is None or obj.region_id != district.pk:
        errors.append(FieldError(field, f"{field}_unknown", f"{label}“{ref}”不是{district.name}的{label}"))
        return None
    return obj  # type: ignore[no-any-return]


def _in_district(region: Region | None, district: Region) -> bool:
    return region is not None and region.path.startswith(district.path)


def _township(
    district: Region, ref: Any, errors: list[FieldError], actor: User | None, field: str = "township"
) -> Region | None:
    if ref is None or ref == "":
        return None
    try:
        town = ref if isinstance(ref, Region) else Resolver(actor, district).township(str(ref), field=field)
    except ServiceError as exc:
        errors.extend(exc.errors)
        return None
    if town.level != Level.TOWNSHIP or not _in_district(town, district):
        errors.append(FieldError(field, "township_unknown", f"“{town.name}”不是{district.name}的镇街"))
        return None
    return town


def _user(
    district: Region, ref: Any, errors: list[FieldError], actor: User | None, field: str, label: str
) -> Any:
    from tiaodu.accounts.models import User

    if ref is None or ref == "":
        return None
    try:
        user = (
            ref
            if isinstance(ref, User)
            else Resolver(actor, district).user(str(ref), field=field, label=label)
        )
    except ServiceError as exc:
        errors.extend(exc.errors)
        return None
    home = user.region or (user.organization.region if user.organization else None)
    if not _in_district(home, district):
        errors.append(
            FieldError(
                field, f"{field}_outside_district", f"{label}“{user.display_name}”不是{district.name}的用户"
            )
        )
        return None
    return user


def _text(
    values: dict[str, Any],
    field: str,
    label: str,
    limit: int,
    errors: list[FieldError],
    *,
    required: bool = False,
) -> str:
    text = str(values.get(field) or "").strip()
    if required and not text:
        errors.append(FieldError(field, "required", f"{label}不能为空"))
    elif len(text) > limit:
        errors.append(FieldError(field, "too_long", f"{label}不能超过{limit}个字符"))
    return text


def _choice(
    values: dict[str, Any], field: str, label: str, choices: Any, default: str, errors: list[FieldError]
) -> str:
    """A choice given as its code or its label (导入和表单都可)."""
    raw = str(values.get(field) or default).strip()
    if raw in choices.values:
        return raw
    by_label = {str(lbl): code for code, lbl in choices.choices}
    if raw in by_label:
        return str(by_label[raw])
    errors.append(FieldError(field, "invalid_choice", f"{label}“{raw}”不是可选值"))
    return default


def _decimal(
    values: dict[str, Any], field: str, label: str, errors: list[FieldError], limit: Decimal
) -> Decimal | None:
    raw = values.get(field)
    if raw is None or raw == "":
        return None
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw))
    except (InvalidOperation, ValueError):
        errors.append(FieldError(field, "number_invalid", f"{label}应为数字"))
        return None
    if not value.is_finite():
        errors.append(FieldError(field, "number_invalid", f"{label}应为数字"))
    elif value < 0:
        errors.append(FieldError(field, "negative_amount", f"{label}不能为负数"))
    elif value > limit:
        errors.append(FieldError(field, "number_too_large", f"{label}超出范围"))
    else:
        return value
    return None


_INDUSTRY = re.compile(r"^(?:[A-T]|[A-T]?\d{2,4})$")


def industry_code(raw: str, field: str = "industry_code") -> str:
    """A GB/T 4754-2017 code: a 门类 letter (A–T) or a 2–4 digit 大类/中类/小类 code, which may
    carry its 门类 letter in front (C39)."""
    code = (raw or "").strip().upper()
    if code and not _INDUSTRY.match(code):
        raise invalid(
            field, "industry_code_invalid", f"行业代码“{raw}”应为 GB/T 4754-2017 的门类字母或2至4位数字"
        )
    return code


def _keep(values: dict[str, Any], fields: Iterable[str], current: models.Model | None) -> dict[str, Any]:
    """The values a row would have after saving: the given ones over the row's current ones."""
    if current is None:
        return dict(values)
    return {f: getattr(current, f) for f in fields} | values


def _unknown(values: dict[str, Any], allowed: Iterable[str]) -> None:
    extra = sorted(set(values) - set(allowed))
    if extra:
        raise invalid(extra[0], "field_unknown", f"未知字段:{'、'.join(extra)}")


def _load(model: type[_M], actor: User | None, pk: int) -> _M:
    if actor is None:
        found = model._default_manager.select_for_update().filter(pk=pk).first()
        if found is None:
            raise NotFound()
        return found
    return get_row(model, actor, "change", pk=pk)


def _taken(model: type[_M], district: Region, current: Any, **lookup: Any) -> _M | None:
    """Another row of ``district`` with these values (for the "already taken" checks)."""
    qs = model._default_manager.filter(region=district, **lookup)
    return (qs.exclude(pk=current.pk) if current is not None else qs).first()


def _saved(actor: User | None, obj: models.Model, created: bool) -> None:
    ensure_row(actor, "add" if created else "change", obj)


# --- 企业库: target companies ----------------------------------------------------------------------

TARGET_FIELDS = (
    "investor_name",
    "investor_credit_code",
    "kind",
    "home_region",
    "chain",
    "industry_code",
    "description",
    "team",
)


@transaction.atomic
def save_target(
    actor: User | None, pk: int | None = None, *, region: Region | str | None = None, **values: Any
) -> TargetCompany:
    """Add (``pk`` None) or change a target company. ``home_region`` is a province/city/district
    (code or name), ``chain`` and ``team`` the district's (row, pk or name). A target that is
    already registered in the district (same credit code or name) is linked to the registry."""
    _unknown(values, TARGET_FIELDS)
    current = _load(TargetCompany, actor, pk) if pk is not None else None
    district = _home(current, actor, region)
    data = _keep(values, TARGET_FIELDS, current)
    errors: list[FieldError] = []
    name = _text(data, "investor_name", "企业名称", 128, errors, required=True)
    code = str(data.get("investor_credit_code") or "").strip()
    if code:
        try:
            code = credit_code(code, "investor_credit_code")
        except InvalidInput as exc:
            errors.extend(exc.errors)
    kind = _choice(data, "kind", "类别", TargetKind, TargetKind.OTHER, errors)
    home = data.get("home_region")
    if home not in (None, "") and not isinstance(home, Region):
        try:
            home = Resolver(actor, district).region(
                str(home),
                levels=(Level.PROVINCE, Level.CITY, Level.COUNTY),
                field="home_region",
                label="总部所在地",
            )
        except ServiceError as exc:
            errors.extend(exc.errors)
            home = None
    chain = _ref(IndustryChain, district, data.get("chain"), errors, field="chain", label="产业链")
    team = _ref(Team, district, data.get("team"), errors, field="team", label="招商组")
    try:
        industry = industry_code(str(data.get("industry_code") or ""))
    except InvalidInput as exc:
        errors.extend(exc.errors)
        industry = ""
    description = str(data.get("description") or "").strip()
    if name and _taken(TargetCompany, district, current, investor_name=name):
        errors.append(FieldError("investor_name", "target_name_taken", f"{district.name}企业库已有“{name}”"))
    if code:
        other = _taken(TargetCompany, district, current, investor_credit_code=code)
        if other is not None:
            errors.append(
                FieldError(
                    "investor_credit_code",
                    "target_credit_code_taken",
                    f"统一社会信用代码“{code}”已登记为“{other.investor_name}”",
                )
            )
    if errors:
        raise InvalidInput(errors)
    target = current or TargetCompany(region=district)
    target.investor_name, target.investor_credit_code, target.kind = name, code, kind
    target.investor_key = normalise(name)
    target.home_region, target.chain, target.team = home or None, chain, team
    target.industry_code, target.description = industry, description
    target.save()
    _saved(actor, target, current is None)
    if target.enterprise_id is None:
        link_registered(district, [target.pk])
        target.refresh_from_db(fields=["enterprise"])
    return target


@transaction.atomic
def delete_target(actor: User | None, pk: int) -> None:
    target = _load(TargetCompany, actor, pk)
    target.delete()


def link_registered(district: Region, only: Sequence[int] | None = None) -> int:
    """Link the district's target companies that have registered here to the enterprise registry:
    by 统一社会信用代码 first, then by normalised name (only when one enterprise of the district
    has that key). Set-based: two queries and one update. Returns how many were linked."""
    from tiaodu.enterprises.models import Enterprise

    targets = TargetCompany.objects.filter(region=district, enterprise__isnull=True)
    if only is not None:
        targets = targets.filter(pk__in=only)
    pending = list(targets.only("pk", "investor_name", "investor_key", "investor_credit_code"))
    if not pending:
        return 0
    registry = Enterprise.objects.filter(township__path__startswith=district.path)
    codes = {t.investor_credit_code for t in pending if t.investor_credit_code}
    by_code = dict(registry.filter(credit_code__in=codes).values_list("credit_code", "pk")) if codes else {}
    places = place_names()
    by_key: dict[str, int | None] = {}
    for pk, name in registry.values_list("pk", "name"):
        key = normalise(name, places)
        if key:
            by_key[key] = None if key in by_key else pk  # two enterprises with one key: no guess
    linked: list[TargetCompany] = []
    for target in pending:
        found = by_code.get(target.investor_credit_code) if target.investor_credit_code else None
        if found is None:
            found = by_key.get(target.investor_key or normalise(target.investor_name, places))
        if found is not None:
            target.enterprise_id = found
            linked.append(target)
    TargetCompany.objects.bulk_update(linked, ["enterprise"])
    return len(linked)


@transaction.atomic
def link_targets(actor: User | None, district: Region) -> int:
    """:func:`link_registered` for a user who keeps the district's 企业库."""
    if actor is not None and not can_keep(actor, TargetCompany, district):
        raise Forbidden(audit=f"change investment.targetcompany region={district.code}")
    return link_registered(district)


# --- 资源库: land parcels and standard factory buildings -----------------------------------------

RESOURCE_FIELDS = (
    "kind",
    "name",
    "township",
    "location",
    "longitude",
    "latitude",
    "area_mu",
    "floor_area",
    "price",
    "price_unit",
    "zoning",
    "available_from",
    "status",
    "project",
    "notes",
)
MAX_AREA = Decimal("99999999.99")
MAX_PRICE = Decimal("9999999999.99")


def check_location(
    district: Region, township: Region | None, longitude: Any, latitude: Any
) -> list[FieldError]:
    """Coordinates as the key projects check them: both or neither, in China, inside the district's
    official outline (the township's district when one is given)."""
    from tiaodu.projects.services import validate_coordinates, validate_in_district

    errors = validate_coordinates(longitude, latitude)
    if errors or longitude is None:
        return errors
    outside = validate_in_district(township or district, longitude, latitude)
    return [
        FieldError(e.field, e.code, f"坐标({longitude}, {latitude})不在{district.name}范围内")
        for e in outside
    ]


def _coordinate(values: dict[str, Any], field: str, label: str, errors: list[FieldError]) -> Decimal | None:
    raw = values.get(field)
    if raw is None or raw == "":
        return None
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw))
    except (InvalidOperation, ValueError):
        errors.append(FieldError(field, "number_invalid", f"{label}应为数字"))
        return None
    if not value.is_finite():
        errors.append(FieldError(field, "number_invalid", f"{label}应为数字"))
        return None
    return value.quantize(Decimal("0.000001"))


@transaction.atomic
def save_resource(
    actor: User | None, pk: int | None = None, *, region: Region | str | None = None, **values: Any
) -> Resource:
    """Add or change a land parcel or factory building on offer (资源库)."""
    _unknown(values, RESOURCE_FIELDS)
    current = _load(Resource, actor, pk) if pk is not None else None
    district = _home(current, actor, region)
    data = _keep(values, RESOURCE_FIELDS, current)
    errors: list[FieldError] = []
    kind = _choice(data, "kind", "类型", ResourceKind, "", errors) if data.get("kind") else ""
    if not kind and not any(e.field == "kind" for e in errors):
        errors.append(FieldError("kind", "required", "请选择资源类型(土地或标准厂房)"))
    name = _text(data, "name", "名称/地块编号", 128, errors, required=True)
    township = _township(district, data.get("township"), errors, actor)
    location = _text(data, "location", "位置", 255, errors)
    lon = _coordinate(data, "longitude", "经度", errors)
    lat = _coordinate(data, "latitude", "纬度", errors)
    if not any(e.field in ("longitude", "latitude") for e in errors):
        errors.extend(check_location(district, township, lon, lat))
    area = _decimal(data, "area_mu", "面积(亩)", errors, MAX_AREA)
    floor = _decimal(data, "floor_area", "建筑面积(平方米)", errors, Decimal("9999999999.99"))
    price = _decimal(data, "price", "价格", errors, MAX_PRICE)
    unit = _text(data, "price_unit", "价格单位", 16, errors)
    if price is not None and not unit:
        errors.append(FieldError("price_unit", "required", "填写价格时须注明价格单位,如 万元/亩"))
    zoning = _text(data, "zoning", "用地性质/规划用途", 64, errors)
    available = data.get("available_from")
    if available not in (None, "") and not isinstance(available, date):
        errors.append(FieldError("available_from", "date_invalid", "可供日期格式应为 YYYY-MM-DD"))
        available = None
    status = _choice(data, "status", "状态", ResourceStatus, ResourceStatus.AVAILABLE, errors)
    project = _ref(
        InvestmentProject, district, data.get("project"), errors, field="project", label="招商项目"
    )
    if kind == ResourceKind.LAND and area is None:
        errors.append(FieldError("area_mu", "required", "土地资源须填写面积(亩)"))
    if kind == ResourceKind.FACTORY and floor is None and area is None:
        errors.append(FieldError("floor_area", "required", "标准厂房须填写建筑面积(平方米)"))
    if name and _taken(Resource, district, current, name=name):
        errors.append(FieldError("name", "resource_name_taken", f"{district.name}资源库已有“{name}”"))
    if errors:
        raise InvalidInput(errors)
    resource = current or Resource(region=district)
    resource.kind, resource.name, resource.township, resource.location = kind, name, township, location
    resource.longitude, resource.latitude, resource.area_mu, resource.floor_area = lon, lat, area, floor
    resource.price, resource.price_unit, resource.zoning = price, unit, zoning
    resource.available_from, resource.status, resource.project = available or None, status, project
    resource.notes = str(data.get("notes") or "").strip()
    resource.save()
    _saved(actor, resource, current is None)
    return resource


@transaction.atomic
def delete_resource(actor: User | None, pk: int) -> None:
    _load(Resource, actor, pk).delete()


# --- 政策库: policies and their clauses ------------------------------------------------------------

POLICY_FIELDS = (
    "title",
    "issuer",
    "doc_number",
    "issued_on",
    "valid_from",
    "valid_until",
    "industries",
    "industry_codes",
    "sizes",
    "summary",
    "is_active",
    "clauses",
)
SIZE_LABELS = {str(label): code for code, label in EnterpriseSize.choices}


def _codes(raw: Any) -> list[str]:
    """A list given as a list or as text separated by commas, 、 or spaces."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        return [p for p in re.split(r"[\s,,、;;]+", raw) if p]
    return [str(p).strip() for p in raw if str(p).strip()]


def _sizes(raw: Any, errors: list[FieldError]) -> list[str]:
    sizes: list[str] = []
    for item in _codes(raw):
        code = item if item in EnterpriseSize.values else SIZE_LABELS.get(item)
        if code is None:
            errors.append(
                FieldError("sizes", "size_unknown", f"企业规模“{item}”不是可选值(大型、中型、小型、微型)")
            )
        elif code not in sizes:
            sizes.append(code)
    return [s for s in EnterpriseSize.values if s in sizes]  # the choices' order


def _clauses(raw: Any, errors: list[FieldError]) -> list[tuple[str, str]]:
    """Clauses as (number, text) pairs or dicts with ``number`` and ``text``."""
    out: list[tuple[str, str]] = []
    for i, item in enumerate(raw or [], 1):
        if isinstance(item, dict):
            number, text = str(item.get("number") or "").strip(), str(item.get("text") or "").strip()
        else:
            number, text = (str(part or "").strip() for part in item)
        if not number:
            number = f"第{i}条"
        if not text:
            errors.append(FieldError("clauses", "clause_text_required", f"条款“{number}”内容不能为空"))
        elif len(number) > 16:
            errors.append(FieldError("clauses", "too_long", f"条款号“{number}”不能超过16个字符"))
        else:
            out.append((number, text))
    return out


def _date(values: dict[str, Any], field: str, label: str, errors: list[FieldError]) -> date | None:
    value = values.get(field)
    if value in (None, ""):
        return None
    if not isinstance(value, date):
        errors.append(FieldError(field, "date_invalid", f"{label}格式应为 YYYY-MM-DD"))
        return None
    return value


@transaction.atomic
def save_policy(
    actor: User | None, pk: int | None = None, *, region: Region | str | None = None, **values: Any
) -> Policy:
    """Add or change a policy of the district's library. ``industries``: the district's chains
    (rows, pks or names); ``industry_codes``: GB/T 4754 门类/大类 codes; ``sizes``: codes or
    labels of :class:`EnterpriseSize`; ``clauses`` (when given) replace the policy's clauses."""
    _unknown(values, POLICY_FIELDS)
    current = _load(Policy, actor, pk) if pk is not None else None
    district = _home(current, actor, region)
    fields = [f for f in POLICY_FIELDS if f not in ("industries", "clauses")]
    data = _keep(values, fields, current)
    errors: list[FieldError] = []
    title = _text(data, "title", "政策名称", 255, errors, required=True)
    issuer = _text(data, "issuer", "发文机关", 128, errors, required=True)
    number = _text(data, "doc_number", "文号", 64, errors)
    issued = _date(data, "issued_on", "发文日期", errors)
    start = _date(data, "valid_from", "有效期起", errors)
    until = _date(data, "valid_until", "有效期止", errors)
    if issued is not None and issued > timezone.localdate():
        errors.append(FieldError("issued_on", "date_in_future", "发文日期不能晚于今天"))
    if start is not None and until is not None and start > until:
        errors.append(
            FieldError(
                "valid_until",
                "valid_period_order",
                f"有效期止({until:%Y-%m-%d})早于有效期起({start:%Y-%m-%d})",
            )
        )
    if "industries" in values or current is None:
        chains: list[IndustryChain] | None = []
        for ref in values.get("industries") or []:
            found = _ref(IndustryChain, district, ref, errors, field="industries", label="产业链")
            if found is not None and found not in chains:  # type: ignore[operator]
                chains.append(found)  # type: ignore[union-attr]
    else:
        chains = None
    codes: list[str] = []
    for item in _codes(data.get("industry_codes")):
        try:
            code = industry_code(item, "industry_codes")
        except InvalidInput as exc:
            errors.extend(exc.errors)
            continue
        if len(code) > 1 and code[0].isalpha():
            code = code[1:]  # C39 is 39: the division names its section
        if code not in codes:
            codes.append(code)
    if len(",".join(codes)) > 255:
        errors.append(FieldError("industry_codes", "too_long", "适用行业代码过多"))
    sizes = _sizes(data.get("sizes"), errors)
    clauses = _clauses(values["clauses"], errors) if "clauses" in values else None
    if number:
        other = _taken(Policy, district, current, doc_number=number)
        if other is not None:
            errors.append(
                FieldError(
                    "doc_number",
                    "doc_number_taken",
                    f"{district.name}政策库已有文号为“{number}”的政策:{other.title}",
                )
            )
    if errors:
        raise InvalidInput(errors)
    policy = current or Policy(region=district)
    policy.title, policy.issuer, policy.doc_number = title, issuer, number
    policy.issued_on, policy.valid_from, policy.valid_until = issued, start, until
    policy.industry_codes, policy.sizes = ",".join(codes), sizes
    policy.summary = str(data.get("summary") or "").strip()
    policy.is_active = bool(data.get("is_active", True))
    policy.save()
    if chains is not None:
        policy.industries.set(chains)
    if clauses is not None:
        policy.clauses.all().delete()
        PolicyClause.objects.bulk_create(
            PolicyClause(policy=policy, number=n, text=t, order=i) for i, (n, t) in enumerate(clauses, 1)
        )
    _saved(actor, policy, current is None)
    return policy


@transaction.atomic
def delete_policy(actor: User | None, pk: int) -> None:
    policy = _load(Policy, actor, pk)
    if policy.service_records.exists():  # type: ignore[attr-defined]
        raise Conflict("policy_in_use", f"政策“{policy.title}”已被政策兑现服务记录引用,不能删除,可标记为失效")
    policy.delete()


def valid_on(day: date) -> Q:
    """Policies in force on ``day``: active, started (or no start) and not expired."""
    return (
        Q(is_active=True)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))
    )


def industry_tokens(code: str) -> list[str]:
    """The codes a policy may name to cover ``code``: "3911" → C, 39, 391, 3911."""
    code = industry_code(code)
    if len(code) > 1 and code[0].isalpha():
        code = code[1:]
    if not code or code.isalpha():
        return [code] if code else []
    division = int(code[:2])
    section = section_of_division(division)
    return ([section] if section else []) + [code[:n] for n in range(2, len(code) + 1)]


def applies_to_industry(code: str) -> Q:
    tokens = industry_tokens(code)
    if not tokens:
        return Q()
    pattern = r"(^|,)(" + "|".join(tokens) + r")(,|$)"
    return Q(industry_codes="") | Q(industry_codes__regex=pattern)


def applies_to_chain(chain: IndustryChain) -> Q:
    """Policies for any industry, for the chain, its key industry or (for a key industry) its chains."""
    ids = {chain.pk, *IndustryChain.objects.filter(parent=chain).values_list("pk", flat=True)}
    if chain.parent_id:
        ids.add(chain.parent_id)
    general = ~Q(pk__in=Policy.industries.through.objects.values("policy_id"))
    return general | Q(
        pk__in=Policy.industries.through.objects.filter(industrychain_id__in=ids).values("policy_id")
    )


def applies_to_size(queryset: QuerySet[Policy], size: str) -> QuerySet[Policy]:
    """Policies for every size (``sizes`` empty) or naming ``size``; works on SQLite and PostgreSQL
    (the JSON list compared as text)."""
    if size not in EnterpriseSize.values:
        raise invalid("size", "size_unknown", f"企业规模“{size}”不是可选值")
    annotated = queryset.annotate(sizes_text=Cast("sizes", CharField()))
    return annotated.filter(Q(sizes_text="[]") | Q(sizes_text__contains=f'"{size}"'))


def text_match(text: str) -> Q:
    """Title, document number, issuer, summary or any clause contains ``text``."""
    text = text.strip()
    if not text:
        return Q()
    in_clauses = PolicyClause.objects.filter(text__contains=text).values("policy_id")
    return (
        Q(title__contains=text)
        | Q(doc_number__contains=text)
        | Q(issuer__contains=text)
        | Q(summary__contains=text)
        | Q(pk__in=in_clauses)
    )


def search_policies(
    queryset: QuerySet[Policy],
    *,
    q: str = "",
    chain: IndustryChain | None = None,
    industry: str = "",
    size: str = "",
    on: date | None = None,
) -> QuerySet[Policy]:
    """The policies of ``queryset`` that match every criterion given, e.g. those valid today for
    小型 enterprises of chain X: ``search_policies(qs, chain=x, size="small", on=today)``."""
    queryset = queryset.filter(text_match(q)) if q else queryset
    if chain is not None:
        queryset = queryset.filter(applies_to_chain(chain))
    if industry:
        queryset = queryset.filter(applies_to_industry(industry))
    if size:
        queryset = applies_to_size(queryset, size)
    if on is not None:
        queryset = queryset.filter(valid_on(on))
    return queryset


def policy_choices(district: Region | None, on: date | None = None) -> QuerySet[Policy]:
    """The policies a 政策兑现 record may cite: the district's, in force on ``on`` (default today)."""
    if district is None:
        return Policy.objects.none()
    return Policy.objects.filter(valid_on(on or timezone.localdate()), region=district).order_by(
        "-issued_on", "title", "pk"
    )


# --- Settings of a district: chains, focus areas, teams, pipeline rules ----------------------------

CHAIN_FIELDS = ("name", "parent", "chain_leader", "chain_leader_name", "order", "is_active")


@transaction.atomic
def save_chain(
    actor: User | None, pk: int | None = None, *, region: Region | str | None = None, **values: Any
) -> IndustryChain:
    """A key industry (no ``parent``) or one of its chains, with its 产业链长."""
    _unknown(values, CHAIN_FIELDS)
    current = _load(IndustryChain, actor, pk) if pk is not None else None
    district = _home(current, actor, region)
    data = _keep(values, CHAIN_FIELDS, current)
    errors: list[FieldError] = []
    name = _text(data, "name", "名称", 64, errors, required=True)
    parent = _ref(IndustryChain, district, data.get("parent"), errors, field="parent", label="重点产业")
    if parent is not None:
        if parent.parent_id is not None or (current is not None and parent.pk == current.pk):
            errors.append(
                FieldError("parent", "chain_parent_invalid", f"“{parent.name}”不是重点产业,不能作为上级")
            )
        elif current is not None and current.chains.exists():  # type: ignore[attr-defined]
            errors.append(
                FieldError(
                    "parent", "chain_parent_invalid", f"“{current.name}”下已有产业链,不能再归入其他产业"
                )
            )
    leader = _user(district, data.get("chain_leader"), errors, actor, "chain_leader", "产业链长")
    leader_name = _text(data, "chain_leader_name", "产业链长(姓名职务)", 64, errors)
    order = _small(data.get("order"), "order", "排序", errors)
    if name and _taken(IndustryChain, district, current, name=name):
        errors.append(FieldError("name", "chain_name_taken", f"{district.name}已有产业(链)“{name}”"))
    if errors:
        raise InvalidInput(errors)
    chain = current or IndustryChain(region=district)
    chain.name, chain.parent, chain.chain_leader, chain.chain_leader_name = name, parent, leader, leader_name
    chain.order, chain.is_active = order, bool(data.get("is_active", True))
    chain.save()
    _saved(actor, chain, current is None)
    return chain


def _small(
    raw: Any, field: str, label: str, errors: list[FieldError], low: int = 0, high: int = 32767
) -> int:
    if raw in (None, ""):
        return low
    try:
        value = int(raw)
    except (TypeError, ValueError):
        errors.append(FieldError(field, "number_invalid", f"{label}应为整数"))
        return low
    if not low <= value <= high:
        errors.append(FieldError(field, "number_out_of_range", f"{label}应在{low}至{high}之间"))
    return value


_REGION_CODE = re.compile(r"^\d{2}(\d{2})00$")


def check_region_code(code: str) -> FieldError | None:
    """A province or city code (6 digits ending in 00): checked against the region table when that
    province is loaded, else by its form only."""
    if not _REGION_CODE.match(code) or code.startswith("00"):
        return FieldError(
            "region_codes", "region_code_invalid", f"地区代码“{code}”应为6位省级或地市级区划代码"
        )
    loaded = Region.objects.filter(code__startswith=code[:2], level=Level.PROVINCE).exists()
    if loaded and not Region.objects.filter(code=code, level__in=(Level.PROVINCE, Level.CITY)).exists():
        return FieldError("region_codes", "region_code_unknown", f"地区代码“{code}”不是省级或地市级区划")
    return None


AREA_FIELDS = ("name", "region_codes", "order")


@transaction.atomic
def save_focus_area(
    actor: User | None, pk: int | None = None, *, region: Region | str | None = None, **values: Any
) -> FocusArea:
    """A 重点区域: a named group of province/city codes."""
    _unknown(values, AREA_FIELDS)
    current = _load(FocusArea, actor, pk) if pk is not None else None
    district = _home(current, actor, region)
    data = _keep(values, AREA_FIELDS, current)
    errors: list[FieldError] = []
    name = _text(data, "name", "名称", 32, errors, required=True)
    codes: list[str] = []
    for code in _codes(data.get("region_codes")):
        problem = check_region_code(code)
        if problem is not None:
            errors.append(problem)
        elif code not in codes:
            codes.append(code)
    if not codes and not any(e.field == "region_codes" for e in errors):
        errors.append(FieldError("region_codes", "required", "请填写至少一个地区代码"))
    order = _small(data.get("order"), "order", "排序", errors)
    if name and _taken(FocusArea, district, current, name=name):
        errors.append(FieldError("name", "focus_area_name_taken", f"{district.name}已有重点区域“{name}”"))
    if errors:
        raise InvalidInput(errors)
    area = current or FocusArea(region=district)
    area.name, area.region_codes, area.order = name, codes, order
    area.save()
    _saved(actor, area, current is None)
    return area


TEAM_FIELDS = (
    "name",
    "kind",
    "township",
    "focus_area",
    "chain",
    "organization",
    "leader",
    "leader_name",
    "is_active",
)


@transaction.atomic
def save_team(
    actor: User | None, pk: int | None = None, *, region: Region | str | None = None, **values: Any
) -> Team:
    """A 招商组, 产业链专班 or 镇街招商小分队 (which needs its township)."""
    from tiaodu.orgs.models import Organization

    _unknown(values, TEAM_FIELDS)
    current = _load(Team, actor, pk) if pk is not None else None
    district = _home(current, actor, region)
    data = _keep(values, TEAM_FIELDS, current)
    errors: list[FieldError] = []
    name = _text(data, "name", "名称", 64, errors, required=True)
    kind = _choice(data, "kind", "类型", TeamKind, "", errors) if data.get("kind") else ""
    if not kind and not any(e.field == "kind" for e in errors):
        errors.append(FieldError("kind", "required", "请选择招商组类型"))
    township = _township(district, data.get("township"), errors, actor)
    if kind == TeamKind.TOWN and township is None and not any(e.field == "township" for e in errors):
        errors.append(FieldError("township", "township_required", "镇街招商小分队须填写所属镇街"))
    area = _ref(FocusArea, district, data.get("focus_area"), errors, field="focus_area", label="重点区域")
    chain = _ref(IndustryChain, district, data.get("chain"), errors, field="chain", label="产业链")
    org_ref = data.get("organization")
    org = None
    if org_ref not in (None, ""):
        try:
            org = (
                org_ref
                if isinstance(org_ref, Organization)
                else Organization.objects.filter(pk=org_ref).first()
                if isinstance(org_ref, int)
                else Resolver(actor, district).organization(
                    str(org_ref), field="organization", label="对应专班/单位"
                )
            )
        except ServiceError as exc:
            errors.extend(exc.errors)
        if org is not None and not _in_district(org.region, district):
            errors.append(
                FieldError("organization", "organization_unknown", f"“{org.name}”不是{district.name}的单位")
            )
            org = None
        elif org is None and not any(e.field == "organization" for e in errors):
            errors.append(FieldError("organization", "organization_unknown", f"单位“{org_ref}”不存在"))
    leader = _user(district, data.get("leader"), errors, actor, "leader", "组长")
    leader_name = _text(data, "leader_name", "组长(姓名职务)", 64, errors)
    if name and _taken(Team, district, current, name=name):
        errors.append(FieldError("name", "team_name_taken", f"{district.name}已有招商组“{name}”"))
    if errors:
        raise InvalidInput(errors)
    team = current or Team(region=district)
    team.name, team.kind, team.township, team.focus_area, team.chain = name, kind, township, area, chain
    team.organization, team.leader, team.leader_name = org, leader, leader_name
    team.is_active = bool(data.get("is_active", True))
    team.save()
    _saved(actor, team, current is None)
    return team


@transaction.atomic
def delete_team(actor: User | None, pk: int) -> None:
    """Remove a team that no project names (otherwise: deactivate it)."""
    team = _load(Team, actor, pk)
    if team.projects.exists():  # type: ignore[attr-defined]
        raise Conflict("team_in_use", f"招商组“{team.name}”负责的项目尚在库中,不能删除,可设为停用")
    team.delete()


# Stages a follow-up period may be set for (not the terminal ones).
FOLLOW_UP_STAGES = [str(s) for s in Stage.values if s not in (Stage.PRODUCING, Stage.TERMINATED)]


@transaction.atomic
def save_pipeline_settings(actor: User | None, district: Region, **values: Any) -> PipelineSettings:
    """The district's follow-up days (overall and per stage), months after signing before a
    not-started card, and the forecast's default signing probabilities per stage."""
    allowed = ("follow_up_days", "follow_up_days_by_stage", "not_started_months", "default_probabilities")
    _unknown(values, allowed)
    ensure_defaults(district)
    row = (
        _load(PipelineSettings, actor, PipelineSettings.objects.get(region=district).pk)
        if actor is not None
        else PipelineSettings.objects.select_for_update().get(region=district)
    )
    data = _keep(values, allowed, row)
    errors: list[FieldError] = []
    days = _small(data.get("follow_up_days"), "follow_up_days", "未跟进挂牌天数", errors, 1, 365)
    months = _small(
        data.get("not_started_months"), "not_started_months", "签约后未开工挂牌月数", errors, 1, 60
    )
    by_stage: dict[str, int] = {}
    for stage, value in dict(data.get("follow_up_days_by_stage") or {}).items():
        if stage not in FOLLOW_UP_STAGES:
            errors.append(
                FieldError("follow_up_days_by_stage", "stage_unknown", f"阶段“{stage}”不能设置未跟进天数")
            )
            continue
        by_stage[stage] = _small(
            value, "follow_up_days_by_stage", f"{Stage(stage).label}未跟进天数", errors, 1, 365
        )
    probabilities: dict[str, float] = {}
    for stage, value in dict(data.get("default_probabilities") or {}).items():
        if stage not in [str(s) for s in OPEN_STAGES]:
            errors.append(
                FieldError("default_probabilities", "stage_unknown", f"阶段“{stage}”不能设置签约概率")
            )
            continue
        try:
            probability = float(value)
        except (TypeError, ValueError):
            errors.append(
                FieldError("default_probabilities", "number_invalid", f"{Stage(stage).label}签约概率应为数字")
            )
            continue
        if not 0 <= probability <= 1:
            errors.append(
                FieldError(
                    "default_probabilities",
                    "probability_out_of_range",
                    f"{Stage(stage).label}签约概率应在0至1之间",
                )
            )
            continue
        probabilities[stage] = probability
    if errors:
        raise InvalidInput(errors)
    row.follow_up_days, row.not_started_months = days, months
    row.follow_up_days_by_stage, row.default_probabilities = by_stage, probabilities
    row.save()
    _saved(actor, row, False)
    return row


def settings_of(district: Region) -> dict[str, Any]:
    """Everything the settings page lists for a district (defaults seeded first)."""
    pipeline = ensure_defaults(district)
    return {
        "pipeline": pipeline,
        "chains": IndustryChain.objects.filter(region=district).select_related("parent", "chain_leader"),
        "areas": FocusArea.objects.filter(region=district),
        "teams": Team.objects.filter(region=district).select_related(
            "township", "focus_area", "chain", "organization", "leader"
        ),
    }


# --- 政策兑现: a service record citing a policy ---------------------------------------------------


def enterprise_district(enterprise: Any) -> Region:
    found: Region = district_of(enterprise.township)
    return found


def check_service_policy(enterprise: Any, kind: str, served_on: date | None, ref: Any) -> Policy | None:
    """The policy a service record of ``enterprise`` cites (row or pk), checked: only a 政策兑现
    record cites one, of the enterprise's district, in force on the service date."""
    from tiaodu.enterprises.choices import ServiceKind

    if ref is None or ref == "":
        return None
    if kind != ServiceKind.POLICY:
        raise invalid("policy", "policy_not_allowed", "只有“政策兑现”服务才能关联政策")
    district = enterprise_district(enterprise)
    policy = ref if isinstance(ref, Policy) else Policy.objects.filter(pk=ref).first()
    if policy is None or policy.region_id != district.pk:
        raise invalid("policy", "policy_unknown", f"政策不在{district.name}政策库中")
    day = served_on or timezone.localdate()
    if not Policy.objects.filter(valid_on(day), pk=policy.pk).exists():
        raise invalid("policy", "policy_not_valid", f"政策“{policy.title}”在{day:%Y-%m-%d}不在有效期内")
    return policy
