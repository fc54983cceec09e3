"""Import ``safety-units`` (生产经营单位): 单位名称, 统一社会信用代码, 所属镇街, 行业领域, 单位类型,
风险等级, 经度, 纬度 (and optionally 地址, 安全负责人 and the 两单两卡).

A row updates the unit with its 统一社会信用代码, else the unit of that name in the township, and
creates one otherwise — with the rules of :mod:`tiaodu.safety.units` (credit-code check digit,
township and sector of the district, coordinates in the district, the registry enterprise linked
by credit code or by name in the township, one unit per code and per name in a township, a
non-administrator writing only in their own district or township). Rows are checked with
memoised lookups and written in bulk, chunk by chunk, with one audit entry per unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q

from tiaodu.core.errors import FieldError, ServiceError
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
    bulk_update_rows,
    created_changes,
    decimal_for,
    insert_with_ids,
    memo,
    refuse_written,
    register,
    text_of,
)
from tiaodu.core.permissions import scope_q
from tiaodu.core.resolve import credit_code, resolver_for
from tiaodu.projects.services import validate_coordinates, validate_in_district
from tiaodu.regions.models import Region
from tiaodu.safety import reference, units
from tiaodu.safety.choices import RISK_COLOUR_LABELS, RISK_COLOURS, TWO_LISTS_TWO_CARDS, RiskLevel, UnitType
from tiaodu.safety.models import Unit

CHUNK = 2000
YES_NO = ("是", "否")
UNIT_TYPES = tuple(str(label) for _v, label in UnitType.choices)
RISK_OPTIONS = tuple(str(label).removesuffix("风险") for _v, label in RiskLevel.choices)


def _max(name: str) -> int:
    return int(getattr(Unit._meta.get_field(name), "max_length", 0) or 0)


def _unit_type(raw: Any) -> str:
    if raw is None:
        return ""
    try:
        return units.unit_type_of(str(raw))
    except ServiceError as exc:
        raise CellError("invalid_choice", exc.errors[0].message) from None


def _risk_level(raw: Any) -> str:
    if raw is None:
        return ""
    try:
        return units.risk_level_of(str(raw))
    except ServiceError as exc:
        raise CellError("invalid_choice", exc.errors[0].message) from None


@dataclass
class _UnitRow:
    district: Region
    township: Region
    code: str
    name: str
    fields: dict[str, Any] = field(default_factory=dict)  # Unit attname → value, columns present


@register
class SafetyUnitImporter(Importer):
    name = "safety-units"
    title = "生产经营单位"
    model = Unit
    key_field = "name"
    denied_message = "该单位不在您的管辖范围内"
    columns = [
        Column("单位名称", "name", True, text_of(_max("name")), example="重庆潼南某某化工有限公司"),
        Column(
            "统一社会信用代码",
            "credit_code",
            example="91500152MA5U00001F",
            note="有则填写,18位,按 GB 32100-2015 校验;填写后按此代码匹配已有单位和企业名录",
        ),
        Column(
            "所属镇街", "township", True, example="古溪镇", note="镇街名称或9位区划代码", aliases=("镇街",)
        ),
        Column(
            "行业领域",
            "sector",
            True,
            example="工贸",
            note="本区县的行业领域名称或代码",
            options=tuple(name for _c, name, _d in reference.DEFAULT_SECTORS),
        ),
        Column(
            "单位类型",
            "unit_type",
            parse=_unit_type,
            example="企业",
            note="可选:" + "、".join(UNIT_TYPES) + ";留空为企业",
            options=UNIT_TYPES,
        ),
        Column(
            "风险等级",
            "risk_level",
            parse=_risk_level,
            example="较大",
            note="重大/较大/一般/低(或 红/橙/黄/蓝);留空为低",
            options=RISK_OPTIONS,
        ),
        Column("经度", "longitude", parse=decimal_for(Unit, "longitude"), example="105.840000"),
        Column("纬度", "latitude", parse=decimal_for(Unit, "latitude"), example="30.190000"),
        Column("地址", "address", parse=text_of(_max("address")), example=""),
        Column("安全负责人", "contact_name", parse=text_of(_max("contact_name")), example=""),
        *[
            Column(str(label), name, parse=boolean, example="是", options=YES_NO)
            for name, label in TWO_LISTS_TWO_CARDS.items()
        ],
    ]
    notes = [
        "有统一社会信用代码的单位按代码匹配,否则按“所属镇街 + 单位名称”匹配:已有的单位只更新文件中出现的列,没有的新增。",
        "有统一社会信用代码或与企业名录中同镇街同名的单位,自动关联该企业。",
        "风险等级显示为四色:重大=红、较大=橙、一般=黄、低=蓝"
        + "("
        + "、".join(f"{RISK_COLOUR_LABELS[RISK_COLOURS[level]]}" for level in RiskLevel)
        + ")。",
        "镇街人员只能导入本镇街的单位,区级部门只能导入本区县的单位。",
    ]

    # --- checking rows ----------------------------------------------------------------------

    def _try(self, ctx: ImportContext, row: Row, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except ServiceError as exc:
            ctx.service_error(row.number, exc, self.denied_message)
        return None

    def prepare(self, ctx: ImportContext) -> None:
        ctx.cache["sectors"] = reference.SectorLookup()
        ctx.cache["seen_codes"] = {}
        ctx.cache["seen_names"] = {}

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        name = values.get("name") or ""
        raw_code = (values.get("credit_code") or "").strip()
        code = ""
        if raw_code:
            code = (
                self._try(
                    ctx, row, memo, ctx, "codes", raw_code, lambda: credit_code(raw_code, "credit_code")
                )
                or ""
            )
        town = None
        if values.get("township"):
            town = self._try(ctx, row, resolver_for(ctx).township, values["township"])
        district = None
        if town is not None:
            district = memo(ctx, "districts", town.pk, lambda: reference.district_of(town))
            if ctx.actor is not None:
                self._try(ctx, row, units._check_district, ctx.actor, town)
        sector = None
        if district is not None and values.get("sector"):
            sector = self._try(ctx, row, ctx.cache["sectors"], district, values["sector"])
        lon, lat = values.get("longitude"), values.get("latitude")
        if "longitude" in values or "latitude" in values:
            problems = validate_coordinates(lon, lat) or memo(
                ctx,
                "outline",
                (town.pk if town else None, lon, lat),
                lambda: validate_in_district(town, lon, lat),
            )
            for problem in problems:
                ctx.error(row.number, problem.field, problem.code, problem.message)
        self._file_duplicates(ctx, row, code, town, name)
        if town is None or district is None or sector is None or not name:
            return
        fields: dict[str, Any] = {"sector_id": sector.pk}
        for key in ("unit_type", "risk_level"):
            if key in values:
                fields[key] = values[key] or (UnitType.ENTERPRISE if key == "unit_type" else RiskLevel.LOW)
        for key in ("longitude", "latitude", "address", "contact_name", *TWO_LISTS_TWO_CARDS):
            if key in values:
                fields[key] = values[key] if values[key] is not None else ""
        if "longitude" in values or "latitude" in values:
            fields["longitude"], fields["latitude"] = lon, lat
        if "credit_code" in values:
            fields["credit_code"] = code
        row.data = _UnitRow(district, town, code, name, fields)

    def header_for(self, field_name: str) -> str:
        return {"unit": "单位名称", "enterprise": "统一社会信用代码", "project": "单位名称"}.get(
            field_name
        ) or super().header_for(field_name)

    def _file_duplicates(
        self, ctx: ImportContext, row: Row, code: str, town: Region | None, name: str
    ) -> None:
        if code:
            seen = ctx.cache["seen_codes"]
            if code in seen:
                ctx.error(
                    row.number,
                    "credit_code",
                    "credit_code_duplicate",
                    f"与第{seen[code]}行的统一社会信用代码重复",
                )
            seen.setdefault(code, row.number)
        if town is not None and name:
            names = ctx.cache["seen_names"]
            key = (town.pk, name)
            if key in names:
                ctx.error(row.number, "name", "unit_duplicate", f"与第{names[key]}行同一镇街同名")
            names.setdefault(key, row.number)

    # --- writing ----------------------------------------------------------------------------

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        done = 0
        for start in range(0, len(rows), CHUNK):
            chunk = [r for r in rows[start : start + CHUNK] if r.data is not None]
            self._write_chunk(ctx, chunk)
            done += len(rows[start : start + CHUNK])
            ctx.report(PHASE_WRITE, done, len(rows))

    def _existing(self, rows: list[Row]) -> tuple[dict[str, Unit], dict[tuple[int, str], Unit]]:
        codes = {r.data.code for r in rows if r.data.code}
        names = {r.data.name for r in rows}
        towns = {r.data.township.pk for r in rows}
        found = Unit.objects.select_for_update().filter(
            Q(credit_code__in=codes) | Q(township_id__in=towns, name__in=names)
        )
        by_code: dict[str, Unit] = {}
        by_name: dict[tuple[int, str], Unit] = {}
        for unit in found:
            if unit.credit_code:
                by_code[unit.credit_code] = unit
            by_name[(unit.township_id, unit.name)] = unit
        return by_code, by_name

    def _enterprises(
        self, rows: list[Row], existing: dict[int, Unit]
    ) -> tuple[dict[str, Any], dict[tuple[int, str], Any]]:
        from tiaodu.enterprises.models import Enterprise

        codes = {r.data.code for r in rows if r.data.code}
        codes |= {u.credit_code for u in existing.values() if u.credit_code}
        names = {r.data.name for r in rows}
        qs = Enterprise.objects.filter(Q(credit_code__in=codes) | Q(name__in=names)).select_related(
            "township"
        )
        by_code = {e.credit_code: e for e in qs}
        by_name = {(e.township_id, e.name): e for e in by_code.values()}
        return by_code, by_name

    def _write_chunk(self, ctx: ImportContext, rows: list[Row]) -> None:
        if not rows:
            return
        actor = ctx.actor
        by_code, by_name = self._existing(rows)
        matched: dict[int, Unit] = {}
        for row in rows:
            data: _UnitRow = row.data
            unit = by_code.get(data.code) if data.code else None
            if unit is None:
                candidate = by_name.get((data.township.pk, data.name))
                # A namesake with another credit code is another unit (refused below as a duplicate).
                if candidate is not None and not (
                    data.code and candidate.credit_code and candidate.credit_code != data.code
                ):
                    unit = candidate
            if unit is not None:
                matched[row.number] = unit
        changeable: set[int] | None = None
        if actor is not None and scope_q(actor, Unit, "change") is not None:
            changeable = set(
                Unit.objects.restrict(actor, "change")
                .filter(pk__in=[u.pk for u in matched.values()])
                .values_list("pk", flat=True)
            )
        enterprises, enterprise_names = self._enterprises(rows, {u.pk: u for u in matched.values()})
        creates: list[tuple[Row, dict[str, Any]]] = []
        updates: list[tuple[Row, Unit, dict[str, Any]]] = []
        for row in rows:
            data = row.data
            unit = matched.get(row.number)
            problem = self._problem(data, unit, by_code, by_name, changeable)
            if problem is not None:
                if problem.code == "permission_denied":
                    ctx.denied_rows.append(row.number)
                ctx.error(row.number, problem.field, problem.code, problem.message)
                continue
            values = {**data.fields, "township_id": data.township.pk, "name": data.name}
            code = values.get("credit_code", unit.credit_code if unit is not None else "")
            relink = (
                unit is None
                or unit.enterprise_id is None
                or code != unit.credit_code
                or data.name != unit.name
            )
            if relink:
                enterprise = (
                    enterprises.get(code) if code else enterprise_names.get((data.township.pk, data.name))
                )
                if enterprise is not None and not enterprise.township.path.startswith(data.district.path):
                    enterprise = None
                values["enterprise_id"] = enterprise.pk if enterprise is not None else None
                if enterprise is not None and not code:
                    values["credit_code"] = enterprise.credit_code
            if unit is None:
                creates.append(
                    (
                        row,
                        {
                            "district_id": data.district.pk,
                            "created_by_id": getattr(actor, "pk", None),
                            **values,
                        },
                    )
                )
            else:
                changes = {k: v for k, v in values.items() if getattr(unit, k) != v}
                if changes:
                    updates.append((row, unit, changes))
                else:
                    ctx.counts["unchanged"] += 1
        self._apply(ctx, creates, updates)

    def _problem(
        self,
        data: _UnitRow,
        unit: Unit | None,
        by_code: dict[str, Unit],
        by_name: dict[tuple[int, str], Unit],
        changeable: set[int] | None,
    ) -> FieldError | None:
        if unit is not None:
            if changeable is not None and unit.pk not in changeable:
                return FieldError("name", "permission_denied", "该单位不在您的管辖范围内,不能修改")
            if unit.district_id != data.district.pk:
                return FieldError("township", "township_unknown", "单位不能移到其他区县,请在该区县重新登记")
        namesake = by_name.get((data.township.pk, data.name))
        if namesake is not None and (unit is None or namesake.pk != unit.pk):
            return FieldError("name", "unit_duplicate", f"{data.township.name}已有名为“{data.name}”的单位")
        holder = by_code.get(data.code) if data.code else None
        if holder is not None and (unit is None or holder.pk != unit.pk):
            return FieldError("credit_code", "unit_duplicate", f"统一社会信用代码已登记为单位“{holder.name}”")
        return None

    def _apply(
        self,
        ctx: ImportContext,
        creates: list[tuple[Row, dict[str, Any]]],
        updates: list[tuple[Row, Unit, dict[str, Any]]],
    ) -> None:
        ids = insert_with_ids(Unit, [values for _row, values in creates])
        written: dict[int, Row] = {}
        entries: list[AuditEntry] = []
        for (row, values), pk in zip(creates, ids, strict=True):
            written[pk] = row
            entries.append(AuditEntry(pk, values["name"], created_changes(values)))
        for attnames in sorted({tuple(sorted(changes)) for _r, _u, changes in updates}):
            group = [
                (row, unit, changes) for row, unit, changes in updates if tuple(sorted(changes)) == attnames
            ]
            bulk_update_rows(
                Unit, list(attnames), [{"pk": unit.pk, **changes} for _r, unit, changes in group]
            )
            for row, unit, changes in group:
                written[unit.pk] = row
                before = {k: getattr(unit, k) for k in changes}
                entries.append(
                    AuditEntry(
                        unit.pk, unit.name, {k: (before[k], v) for k, v in changes.items()}, created=False
                    )
                )
        if updates:
            Unit.objects.filter(pk__in=[unit.pk for _r, unit, _c in updates]).update(version=F("version") + 1)
        refused = refuse_written(ctx, Unit, "change", {pk: row for pk, row in written.items()})
        audit_objects(ctx, Unit, [e for e in entries if e.pk not in refused])
        ctx.counts["created"] += len([pk for pk in ids if pk not in refused])
        ctx.counts["updated"] += len([u for _r, u, _c in updates if u.pk not in refused])
