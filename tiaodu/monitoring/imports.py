"""``tiaodu import indicators FILE`` and ``tiaodu import enterprise-data FILE``.

Both read the forms staff keep, in the shared framework (``tiaodu/core/imports.py``: xlsx or CSV
in UTF-8/GBK, header found below a title row, all-or-nothing with every bad row listed):

* **long form**: one figure per row — 地区代码 (or 统一社会信用代码), 期别, 指标, 数值 [, 单位];
* **wide form**: one row per region (or enterprise) and period, one column per indicator, named
  as in the catalogue ("规模以上工业总产值", "规模以上工业总产值(亿元)", the code "gy_zcz" or an
  alias such as "规上工业产值"). A row that fills 指标 is read in long form, any other row in
  wide form, so the downloadable template (which has both) imports as it is.

Checks, each a row error with the column and a stable code: unknown region / enterprise /
indicator / period form (``region_unknown``, ``enterprise_unknown``, ``indicator_unknown``,
``period_unknown``); a code that is not the named region or enterprise (``region_name_mismatch``,
``enterprise_name_mismatch``); not a number (``number_invalid``); a percentage ("16.5%", or 单位
%) where the catalogue expects a level such as 规模以上工业总产值 in 亿元 (``rate_for_level``, with
a hint to the rate indicator, 规模以上工业总产值增速); another unit than the catalogue's
(``unit_mismatch``); a share above 100% or below 0, also when it follows from a part larger than
its whole in the file or against the stored whole (``share_over_100``, ``share_negative``); the
same figure twice in one file with different values (``duplicate_conflict``; the same value twice
is harmless); a row that fills both 指标 and indicator columns (``form_mixed``); a region or
enterprise outside the actor's scope (``permission_denied``). A wide-form column is an indicator
only when its header is a catalogue name, alias or code (optionally with the catalogue's own unit
in brackets): growth rates have their own catalogue entries (…增速), so a rate column never lands
in a level. A header that names a catalogue indicator with something else in brackets refuses the
file, naming the column — "工业投资(%)" (``rate_for_level``, with the hint to 工业投资增速),
"规模以上工业总产值(万元)" (``unit_mismatch``) — rather than dropping its figures and reporting
success (:meth:`FigureImporter.check_header`, :func:`header_unit_problem`). Other columns are
ignored, as in every import (备注, 序号 …); a file with no indicator column at all is refused
(``header_missing``).

Writing is versioned (:func:`tiaodu.monitoring.services.write_versions`): a figure equal to the
current one is "未变化", a different one a new version counted as "更新" (修订), with the old
version kept. Every written figure points to one :class:`~tiaodu.monitoring.models.DataSource`
(file name, user, time) made in the same transaction.
"""

from __future__ import annotations

import abc
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from tiaodu.core.errors import FieldError, Forbidden, ServiceError
from tiaodu.core.imports import (
    CellError,
    Column,
    FileProblem,
    ImportContext,
    Importer,
    Row,
    is_blank,
    register,
    row_region,
    text_of,
)
from tiaodu.monitoring.choices import IndicatorKind, ValueOrigin
from tiaodu.monitoring.models import EnterpriseValue, Indicator, IndicatorValue, figure_enterprises
from tiaodu.monitoring.periods import Period, PeriodError, parse_period
from tiaodu.monitoring.services import (
    check_value,
    indicator_names,
    name_key,
    new_source,
    period_row,
    to_value,
    writable_regions,
    write_versions,
)

# Cells that say "no figure" in statistical tables.
NO_FIGURE = frozenset({"—", "-", "－", "——", "/", "…", "...", "NA", "N/A", "无"})
_NUMBER_RE = re.compile(
    r"^(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(?P<unit>%|[^\d\s.+-][^\d]*)?$"
)


@dataclass(frozen=True)
class Cell:
    """A parsed figure cell: the number and what it was written with (% or a unit)."""

    value: Decimal
    unit: str = ""  # "%" for "16.5%", "亿元" for "66.81亿元"
    raw: str = ""


