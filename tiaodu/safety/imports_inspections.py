"""Imports of inspections and hazards (``tiaodu import inspections|hazards FILE``; lane hazards).

Both record history as it happened: past dates, all-or-nothing by default, every bad row
reported with its column and a stable code, written in bulk (hundreds of thousands of rows).
Names resolve in the actor's district (the operator's is ``settings.HOME_REGION_CODE``).

``inspections`` (检查编号, 检查日期, 单位名称, 统一社会信用代码, 所属镇街, 检查部门, 检查类型,
专项行动): the unit by credit code, else by name within 所属镇街 (``units.UnitIndex``, the rule of
``units.find_unit``); an unknown unit, department or campaign is an error. A 检查编号 already in
the district for the same unit and date is left alone (a file imported twice adds nothing);
for another unit or date it is ``inspection_number_duplicate``, as is a number twice in a file.

``hazards`` (检查编号, 隐患描述, 隐患等级, 整改方式, 整改期限, 状态, 整改完成日期, 验收日期): each
hazard of an inspection of the district (``inspection_unknown`` otherwise) is opened as a case
of the ``hazard`` workflow as :mod:`tiaodu.safety.hazards` maps it, in the state the file gives
(blank: 已验收 with a 验收日期, 待验收 with a 整改完成日期, else 待整改), with the file's dates.
An acceptance before the rectification is ``acceptance_before_rectification``; a 重大隐患
imported without its 治理方案 is flagged 缺治理方案 (``missing_plan``), not refused — the rule
binds hazards started on the platform. A 即查即改 hazard is rectified and accepted the day found.
The 红黄牌 the daily sweep would have issued are recorded with their dates (``card_history``), so
that "overdue cards as of D" reads imported history like platform history. The same description
for the same inspection already stored is left alone.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from tiaodu.accounts.choices import Role
from tiaodu.cases.choices import Card, EventKind
from tiaodu.cases.models import CardRecord, Case, CaseCategory, CaseEvent
from tiaodu.cases.sweep import LATE, OVERDUE
from tiaodu.cases.workflow import get_workflow
from tiaodu.core.errors import ServiceError, invalid
from tiaodu.core.imports import (
    PHASE_WRITE,
    AuditEntry,
    Column,
    FileProblem,
    ImportContext,
    Importer,
    Row,
    any_date,
    audit_objects,
    bulk_insert,
    bulk_insert_returning,
    bulk_update_rows,
    choice,
    created_changes,
    insert_with_ids,
    memo,
    past_date,
    register,
    reserve_ids,
    start_of_day,
    text_of,
)
from tiaodu.core.permissions import can
from tiaodu.core.resolve import resolver_for
from tiaodu.enterprises.imports import due_date
from tiaodu.investment.imports import choice_column, district_of, labels
from tiaodu.regions.models import Region
from tiaodu.safety.choices import WORKFLOW, HazardGrade, HazardState, InspectionKind, RectifyMode
from tiaodu.safety.hazards import accepting_department_id, case_title, co_handler_ids
from tiaodu.safety.models import Campaign, Hazard, Inspection

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

CHUNK = 2000  # rows per group of bulk statements
IMPORT_NOTE = "历史数据导入"


def _max(model: Any, name: str) -> int:
    return int(model._meta.get_field(name).max_length)


class SafetyHistoryImporter(Importer):
    """Inspections and hazards are registered by government staff (not by enterprises)."""

    def allowed(self, actor: User | None) -> bool:
        return actor is None or (
            can(actor, "add", self.model) and actor.role not in (Role.ENTERPRISE, Role.OWNER)
        )

    def prepare(self, ctx: ImportContext) -> None:
        try:
            district_of(ctx)
        except ServiceError as exc:
            raise FileProblem(exc.code, exc.message) from None


def may_write(ctx: ImportContext, township_path: str, org_ids: Iterable[int | None]) -> bool:
    """The actor's slice, as the services draw it: a department writes the records it takes part
    in (``org_ids``: the inspecting department, the sector's), a town those of its township."""
    actor = ctx.actor
    if actor is None or actor.is_superuser or actor.role == Role.ADMIN:
        return True
    if actor.role == Role.DEPARTMENT:
        return actor.organization_id is not None and actor.organization_id in set(org_ids)
    if actor.role == Role.TOWN:
        return actor.region is not None and township_path.startswith(actor.region.path)
    return False


DENIED = "不在您的管辖范围内"


# --- inspections ----------------------------------------------------------------------------------


@dataclass
class _InspectionRow:
    number: str
    inspected_on: date
    unit: Any
    department_id: int
    kind: str
    campaign_id: int | None
    findings: str


@register
class InspectionImporter(SafetyHistoryImporter):
    name = "inspections"
    title = "检查记录"
    model = Inspection
    key_field = "number"
    denied_message = f"单位或检查部门{DENIED}"
    field_headers = {"unit": "单位名称"}
    columns = [
        Column(
            "检查编号",
            "number",
            True,
            text_of(_max(Inspection, "number")),
            example="AJ2022000001",
            note="本区县内唯一;隐患导入按此编号关联检查记录",
        ),
        Column("检查日期", "inspected_on", True, past_date, example="2022-01-09", note="不能晚于今天"),
        Column(
            "单位名称",
            "unit_name",
            parse=text_of(128),
            example="井田农贸市场",
            note="无统一社会信用代码时必填",
        ),
        Column("统一社会信用代码", "credit_code", parse=text_of(18), example="", note="有则优先按此查找单位"),
        Column("所属镇街", "township", example="桂林街道", note="按单位名称查找时用于区分同名单位"),
        Column("检查部门", "department", True, example="区应急管理局", note="部门全称或简称"),
        choice_column("检查类型", "kind", InspectionKind, required=True, example="执法检查"),
        Column("专项行动", "campaign", example="", note="本区县已登记的专项行动名称,可空"),
        Column("检查情况", "findings", example=""),
    ]
    notes = [
        "单位须已登记为生产经营单位(先导入生产经营单位);按统一社会信用代码查找,没有时按所属镇街内的单位名称查找。",
        "同一检查编号已导入且单位和日期相同的,不重复导入。",
    ]

    def prepare(self, ctx: ImportContext) -> None:
        from tiaodu.safety.units import UnitIndex

        super().prepare(ctx)
        district = district_of(ctx)
        ctx.cache["units"] = UnitIndex()
        ctx.cache["campaigns"] = {c.name: c.pk for c in Campaign.objects.filter(region=district)}

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        district = district_of(ctx)
        unit = self._unit(ctx, row, district)
        department = self._department(ctx, row, district)
        campaign_id = None
        if values.get("campaign"):
            campaign_id = ctx.cache["campaigns"].get(values["campaign"])
            if campaign_id is None:
                known = "、".join(list(ctx.cache["campaigns"])[:12]) or "无"
                ctx.error(
                    row.number,
                    "专项行动",
                    "campaign_unknown",
                    f"专项行动“{values['campaign']}”不存在于{district.name}(可选:{known})",
                )
        if unit is None or department is None or row.number in ctx.bad_rows:
            return
        if not may_write(ctx, unit.township.path, (department.pk, unit.sector.department_id)):
            ctx.denied_rows.append(row.number)
            ctx.error(row.number, "检查部门", "permission_denied", self.denied_message)
            return
        row.data = _InspectionRow(
            number=values["number"],
            inspected_on=values["inspected_on"],
            unit=unit,
            department_id=department.pk,
            kind=values["kind"],
            campaign_id=campaign_id,
            findings=values.get("findings", ""),
        )

    @staticmethod
    def _unit(ctx: ImportContext, row: Row, district: Region) -> Any:
        from tiaodu.safety.units import unknown_unit

        values = row.values
        code, name = values.get("credit_code", ""), values.get("unit_name", "")
        township = None
        if values.get("township"):
            try:
                township = memo(
                    ctx, "townships", values["township"], lambda: _township(ctx, values["township"])
                )
            except ServiceError as exc:
                ctx.service_error(row.number, exc)
                return None
        if not code and not name:
            ctx.error(row.number, "单位名称", "required", "单位名称和统一社会信用代码不能都为空")
            return None
        unit = ctx.cache["units"].find(district, credit_code=code, name=name, township=township)
        if unit is None:
            unknown = unknown_unit(code, name, township)
            ctx.error(
                row.number,
                "统一社会信用代码" if code and not name else "单位名称",
                "unit_unknown",
                unknown.errors[0].message if unknown.errors else unknown.message,
            )
        return unit

    @staticmethod
    def _department(ctx: ImportContext, row: Row, district: Region) -> Any:
        ref = row.values.get("department")
        if not ref:
            return None
        try:
            org = resolver_for(ctx).organization(ref, field="检查部门", label="检查部门")
        except ServiceError as exc:
            ctx.service_error(row.number, exc)
            return None
        if not org.region.path.startswith(district.path):
            ctx.error(
                row.number, "检查部门", "department_outside_district", f"检查部门“{ref}”不属于{district.name}"
            )
            return None
        return org

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        first: dict[str, int] = {}
        for row in rows:
            number = row.data.number
            if number in first:
                ctx.error(
                    row.number,
                    "检查编号",
                    "inspection_number_duplicate",
                    f"检查编号“{number}”与第{first[number]}行重复",
                )
            else:
                first[number] = row.number
        stored = _stored_inspections(district_of(ctx), list(first))
        for row in rows:
            found = stored.get(row.data.number)
            if found is None or row.number in ctx.bad_rows:
                continue
            if (found[1], found[2]) == (row.data.unit.pk, row.data.inspected_on):
                row.data = None  # already imported: left alone
                continue
            ctx.error(
                row.number,
                "检查编号",
                "inspection_number_duplicate",
                f"检查编号“{row.data.number}”已存在(单位或检查日期不同)",
            )

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        ctx.counts["unchanged"] += sum(1 for r in rows if r.data is None)
        rows = [r for r in rows if r.data is not None]
        district = district_of(ctx)
        actor_id = ctx.actor.pk if ctx.actor is not None else None
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            values = [
                {
                    "district_id": district.pk,
                    "township_id": r.data.unit.township_id,
                    "number": r.data.number,
                    "inspected_on": r.data.inspected_on,
                    "unit_id": r.data.unit.pk,
                    "sector_id": r.data.unit.sector_id,
                    "department_id": r.data.department_id,
                    "kind": r.data.kind,
                    "campaign_id": r.data.campaign_id,
                    "findings": r.data.findings,
                    "checklist": [],
                    "created_by_id": actor_id,
                }
                for r in chunk
            ]
            ids = insert_with_ids(Inspection, values)
            audit_objects(
                ctx,
                Inspection,
                [
                    AuditEntry(pk, f"{v['number']} {r.data.unit.name}", created_changes(v))
                    for pk, v, r in zip(ids, values, chunk, strict=True)
                ],
            )
            ctx.counts["created"] += len(ids)
            ctx.report(PHASE_WRITE, start + len(chunk), len(rows))


def _township(ctx: ImportContext, ref: str) -> Region:
    """A township of the import's district by name or code (raises, to be memoised per name)."""
    district = district_of(ctx)
    township = resolver_for(ctx).township(ref, field="所属镇街", label="镇街")
    if not township.path.startswith(district.path):
        raise invalid("所属镇街", "township_outside_district", f"镇街“{ref}”不属于{district.name}")
    return township


def in_list(model: Any, attname: str, values: list[Any]) -> Any:
    """``attname IN values`` as a filter: on PostgreSQL ``= ANY(%s)`` with one array parameter
    (a query of thousands of placeholders costs more to build and send than to run)."""
    from django.db import connections, router
    from django.db.models import BooleanField, Q
    from django.db.models.expressions import RawSQL

    connection = connections[router.db_for_read(model)]
    if connection.vendor != "postgresql":
        return Q(**{f"{attname}__in": values})
    column = next(f.column for f in model._meta.concrete_fields if f.attname == attname)
    table, quote = model._meta.db_table, connection.ops.quote_name
    # Identifiers from the model metadata; the values are one parameter.
    return RawSQL(f"{quote(table)}.{quote(column)} = ANY(%s)", (list(values),), output_field=BooleanField())  # noqa: S611


def _stored_inspections(district: Region, numbers: list[str]) -> dict[str, tuple[Any, ...]]:
    """number → (pk, unit, inspected_on, …) of the district's inspections with these numbers."""
    found: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(numbers), CHUNK):
        for values in Inspection.objects.filter(
            in_list(Inspection, "number", numbers[start : start + CHUNK]), district=district
        ).values_list(
            "number",
            "pk",
            "unit_id",
            "inspected_on",
            "township_id",
            "sector_id",
            "department_id",
            "kind",
            "unit__name",
            "unit__enterprise__organization_id",
            "sector__department_id",
            "township__path",
        ):
            found[values[0]] = values[1:]
    return found


