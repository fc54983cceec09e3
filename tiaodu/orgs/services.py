"""Creating and changing organisations, with the rules every caller shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q

from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, invalid
from tiaodu.core.permissions import can, ensure_permitted, get_scoped
from tiaodu.orgs.choices import TOWNSHIP_KINDS, OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.services import get_region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

EDITABLE = (
    "name",
    "short_name",
    "kind",
    "code",
    "region",
    "parent",
    "leader",
    "phone",
    "address",
    "is_active",
    "notes",
)


def resolve_org(ref: str | int) -> Organization:
    """An organisation by id, code or exact name (as typed on the command line)."""
    ref = str(ref).strip()
    query = Q(code=ref) | Q(name=ref) | Q(short_name=ref)
    if ref.isdigit():
        query |= Q(pk=int(ref))
    matches = list(Organization.objects.filter(query)[:2])
    if not matches:
        raise invalid("organization", "organization_unknown", f"单位“{ref}”不存在")
    if len(matches) > 1:
        raise invalid("organization", "organization_ambiguous", f"单位“{ref}”不唯一,请使用编号或机构代码")
    return matches[0]


def validate_organization(org: Organization) -> None:
    """The rules every organisation obeys (kind and region level, no cycle of parents, unique
    code, unique name per region and kind); raises InvalidInput or Conflict."""
    _validate(org)


def _validate(org: Organization) -> None:
    errors: list[FieldError] = []
    if not org.name.strip():
        errors.append(FieldError("name", "required", "名称不能为空"))
    if org.kind not in OrgKind.values:
        errors.append(FieldError("kind", "kind_invalid", f"类型“{org.kind}”不存在"))
    if org.kind in TOWNSHIP_KINDS and org.region.level != Level.TOWNSHIP:
        errors.append(FieldError("region", "region_level_mismatch", "镇街机构的所属地区必须是镇或街道"))
    if (
        org.kind in (OrgKind.DEPARTMENT, OrgKind.GOVERNMENT, OrgKind.SQUAD)
        and org.region.level > Level.COUNTY
    ):
        errors.append(
            FieldError("region", "region_level_mismatch", "区级部门、党政机关和专班的所属地区应为区县")
        )
    if org.parent_id is not None:
        # Walk up from the proposed parent: meeting the organisation itself means a cycle.
        seen: set[int] = set()
        node: Organization | None = org.parent
        while node is not None and node.pk not in seen:
            if org.pk is not None and node.pk == org.pk:
                errors.append(FieldError("parent", "organization_cycle", "上级机构不能是本机构或其下级机构"))
                break
            seen.add(node.pk)
            node = node.parent
    if errors:
        raise InvalidInput(errors)
    clash = Organization.objects.exclude(pk=org.pk)
    if org.code and clash.filter(code=org.code).exists():
        raise Conflict(
            "organization_code_taken",
            f"机构代码“{org.code}”已被使用",
            [FieldError("code", "organization_code_taken", "机构代码已存在")],
        )
    if clash.filter(region=org.region, kind=org.kind, name=org.name).exists():
        raise Conflict(
            "organization_name_taken",
            f"该地区已有同名{OrgKind(org.kind).label}“{org.name}”",
            [FieldError("name", "organization_name_taken", "同一地区已存在同名同类机构")],
        )


def _apply(org: Organization, data: dict[str, Any], actor: User | None = None) -> None:
    unknown = set(data) - set(EDITABLE) - {"region_code", "parent_id", "leader_id"}
    if unknown:
        raise invalid(sorted(unknown)[0], "field_unknown", "不能修改该字段")
    for name, value in data.items():
        if value is None and name not in ("parent_id", "leader_id", "parent", "leader"):
            raise invalid(name.removesuffix("_code"), "required", "此项不能为空")
    if "region_code" in data:
        data = {**data, "region": get_region(data.pop("region_code"))}
    if "parent_id" in data:
        parent_id = data.pop("parent_id")
        data["parent"] = _related(Organization, parent_id, "parent", "上级机构不存在", actor, org.parent_id)
    if "leader_id" in data:
        from tiaodu.accounts.models import User

        data["leader"] = _related(User, data.pop("leader_id"), "leader", "负责人不存在", actor, org.leader_id)
    for name, value in data.items():
        setattr(org, name, value.strip() if isinstance(value, str) else value)


def _related(model: Any, pk: Any, field: str, message: str, actor: Any = None, current: Any = None) -> Any:
    """A related row by id, looked up through the actor's scope (an unchanged link is kept)."""
    if pk in (None, ""):
        return None
    qs = model.objects.all() if actor is None or pk == current else model.objects.restrict(actor)
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise invalid(field, f"{field}_unknown", message)
    return obj


