"""Campaigns (专项行动), joint teams (联合检查组) and inspectors (执法人员) of a district.

Every function takes the acting user (``None`` = the server operator), runs in one transaction,
validates everything before writing (all errors at once, each with a stable code) and re-checks
the user's scope on the saved row. Rows of another district are refused as unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction

from tiaodu.accounts.choices import Role
from tiaodu.core.errors import FieldError, InvalidInput, invalid
from tiaodu.core.permissions import ensure_permitted, get_scoped
from tiaodu.core.resolve import actor_district
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region
from tiaodu.safety.models import Campaign, Inspector, JointTeam, Sector

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

CAMPAIGN_FIELDS = ("name", "starts_on", "ends_on", "sectors", "lead_department", "departments", "description")
TEAM_FIELDS = ("name", "campaign", "lead_org", "organizations", "note", "is_active")
INSPECTOR_FIELDS = (
    "name",
    "organization",
    "user",
    "certificate_no",
    "certificate_valid_until",
    "related_units",
    "is_active",
)


# --- shared checks ---------------------------------------------------------------------------


def district_for(actor: Any, region: Region | None = None) -> Region:
    """The district a new row belongs to: the one given, else the actor's."""
    district = region or actor_district(actor)
    if district is None:
        raise invalid("region", "region_required", "请指定所属区县")
    return district