# --- hazards -------------------------------------------------------------------------------------

GRADES = labels(HazardGrade) | {"一般": HazardGrade.GENERAL, "重大": HazardGrade.MAJOR}
STATES = labels(HazardState) | {
    "已验收": HazardState.ACCEPTED,
    "已销号": HazardState.ACCEPTED,
    "销号": HazardState.ACCEPTED,
}
OPEN_BEFORE_RECTIFIED = (HazardState.PENDING, HazardState.RECTIFYING)


@dataclass
class _HazardRow:
    number: str
    description: str
    grade: str
    mode: str
    deadline: date | None
    state: str | None
    rectified_on: date | None
    accepted_on: date | None
    responsible_person: str
    inspection: tuple[Any, ...] | None = None  # as _stored_inspections gives it
    acceptance_due: date | None = None  # after 提请验收: ``acceptance_days`` after rectification
    cards: CardHistory | None = None


@register
class HazardImporter(SafetyHistoryImporter):
    name = "hazards"
    title = "隐患"
    model = Hazard
    key_field = "number"
    denied_message = f"检查记录{DENIED}"
    columns = [
        Column(
            "检查编号",
            "number",
            True,
            text_of(_max(Inspection, "number")),
            example="AJ2022000001",
            note="须是已导入的检查记录",
        ),
        Column("隐患描述", "description", True, example="消防通道堆放杂物"),
        Column(
            "隐患等级",
            "grade",
            parse=choice(GRADES, HazardGrade.GENERAL),
            example="一般隐患",
            note="一般隐患/重大隐患,空白为一般隐患",
            options=tuple(labels(HazardGrade)),
        ),
        choice_column(
            "整改方式",
            "mode",
            RectifyMode,
            blank=RectifyMode.DEADLINE,
            example="限期整改",
            note="空白为限期整改;即查即改的隐患于发现当日整改并验收",
        ),
        Column(
            "整改期限",
            "deadline",
            parse=any_date,
            example="2022-01-24",
            note="限期整改空白时为检查日期后的默认工作日数",
        ),
        Column(
            "状态",
            "state",
            parse=choice(STATES),
            example="已验收(销号)",
            note="待整改/整改中/待验收/已验收(销号);空白时按所填日期确定",
            options=tuple(labels(HazardState)),
        ),
        Column(
            "整改完成日期",
            "rectified_on",
            parse=past_date,
            example="2022-01-20",
            note="待验收、已验收的隐患填写;已验收而未填的取验收日期",
        ),
        Column("验收日期", "accepted_on", parse=past_date, example="2022-01-22", note="不能早于整改完成日期"),
        Column("整改责任人", "responsible_person", parse=text_of(32), example=""),
    ]
    notes = [
        "按实际发生的历史导入:状态和日期按文件记录;重大隐患未附治理方案的标记为“缺治理方案”,不拒绝导入。",
        "同一检查记录下相同描述的隐患已导入的,不重复导入。",
    ]

    def prepare(self, ctx: ImportContext) -> None:
        from tiaodu.safety import reference
        from tiaodu.safety.inspections import settings_of

        super().prepare(ctx)
        reference.ensure_categories()
        ctx.cache["categories"] = {
            c.code: c for c in CaseCategory.objects.filter(workflow=WORKFLOW, code__in=HazardGrade.values)
        }
        ctx.cache["settings"] = settings_of(district_of(ctx))
        ctx.cache["pending"] = []

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        if values.get("number"):
            ctx.cache["pending"].append((row.number, values["number"]))
        rectified_on, accepted_on = values.get("rectified_on"), values.get("accepted_on")
        state, mode = values.get("state") or None, values.get("mode") or RectifyMode.DEADLINE
        if rectified_on and accepted_on and accepted_on < rectified_on:
            ctx.error(row.number, "验收日期", "acceptance_before_rectification", "验收日期早于整改完成日期")
        if state is None:
            if accepted_on or mode == RectifyMode.IMMEDIATE:
                state = HazardState.ACCEPTED
            elif rectified_on:
                state = HazardState.AWAITING
            else:
                state = HazardState.PENDING
        if state in OPEN_BEFORE_RECTIFIED and (rectified_on or accepted_on):
            ctx.error(row.number, "状态", "state_mismatch", "未整改完成的隐患不应填写整改完成日期或验收日期")
        if state == HazardState.AWAITING:
            if accepted_on:
                ctx.error(row.number, "验收日期", "state_mismatch", "待验收的隐患不应填写验收日期")
            if not rectified_on:
                ctx.error(row.number, "整改完成日期", "required", "待验收的隐患须填写整改完成日期")
        if mode == RectifyMode.IMMEDIATE and state != HazardState.ACCEPTED:
            ctx.error(row.number, "状态", "state_mismatch", "即查即改的隐患当场整改并验收,状态应为已验收")
        if state == HazardState.ACCEPTED and mode != RectifyMode.IMMEDIATE and not accepted_on:
            ctx.error(row.number, "验收日期", "required", "已验收的隐患须填写验收日期")
        if row.number in ctx.bad_rows or "description" not in values or "number" not in values:
            return
        row.data = _HazardRow(
            number=values["number"],
            description=values["description"],
            grade=values.get("grade") or HazardGrade.GENERAL,
            mode=mode,
            deadline=values.get("deadline"),
            state=state,
            rectified_on=rectified_on or (accepted_on if state == HazardState.ACCEPTED else None),
            accepted_on=accepted_on,
            responsible_person=values.get("responsible_person", ""),
        )

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        pending: list[tuple[int, str]] = ctx.cache.pop("pending", [])
        district = district_of(ctx)
        stored = _stored_inspections(district, sorted({n for _r, n in pending}))
        for number, ref in pending:
            if ref not in stored:
                ctx.error(
                    number,
                    "检查编号",
                    "inspection_unknown",
                    f"检查编号“{ref}”在{district.name}没有对应的检查记录",
                )
        settings = ctx.cache["settings"]
        today = timezone.localdate()
        for row in rows:
            data: _HazardRow = row.data
            if data is None or row.number in ctx.bad_rows:
                continue
            data.inspection = found = stored[data.number]
            found_on = found[2]
            if not may_write(ctx, found[10], (found[5], found[9])):
                ctx.denied_rows.append(row.number)
                ctx.error(row.number, "检查编号", "permission_denied", self.denied_message)
                continue
            if data.mode == RectifyMode.IMMEDIATE:
                data.deadline = data.deadline or found_on
                data.rectified_on = data.rectified_on or found_on
                data.accepted_on = data.accepted_on or found_on
            for header, day, code, what in (
                ("整改期限", data.deadline, "deadline_before_found", "整改期限"),
                ("整改完成日期", data.rectified_on, "rectified_before_found", "整改完成日期"),
                ("验收日期", data.accepted_on, "accepted_before_found", "验收日期"),
            ):
                if day is not None and day < found_on:
                    ctx.error(
                        row.number, header, code, f"{what}{day:%Y-%m-%d}早于检查日期{found_on:%Y-%m-%d}"
                    )
            try:
                if data.deadline is None:
                    data.deadline = due_date(ctx, found_on, settings.rectify_days)
                if data.rectified_on is not None and data.mode != RectifyMode.IMMEDIATE:
                    data.acceptance_due = due_date(ctx, data.rectified_on, settings.acceptance_days)
                category = ctx.cache["categories"][data.grade]
                data.cards = card_history(
                    data,
                    today,
                    category.yellow_after_days,
                    category.red_after_days,
                    lambda day, n: due_date(ctx, day, n),
                )
            except ServiceError as exc:
                ctx.error(row.number, "检查编号", exc.code, exc.message)

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        rows = [r for r in rows if r.data is not None]
        existing = _existing_hazards(sorted({r.data.inspection[0] for r in rows}))
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            new = []
            for row in chunk:
                key = (row.data.inspection[0], row.data.description)
                if existing[key] > 0:
                    existing[key] -= 1
                    ctx.counts["unchanged"] += 1
                else:
                    new.append(row)
            self._write_chunk(ctx, new)
            ctx.report(PHASE_WRITE, start + len(chunk), len(rows))

    def _write_chunk(self, ctx: ImportContext, rows: list[Row]) -> None:
        """Cases as ``cases.open_case`` writes them (numbered, with co-handlers and their opening
        event) in the file's state and dates, then the hazards, and one audit entry per hazard."""
        if not rows:
            return
        wf = get_workflow(WORKFLOW)
        actor = ctx.actor
        now = timezone.now()
        starts: dict[date, datetime] = ctx.cache.setdefault("day_starts", {})
        case_rows, co_orgs, hazard_rows = [], [], []
        for row in rows:
            case_values, co = self._case_values(ctx, wf, row.data, now, starts)
            case_rows.append(case_values)
            co_orgs.append(co)
        case_ids = insert_numbered_cases(case_rows, wf.code[:2].upper())
        through = Case.co_orgs.through
        bulk_insert(
            through,
            [
                {"case_id": pk, "organization_id": org}
                for pk, co in zip(case_ids, co_orgs, strict=True)
                for org in co
            ],
        )
        records = []
        for pk, row in zip(case_ids, rows, strict=True):
            cards = row.data.cards
            if cards is not None and cards.yellow_on is not None:
                lifted = {"lifted_on": cards.lifted_on}
                records.append(
                    {
                        "case_id": pk,
                        "card": Card.YELLOW,
                        "issued_on": cards.yellow_on,
                        "reason": OVERDUE,
                        **lifted,
                    }
                )
                if cards.red_on is not None:
                    records.append(
                        {"case_id": pk, "card": Card.RED, "issued_on": cards.red_on, "reason": LATE, **lifted}
                    )
        bulk_insert(CardRecord, records)
        events = []
        for pk, values, row in zip(case_ids, case_rows, rows, strict=True):
            events.append(
                {
                    "case_id": pk,
                    "kind": EventKind.TRANSITION,
                    "action": "open",
                    "to_state": values["state"],
                    "note": f"受理,办结时限{values['due_on']:%Y-%m-%d}",
                }
            )
            note = f"{IMPORT_NOTE}(文件“{ctx.file_name}”第{row.number}行):状态“{wf.states[values['state']]}”"
            if values.get("yellow_at"):
                note += f",{values['yellow_at']:%Y-%m-%d}逾期挂黄牌"
            if values.get("red_at"):
                note += f",{values['red_at']:%Y-%m-%d}升级红牌"
            events.append({"case_id": pk, "kind": EventKind.COMMENT, "action": "import", "note": note})
        bulk_insert(
            CaseEvent,
            events,
            shared={
                "actor_id": actor.pk if actor else None,
                "actor_org_id": getattr(actor, "organization_id", None),
            },
        )
        district = district_of(ctx)
        for pk, row in zip(case_ids, rows, strict=True):
            data: _HazardRow = row.data
            found = data.inspection
            assert found is not None
            major = data.grade == HazardGrade.MAJOR
            hazard_rows.append(
                {
                    "case_id": pk,
                    "inspection_id": found[0],
                    "district_id": district.pk,
                    "township_id": found[3],
                    "unit_id": found[1],
                    "sector_id": found[4],
                    "department_id": found[5],
                    "description": data.description,
                    "grade": data.grade,
                    "mode": data.mode,
                    "deadline": data.deadline,
                    "responsible_person": data.responsible_person,
                    "found_on": found[2],
                    "rectified_on": data.rectified_on,
                    "accepted_on": data.accepted_on,
                    "is_supervised": major,
                    "supervised_on": found[2] if major else None,
                    "missing_plan": major,
                }
            )
        ids = insert_with_ids(Hazard, hazard_rows)
        audit_objects(
            ctx,
            Hazard,
            [
                AuditEntry(pk, values["description"][:40], created_changes(values))
                for pk, values in zip(ids, hazard_rows, strict=True)
            ],
        )
        ctx.counts["created"] += len(ids)

    @staticmethod
    def _case_values(
        ctx: ImportContext, wf: Any, data: _HazardRow, now: datetime, starts: dict[date, datetime]
    ) -> tuple[dict[str, Any], list[int]]:
        found = data.inspection
        assert found is not None
        (
            _pk,
            _unit,
            found_on,
            township_id,
            _sector,
            department_id,
            kind,
            unit_name,
            submitter,
            sector_dept,
        ) = found[:10]
        handling = accepting_department_id(data.grade, department_id, sector_dept)
        state = data.state or HazardState.PENDING
        due_on = data.acceptance_due if state == HazardState.AWAITING else data.deadline
        values: dict[str, Any] = {
            "workflow": WORKFLOW,
            "number": uuid.uuid4().hex,
            "category_id": ctx.cache["categories"][data.grade].pk,
            "title": case_title(unit_name, data.description),
            "description": data.description,
            "state": state,
            "source": str(InspectionKind(kind).label),
            "region_id": township_id,
            "submitter_org_id": submitter,
            "handling_org_id": handling,
            "raised_on": found_on,
            "due_on": due_on,
            "is_open": state in wf.open_states,
            "created_by_id": ctx.actor.pk if ctx.actor is not None else None,
            "accepted_at": start_of_day(found_on, starts),
        }
        if state != HazardState.PENDING:
            values["started_at"] = start_of_day(found_on, starts)
        if state == HazardState.ACCEPTED and data.accepted_on is not None:
            values["resolved_at"] = start_of_day(data.accepted_on, starts)
            values["resolution"] = "即查即改" if data.mode == RectifyMode.IMMEDIATE else IMPORT_NOTE
        cards = data.cards
        if cards is not None and cards.yellow_on is not None:
            values.update(yellow_count=1, yellow_at=cards.yellow_on, red_at=cards.red_on)
            if values["is_open"]:
                values["card"] = Card.RED if cards.red_on is not None else Card.YELLOW
        return values, co_handler_ids(handling, department_id, sector_dept)


