"""/api/v1/targets: annual targets (list, create, revise) and their assessment (月通报 progress,
季督办 supervision, 年评估 evaluation).

Lists and details start from ``Target.objects.restrict(user)``; writes go through
``tiaodu.targets.services``. Numbers are strings of the exact decimal ("1000", "66.81");
assessment percentages carry one fixed decimal ("23.0").
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.errors import Forbidden
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can, get_scoped
from tiaodu.monitoring.periods import parse_period
from tiaodu.targets import multiyear, services
from tiaodu.targets.filters import TargetFilter
from tiaodu.targets.models import MultiYearTarget, Target, TargetRevision

router = Router(tags=["目标考核"])

Id = Annotated[int, Field(ge=1, le=2**62)]
Year = Annotated[int, Field(ge=services.MIN_YEAR, le=services.MAX_YEAR, description="年度")]
Number = Annotated[Decimal, Field(allow_inf_nan=False, description="数值(按指标计量单位)")]


class TargetRevisionOut(Schema):
    version: int
    value: str | None
    growth: str | None
    responsible_id: int | None
    responsible_name: str | None
    note: str
    reason: str = Field(..., description="调整说明")
    source: str = Field(..., description="来源:录入、修改或导入文件名")
    set_by: str | None
    set_at: datetime

    @staticmethod
    def resolve_value(obj: TargetRevision) -> str | None:
        return services.num(obj.value)

    @staticmethod
    def resolve_growth(obj: TargetRevision) -> str | None:
        return services.num(obj.growth)

    @staticmethod
    def resolve_responsible_name(obj: TargetRevision) -> str | None:
        return obj.responsible.name if obj.responsible else None

    @staticmethod
    def resolve_set_by(obj: TargetRevision) -> str | None:
        return obj.set_by.display_name if obj.set_by else None


class TargetOut(Schema):
    id: int
    region_code: str
    region_name: str
    indicator_code: str
    indicator_name: str
    unit: str = Field(..., description="指标计量单位")
    kind: str = Field(..., description="指标类型:level 总量、rate 增速、ratio 比重、index 指数")
    year: int
    value: str | None = Field(..., description="目标值(按指标计量单位)")
    growth: str | None = Field(..., description="目标增速(%);增速指标为目标增速本身")
    target_text: str = Field(..., description="目标的写法,如“1000亿元”“增长10%”")
    responsible_id: int | None
    responsible_name: str | None
    note: str
    version: int
    set_by: str | None
    set_at: datetime

    @staticmethod
    def resolve_region_code(obj: Target) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Target) -> str:
        return obj.region.name

    @staticmethod
    def resolve_indicator_code(obj: Target) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_indicator_name(obj: Target) -> str:
        return obj.indicator.name

    @staticmethod
    def resolve_unit(obj: Target) -> str:
        return obj.indicator.unit

    @staticmethod
    def resolve_kind(obj: Target) -> str:
        return str(obj.indicator.kind)

    @staticmethod
    def resolve_value(obj: Target) -> str | None:
        return services.num(obj.value)

    @staticmethod
    def resolve_growth(obj: Target) -> str | None:
        return services.num(obj.growth)

    @staticmethod
    def resolve_target_text(obj: Target) -> str:
        return services.target_text(obj.indicator, obj.value, obj.growth)

    @staticmethod
    def resolve_responsible_name(obj: Target) -> str | None:
        return obj.responsible.name if obj.responsible else None

    @staticmethod
    def resolve_set_by(obj: Target) -> str | None:
        return obj.set_by.display_name if obj.set_by else None


class TargetDetailOut(TargetOut):
    revisions: list[TargetRevisionOut] = Field(..., description="各版本,最新在前")

    @staticmethod
    def resolve_revisions(obj: Target) -> list[TargetRevision]:
        return list(obj.revisions.select_related("responsible", "set_by").order_by("-version"))


class TargetIn(Schema):
    region: str = Field(..., min_length=1, max_length=12, description="区划代码")
    indicator: str = Field(..., min_length=1, max_length=64, description="指标代码、名称或别名")
    year: Year
    value: Number | None = Field(None, description="目标值(按指标计量单位);增速指标不填")
    growth: Number | None = Field(None, description="目标增速(%)")
    responsible_id: Id | None = Field(None, description="责任单位(机构编号)")
    note: str = Field("", max_length=services.MAX_NOTE)


class TargetPatchIn(Schema):
    value: Number | None = None
    growth: Number | None = None
    responsible_id: Id | None = None
    note: str | None = Field(None, max_length=services.MAX_NOTE)
    reason: str = Field("", max_length=services.MAX_REASON, description="调整说明,记入版本")


class TargetCodeNameOut(Schema):
    code: str
    name: str


class TargetIndicatorRefOut(Schema):
    code: str
    name: str
    unit: str


class TargetPeriodOut(Schema):
    key: str = Field(..., description="期别代码,如 2022-Q1、2022-M01-02")
    label: str = Field(..., description="期别,如 一季度、1月—2月")


class TargetCompletionOut(Schema):
    target_id: int
    region: TargetCodeNameOut
    indicator: TargetIndicatorRefOut
    kind: str = Field(..., description="指标类型:level 总量、rate 增速、ratio 比重、index 指数")
    year: int
    basis: str = Field(..., description="level 完成率、growth 增速、value 目标值")
    period: TargetPeriodOut = Field(..., description="所评估的累计期别")
    data_period: TargetPeriodOut | None = Field(..., description="实际采用的累计数据期别;缺数据时为空")
    target_value: str | None
    target_growth: str | None
    target_text: str
    responsible: str
    responsible_id: int | None
    actual: str | None = Field(..., description="累计完成值(增速、比重、指数指标为其数值)")
    actual_text: str = Field(..., description="累计完成值的写法,如“66.81亿元”;缺数据为“—”")
    done_text: str = Field(..., description="与目标比较的完成情况,如“66.81亿元”“增长22.5%”“10%”")
    growth: str | None = Field(..., description="同比增速(%)")
    completion: str | None = Field(..., description="完成率(%),一位小数")
    time_progress: str | None = Field(..., description="序时进度(%),一位小数")
    gap: str | None = Field(..., description="完成率减序时进度,或实际减目标(百分点;指数为点)")
    growth_gap: str | None = Field(..., description="同比增速减目标增速(百分点)")
    status: str = Field(..., description="ahead 超序时进度、on_track 符合、behind 滞后、missing 数据缺失")
    status_text: str
    sentence: str = Field(..., description="通报用语")
    score: str | None = Field(..., description="年评估单项得分")
    notes: list[str]


class TargetProgressOut(Schema):
    region: TargetCodeNameOut
    year: int
    period: TargetPeriodOut
    time_progress: str | None
    counts: dict[str, int]
    summary: str
    paragraph: str
    rows: list[TargetCompletionOut]
    notes: list[str]


class TargetSupervisionOut(Schema):
    region: TargetCodeNameOut
    year: int
    quarter: TargetPeriodOut
    period_label: str
    time_progress: str
    assessed: int
    summary: str
    rows: list[TargetCompletionOut] = Field(..., description="滞后序时进度的目标")
    missing: list[TargetCompletionOut] = Field(..., description="数据缺失、无法判断的目标")


class TargetEvaluationRowOut(Schema):
    region: TargetCodeNameOut
    score: str | None
    rank: int | None
    scored: int = Field(..., description="计分的目标项数")
    targets: int = Field(..., description="目标项数")
    items: list[TargetCompletionOut]
    notes: list[str]


class TargetEvaluationTotalOut(Schema):
    indicator: TargetIndicatorRefOut
    target: str | None
    actual: str | None
    completion: str | None


class TargetEvaluationOut(Schema):
    region: TargetCodeNameOut
    year: int
    indicators: list[TargetIndicatorRefOut]
    ranked: int
    rows: list[TargetEvaluationRowOut]
    own: list[TargetCompletionOut] = Field(..., description="上级地区自身的目标(不参与排名)")
    totals: list[TargetEvaluationTotalOut]
    notes: list[str]
    rule: str = Field(..., description="评分规则")


class TargetProgressParams(Schema):
    region: str = Field(..., min_length=1, max_length=12, description="区划代码")
    period: str = Field(..., min_length=1, max_length=32, description="期别,如 2022年1-2月、2022年一季度")


class TargetCompletionParams(TargetProgressParams):
    indicator: str = Field(..., min_length=1, max_length=64, description="指标代码、名称或别名")


class TargetSupervisionParams(Schema):
    region: str = Field(..., min_length=1, max_length=12, description="区划代码:该地区及其下一级地区")
    quarter: str = Field(..., min_length=1, max_length=32, description="季度,如 2022年一季度、2022-Q1")


class TargetEvaluationParams(Schema):
    region: str = Field(..., min_length=1, max_length=12, description="区划代码:评估其下一级地区")
    year: Year


def _targets(request: HttpRequest) -> Any:
    return Target.objects.restrict(request.user).select_related(
        "region", "indicator", "responsible", "set_by"
    )


def _detail(request: HttpRequest, pk: int) -> Target:
    target = _targets(request).filter(pk=pk).first()
    return target or get_scoped(Target, request.user, pk=pk)


def _reader(request: HttpRequest) -> Any:
    user = current_user(request)
    if not can(user, "view", Target):
        raise Forbidden(audit=f"view targets.target api {request.path}")
    return user


@router.get("", response={200: list[TargetOut], **READ_ERRORS}, summary="年度目标列表")
@paginate(PageNumber)
def list_targets(request: HttpRequest, filters: Query[TargetFilter]) -> Any:
    return filters.filter(_targets(request)).order_by("-year", "region__code", "indicator__order", "pk")


@router.post("", response={201: TargetDetailOut, **ERRORS}, summary="设定年度目标")
def create_target(request: HttpRequest, payload: TargetIn) -> Any:
    user = current_user(request)
    target = services.create_target(
        user,
        payload.region,
        payload.indicator,
        payload.year,
        value=payload.value,
        growth=payload.growth,
        responsible=payload.responsible_id,
        note=payload.note,
        source="接口",
    )
    return Status(201, _detail(request, target.pk))


@router.get(
    "/progress",
    response={200: TargetProgressOut, **READ_ERRORS},
    summary="目标完成进度(月通报)",
    description="该地区本年度全部目标在该期的累计完成情况、完成率、序时进度、差距与通报用语。",
)
def progress(request: HttpRequest, params: Query[TargetProgressParams]) -> Any:
    return services.progress_table(params.region, params.period, _reader(request)).as_dict()


@router.get("/completion", response={200: TargetCompletionOut, **READ_ERRORS}, summary="单项目标完成情况")
def completion(request: HttpRequest, params: Query[TargetCompletionParams]) -> Any:
    return services.completion(params.region, params.indicator, params.period, _reader(request)).as_dict()


@router.get(
    "/supervision",
    response={200: TargetSupervisionOut, **READ_ERRORS},
    summary="季督办清单",
    description="该地区及其下一级地区截至该季度末滞后序时进度的目标(附责任单位),以及数据缺失的目标。",
)
def supervision(request: HttpRequest, params: Query[TargetSupervisionParams]) -> Any:
    return services.supervision_list(params.region, params.quarter, _reader(request)).as_dict()


@router.get(
    "/evaluation",
    response={200: TargetEvaluationOut, **READ_ERRORS},
    summary="年度评估表",
    description="该地区下一级各地区全年目标完成情况、得分与排名(同分同名次);评分规则见 rule。",
)
def evaluation(request: HttpRequest, params: Query[TargetEvaluationParams]) -> Any:
    return services.evaluation_table(params.region, params.year, _reader(request)).as_dict()


# --- multi-year targets ---------------------------------------------------------------------------


class MultiYearYearOut(Schema):
    year: int
    part: str | None = Field(..., description="该年度目标值(年度分解目标);未设定为 null")
    part_text: str
    actual: str | None = Field(..., description="计入累计完成的数值:全年累计或本年截至该期的累计")
    actual_text: str
    data_period: str | None = Field(..., description="数值所属期别,如“全年”“1月—6月”")
    state: str = Field(
        ..., description="full 全年已计入、current 本年累计、missing 数据缺失未计入、future 尚未到"
    )


class MultiYearProgressOut(Schema):
    as_of: str = Field(..., description="计至的月份,如“2022年6月”")
    completed: str | None = Field(..., description="累计完成(按指标计量单位);无数据为 null")
    completion: str | None = Field(..., description="完成率(%),一位小数")
    time_progress: str | None = Field(..., description="序时进度(%):目标期已过月数÷目标期月数")
    gap: str | None = Field(..., description="完成率−序时进度(个百分点)")
    status: str
    status_text: str
    sentence: str = Field(..., description="通报用语")
    years: list[MultiYearYearOut]
    parts_sum: str | None = Field(..., description="各年度目标合计")
    parts_match: bool | None = Field(..., description="各年度均已设定且合计等于多年目标")
    notes: list[str]


class MultiYearOut(Schema):
    id: int
    region_code: str
    region_name: str
    indicator_code: str
    indicator_name: str
    unit: str
    first_year: int
    last_year: int
    value: str
    target_text: str = Field(..., description="如“到2026年实现招商引资到位资金1000亿元”")
    responsible_id: int | None
    responsible_name: str | None
    note: str
    version: int
    set_by: str | None
    set_at: datetime
    progress: MultiYearProgressOut = Field(..., description="截至 period(默认目标期内最新数据)的完成情况")

    @staticmethod
    def resolve_region_code(obj: MultiYearTarget) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: MultiYearTarget) -> str:
        return obj.region.name

    @staticmethod
    def resolve_indicator_code(obj: MultiYearTarget) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_indicator_name(obj: MultiYearTarget) -> str:
        return obj.indicator.name

    @staticmethod
    def resolve_unit(obj: MultiYearTarget) -> str:
        return obj.indicator.unit

    @staticmethod
    def resolve_value(obj: MultiYearTarget) -> str | None:
        return services.num(obj.value)

    @staticmethod
    def resolve_target_text(obj: MultiYearTarget) -> str:
        return multiyear.multiyear_text(obj)

    @staticmethod
    def resolve_responsible_name(obj: MultiYearTarget) -> str | None:
        return obj.responsible.name if obj.responsible else None

    @staticmethod
    def resolve_set_by(obj: MultiYearTarget) -> str | None:
        return obj.set_by.display_name if obj.set_by else None

    @staticmethod
    def resolve_progress(obj: MultiYearTarget, context: Any) -> dict[str, Any]:
        request = context["request"]
        period = request.GET.get("period") or None
        return multiyear.progress(obj, period, current_user(request)).as_dict()


class MultiYearRevisionOut(TargetRevisionOut):
    growth: str | None = Field(None, description="多年目标不设目标增速,恒为 null")

    @staticmethod
    def resolve_growth(obj: Any) -> None:
        return None


class MultiYearDetailOut(MultiYearOut):
    revisions: list[MultiYearRevisionOut] = Field(..., description="各版本,最新在前")

    @staticmethod
    def resolve_revisions(obj: MultiYearTarget) -> list[Any]:
        return list(obj.revisions.select_related("responsible", "set_by").order_by("-version"))


class MultiYearParams(Schema):
    region: str | None = Field(None, max_length=12, description="区划代码:该地区及其所辖地区的目标")
    indicator: str | None = Field(None, max_length=64, description="指标代码或名称")
    year: Year | None = Field(None, description="目标期包含该年度的目标")
    period: str | None = Field(
        None, max_length=32, description="计至期别,如 2022年6月;默认为目标期内最新数据"
    )


def _checked_period(period: str | None) -> None:
    """A bad period is a 422 before any row is resolved."""
    if period:
        parse_period(period)


@router.get(
    "/multiyear",
    response={200: list[MultiYearOut], **READ_ERRORS},
    summary="多年目标列表",
    description="多年目标(如到2026年实现招商引资到位资金1000亿元)及其截至某期的累计完成、完成率、序时进度与各年度分解目标。",
)
@paginate(PageNumber)
def list_multiyear(request: HttpRequest, params: Query[MultiYearParams]) -> Any:
    user = _reader(request)
    _checked_period(params.period)
    filters = TargetFilter(region=params.region, indicator=params.indicator, year=None, responsible=None)
    qs = filters.filter(multiyear.visible(user))
    if params.year:
        qs = qs.filter(first_year__lte=params.year, last_year__gte=params.year)
    return qs


@router.get(
    "/multiyear/{target_id}", response={200: MultiYearDetailOut, **READ_ERRORS}, summary="多年目标详情"
)
def get_multiyear(
    request: HttpRequest,
    target_id: int,
    period: Annotated[str | None, Field(max_length=32, description="计至期别,如 2022年6月")] = None,
) -> Any:
    user = _reader(request)
    _checked_period(period)
    target = multiyear.visible(user).filter(pk=target_id).first()
    return target or get_scoped(MultiYearTarget, request.user, pk=target_id)


class MultiYearIn(Schema):
    region: str = Field(..., min_length=1, max_length=12, description="区划代码")
    indicator: str = Field(..., min_length=1, max_length=64, description="可累加总量指标的代码、名称或别名")
    first_year: Year
    last_year: Year
    value: Number = Field(..., description="整个目标期的累计目标(按指标计量单位)")
    responsible_id: Id | None = Field(None, description="责任单位(机构编号)")
    note: str = Field("", max_length=services.MAX_NOTE)


class MultiYearPatchIn(Schema):
    value: Number | None = None
    responsible_id: Id | None = None
    note: str | None = Field(None, max_length=services.MAX_NOTE)
    reason: str = Field("", max_length=services.MAX_REASON, description="调整说明,记入版本")


@router.post("/multiyear", response={201: MultiYearDetailOut, **ERRORS}, summary="设定多年目标")
def create_multiyear(request: HttpRequest, payload: MultiYearIn) -> Any:
    target = multiyear.create_multiyear_target(
        current_user(request),
        payload.region,
        payload.indicator,
        payload.first_year,
        payload.last_year,
        value=payload.value,
        responsible=payload.responsible_id,
        note=payload.note,
        source="接口",
    )
    return Status(201, multiyear.visible(None).get(pk=target.pk))


@router.patch("/multiyear/{target_id}", response={200: MultiYearDetailOut, **ERRORS}, summary="调整多年目标")
def update_multiyear(request: HttpRequest, target_id: int, payload: MultiYearPatchIn) -> Any:
    given = payload.model_fields_set
    changes: dict[str, Any] = {}
    if "value" in given:
        changes["value"] = payload.value
    if "note" in given:
        changes["note"] = payload.note or ""
    if "responsible_id" in given:
        changes["responsible"] = payload.responsible_id
    multiyear.revise_multiyear_target(
        current_user(request), target_id, reason=payload.reason, source="接口", **changes
    )
    return multiyear.visible(None).get(pk=target_id)


@router.delete("/multiyear/{target_id}", response={204: None, **ERRORS}, summary="删除多年目标")
def delete_multiyear(request: HttpRequest, target_id: int) -> Any:
    multiyear.delete_multiyear_target(current_user(request), target_id)
    return Status(204, None)


@router.get("/{target_id}", response={200: TargetDetailOut, **READ_ERRORS}, summary="年度目标详情")
def get_target(request: HttpRequest, target_id: int) -> Any:
    return _detail(request, target_id)


@router.patch("/{target_id}", response={200: TargetDetailOut, **ERRORS}, summary="调整年度目标")
def update_target(request: HttpRequest, target_id: int, payload: TargetPatchIn) -> Any:
    user = current_user(request)
    given = payload.model_fields_set
    changes: dict[str, Any] = {}
    for name in ("value", "growth", "note"):
        if name in given:
            changes[name] = getattr(payload, name) if name != "note" else (payload.note or "")
    if "responsible_id" in given:
        changes["responsible"] = payload.responsible_id
    services.revise_target(user, target_id, reason=payload.reason, source="接口", **changes)
    return _detail(request, target_id)


@router.delete("/{target_id}", response={204: None, **ERRORS}, summary="删除年度目标")
def delete_target(request: HttpRequest, target_id: int) -> Any:
    services.delete_target(current_user(request), target_id)
    return Status(204, None)
