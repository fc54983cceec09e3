"""Imports of penalty decisions and accidents (``tiaodu import penalties|accidents FILE``).

Where a row is: its 所属镇街 (a code, or a name resolved the shared way — the actor's district
first, then anywhere when unique: 万州区太安镇 for another district's 太安镇); a row without a
township belongs to the actor's district (the operator's: ``settings.HOME_REGION_CODE``).
Units are found by 统一社会信用代码, else by 单位名称 within the township
(:class:`tiaodu.safety.units.UnitIndex`, the rule of ``units.find_unit``).

``penalties``: one row per 行政处罚决定书. 处罚种类 lists one or more kinds of 第五条 separated by
、(or ,;/); 罚款金额(元) goes with 罚款, 没收违法所得(元) with 没收违法所得, and the other kinds carry
no amount (``fine_amount_required`` / ``amount_without_fine``). The 执法部门 is the column when
present, else the inspection's department (检查编号), else the importing department user's
organisation, else the sector's supervising department. A 文号 already used in the district, or
twice in the file, is refused (``document_number_duplicate``); an unknown 检查编号 is
``inspection_unknown``. Written in bulk.

``accidents``: one row per accident; the grade is computed (条例第三条), never read. The unit is
linked when found, else only its name is kept. A row for the same township, date and unit name
as a registered accident updates it (a corrected register can be imported again).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tiaodu.accounts.choices import Role
from tiaodu.core.errors import InvalidInput, ServiceError
from tiaodu.core.imports import (
    NUMBER_TOO_LARGE,
    PHASE_WRITE,
    AuditEntry,
    CellError,
    Column,
    ImportContext,
    Importer,
    Row,
    audit_objects,
    bulk_insert,
    created_changes,
    decimal_for,
    past_date,
    register,
    text,
    text_of,
)
from tiaodu.core.permissions import scope_q
from tiaodu.core.resolve import actor_district, district_of, resolver_for
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region
from tiaodu.safety import accidents as accident_service
from tiaodu.safety.choices import AMOUNT_KINDS, DocumentKind, PenaltyKind
from tiaodu.safety.enforcement import PENALTY_LABELS, check_penalties, penalty_kind
from tiaodu.safety.models import Accident, EnforcementDocument, Inspection, PenaltyItem, Sector, Unit

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.safety.units import UnitIndex

CHUNK = 500  # ids per IN (…) list (SQLite's parameter limit)
FINE_HEADER = "罚款金额(元)"
CONFISCATION_HEADER = "没收违法所得(元)"
KIND_HEADER = "处罚种类"
_KIND_SEPARATORS = re.compile(r"[、,,;;/]+")


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def penalty_kinds(raw: Any) -> list[str]:
    """处罚种类: one or more kinds separated by 、(or ,;/), each by label, code or usual wording."""
    words = [w.strip() for w in _KIND_SEPARATORS.split(text(raw)) if w.strip()]
    kinds: list[str] = []
    for word in words:
        try:
            kinds.append(penalty_kind(word))
        except ServiceError as exc:
            raise CellError(exc.errors[0].code, exc.errors[0].message) from None
    return kinds


def count_of(label: str) -> Any:
    """A number of people: a whole number, not negative (``value_negative``)."""

    def parse(raw: Any) -> int:
        if raw is None:
            return 0
        value = text(raw).replace(",", "")
        try:
            number = Decimal(value)
        except ArithmeticError:
            raise CellError("integer_invalid", f"“{value[:40]}”不是整数") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise CellError("integer_invalid", f"“{value[:40]}”不是整数")
        if number < 0:
            raise CellError("value_negative", f"{label}不能为负数")
        if number > 1_000_000:
            raise CellError("number_too_large", f"“{value}”超出范围")
        return int(number)

    return parse


def not_negative(parse: Any, label: str) -> Any:
    """A Decimal column whose negative values are ``value_negative`` (not merely out of range)."""

    def checked(raw: Any) -> Decimal | None:
        try:
            value: Decimal | None = parse(raw)
        except CellError as exc:
            if exc.code == NUMBER_TOO_LARGE and text(raw).startswith("-"):
                raise CellError("value_negative", f"{label}不能为负数") from None
            raise
        return value

    return checked


# --- where a row is: township, district, unit --------------------------------------------------


def _home(ctx: ImportContext) -> Region | None:
    if "home" not in ctx.cache:
        ctx.cache["home"] = actor_district(ctx.actor)
    home: Region | None = ctx.cache["home"]
    return home


def _units(ctx: ImportContext) -> UnitIndex:
    found = ctx.cache.get("units")
    if found is None:
        from tiaodu.safety.units import UnitIndex

        found = ctx.cache["units"] = UnitIndex()
    index: UnitIndex = found
    return index


def place_of(ctx: ImportContext, row: Row, header: str = "所属镇街") -> tuple[Region | None, Region | None]:
    """(township, district) of a row; (None, None) and the row's error when unusable."""
    ref = row.values.get("township") or ""
    if not ref:
        home = _home(ctx)
        if home is None:
            ctx.error(row.number, header, "township_required", "请填写所属镇街")
        return None, home
    try:
        township = resolver_for(ctx).township(ref, field=header, label="镇街")
    except ServiceError as exc:
        ctx.service_error(row.number, exc)
        return None, None
    districts: dict[int, Region] = ctx.cache.setdefault("districts", {})
    if township.pk not in districts:
        districts[township.pk] = district_of(township)
    return township, districts[township.pk]