@transaction.atomic
def create_organization(actor: User | None, **data: Any) -> Organization:
    """Create an organisation; ``actor`` None is the command line / demo loader."""
    if actor is not None and not can(actor, "add", Organization):
        raise Forbidden(audit="add orgs.organization")
    member_ids = data.pop("member_ids", None)
    org = Organization()
    _apply(org, data, actor)
    if org.region_id is None:
        raise invalid("region", "required", "请选择所属地区")
    _check_role_fields(actor, None, org, member_ids is not None and bool(member_ids))
    _validate(org)
    org.save()
    if actor is not None:
        ensure_permitted(actor, "add", org)
    if member_ids is not None:
        _set_members(actor, org, member_ids)
    return org


@transaction.atomic
def update_organization(actor: User | None, pk: int, **data: Any) -> Organization:
    """Change an organisation inside the actor's scope; the result must stay inside it.
    ``actor`` None is the command line (an import run by the server operator)."""
    member_ids = data.pop("member_ids", None)
    if actor is None:
        org = Organization.objects.select_for_update().get(pk=pk)
    else:
        org = get_scoped(Organization, actor, "change", pk=pk)
    before = _snapshot(org)
    _apply(org, data, actor)
    members_change = member_ids is not None and {int(m) for m in member_ids} != set(
        org.members.values_list("pk", flat=True)
    )
    _check_role_fields(actor, before, org, members_change)
    _validate(org)
    org.save()
    if actor is not None:
        ensure_permitted(actor, "change", org)
    if member_ids is not None:
        _set_members(actor, org, member_ids)
    return org


# What non-administrators may change (the row scope already limits which organisations).
CONTACT_FIELDS = {"short_name", "phone", "address", "notes"}
# Kinds a township's staff register and maintain in their township.
TOWN_MANAGED_KINDS = {OrgKind.ENTERPRISE, OrgKind.OWNER, OrgKind.OTHER}
FIELD_LABELS = {
    "name": "名称",
    "short_name": "简称",
    "kind": "类型",
    "code": "机构代码",
    "region_id": "所属地区",
    "parent_id": "上级机构",
    "leader_id": "负责人",
    "phone": "联系电话",
    "address": "地址",
    "is_active": "启用",
    "notes": "备注",
    "member_ids": "专班成员",
}


def _snapshot(org: Organization) -> dict[str, Any]:
    return {name: getattr(org, name) for name in FIELD_LABELS if name != "member_ids"}


def _check_role_fields(
    actor: User | None, before: dict[str, Any] | None, org: Organization, members: bool
) -> None:
    """Department, enterprise and owner users keep their own record's contact details up to date;
    township staff manage the enterprises and other units of their township; the rest is for
    leaders and administrators."""
    from tiaodu.accounts.choices import Role

    if actor is None or actor.is_superuser or actor.role == Role.ADMIN:
        return
    after = _snapshot(org)
    changed = {name for name, value in after.items() if before is None or before[name] != value}
    if members:
        changed.add("member_ids")
    if actor.role == Role.TOWN and (
        org.kind in TOWN_MANAGED_KINDS and (before is None or before["kind"] in TOWN_MANAGED_KINDS)
    ):
        allowed = set(FIELD_LABELS) - {"member_ids"}
    else:
        allowed = CONTACT_FIELDS
    if before is None and actor.role == Role.TOWN and org.kind not in TOWN_MANAGED_KINDS:
        raise invalid("kind", "kind_not_allowed", "镇街人员只能登记企业、项目业主和其他单位")
    refused = sorted(changed - allowed)
    if refused:
        raise InvalidInput(
            [
                FieldError(
                    name.removesuffix("_id") if name.endswith("_id") and name != "member_ids" else name,
                    "field_not_editable",
                    f"您的角色不能修改“{FIELD_LABELS[name]}”",
                )
                for name in refused
            ]
        )


@transaction.atomic
def set_squad_members(actor: User | None, squad: Organization, member_ids: list[int]) -> Organization:
    """Replace a squad's members (专班成员)."""
    if actor is not None:
        return update_organization(actor, squad.pk, member_ids=member_ids)
    _set_members(None, squad, member_ids)
    return squad


def _set_members(actor: User | None, squad: Organization, member_ids: list[int]) -> None:
    from tiaodu.accounts.models import User

    if squad.kind != OrgKind.SQUAD:
        if member_ids:
            raise invalid("member_ids", "not_a_squad", "只有服务专班可以设置专班成员")
        return
    candidates = User.objects.filter(is_active=True)
    if actor is not None:
        candidates = candidates.restrict(actor)
    wanted = {int(pk) for pk in member_ids}
    users = list(candidates.filter(pk__in=wanted))
    if len(users) != len(wanted):
        raise invalid("member_ids", "user_unknown", "专班成员中有不存在、已停用或不在您管理范围内的用户")
    squad.members.set(users)