ONE_DAY = timedelta(days=1)


@dataclass
class CardHistory:
    """The cards a hazard carried: yellow and red issue dates, lifted on acceptance."""

    yellow_on: date | None = None
    red_on: date | None = None
    lifted_on: date | None = None


def card_history(
    data: _HazardRow,
    today: date,
    yellow_after: int,
    red_after: int,
    workdays: Callable[[date, int], date],
) -> CardHistory:
    """The cards the daily sweep would have issued had the hazard been on the platform from the
    day it was found (history as it happened; the sweep's rule, see :func:`tiaodu.cases.sweep.sweep`).

    The due date is the 整改期限 until the rectification (提请验收) and ``acceptance_due`` after
    it; a day's sweep sees the case as it was the evening before, so a case is late on day ``t``
    by ``n`` working days when ``t`` is past the due date and ``t >= add_workdays(due, n)``.
    Yellow on the first late day, red on the first day after it that is ``red_after`` working
    days late, both lifted on acceptance; nothing after acceptance (or today, for open cases).
    """
    deadline, rectified, accepted, second = (
        data.deadline,
        data.rectified_on,
        data.accepted_on,
        data.acceptance_due,
    )
    if deadline is None:
        return CardHistory()
    end = accepted or today

    def late_from(due: date, n: int) -> date:
        return due + ONE_DAY if n == 0 else max(due + ONE_DAY, workdays(due, n))

    def first_day(due: date, n: int, after: date, until: date | None) -> date | None:
        day = max(late_from(due, n), after)
        return day if day <= end and (until is None or day <= until) else None

    floor = date.min + ONE_DAY
    yellow = first_day(deadline, yellow_after, floor, rectified)
    if yellow is None and rectified is not None and second is not None:
        yellow = first_day(second, yellow_after, rectified + ONE_DAY, None)
    if yellow is None:
        return CardHistory()
    red = None
    if rectified is None or yellow <= rectified:
        red = first_day(deadline, red_after, yellow + ONE_DAY, rectified)
    if red is None and rectified is not None and second is not None:
        red = first_day(second, red_after, max(yellow, rectified) + ONE_DAY, None)
    return CardHistory(yellow, red, accepted)