def _unknown_fields(values: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise invalid(unknown[0], "field_unknown", f"未知字段:{'、'.join(unknown)}")


def in_district(org: Organization, district: Region) -> bool:
    return bool(org.region.path.startswith(district.path))  # type: ignore[union-attr]


def check_org(
    errors: list[FieldError], field: str, label: str, org: Organization | None, district: Region
) -> None:
    if org is not None and not in_district(org, district):
        errors.append(FieldError(field, f"{field}_unknown", f"{label}“{org}”不属于{district.name}"))


def check_orgs(
    errors: list[FieldError], field: str, label: str, orgs: Iterable[Organization], district: Region
) -> None:
    for org in orgs:
        check_org(errors, field, label, org, district)


def check_sectors(errors: list[FieldError], sectors: Iterable[Sector], district: Region) -> None:
    for sector in sectors:
        if sector.region_id != district.pk:
            errors.append(FieldError("sectors", "sector_unknown", f"行业领域“{sector}”不属于{district.name}"))


def check_name(errors: list[FieldError], data: dict[str, Any], label: str, limit: int = 128) -> None:
    name = str(data.get("name") or "").strip()
    data["name"] = name
    if not name:
        errors.append(FieldError("name", "required", f"{label}不能为空"))
    elif len(name) > limit:
        errors.append(FieldError("name", "too_long", f"{label}不能超过{limit}个字符"))


def check_period(errors: list[FieldError], starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is None:
        errors.append(FieldError("starts_on", "required", "开始日期不能为空"))
    elif ends_on is not None and ends_on < starts_on:
        errors.append(FieldError("ends_on", "period_invalid", "结束日期不能早于开始日期"))


def _finish(actor: Any, obj: Any, action: str) -> None:
    if actor is not None:
        ensure_permitted(actor, action, obj)  # type: ignore[arg-type]


def _locked(model: Any, actor: Any, pk: int) -> Any:
    if actor is None:
        return model.objects.select_for_update().get(pk=pk)
    return get_scoped(model, actor, "change", pk=pk)


def _set_many(obj: Any, data: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in data:
            getattr(obj, name).set(list(data[name] or ()))


# --- campaigns --------------------------------------------------------------------------------


def _validate_campaign(data: dict[str, Any], district: Region) -> None:
    errors: list[FieldError] = []
    check_name(errors, data, "专项行动名称")
    check_period(errors, data.get("starts_on"), data.get("ends_on"))
    check_sectors(errors, data.get("sectors") or (), district)
    check_org(errors, "lead_department", "牵头部门", data.get("lead_department"), district)
    check_orgs(errors, "departments", "参与单位", data.get("departments") or (), district)
    name = data.get("name")
    if name and not errors:
        clash = Campaign.objects.filter(region=district, name=name)
        if data.get("pk"):
            clash = clash.exclude(pk=data["pk"])
        if clash.exists():
            errors.append(FieldError("name", "campaign_duplicate", f"专项行动“{name}”已存在"))
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def create_campaign(actor: User | None, *, region: Region | None = None, **values: Any) -> Campaign:
    """A 专项行动 of the actor's district (or ``region``): name, period, sectors, lead and participating
    departments, requirements."""
    _unknown_fields(values, CAMPAIGN_FIELDS)
    district = district_for(actor, region)
    data = dict(values)
    _validate_campaign(data, district)
    campaign = Campaign(
        region=district,
        name=data["name"],
        starts_on=data["starts_on"],
        ends_on=data.get("ends_on"),
        lead_department=data.get("lead_department"),
        description=(data.get("description") or "").strip(),
    )
    campaign.save()
    _set_many(campaign, data, ("sectors", "departments"))
    _finish(actor, campaign, "add")
    return campaign


@transaction.atomic
def update_campaign(actor: User | None, pk: int, **values: Any) -> Campaign:
    _unknown_fields(values, CAMPAIGN_FIELDS)
    campaign: Campaign = _locked(Campaign, actor, pk)
    district: Region = campaign.region  # type: ignore[assignment]
    data = {
        "name": campaign.name,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "lead_department": campaign.lead_department,
        **values,
        "pk": campaign.pk,
    }
    _validate_campaign(data, district)
    for name in ("name", "starts_on", "ends_on", "lead_department"):
        setattr(campaign, name, data[name])
    if "description" in values:
        campaign.description = (values["description"] or "").strip()
    campaign.save()
    _set_many(campaign, data, ("sectors", "departments"))
    _finish(actor, campaign, "change")
    return campaign


def campaign_by_name(district: Region, name: str) -> Campaign:
    """The district's campaign of that name (``campaign_unknown`` listing the district's campaigns)."""
    ref = (name or "").strip()
    found = Campaign.objects.filter(region=district, name=ref).first() if ref else None
    if found is None:
        known = list(Campaign.objects.filter(region=district).values_list("name", flat=True)[:10])
        hint = f",可选:{'、'.join(known)}" if known else ""
        raise invalid("campaign", "campaign_unknown", f"专项行动“{ref}”不存在{hint}")
    return found


# --- joint teams ------------------------------------------------------------------------------


def _validate_team(data: dict[str, Any], district: Region) -> None:
    errors: list[FieldError] = []
    check_name(errors, data, "检查组名称")
    campaign = data.get("campaign")
    if campaign is not None and campaign.region_id != district.pk:
        errors.append(
            FieldError("campaign", "campaign_unknown", f"专项行动“{campaign}”不属于{district.name}")
        )
    check_org(errors, "lead_org", "牵头单位", data.get("lead_org"), district)
    members = list(data.get("organizations") or ())
    check_orgs(errors, "organizations", "成员单位", members, district)
    lead = data.get("lead_org")
    if len({o.pk for o in members} | ({lead.pk} if lead is not None else set())) < 2:
        errors.append(FieldError("organizations", "team_too_small", "联合检查组至少由两个单位组成"))
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def create_team(actor: User | None, *, region: Region | None = None, **values: Any) -> JointTeam:
    """A 联合检查组 of departments, towns and utilities (at least two units, the lead included)."""
    _unknown_fields(values, TEAM_FIELDS)
    district = district_for(actor, region)
    data = dict(values)
    _validate_team(data, district)
    team = JointTeam(
        region=district,
        name=data["name"],
        campaign=data.get("campaign"),
        lead_org=data.get("lead_org"),
        note=(data.get("note") or "").strip()[:255],
        is_active=data.get("is_active", True),
    )
    team.save()
    _set_many(team, data, ("organizations",))
    _finish(actor, team, "add")
    return team


@transaction.atomic
def update_team(actor: User | None, pk: int, **values: Any) -> JointTeam:
    _unknown_fields(values, TEAM_FIELDS)
    team: JointTeam = _locked(JointTeam, actor, pk)
    district: Region = team.region  # type: ignore[assignment]
    data = {
        "name": team.name,
        "campaign": team.campaign,
        "lead_org": team.lead_org,
        "organizations": list(team.organizations.all()),
        **values,
    }
    _validate_team(data, district)
    for name in ("name", "campaign", "lead_org"):
        setattr(team, name, data[name])
    if "note" in values:
        team.note = (values["note"] or "").strip()[:255]
    if "is_active" in values:
        team.is_active = bool(values["is_active"])
    team.save()
    _set_many(team, data, ("organizations",))
    _finish(actor, team, "change")
    return team


# --- inspectors -------------------------------------------------------------------------------


def _own_org_only(actor: Any) -> int | None:
    """A department user keeps the inspectors of their own organisation only."""
    if actor is not None and actor.role == Role.DEPARTMENT and not actor.is_superuser:
        return int(actor.organization_id or 0)
    return None


def _validate_inspector(data: dict[str, Any], district: Region, actor: Any) -> None:
    errors: list[FieldError] = []
    check_name(errors, data, "姓名", 32)
    org = data.get("organization")
    if org is None:
        errors.append(FieldError("organization", "required", "所属部门不能为空"))
    else:
        check_org(errors, "organization", "所属部门", org, district)
        own = _own_org_only(actor)
        if own is not None and org.pk != own:
            errors.append(
                FieldError("organization", "organization_not_yours", "部门用户只能登记本部门的执法人员")
            )
    number = str(data.get("certificate_no") or "").strip()
    data["certificate_no"] = number
    if len(number) > 32:
        errors.append(FieldError("certificate_no", "too_long", "执法证号不能超过32个字符"))
    if data.get("certificate_valid_until") is not None and not number:
        errors.append(
            FieldError("certificate_no", "certificate_required", "填写执法证有效期时须填写执法证号")
        )
    for unit in data.get("related_units") or ():
        if unit.district_id != district.pk:
            errors.append(
                FieldError("related_units", "unit_unknown", f"回避单位“{unit}”不属于{district.name}")
            )
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def create_inspector(actor: User | None, *, region: Region | None = None, **values: Any) -> Inspector:
    """A 执法人员 of a department: 执法证 number and validity, the units to stay away from (回避)."""
    _unknown_fields(values, INSPECTOR_FIELDS)
    data = dict(values)
    org = data.get("organization")
    if region is None and org is not None:
        from tiaodu.core.resolve import district_of

        region = district_of(org.region)
    if region is None and actor is not None and _own_org_only(actor) is not None:
        data.setdefault("organization", actor.organization)
    district = district_for(actor, region)
    _validate_inspector(data, district, actor)
    inspector = Inspector(
        region=district,
        organization=data["organization"],
        user=data.get("user"),
        name=data["name"],
        certificate_no=data["certificate_no"],
        certificate_valid_until=data.get("certificate_valid_until"),
        is_active=data.get("is_active", True),
    )
    inspector.save()
    _set_many(inspector, data, ("related_units",))
    _finish(actor, inspector, "add")
    return inspector


@transaction.atomic
def update_inspector(actor: User | None, pk: int, **values: Any) -> Inspector:
    _unknown_fields(values, INSPECTOR_FIELDS)
    inspector: Inspector = _locked(Inspector, actor, pk)
    district: Region = inspector.region  # type: ignore[assignment]
    own = _own_org_only(actor)
    if own is not None and inspector.organization_id != own:
        raise invalid("organization", "organization_not_yours", "部门用户只能修改本部门的执法人员")
    data = {
        "name": inspector.name,
        "organization": inspector.organization,
        "user": inspector.user,
        "certificate_no": inspector.certificate_no,
        "certificate_valid_until": inspector.certificate_valid_until,
        "is_active": inspector.is_active,
        **values,
    }
    _validate_inspector(data, district, actor)
    for name in ("name", "organization", "user", "certificate_no", "certificate_valid_until", "is_active"):
        setattr(inspector, name, data[name])
    inspector.save()
    _set_many(inspector, data, ("related_units",))
    _finish(actor, inspector, "change")
    return inspector


def valid_inspectors(department: Organization, district: Region, on: date) -> Any:
    """The department's active inspectors holding a 执法证 valid on ``on`` (ordered by id)."""
    return (
        Inspector.objects.filter(
            region=district,
            organization=department,
            is_active=True,
            certificate_valid_until__gte=on,
        )
        .exclude(certificate_no="")
        .order_by("pk")
    )


def related_pairs(inspector_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(inspector id, unit id) of the 回避 relations of these inspectors, in one query."""
    through = Inspector.related_units.through
    rows = through.objects.filter(inspector_id__in=list(inspector_ids)).values_list("inspector_id", "unit_id")
    return sorted((int(i), int(u)) for i, u in rows)