def figure_cell(raw: Any) -> Cell | None:
    """A number as staff write it: 66.81, "66.81", "1,234.5", "16.5%", "66.81亿元", full-width
    digits; None for an empty cell or a "no figure" mark (—, /, 无)."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise CellError("number_invalid", f"“{raw}”不是数字")
    if isinstance(raw, int | float | Decimal):
        try:
            return Cell(to_value(raw), "", str(raw))
        except ServiceError as exc:
            raise CellError(exc.errors[0].code, exc.errors[0].message) from None
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "").replace(" ", "")
    if not text or text in NO_FIGURE:
        return None
    match = _NUMBER_RE.match(text)
    if match is None:
        raise CellError("number_invalid", f"“{raw}”不是数字")
    try:
        value = to_value(match["num"])
    except ServiceError as exc:
        raise CellError(exc.errors[0].code, exc.errors[0].message) from None
    return Cell(value, (match["unit"] or "").strip(), str(raw).strip())


def period_cell(raw: Any) -> Period | None:
    if raw is None:
        return None
    try:
        return parse_period(raw)
    except PeriodError as exc:
        raise CellError(exc.detail_code, exc.errors[0].message) from None


def unit_of(raw: Any) -> str:
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    return text.strip("()")


def _rate_hint(indicator: Indicator, rates: Mapping[int, Indicator]) -> str:
    rate = rates.get(indicator.pk)
    return f";增速请填写到“{rate.name}”" if rate else ";本系统按总量计算同比增速,请填写总量"


# "工业投资(%)", "规模以上工业总产值(万元)": a name and what is in round brackets (after NFKC,
# which also turns full-width brackets and ％ into ASCII).
_BRACKETED_HEADER = re.compile(r"^(?P<name>[^()]+)\((?P<unit>[^()]*)\)$")


def header_unit_problem(
    header: Any,
    names: Mapping[str, Indicator],
    rates: Mapping[int, Indicator],
    accepts: Callable[[Indicator], bool] = lambda indicator: True,
    row: int | None = None,
) -> FieldError | None:
    """The problem with a header that names a catalogue indicator (name, alias or code, see
    :func:`~tiaodu.monitoring.services.indicator_names`) followed by something else than its unit
    in brackets, or ``None``: "工业投资(%)" is a rate where a level is expected
    (``rate_for_level``, with the hint to 工业投资增速), "规模以上工业总产值(万元)" another unit
    (``unit_mismatch``). Headers that do not name an indicator ``accepts`` (备注, 序号, 地区名称(全称))
    are no problem: they are ignored like every unknown column. Shared by the framework import
    (:meth:`FigureImporter.check_header`) and the bulk loader."""
    column = str(header).strip()
    match = _BRACKETED_HEADER.match(unicodedata.normalize("NFKC", column))
    if match is None:
        return None
    indicator = names.get(name_key(match["name"]))
    if indicator is None or not accepts(indicator):
        return None
    unit = match["unit"].strip()
    if unit == indicator.unit:
        return None
    if "%" in unit and indicator.unit != "%":
        return FieldError(
            column,
            "rate_for_level",
            f"列“{column}”是百分比,“{indicator.name}”的计量单位是{indicator.unit},不能作为{indicator.unit}导入"
            + _rate_hint(indicator, rates),
            row,
        )
    return FieldError(
        column,
        "unit_mismatch",
        f"列“{column}”括号中的“{unit}”与“{indicator.name}”的计量单位{indicator.unit}不符;"
        f"请按{indicator.unit}填写,表头写作“{indicator.name}”或“{indicator.name}({indicator.unit})”",
        row,
    )


def header_unit_problems(
    cells: Sequence[Any],
    mapped: set[int],
    accepts: Callable[[Indicator], bool] = lambda indicator: True,
    row: int | None = None,
) -> list[FieldError]:
    """:func:`header_unit_problem` of every header cell not in ``mapped`` (the positions of the
    recognised columns), against the catalogue."""
    indicators = list(Indicator.objects.all())
    names = indicator_names(indicators)
    rates = {i.growth_of_id: i for i in indicators if i.growth_of_id}
    problems = []
    for index, cell in enumerate(cells):
        if index in mapped or is_blank(cell):
            continue
        problem = header_unit_problem(cell, names, rates, accepts, row)
        if problem is not None:
            problems.append(problem)
    return problems


@dataclass
class _Figure:
    owner_id: int
    indicator: Indicator
    period: Period
    value: Decimal
    row: int
    column: str


class FigureImporter(Importer, abc.ABC):
    """What the two imports share: the columns, the long/wide reading and the figure checks."""

    model: ClassVar[type[IndicatorValue] | type[EnterpriseValue]]
    owner_columns: ClassVar[list[Column]]
    figure_noun: ClassVar[str]  # 地区 / 企业

    def __init__(self) -> None:
        self.columns = self._columns()  # type: ignore[misc]  # the catalogue is data, read per import

    def _indicators(self) -> list[Indicator]:
        return list(Indicator.objects.all())

    def _columns(self) -> list[Column]:
        columns = [
            *self.owner_columns,
            Column(
                "期别",
                "period",
                True,
                period_cell,
                aliases=("报告期", "统计期", "时期", "期间"),
                example="2022年1-2月",
                note="如2022年1-2月、2022年2月、2022年一季度、2022年上半年、2022年、2022年3月上旬、2022年第10周",
            ),
            Column(
                "指标",
                "indicator",
                parse=text_of(64),
                aliases=("指标名称", "指标代码"),
                example="规模以上工业总产值",
                note="长表填写:指标目录中的名称、别名或代码;宽表不填此列,每个指标一列",
            ),
            Column(
                "数值",
                "value",
                parse=figure_cell,
                aliases=("值", "本期数", "累计数", "本期累计"),
                example="66.81",
                note="长表填写;按指标目录的计量单位,累计指标填写累计值",
            ),
            Column(
                "单位",
                "unit",
                parse=unit_of,
                aliases=("计量单位",),
                example="亿元",
                note="可不填;填写时须与指标目录一致",
            ),
        ]
        indicators = self._indicators()
        for ind in indicators:
            if not self.accepts(ind):
                continue
            names = [ind.name, ind.code, *(ind.aliases or [])]
            aliases = [ind.code, *(ind.aliases or []), *(f"{n}({ind.unit})" for n in names)]
            columns.append(
                Column(
                    ind.name,
                    f"ind:{ind.pk}",
                    parse=figure_cell,
                    aliases=tuple(dict.fromkeys(aliases)),
                    note=f"单位:{ind.unit}",
                )
            )
        return columns

    def accepts(self, indicator: Indicator) -> bool:
        return True

    def check_header(
        self, ctx: ImportContext, number: int, cells: Sequence[Any], positions: Mapping[str, int]
    ) -> None:
        """Refuse the file when a header names a catalogue indicator with another unit in brackets
        ("工业投资(%)", "规模以上工业总产值(万元)"): the column is no indicator column, and
        ignoring it would report success without its figures. ``number`` is the header's row,
        ``cells`` its cells and ``positions`` the recognised columns (field → cell index).

        Called by the import framework with the header row it found (the call in
        ``tiaodu.core.imports._header``, before it returns the positions)."""
        problems = header_unit_problems(cells, set(positions.values()), self.accepts, number)
        if problems:
            more = f"(另有{len(problems) - 1}列单位有误)" if len(problems) > 1 else ""
            raise FileProblem(problems[0].code, f"第{number}行(表头):{problems[0].message}{more}", problems)

    # --- per import

    def prepare(self, ctx: ImportContext) -> None:
        present = ctx.present_fields
        has_long = "indicator" in present
        has_wide = any(f.startswith("ind:") for f in present)
        if not has_long and not has_wide:
            raise FileProblem(
                "header_missing",
                "缺少指标数据列:长表需要“指标”和“数值”两列,宽表需要至少一个以指标名称为表头的列",
            )
        if has_long and "value" not in present:
            raise FileProblem("header_missing", "长表缺少“数值”列")
        by_pk = {i.pk: i for i in Indicator.objects.all()}
        ctx.cache["by_pk"] = by_pk
        ctx.cache["names"] = indicator_names(by_pk.values())
        ctx.cache["rates"] = {i.growth_of_id: i for i in by_pk.values() if i.growth_of_id}
        ctx.cache["ratios"] = [i for i in by_pk.values() if i.kind == IndicatorKind.RATIO and i.numerator_id]
        ctx.cache["seen"] = {}  # (owner, indicator, period key) → (row, value)
        ctx.cache["figures"] = []
        self.prepare_owners(ctx)

    @abc.abstractmethod
    def prepare_owners(self, ctx: ImportContext) -> None:
        """Load the lookup of row owners (regions or enterprises); each subclass implements it."""

    @abc.abstractmethod
    def owner(self, ctx: ImportContext, row: Row) -> int | None:
        """The region or enterprise id of the row (errors reported on the row); each subclass
        implements it."""

    def clean(self, ctx: ImportContext, row: Row) -> None:
        owner_id = self.owner(ctx, row)
        period: Period | None = row.values.get("period")
        cells: list[tuple[str, Indicator, Cell, str]] = []  # (column, indicator, cell, unit)
        by_pk: dict[int, Indicator] = ctx.cache["by_pk"]
        wide = [(f, v) for f, v in row.values.items() if f.startswith("ind:") and v is not None]
        ref = row.values.get("indicator")
        if ref:
            if wide:
                ctx.error(
                    row.number, "指标", "form_mixed", "填写了“指标”列的行按长表导入,不能同时填写各指标列"
                )
            ind = ctx.cache["names"].get(name_key(ref))
            cell = row.values.get("value")
            if ind is None:
                ctx.error(row.number, "指标", "indicator_unknown", f"指标“{ref}”不在指标目录中")
            elif not self.accepts(ind):
                ctx.error(row.number, "指标", "indicator_not_reportable", self.refusal(ind))
            elif "value" in row.values and cell is None:
                ctx.error(row.number, "数值", "required", "数值不能为空")
            elif cell is not None:
                cells.append(("数值", ind, cell, row.values.get("unit") or ""))
        elif "value" in row.values and row.values["value"] is not None:
            ctx.error(row.number, "指标", "required", "填写了数值的行须填写指标")
        for f, v in wide:
            ind = by_pk[int(f.split(":")[1])]
            cells.append((ind.name, ind, v, ""))
        if owner_id is None or period is None:
            return
        for column, ind, cell, unit in cells:
            self._figure(ctx, row, owner_id, period, column, ind, cell, unit)

    def refusal(self, indicator: Indicator) -> str:
        return ""

    def _figure(
        self,
        ctx: ImportContext,
        row: Row,
        owner_id: int,
        period: Period,
        column: str,
        ind: Indicator,
        cell: Cell,
        unit: str,
    ) -> None:
        unit = unit or cell.unit
        if unit in ("%", "%") and ind.unit != "%":
            ctx.error(
                row.number,
                column,
                "rate_for_level",
                f"“{ind.name}”的计量单位是{ind.unit},“{cell.raw or unit}”是百分比,不能作为{ind.unit}导入"
                + _rate_hint(ind, ctx.cache["rates"]),
            )
            return
        if unit and unit != ind.unit:
            ctx.error(
                row.number,
                column if column != "数值" else "单位",
                "unit_mismatch",
                f"“{ind.name}”的计量单位应为{ind.unit},不是{unit}",
            )
            return
        try:
            check_value(ind, cell.value)
        except ServiceError as exc:
            ctx.error(row.number, column, exc.errors[0].code, exc.errors[0].message)
            return
        key = (owner_id, ind.pk, period.key)
        seen: dict[tuple[int, int, str], tuple[int, Decimal]] = ctx.cache["seen"]
        if key in seen:
            first_row, first_value = seen[key]
            if first_value != cell.value:
                ctx.error(
                    row.number,
                    column,
                    "duplicate_conflict",
                    f"与第{first_row}行重复({self.figure_noun}、期别、指标相同)但数值不同"
                    f"({first_value.normalize():f} / {cell.value.normalize():f})",
                )
            return
        seen[key] = (row.number, cell.value)
        if self._share_problem(ctx, row, column, owner_id, period, ind, cell.value):
            return
        ctx.cache["figures"].append(_Figure(owner_id, ind, period, cell.value, row.number, column))

    def _share_problem(
        self,
        ctx: ImportContext,
        row: Row,
        column: str,
        owner_id: int,
        period: Period,
        ind: Indicator,
        value: Decimal,
    ) -> bool:
        """A part larger than its whole in the same file (技改投资 > 工业投资): a share above 100%."""
        seen: dict[tuple[int, int, str], tuple[int, Decimal]] = ctx.cache["seen"]
        part: Decimal | None
        whole: Decimal | None
        for ratio in ctx.cache["ratios"]:
            if ind.pk == ratio.numerator_id:
                other = seen.get((owner_id, ratio.denominator_id, period.key))
                part, whole = value, other[1] if other else None
            elif ind.pk == ratio.denominator_id:
                other = seen.get((owner_id, ratio.numerator_id, period.key))
                part, whole = other[1] if other else None, value
            else:
                continue
            if part is not None and whole is not None and whole > 0 and part > whole:
                by_pk = ctx.cache["by_pk"]
                ctx.error(
                    row.number,
                    column,
                    "share_over_100",
                    f"{by_pk[ratio.numerator_id].name}({part.normalize():f})大于{by_pk[ratio.denominator_id].name}"
                    f"({whole.normalize():f}),{ratio.name}将超过100%(见第{other[0] if other else row.number}行)",
                )
                return True
        return False

    # --- writing

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        good = {r.number for r in rows}
        figures_: list[_Figure] = [f for f in ctx.cache["figures"] if f.row in good]
        distinct = {f.period.key: f.period for f in figures_}
        periods = {key: period_row(p).pk for key, p in distinct.items()}
        self._stored_share_check(ctx, figures_, periods)
        if ctx.errors and not ctx.partial:
            return  # the framework rolls back and reports
        figures_ = [f for f in figures_ if f.row not in ctx.bad_rows]
        source = new_source(ValueOrigin.IMPORT, ctx.file_name, ctx.actor, {"kind": self.name})
        items = [(f.owner_id, f.indicator.pk, periods[f.period.key], f.value) for f in figures_]
        counts = write_versions(self.model, items, source)
        self.after_write(ctx, source.pk)
        ctx.counts["created"] += counts.created
        ctx.counts["updated"] += counts.revised
        ctx.counts["unchanged"] += counts.unchanged
        detail = {
            "kind": self.name,
            "created": counts.created,
            "revised": counts.revised,
            "unchanged": counts.unchanged,
        }
        source.detail = detail
        source.save(update_fields=["detail"])
        ctx.audit_data.update(
            source_id=source.pk,
            revised=counts.revised,
            revisions=[
                {"key": list(r["key"]), "old": f"{r['old']:f}", "new": f"{r['new']:f}"}
                for r in counts.revisions
            ],
        )

    def after_write(self, ctx: ImportContext, source_id: int) -> None:
        """Defence in depth: every written row is inside the actor's scope (checked per row before)."""
        if ctx.actor is None:
            return
        written = self.model.objects.filter(source_id=source_id)
        allowed = self.model.objects.restrict(ctx.actor, "add").filter(source_id=source_id)  # type: ignore[attr-defined]
        if written.exclude(pk__in=allowed.values("pk")).exists():
            raise Forbidden(audit=f"import {self.name} {ctx.file_name}")

    def _stored_share_check(
        self, ctx: ImportContext, figures_: list[_Figure], periods: dict[str, int]
    ) -> None:
        """A part whose stored whole is smaller (or a whole smaller than the stored part)."""
        ratios: list[Indicator] = ctx.cache["ratios"]
        if not ratios or self.model is not IndicatorValue:
            return
        in_file = {(f.owner_id, f.indicator.pk, f.period.key) for f in figures_}
        wanted = []
        for f in figures_:
            for ratio in ratios:
                partner = (
                    ratio.denominator_id
                    if f.indicator.pk == ratio.numerator_id
                    else ratio.numerator_id
                    if f.indicator.pk == ratio.denominator_id
                    else None
                )
                if partner is not None and (f.owner_id, partner, f.period.key) not in in_file:
                    wanted.append((f, ratio, partner))
        if not wanted:
            return
        stored = {
            (r["region_id"], r["indicator_id"], r["period_id"]): r["value"]
            for r in IndicatorValue.objects.filter(
                region_id__in={f.owner_id for f, _r, _p in wanted},
                indicator_id__in={p for _f, _r, p in wanted},
                period_id__in=set(periods.values()),
                is_current=True,
            ).values("region_id", "indicator_id", "period_id", "value")
        }
        by_pk = ctx.cache["by_pk"]
        for f, ratio, partner in wanted:
            other = stored.get((f.owner_id, partner, periods[f.period.key]))
            if other is None:
                continue
            part, whole = (f.value, other) if partner == ratio.denominator_id else (other, f.value)
            if whole > 0 and part > whole:
                ctx.error(
                    f.row,
                    f.column,
                    "share_over_100",
                    f"{by_pk[ratio.numerator_id].name}({part.normalize():f})大于已有的"
                    f"{by_pk[ratio.denominator_id].name}({whole.normalize():f}),{ratio.name}将超过100%"
                    if partner == ratio.denominator_id
                    else f"{by_pk[ratio.denominator_id].name}({whole.normalize():f})小于已有的"
                    f"{by_pk[ratio.numerator_id].name}({part.normalize():f}),{ratio.name}将超过100%",
                )


