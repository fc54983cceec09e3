"""Jobseeker API (masked by default; reveal endpoint). Lane B.

GET /jobseekers (masked, filtered, paginated), GET /jobseekers/lookup?id_number= (keyed-hash
lookup), GET /jobseekers/{id}, POST /jobseekers (register or merge: 201 created, 200 merged),
POST /jobseekers/{id}/reveal {"field": "id"|"phone"} (audited; 403 ``pi_reveal_forbidden`` when
refused). Names are masked for enterprises and leaders. Schema names start with EmploymentJobseeker.
"""

from datetime import date
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.errors import NotFound
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.employment import jobseekers
from tiaodu.employment.choices import Education, PriorityGroup, RegisteredVia
from tiaodu.employment.forms_jobseekers import JobseekerFilter
from tiaodu.employment.models import Jobseeker

router = Router()

Id = Annotated[int, Field(ge=1, le=2**62)]


class EmploymentJobseekerOut(Schema):
    id: int
    version: int
    name: str = Field(..., description="姓名(企业、区领导看到的是脱敏姓名)")
    id_mask: str = Field(..., description="脱敏身份证号,如 5001**********1234")
    phone_mask: str = Field(..., description="脱敏手机号,如 138****5678")
    sex: str = Field(..., description="m 男、f 女(由身份证号得出)")
    birth_year: int | None
    district_code: str
    township_code: str
    township_name: str
    education: str
    experience: str
    skills: str
    certificates: str
    desired_occupations: list[str] = Field(..., description="意向职业编码")
    desired_text: str
    wage_expected: int | None
    max_commute_minutes: int | None
    needs_dorm: bool
    groups: list[str] = Field(
        ..., description="重点群体代码:" + "、".join(f"{v} {lbl}" for v, lbl in PriorityGroup.choices)
    )
    registered_on: date
    registered_via: str
    last_active_on: date | None
    consented_on: date | None
    consent_withdrawn_on: date | None
    anonymised_on: date | None


class EmploymentJobseekerIn(Schema):
    township: str = Field(..., max_length=64, description="所属镇街:9位区划代码或名称")
    name: str = Field(..., min_length=1, max_length=32)
    id_number: str = Field(..., min_length=1, max_length=24, description="居民身份证号(GB 11643)")
    phone: str = Field("", max_length=20)
    village: str = Field("", max_length=64)
    education: Education | None = None
    experience: str = Field("", max_length=2000)
    skills: str = Field("", max_length=255)
    certificates: str = Field("", max_length=255)
    desired_occupations: list[Annotated[str, Field(max_length=16)]] = Field(
        default_factory=list, max_length=20
    )
    desired_text: str = Field("", max_length=255)
    wage_expected: int | None = Field(None, ge=1, le=1_000_000)
    max_commute_minutes: int | None = Field(None, ge=1, le=600)
    needs_dorm: bool = False
    groups: list[PriorityGroup] = Field(default_factory=list, max_length=10)
    consent: bool = Field(..., description="本人已同意个人信息处理(必须为 true)")
    registered_on: date | None = None


class EmploymentJobseekerRevealIn(Schema):
    field: Literal["id", "phone"]


class EmploymentJobseekerRevealOut(Schema):
    id: int
    field: str
    value: str


class EmploymentJobseekerLookup(Schema):
    id_number: str = Field(..., min_length=1, max_length=24, description="完整的居民身份证号")


