"""/api/v1/reporting: reporting rounds (周报/旬报/月报) and key-enterprise output alerts.

Lists and details start from the models' ``restrict(user)``; writes go through
``tiaodu.reporting.services`` (the same rules as the pages and the CLI).
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Header, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.accounts.choices import Role
from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.concurrency import parse_version
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.reporting import services
from tiaodu.reporting.choices import AlertAction, UnitFilter, UnitKind
from tiaodu.reporting.filters import OutputAlertFilter, ReportingRoundFilter
from tiaodu.reporting.models import OutputAlert, Reminder, ReportingRound, ReportSlot

router = Router(tags=["监测报送"])

# The version read, as an ETag ("3" or W/"3"); the body's version wins when both are sent.
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", description='读取时的版本号,如 "3";与请求体的 version 二选一,已被他人修改时返回409'
    ),
]

Number = float | str


class ReportingIndicatorOut(Schema):
    code: str
    name: str
    unit: str


class ReportingRoundOut(Schema):
    id: int
    title: str
    district_code: str
    unit_kind: str = Field(..., description="enterprise 企业 / department 部门")
    unit_filter: str
    period_kind: str = Field(..., description="week 周报 / xun 旬报 / month 月报")
    period: str = Field(..., description="期别代码,如 2022-M02")
    period_label: str
    figure_period: str = Field(..., description="数据写入的期别代码(月报按累计值报送时为 2022-M01-02)")
    cumulative: bool
    due_on: date
    state: str
    is_historical: bool = Field(..., description="历史导入:由历史数据文件创建,创建时即已关闭并冻结")
    opened_at: datetime
    closed_at: datetime | None
    alert_threshold: float | None = Field(..., description="预警阈值(%),为空时用系统默认值")
    expected_count: int = Field(..., description="应报单位数(只能查看部分单位的用户:其可见单位数)")
    reported_count: int = Field(
        ..., description="已报单位数(填报中为实时数;只能查看部分单位的用户:其可见单位中的已报数)"
    )
    report_rate: float | None = Field(..., description="报送率(%)")
    alert_count: int | None = Field(
        ...,
        description="关闭时重点企业产值预警数;只能查看部分预警的用户为其可见的预警数;无权查看预警的用户(企业、项目业主)为空",
    )

    @staticmethod
    def resolve_district_code(obj: ReportingRound) -> str:
        return obj.district.code

    @staticmethod
    def resolve_period(obj: ReportingRound) -> str:
        return obj.period.key

    @staticmethod
    def resolve_period_label(obj: ReportingRound) -> str:
        return obj.period.label

    @staticmethod
    def resolve_figure_period(obj: ReportingRound) -> str:
        return obj.figure_period.key

    @staticmethod
    def resolve_expected_count(obj: Any) -> int:
        return int(getattr(obj, "live_expected", obj.expected_count))

    @staticmethod
    def resolve_reported_count(obj: Any) -> int:
        return int(getattr(obj, "live_reported", obj.reported_count))

    @staticmethod
    def resolve_report_rate(obj: Any) -> float | None:
        rate = services.report_rate(
            ReportingRoundOut.resolve_reported_count(obj), ReportingRoundOut.resolve_expected_count(obj)
        )
        return None if rate is None else float(rate)

    @staticmethod
    def resolve_alert_count(obj: Any) -> int | None:
        return services.shown_alert_count(obj)


class ReportSlotOut(Schema):
    id: int
    round_id: int
    organization_id: int
    enterprise_id: int | None
    unit_name: str
    region_code: str
    submitted: bool
    submitted_at: datetime | None
    submission_count: int
    reminded_count: int
    source_id: int | None = Field(..., description="最近一次提交的数据来源")
    indicators: list[str] = Field(..., description="本单位分工报送的指标代码;空表示报送任务的全部指标")
    version: int = Field(
        ..., description="版本号:报送时在 version 或 If-Match 中带回,被他人修改过则返回409 stale_write"
    )

    @staticmethod
    def resolve_unit_name(obj: ReportSlot) -> str:
        return services.unit_name(obj)

    @staticmethod
    def resolve_region_code(obj: ReportSlot) -> str:
        return obj.region.code

    @staticmethod
    def resolve_submitted(obj: ReportSlot) -> bool:
        return obj.submitted_at is not None

    @staticmethod
    def resolve_indicators(obj: ReportSlot) -> list[str]:
        return [i.code for i in obj.indicators.all()]


class ReportingTotalOut(Schema):
    code: str
    name: str
    unit: str
    sum: float | None = Field(..., description="企业报送:已报企业现行数据之和;部门报送:本区县现行数据")
    count: int


class ReportingTotalsOut(Schema):
    expected: int
    reported: int
    missing: int
    rate: float | None
    indicators: list[ReportingTotalOut]
    partial: bool = Field(..., description="true:只汇总当前用户可见的报送单位(不是整个报送任务的汇总)")


class ReportingRoundDetailOut(ReportingRoundOut):
    notes: str
    indicators: list[ReportingIndicatorOut]
    totals: ReportingTotalsOut | None = Field(..., description="汇总(企业用户不可见)")
    slots: list[ReportSlotOut] = Field(..., description="当前用户可见的报送单位(含未报)")
    missing_slot_ids: list[int] = Field(..., description="当前用户可见的未报单位")

    @staticmethod
    def resolve_indicators(obj: ReportingRound) -> list[Any]:
        return list(obj.indicators.order_by("order", "code"))

    @staticmethod
    def resolve_totals(obj: Any) -> dict[str, Any] | None:
        return obj.detail_totals  # type: ignore[no-any-return]

    @staticmethod
    def resolve_slots(obj: Any) -> list[ReportSlot]:
        return obj.detail_slots  # type: ignore[no-any-return]

    @staticmethod
    def resolve_missing_slot_ids(obj: Any) -> list[int]:
        return [s.pk for s in obj.detail_slots if s.submitted_at is None]


class ReportingRoundIn(Schema):
    period: str = Field(
        ..., max_length=32, description="期别:某一周、旬或月,如 2022年2月、2022年3月上旬、2022年第10周"
    )
    indicators: list[Annotated[str, Field(max_length=64)]] = Field(
        ..., max_length=50, description="报送指标(代码或名称)"
    )
    due_on: date
    unit_kind: UnitKind = UnitKind.ENTERPRISE
    unit_filter: UnitFilter | None = Field(
        None,
        description="above_scale 规上企业(企业默认)、key 重点企业、all 全部企业、departments 全部区级部门(部门默认)",
    )
    cumulative: bool = Field(True, description="月报按1月至本月累计值报送")
    alert_threshold: float | None = Field(None, ge=-100, le=0, description="预警阈值(%),如 -10")
    title: str = Field("", max_length=64)
    notes: str = Field("", max_length=2000)
    assignments: (
        dict[Annotated[str, Field(max_length=64)], list[Annotated[str, Field(max_length=64)]]] | None
    ) = Field(
        None,
        max_length=100,
        description="部门报送的指标分工:区级部门名称 → 其报送的指标(代码或名称);每项指标只能分给一个部门",
        examples=[{"发改委": ["gdzc_tz"], "商务委": ["shxf"]}],
    )


class ReportingSubmitIn(Schema):
    values: dict[Annotated[str, Field(max_length=64)], Number] = Field(
        ..., description="指标代码或名称 → 数值,须包含本次报送的全部指标", examples=[{"gy_zcz": 1.25}]
    )
    version: int | None = Field(
        None,
        ge=1,
        le=2**31,
        description="读取时报送单位的版本号(也可用 If-Match 头);已被他人修改时返回409 stale_write;不填则不检查",
    )


class ReportingSubmitOut(Schema):
    slot: ReportSlotOut
    created: int = Field(..., description="新增数据项")
    revised: int = Field(..., description="修改(新版本)数据项")
    unchanged: int = Field(..., description="与现行数据相同、未变化的数据项")


class ReportingRemindIn(Schema):
    note: str = Field("", max_length=255)


class ReportingReminderOut(Schema):
    id: int
    round_id: int
    actor_id: int | None
    created_at: datetime
    missing_count: int
    missing_units: list[str]
    note: str

    @staticmethod
    def resolve_missing_units(obj: Reminder) -> list[str]:
        return obj.unit_names


class OutputAlertOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    district_code: str
    round_id: int | None
    indicator: str = Field(..., description="指标代码")
    period: str = Field(..., description="期别代码")
    period_label: str
    value: float = Field(..., description="本期数值")
    last_year_value: float = Field(..., description="上年同期数值")
    growth: float = Field(..., description="同比增速(%)")
    threshold: float = Field(..., description="预警阈值(%)")
    state: str = Field(..., description="open 待处理 / acknowledged 已知悉 / handled 已处置 / cleared 已解除")
    raised_at: datetime
    acknowledged_at: datetime | None
    handled_at: datetime | None
    note: str

    @staticmethod
    def resolve_enterprise_name(obj: OutputAlert) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_district_code(obj: OutputAlert) -> str:
        return obj.district.code

    @staticmethod
    def resolve_indicator(obj: OutputAlert) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_period(obj: OutputAlert) -> str:
        return obj.period.key

    @staticmethod
    def resolve_period_label(obj: OutputAlert) -> str:
        return obj.period.label


class OutputAlertFollowUpIn(Schema):
    action: AlertAction = Field(..., description="acknowledge 知悉 / handle 处置(须填写处置情况)")
    note: str = Field("", max_length=2000)


def _round(request: HttpRequest, round_id: int) -> ReportingRound:
    """The round with the progress and alert count of the caller's slice (services.with_progress)."""
    return services.with_progress(
        ReportingRound.objects.select_related("district", "period", "figure_period"), current_user(request)
    ).get(pk=round_id)


