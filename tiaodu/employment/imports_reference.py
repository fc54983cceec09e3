"""Imports ``occupations`` (职业编码, 职业名称, 关键词) and ``market-rules`` (所属镇街, 场镇, 历法,
逢几赶场). Lane A.

Both are all-or-nothing with every bad row listed (the framework's default):

- ``occupations``: a code of the 大典's shape (``occupation_code_format``) whose parent code is
  in the catalogue or earlier/anywhere in the file (``occupation_parent_missing``); a known code
  gets the file's name (and keywords, when the column is there), a new one is added.
- ``market-rules``: a township of the actor's district (``township_unknown``), 公历 or 农历,
  逢几赶场 as "1、4、7" or "147" (``market_digits``); the rule of the same township and 场镇 is
  updated, else one is added.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tiaodu.core.errors import ServiceError
from tiaodu.core.imports import CellError, Column, ImportContext, Importer, Row, register, text_of
from tiaodu.employment import reference
from tiaodu.employment.models import MarketRule, Occupation


def _code(raw: Any) -> str:
    code = str(raw if raw is not None else "").strip()
    if not reference.is_code(code):
        raise CellError(
            "occupation_code_format", f"职业编码“{code}”格式不正确,应如 6、6-05、6-05-01 或 6-05-01-03"
        )
    return code


def _digits(raw: Any) -> str:
    try:
        return reference.parse_digits(raw)
    except ServiceError as exc:
        raise CellError("market_digits", exc.errors[0].message) from None


def _calendar(raw: Any) -> str:
    try:
        return reference.calendar_of(raw)
    except ServiceError as exc:
        raise CellError("calendar_invalid", exc.errors[0].message) from None


@register
class OccupationImporter(Importer):
    name = "occupations"
    title = "职业分类"
    model = Occupation
    key_field = "code"
    columns = [
        Column(
            "职业编码",
            "code",
            True,
            _code,
            example="6-05-01-03",
            note="《职业分类大典》编码:大类6、中类6-05、小类6-05-01、细类6-05-01-03",
        ),
        Column("职业名称", "name", True, text_of(128), example="缝纫工"),
        Column(
            "关键词",
            "keywords",
            parse=text_of(255),
            example="缝纫工、平车工、车位",
            note="岗位名称中常见的说法,用顿号分隔;用于推荐职业编码",
        ),
    ]
    notes = [
        "编码已存在的更新名称(和关键词),不存在的新增;上级编码须已在职业分类中或在本文件中。",
    ]

    def prepare(self, ctx: ImportContext) -> None:
        ctx.cache["known"] = set(Occupation.objects.values_list("code", flat=True))
        ctx.cache["seen"] = {}

    def clean(self, ctx: ImportContext, row: Row) -> None:
        code = row.values.get("code")
        if not code:
            return
        seen = ctx.cache["seen"]
        if code in seen:
            ctx.error(row.number, "code", "occupation_duplicate", f"与第{seen[code]}行的职业编码重复")
            return
        seen[code] = row.number
        row.data = code

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        in_file = {r.data for r in rows if r.data}
        known = ctx.cache["known"] | in_file
        for row in rows:
            code = row.data
            if code and "-" in code and reference.parent_code(code) not in known:
                ctx.error(
                    row.number,
                    "code",
                    "occupation_parent_missing",
                    f"上级编码“{reference.parent_code(code)}”不在职业分类中,也不在本文件中",
                )

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        known = set(ctx.cache["known"])
        items = []
        keywords_present = "keywords" in ctx.present_fields
        existing = {o.code: o for o in Occupation.objects.filter(code__in=[r.data for r in rows if r.data])}
        for row in rows:
            code = row.data
            if not code:
                continue
            keywords = row.values.get("keywords") or ""
            if not keywords_present and code in existing:
                keywords = existing[code].keywords
            items.append(
                reference.CatalogueRow(
                    code, row.values["name"], "、".join(reference.split_keywords(keywords))
                )
            )
        with transaction.atomic():
            reference.load_occupations(rows=items, shipped=False)
        for item in items:
            ctx.counts["updated" if item.code in known else "created"] += 1


@register
class MarketRuleImporter(Importer):
    name = "market-rules"
    title = "赶场规则"
    model = MarketRule
    key_field = "township"
    denied_message = "该镇街不在您的管辖范围内"
    columns = [
        Column(
            "所属镇街",
            "township",
            True,
            example="古溪镇",
            note="本区县的镇街名称或9位区划代码",
            aliases=("镇街",),
        ),
        Column("场镇", "place", parse=text_of(64), example="古溪场"),
        Column(
            "历法",
            "calendar",
            parse=_calendar,
            example="农历",
            note="公历或农历;留空为农历",
            options=("公历", "农历"),
        ),
        Column(
            "逢几赶场",
            "digits",
            True,
            _digits,
            example="1、4、7",
            note="日期末位数字,例如“1、4、7”或“147”(0表示逢十)",
        ),
    ]
    notes = ["同一镇街同一场镇已有规则的更新,没有的新增。"]

    def prepare(self, ctx: ImportContext) -> None:
        ctx.cache["seen"] = {}

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        if not values.get("township") or not values.get("digits"):
            return
        try:
            town = reference.township_in(ctx.actor, values["township"])
        except ServiceError as exc:
            ctx.service_error(row.number, exc, self.denied_message)
            return
        if ctx.actor is not None:
            try:
                reference.ensure_keeper(ctx.actor, "add", MarketRule, reference.district_of(town))
            except ServiceError as exc:
                ctx.service_error(row.number, exc, self.denied_message)
                return
        key = (town.pk, values.get("place") or "")
        seen = ctx.cache["seen"]
        if key in seen:
            ctx.error(row.number, "township", "market_rule_duplicate", f"与第{seen[key]}行的镇街和场镇重复")
            return
        seen[key] = row.number
        row.data = town

    def save(self, ctx: ImportContext, row: Row) -> str:
        values = row.values
        place = values.get("place") or ""
        before = MarketRule.objects.filter(township=row.data, place=place).first()
        rule = reference.save_market_rule(
            ctx.actor,
            township=row.data,
            digits=values["digits"],
            calendar=values.get("calendar") if "calendar" in values else (before.calendar if before else ""),
            place=place,
        )
        if before is None:
            return "created"
        same = (before.digits, before.calendar) == (rule.digits, rule.calendar)
        return "unchanged" if same else "updated"
