"""Import ``vacancies`` (岗位). Lane C.

Columns: 统一社会信用代码, 岗位名称, 职业编码, 招聘人数, 月薪下限, 月薪上限, 工作地点, 岗位要求, 有效期至,
发布日期 (optional: 学历要求, 技能要求, 证书要求, 班制, 提供住宿, 提供工作餐, 年龄下限, 年龄上限,
年龄限制依据, 工作镇街).

The enterprise is found by its 统一社会信用代码 (:mod:`tiaodu.core.resolve`). A blank 职业编码 is
proposed from the title and the requirements (the vacancy shows it as proposed). A row whose
enterprise already has a vacancy of that title published that day updates it (only the columns
present); otherwise it is created. Every row goes through :mod:`tiaodu.employment.vacancies`, so
the 就业促进法 check, the wage range, the dates and the actor's scope are the same as on the page:
all or nothing, every bad row listed.
"""

from __future__ import annotations

from typing import Any

from tiaodu.core.errors import ServiceError
from tiaodu.core.imports import (
    CellError,
    Column,
    ImportContext,
    Importer,
    Row,
    any_date,
    boolean,
    integer_between,
    memo,
    past_date,
    register,
    text_of,
)
from tiaodu.core.resolve import resolver_for
from tiaodu.employment import vacancies
from tiaodu.employment.choices import Education, Shift
from tiaodu.employment.models import Vacancy

YES_NO = ("是", "否")


def _cell(parse: Any) -> Any:
    """A service parser as a cell parser (its refusal becomes the cell's error)."""

    def parse_cell(raw: Any) -> Any:
        if raw is None:
            return ""
        try:
            return parse(str(raw).strip())
        except ServiceError as exc:
            error = exc.errors[0] if exc.errors else None
            raise CellError(
                error.code if error else exc.code, error.message if error else exc.message
            ) from None

    return parse_cell


