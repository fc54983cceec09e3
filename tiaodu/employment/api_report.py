"""GET /api/v1/employment/report?region=&from=&to=: 稳就业工作情况 (mounted by
tiaodu/employment/api.py).

The figures of :func:`tiaodu.employment.report.employment_report` within the caller's scope, the
same as the page, the xlsx and ``tiaodu report employment --user``: the sentences and the tables
(per township, per fair kind, 缺工 per occupation). Counts only, no personal data."""

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
from tiaodu.employment.models import JobFair
from tiaodu.employment.report import employment_report

router = Router()


class EmploymentReportParams(Schema):
    model_config = ConfigDict(populate_by_name=True)

    region: str = Field(..., min_length=1, max_length=12, description="区划代码:区县或镇街")
    date_from: date = Field(..., alias="from", description="开始日期 YYYY-MM-DD")
    date_to: date = Field(..., alias="to", description="截至日期 YYYY-MM-DD(含)")


class EmploymentReportFigure(Schema):
    label: str
    value: str


class EmploymentReportTownship(Schema):
    name: str = Field(..., description="镇街名称;最后一行为“合计”(全区,去重计数不是各行之和)")
    code: str = Field(..., description="镇街区划代码;合计为空")
    fairs: int = Field(..., description="在该镇街举办的招聘会(场)")
    fair_enterprises: int = Field(..., description="这些招聘会的参会企业(家,去重)")
    positions: int = Field(..., description="这些招聘会提供岗位的招聘人数(同一岗位只计一次)")
    fair_jobseekers: int = Field(..., description="在这些招聘会上期内达成意向的求职者(人,去重)")
    demand: int = Field(..., description="用工需求(人):期内用工需求人数加期内发布岗位招聘人数,不重复")
    trips: int = Field(..., description="期内在该镇街设上车点或有该镇街求职者乘坐的专车(趟)")
    riders: int = Field(..., description="该镇街乘车求职者(人,去重)")
    intended: int = Field(..., description="期内达成意向的该镇街求职者(人)")
    hired: int = Field(..., description="期内录用(人)")
    started: int = Field(..., description="期内入职(人)")
    checked_30: int = Field(..., description="期内入职者中截至日期已知30天结果的(人)")
    employed_30: int = Field(..., description="其中30天仍在岗(人)")
    retention_30: str | None = Field(..., description="30天在岗率(%)")
    checked_90: int
    employed_90: int
    retention_90: str | None = Field(..., description="90天在岗率(%)")


class EmploymentReportFairKind(Schema):
    name: str = Field(..., description="招聘会类型;最后一行为“合计”")
    kind: str = Field(..., description="spring、market_day、park、online;合计为空")
    fairs: int
    enterprises: int
    positions: int
    jobseekers: int = Field(..., description="达成初步求职意向的求职者(人,去重)")


class EmploymentReportOccupation(Schema):
    name: str = Field(..., description="职业中类(编码和名称)、“未分类”或“合计”")
    code: str = Field(..., description="职业中类编码,如 6-05;未分类和合计为空")
    demand: int
    hires: int
    shortage: int = Field(..., description="缺工 = 用工需求 − 录用(可为负数)")


class EmploymentReportTables(Schema):
    by_township: list[EmploymentReportTownship]
    by_fair_kind: list[EmploymentReportFairKind]
    by_occupation: list[EmploymentReportOccupation]


class EmploymentReportOut(Schema):
    region_code: str
    region_name: str
    date_from: date
    date_to: date
    title: str
    sentences: list[str] = Field(..., description="通报用语,如“举办春风行动专场招聘会N场,……”")
    paragraph: str
    key_figures: list[EmploymentReportFigure]
    tables: EmploymentReportTables


@router.get(
    "/report",
    response={200: EmploymentReportOut, **READ_ERRORS},
    summary="稳就业工作情况",
    description="该区县(或镇街)期内招聘会(按类型)、参会企业和岗位、达成意向人数、收集的企业用工需求、"
    "求职专车、录用和入职、30/90天在岗率,按镇街分列,缺工按职业中类;均按记录上的日期统计,"
    "只统计调用者权限范围内的记录,不含个人信息。",
)
def report(request: HttpRequest, params: Query[EmploymentReportParams]) -> Any:
    user = current_user(request)
    if not can(user, "view", JobFair):
        raise Forbidden(audit=f"view employment.report api {request.path}")
    return employment_report(params.region, params.date_from, params.date_to, user=user).as_dict()
