"""Vacancy API. Lane C.

/api/v1/employment/vacancies (list with the board's filters, add), /vacancies/{id} (detail,
change — including the status: 招满 / 关闭 / 重新开放), /needs/{id}/vacancies (a labour need into
vacancies). Lists and details start from ``Vacancy.objects.restrict(user)``; writes go through
:mod:`tiaodu.employment.vacancies`. Vacancies carry no personal data.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Header, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.concurrency import parse_version
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.employment import vacancies
from tiaodu.employment.choices import Education, Shift, VacancyStatus
from tiaodu.employment.forms_vacancies import VacancyFilter
from tiaodu.employment.models import Vacancy

router = Router()

Id = Annotated[int, Field(ge=1, le=2**62)]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", description='读取时的版本号,如 "3";与请求体的 version 二选一,已被他人修改时返回409'
    ),
]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=9, decimal_places=6)]
Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=8, decimal_places=6)]
Wage = Annotated[int, Field(ge=0, le=vacancies.MAX_WAGE)]
Age = Annotated[int, Field(ge=0, le=100)]
Headcount = Annotated[int, Field(ge=1, le=vacancies.MAX_HEADCOUNT)]


class EmploymentVacancyOut(Schema):
    id: int
    version: int
    district_code: str
    township_code: str = Field(..., description="工作地点所在镇街代码")
    township_name: str
    enterprise_id: int
    enterprise_name: str
    enterprise_credit_code: str
    title: str
    occupation_code: str | None = Field(None, description="《职业分类大典(2022年版)》编码")
    occupation_name: str | None = None
    occupation_proposed: bool = Field(..., description="职业编码为平台根据岗位名称推荐")
    headcount: int
    wage_min: int | None = Field(None, description="月薪下限(元)")
    wage_max: int | None = Field(None, description="月薪上限(元)")
    shift: str = Field(..., description="班制:" + "、".join(f"{v} {label}" for v, label in Shift.choices))
    housing: bool
    meals: bool
    education: str = Field(
        ..., description="学历要求:" + "、".join(f"{v or '空'} {label}" for v, label in Education.choices)
    )
    skills: str
    certificates: str
    requirements: str
    age_min: int | None
    age_max: int | None
    age_ground: str
    work_place: str
    longitude: float | None
    latitude: float | None
    published_on: date
    valid_until: date | None
    status: str = Field(..., description="状态:open 招聘中、filled 已招满、closed 已关闭")
    need_id: int | None = Field(None, description="来源的企业用工需求编号")

    @staticmethod
    def resolve_district_code(obj: Vacancy) -> str:
        return str(obj.district.code)

    @staticmethod
    def resolve_township_code(obj: Vacancy) -> str:
        return str(obj.township.code)

    @staticmethod
    def resolve_township_name(obj: Vacancy) -> str:
        return str(obj.township.name)

    @staticmethod
    def resolve_enterprise_name(obj: Vacancy) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_enterprise_credit_code(obj: Vacancy) -> str:
        return obj.enterprise.credit_code

    @staticmethod
    def resolve_occupation_code(obj: Vacancy) -> str | None:
        return obj.occupation.code if obj.occupation else None

    @staticmethod
    def resolve_occupation_name(obj: Vacancy) -> str | None:
        return obj.occupation.name if obj.occupation else None


class EmploymentVacancyFields(Schema):
    occupation: str | None = Field(None, max_length=16, description="职业编码;留空由平台推荐")
    wage_min: Wage | None = None
    wage_max: Wage | None = None
    shift: Shift | None = None
    housing: bool = False
    meals: bool = False
    education: Education | None = None
    skills: str = Field("", max_length=255)
    certificates: str = Field("", max_length=255)
    requirements: str = Field("", max_length=2000, description="不得含性别、民族、地域(户籍)等歧视性要求")
    age_min: Age | None = None
    age_max: Age | None = None
    age_ground: str = Field("", max_length=255, description="设置年龄上限或18岁以上的下限时必填")
    work_place: str = Field("", max_length=128)
    township: str | None = Field(
        None, max_length=64, description="工作地点所在镇街(名称或代码);默认企业所在镇街"
    )
    valid_until: date | None = None
    longitude: Longitude | None = None
    latitude: Latitude | None = None


class EmploymentVacancyIn(EmploymentVacancyFields):
    enterprise: str = Field(..., min_length=1, max_length=128, description="企业:统一社会信用代码或名称")
    title: str = Field(..., min_length=1, max_length=64)
    headcount: Headcount
    published_on: date


class EmploymentVacancyPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=64)
    headcount: Headcount | None = None
    published_on: date | None = None
    occupation: str | None = Field(None, max_length=16, description="职业编码;null 或空串:由平台重新推荐")
    wage_min: Wage | None = None
    wage_max: Wage | None = None
    shift: Shift | None = None
    housing: bool | None = None
    meals: bool | None = None
    education: Education | None = None
    skills: str | None = Field(None, max_length=255)
    certificates: str | None = Field(None, max_length=255)
    requirements: str | None = Field(None, max_length=2000)
    age_min: Age | None = None
    age_max: Age | None = None
    age_ground: str | None = Field(None, max_length=255)
    work_place: str | None = Field(None, max_length=128)
    township: str | None = Field(None, max_length=64)
    valid_until: date | None = None
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    status: VacancyStatus | None = Field(None, description="open 招聘中、filled 已招满、closed 已关闭")
    version: int | None = Field(None, ge=1, le=2**31, description="读取时的版本号")


class EmploymentNeedRowIn(EmploymentVacancyFields):
    title: str = Field(..., min_length=1, max_length=64)
    headcount: Headcount
    published_on: date | None = Field(None, description="默认为用工需求的提出日期")


class EmploymentNeedVacanciesIn(Schema):
    rows: list[EmploymentNeedRowIn] | None = Field(
        None, max_length=30, description="转成的岗位;不传则按用工需求的工种和人数预填"
    )


def _values(payload: dict[str, Any]) -> dict[str, Any]:
    values = dict(payload)
    for key in ("shift", "education"):
        if key in values:
            values[key] = str(getattr(values[key], "value", values[key]) or "")
    if "occupation" in values:
        values["occupation"] = values["occupation"] or None
    if "township" in values and not values["township"]:
        values["township"] = None
    return values


def _detail(request: HttpRequest, vacancy_id: int) -> Vacancy:
    found = vacancies.vacancies_for(current_user(request)).filter(pk=vacancy_id).first()
    if found is None:
        found = get_scoped(Vacancy, request.user, "view", pk=vacancy_id)  # 404 (logged when it exists)
    return found


@router.get("/vacancies", response={200: list[EmploymentVacancyOut], **READ_ERRORS}, summary="岗位列表")
@paginate(PageNumber)
def list_vacancies(request: HttpRequest, filters: Query[VacancyFilter]) -> Any:
    return filters.filter(vacancies.vacancies_for(current_user(request))).order_by("-published_on", "-pk")


@router.post("/vacancies", response={201: EmploymentVacancyOut, **ERRORS}, summary="发布岗位")
def create_vacancy(request: HttpRequest, payload: EmploymentVacancyIn) -> Any:
    made = vacancies.create_vacancy(current_user(request), **_values(payload.dict()))
    return Status(201, _detail(request, made.pk))


@router.get(
    "/vacancies/{vacancy_id}", response={200: EmploymentVacancyOut, **READ_ERRORS}, summary="岗位详情"
)
def vacancy_detail(request: HttpRequest, vacancy_id: Id) -> Any:
    return _detail(request, vacancy_id)


@router.patch(
    "/vacancies/{vacancy_id}", response={200: EmploymentVacancyOut, **ERRORS}, summary="修改岗位或其状态"
)
def update_vacancy(
    request: HttpRequest, vacancy_id: Id, payload: EmploymentVacancyPatch, if_match: IfMatch = None
) -> Any:
    user = current_user(request)
    vacancy = get_scoped(Vacancy, user, "view", pk=vacancy_id)
    sent = {k: v for k, v in payload.dict().items() if k in payload.model_fields_set and k != "version"}
    for key in ("title", "headcount", "published_on", "housing", "meals"):
        if key in sent and sent[key] is None:
            sent.pop(key)  # null: unchanged (these have no empty value)
    version = payload.version if payload.version is not None else parse_version(if_match)
    status = sent.pop("status", None)
    if sent:
        vacancy = vacancies.update_vacancy(user, vacancy.pk, version, **_values(sent))
        version = None  # checked by the change above
    if status is not None:
        vacancies.close_vacancy(user, vacancy.pk, status, version=version)
    return _detail(request, vacancy.pk)


@router.post(
    "/needs/{need_id}/vacancies",
    response={201: list[EmploymentVacancyOut], **ERRORS},
    summary="企业用工需求转为岗位",
)
def need_vacancies(request: HttpRequest, need_id: Id, payload: EmploymentNeedVacanciesIn) -> Any:
    from tiaodu.enterprises.models import Need

    user = current_user(request)
    need = get_scoped(Need, user, "view", pk=need_id)
    rows = None
    if payload.rows is not None:
        rows = []
        for row in payload.rows:
            values = _values(row.dict())
            if values.get("published_on") is None:
                values.pop("published_on", None)
            rows.append(values)
    made = vacancies.vacancies_from_need(user, need, rows)
    ids = [v.pk for v in made]
    return Status(201, list(vacancies.vacancies_for(user).filter(pk__in=ids).order_by("pk")))
