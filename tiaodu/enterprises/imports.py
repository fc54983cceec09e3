"""Imports of the enterprise-service module: the registry, visits (走访) and historical appeals.

``enterprises`` upserts by credit code in bulk (``bulk_create`` / ``bulk_update`` per chunk)
with the registry's own validation (:mod:`tiaodu.enterprises.services`: credit-code checksum,
township, industry code, the organisation record) and the permission scope checked set-based per
chunk. ``visits`` and ``appeals`` save row by row through the services and the case engine.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from tiaodu.accounts.choices import Role
from tiaodu.cases import services as cases
from tiaodu.cases.choices import EventKind
from tiaodu.cases.models import Case, CaseCategory, CaseEvent
from tiaodu.cases.workdays import add_workdays
from tiaodu.cases.workflow import get_workflow
from tiaodu.core import pii
from tiaodu.core.errors import FieldError, InvalidInput, NotFound, ServiceError
from tiaodu.core.imports import (
    PHASE_WRITE,
    AuditEntry,
    CellError,
    Column,
    ImportContext,
    Importer,
    Row,
    audit_objects,
    boolean,
    bulk_insert,
    bulk_insert_returning,
    bulk_update_rows,
    choice,
    created_changes,
    insert_with_ids,
    memo,
    past_date,
    refuse_written,
    register,
    reserve_ids,
    start_of_day,
    text,
    text_of,
)
from tiaodu.core.permissions import can, scope_q
from tiaodu.core.resolve import credit_code, looks_like_code, resolver_for
from tiaodu.enterprises import services
from tiaodu.enterprises.appeals import WORKFLOW
from tiaodu.enterprises.choices import VISIT_SOURCE, AppealState, OutputTier
from tiaodu.enterprises.models import Enterprise, Visit
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

# The kinds shown on the enterprise-service import page (/enterprises/import/).
ENTERPRISE_KINDS = ("enterprises", "visits", "appeals")
CHUNK = 2000  # rows per bulk statement group (and per savepoint)


def _max(model: Any, name: str) -> int:
    return int(model._meta.get_field(name).max_length)


# --- lookups shared by the three importers ------------------------------------------------------


# Organisations a link column may name when it gives no kinds: anything but an enterprise or a
# project owner (a 联系科室 or 走访单位 is a government unit).
UNIT_KINDS = tuple(k for k in OrgKind.values if k not in (OrgKind.ENTERPRISE, OrgKind.OWNER))


def township_of(ctx: ImportContext, ref: str) -> Region:
    """A township by code or name, by the one resolver's rule (the actor's district first)."""
    return resolver_for(ctx).township(ref)


def org_of(ctx: ImportContext, ref: str, field: str, label: str, kinds: tuple[str, ...] = ()) -> int:
    """An organisation's id by code, full name or short name (a squad, a department, a town …)."""
    return resolver_for(ctx).organization(ref, kinds=kinds or UNIT_KINDS, field=field, label=label).pk


def user_of(ctx: ImportContext, ref: str, field: str, label: str) -> int:
    """An active user's id by username or full name."""
    return resolver_for(ctx).user(ref, field=field, label=label).pk


def enterprise_of(ctx: ImportContext, raw: str) -> Enterprise:
    """The enterprise a 统一社会信用代码 cell names (checksum checked first, for a clearer
    error; a name is accepted too, by the resolver's rule)."""
    return resolver_for(ctx).enterprise(raw, field="credit_code", label="企业")


@dataclass
class _Pending:
    """An enterprise a row names by 统一社会信用代码, looked up with the file's other codes."""

    code: str


def _scoped_view(ctx: ImportContext) -> bool:
    """Does the actor see only a slice of the enterprises (not the operator, not the district)?"""
    return ctx.actor is not None and scope_q(ctx.actor, Enterprise, "view") is not None


def enterprise_later(ctx: ImportContext, row: Row, raw: str) -> Enterprise | _Pending:
    """The enterprise a row names: a credit code is checked now (check digit) and looked up in
    :func:`resolve_pending` with every other code of the file, in a few queries instead of one
    per distinct enterprise (13 ms each on the benchmark machine); a name goes to the resolver.
    Either way :func:`resolve_pending` then checks the actor may see it."""
    ref = (raw or "").strip()
    if not looks_like_code(ref):
        try:
            found = enterprise_of(ctx, ref)
        except InvalidInput as exc:
            if _scoped_view(ctx) and exc.errors and exc.errors[0].code == "enterprise_unknown":
                raise NotFound(ctx.importer.denied_message) from None  # as for one out of the slice
            raise
        ctx.cache.setdefault("pending_enterprises", []).append((row.number, found))
        return found
    # The check digit once per distinct code (a file names each enterprise many times).
    pending = _Pending(memo(ctx, "credit_codes", ref, lambda: credit_code(ref, "credit_code")))
    ctx.cache.setdefault("pending_enterprises", []).append((row.number, pending))
    return pending


