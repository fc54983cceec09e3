"""GET /api/v1/safety/report?region=&from=&to=: 安全生产工作情况 (mounted by tiaodu/safety/api.py).

The figures of :func:`tiaodu.safety.report.safety_report` within the caller's scope, the same as
the page, the xlsx and ``tiaodu report safety --user``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from tiaodu.core.api import READ_ERRORS
from tiaodu.core.errors import Forbidden
from tiaodu.core.http import current_user
from tiaodu.core.permissions import can
from tiaodu.safety.models import Inspection
from tiaodu.safety.report import safety_report

router = Router()


class SafetyReportParams(Schema):
    model_config = ConfigDict(populate_by_name=True)

    region: str = Field(..., min_length=1, max_length=12, description="区划代码:区县或镇街")
    date_from: date = Field(..., alias="from", description="开始日期 YYYY-MM-DD")
    date_to: date = Field(..., alias="to", description="截至日期 YYYY-MM-DD(含)")


class SafetyReportTally(Schema):
    key: str = Field(..., description="分组代码(行业、部门为ID,镇街为区划代码);合计为空")
    name: str
    sectors: int = Field(..., description="执法检查涉及的行业数")
    inspections: int = Field(..., description="执法检查(含联合检查)家次")
    joint: int = Field(..., description="其中联合检查家次")
    patrols: int = Field(..., description="日常巡查次数")
    self_inspections: int = Field(..., description="企业自查次数")
    hazards: int = Field(..., description="期内发现隐患条数(不含企业自查)")
    major: int = Field(..., description="其中重大隐患")
    rectified: int = Field(..., description="其中截至日期已整改")
    rectify_rate: str | None = Field(..., description="整改率(%)")
    accepted: int = Field(..., description="其中截至日期已验收销号")
    self_hazards: int = Field(..., description="企业自查发现隐患条数")
    decisions: int = Field(..., description="行政处罚决定书份数")
    penalised_units: int = Field(..., description="处罚责任单位家数")
    warnings: int = Field(..., description="含警告的决定书数")
    suspended_units: int = Field(..., description="责令停产停业单位家数")
    fines_yuan: str = Field(..., description="罚款合计(元)")
    fines_wan: str = Field(..., description="罚款合计(万元)")
    confiscated_yuan: str = Field(..., description="没收违法所得合计(元)")
    red: int = Field(..., description="截至日期挂红牌的隐患")
    yellow: int = Field(..., description="截至日期仅挂黄牌的隐患")


class SafetyReportMajor(Schema):
    found_in_range: int
    closed_in_range: int
    open: int = Field(..., description="截至日期未销号")
    closed: int = Field(..., description="截至日期已销号")
    supervised_open: int = Field(..., description="未销号中挂牌督办的")
    missing_plan_open: int = Field(..., description="未销号中缺治理方案的")


class SafetyReportRun(Schema):
    months: int = Field(..., description="连续未发生较大及以上事故的整月数")
    since: date
    last_serious_on: date | None


class SafetyReportOut(Schema):
    region_code: str
    region_name: str
    date_from: date
    date_to: date
    title: str
    totals: SafetyReportTally
    major: SafetyReportMajor
    accident_free: SafetyReportRun | None
    by_sector: list[SafetyReportTally]
    by_department: list[SafetyReportTally]
    by_township: list[SafetyReportTally]
    sentences: dict[str, str] = Field(
        ..., description="通报用语:enforcement、rectification、major、overdue、self、accident_free"
    )
    paragraph: str


@router.get(
    "/report",
    response={200: SafetyReportOut, **READ_ERRORS},
    summary="安全生产工作情况",
    description="该区县(或镇街)期内执法检查、隐患整改、重大隐患、逾期红黄牌、行政处罚、企业自查和连续无较大及以上事故月数,"
    "按行业领域、部门和镇街分列;仅统计调用者有权查看的记录。",
)
def report(request: HttpRequest, params: Query[SafetyReportParams]) -> Any:
    user = current_user(request)
    if not can(user, "view", Inspection):
        raise Forbidden(audit=f"view safety.report api {request.path}")
    return safety_report(params.region, params.date_from, params.date_to, user).as_dict()