@register
class VacancyImporter(Importer):
    name = "vacancies"
    title = "岗位"
    model = Vacancy
    key_field = "title"
    denied_message = "该企业不在您的管辖范围内,不能导入其岗位"
    columns = [
        Column(
            "统一社会信用代码",
            "enterprise",
            True,
            text_of(18),
            example="91500152MA5U00002J",
            note="招聘企业的统一社会信用代码(18位),企业须已在企业名录中",
        ),
        Column("岗位名称", "title", True, text_of(64), example="缝纫工"),
        Column(
            "职业编码",
            "occupation",
            parse=text_of(16),
            example="6-05-01-03",
            note="《职业分类大典(2022年版)》编码;留空由平台根据岗位名称推荐(显示为“推荐”)",
        ),
        Column("招聘人数", "headcount", True, integer_between(1, vacancies.MAX_HEADCOUNT), example=20),
        Column(
            "月薪下限", "wage_min", parse=integer_between(0, vacancies.MAX_WAGE), example=3500, note="元/月"
        ),
        Column(
            "月薪上限", "wage_max", parse=integer_between(0, vacancies.MAX_WAGE), example=5000, note="元/月"
        ),
        Column("工作地点", "work_place", parse=text_of(128), example="潼南高新区"),
        Column(
            "岗位要求",
            "requirements",
            parse=text_of(2000),
            example="有制衣厂工作经历,能适应两班倒",
            note="不得含性别、民族、地域(户籍)等歧视性要求(《就业促进法》)",
        ),
        Column("有效期至", "valid_until", parse=any_date, example="2022-04-30"),
        Column("发布日期", "published_on", True, past_date, example="2022-02-10"),
        Column(
            "学历要求",
            "education",
            parse=_cell(vacancies.education_of),
            example="初中",
            options=tuple(str(label) for _v, label in Education.choices),
        ),
        Column("技能要求", "skills", parse=text_of(255), example="熟练使用平缝机"),
        Column("证书要求", "certificates", parse=text_of(255), example=""),
        Column(
            "班制",
            "shift",
            parse=_cell(vacancies.shift_of),
            example="两班倒",
            options=tuple(str(label) for _v, label in Shift.choices),
        ),
        Column("提供住宿", "housing", parse=boolean, example="是", options=YES_NO),
        Column("提供工作餐", "meals", parse=boolean, example="是", options=YES_NO),
        Column("年龄下限", "age_min", parse=integer_between(0, 100), example=""),
        Column("年龄上限", "age_max", parse=integer_between(0, 100), example=""),
        Column(
            "年龄限制依据",
            "age_ground",
            parse=text_of(255),
            example="",
            note="设置年龄上限或18岁以上的下限时必须填写",
        ),
        Column(
            "工作镇街",
            "township",
            parse=text_of(64),
            example="",
            note="工作地点所在镇街(名称或9位区划代码);留空为企业所在镇街",
            aliases=("工作地点所在镇街",),
        ),
    ]
    notes = [
        "同一企业、同一岗位名称、同一发布日期的岗位视为同一岗位:已有的只更新文件中出现的列,没有的新增。",
        "职业编码留空时,平台根据岗位名称和岗位要求推荐职业编码,岗位上标注“推荐”,可在岗位页面修改。",
        "岗位要求不得含有性别、民族、地域(户籍)、传染病病原携带者等歧视性内容;设置年龄限制须说明依据。",
        "企业用户只能导入本企业的岗位;区人社局等部门可以导入本区县企业的岗位。",
    ]

    def prepare(self, ctx: ImportContext) -> None:
        ctx.cache["seen"] = {}
        ctx.audit_data["occupation_proposed"] = 0

    def clean(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        raw = values.get("enterprise") or ""
        enterprise = None
        if raw:
            try:
                enterprise = resolver_for(ctx).enterprise(raw, field="enterprise", label="企业")
            except ServiceError as exc:
                ctx.service_error(row.number, exc)
        code = values.get("occupation") or ""
        if code:
            try:
                memo(ctx, "occupations", code, lambda: vacancies.occupation_of(code))
            except ServiceError as exc:
                ctx.service_error(row.number, exc)
        if enterprise is None or not values.get("title") or values.get("published_on") is None:
            return
        key = (enterprise.pk, values["title"], values["published_on"])
        seen = ctx.cache["seen"]
        if key in seen:
            ctx.error(
                row.number, "title", "vacancy_duplicate", f"与第{seen[key]}行是同一企业同一天发布的同名岗位"
            )
            return
        seen[key] = row.number
        fields = {k: v for k, v in values.items() if k != "enterprise"}
        problems = vacancies.check_values(
            ctx.actor, enterprise, **{k: v for k, v in fields.items() if k != "occupation"}
        )
        for problem in problems:
            ctx.error(row.number, problem.field, problem.code, problem.message)
        if not problems:
            row.data = (enterprise, fields)

    def save(self, ctx: ImportContext, row: Row) -> str:
        enterprise, values = row.data
        if "occupation" in values:
            values["occupation"] = values["occupation"] or None
        existing = (
            Vacancy.objects.filter(
                enterprise=enterprise, title=values["title"], published_on=values["published_on"]
            )
            .select_related("occupation", "township")
            .first()
        )
        if existing is None:
            made = vacancies.create_vacancy(ctx.actor, enterprise=enterprise, **values)
            if made.occupation_proposed:
                ctx.audit_data["occupation_proposed"] += 1
            return "created"
        changes = {k: v for k, v in values.items() if self._differs(existing, k, v)}
        if not changes:
            return "unchanged"
        saved = vacancies.update_vacancy(ctx.actor, existing, None, **changes)
        if saved.occupation_proposed and not existing.occupation_proposed:
            ctx.audit_data["occupation_proposed"] += 1
        return "updated"

    @staticmethod
    def _differs(existing: Vacancy, field: str, value: Any) -> bool:
        if field == "occupation":
            if value is None:  # blank: keep what is there (proposed or chosen)
                return False
            return existing.occupation is None or existing.occupation.code != value
        if field == "township":
            return bool(value) and value not in (existing.township.name, existing.township.code)
        current = getattr(existing, field)
        if current is None or isinstance(current, str):
            return (current or "") != (value if value is not None else "")
        return bool(current != value)