@router.get("/rounds", response={200: list[ReportingRoundOut], **READ_ERRORS}, summary="报送任务列表")
@paginate(PageNumber)
def list_rounds(request: HttpRequest, filters: Query[ReportingRoundFilter]) -> Any:
    rounds = ReportingRound.objects.restrict(current_user(request)).select_related(
        "district", "period", "figure_period"
    )
    return services.with_progress(filters.filter(rounds), current_user(request)).order_by(
        "-period__end", "-pk"
    )


@router.post("/rounds", response={201: ReportingRoundOut, **ERRORS}, summary="发起报送任务")
def open_round(request: HttpRequest, payload: ReportingRoundIn) -> Any:
    user = current_user(request)
    if user.region is None:
        raise services.invalid("district", "district_unknown", "您的账号没有所属地区")
    rnd = services.open_round(
        user,
        district=services.district_of(user.region),
        period=payload.period,
        indicators=payload.indicators,
        due_on=payload.due_on,
        unit_kind=payload.unit_kind,
        unit_filter=payload.unit_filter or "",
        cumulative=payload.cumulative,
        alert_threshold=payload.alert_threshold,
        title=payload.title,
        notes=payload.notes,
        assignments=payload.assignments,
    )
    return Status(201, _round(request, rnd.pk))


