"""``tiaodu import targets FILE``: annual targets per region and indicator.

Columns: 地区代码, 年度, 指标 (required), 目标值, 目标增速, 责任单位, 地区名称, 备注. On the shared
framework (xlsx or CSV in UTF-8/GBK, a title row allowed, all-or-nothing with every bad row
listed by row, column and code). Each row goes through :func:`tiaodu.targets.services.set_target`:
a new target is "新增", a different value a new version ("更新", the old version kept), the same
values "未变化".

Row checks: ``region_unknown`` / ``region_code_invalid`` / ``region_name_mismatch``,
``indicator_unknown``, ``year_invalid``, ``number_invalid``, ``target_negative`` / ``target_zero``
(a level's target must be above zero), ``level_for_rate`` (a rate indicator such as
规模以上工业增加值增速 given a 目标值: its target is a 目标增速), ``rate_for_level`` (a level given
"16.5%" as 目标值), ``unit_mismatch``, ``growth_not_applicable``, ``share_over_100``,
``organization_unknown`` / ``organization_ambiguous`` / ``organization_out_of_region``,
``duplicate_conflict`` (the same region, year and indicator twice with different targets; the
same target twice is harmless), ``permission_denied`` (a region outside the actor's scope).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from decimal import InvalidOperation
from typing import Any, ClassVar

from django.db import models

from tiaodu.core.errors import ServiceError
from tiaodu.core.imports import CellError, Column, ImportContext, Importer, Row, register, row_region, text_of
from tiaodu.core.permissions import can
from tiaodu.core.resolve import Resolver, district_of
from tiaodu.monitoring.imports import Cell, figure_cell
from tiaodu.monitoring.models import Indicator
from tiaodu.monitoring.services import indicator_names, name_key
from tiaodu.regions.models import Region
from tiaodu.targets import multiyear, services
from tiaodu.targets.models import MultiYearTarget, Target, target_regions

_YEAR_RE = re.compile(r"^(\d{4})(?:年度?)?$")
PERCENT_UNITS = ("%", "%")


def year_cell(raw: Any) -> int:
    if isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer():
        text = str(int(raw))
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
    match = _YEAR_RE.match(text)
    if match is None:
        raise CellError("year_invalid", f"“{text}”不是年度,应写作2022或2022年")
    year = int(match[1])
    if not services.MIN_YEAR <= year <= services.MAX_YEAR:
        raise CellError("year_invalid", f"年度应在{services.MIN_YEAR}至{services.MAX_YEAR}之间(现为{year})")
    return year


def target_cell(raw: Any) -> Cell | None:
    """A number as staff write it (the figure import's rules: "1000", "1,000", "400亿元", "8%")."""
    try:
        return figure_cell(raw)
    except InvalidOperation:  # beyond the decimal context (1e30)
        raise CellError("number_too_large", f"数值{raw}超出范围") from None


@register
class TargetImporter(Importer):
    name = "targets"
    title = "年度目标"
    model: ClassVar[type[models.Model]] = Target
    key_field = "region"
    denied_message = "该地区的年度目标不在您的管辖范围内"
    columns = [
        Column(
            "地区代码",
            "region",
            True,
            text_of(12),
            aliases=("区划代码", "行政区划代码", "地区编码"),
            example="500152",
            note="6位区县代码或9位镇街代码",
        ),
        Column(
            "年度",
            "year",
            True,
            year_cell,
            aliases=("年份", "目标年度"),
            example="2022",
            note="如2022或2022年",
        ),
        Column(
            "指标",
            "indicator",
            True,
            text_of(64),
            aliases=("指标名称", "指标代码"),
            example="招商引资到位资金",
            note="指标目录中的名称、别名或代码",
        ),
        Column(
            "目标值",
            "value",
            parse=target_cell,
            aliases=("年度目标", "目标", "目标任务"),
            example="1000",
            note="总量指标按指标目录的计量单位填写(如亿元);比重、指数指标填写目标值;增速指标不填此列",
        ),
        Column(
            "目标增速",
            "growth",
            parse=target_cell,
            aliases=("目标增速(%)", "增速目标", "目标增长"),
            example="",
            note="百分数,如8或8%;增速指标(如规模以上工业增加值增速)的目标填在此列;总量指标可同时填写目标值和目标增速",
        ),
        Column(
            "责任单位",
            "responsible",
            parse=text_of(128),
            aliases=("牵头单位", "责任部门"),
            example="区招商投资局",
            note="可不填;该地区或其上级地区的党政机关、部门、镇街或专班的全称或简称",
        ),
        Column(
            "地区名称",
            "region_name",
            parse=text_of(64),
            aliases=("地区", "名称"),
            example="潼南区",
            note="可不填;填写时须与代码一致",
        ),
        Column("备注", "note", parse=text_of(services.MAX_NOTE), example="", note="可不填"),
    ]
    notes = [
        "每行一个地区、年度和指标的目标;同一地区、年度、指标已有目标时,数值不同即保存为新版本(原目标保留可查),相同则不作修改。",
        "总量指标(如招商引资到位资金)填写目标值(须大于0),可另填目标增速;增速指标只填目标增速;比重、指数指标只填目标值。",
        "同一文件中同一地区、年度、指标出现两次且目标不同时,整批不导入。",
    ]

    def allowed(self, actor: Any) -> bool:
        return actor is None or can(actor, "add", Target)

    def prepare(self, ctx: ImportContext) -> None:
        indicators = list(Indicator.objects.all())
        ctx.cache["names"] = indicator_names(indicators)
        ctx.cache["rates"] = {i.growth_of_id: i for i in indicators if i.growth_of_id}
        ctx.cache["regions"] = {}
        ctx.cache["seen"] = {}
        if ctx.actor is None:
            ctx.cache["allowed"] = None
        else:
            rule = target_regions(ctx.actor, "add")
            ctx.cache["allowed"] = (
                None if rule is None else set(Region.objects.filter(rule).values_list("pk", flat=True))
            )

    def _region(self, ctx: ImportContext, row: Row) -> Region | None:
        region: Region | None = row_region(ctx, row, self.denied_message)
        return region

    @staticmethod
    def _resolver(ctx: ImportContext, region: Region) -> Resolver:
        """One resolver per district named in the file: a responsible unit's name resolves in the
        target's district first, once per distinct name."""
        district = district_of(region)
        resolvers: dict[int, Resolver] = ctx.cache.setdefault("resolvers", {})
        if district.pk not in resolvers:
            resolvers[district.pk] = Resolver(ctx.actor, district)
        return resolvers[district.pk]

    def _indicator(self, ctx: ImportContext, row: Row) -> Indicator | None:
        ref = row.values.get("indicator")
        indicator: Indicator | None = ctx.cache["names"].get(name_key(ref)) if ref else None
        if ref and indicator is None:
            ctx.error(row.number, "指标", "indicator_unknown", f"指标“{ref}”不在指标目录中")
        return indicator

    def _responsible(self, ctx: ImportContext, row: Row, region: Region | None) -> tuple[Any, bool]:
        """The row's responsible unit (None when not given) and whether it resolved."""
        if region is None or not row.values.get("responsible"):
            return None, True
        try:
            return services.resolve_responsible(
                row.values["responsible"], region, self._resolver(ctx, region)
            ), True
        except ServiceError as exc:
            ctx.error(row.number, "责任单位", exc.errors[0].code, exc.errors[0].message)
            return None, False

    @staticmethod
    def _first_seen(
        ctx: ImportContext, row: Row, key: tuple[Any, ...], target: tuple[Any, ...], what: str
    ) -> bool:
        """Whether the row is the first with its key; a later row with a different target is a
        ``duplicate_conflict``, the same target again is harmless (False either way)."""
        seen: dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]] = ctx.cache["seen"]
        if key in seen:
            first_row, first = seen[key]
            if first != target:
                ctx.error(
                    row.number, "指标", "duplicate_conflict", f"与第{first_row}行重复({what}相同)但目标不同"
                )
            return False
        seen[key] = (row.number, target)
        return True

    @staticmethod
    def _kept(ctx: ImportContext, existing: Any, data: dict[str, Any]) -> tuple[Any, str]:
        """Columns left out of the file keep the stored responsible unit and note."""
        responsible, note = data["responsible"], data["note"]
        if existing is not None:
            if "responsible" not in ctx.present_fields:
                responsible = existing.responsible
            if "note" not in ctx.present_fields:
                note = existing.note
        return responsible, note

    def clean(self, ctx: ImportContext, row: Row) -> None:
        region = self._region(ctx, row)
        indicator = self._indicator(ctx, row)
        value_cell: Cell | None = row.values.get("value")
        growth_cell: Cell | None = row.values.get("growth")
        if indicator is None:
            return
        ok = True
        unit = value_cell.unit if value_cell is not None else ""
        percent = unit in PERCENT_UNITS
        if value_cell is not None and percent and indicator.unit != "%" and indicator.kind == "level":
            rate = ctx.cache["rates"].get(indicator.pk)
            hint = f"“目标增速”列或“{rate.name}”指标" if rate else "“目标增速”列"
            ctx.error(
                row.number,
                "目标值",
                "rate_for_level",
                f"“{indicator.name}”的计量单位是{indicator.unit},“{value_cell.raw}”是百分比,"
                f"不能作为目标值;增速目标请填写在{hint}",
            )
            ok = False
        elif unit and unit != indicator.unit and not (percent and indicator.unit == "%"):
            ctx.error(
                row.number,
                "目标值",
                "unit_mismatch",
                f"“{indicator.name}”的计量单位应为{indicator.unit},不是{unit}",
            )
            ok = False
        if growth_cell is not None and growth_cell.unit and growth_cell.unit not in PERCENT_UNITS:
            ctx.error(
                row.number, "目标增速", "unit_mismatch", f"目标增速为百分数,不能带单位{growth_cell.unit}"
            )
            ok = False
        value = value_cell.value if value_cell is not None else None
        growth = growth_cell.value if growth_cell is not None else None
        failed = {e.field for e in reversed(ctx.errors[-len(self.columns) :]) if e.row == row.number}
        ok = ok and not failed
        if ok:
            for err in services.check_target(indicator, value, growth):
                ctx.error(row.number, err.field, err.code, err.message)
                ok = False
        responsible, unit_ok = self._responsible(ctx, row, region)
        ok = ok and unit_ok
        year = row.values.get("year")
        if region is None or year is None or not ok:
            return
        target = (value, growth, responsible.pk if responsible else None, row.values.get("note") or "")
        if not self._first_seen(ctx, row, (region.pk, indicator.pk, year), target, "地区、年度、指标"):
            return
        row.data = {
            "region": region,
            "indicator": indicator,
            "year": year,
            "value": value,
            "growth": growth,
            "responsible": responsible,
            "note": row.values.get("note") or "",
        }

    def save(self, ctx: ImportContext, row: Row) -> str:
        if row.data is None:
            return "unchanged"
        data = row.data
        existing = Target.objects.filter(
            region=data["region"], indicator=data["indicator"], year=data["year"]
        ).first()
        responsible, note = self._kept(ctx, existing, data)
        _target, outcome = services.set_target(
            ctx.actor,
            data["region"],
            data["indicator"],
            data["year"],
            value=data["value"],
            growth=data["growth"],
            responsible=responsible,
            note=note,
            reason=f"导入{ctx.file_name}",
            source=ctx.file_name,
        )
        return outcome


