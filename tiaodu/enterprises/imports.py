"""Imports of the enterprise-service module: the registry, visits (走访) and historical appeals.

``enterprises`` upserts by credit code in bulk (``bulk_create`` / ``bulk_update`` per chunk)
with the registry's own validation (:mod:`tiaodu.enterprises.services`: credit-code checksum,
township, industry code, the organisation record) and the permission scope checked set-based per
chunk. ``visits`` and ``appeals`` save row by row through the services and the case engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
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
from tiaodu.core.errors import FieldError, InvalidInput, ServiceError
from tiaodu.core.imports import (
    CellError,
    Column,
    ImportContext,
    Importer,
    Row,
    boolean,
    bulk_insert,
    bulk_update_rows,
    choice,
    past_date,
    register,
    text,
    text_of,
)
from tiaodu.core.permissions import can, get_scoped, scope_q
from tiaodu.core.resolve import resolver_for
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


def _memo(ctx: ImportContext, table: str, key: Any, resolve: Any) -> Any:
    """Resolve once per distinct value; failures are remembered and raised again."""
    memo = ctx.cache.setdefault(table, {})
    if key not in memo:
        try:
            memo[key] = resolve()
        except ServiceError as exc:
            memo[key] = exc
    value = memo[key]
    if isinstance(value, ServiceError):
        raise value.with_traceback(None)
    return value


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


def category_of(ctx: ImportContext, ref: str) -> CaseCategory:
    found: CaseCategory = _memo(ctx, "categories", ref, lambda: cases.category(WORKFLOW, ref))
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


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


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
            parse=text_of(_max(Enterprise, "contact_phone")),
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
                        taken_over.append({"pk": org_id, "code": data.code})
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
                changed_orgs.append({"pk": org_id, "name": name, "region_id": town_id})
            values = {**data.fields, "township_id": town_id}
            if current is None:
                creates.append((row, {**values, "credit_code": data.code, "organization_id": org_id}))
            elif any(current[key] != value for key, value in values.items()):
                updates.append((row, {**values, "pk": current["pk"]}))
            else:
                outcome.unchanged += 1

        bulk_insert(Organization, new_orgs)
        if new_orgs:
            made = dict(
                Organization.objects.filter(code__in=[o["code"] for o in new_orgs]).values_list("code", "pk")
            )
            for _row, values in creates:
                if values["organization_id"] is None:
                    values["organization_id"] = made[values["credit_code"]]
        bulk_update_rows(Organization, ["name", "region_id"], changed_orgs)
        bulk_update_rows(Organization, ["code"], taken_over)
        bulk_insert(Enterprise, [values for _row, values in creates])
        bulk_update_rows(Enterprise, [*attnames, "township_id"], [values for _row, values in updates])
        outcome.created = [values["credit_code"] for _row, values in creates]
        outcome.updated = [data.code for data in (row.data for row, _v in updates)]

        if scoped:
            # As save_enterprise's ensure_permitted: the rows as written must be in the actor's scope.
            ids = dict(
                Enterprise.objects.filter(credit_code__in=outcome.created).values_list("credit_code", "pk")
            )
            added = {ids[values["credit_code"]]: row.number for row, values in creates}
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


@register
class VisitImporter(Importer):
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
            note="单位全称或简称;空白时为导入人所在单位",
        ),
        Column("走访人", "visitors", True, text_of(_max(Visit, "visitors")), example="张三、李四"),
        Column("情况记录", "record", example="了解企业用工和融资情况"),
    ]
    notes = ["同一企业、同一日期、同一走访人和情况记录的走访已存在时不重复导入。"]

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        enterprise = org_id = None
        if "credit_code" in values:
            enterprise = _collect(ctx, row, enterprise_of, ctx, values["credit_code"])
        if values.get("visiting_org"):
            org_id = _collect(ctx, row, org_of, ctx, values["visiting_org"], "visiting_org", "走访单位")
        if enterprise is not None and {"visited_on", "visitors"} <= values.keys():
            row.data = _VisitRow(
                enterprise, values["visited_on"], values["visitors"], values.get("record", ""), org_id
            )

    def save(self, ctx: ImportContext, row: Row) -> str:
        data: _VisitRow = row.data
        duplicate = Visit.objects.filter(
            enterprise=data.enterprise, visited_on=data.visited_on, visitors=data.visitors, record=data.record
        )
        if duplicate.exists():
            if ctx.actor is not None:
                get_scoped(Enterprise, ctx.actor, "view", pk=data.enterprise.pk)
            return "unchanged"
        org = Organization.objects.get(pk=data.org_id) if data.org_id else None
        services.record_visit(ctx.actor, data.enterprise, data.visited_on, data.visitors, data.record, org)
        return "created"


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


def _due_date_problems(ctx: ImportContext, raised_on: date, category: CaseCategory) -> list[FieldError]:
    """The appeal's due date is counted in working days from 提出日期: a day the working-day
    calendar does not cover is a problem of that column (not of the enterprise's code)."""
    limit = category.time_limit_days
    try:
        _memo(ctx, "due", (raised_on, limit), lambda: add_workdays(raised_on, limit))
    except ServiceError as exc:
        return [_on_raised_on_error(exc)]
    return []


def _on_raised_on_error(exc: ServiceError) -> FieldError:
    err = exc.errors[0] if exc.errors else FieldError("raised_on", exc.code, exc.message)
    return FieldError("raised_on", err.code, err.message)


@contextmanager
def _on_raised_on() -> Iterator[None]:
    """A refusal naming no field while the case is opened (the calendar) is one of 提出日期."""
    try:
        yield
    except ServiceError as exc:
        if exc.errors or exc.status in (403, 404):
            raise
        raise InvalidInput([_on_raised_on_error(exc)]) from exc


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
            enterprise = _collect(ctx, row, enterprise_of, ctx, values["credit_code"])
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

    def save(self, ctx: ImportContext, row: Row) -> str:
        data: _AppealRow = row.data
        actor = ctx.actor
        if actor is not None:
            get_scoped(Enterprise, actor, "view", pk=data.enterprise.pk)
        org = data.enterprise.organization
        duplicate = Case.objects.filter(
            workflow=WORKFLOW,
            submitter_org=org,
            category=data.category,
            raised_on=data.raised_on,
            description=data.content.strip(),
        )
        if duplicate.exists():
            return "unchanged"
        content = data.content.strip()
        with _on_raised_on():
            case = cases.open_case(
                actor,
                workflow=WORKFLOW,
                category_ref=data.category.code,
                title=data.title or content.splitlines()[0][:60],
                description=content,
                region=data.enterprise.township,
                raised_on=data.raised_on,
                submitter_org=org,
                handling_org=Organization.objects.get(pk=data.handling_org_id)
                if data.handling_org_id
                else None,
                source=data.source,
                initial_state=data.state,
            )
        # The history's own dates: accepted on the day it was raised, resolved on 办结日期.
        case.accepted_at = _start_of(data.raised_on)
        fields = ["accepted_at", "updated_at"]
        if data.resolved_on is not None:
            case.resolved_at = _start_of(data.resolved_on)
            case.resolution = data.resolution.strip()
            case.is_open = False
            fields += ["resolved_at", "resolution", "is_open"]
            if data.state == AppealState.RATED:
                case.rated_at, case.rating = case.resolved_at, data.rating
                fields += ["rated_at", "rating"]
        case.save(update_fields=fields)
        state_label = get_workflow(WORKFLOW).states[data.state]
        note = f"历史数据导入(文件“{ctx.file_name}”第{row.number}行):状态“{state_label}”"
        if data.resolved_on is not None:
            note += f",办结日期{data.resolved_on:%Y-%m-%d}"
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.COMMENT,
            action="import",
            note=note,
            actor=actor,
            actor_org_id=getattr(actor, "organization_id", None),
        )
        if data.source == VISIT_SOURCE:
            # A difficulty collected on a visit (现场收集困难): it belongs to the enterprise's latest
            # visit in the 30 days up to 提出日期, when there is one (the report counts it either way).
            visit = (
                Visit.objects.filter(
                    enterprise=data.enterprise,
                    visited_on__lte=data.raised_on,
                    visited_on__gte=data.raised_on - timedelta(days=VISIT_WINDOW_DAYS),
                )
                .order_by("-visited_on", "-pk")
                .first()
            )
            if visit is not None:
                visit.cases.add(case)
        return "created"
