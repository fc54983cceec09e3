"""``tiaodu import catalogue FILE``: indicators added to the catalogue by the platform's administrators.

The built-in catalogue (``data/indicators.csv``) is loaded by migration; a district that reports
more (规上服务业营业收入, 外贸进出口总额, 新增市场主体 …) adds them with a file of the same columns,
headed in Chinese: 指标代码, 指标名称, 计量单位, 指标类型 (required), 别名, 方向, 排名依据,
可跨地区加总, 可为负数, 发布小数位数, 占比分母, 分子指标, 分母指标, 所报增速对应的总量指标, 数据来源,
说明. A row with a new code creates an indicator; a row with the code of an added indicator updates
it; built-in indicators are not changed by a file (``indicator_builtin``).

Every rule the comparisons rely on is checked on the indicator as it will be (the row's columns
over its current fields), each a row error with the column and a stable code: the code's form
(``code_invalid``); a name, code or alias already used by another indicator or row, or read as
something else by the figure imports — a column name (本期数) or another indicator's name with a
unit in brackets (工业投资(亿元)) — (``name_taken``); the unit of a rate or ratio is % and a level's
is not (``unit_invalid``); what each kind may have (``level_only``, ``rate_only``,
``share_of_missing``, ``ratio_parts_missing``); links naming a level of the catalogue or of the
file (``link_unknown``, ``link_not_level``); a part in its whole's unit and a ratio of two
different levels (``unit_mismatch``, ``ratio_parts_same``); no share cycle (``share_cycle``); one
published growth rate per level (``rate_exists``); no change of kind while others link to the
indicator as a level (``indicator_in_use``). All-or-nothing like every import.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q

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
PERCENT = ("%", "%")
BRACKETS = re.compile(r"[((][^()()]*[))]\s*$")  # a trailing "(亿元)"
DEFAULTS: dict[str, Any] = {
    "aliases": [],
    "direction": Direction.HIGHER.value,
    "rank_by": Measure.VALUE.value,
    "additive": False,
    "may_be_negative": False,
    "decimals": 2,
    "source": "",
    "description": "",
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
        indicators = list(Indicator.objects.select_related(*LINKS))
        ctx.cache["by_code"] = {i.code: i for i in indicators}
        taken: dict[str, Indicator] = {}
        for ind in indicators:
            for word in (ind.code, ind.name, *(ind.aliases or [])):
                taken.setdefault(name_key(word), ind)
        ctx.cache["taken"] = taken
        ctx.cache["reserved"] = reserved_headers()
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
        if self._names(ctx, row, code) and "kind" in v:
            row.data = {"code": code, "existing": existing, "fields": self._fields(ctx, v, existing)}

    def _fields(self, ctx: ImportContext, v: dict[str, Any], existing: Indicator | None) -> dict[str, Any]:
        """The indicator's fields after the import: the row's columns over what it has (an absent
        column leaves a field as it is; an empty cell is the field's default)."""
        if existing is not None:
            fields = {f: getattr(existing, f) for f in FIELDS}
            fields |= {f: getattr(existing, f) for f in LINKS}  # Indicator or None
        else:
            fields = dict(DEFAULTS) | dict.fromkeys(LINKS)
        present = ctx.present_fields
        for f in FIELDS:
            if f in present:
                fields[f] = DEFAULTS[f] if v.get(f) in (None, "") and f in DEFAULTS else v.get(f)
        for f in LINKS:
            if f in present:
                fields[f] = v.get(f) or None  # a reference (text) to resolve, or none
        return fields

    def _names(self, ctx: ImportContext, row: Row, code: str) -> bool:
        """The row's code, name and aliases: unused by other indicators and other rows, and not
        read as something else by the figure imports (a column header such as 本期数, or another
        indicator's name with a unit in brackets such as 工业投资(亿元))."""
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
            base = ctx.cache["taken"].get(name_key(BRACKETS.sub("", word)))
            if other is None and base is not None and base.code != code:
                other = base
            if other is not None and other.code != code:
                ctx.error(
                    row.number, header, "name_taken", f"“{word}”已是指标“{other.name}”的名称、代码或别名"
                )
                ok = False
                continue
            if key in ctx.cache["reserved"]:
                ctx.error(
                    row.number, header, "name_taken", f"“{word}”是数据导入文件的列名,不能作为指标名称或别名"
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

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        """Resolve every row's links (to the catalogue or to another row), then check each row's
        fields as they will be — the rules need the kind and unit of what a row links to."""
        rows = [r for r in rows if r.data is not None]
        by_word = {
            name_key(w): r
            for r in rows
            for w in (r.data["code"], r.data["fields"]["name"], *(r.data["fields"]["aliases"] or []))
        }
        by_code = {r.data["code"]: r for r in rows}
        failed: set[int] = set()

        def target(ref: Indicator | str) -> Row | Indicator | None:
            if isinstance(ref, Indicator):
                return by_code.get(ref.code, ref)
            found: Row | Indicator | None = by_word.get(name_key(ref)) or ctx.cache["taken"].get(
                name_key(ref)
            )
            return by_code.get(found.code, found) if isinstance(found, Indicator) else found

        for r in rows:
            links: dict[str, Row | Indicator] = {}
            for f in LINKS:
                ref = r.data["fields"][f]
                if ref is None:
                    continue
                found = target(ref)
                if found is None:
                    bad = ctx.cache["rows"].get(name_key(str(ref)))
                    detail = f"(第{bad[0]}行)有错误,未导入" if bad else "不在指标目录中,也不是本文件中的指标"
                    ctx.error(r.number, LINKS[f][0], "link_unknown", f"“{ref}”{detail}")
                    failed.add(r.number)
                else:
                    links[f] = found
            r.data["links"] = links
        for r in rows:
            if r.number not in failed and not self._rules(ctx, r, rows):
                failed.add(r.number)
        changed = True
        while changed:
            changed = False
            for r in rows:
                linked = r.data["links"].values()
                if r.number not in failed and any(isinstance(t, Row) and t.number in failed for t in linked):
                    ctx.error(r.number, "指标代码", "link_unknown", "所关联的本文件中的指标有错误,未导入")
                    failed.add(r.number)
                    changed = True

    def _rules(self, ctx: ImportContext, r: Row, rows: list[Row]) -> bool:
        f = r.data["fields"]
        links: dict[str, Row | Indicator] = r.data["links"]
        kind, unit, rank_by = f["kind"], f["unit"], f["rank_by"]
        level = kind == IndicatorKind.LEVEL
        errors: list[tuple[str, str, str]] = []
        if kind in (IndicatorKind.RATE, IndicatorKind.RATIO) and unit not in PERCENT:
            errors.append(("计量单位", "unit_invalid", f"{KIND_WORDS[kind]}指标的计量单位为%(现为“{unit}”)"))
        if level and unit in PERCENT:
            errors.append(
                ("计量单位", "unit_invalid", "总量指标不能以%为单位;增速、比重请定义为增速或比重指标")
            )
        if rank_by != Measure.VALUE and not level:
            errors.append(("排名依据", "level_only", f"按{MEASURE_WORDS[rank_by]}排名只用于总量指标"))
        for name, header in (("additive", "可跨地区加总"), ("may_be_negative", "可为负数")):
            if f[name] and not level:
                errors.append((header, "level_only", f"“{header}”只用于总量指标"))
        if level and rank_by == Measure.SHARE and "share_of" not in links:
            errors.append(
                ("占比分母", "share_of_missing", "按占比排名须填写占比分母(它占哪个总量指标的比重)")
            )
        if kind == IndicatorKind.RATIO and not ("numerator" in links and "denominator" in links):
            errors.append(("分子指标", "ratio_parts_missing", "比重指标须填写分子指标和分母指标"))
        for name, linked in links.items():
            header, kinds = LINKS[name]
            if kind not in kinds:
                code = "rate_only" if name == "growth_of" else "level_only"
                errors.append(
                    (header, code, f"“{header}”只用于{'、'.join(KIND_WORDS[k] for k in kinds)}指标")
                )
            elif linked is r or _code(linked) == r.data["code"]:
                errors.append((header, "link_not_level", f"{header}不能是指标本身"))
            elif _kind(linked) != IndicatorKind.LEVEL:
                errors.append((header, "link_not_level", f"“{_name(linked)}”不是总量指标,不能作为{header}"))
        if not errors:
            errors += self._link_rules(ctx, r, rows, links)
        for header, code, message in errors:
            ctx.error(r.number, header, code, message)
        return not errors

    def _link_rules(
        self, ctx: ImportContext, r: Row, rows: list[Row], links: dict[str, Row | Indicator]
    ) -> list[tuple[str, str, str]]:
        """What the links mean together: a part in its whole's unit, a ratio of two different
        levels, no share cycle, one published growth rate per level, and no kind change that
        leaves others linking to something that is no longer a level."""
        f, code = r.data["fields"], r.data["code"]
        errors: list[tuple[str, str, str]] = []
        whole = links.get("share_of")
        if whole is not None and _unit(whole) != f["unit"]:
            errors.append(
                (
                    "占比分母",
                    "unit_mismatch",
                    f"占比分母“{_name(whole)}”的单位是{_unit(whole)},与本指标的{f['unit']}不同",
                )
            )
        # a share cycle: 甲 share of 乙 share of 甲
        step: Row | Indicator | None = whole
        seen: set[str | None] = {code}
        while whole is not None and step is not None:
            if _code(step) in seen:
                message = f"占比分母“{_name(whole)}”又以本指标为分母,构成循环"
                errors.append(("占比分母", "share_cycle", message))
                break
            seen.add(_code(step))
            step = _link(step, "share_of")
        top, bottom = links.get("numerator"), links.get("denominator")
        if top is not None and bottom is not None:
            if _code(top) == _code(bottom):
                errors.append(("分母指标", "ratio_parts_same", "分子指标和分母指标不能是同一个指标"))
            elif _unit(top) != _unit(bottom):
                errors.append(
                    (
                        "分母指标",
                        "unit_mismatch",
                        f"分子“{_name(top)}”({_unit(top)})与分母“{_name(bottom)}”({_unit(bottom)})单位不同",
                    )
                )
        level = links.get("growth_of")
        if level is not None:
            others = [
                str(x.data["fields"]["name"])
                for x in rows
                if x is not r and _code(x.data["links"].get("growth_of")) == _code(level)
            ]
            in_file = {x.data["code"] for x in rows}
            others += [
                i.name
                for i in Indicator.objects.filter(growth_of__code=_code(level)).exclude(code=code)
                if i.code not in in_file
            ]
            if others:
                errors.append(
                    (
                        "所报增速对应的总量指标",
                        "rate_exists",
                        f"“{_name(level)}”已有所报增速指标“{others[0]}”,一个总量指标只能有一个",
                    )
                )
        old: Indicator | None = r.data["existing"]
        if old is not None and old.kind == IndicatorKind.LEVEL and f["kind"] != IndicatorKind.LEVEL:
            in_file = {x.data["code"] for x in rows}
            users = [
                i.name
                for i in Indicator.objects.filter(
                    Q(share_of=old) | Q(numerator=old) | Q(denominator=old) | Q(growth_of=old)
                ).exclude(code__in=in_file)
            ]
            if users:
                errors.append(
                    (
                        "指标类型",
                        "indicator_in_use",
                        f"指标“{users[0]}”等以本指标为总量指标,不能改为{KIND_WORDS[f['kind']]}指标",
                    )
                )
        return errors

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        saved: dict[int, Indicator] = {}
        before: dict[int, tuple[Any, ...]] = {}
        order = ctx.cache["order"]
        for r in rows:
            fields = {f: r.data["fields"][f] for f in FIELDS}
            existing: Indicator | None = r.data["existing"]
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
        for r in rows:
            ind = saved[r.number]
            for f in LINKS:
                linked = r.data["links"].get(f)
                setattr(ind, f, saved[linked.number] if isinstance(linked, Row) else linked)
            ind.save(update_fields=list(LINKS))
            if r.number in before:
                ctx.counts["unchanged" if _state(ind) == before[r.number] else "updated"] += 1


def reserved_headers() -> set[str]:
    """The column names of the figure and target imports (期别, 数值, 本期数 …): an indicator
    named so would be read as that column."""
    from tiaodu.core.imports import get_importer

    words: set[str] = set()
    for kind in ("indicators", "enterprise-data", "targets"):
        for column in get_importer(kind).columns:
            if not column.field.startswith("ind:"):
                words |= {name_key(n) for n in column.names}
    return words


def _code(x: Row | Indicator | None) -> str | None:
    if x is None:
        return None
    return x.data["code"] if isinstance(x, Row) else x.code


def _name(x: Row | Indicator) -> str:
    return str(x.data["fields"]["name"]) if isinstance(x, Row) else x.name


def _kind(x: Row | Indicator) -> str:
    return str(x.data["fields"]["kind"]) if isinstance(x, Row) else x.kind


def _unit(x: Row | Indicator) -> str:
    return str(x.data["fields"]["unit"]) if isinstance(x, Row) else x.unit


def _link(x: Row | Indicator, name: str) -> Row | Indicator | None:
    if isinstance(x, Row):
        linked: Row | Indicator | None = x.data.get("links", {}).get(name)
        return linked
    return getattr(x, name)  # type: ignore[no-any-return]


def _state(ind: Indicator) -> tuple[Any, ...]:
    return (*(getattr(ind, f) for f in FIELDS), *(getattr(ind, f"{f}_id") for f in LINKS))
