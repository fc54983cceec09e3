"""/api/v1/dispatch: dispatch rounds (list, detail with totals and the missing list) and reports.

Lists and details start from the models' ``restrict(user)``; a report goes through
``tiaodu.dispatch.services.submit_report`` (the same rules as the form and the import).
"""

from datetime import date, datetime
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
from tiaodu.dispatch import services
from tiaodu.dispatch.choices import PeriodKind
from tiaodu.dispatch.filters import RoundFilter
from tiaodu.dispatch.models import DispatchReport, DispatchRound, Reminder

router = Router(tags=["调度任务"])

# The version read, as an ETag ("3" or W/"3"); the body's version wins when both are sent.
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", description='读取时的版本号,如 "3";与请求体的 version 二选一,已被他人修改时返回409'
    ),
]

Id = Annotated[int, Field(ge=1, le=2**62)]


class RoundOut(Schema):
    id: int
    district_code: str
    period_kind: str
    period_label: str
    period_start: date
    period_end: date
    due_on: date
    state: str
    is_historical: bool = Field(..., description="历史导入:由历史调度文件创建,创建时即已关闭并冻结")
    opened_at: datetime
    closed_at: datetime | None
    expected_count: int = Field(..., description="应报项目数(只能查看部分项目的用户:其可见项目数)")
    reported_count: int = Field(
        ..., description="已报项目数(关闭时冻结;只能查看部分项目的用户:其可见项目中的实时数)"
    )
    investment_total: float = Field(
        ..., description="本期完成投资合计(万元,关闭时冻结;只能查看部分项目的用户:其可见项目之和)"
    )
    workers_required_total: int
    workers_on_site_total: int
    attendance_rate: float | None = Field(..., description="到岗率(%)= 实到岗 / 应到岗")

    @staticmethod
    def resolve_district_code(obj: DispatchRound) -> str:
        return obj.district.code

    # The figures the caller may see (issue 13, L2): services.shown_totals.
    @staticmethod
    def resolve_expected_count(obj: DispatchRound) -> int:
        return services.shown_totals(obj).expected

    @staticmethod
    def resolve_reported_count(obj: DispatchRound) -> int:
        return services.shown_totals(obj).reported

    @staticmethod
    def resolve_investment_total(obj: DispatchRound) -> float:
        return float(services.shown_totals(obj).investment)

    @staticmethod
    def resolve_workers_required_total(obj: DispatchRound) -> int:
        return services.shown_totals(obj).workers_required

    @staticmethod
    def resolve_workers_on_site_total(obj: DispatchRound) -> int:
        return services.shown_totals(obj).workers_on_site

    @staticmethod
    def resolve_attendance_rate(obj: DispatchRound) -> float | None:
        rate = services.shown_totals(obj).attendance_rate
        return None if rate is None else float(rate)


class ReportOut(Schema):
    id: int
    round_id: int
    project_id: int
    project_name: str
    submitted: bool
    investment: float = Field(..., description="本期完成投资(万元)")
    progress: float | None = Field(..., description="形象进度(%)")
    workers_required: int
    workers_on_site: int
    confirmed_over_required: bool
    problems: str
    problem_category: str
    submitted_at: datetime | None
    reminded_count: int
    case_ids: list[int]
    version: int = Field(
        ..., description="版本号:修改时在 version 或 If-Match 中带回,被他人修改过则返回409 stale_write"
    )

    @staticmethod
    def resolve_project_name(obj: DispatchReport) -> str:
        return obj.project.name

    @staticmethod
    def resolve_submitted(obj: DispatchReport) -> bool:
        return obj.submitted_at is not None

    @staticmethod
    def resolve_case_ids(obj: DispatchReport) -> list[int]:
        return [c.pk for c in obj.cases.all()]


class TotalsOut(Schema):
    expected: int
    reported: int
    missing: int
    investment: float
    workers_required: int
    workers_on_site: int
    attendance_rate: float | None
    problems: int
    partial: bool = Field(..., description="true:只汇总当前用户可见的项目(不是整个调度任务的汇总)")


class RoundDetailOut(RoundOut):
    notes: str
    totals: TotalsOut
    reports: list[ReportOut] = Field(..., description="当前用户可见的填报(含未报)")
    missing_project_ids: list[int] = Field(..., description="当前用户可见的未报项目")

    @staticmethod
    def resolve_totals(obj: Any) -> dict[str, Any]:
        return obj.detail_totals  # type: ignore[no-any-return]

    @staticmethod
    def resolve_reports(obj: Any) -> list[DispatchReport]:
        return obj.detail_reports  # type: ignore[no-any-return]

    @staticmethod
    def resolve_missing_project_ids(obj: Any) -> list[int]:
        return [r.project_id for r in obj.detail_reports if r.submitted_at is None]


class ReportIn(Schema):
    project_id: Id
    investment: float = Field(..., ge=0, le=999_999_999_999, description="本期完成投资(万元)")
    progress: float = Field(..., ge=0, le=100, description="形象进度(%)")
    workers_required: int = Field(..., ge=0, le=1_000_000)
    workers_on_site: int = Field(..., ge=0, le=1_000_000)
    problems: str = Field("", max_length=4000, description="存在问题,每行一个")
    problem_category: str = Field("", max_length=32, description="问题类别(代码或名称),默认协调")
    confirmed_over_required: bool = Field(False, description="确认实到岗超出应到岗10%以上属实")
    version: int | None = Field(
        None,
        ge=1,
        le=2**31,
        description="读取时的版本号(也可用 If-Match 头);填报已被他人修改时返回409 stale_write;不填则不检查",
    )