@router.get(
    "/rounds/{round_id}", response={200: ReportingRoundDetailOut, **READ_ERRORS}, summary="报送任务详情"
)
def round_detail(request: HttpRequest, round_id: int) -> Any:
    user = current_user(request)
    get_scoped(ReportingRound, user, pk=round_id)
    rnd = _round(request, round_id)
    rnd.detail_slots = list(  # type: ignore[attr-defined]
        ReportSlot.objects.restrict(user)
        .filter(round=rnd)
        .select_related("organization", "enterprise", "region")
        .prefetch_related("indicators")
        .order_by("organization__name", "pk")
    )
    rnd.detail_totals = None  # type: ignore[attr-defined]
    if user.role != Role.ENTERPRISE:
        figures = services.viewer_totals(user, rnd)
        rnd.detail_totals = {  # type: ignore[attr-defined]
            "expected": figures.expected,
            "reported": figures.reported,
            "missing": figures.missing,
            "rate": None if figures.rate is None else float(figures.rate),
            "indicators": [
                {**t.as_dict(), "sum": None if t.sum is None else float(t.sum)} for t in figures.indicators
            ],
            "partial": figures.partial,
        }
    return rnd


@router.post(
    "/rounds/{round_id}/slots/{slot_id}",
    response={200: ReportingSubmitOut, **ERRORS},
    summary="报送(或修改)一个单位的数据",
)
def submit(
    request: HttpRequest, round_id: int, slot_id: int, payload: ReportingSubmitIn, if_match: IfMatch = None
) -> Any:
    version = payload.version if payload.version is not None else parse_version(if_match)
    result = services.submit(current_user(request), round_id, slot_id, payload.values, version=version)
    slot = ReportSlot.objects.select_related("organization", "enterprise", "region").get(pk=result.slot.pk)
    return {"slot": slot, "created": result.created, "revised": result.revised, "unchanged": result.unchanged}


@router.post(
    "/rounds/{round_id}/remind", response={201: ReportingReminderOut, **ERRORS}, summary="催报未报单位"
)
def remind(request: HttpRequest, round_id: int, payload: ReportingRemindIn) -> Any:
    return Status(201, services.remind(current_user(request), round_id, payload.note))


@router.post(
    "/rounds/{round_id}/close", response={200: ReportingRoundOut, **ERRORS}, summary="关闭报送任务并冻结汇总"
)
def close(request: HttpRequest, round_id: int) -> Any:
    rnd = services.close_round(current_user(request), round_id)
    return _round(request, rnd.pk)


@router.get("/alerts", response={200: list[OutputAlertOut], **READ_ERRORS}, summary="重点企业产值预警列表")
@paginate(PageNumber)
def list_alerts(request: HttpRequest, filters: Query[OutputAlertFilter]) -> Any:
    alerts = OutputAlert.objects.restrict(current_user(request)).select_related(
        "enterprise", "district", "indicator", "period"
    )
    return filters.filter(alerts).order_by("-period__end", "growth", "pk")


@router.get("/alerts/{alert_id}", response={200: OutputAlertOut, **READ_ERRORS}, summary="预警详情")
def alert_detail(request: HttpRequest, alert_id: int) -> Any:
    get_scoped(OutputAlert, current_user(request), pk=alert_id)
    return OutputAlert.objects.select_related("enterprise", "district", "indicator", "period").get(
        pk=alert_id
    )


@router.post("/alerts/{alert_id}", response={200: OutputAlertOut, **ERRORS}, summary="跟进预警(知悉、处置)")
def follow_up(request: HttpRequest, alert_id: int, payload: OutputAlertFollowUpIn) -> Any:
    alert = services.follow_up(current_user(request), alert_id, payload.action, payload.note)
    return OutputAlert.objects.select_related("enterprise", "district", "indicator", "period").get(
        pk=alert.pk
    )