def unit_of(ctx: ImportContext, row: Row, township: Region | None, district: Region) -> Unit | None:
    """The row's unit by credit code, else name within the township (None when not found)."""
    return _units(ctx).find(
        district,
        credit_code=row.values.get("credit_code") or "",
        name=row.values.get("unit_name") or "",
        township=township,
    )


def claim_rows(ctx: ImportContext, model: type[Any], written: dict[int, Row]) -> set[int]:
    """The permission check of rows an import wrote with ``created_by`` empty: those outside the
    actor's "add" scope are reported (and deleted in partial mode); the others get the actor as
    their author. (``core.imports.refuse_written`` trusts ``created_by`` to put every row in
    scope, which would let a town user import another township's rows.)"""
    actor = ctx.actor
    if actor is None or not written:
        return set()
    ids = list(written)
    if scope_q(actor, model, "add") is None:
        ok = set(ids)
    else:
        ok = set()
        for part in _chunks(ids):
            ok.update(model.objects.restrict(actor, "add").filter(pk__in=part).values_list("pk", flat=True))
    refused = set(ids) - ok
    for pk in sorted(refused, key=lambda pk: written[pk].number):
        ctx.denied_rows.append(written[pk].number)
        ctx.error(
            written[pk].number, ctx.importer.key_field, "permission_denied", ctx.importer.denied_message
        )
    if refused and ctx.partial:
        for part in _chunks(sorted(refused)):
            model.objects.filter(pk__in=part).delete()
    for part in _chunks(sorted(ok)):
        model.objects.filter(pk__in=part).update(created_by=actor)
    return refused


# --- penalties -----------------------------------------------------------------------------------


@dataclass
class _Decision:
    township: Region | None
    district: Region
    unit: Unit
    kinds: list[str]
    department: Organization | None = None
    inspection: Inspection | None = None
    penalties: list[tuple[str, Decimal | None]] = field(default_factory=list)