def resolve_pending(ctx: ImportContext, rows: list[Row]) -> None:
    """Look up the enterprises :func:`enterprise_later` collected — of every row, also those
    with other problems, so that each row lists all of its errors — in a few queries, as the
    resolver and the services would: ``enterprise_unknown`` for a code no enterprise has; for a
    user who sees a slice of the registry, an enterprise outside it and one that does not exist
    get the same answer (``not_found``, "企业不存在或不在您的管辖范围内"), so that an import never
    tells whether a credit code exists elsewhere. The rows' data get their enterprise."""
    pending: list[tuple[int, _Pending | Enterprise]] = ctx.cache.pop("pending_enterprises", [])
    codes = sorted({p.code for _number, p in pending if isinstance(p, _Pending)})
    found: dict[str, Enterprise] = {}
    for start in range(0, len(codes), CHUNK):
        for enterprise in Enterprise.objects.filter(credit_code__in=codes[start : start + CHUNK]).only(
            "pk", "credit_code", "name", "organization_id", "township_id"
        ):
            found[enterprise.credit_code] = enterprise
    scoped = _scoped_view(ctx)
    visible: set[int] = set()
    if scoped:
        ids = sorted(
            {e.pk for e in found.values()} | {p.pk for _n, p in pending if isinstance(p, Enterprise)}
        )
        for start in range(0, len(ids), CHUNK):
            visible |= _in_view(ctx, Enterprise, set(ids[start : start + CHUNK]))
    message = ctx.importer.denied_message
    for number, p in pending:
        named: Enterprise | None = found.get(p.code) if isinstance(p, _Pending) else p
        if named is not None and (not scoped or named.pk in visible):
            continue
        if scoped:
            if named is not None:
                ctx.denied_rows.append(number)
            ctx.error(number, "credit_code", "not_found", message)
        else:
            code = p.code if isinstance(p, _Pending) else p.credit_code
            ctx.error(
                number, "credit_code", "enterprise_unknown", f"统一社会信用代码“{code}”对应的企业不存在"
            )
    for row in rows:
        if row.data is not None and isinstance(row.data.enterprise, _Pending):
            match = found.get(row.data.enterprise.code)
            if match is None:
                row.data = None
            else:
                row.data.enterprise = match


def category_of(ctx: ImportContext, ref: str) -> CaseCategory:
    found: CaseCategory = memo(ctx, "categories", ref, lambda: cases.category(WORKFLOW, ref))
    return found


def _collect(ctx: ImportContext, row: Row, fn: Any, *args: Any) -> Any:
    """Run one check; report its errors on the row and return None instead of raising."""
    try:
        return fn(*args)
    except ServiceError as exc:
        ctx.service_error(row.number, exc)
    except CellError as exc:
        ctx.error(row.number, ctx.importer.key_field, exc.code, exc.message)
    return None


# --- enterprises -------------------------------------------------------------------------------

OUTPUT_TIERS = {str(label): value for value, label in OutputTier.choices if value}
YES_NO = ("是", "否")

# Column field → Enterprise attribute (foreign keys by id).
LINKS = {
    "liaison_leader": "liaison_leader_id",
    "liaison_department": "liaison_department_id",
    "squad": "squad_id",
    "resident_officer": "resident_officer_id",
}
USER_LINKS = ("liaison_leader", "resident_officer")


@dataclass
class _EnterpriseRow:
    code: str
    town: Region
    fields: dict[str, Any]  # Enterprise attribute → value, for the columns present


