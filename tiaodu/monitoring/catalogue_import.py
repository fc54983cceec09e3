"""``tiaodu import catalogue FILE``: indicators added to the catalogue by the platform's administrators.

The built-in catalogue (``data/indicators.csv``) is loaded by migration; a district that reports
more (规上服务业营业收入, 外贸进出口总额, 新增市场主体 …) adds them with a file of the same columns,
headed in Chinese: 指标代码, 指标名称, 计量单位, 指标类型 (required), 别名, 方向, 排名依据,
可跨地区加总, 可为负数, 发布小数位数, 占比分母, 分子指标, 分母指标, 所报增速对应的总量指标, 数据来源,
说明. A row with a new code creates an indicator; a row with the code of an added indicator updates
it; built-in indicators are not changed by a file (``indicator_builtin``).

Every rule the comparisons rely on is checked, each a row error with the column and a stable code:
the code's form (``code_invalid``); a name, code or alias already used by another indicator or by
another row (``name_taken``: imports find indicators by any of them, so they must be unique);
the unit of a rate or ratio is % and a level's is not (``unit_invalid``); what each kind may have —
a ranking by growth or share and the flags 可跨地区加总 / 可为负数 only for a level
(``level_only``), a share ranking with its 占比分母 (``share_of_missing``), a ratio with both its
parts (``ratio_parts_missing``), a published growth rate's level only for a rate
(``rate_only``); and each link naming a level indicator of the catalogue or of the file
(``link_unknown``, ``link_not_level``). All-or-nothing like every import.
"""

from __future__ import annotations

import re
from typing import Any

from tiaodu.core.imports import (
    Column,
    ImportContext,
    Importer,
    Row,
    boolean,
    choice,
    integer_between,
    register,
    text_of,
)
from tiaodu.monitoring.choices import Direction, IndicatorKind, Measure
from tiaodu.monitoring.models import Indicator
from tiaodu.monitoring.services import name_key

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
ALIAS_SPLIT = re.compile(r"[;;、,,]")
KIND_WORDS: dict[str, str] = {
    IndicatorKind.LEVEL: "总量",
    IndicatorKind.RATE: "增速",
    IndicatorKind.RATIO: "比重",
    IndicatorKind.INDEX: "指数",
}
KINDS: dict[str, str] = {word: str(kind) for kind, word in KIND_WORDS.items()} | {
    "比率": IndicatorKind.RATIO.value
}
DIRECTIONS: dict[str, str] = {"越高越好": Direction.HIGHER.value, "越低越好": Direction.LOWER.value}
MEASURE_WORDS: dict[str, str] = {Measure.VALUE: "数值", Measure.GROWTH: "同比增速", Measure.SHARE: "占比"}
MEASURES: dict[str, str] = {word: str(m) for m, word in MEASURE_WORDS.items()} | {
    "增速": Measure.GROWTH.value
}
# link field → (its column header, the kinds of indicator that may have it)
LINKS = {
    "share_of": ("占比分母", (IndicatorKind.LEVEL,)),
    "numerator": ("分子指标", (IndicatorKind.RATIO,)),
    "denominator": ("分母指标", (IndicatorKind.RATIO,)),
    "growth_of": ("所报增速对应的总量指标", (IndicatorKind.RATE,)),
}
FIELDS = (
    "name",
    "aliases",
    "unit",
    "kind",
    "direction",
    "rank_by",
    "additive",
    "may_be_negative",
    "decimals",
    "source",
    "description",
)


def aliases_cell(raw: Any) -> list[str]:
    if raw is None:
        return []
    return [a.strip() for a in ALIAS_SPLIT.split(str(raw)) if a.strip()]