def _existing_hazards(inspection_ids: list[int]) -> Counter[tuple[int, str]]:
    found: Counter[tuple[int, str]] = Counter()
    for start in range(0, len(inspection_ids), CHUNK):
        found.update(
            Hazard.objects.filter(
                in_list(Hazard, "inspection_id", inspection_ids[start : start + CHUNK])
            ).values_list("inspection_id", "description")
        )
    return found


def insert_numbered_cases(rows: list[dict[str, Any]], prefix: str) -> list[int]:
    """Insert cases numbered as ``cases.open_case`` numbers them (prefix, year raised, id): on
    PostgreSQL with ids reserved first and one COPY; elsewhere inserted, then numbered. The
    same steps as the appeal import's (a candidate for the case engine)."""
    ids = reserve_ids(Case, len(rows))
    if ids is not None:
        for pk, values in zip(ids, rows, strict=True):
            values["id"], values["number"] = pk, f"{prefix}{values['raised_on']:%Y}{pk:07d}"
        bulk_insert(Case, rows, with_pk=True)
        return ids
    ids = bulk_insert_returning(Case, rows)
    for pk, values in zip(ids, rows, strict=True):
        values["number"] = f"{prefix}{values['raised_on']:%Y}{pk:07d}"
    bulk_update_rows(
        Case, ["number"], [{"pk": pk, "number": v["number"]} for pk, v in zip(ids, rows, strict=True)]
    )
    return ids