@register
class PenaltyImporter(Importer):
    name = "penalties"
    title = "行政处罚"
    model = EnforcementDocument
    key_field = "number"
    denied_message = "该单位的行政处罚不在您的录入范围内"
    field_headers = {
        "penalties": KIND_HEADER,
        "unit": "单位名称",
        "department": "执法部门",
        "inspection": "检查编号",
        "issued_on": "处罚日期",
    }
    columns = [
        Column("决定书文号", "number", True, text_of(64), example="(潼)应急罚〔2022〕12号"),
        Column(
            "检查编号", "inspection", parse=text_of(32), example="JC2022000123", note="可选,对应的检查记录"
        ),
        Column("单位名称", "unit_name", True, text_of(128), example="重庆某某化工有限公司"),
        Column("统一社会信用代码", "credit_code", parse=text_of(18), note="有则按代码查找单位"),
        Column("所属镇街", "township", parse=text_of(64), example="桂林街道"),
        Column("处罚日期", "issued_on", True, past_date, example="2022-03-15"),
        Column(
            KIND_HEADER,
            "kinds",
            True,
            penalty_kinds,
            example="警告、罚款",
            note="多种以“、”分隔:" + "、".join(PENALTY_LABELS.values()),
        ),
        Column(
            FINE_HEADER,
            "fine",
            parse=not_negative(decimal_for(PenaltyItem, "amount", low=None, unit="元"), "罚款金额"),
            aliases=("罚款金额",),
            example=20000,
            note="处罚种类含罚款时必填",
        ),
        Column(
            CONFISCATION_HEADER,
            "confiscation",
            parse=not_negative(decimal_for(PenaltyItem, "amount", low=None, unit="元"), "没收违法所得"),
            aliases=("没收金额(元)",),
            note="处罚种类含没收违法所得时必填",
        ),
        Column("执法部门", "department", parse=text_of(128), note="空白时取检查记录的检查部门或行业监管部门"),
        Column("主要内容", "content", parse=text, aliases=("违法事实",)),
    ]
    notes = [
        "每行为一份行政处罚决定书;决定书文号在本区县内不能重复。",
        "单位须已登记(先导入生产经营单位):有统一社会信用代码的按代码查找,否则按所属镇街内的单位名称查找。",
    ]

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        township, district = place_of(ctx, row)
        if district is None:
            return
        unit = unit_of(ctx, row, township, district) if values.get("unit_name") else None
        if unit is None:
            if values.get("unit_name"):
                from tiaodu.safety.units import unknown_unit

                ctx.service_error(
                    row.number, unknown_unit(values.get("credit_code") or "", values["unit_name"], township)
                )
            return
        kinds = values.get("kinds")
        if kinds is None:
            return
        pairs: list[tuple[str, Decimal | None]] = []
        for kind in kinds:
            amount = values.get(KIND_AMOUNT_FIELDS[kind]) if kind in AMOUNT_KINDS else None
            pairs.append((kind, amount))
        for amount_field, kind, header in (
            ("fine", PenaltyKind.FINE, FINE_HEADER),
            ("confiscation", PenaltyKind.CONFISCATION, CONFISCATION_HEADER),
        ):
            if values.get(amount_field) is not None and kind not in kinds:
                ctx.error(
                    row.number,
                    header,
                    "amount_without_fine",
                    f"处罚种类不含“{PENALTY_LABELS[kind]}”,不应填写{header}",
                )
        try:
            penalties = check_penalties(DocumentKind.DECISION, pairs)
        except InvalidInput as exc:
            for err in exc.errors:
                header = KIND_HEADER
                if err.code == "fine_amount_required":
                    header = CONFISCATION_HEADER if "没收" in err.message else FINE_HEADER
                ctx.error(row.number, header, err.code, err.message)
            return
        department = None
        if values.get("department"):
            department = self._department(ctx, row, values["department"], district)
            if department is None:
                return
        row.data = _Decision(township, district, unit, kinds, department, penalties=penalties)

    @staticmethod
    def _department(ctx: ImportContext, row: Row, ref: str, district: Region) -> Organization | None:
        try:
            org = resolver_for(ctx).organization(ref, field="执法部门", label="执法部门")
        except ServiceError as exc:
            ctx.service_error(row.number, exc)
            return None
        if not org.region.path.startswith(district.path):
            ctx.error(row.number, "执法部门", "department_unknown", f"执法部门“{ref}”不属于{district.name}")
            return None
        return org

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        good = [r for r in rows if r.data is not None and r.number not in ctx.bad_rows]
        # 文号: once per district in the file, and not used yet.
        seen: dict[tuple[int, str], int] = {}
        for row in good:
            key = (row.data.district.pk, row.values["number"])
            if key in seen:
                ctx.error(
                    row.number,
                    "决定书文号",
                    "document_number_duplicate",
                    f"文号“{key[1]}”与第{seen[key]}行重复",
                )
            else:
                seen[key] = row.number
        by_district: dict[int, list[str]] = {}
        for district_pk, number in seen:
            by_district.setdefault(district_pk, []).append(number)
        taken: set[tuple[int, str]] = set()
        inspections: dict[tuple[int, str], Inspection] = {}
        wanted: dict[int, list[str]] = {}
        for row in good:
            if row.values.get("inspection"):
                wanted.setdefault(row.data.district.pk, []).append(row.values["inspection"])
        for district_pk, numbers in by_district.items():
            for part in _chunks(numbers):
                taken.update(
                    (district_pk, n)
                    for n in EnforcementDocument.objects.filter(
                        district_id=district_pk, number__in=part
                    ).values_list("number", flat=True)
                )
        for district_pk, numbers in wanted.items():
            for part in _chunks(sorted(set(numbers))):
                for checked in Inspection.objects.filter(
                    district_id=district_pk, number__in=part
                ).select_related("department"):
                    inspections[(district_pk, checked.number)] = checked
        actor_org = self._actor_department(ctx.actor)
        for row in good:
            if row.number in ctx.bad_rows:
                continue
            data: _Decision = row.data
            if (data.district.pk, row.values["number"]) in taken:
                ctx.error(
                    row.number,
                    "决定书文号",
                    "document_number_duplicate",
                    f"文号“{row.values['number']}”已被{data.district.name}的其他执法文书使用",
                )
            ref = row.values.get("inspection")
            if ref:
                found = inspections.get((data.district.pk, ref))
                if found is None:
                    ctx.error(row.number, "检查编号", "inspection_unknown", f"检查编号“{ref}”不存在")
                    continue
                if found.unit_id != data.unit.pk:
                    ctx.error(
                        row.number,
                        "检查编号",
                        "inspection_unit_mismatch",
                        f"检查记录“{ref}”不是对“{data.unit.name}”的检查",
                    )
                    continue
                if row.values["issued_on"] < found.inspected_on:
                    ctx.error(row.number, "处罚日期", "issued_before_inspection", "处罚日期不能早于检查日期")
                    continue
                data.inspection = found
            if data.department is None:
                data.department = self._default_department(ctx, data, actor_org)
            if data.department is None:
                ctx.error(
                    row.number,
                    "执法部门",
                    "department_unknown",
                    "无法确定执法部门:请填写执法部门或检查编号,或为行业领域指定监管部门",
                )

    @staticmethod
    def _actor_department(actor: User | None) -> Organization | None:
        if actor is None or actor.role != Role.DEPARTMENT:
            return None
        org = actor.organization
        return org if org is not None and org.kind == OrgKind.DEPARTMENT else None

    @staticmethod
    def _default_department(
        ctx: ImportContext, data: _Decision, actor_org: Organization | None
    ) -> Organization | None:
        if data.inspection is not None:
            return data.inspection.department
        if actor_org is not None and actor_org.region.path.startswith(data.district.path):
            return actor_org
        supervisors: dict[int, Organization | None] = ctx.cache.setdefault("supervisors", {})
        sector_id = data.unit.sector_id
        if sector_id not in supervisors:
            sector = Sector.objects.select_related("department").get(pk=sector_id)
            supervisors[sector_id] = sector.department
        return supervisors[sector_id]

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        from tiaodu.core.imports import insert_with_ids

        documents: list[dict[str, Any]] = []
        for row in rows:
            data: _Decision = row.data
            assert data.department is not None
            documents.append(
                {
                    "district_id": data.district.pk,
                    "township_id": data.unit.township_id,
                    "kind": DocumentKind.DECISION.value,
                    "number": row.values["number"],
                    "unit_id": data.unit.pk,
                    "sector_id": data.unit.sector_id,
                    "department_id": data.department.pk,
                    "inspection_id": data.inspection.pk if data.inspection else None,
                    "issued_on": row.values["issued_on"],
                    "content": row.values.get("content") or "",
                    "created_by_id": None,
                }
            )
        ids = insert_with_ids(EnforcementDocument, documents)
        bulk_insert(
            PenaltyItem,
            [
                {"document_id": pk, "kind": kind, "amount": amount}
                for pk, row in zip(ids, rows, strict=True)
                for kind, amount in row.data.penalties
            ],
        )
        written = dict(zip(ids, rows, strict=True))
        refused = claim_rows(ctx, EnforcementDocument, written)
        audit_objects(
            ctx,
            EnforcementDocument,
            [
                AuditEntry(pk, values["number"], created_changes(values))
                for pk, values in zip(ids, documents, strict=True)
                if pk not in refused
            ],
        )
        ctx.counts["created"] += len(ids) - len(refused)
        ctx.report(PHASE_WRITE, len(rows), len(rows))