@register
class CatalogueImporter(Importer):
    name = "catalogue"
    title = "监测指标目录"
    model = Indicator
    key_field = "code"
    columns = [
        Column(
            "指标代码",
            "code",
            True,
            text_of(32),
            aliases=("代码",),
            example="fw_yysr",
            note="小写字母开头,只含小写字母、数字和下划线,最多32位;与已导入的指标相同时更新该指标",
        ),
        Column("指标名称", "name", True, text_of(64), aliases=("名称",), example="规模以上服务业营业收入"),
        Column(
            "计量单位", "unit", True, text_of(16), aliases=("单位",), example="亿元", note="增速、比重指标为%"
        ),
        Column(
            "指标类型", "kind", True, choice(KINDS), aliases=("类型",), example="总量", options=tuple(KINDS)
        ),
        Column(
            "别名",
            "aliases",
            parse=aliases_cell,
            example="规上服务业营业收入;规上服务业营收",
            note="导入数据时可用的其他名称,用分号或顿号分隔",
        ),
        Column(
            "方向",
            "direction",
            parse=choice(DIRECTIONS, blank=Direction.HIGHER),
            example="越高越好",
            options=tuple(DIRECTIONS),
            note="不填为越高越好",
        ),
        Column(
            "排名依据",
            "rank_by",
            parse=choice(MEASURES, blank=Measure.VALUE),
            example="同比增速",
            options=("数值", "同比增速", "占比"),
            note="不填为数值;同比增速、占比只用于总量指标",
        ),
        Column(
            "可跨地区加总",
            "additive",
            parse=boolean,
            aliases=("可加总",),
            example="是",
            note="各镇街、区县之和等于上级地区的总量指标填是(企业数据可汇总)",
        ),
        Column("可为负数", "may_be_negative", parse=boolean, example="否", note="如利润总额;只用于总量指标"),
        Column(
            "发布小数位数",
            "decimals",
            parse=integer_between(0, 4),
            aliases=("小数位数",),
            example="2",
            note="0至4,不填为2",
        ),
        Column(
            "占比分母",
            "share_of",
            parse=text_of(64),
            example="",
            note="按占比排名的总量指标:它占哪个总量指标的比重(名称或代码)",
        ),
        Column("分子指标", "numerator", parse=text_of(64), example="", note="比重指标:分子(总量指标)"),
        Column("分母指标", "denominator", parse=text_of(64), example="", note="比重指标:分母(总量指标)"),
        Column(
            "所报增速对应的总量指标",
            "growth_of",
            parse=text_of(64),
            aliases=("对应总量指标",),
            example="",
            note="增速指标:它是哪个总量指标的同比增速",
        ),
        Column("数据来源", "source", parse=text_of(64), aliases=("来源",), example="统计局"),
        Column("说明", "description", parse=text_of(500), aliases=("备注",), example="按累计值报送"),
    ]
    notes = [
        "内置指标(如规模以上工业总产值)已在目录中,不需要也不能通过导入修改;导入用于增加本地区需要的指标。",
        "指标名称、代码和别名在整个目录中不能重复,导入数据时按它们识别指标。",
        "指标类型:总量(金额、数量,同比增速按两期累计值计算)、增速(按发布值,%)、比重(分子÷分母×100,%)、指数。",
        "关联指标(占比分母、分子指标、分母指标、所报增速对应的总量指标)可以是目录中已有的指标,也可以是同一文件中的其他行。",
    ]

    def prepare(self, ctx: ImportContext) -> None:
        indicators = list(Indicator.objects.all())
        ctx.cache["by_code"] = {i.code: i for i in indicators}
        taken: dict[str, Indicator] = {}
        for ind in indicators:
            for word in (ind.code, ind.name, *(ind.aliases or [])):
                taken.setdefault(name_key(word), ind)
        ctx.cache["taken"] = taken
        ctx.cache["rows"] = {}  # name_key of a row's code, name or alias → (row number, code)
        ctx.cache["order"] = max((i.order for i in indicators), default=0)

    def clean(self, ctx: ImportContext, row: Row) -> None:
        v = row.values
        code = v.get("code")
        if code is None:
            return
        if not CODE_RE.match(code):
            ctx.error(
                row.number,
                "指标代码",
                "code_invalid",
                f"指标代码“{code}”格式不正确:应以小写字母开头,只含小写字母、数字和下划线,最多32位",
            )
            return
        existing: Indicator | None = ctx.cache["by_code"].get(code)
        if existing is not None and existing.builtin:
            ctx.error(
                row.number,
                "指标代码",
                "indicator_builtin",
                f"“{code}”是内置指标“{existing.name}”,不能通过导入修改",
            )
            return
        ok = self._names(ctx, row, code, existing)
        kind = v.get("kind")
        if kind is None:
            return
        ok = self._rules(ctx, row, kind) and ok
        if ok:
            row.data = {"code": code, **{f: v[f] for f in FIELDS if f in v}}
            row.data["links"] = {f: v[f] for f in LINKS if v.get(f)}

    def _names(self, ctx: ImportContext, row: Row, code: str, existing: Indicator | None) -> bool:
        """The row's code, name and aliases: unused by other indicators and other rows."""
        ok = True
        words = [("指标代码", code), ("指标名称", row.values.get("name") or "")]
        words += [("别名", a) for a in row.values.get("aliases") or []]
        mine: set[str] = set()
        for header, word in words:
            key = name_key(word)
            if not key or key in mine:
                continue
            mine.add(key)
            other: Indicator | None = ctx.cache["taken"].get(key)
            if other is not None and other.code != code:
                ctx.error(
                    row.number, header, "name_taken", f"“{word}”已是指标“{other.name}”的名称、代码或别名"
                )
                ok = False
                continue
            seen = ctx.cache["rows"].get(key)
            if seen is not None and seen[1] != code:
                ctx.error(
                    row.number, header, "name_taken", f"“{word}”与第{seen[0]}行的指标名称、代码或别名重复"
                )
                ok = False
            elif seen is not None:
                ctx.error(
                    row.number, "指标代码", "duplicate_conflict", f"指标代码“{code}”与第{seen[0]}行重复"
                )
                return False
        for key in mine:
            ctx.cache["rows"].setdefault(key, (row.number, code))
        return ok

    def _rules(self, ctx: ImportContext, row: Row, kind: str) -> bool:
        v = row.values
        errors: list[tuple[str, str, str]] = []
        unit = v.get("unit") or ""
        level = kind == IndicatorKind.LEVEL
        label = KIND_WORDS[kind]
        if kind in (IndicatorKind.RATE, IndicatorKind.RATIO) and unit not in ("%", "%"):
            errors.append(("计量单位", "unit_invalid", f"{label}指标的计量单位为%(现为“{unit}”)"))
        if level and unit in ("%", "%"):
            errors.append(
                ("计量单位", "unit_invalid", "总量指标不能以%为单位;增速、比重请定义为增速或比重指标")
            )
        rank_by = v.get("rank_by") or Measure.VALUE
        if rank_by != Measure.VALUE and not level:
            errors.append(("排名依据", "level_only", f"按{MEASURE_WORDS[rank_by]}排名只用于总量指标"))
        for field_name, header in (("additive", "可跨地区加总"), ("may_be_negative", "可为负数")):
            if v.get(field_name) and not level:
                errors.append((header, "level_only", f"“{header}”只用于总量指标"))
        if level and rank_by == Measure.SHARE and not v.get("share_of"):
            errors.append(
                ("占比分母", "share_of_missing", "按占比排名须填写占比分母(它占哪个总量指标的比重)")
            )
        if kind == IndicatorKind.RATIO and not (v.get("numerator") and v.get("denominator")):
            errors.append(("分子指标", "ratio_parts_missing", "比重指标须填写分子指标和分母指标"))
        for field_name, (header, kinds) in LINKS.items():
            if v.get(field_name) and kind not in kinds:
                code = "rate_only" if field_name == "growth_of" else "level_only"
                allowed = "、".join(KIND_WORDS[k] for k in kinds)
                errors.append((header, code, f"“{header}”只用于{allowed}指标"))
        for header, code, message in errors:
            ctx.error(row.number, header, code, message)
        return not errors

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        ctx.cache["targets"] = self._links(ctx, [r for r in rows if r.data is not None])

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        targets: dict[int, dict[str, Row | Indicator]] = ctx.cache["targets"]
        present = ctx.present_fields
        saved: dict[int, Indicator] = {}
        before: dict[int, tuple[Any, ...]] = {}
        order = ctx.cache["order"]
        for r in rows:
            fields = {f: r.data[f] for f in FIELDS if r.data.get(f) is not None}
            existing: Indicator | None = ctx.cache["by_code"].get(r.data["code"])
            if existing is None:
                order += 10
                saved[r.number] = Indicator.objects.create(code=r.data["code"], order=order, **fields)
                ctx.counts["created"] += 1
                continue
            before[r.number] = _state(existing)
            for f, value in fields.items():
                setattr(existing, f, value)
            existing.save()
            saved[r.number] = existing
        for number, ind in saved.items():
            for field_name in LINKS:
                if field_name not in present and number in before:
                    continue  # a column absent from the file leaves an added indicator's link as it was
                target = targets[number].get(field_name)
                setattr(ind, field_name, saved.get(target.number) if isinstance(target, Row) else target)
            ind.save(update_fields=list(LINKS))
            if number in before:
                ctx.counts["unchanged" if _state(ind) == before[number] else "updated"] += 1

    def _links(self, ctx: ImportContext, rows: list[Row]) -> dict[int, dict[str, Row | Indicator]]:
        """Each row's links, to a level of the catalogue or of the file (a row of the file wins
        over the catalogue's version of the same indicator); a row whose link fails is reported,
        and so is a row linking to a reported row."""
        by_word = {
            name_key(w): r
            for r in rows
            for w in (r.data["code"], r.data.get("name") or "", *(r.data.get("aliases") or []))
        }
        by_code = {r.data["code"]: r for r in rows}
        targets: dict[int, dict[str, Row | Indicator]] = {}
        failed: set[int] = set()
        for r in rows:
            targets[r.number] = {}
            for field_name, ref in r.data["links"].items():
                header = LINKS[field_name][0]
                found: Row | Indicator | None = by_word.get(name_key(ref)) or ctx.cache["taken"].get(
                    name_key(ref)
                )
                if isinstance(found, Indicator) and found.code in by_code:
                    found = by_code[found.code]
                problem = ""
                if found is None:
                    problem, text = "link_unknown", f"“{ref}”不在指标目录中,也不是本文件中的指标"
                elif found is r:
                    problem, text = "link_not_level", f"{header}不能是指标本身"
                elif (found.data["kind"] if isinstance(found, Row) else found.kind) != IndicatorKind.LEVEL:
                    problem, text = "link_not_level", f"“{ref}”不是总量指标,不能作为{header}"
                if found is None and name_key(ref) in ctx.cache["rows"]:
                    bad_row = ctx.cache["rows"][name_key(ref)][0]
                    problem, text = "link_unknown", f"所关联的“{ref}”(第{bad_row}行)有错误,未导入"
                if problem:
                    ctx.error(r.number, header, problem, text)
                    failed.add(r.number)
                else:
                    assert found is not None
                    targets[r.number][field_name] = found
        changed = True
        while changed:
            changed = False
            for r in rows:
                linked = targets[r.number].values()
                if r.number not in failed and any(isinstance(t, Row) and t.number in failed for t in linked):
                    ctx.error(r.number, "指标代码", "link_unknown", "所关联的本文件中的指标有错误,未导入")
                    failed.add(r.number)
                    changed = True
        return targets


def _state(ind: Indicator) -> tuple[Any, ...]:
    return (*(getattr(ind, f) for f in FIELDS), *(getattr(ind, f"{f}_id") for f in LINKS))
