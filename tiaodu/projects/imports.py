"""``tiaodu import projects FILE``: the key-project library from xlsx/CSV with Chinese headers.

Upserts by 项目代码 (when given), else by 项目名称 within the township. Each row is saved through
:func:`tiaodu.projects.services.save_project` (money, special-bond, coordinate and scope rules);
a changed 阶段 on an existing project goes through the stage table. All-or-nothing by default.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tiaodu.core.errors import InvalidInput, ServiceError
from tiaodu.core.imports import (
    CellError,
    Column,
    ImportContext,
    Importer,
    Row,
    any_date,
    boolean,
    choice,
    decimal_for,
    past_date,
    register,
    text_of,
)
from tiaodu.core.resolve import resolver_for
from tiaodu.orgs.choices import OrgKind
from tiaodu.projects import services
from tiaodu.projects.choices import BondField, Funding, ProjectCategory, ProjectKind, ProjectLevel, Stage
from tiaodu.projects.models import Project

PROJECT_KINDS = ("projects",)


def row_project(ctx: ImportContext, row: Row) -> Project | None:
    """The project a row names by 项目代码 (preferred) or 项目名称, through the run's resolver
    (code, then the name in the actor's district, then unique anywhere); errors on the row."""
    code, name = row.values.get("code") or "", row.values.get("name") or ""
    if not code and not name:
        ctx.error(row.number, "项目名称", "required", "项目名称和项目代码至少填写一项")
        return None
    resolver = resolver_for(ctx)
    try:
        try:
            return resolver.project(code or name, field="code" if code else "name")
        except InvalidInput as exc:
            if not (code and name and exc.errors[0].code == "project_unknown"):
                raise
            return resolver.project(name, field="name")
    except InvalidInput as exc:
        err = exc.errors[0]
        ctx.error(row.number, "项目代码" if err.field == "code" else "项目名称", err.code, err.message)
        return None


def _labels(choices: Any) -> dict[str, str]:
    return {str(label): value for value, label in choices.choices if value}


_AMOUNT = decimal_for(Project, "total_investment", unit="万元")  # the three amounts: 14 digits, 2 places


def amount(raw: Any) -> Decimal | None:
    """万元: a number, not negative (thousands separators allowed), that the field can hold
    (``number_too_large`` beyond it: the shared rule of :func:`tiaodu.core.imports.decimal_value`)."""
    number = _AMOUNT(raw)
    if number is not None and number < 0:
        raise CellError("negative_amount", "金额不能为负数")
    return number


_LONGITUDE = decimal_for(Project, "longitude", unit="十进制度,如 105.8512")
_LATITUDE = decimal_for(Project, "latitude", unit="十进制度,如 30.1788")


def coordinate(raw: Any) -> Decimal | None:
    """经度: −180…180 in the field's 9 digits, 6 places (the service checks the country)."""
    return _LONGITUDE(raw)


def latitude(raw: Any) -> Decimal | None:
    """纬度: −90…90 in the field's 8 digits, 6 places."""
    return _LATITUDE(raw)


@register
class ProjectImporter(Importer):
    name = "projects"
    title = "重点项目"
    model = Project
    key_field = "name"
    denied_message = "项目不在您的管辖范围内"
    field_headers = {"stage_on": "阶段日期", "on": "阶段日期", "outline": "项目名称"}
    columns = [
        Column("项目名称", "name", True, text_of(128), example="志特新材料年产120万平方米建筑铝模板项目"),
        Column(
            "项目代码",
            "code",
            parse=text_of(64),
            example="2201-500152-04-01-000003",
            note="审批监管平台项目代码;填写时按代码更新已有项目",
        ),
        Column(
            "项目级别",
            "level",
            parse=choice(_labels(ProjectLevel)),
            example="区级重点",
            options=tuple(_labels(ProjectLevel)),
        ),
        Column(
            "项目类型",
            "kind",
            parse=choice(_labels(ProjectKind)),
            example="新建",
            options=tuple(_labels(ProjectKind)),
        ),
        Column(
            "项目类别",
            "category",
            parse=choice(_labels(ProjectCategory)),
            example="产业",
            options=tuple(_labels(ProjectCategory)),
        ),
        Column("所属镇街", "township", True, text_of(64), example="桂林街道", note="镇街名称或区划代码"),
        Column("业主单位", "owner", parse=text_of(128), example="", note="已登记的项目业主单位全称"),
        Column(
            "责任单位", "responsible_unit", parse=text_of(128), example="区经济信息委", note="部门全称或简称"
        ),
        Column("包保领导", "leader", parse=text_of(64), example="leader", note="用户名或姓名"),
        Column("服务专班", "squad", parse=text_of(128), example="重点项目服务一专班"),
        Column("总投资(万元)", "total_investment", parse=amount, example=50000, aliases=("总投资",)),
        Column(
            "年度计划投资(万元)",
            "annual_plan",
            parse=amount,
            example=30000,
            aliases=("年度计划投资", "年度计划"),
        ),
        Column(
            "累计完成投资(万元)", "investment_completed", parse=amount, example=0, aliases=("累计完成投资",)
        ),
        Column(
            "阶段",
            "stage",
            parse=choice(_labels(Stage)),
            example="签约",
            note="新项目按此阶段登记;已有项目的阶段变更须符合阶段流转规则",
            options=tuple(_labels(Stage)),
        ),
        Column(
            "资金来源",
            "funding",
            parse=choice(_labels(Funding)),
            example="社会投资",
            options=tuple(_labels(Funding)),
        ),
        Column(
            "专项债领域",
            "bond_field",
            parse=choice(_labels(BondField)),
            example="",
            note="仅资金来源为专项债时填写",
            options=tuple(_labels(BondField)),
        ),
        Column("智能化改造", "is_intelligent_upgrade", parse=boolean, example="否"),
        Column(
            "阶段日期",
            "stage_on",
            parse=past_date,
            example="2022-01-05",
            note="项目进入所填阶段的日期(登记历史项目时填写),默认为导入当天",
        ),
        Column("计划开工日期", "planned_start", parse=any_date, example="2022-03-01"),
        Column("计划竣工日期", "planned_completion", parse=any_date, example="2023-12-31"),
        Column("经度", "longitude", parse=coordinate, example=105.8704, note="十进制度(东经)"),
        Column("纬度", "latitude", parse=latitude, example=30.1788, note="十进制度(北纬)"),
    ]
    notes = [
        "金额单位为万元。经度、纬度须同时填写或同时留空,且应在我国境内。",
        "阶段可选:储备、签约、落地、开工、在建、竣工、投产、达产、停建、取消。",
    ]

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = dict(row.values)
        resolver = resolver_for(ctx)
        units = (OrgKind.DEPARTMENT, OrgKind.GOVERNMENT, OrgKind.TOWN)
        lookups: tuple[tuple[str, Callable[[str], Any]], ...] = (
            ("township", lambda v: resolver.township(v)),
            (
                "owner",
                lambda v: resolver.organization(v, kinds=(OrgKind.OWNER,), field="owner", label="业主单位"),
            ),
            (
                "responsible_unit",
                lambda v: resolver.organization(v, kinds=units, field="responsible_unit", label="责任单位"),
            ),
            (
                "squad",
                lambda v: resolver.organization(v, kinds=(OrgKind.SQUAD,), field="squad", label="服务专班"),
            ),
            ("leader", lambda v: resolver.user(v, field="leader", label="包保领导")),
        )
        ok = True
        for field, resolve in lookups:
            if field not in values:
                continue
            if not values[field]:
                values[field] = None
                continue
            try:
                values[field] = resolve(values[field])
            except ServiceError as exc:
                ctx.service_error(row.number, exc)
                ok = False
        for field in ("total_investment", "annual_plan", "investment_completed"):
            if field in values and values[field] is None:
                values[field] = Decimal(0)
        if not ok or not values.get("name") or values.get("township") is None:
            return
        # The service's cross-field rules, checked here too so that every bad row is listed
        # even when other rows fail to parse (then nothing is written and save never runs).
        existing = self._existing(values)
        base = existing or Project()
        merged = {f: getattr(base, f, None) for f in services.FIELDS if f not in ("stage", "township")}
        merged.update({k: v for k, v in values.items() if k != "stage"})
        errors = services.validate_project(merged)
        for err in errors:
            ctx.error(row.number, err.field, err.code, err.message)
        if not errors:
            row.data = values

    @staticmethod
    def _existing(values: dict[str, Any]) -> Project | None:
        code = values.get("code") or ""
        existing = Project.objects.filter(code=code).first() if code else None
        if existing is None:
            existing = Project.objects.filter(name=values["name"], township=values["township"]).first()
            if existing is not None and existing.code and code and existing.code != code:
                existing = None
        return existing

    def save(self, ctx: ImportContext, row: Row) -> str:
        values: dict[str, Any] = dict(row.data)
        existing = self._existing(values)
        if existing is None:
            services.save_project(ctx.actor, **values)
            return "created"
        fields = [f for f in values if f != "stage_on"]  # a keyword of save_project, not a field
        before = {f: getattr(existing, f) for f in fields}
        services.save_project(ctx.actor, existing.pk, **values)
        existing.refresh_from_db()
        after = {f: getattr(existing, f) for f in fields}
        return "unchanged" if before == after else "updated"
