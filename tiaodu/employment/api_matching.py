"""Matching API. Lane F. Mounted at /api/v1/employment/:

- ``GET /matching/jobseekers/{id}?top=&on=`` — the open vacancies ranked for a jobseeker (the
  jobseeker through the caller's scope; enterprises are refused, 403).
- ``GET /matching/vacancies/{id}?top=&on=`` — the candidates ranked for a vacancy, masked (姓名
  and ID number); staff only (403 for enterprises and leaders), within the jobseekers the caller
  may view.

Each match carries its score and its reasons (kind, Chinese label, points). Schema names start
with EmploymentMatch.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from tiaodu.core.api import READ_ERRORS
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.employment import matching
from tiaodu.employment.models import Jobseeker, Vacancy

router = Router()

Id = Annotated[int, Field(ge=1, le=2**62)]


class EmploymentMatchReasonOut(Schema):
    kind: str = Field(
        ...,
        description="occupation 职业、text 经历相近、wage 薪资、commute 通勤、dorm 住宿、education 学历、age 年龄",
    )
    label: str
    points: float


class EmploymentMatchVacancyOut(Schema):
    vacancy_id: int
    title: str
    enterprise: str
    township: str
    score: float
    reasons: list[EmploymentMatchReasonOut]


class EmploymentMatchCandidateOut(Schema):
    jobseeker_id: int
    label: str = Field(..., description="脱敏姓名和身份证号,如“李** 5001**********1234”")
    township: str
    score: float
    reasons: list[EmploymentMatchReasonOut]


class EmploymentMatchQuery(Schema):
    top: int = Field(10, ge=1, le=50, description="返回前N个")
    on: date | None = Field(None, description="按该日期在招的岗位(默认今天)")


@router.get(
    "/matching/jobseekers/{jobseeker_id}",
    response={200: list[EmploymentMatchVacancyOut], **READ_ERRORS},
    summary="为求职者推荐岗位(含推荐理由)",
)
def match_jobseeker(request: HttpRequest, jobseeker_id: Id, query: Query[EmploymentMatchQuery]) -> Any:
    user = current_user(request)
    seeker = get_scoped(Jobseeker, user, "view", pk=jobseeker_id)
    return matching.ranked_vacancies(user, seeker, top=query.top, on=query.on)


@router.get(
    "/matching/vacancies/{vacancy_id}",
    response={200: list[EmploymentMatchCandidateOut], **READ_ERRORS},
    summary="为岗位推荐求职者(脱敏,仅就业服务部门和镇街)",
)
def match_vacancy(request: HttpRequest, vacancy_id: Id, query: Query[EmploymentMatchQuery]) -> Any:
    user = current_user(request)
    vacancy = get_scoped(Vacancy, user, "view", pk=vacancy_id)
    return matching.ranked_candidates(user, vacancy, top=query.top, on=query.on)