def out(user: Any, row: Jobseeker) -> dict[str, Any]:
    """A jobseeker as the API shows it to ``user`` (masked numbers; masked name unless staff)."""
    return {
        "id": row.pk,
        "version": row.version,
        "name": jobseekers.display_name(user, row),
        "id_mask": row.id_mask,
        "phone_mask": row.phone_mask,
        "sex": row.sex,
        "birth_year": row.birth_date.year if row.birth_date else None,
        "district_code": row.district.code,
        "township_code": row.township.code,
        "township_name": row.township.name,
        "education": row.education,
        "experience": row.experience,
        "skills": row.skills,
        "certificates": row.certificates,
        "desired_occupations": [o.code for o in row.desired_occupations.all()],
        "desired_text": row.desired_text,
        "wage_expected": row.wage_expected,
        "max_commute_minutes": row.max_commute_minutes,
        "needs_dorm": row.needs_dorm,
        "groups": row.group_codes,
        "registered_on": row.registered_on,
        "registered_via": row.registered_via,
        "last_active_on": row.last_active_on,
        "consented_on": row.consented_on,
        "consent_withdrawn_on": row.consent_withdrawn_on,
        "anonymised_on": row.anonymised_on,
    }


def _visible(request: HttpRequest) -> Any:
    return (
        Jobseeker.objects.restrict(current_user(request))
        .select_related("district", "township")
        .prefetch_related("desired_occupations")
    )


@router.get(
    "/jobseekers", response={200: list[EmploymentJobseekerOut], **READ_ERRORS}, summary="求职者列表(脱敏)"
)
@paginate(PageNumber)
def list_jobseekers(request: HttpRequest, filters: Query[JobseekerFilter]) -> Any:
    user = current_user(request)
    rows = filters.filter(_visible(request)).order_by("township__code", "-registered_on", "pk")
    return _Masked(user, rows)


class _Masked:
    """The paginated queryset, each row turned into its masked form when sliced."""

    def __init__(self, user: Any, rows: Any) -> None:
        self.user, self.rows = user, rows

    def count(self) -> int:
        return int(self.rows.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: Any) -> Any:
        part = self.rows[item]
        if isinstance(item, slice):
            return [out(self.user, r) for r in part]
        return out(self.user, part)


@router.get(
    "/jobseekers/lookup",
    response={200: EmploymentJobseekerOut, **READ_ERRORS},
    summary="按身份证号查找求职者(检索码,不解密)",
)
def lookup_jobseeker(request: HttpRequest, query: Query[EmploymentJobseekerLookup]) -> Any:
    user = current_user(request)
    found = jobseekers.find_by_id_number(user, query.id_number)
    if found is None:
        raise NotFound()
    return out(user, found)


@router.get(
    "/jobseekers/{jobseeker_id}",
    response={200: EmploymentJobseekerOut, **READ_ERRORS},
    summary="求职者详情(脱敏)",
)
def jobseeker_detail(request: HttpRequest, jobseeker_id: Id) -> Any:
    user = current_user(request)
    row = _visible(request).filter(pk=jobseeker_id).first()
    if row is None:
        row = get_scoped(Jobseeker, user, "view", pk=jobseeker_id)  # 404, logged when it exists
    return out(user, row)


@router.post(
    "/jobseekers",
    response={200: EmploymentJobseekerOut, 201: EmploymentJobseekerOut, **ERRORS},
    summary="登记求职者(身份证号已登记的合并,返回200)",
)
def register_jobseeker(request: HttpRequest, payload: EmploymentJobseekerIn) -> Any:
    user = current_user(request)
    values = payload.dict()
    values["education"] = str(values["education"].value) if values.get("education") else ""
    values["groups"] = [str(getattr(g, "value", g)) for g in values["groups"]]
    row, created = jobseekers.register(user, via=RegisteredVia.STAFF, **values)
    visible = _visible(request).filter(pk=row.pk).first()
    body = out(user, visible or row)
    return Status(201 if created else 200, body)


@router.post(
    "/jobseekers/{jobseeker_id}/reveal",
    response={200: EmploymentJobseekerRevealOut, **ERRORS},
    summary="查看完整身份证号或手机号(记入审计日志)",
)
def reveal_jobseeker(request: HttpRequest, jobseeker_id: Id, payload: EmploymentJobseekerRevealIn) -> Any:
    user = current_user(request)
    row = get_scoped(Jobseeker, user, "view", pk=jobseeker_id)
    value = jobseekers.reveal(user, row, payload.field)
    return {"id": row.pk, "field": payload.field, "value": value}