_SPAN_RE = re.compile(r"^(\d{4})\s*年?\s*(?:-|—|–|~|至|到)+\s*(\d{4})\s*年?度?$")


def optional_year_cell(raw: Any) -> int | None:
    return None if raw is None or str(raw).strip() == "" else year_cell(raw)


def span_cell(raw: Any) -> tuple[int, int] | None:
    """A target period as staff write it: "2022-2026年", "2022—2026", "2022年至2026年"."""
    if raw is None or str(raw).strip() == "":
        return None
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    match = _SPAN_RE.match(text)
    if match is None:
        raise CellError("span_invalid", f"“{text}”不是目标期,应写作2022-2026年")
    first, last = int(match[1]), int(match[2])
    for year in (first, last):
        if not services.MIN_YEAR <= year <= services.MAX_YEAR:
            raise CellError(
                "year_invalid", f"年度应在{services.MIN_YEAR}至{services.MAX_YEAR}之间(现为{year})"
            )
    return first, last


@register
class MultiYearTargetImporter(TargetImporter):
    """``tiaodu import targets-multiyear FILE``: multi-year targets (到2026年实现…1000亿元).

    Columns: 地区代码, 指标, 目标期 ("2022-2026年") or 起始年 and 截止年, 目标值 (required), 责任单位,
    地区名称, 备注. Each row goes through :func:`tiaodu.targets.multiyear.set_multiyear_target`
    (新增 / 更新 as a new version / 未变化). Row checks besides the annual import's:
    ``span_invalid``, ``span_missing`` (neither 目标期 nor both years), ``span_mismatch`` (目标期
    and the years disagree), ``span_reversed``, ``span_too_long``, ``indicator_not_summable``,
    ``target_not_positive``; ``duplicate_conflict`` for the same region, indicator and span twice.
    """

    name = "targets-multiyear"
    title = "多年目标"
    model = MultiYearTarget
    denied_message = "该地区的多年目标不在您的管辖范围内"
    columns = [
        TargetImporter.columns[0],  # 地区代码
        replace(
            TargetImporter.columns[2],
            note="可累加的总量指标(如招商引资到位资金、固定资产投资)的名称、别名或代码",
        ),
        Column(
            "目标期",
            "span",
            parse=span_cell,
            aliases=("目标期间", "目标年限"),
            example="2022-2026年",
            note="如2022-2026年;也可不填此列,改填“起始年”“截止年”两列;最长10年",
        ),
        Column(
            "起始年",
            "first_year",
            parse=optional_year_cell,
            aliases=("起始年度",),
            example="",
            note="不填目标期时必填",
        ),
        Column(
            "截止年",
            "last_year",
            parse=optional_year_cell,
            aliases=("截止年度",),
            example="",
            note="不填目标期时必填",
        ),
        Column(
            "目标值",
            "value",
            True,
            target_cell,
            aliases=("多年目标", "目标", "目标任务"),
            example="1000",
            note="整个目标期的累计目标,按指标目录的计量单位填写(如亿元),须大于0",
        ),
        *TargetImporter.columns[5:],  # 责任单位, 地区名称, 备注
    ]
    notes = [
        "每行一个地区、指标和目标期的多年目标(如到2026年实现招商引资到位资金1000亿元:目标期2022-2026年,目标值1000);"
        "已有相同地区、指标、目标期的目标时,数值不同即保存为新版本,相同则不作修改。",
        "各年度的分解目标请用“年度目标”导入;多年目标页面列出各年度目标合计并提示与多年目标不一致之处。",
        "同一文件中同一地区、指标、目标期出现两次且目标不同时,整批不导入。",
    ]

    def allowed(self, actor: Any) -> bool:
        return actor is None or can(actor, "add", MultiYearTarget)

    def _span(self, ctx: ImportContext, row: Row) -> tuple[int, int] | None:
        span = row.values.get("span")
        first, last = row.values.get("first_year"), row.values.get("last_year")
        failed = {e.field for e in ctx.errors if e.row == row.number}
        if failed & {"目标期", "起始年", "截止年"}:
            return None
        if span is not None:
            if (first is not None and first != span[0]) or (last is not None and last != span[1]):
                ctx.error(
                    row.number,
                    "目标期",
                    "span_mismatch",
                    f"目标期{span[0]}-{span[1]}年与起始年、截止年({first or '—'}至{last or '—'})不一致",
                )
                return None
            return span
        if first is None or last is None:
            ctx.error(
                row.number, "目标期", "span_missing", "请填写目标期(如2022-2026年),或同时填写起始年和截止年"
            )
            return None
        return first, last

    def clean(self, ctx: ImportContext, row: Row) -> None:
        region = self._region(ctx, row)
        indicator = self._indicator(ctx, row)
        span = self._span(ctx, row)
        value_cell: Cell | None = row.values.get("value")
        ok = indicator is not None and span is not None
        if (
            indicator is not None
            and value_cell is not None
            and value_cell.unit
            and value_cell.unit != indicator.unit
        ):
            ctx.error(
                row.number,
                "目标值",
                "unit_mismatch",
                f"“{indicator.name}”的计量单位应为{indicator.unit},不是{value_cell.unit}",
            )
            ok = False
        value = value_cell.value if value_cell is not None else None
        if indicator is not None and not any(e.row == row.number and e.field == "目标值" for e in ctx.errors):
            labels = {"last_year": "目标期", "indicator": "指标", "value": "目标值"}
            first, last = span if span is not None else (None, None)
            for err in multiyear.check_multiyear(indicator, first, last, value):
                ctx.error(row.number, labels.get(err.field, err.field), err.code, err.message)
                ok = False
        responsible, unit_ok = self._responsible(ctx, row, region)
        ok = ok and unit_ok
        if region is None or not ok or row.number in ctx.bad_rows:
            return
        assert indicator is not None and span is not None
        target = (value, responsible.pk if responsible else None, row.values.get("note") or "")
        if not self._first_seen(ctx, row, (region.pk, indicator.pk, *span), target, "地区、指标、目标期"):
            return
        row.data = {
            "region": region,
            "indicator": indicator,
            "first_year": span[0],
            "last_year": span[1],
            "value": value,
            "responsible": responsible,
            "note": row.values.get("note") or "",
        }

    def save(self, ctx: ImportContext, row: Row) -> str:
        if row.data is None:
            return "unchanged"
        data = row.data
        existing = MultiYearTarget.objects.filter(
            region=data["region"],
            indicator=data["indicator"],
            first_year=data["first_year"],
            last_year=data["last_year"],
        ).first()
        responsible, note = self._kept(ctx, existing, data)
        _target, outcome = multiyear.set_multiyear_target(
            ctx.actor,
            data["region"],
            data["indicator"],
            data["first_year"],
            data["last_year"],
            value=data["value"],
            responsible=responsible,
            note=note,
            reason=f"导入{ctx.file_name}",
            source=ctx.file_name,
        )
        return outcome