KIND_AMOUNT_FIELDS = {PenaltyKind.FINE: "fine", PenaltyKind.CONFISCATION: "confiscation"}


# --- accidents ------------------------------------------------------------------------------------


@dataclass
class _AccidentRow:
    values: dict[str, Any]
    existing: Accident | None


@register
class AccidentImporter(Importer):
    name = "accidents"
    title = "生产安全事故"
    model = Accident
    key_field = "unit_name"
    denied_message = "该事故不在您的录入范围内"
    field_headers = {
        "township": "所属镇街",
        "sector": "行业领域",
        "unit": "单位名称",
        "direct_loss": "直接经济损失(万元)",
    }
    columns = [
        Column("发生日期", "occurred_on", True, past_date, example="2021-06-18"),
        Column("单位名称", "unit_name", True, text_of(128), example="重庆某某建材有限公司"),
        Column("所属镇街", "township", True, text_of(64), example="桂林街道"),
        Column("行业领域", "sector", parse=text_of(32), example="工贸", note="空白时取登记单位的行业领域"),
        Column("死亡人数", "deaths", parse=count_of("死亡人数"), example=0),
        Column("重伤人数", "serious_injuries", parse=count_of("重伤人数"), example=1, note="含急性工业中毒"),
        Column(
            "直接经济损失(万元)",
            "direct_loss",
            parse=not_negative(decimal_for(Accident, "direct_loss", low=None, unit="万元"), "直接经济损失"),
            aliases=("直接经济损失",),
            example=35.5,
        ),
        Column("事故简况", "summary", parse=text, example="一名工人在设备检修时被挤压受伤"),
    ]
    notes = [
        "事故等级按《生产安全事故报告和调查处理条例》第三条由死亡、重伤人数和直接经济损失自动计算,不需填写。",
        "单位已登记的自动关联;未登记的只记录单位名称。",
        "同一镇街、同一发生日期、同一单位名称的事故已登记的,按文件更新。",
    ]

    def prepare(self, ctx: ImportContext) -> None:
        from tiaodu.safety.reference import SectorLookup

        ctx.cache["sectors"] = SectorLookup()

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        township, district = place_of(ctx, row)
        if township is None or district is None:
            return
        unit = unit_of(ctx, row, township, district) if values.get("unit_name") else None
        sector = unit.sector if unit is not None else None
        if values.get("sector"):
            try:
                sector = ctx.cache["sectors"](district, values["sector"], field="行业领域")
            except ServiceError as exc:
                ctx.service_error(row.number, exc)
                return
        if sector is None:
            ctx.error(row.number, "行业领域", "sector_unknown", "单位未登记,请填写行业领域")
            return
        fields: dict[str, Any] = {
            "township": township,
            "occurred_on": values.get("occurred_on"),
            "unit": unit,
            "unit_name": values.get("unit_name") or "",
            "sector": sector,
            "deaths": values.get("deaths") or 0,
            "serious_injuries": values.get("serious_injuries") or 0,
            "direct_loss": values.get("direct_loss") or Decimal(0),
            "summary": values.get("summary") or "",
        }
        existing = Accident.objects.filter(
            township=township, occurred_on=fields["occurred_on"], unit_name=fields["unit_name"]
        ).first()
        row.data = _AccidentRow(fields, existing)

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        seen: dict[tuple[Any, ...], int] = {}
        for row in rows:
            if row.data is None:
                continue
            values = row.data.values
            key = (values["township"].pk, values["occurred_on"], values["unit_name"])
            if key in seen:
                ctx.error(
                    row.number,
                    "单位名称",
                    "duplicate_row",
                    f"同一镇街、日期和单位的事故与第{seen[key]}行重复",
                )
            else:
                seen[key] = row.number

    def save(self, ctx: ImportContext, row: Row) -> str:
        data: _AccidentRow = row.data
        if data.existing is None:
            accident_service.record_accident(ctx.actor, **data.values)
            return "created"
        before = _facts(data.existing)
        updated = accident_service.update_accident(ctx.actor, data.existing.pk, **data.values)
        return "unchanged" if _facts(updated) == before else "updated"


def _facts(accident: Accident) -> tuple[Any, ...]:
    return (
        accident.unit_id,
        accident.sector_id,
        accident.deaths,
        accident.serious_injuries,
        Decimal(accident.direct_loss),
        accident.summary,
    )
