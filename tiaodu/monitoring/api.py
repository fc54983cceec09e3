"""/api/v1/monitoring: the indicator catalogue, figures with their provenance, comparisons, rankings
of the county units, composite-index results and the dashboard figures.

Everything is read within the caller's scope (``restrict(user)`` and :func:`figures`); roles
outside government (enterprise, owner) get 403 on the computed endpoints and nothing in lists.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from tiaodu.core.api import READ_ERRORS, PageNumber
from tiaodu.core.errors import Forbidden, ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can
from tiaodu.monitoring.computations import compare, ranking
from tiaodu.monitoring.confidentiality import NOTE, PUBLIC_REASON, Viewer, Withheld
from tiaodu.monitoring.dashboard import build_dashboard
from tiaodu.monitoring.filters import FigureFilter, IndicatorFilter
from tiaodu.monitoring.indexes import get_index, stored_run
from tiaodu.monitoring.models import CompositeIndex, IndexValue, Indicator, IndicatorValue
from tiaodu.monitoring.periods import parse_period

router = Router(tags=["经济运行监测"])


def _government(request: HttpRequest) -> Any:
    user = current_user(request)
    if not can(user, "view", IndexValue):
        raise Forbidden(audit="monitoring api")
    return user


class MonitoringIndicatorOut(Schema):
    code: str
    name: str
    unit: str
    kind: str = Field(..., description="level 总量、rate 增速、ratio 比率、index 指数")
    direction: str = Field(..., description="higher 越高越好、lower 越低越好")
    rank_by: str = Field(..., description="value 按数值、growth 按增速、share 按占比排名")
    additive: bool
    may_be_negative: bool = Field(..., description="总量指标可否为负数(如利润总额);增速、比率、指数不受此限")
    decimals: int
    source: str


class MonitoringFigureOut(Schema):
    id: int
    region_code: str
    region_name: str
    period_key: str
    period_label: str
    indicator_code: str
    value: str | None = Field(
        ..., description="数值(十进制字符串);依统计保密规定不予显示时为 null,见 suppressed"
    )
    suppressed: bool = Field(False, description="涉及单个企业数据,依统计保密规定不予显示")
    suppressed_reason: str | None = Field(None, description="不予显示的原因代码:confidential(统计保密)")
    note: str = Field("", description="不予显示时的说明")
    version: int
    source: str = Field(..., description="来源:导入文件、汇总或录入")
    source_at: datetime

    @staticmethod
    def resolve_region_code(obj: IndicatorValue) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: IndicatorValue) -> str:
        return obj.region.name

    @staticmethod
    def resolve_period_key(obj: IndicatorValue) -> str:
        return obj.period.key

    @staticmethod
    def resolve_period_label(obj: IndicatorValue) -> str:
        return obj.period.label

    @staticmethod
    def resolve_indicator_code(obj: IndicatorValue) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_value(obj: IndicatorValue, context: Any) -> str | None:
        return None if _withheld(obj, context) else str(obj.value)

    @staticmethod
    def resolve_suppressed(obj: IndicatorValue, context: Any) -> bool:
        return _withheld(obj, context)

    @staticmethod
    def resolve_suppressed_reason(obj: IndicatorValue, context: Any) -> str | None:
        return PUBLIC_REASON if _withheld(obj, context) else None

    @staticmethod
    def resolve_note(obj: IndicatorValue, context: Any) -> str:
        return f"{obj.indicator.name}{NOTE}" if _withheld(obj, context) else ""

    @staticmethod
    def resolve_source(obj: IndicatorValue) -> str:
        return str(obj.source)

    @staticmethod
    def resolve_source_at(obj: IndicatorValue) -> datetime:
        return obj.source.created_at


def _withheld(obj: IndicatorValue, context: Any) -> bool:
    """统计保密 (ADR 0033), decided once per request and indicator-period."""
    request = (context or {}).get("request")
    if request is None:
        return True  # no reader known: withhold
    check = getattr(request, "_tiaodu_withheld", None)
    if check is None:
        check = Withheld(Viewer(current_user(request)))
        request._tiaodu_withheld = check  # type: ignore[attr-defined]
    return bool(check(obj))


class ComparisonQuery(Schema):
    region: str = Field(..., max_length=12, description="地区代码,如 500152")
    period: str = Field(..., max_length=32, description="期别,如 2022年1-2月 或 2022-M01-02")
    indicator: str = Field(..., max_length=64, description="指标名称或代码")


class RankingQuery(Schema):
    parent: str = Field("500000", max_length=12, description="比较范围(其下级地区相互比较)")
    period: str = Field(..., max_length=32)
    indicator: str = Field(..., max_length=64)


class MonitoringRankRowOut(Schema):
    region_code: str
    region_name: str
    figure: str | None = Field(None, description="参与排名的数值(按发布口径取舍)")
    value: str | None
    growth: str | None
    share: str | None
    rank: int | None
    group_name: str
    group_rank: int | None
    suppressed: bool = Field(False, description="数值依统计保密规定不予显示(为 null)")
    suppressed_reason: str | None = Field(None, description="confidential:统计保密")
    notes: list[str] = Field(default_factory=list)


class MonitoringRankingOut(Schema):
    indicator_code: str
    indicator_name: str
    measure: str
    period_key: str
    period_label: str
    ranked: int
    rows: list[MonitoringRankRowOut]


class CompositeIndexOut(Schema):
    code: str
    name: str
    published: bool = Field(..., description="市级发布值(导入)还是按定义计算")
    spec: dict[str, Any]

    @staticmethod
    def resolve_published(obj: CompositeIndex) -> bool:
        return obj.indicator_id is not None


class IndexResultRowOut(Schema):
    region_code: str
    region_name: str
    value: str | None
    rank: int | None
    group_name: str
    group_rank: int | None
    notes: list[str]
    suppressed: bool = Field(False, description="指数值依统计保密规定不予显示(为 null)")


class IndexResultsOut(Schema):
    code: str
    name: str
    period_key: str
    period_label: str
    origin: str
    rows: list[IndexResultRowOut]
    notes: list[str]


class DashboardQuery(Schema):
    region: str = Field(..., max_length=12)
    period: str | None = Field(None, max_length=32, description="默认:有数据的最新一期")


class DashboardCardOut(Schema):
    indicator_code: str
    indicator_name: str
    value_text: str
    growth_text: str
    share_text: str
    benchmarks: list[str] = Field(..., description="如“高于全市3.5个百分点”")
    rank_text: str
    group_rank_text: str
    trend: list[tuple[str, str | None]] = Field(..., description="null:该期依统计保密规定不予显示")
    notes: list[str]
    suppressed: bool = Field(False, description="数值依统计保密规定不予显示(value_text 为“—”)")


class DashboardIndexOut(Schema):
    code: str
    name: str
    origin: str
    value: str | None
    rank: int | None
    group_rank: int | None
    ranked: int
    interval: str = Field(..., description="计算型指数的排名区间,如“第12位(90%区间10–14位)”")
    history: list[tuple[str, int | None]]
    suppressed: bool = Field(False, description="指数值依统计保密规定不予显示")
    notes: list[str] = Field(default_factory=list)


class DashboardOut(Schema):
    region_code: str
    region_name: str
    period_key: str
    period_label: str
    cards: list[DashboardCardOut]
    indices: list[DashboardIndexOut]
    notes: list[str]


def _num(v: Any) -> str | None:
    return None if v is None else str(v)


@router.get(
    "/indicators", response={200: list[MonitoringIndicatorOut], **READ_ERRORS}, summary="监测指标目录"
)
@paginate(PageNumber)
def list_indicators(request: HttpRequest, filters: Query[IndicatorFilter]) -> Any:
    return filters.filter(Indicator.objects.restrict(current_user(request))).order_by("order", "code")


@router.get(
    "/figures", response={200: list[MonitoringFigureOut], **READ_ERRORS}, summary="指标数据(现行版本)"
)
@paginate(PageNumber)
def list_figures(request: HttpRequest, filters: Query[FigureFilter]) -> Any:
    qs = (
        IndicatorValue.objects.restrict(current_user(request))
        .filter(is_current=True)
        .select_related("region", "period", "indicator", "source")
    )
    return filters.filter(qs).order_by("-period__end", "indicator__order", "region__code", "pk")


@router.get(
    "/compare", response={200: dict[str, Any], **READ_ERRORS}, summary="指标比较:增速、百分点差、排名"
)
def get_comparison(request: HttpRequest, query: Query[ComparisonQuery]) -> Any:
    user = _government(request)
    c = compare(query.region, query.period, query.indicator, user)
    return {**c.as_dict(), "value_text": c.value_text, "growth_text": c.growth_text, "rank_text": c.rank_text}


@router.get("/ranking", response={200: MonitoringRankingOut, **READ_ERRORS}, summary="各区县指标排名")
def get_ranking(request: HttpRequest, query: Query[RankingQuery]) -> Any:
    user = _government(request)
    table = ranking(query.parent, query.indicator, parse_period(query.period), user)
    return {
        "indicator_code": table.indicator_code,
        "indicator_name": table.indicator_name,
        "measure": table.measure,
        "period_key": table.period_key,
        "period_label": table.period_label,
        "ranked": table.ranked,
        "rows": [
            {
                "region_code": r.region_code,
                "region_name": r.region_name,
                "figure": _num(r.figures.figure),
                "value": _num(r.figures.value),
                "growth": _num(r.figures.growth),
                "share": _num(r.figures.share),
                "rank": r.rank,
                "group_name": r.group_name,
                "group_rank": r.group_rank,
                "suppressed": r.figures.suppressed,
                "suppressed_reason": PUBLIC_REASON if r.figures.withheld else None,
                "notes": r.figures.notes,
            }
            for r in table.rows
        ],
    }


@router.get("/indices", response={200: list[CompositeIndexOut], **READ_ERRORS}, summary="综合指数定义")
def list_indices(request: HttpRequest) -> Any:
    _government(request)
    return list(CompositeIndex.objects.restrict(current_user(request)).order_by("code"))


@router.get(
    "/indices/{code}/results", response={200: IndexResultsOut, **READ_ERRORS}, summary="综合指数结果与排名"
)
def index_results(request: HttpRequest, code: str, period: str) -> Any:
    user = _government(request)
    get_index(code)
    run = stored_run(code, period, user)
    if run is None:
        label = parse_period(period).full_label
        raise ServiceError("index_not_computed", f"指数“{code}”尚未计算{label}的结果", status=404)
    return {
        "code": run.code,
        "name": run.name,
        "period_key": run.period_key,
        "period_label": run.period_label,
        "origin": run.origin,
        "rows": [
            {
                "region_code": r.region_code,
                "region_name": r.region_name,
                "value": _num(r.value),
                "rank": r.rank,
                "group_name": r.group_name,
                "group_rank": r.group_rank,
                "notes": r.notes,
                "suppressed": r.value is None and any(NOTE in n for n in r.notes),
            }
            for r in run.ordered()
        ],
        "notes": run.notes,
    }


@router.get(
    "/dashboard", response={200: DashboardOut, **READ_ERRORS}, summary="监测看板:指标卡、指数与排名区间"
)
def dashboard(request: HttpRequest, query: Query[DashboardQuery]) -> Any:
    user = _government(request)
    board = build_dashboard(query.region, query.period, user)
    return {
        "region_code": board.region.code,
        "region_name": board.region.name,
        "period_key": board.period.key,
        "period_label": board.period.full_label,
        "cards": [
            {
                "indicator_code": c.comparison.indicator_code,
                "indicator_name": c.comparison.indicator_name,
                "value_text": c.comparison.value_text,
                "growth_text": c.comparison.growth_text,
                "share_text": c.comparison.share_text,
                "benchmarks": [b.phrase for b in c.comparison.benchmarks if b.phrase],
                "rank_text": c.comparison.rank_text,
                "group_rank_text": c.comparison.group_rank_text,
                "trend": [(label, _num(v)) for label, v in c.trend],
                "notes": c.notes,
                "suppressed": c.comparison.figures.suppressed,
            }
            for c in board.cards
        ],
        "indices": [
            {
                "code": i.code,
                "name": i.name,
                "origin": i.origin,
                "value": None if i.value is None else i.value_text,
                "rank": i.rank,
                "group_rank": i.group_rank,
                "ranked": i.ranked,
                "interval": i.interval,
                "history": i.history,
                "suppressed": i.suppressed,
                "notes": i.notes,
            }
            for i in board.indices
        ],
        "notes": board.notes,
    }