@register
class EnterpriseImporter(Importer):
    name = "enterprises"
    title = "企业名录"
    model = Enterprise
    key_field = "credit_code"
    denied_message = "该企业不在您的管辖范围内"
    columns = [
        Column(
            "统一社会信用代码",
            "credit_code",
            True,
            example="91500152MA5U00001F",
            note="18位,按 GB 32100-2015 校验",
        ),
        Column(
            "企业名称", "name", True, text_of(_max(Enterprise, "name")), example="重庆潼南古溪食品有限公司"
        ),
        Column(
            "所属镇街", "township", True, example="古溪镇", note="镇街名称或9位区划代码", aliases=("镇街",)
        ),
        Column(
            "行业代码",
            "industry_code",
            example="C1311",
            note="GB/T 4754-2017:门类字母加2至4位数字,或2至4位数字",
            aliases=("国民经济行业代码",),
        ),
        Column(
            "规上企业", "is_above_scale", parse=boolean, example="是", options=YES_NO, aliases=("是否规上",)
        ),
        Column("重点企业", "is_key", parse=boolean, example="是", options=YES_NO, aliases=("是否重点企业",)),
        Column("联系领导", "liaison_leader", example="leader", note="委领导的用户名或姓名"),
        Column("联系科室", "liaison_department", example="经信委", note="单位全称或简称"),
        Column("服务专班", "squad", example="重点项目服务一专班", note="专班全称或简称"),
        Column(
            "产值规模",
            "output_tier",
            parse=choice(OUTPUT_TIERS),
            example="亿元以上",
            note="可选:" + "、".join(OUTPUT_TIERS),
            options=tuple(OUTPUT_TIERS),
        ),
        Column("龙头企业", "is_leading", parse=boolean, example="否", options=YES_NO),
        Column(
            "双百企业", "is_shuangbai", parse=boolean, example="否", options=YES_NO, aliases=("“双百”企业",)
        ),
        Column("专精特新", "is_specialized", parse=boolean, example="否", options=YES_NO),
        Column("联系人", "contact_name", parse=text_of(_max(Enterprise, "contact_name")), example="张三"),
        Column(
            "联系电话",
            "contact_phone",
            parse=text_of(_max(Enterprise, "contact_phone_mask")),
            example="13800000000",
        ),
        Column(
            "地址", "address", parse=text_of(_max(Enterprise, "address")), example="潼南区古溪镇工业园1号"
        ),
        Column(
            "驻厂专员",
            "resident_officer",
            example="",
            note="驻厂服务专员的用户名或姓名",
            aliases=("驻厂服务专员",),
        ),
        Column("备注", "notes", example=""),
    ]
    notes = [
        "按统一社会信用代码新增或更新企业:已存在的企业只更新文件中出现的列,空白单元格会清空该项。",
        "镇街人员只能导入本镇街的企业。",
    ]

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        code = town = None
        if "credit_code" in values:
            code = _collect(ctx, row, services.check_credit_code, values["credit_code"])
        if "township" in values:
            town = _collect(ctx, row, township_of, ctx, values["township"])
        fields: dict[str, Any] = {}
        for key, value in values.items():
            if key in ("credit_code", "township"):
                continue
            if key in LINKS:
                if value and key in USER_LINKS:
                    value = _collect(ctx, row, user_of, ctx, value, key, self.header_for(key))
                elif value:
                    kinds = (OrgKind.SQUAD,) if key == "squad" else ()
                    value = _collect(ctx, row, org_of, ctx, value, key, self.header_for(key), kinds)
                fields[LINKS[key]] = value or None
            elif key == "contact_phone":
                # Personal information: stored encrypted, with its keyed hash and mask (core.pii).
                fields.update(pii.protected_columns("contact_phone", value or ""))
            else:
                fields[key] = value
        if "industry_code" in fields:
            _collect(ctx, row, services._validate_industry, fields["industry_code"])
        if code is not None:
            seen = ctx.cache.setdefault("codes", {})
            if code in seen:
                ctx.error(
                    row.number,
                    "credit_code",
                    "credit_code_duplicate",
                    f"与第{seen[code]}行的统一社会信用代码重复",
                )
            seen[code] = row.number
        if town is not None and "name" in fields:
            names = ctx.cache.setdefault("names", {})
            same = (town.pk, fields["name"])
            if same in names and names[same][0] != code:
                ctx.error(row.number, "name", "enterprise_name_taken", f"与第{names[same][1]}行同一镇街同名")
            names.setdefault(same, (code, row.number))
        if code is not None and town is not None and "name" in fields:
            row.data = _EnterpriseRow(code, town, fields)

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        for start in range(0, len(rows), CHUNK):
            self._write_chunk(ctx, [r for r in rows[start : start + CHUNK] if r.data is not None])

    def _write_chunk(self, ctx: ImportContext, rows: list[Row], retry: bool = True) -> None:
        try:
            with transaction.atomic():  # a savepoint: a partial import can redo the chunk
                outcome = self._apply(ctx, rows)
                if outcome.violations and ctx.partial and retry:
                    raise _Redo(outcome)
        except _Redo as redo:
            # Partial import: drop the rows the scope refused and write the rest of the chunk.
            self._report(ctx, redo.outcome.violations)
            bad = {problem.row for problem in redo.outcome.violations}
            self._write_chunk(ctx, [r for r in rows if r.number not in bad], retry=False)
            return
        self._report(ctx, outcome.problems + outcome.violations)
        ctx.counts["created"] += len(outcome.created)
        ctx.counts["updated"] += len(outcome.updated)
        ctx.counts["unchanged"] += outcome.unchanged
        ctx.audit_data.setdefault("created", []).extend(outcome.created)
        ctx.audit_data.setdefault("updated", []).extend(outcome.updated)

    def _report(self, ctx: ImportContext, problems: list[_Problem]) -> None:
        for problem in problems:
            if problem.code == "permission_denied":
                ctx.denied_rows.append(problem.row)
            ctx.error(problem.row, problem.field, problem.code, problem.message)

    def _apply(self, ctx: ImportContext, rows: list[Row]) -> _Outcome:
        """Check the chunk against the database, then write it with bulk statements.

        The rules are save_enterprise's: the actor must be allowed to change an existing
        enterprise and to add a new one; the credit code must not belong to another kind of
        organisation; the enterprise's organisation record follows its name and township; and the
        rows as written must be in the actor's scope (checked set-based after writing).
        """
        actor = ctx.actor
        outcome = _Outcome()
        codes = [r.data.code for r in rows]
        attnames = sorted({key for r in rows for key in r.data.fields})  # the columns present
        existing: dict[str, dict[str, Any]] = {
            e["credit_code"]: e
            for e in Enterprise.objects.select_for_update()
            .filter(credit_code__in=codes)
            .values(
                "pk",
                "credit_code",
                "township_id",
                "organization_id",
                "organization__name",
                "organization__region_id",
                *attnames,
            )
        }
        scoped = actor is not None and (
            scope_q(actor, Enterprise, "change") is not None or scope_q(actor, Enterprise, "add") is not None
        )
        changeable: set[int] = set()
        if scoped and existing:
            changeable = set(
                Enterprise.objects.restrict(actor, "change")  # type: ignore[arg-type]
                .filter(pk__in=[e["pk"] for e in existing.values()])
                .values_list("pk", flat=True)
            )
        may_add = actor is None or can(actor, "add", Enterprise)
        orgs: dict[str, Any] = {
            o["code"]: o
            for o in Organization.objects.filter(code__in=[c for c in codes if c not in existing]).values(
                "pk", "code", "kind", "name", "region_id"
            )
        }
        # Enterprise organisations by (township, name), and which of all these are registered.
        same_name = {
            (o["region_id"], o["name"]): o
            for o in Organization.objects.filter(
                kind=OrgKind.ENTERPRISE, name__in={r.data.fields["name"] for r in rows}
            ).values("pk", "region_id", "name", "code")
        }
        registered = set(
            Enterprise.objects.filter(
                organization_id__in=[o["pk"] for o in [*orgs.values(), *same_name.values()]]
            ).values_list("organization_id", flat=True)
        )
        visible = self._visible_links(ctx) if scoped else None

        new_orgs: list[dict[str, Any]] = []
        changed_orgs: list[dict[str, Any]] = []
        taken_over: list[dict[str, Any]] = []
        creates: list[tuple[Row, dict[str, Any]]] = []
        updates: list[tuple[Row, dict[str, Any]]] = []
        for row in rows:
            data: _EnterpriseRow = row.data
            name, town_id = data.fields["name"], data.town.pk
            current = existing.get(data.code)
            org_now: tuple[Any, Any] | None
            if current is not None:
                org_id: int | None = current["organization_id"]
                org_now = (current["organization__name"], current["organization__region_id"])
            else:
                org = orgs.get(data.code)
                org_id = org["pk"] if org else None
                org_now = (org["name"], org["region_id"]) if org else None
            problem = None
            if current is not None and scoped and current["pk"] not in changeable:
                problem = _Problem(
                    row.number, "credit_code", "permission_denied", "该企业不在您的管辖范围内,不能修改"
                )
            elif current is None and not may_add:
                problem = _Problem(row.number, "credit_code", "permission_denied", "您没有新增企业的权限")
            elif (
                current is None
                and org_id is not None
                and (orgs[data.code]["kind"] != OrgKind.ENTERPRISE or org_id in registered)
            ):
                problem = _Problem(
                    row.number,
                    "credit_code",
                    "credit_code_taken",
                    f"统一社会信用代码“{data.code}”已被其他机构使用",
                )
            else:
                namesake = same_name.get((town_id, name))
                if namesake is not None and namesake["pk"] != org_id:
                    if (
                        org_id is None
                        and namesake["pk"] not in registered
                        and not uscc.is_valid(namesake["code"])
                        and namesake["pk"] not in {o["pk"] for o in taken_over}
                    ):
                        # As save_enterprise: an unregistered organisation of this name in the
                        # township (entered before without a valid credit code) is taken over.
                        org_id, org_now = namesake["pk"], (name, town_id)
                        taken_over.append({"pk": org_id, "code": data.code, "before": namesake["code"]})
                    else:
                        problem = _Problem(
                            row.number,
                            "name",
                            "enterprise_name_taken",
                            f"{data.town.name}已有名为“{name}”的企业",
                        )
            if problem is not None:
                outcome.problems.append(problem)
                continue
            if visible is not None:
                refused = self._refused_links(row, data, current, visible)
                if refused:
                    outcome.problems.extend(refused)
                    continue
            if org_id is None:
                new_orgs.append(
                    {"name": name, "kind": OrgKind.ENTERPRISE, "code": data.code, "region_id": town_id}
                )
            elif org_now != (name, town_id):
                changed_orgs.append({"pk": org_id, "name": name, "region_id": town_id, "before": org_now})
            values = {**data.fields, "township_id": town_id}
            if current is None:
                creates.append((row, {**values, "credit_code": data.code, "organization_id": org_id}))
            elif any(current[key] != value for key, value in values.items() if not key.endswith("_enc")):
                # (a ciphertext differs on every write: its keyed hash says whether the value did)
                updates.append((row, {**values, "pk": current["pk"]}))
            else:
                outcome.unchanged += 1

        org_ids = insert_with_ids(Organization, new_orgs)
        made = {o["code"]: pk for o, pk in zip(new_orgs, org_ids, strict=True)}
        for _row, values in creates:
            if values["organization_id"] is None:
                values["organization_id"] = made[values["credit_code"]]
        bulk_update_rows(Organization, ["name", "region_id"], changed_orgs)
        bulk_update_rows(Organization, ["code"], taken_over)
        enterprise_ids = insert_with_ids(Enterprise, [values for _row, values in creates])
        bulk_update_rows(Enterprise, [*attnames, "township_id"], [values for _row, values in updates])
        outcome.created = [values["credit_code"] for _row, values in creates]
        outcome.updated = [data.code for data in (row.data for row, _v in updates)]
        self._audit(
            ctx, existing, new_orgs, org_ids, changed_orgs, taken_over, creates, enterprise_ids, updates
        )

        if scoped:
            # As save_enterprise's ensure_permitted: the rows as written must be in the actor's scope.
            added = {pk: row.number for pk, (row, _values) in zip(enterprise_ids, creates, strict=True)}
            changed_rows = {values["pk"]: row.number for row, values in updates}
            ok_added = set(
                Enterprise.objects.restrict(actor, "add").filter(pk__in=added).values_list("pk", flat=True)  # type: ignore[arg-type]
            )
            ok_changed = set(
                Enterprise.objects.restrict(actor, "change")  # type: ignore[arg-type]
                .filter(pk__in=changed_rows)
                .values_list("pk", flat=True)
            )
            outcome.violations = [
                _Problem(number, "township", "permission_denied", "所属镇街不在您的管辖范围内,不能新增该企业")
                for pk, number in added.items()
                if pk not in ok_added
            ] + [
                _Problem(number, "township", "permission_denied", "修改后该企业将不在您的管辖范围内")
                for pk, number in changed_rows.items()
                if pk not in ok_changed
            ]
        return outcome

    @staticmethod
    def _audit(
        ctx: ImportContext,
        existing: dict[str, dict[str, Any]],
        new_orgs: list[dict[str, Any]],
        org_ids: list[int],
        changed_orgs: list[dict[str, Any]],
        taken_over: list[dict[str, Any]],
        creates: list[tuple[Row, dict[str, Any]]],
        enterprise_ids: list[int],
        updates: list[tuple[Row, dict[str, Any]]],
    ) -> None:
        """One audit entry per organisation and enterprise the chunk created or changed, with
        the values before and after (an update lists only what changed)."""
        orgs = [
            AuditEntry(pk, o["name"], created_changes(o)) for pk, o in zip(org_ids, new_orgs, strict=True)
        ]
        for o in changed_orgs:
            (name, region_id) = o["before"]
            changes = {"name": (name, o["name"]), "region_id": (region_id, o["region_id"])}
            orgs.append(
                AuditEntry(o["pk"], o["name"], {k: v for k, v in changes.items() if v[0] != v[1]}, False)
            )
        orgs += [
            AuditEntry(o["pk"], o["code"], {"code": (o["before"], o["code"])}, False) for o in taken_over
        ]
        audit_objects(ctx, Organization, orgs)
        enterprises = [
            AuditEntry(pk, values["name"], created_changes(values))
            for pk, (_row, values) in zip(enterprise_ids, creates, strict=True)
        ]
        for row, values in updates:
            current = existing[row.data.code]
            changes = {
                key: (current[key], value)
                for key, value in values.items()
                if key != "pk" and current[key] != value
            }
            enterprises.append(
                AuditEntry(values["pk"], values.get("name", current.get("name", "")), changes, False)
            )
        audit_objects(ctx, Enterprise, enterprises)

    def _visible_links(self, ctx: ImportContext) -> tuple[set[int], set[int]]:
        """Users and organisations the actor can see: links are looked up through the scope."""
        from tiaodu.accounts.models import User

        if "visible" not in ctx.cache:
            actor = ctx.actor
            present = ctx.present_fields
            users: set[int] = set()
            orgs: set[int] = set()
            if present & {"liaison_leader", "resident_officer"}:
                users = set(User.objects.restrict(actor).values_list("pk", flat=True))  # type: ignore[arg-type]
            if present & {"liaison_department", "squad"}:
                orgs = set(
                    Organization.objects.restrict(actor)  # type: ignore[arg-type]
                    .exclude(kind=OrgKind.ENTERPRISE)
                    .values_list("pk", flat=True)
                )
            ctx.cache["visible"] = (users, orgs)
        visible: tuple[set[int], set[int]] = ctx.cache["visible"]
        return visible

    def _refused_links(
        self,
        row: Row,
        data: _EnterpriseRow,
        current: dict[str, Any] | None,
        visible: tuple[set[int], set[int]],
    ) -> list[_Problem]:
        """Links to users / organisations outside the actor's view (an unchanged link is kept)."""
        users, orgs = visible
        refused = []
        for key, attname in LINKS.items():
            value = data.fields.get(attname)
            if value is None or (current is not None and current.get(attname) == value):
                continue
            if value not in (users if key in USER_LINKS else orgs):
                header = self.header_for(key)
                refused.append(
                    _Problem(row.number, key, f"{key}_unknown", f"{header}不存在或不在您的查看范围内")
                )
        return refused