@register
class IndicatorImporter(FigureImporter):
    name = "indicators"
    title = "指标数据"
    model = IndicatorValue
    key_field = "region"
    figure_noun = "地区"
    denied_message = "该地区的指标数据不在您的管辖范围内"
    field_headers = {"region": "地区代码", "period": "期别", "indicator": "指标", "value": "数值"}
    owner_columns = [
        Column(
            "地区代码",
            "region",
            True,
            text_of(12),
            aliases=("区划代码", "行政区划代码", "地区编码"),
            example="500152",
            note="6位区县、市、省代码或9位镇街代码;重庆市500000、全国100000作为对比基准",
        ),
        Column(
            "地区名称",
            "region_name",
            parse=text_of(64),
            aliases=("地区", "名称"),
            example="潼南区",
            note="可不填;填写时须与代码一致",
        ),
    ]
    notes = [
        "长表:每行一个数据(地区代码、期别、指标、数值);宽表:每行一个地区和期别,每个指标一列(表头为指标名称,可带单位,如“规模以上工业总产值(亿元)”),此时不填“指标”“数值”列。",
        "同一地区、期别、指标再次导入相同数值不作修改;数值不同时保存为新版本(原数值保留可查),导入结果中的“更新”即修订条数。",
        "增速、比重等百分比指标只能填到百分比指标中;总量指标(如规模以上工业总产值)填写百分比将被拒绝。",
    ]

    def allowed(self, actor: Any) -> bool:
        from tiaodu.core.permissions import can

        return actor is None or can(actor, "add", IndicatorValue)

    def prepare_owners(self, ctx: ImportContext) -> None:
        allowed = writable_regions(ctx.actor)
        ctx.cache["allowed"] = None if allowed is None else set(allowed.values_list("pk", flat=True))
        ctx.cache["regions"] = {}

    def owner(self, ctx: ImportContext, row: Row) -> int | None:
        region = row_region(ctx, row, self.denied_message)
        return None if region is None else int(region.pk)