class RoundIn(Schema):
    period_label: str = Field(
        ...,
        min_length=1,
        max_length=32,
        description="期次,如 2022年3月、2022年3月上旬、2022年第3旬、2022年第10周",
    )
    period_kind: PeriodKind | None = Field(None, description="week 周 / xun 旬 / month 月;不填时由期次推断")
    period_start: date | None = Field(None, description="开始日期;不填时由期次推断")
    period_end: date | None = Field(None, description="结束日期;不填时由期次推断")
    due_on: date = Field(..., description="填报截止日期")
    notes: str = Field("", max_length=2000)


class RemindIn(Schema):
    note: str = Field("", max_length=255)


class ReminderOut(Schema):
    id: int
    round_id: int
    actor_id: int | None
    created_at: datetime
    missing_count: int = Field(..., description="催报时未报的项目数")
    missing_projects: list[str] = Field(..., description="催报时未报的项目名称")
    note: str

    @staticmethod
    def resolve_missing_projects(obj: Reminder) -> list[str]:
        return obj.unit_names


def _reports(request: HttpRequest, rnd: DispatchRound) -> Any:
    return (
        DispatchReport.objects.restrict(current_user(request))
        .filter(round=rnd)
        .select_related("project")
        .prefetch_related("cases")
        .order_by("project__name", "pk")
    )


def _rounds(request: HttpRequest) -> Any:
    """Rounds with the figures of the caller's slice of each (services.with_viewer_totals)."""
    user = current_user(request)
    return services.with_viewer_totals(DispatchRound.objects.select_related("district"), user)


@router.get("/rounds", response={200: list[RoundOut], **READ_ERRORS}, summary="调度任务列表")
@paginate(PageNumber)
def list_rounds(request: HttpRequest, filters: Query[RoundFilter]) -> Any:
    user = current_user(request)
    rounds = services.with_viewer_totals(
        DispatchRound.objects.restrict(user).select_related("district"), user
    )
    return filters.filter(rounds).order_by("-period_start", "-pk")


def _detail(request: HttpRequest, round_id: int) -> DispatchRound:
    user = current_user(request)
    get_scoped(DispatchRound, user, pk=round_id)
    rnd: DispatchRound = _rounds(request).get(pk=round_id)
    figures = services.viewer_totals(user, rnd)
    rnd.detail_reports = list(_reports(request, rnd))  # type: ignore[attr-defined]
    rnd.detail_totals = {  # type: ignore[attr-defined]
        "expected": figures.expected,
        "reported": figures.reported,
        "missing": figures.missing,
        "investment": float(figures.investment),
        "workers_required": figures.workers_required,
        "workers_on_site": figures.workers_on_site,
        "attendance_rate": float(figures.attendance_rate) if figures.attendance_rate is not None else None,
        "problems": figures.problems,
        "partial": figures.partial,
    }
    return rnd


@router.post("/rounds", response={201: RoundOut, **ERRORS}, summary="发起调度任务")
def open_round(request: HttpRequest, payload: RoundIn) -> Any:
    user = current_user(request)
    if user.region is None:
        raise services.invalid("district", "district_unknown", "您的账号没有所属地区")
    kind, start, end = services.period_bounds(
        payload.period_label, payload.period_kind, payload.period_start, payload.period_end
    )
    rnd = services.open_round(
        user,
        district=services.district_of(user.region),
        period_kind=kind,
        period_label=payload.period_label,
        period_start=start,
        period_end=end,
        due_on=payload.due_on,
        notes=payload.notes,
    )
    return Status(201, _rounds(request).get(pk=rnd.pk))


@router.post("/rounds/{round_id}/remind", response={201: ReminderOut, **ERRORS}, summary="催报未报项目")
def remind(request: HttpRequest, round_id: int, payload: RemindIn) -> Any:
    return Status(201, services.remind(current_user(request), round_id, payload.note))


@router.post("/rounds/{round_id}/close", response={200: RoundOut, **ERRORS}, summary="关闭调度任务并冻结汇总")
def close(request: HttpRequest, round_id: int) -> Any:
    rnd = services.close_round(current_user(request), round_id)
    return _rounds(request).get(pk=rnd.pk)


@router.get("/rounds/{round_id}", response={200: RoundDetailOut, **READ_ERRORS}, summary="调度任务详情")
def round_detail(request: HttpRequest, round_id: int) -> Any:
    return _detail(request, round_id)


@router.post(
    "/rounds/{round_id}/reports", response={200: ReportOut, **ERRORS}, summary="填报(或修改)项目调度情况"
)
def submit_report(request: HttpRequest, round_id: int, payload: ReportIn, if_match: IfMatch = None) -> Any:
    user = current_user(request)
    data = services.ReportInput(
        investment=payload.investment,
        progress=payload.progress,
        workers_required=payload.workers_required,
        workers_on_site=payload.workers_on_site,
        problems=payload.problems,
        problem_category=payload.problem_category,
        confirmed_over_required=payload.confirmed_over_required,
    )
    version = payload.version if payload.version is not None else parse_version(if_match)
    report = services.submit_report(user, round_id, payload.project_id, data, version=version)
    return DispatchReport.objects.select_related("project").prefetch_related("cases").get(pk=report.pk)