@dataclass
class _Problem:
    row: int
    field: str
    code: str
    message: str


@dataclass
class _Outcome:
    """One chunk's result: what was written, rows refused before writing (``problems``) and rows
    the scope refused as written (``violations``)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[_Problem] = field(default_factory=list)
    violations: list[_Problem] = field(default_factory=list)


class _Redo(Exception):
    def __init__(self, outcome: _Outcome) -> None:
        super().__init__("redo chunk")
        self.outcome = outcome


# --- visits ------------------------------------------------------------------------------------


@dataclass
class _VisitRow:
    enterprise: Enterprise
    visited_on: date
    visitors: str
    record: str
    org_id: int | None


VISIT_ORG_REFUSED = "走访单位不存在或不在您的查看范围内"


def visiting_org_of(ctx: ImportContext, ref: str) -> int:
    """The 走访单位 a row names, by the API's rule (``POST /visits``: ``visiting_org_id`` is looked
    up through the actor's scope, so a town user names only the organisations they can see),
    resolved and checked once per distinct value."""
    org_id = org_of(ctx, ref, "visiting_org", "走访单位")
    actor = ctx.actor

    def visible() -> int:
        if actor is None or scope_q(actor, Organization, "view") is None:
            return org_id
        if not Organization.objects.restrict(actor).filter(pk=org_id).exists():  # type: ignore[attr-defined]
            raise InvalidInput([FieldError("visiting_org", "visiting_org_unknown", VISIT_ORG_REFUSED)])
        return org_id

    found: int = memo(ctx, "visible_orgs", org_id, visible)
    return found


def _in_view(ctx: ImportContext, model: type[Any], ids: set[int]) -> set[int]:
    """Which of these rows the actor may view (all of them for the operator), in one query."""
    actor = ctx.actor
    if actor is None or scope_q(actor, model, "view") is None:
        return set(ids)
    return set(model.objects.restrict(actor).filter(pk__in=ids).values_list("pk", flat=True))


def _existing_keys(
    rows: list[Row],
    owner: Callable[[Any], int],
    day: Callable[[Any], date],
    query: Callable[[list[int], date, date], Iterable[tuple[Any, ...]]],
) -> set[tuple[Any, ...]]:
    """The keys of the stored records these rows may repeat: one query per 2,000 owners
    (enterprises or their organisations) over the rows' date range. A set the chunks then
    extend with what they write, so a row repeated later in the file is found too."""
    if not rows:
        return set()
    owners = sorted({owner(r.data) for r in rows})
    days = [day(r.data) for r in rows]
    low, high = min(days), max(days)
    seen: set[tuple[Any, ...]] = set()
    for start in range(0, len(owners), CHUNK):
        seen.update(query(owners[start : start + CHUNK], low, high))
    return seen


@register
class VisitImporter(Importer):
    """Visits in bulk: the rules of :func:`tiaodu.enterprises.services.record_visit` (the
    enterprise in the actor's view, the visit as written in the actor's scope) checked
    set-based per chunk, duplicates found with one query per chunk, rows inserted with
    ``INSERT … RETURNING`` and one audit entry per visit."""

    name = "visits"
    title = "走访记录"
    model = Visit
    key_field = "credit_code"
    denied_message = "企业不存在或不在您的管辖范围内"
    field_headers = {"enterprise": "统一社会信用代码"}
    columns = [
        Column("走访日期", "visited_on", True, past_date, example="2022-03-01", note="不能晚于今天"),
        Column(
            "统一社会信用代码", "credit_code", True, example="91500152MA5U00001F", note="企业须已在企业名录中"
        ),
        Column(
            "走访单位",
            "visiting_org",
            example="区经济信息委",
            note="单位全称或简称(须在您的查看范围内);空白时为导入人所在单位",
        ),
        Column("走访人", "visitors", True, text_of(_max(Visit, "visitors")), example="张三、李四"),
        Column("情况记录", "record", example="了解企业用工和融资情况"),
    ]
    notes = ["同一企业、同一日期、同一走访人和情况记录的走访已存在时不重复导入。"]

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        enterprise = org_id = None
        if "credit_code" in values:
            enterprise = _collect(ctx, row, enterprise_later, ctx, row, values["credit_code"])
        if values.get("visiting_org"):
            org_id = _collect(ctx, row, visiting_org_of, ctx, values["visiting_org"])
        if enterprise is not None and {"visited_on", "visitors"} <= values.keys():
            row.data = _VisitRow(
                enterprise, values["visited_on"], values["visitors"], values.get("record", ""), org_id
            )

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        resolve_pending(ctx, rows)

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        rows = [r for r in rows if r.data is not None]
        # The visits these rows may repeat, read once (per chunk it would grow with the file).
        seen = _existing_keys(
            rows,
            lambda d: d.enterprise.pk,
            lambda d: d.visited_on,
            lambda ids, low, high: Visit.objects.filter(
                enterprise_id__in=ids, visited_on__range=(low, high)
            ).values_list("enterprise_id", "visited_on", "visitors", "record"),
        )
        for start in range(0, len(rows), CHUNK):
            self._write_chunk(ctx, rows[start : start + CHUNK], seen)
            ctx.report(PHASE_WRITE, min(start + CHUNK, len(rows)), len(rows))

    def _write_chunk(self, ctx: ImportContext, rows: list[Row], seen: set[tuple[Any, ...]]) -> None:
        actor = ctx.actor
        # The enterprises' scope (the services' get_scoped view) was checked for every row by
        # resolve_pending before anything is written.
        default_org = actor.organization_id if actor is not None else None
        new: list[tuple[Row, dict[str, Any]]] = []
        for row in rows:
            data: _VisitRow = row.data
            key = (data.enterprise.pk, data.visited_on, data.visitors.strip(), data.record.strip())
            if key in seen:  # already there, or earlier in this file
                ctx.counts["unchanged"] += 1
                continue
            seen.add(key)
            new.append(
                (
                    row,
                    {
                        "enterprise_id": key[0],
                        "visited_on": key[1],
                        "visitors": key[2],
                        "record": key[3],
                        "visiting_org_id": data.org_id or default_org,
                        "created_by_id": actor.pk if actor is not None else None,
                    },
                )
            )
        ids = insert_with_ids(Visit, [values for _row, values in new])
        written = {pk: row for pk, (row, _values) in zip(ids, new, strict=True)}
        refused = refuse_written(ctx, Visit, "add", written)
        audit_objects(
            ctx,
            Visit,
            [
                AuditEntry(pk, f"{values['visited_on']} {row.data.enterprise.name}", created_changes(values))
                for pk, (row, values) in zip(ids, new, strict=True)
                if pk not in refused
            ],
        )
        ctx.counts["created"] += len(ids) - len(refused)


# --- historical appeals -------------------------------------------------------------------------

STATES = {str(label): value for value, label in AppealState.choices}
RATINGS = {"满意": 5, "基本满意": 3, "不满意": 1}


def _rating(raw: Any) -> int | None:
    if raw is None:
        return None
    value = text(raw)
    if value in RATINGS:
        return RATINGS[value]
    if value.isdigit() and 1 <= int(value) <= 5:
        return int(value)
    raise CellError("rating_invalid", "满意度应为1至5分,或 满意/基本满意/不满意")


VISIT_WINDOW_DAYS = 30  # a 走访 appeal belongs to the enterprise's latest visit this many days before


def due_date(ctx: ImportContext, raised_on: date, days: int) -> date:
    """``add_workdays(raised_on, days)`` from the working-day calendar read once per import (a
    few thousand rows) instead of two queries per distinct date; a day the table lacks goes to
    ``add_workdays`` itself, for its own error."""
    from tiaodu.cases.models import WorkDay

    calendar = ctx.cache.get("calendar")
    if calendar is None:
        by_date: dict[date, int] = {}
        workday_at: dict[int, date] = {}
        for day, index, is_workday in WorkDay.objects.values_list("date", "workday_index", "is_workday"):
            by_date[day] = index
            if is_workday:
                workday_at[index] = day
        calendar = ctx.cache["calendar"] = (by_date, workday_at)
    by_date, workday_at = calendar
    try:
        return workday_at[by_date[raised_on] + days]
    except KeyError:
        found: date = memo(ctx, "due", (raised_on, days), lambda: add_workdays(raised_on, days))
        return found


def _due_date_problems(ctx: ImportContext, raised_on: date, category: CaseCategory) -> list[FieldError]:
    """The appeal's due date is counted in working days from 提出日期: a day the working-day
    calendar does not cover is a problem of that column (not of the enterprise's code)."""
    try:
        due_date(ctx, raised_on, category.time_limit_days)
    except ServiceError as exc:
        return [_on_raised_on_error(exc)]
    return []


def _on_raised_on_error(exc: ServiceError) -> FieldError:
    err = exc.errors[0] if exc.errors else FieldError("raised_on", exc.code, exc.message)
    return FieldError("raised_on", err.code, err.message)


@dataclass
class _AppealRow:
    enterprise: Enterprise
    category: CaseCategory
    content: str
    raised_on: date
    source: str
    state: str
    resolved_on: date | None
    resolution: str
    title: str
    handling_org_id: int | None
    rating: int | None


@register
class AppealImporter(Importer):
    name = "appeals"
    title = "历史诉求"
    model = Case
    key_field = "credit_code"
    denied_message = "企业不存在或不在您的管辖范围内"
    field_headers = {"raised_on": "提出日期", "description": "诉求内容", "enterprise": "统一社会信用代码"}
    columns = [
        Column(
            "统一社会信用代码", "credit_code", True, example="91500152MA5U00001F", note="企业须已在企业名录中"
        ),
        Column("类别", "category", True, example="用工", note="诉求类别名称(用工、融资、原材料供应……)"),
        Column("诉求内容", "content", True, example="春节后缺普工50人"),
        Column("提出日期", "raised_on", True, past_date, example="2022-02-10", note="不能晚于今天"),
        Column(
            "来源",
            "source",
            parse=text_of(_max(Case, "source")),
            example="走访",
            note="如 走访、电话、平台;来源为“走访”的诉求计入走访现场收集的困难,"
            "并关联到该企业提出日期前30天内(含当天)最近的一次走访记录",
        ),
        Column(
            "状态",
            "state",
            parse=choice(STATES),
            example="已办结",
            note="空白时:填了办结日期为已办结,否则为已受理",
            options=tuple(STATES),
        ),
        Column(
            "办结日期",
            "resolved_on",
            parse=past_date,
            example="2022-02-20",
            note="状态为已办结或已评价时必填",
        ),
        Column("办理结果", "resolution", example="协调人社局招聘会,已解决45人"),
        Column(
            "标题", "title", parse=text_of(_max(Case, "title")), example="", note="空白时取诉求内容的第一行"
        ),
        Column("责任部门", "handling_org", example="人社局", note="空白时为类别的默认责任部门"),
        Column(
            "满意度", "rating", parse=_rating, example="", note="已评价的诉求:1至5分,或 满意/基本满意/不满意"
        ),
    ]
    notes = [
        "用于导入历史诉求:按给定状态建档,已办结/已评价的诉求按办结日期记为已解决,不再计入超期督办。",
        "同一企业、同一类别、同一提出日期和内容的诉求已存在时不重复导入。",
    ]

    def allowed(self, actor: User | None) -> bool:
        # History is registered by government staff, not by enterprises or project owners.
        return actor is None or (can(actor, "add", Case) and actor.role not in (Role.ENTERPRISE, Role.OWNER))

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        enterprise = category = handling_org_id = None
        if "credit_code" in values:
            enterprise = _collect(ctx, row, enterprise_later, ctx, row, values["credit_code"])
        if "category" in values:
            category = _collect(ctx, row, category_of, ctx, values["category"])
        if values.get("handling_org"):
            handling_org_id = _collect(
                ctx, row, org_of, ctx, values["handling_org"], "handling_org", "责任部门"
            )
        wf = get_workflow(WORKFLOW)
        resolved_on: date | None = values.get("resolved_on")
        state = values.get("state") or (AppealState.RESOLVED if resolved_on else AppealState.ACCEPTED)
        rating = values.get("rating")
        errors: list[FieldError] = []
        if state in wf.resolved_states and resolved_on is None:
            errors.append(FieldError("resolved_on", "required", "状态为已办结或已评价时须填写办结日期"))
        if resolved_on is not None and state not in wf.resolved_states:
            errors.append(FieldError("resolved_on", "state_mismatch", "未办结的诉求不应填写办结日期"))
        raised_on: date | None = values.get("raised_on")
        if resolved_on is not None and raised_on is not None and resolved_on < raised_on:
            errors.append(FieldError("resolved_on", "resolved_before_raised", "办结日期早于提出日期"))
        if rating is not None and state != AppealState.RATED:
            errors.append(FieldError("rating", "state_mismatch", "只有已评价的诉求才填写满意度"))
        if category is not None and raised_on is not None:
            errors.extend(_due_date_problems(ctx, raised_on, category))
        for err in errors:
            ctx.error(row.number, err.field, err.code, err.message)
        if enterprise is None or category is None or errors or raised_on is None or "content" not in values:
            return
        row.data = _AppealRow(
            enterprise=enterprise,
            category=category,
            content=values["content"],
            raised_on=raised_on,
            source=values.get("source", ""),
            state=state,
            resolved_on=resolved_on,
            resolution=values.get("resolution", ""),
            title=values.get("title", ""),
            handling_org_id=handling_org_id,
            rating=rating,
        )

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        resolve_pending(ctx, rows)

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        rows = [r for r in rows if r.data is not None]
        # The appeals these rows may repeat, read once (per chunk it would grow with the file).
        seen = _existing_keys(
            rows,
            lambda d: d.enterprise.organization_id,
            lambda d: d.raised_on,
            lambda ids, low, high: Case.objects.filter(
                workflow=WORKFLOW, submitter_org_id__in=ids, raised_on__range=(low, high)
            ).values_list("submitter_org_id", "category_id", "raised_on", "description"),
        )
        visits = self._visit_choice(rows)
        for start in range(0, len(rows), CHUNK):
            self._write_chunk(ctx, rows[start : start + CHUNK], seen, visits)
            ctx.report(PHASE_WRITE, min(start + CHUNK, len(rows)), len(rows))

    def _write_chunk(
        self, ctx: ImportContext, rows: list[Row], seen: set[tuple[Any, ...]], visits: dict[int, int]
    ) -> None:
        """The chunk in bulk, by the rules of ``cases.open_case`` and the history's own dates
        (see :meth:`_case_values`): cases inserted with ``INSERT … RETURNING`` and numbered, the
        scope checked as written, the open and import events, the links to the visits, and
        one audit entry per case."""
        actor = ctx.actor
        wf = get_workflow(WORKFLOW)
        # The enterprises' scope (the services' get_scoped view) was checked for every row by
        # resolve_pending before anything is written.
        now = timezone.now()
        new: list[tuple[Row, dict[str, Any]]] = []
        for row in rows:
            data: _AppealRow = row.data
            content = data.content.strip()
            key = (data.enterprise.organization_id, data.category.pk, data.raised_on, content)
            if key in seen:  # already there, or earlier in this file
                ctx.counts["unchanged"] += 1
                continue
            seen.add(key)
            new.append((row, self._case_values(ctx, wf, data, content, now)))
        prefix = wf.code[:2].upper()
        reserved = reserve_ids(Case, len(new))
        if reserved is not None:  # PostgreSQL: numbered before the insert, no second statement
            ids = reserved
            for pk, (_row, values) in zip(ids, new, strict=True):
                values["id"], values["number"] = pk, f"{prefix}{values['raised_on']:%Y}{pk:07d}"
            bulk_insert(Case, [values for _row, values in new], with_pk=True)
        else:
            ids = bulk_insert_returning(Case, [values for _row, values in new])
            numbered = []
            for pk, (_row, values) in zip(ids, new, strict=True):
                values["number"] = f"{prefix}{values['raised_on']:%Y}{pk:07d}"
                numbered.append({"pk": pk, "number": values["number"]})
            bulk_update_rows(Case, ["number"], numbered)
        written = {pk: row for pk, (row, _values) in zip(ids, new, strict=True)}
        refused = refuse_written(ctx, Case, "view", written)
        done = [(pk, row, values) for pk, (row, values) in zip(ids, new, strict=True) if pk not in refused]
        actor_fields = {
            "actor_id": actor.pk if actor else None,
            "actor_org_id": getattr(actor, "organization_id", None),
        }
        events = []
        for pk, row, values in done:
            data = row.data
            events.append(
                {
                    "case_id": pk,
                    "kind": EventKind.TRANSITION,
                    "action": "open",
                    "to_state": data.state,
                    "note": f"受理,办结时限{values['due_on']:%Y-%m-%d}",
                }
            )
            state_label = wf.states[data.state]
            note = f"历史数据导入(文件“{ctx.file_name}”第{row.number}行):状态“{state_label}”"
            if data.resolved_on is not None:
                note += f",办结日期{data.resolved_on:%Y-%m-%d}"
            events.append({"case_id": pk, "kind": EventKind.COMMENT, "action": "import", "note": note})
        bulk_insert(CaseEvent, events, shared=actor_fields)
        bulk_insert(
            Visit.cases.through,
            [
                {"visit_id": visits[row.number], "case_id": pk}
                for pk, row, _values in done
                if row.number in visits
            ],
        )
        audit_objects(
            ctx,
            Case,
            [
                AuditEntry(pk, f"{values['number']} {values['title']}", created_changes(values))
                for pk, _row, values in done
            ],
        )
        ctx.counts["created"] += len(done)

    @staticmethod
    def _case_values(
        ctx: ImportContext, wf: Any, data: _AppealRow, content: str, now: datetime
    ) -> dict[str, Any]:
        """What ``cases.open_case`` writes (the due date in working days, the state's timestamp),
        then the history's dates: accepted on the day it was raised, resolved on 办结日期."""
        category = data.category
        due_on = due_date(ctx, data.raised_on, category.time_limit_days)
        values: dict[str, Any] = {
            "workflow": WORKFLOW,
            "number": uuid.uuid4().hex,  # numbered once the id is known, as open_case does
            "category_id": category.pk,
            "title": (data.title or content.splitlines()[0][:60]).strip()[:200],
            "description": content,
            "state": data.state,
            "source": data.source,
            "region_id": data.enterprise.township_id,
            "submitter_org_id": data.enterprise.organization_id,
            "handling_org_id": data.handling_org_id or category.department_id,
            "raised_on": data.raised_on,
            "due_on": due_on,
            "is_open": data.state in wf.open_states,
            "created_by_id": ctx.actor.pk if ctx.actor is not None else None,
        }
        stamp = wf.timestamps.get(data.state)
        if stamp:
            values[stamp] = now
        starts = ctx.cache.setdefault("day_starts", {})
        values["accepted_at"] = start_of_day(data.raised_on, starts)
        if data.resolved_on is not None:
            values["resolved_at"] = start_of_day(data.resolved_on, starts)
            values["resolution"] = data.resolution.strip()
            values["is_open"] = False
            if data.state == AppealState.RATED:
                values["rated_at"], values["rating"] = values["resolved_at"], data.rating
        return values

    @staticmethod
    def _visit_choice(rows: list[Row]) -> dict[int, int]:
        """Row number → the visit its appeal belongs to. A difficulty collected on a visit
        (现场收集困难, 来源 走访) belongs to the enterprise's latest visit in the 30 days up to
        提出日期, when there is one: one query per 2,000 enterprises for the whole file (the
        import writes no visits, so what it finds before writing is what each row would find)."""
        wanted = [row for row in rows if row.data.source == VISIT_SOURCE]
        if not wanted:
            return {}
        days = [row.data.raised_on for row in wanted]
        owners = sorted({row.data.enterprise.pk for row in wanted})
        by_enterprise: dict[int, list[tuple[date, int]]] = {}
        for start in range(0, len(owners), CHUNK):
            for enterprise_id, visited_on, visit_id in Visit.objects.filter(
                enterprise_id__in=owners[start : start + CHUNK],
                visited_on__lte=max(days),
                visited_on__gte=min(days) - timedelta(days=VISIT_WINDOW_DAYS),
            ).values_list("enterprise_id", "visited_on", "pk"):
                by_enterprise.setdefault(enterprise_id, []).append((visited_on, visit_id))
        choice = {}
        for row in wanted:
            raised_on = row.data.raised_on
            window = [
                (visited_on, visit_id)
                for visited_on, visit_id in by_enterprise.get(row.data.enterprise.pk, ())
                if raised_on - timedelta(days=VISIT_WINDOW_DAYS) <= visited_on <= raised_on
            ]
            if window:
                choice[row.number] = max(window)[1]  # the latest day, then the latest visit
        return choice