@register
class EnterpriseDataImporter(FigureImporter):
    name = "enterprise-data"
    title = "企业指标数据"
    model = EnterpriseValue
    key_field = "credit_code"
    figure_noun = "企业"
    denied_message = "该企业不在您的管辖范围内"
    field_headers = {
        "credit_code": "统一社会信用代码",
        "period": "期别",
        "indicator": "指标",
        "value": "数值",
    }
    owner_columns = [
        Column(
            "统一社会信用代码",
            "credit_code",
            True,
            text_of(32),
            aliases=("信用代码", "社会信用代码"),
            example="91500152MA00000010",
            note="18位,须为企业名录中的企业",
        ),
        Column(
            "企业名称",
            "enterprise_name",
            parse=text_of(128),
            example="",
            note="可不填;填写时须与企业名录一致",
        ),
    ]
    notes = [
        "长表:每行一个数据(统一社会信用代码、期别、指标、数值);宽表:每行一家企业和期别,每个指标一列。",
        "企业只填报总量指标(产值、营业收入、利润总额、用电量等),按累计值填写;汇总到镇街、区县和全市由“tiaodu rollup”完成。",
        "同一企业、期别、指标再次导入相同数值不作修改;数值不同时保存为新版本(原数值保留可查)。",
    ]

    def accepts(self, indicator: Indicator) -> bool:
        return indicator.kind == IndicatorKind.LEVEL

    def refusal(self, indicator: Indicator) -> str:
        return f"企业数据只能填报总量指标,“{indicator.name}”是{indicator.get_kind_display()}指标"

    def allowed(self, actor: Any) -> bool:
        from tiaodu.core.permissions import can

        return actor is None or can(actor, "add", EnterpriseValue)

    def prepare_owners(self, ctx: ImportContext) -> None:
        from tiaodu.enterprises.models import Enterprise

        rule = figure_enterprises(ctx.actor, "add") if ctx.actor is not None else None
        qs = Enterprise.objects.all()
        ctx.cache["enterprises"] = {
            code: (pk, name) for code, pk, name in qs.values_list("credit_code", "pk", "name")
        }
        ctx.cache["allowed"] = None if rule is None else set(qs.filter(rule).values_list("pk", flat=True))

    def owner(self, ctx: ImportContext, row: Row) -> int | None:
        from tiaodu.enterprises.services import check_credit_code

        raw = row.values.get("credit_code")
        if not raw:
            return None
        code = raw.strip().upper()
        found = ctx.cache["enterprises"].get(code)
        if found is None:
            try:
                check_credit_code(code)
            except ServiceError as exc:
                ctx.error(row.number, "统一社会信用代码", exc.errors[0].code, exc.errors[0].message)
                return None
            ctx.error(
                row.number,
                "统一社会信用代码",
                "enterprise_unknown",
                f"统一社会信用代码“{code}”不在企业名录中",
            )
            return None
        pk, name = found
        given = row.values.get("enterprise_name")
        if given and given != name:
            ctx.error(
                row.number,
                "企业名称",
                "enterprise_name_mismatch",
                f"统一社会信用代码{code}是“{name}”,不是“{given}”",
            )
            return None
        allowed = ctx.cache["allowed"]
        if allowed is not None and pk not in allowed:
            ctx.denied_rows.append(row.number)
            ctx.error(row.number, "统一社会信用代码", "permission_denied", self.denied_message)
            return None
        return int(pk)


# The catalogue's own import lives beside the figure importers; importing it registers it.
from tiaodu.monitoring import catalogue_import  # noqa: E402, F401
