"""``tiaodu import dispatch FILE``: reports of open dispatch rounds from xlsx/CSV.

One row per project and round (期次). Each row is submitted through
:func:`tiaodu.dispatch.services.submit_report` (money, progress, headcount, closed-round and scope
rules; problems become cases), so the import accepts exactly what the form accepts. All-or-nothing
by default: one bad row and nothing is written, every bad row listed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from tiaodu.core.imports import CellError, Column, ImportContext, Importer, Row, boolean, register, text_of
from tiaodu.core.permissions import can
from tiaodu.dispatch import services
from tiaodu.dispatch.choices import PROBLEM_CATEGORIES, RoundState
from tiaodu.dispatch.models import DispatchReport, DispatchRound
from tiaodu.projects.imports import row_project


def number(raw: Any) -> Decimal | None:
    """A number (thousands separators and a trailing % allowed); the service checks the range."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    value = str(raw).strip().replace(",", "").replace(",", "").rstrip("%").strip()
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise CellError("number_invalid", f"“{raw}”不是数字") from None
    if not result.is_finite():
        raise CellError("number_invalid", f"“{raw}”不是数字")
    return result


REQUIRED_VALUES = ("investment", "progress", "workers_required", "workers_on_site")


@register
class DispatchImporter(Importer):
    name = "dispatch"
    title = "调度填报"
    model = DispatchReport
    key_field = "project"
    denied_message = "项目不在您的管辖范围内"
    field_headers = {
        "project": "项目名称",
        "round": "期次",
        "category": "问题类别",
        "problem_category": "问题类别",
        "confirmed_over_required": "确认超员",
    }
    columns = [
        Column("项目名称", "name", parse=text_of(128), example="志特新材料年产120万平方米建筑铝模板项目"),
        Column(
            "项目代码",
            "code",
            parse=text_of(64),
            example="2201-500152-04-01-000003",
            note="项目名称和项目代码至少填写一项;填写代码时按代码识别项目",
        ),
        Column(
            "期次", "round", True, text_of(32), example="2022年第3旬", note="调度任务的期次,须为填报中的任务"
        ),
        Column(
            "本期完成投资(万元)",
            "investment",
            True,
            number,
            aliases=("本期完成投资",),
            example=1200,
            note="不能为负数",
        ),
        Column(
            "形象进度", "progress", True, number, aliases=("形象进度(%)",), example="65%", note="0至100(%)"
        ),
        Column("应到岗人数", "workers_required", True, number, example=120),
        Column(
            "实到岗人数", "workers_on_site", True, number, example=116, note="超出应到岗人数10%以上须确认"
        ),
        Column(
            "存在问题",
            "problems",
            parse=text_of(4000),
            example="钢材运输受限",
            note="每行(或分号隔开)一个问题",
        ),
        Column(
            "问题类别",
            "problem_category",
            parse=text_of(32),
            example="材料运输",
            note="默认为协调",
            options=tuple(name for _c, name, _d, _n in PROBLEM_CATEGORIES),
        ),
        Column(
            "确认超员",
            "confirmed_over_required",
            parse=boolean,
            example="否",
            note="实到岗人数确实超出应到岗时填“是”",
        ),
    ]
    notes = [
        "同一期次中每个项目一行;再次导入同一项目将更新其填报(调度任务关闭前)。",
        "存在问题的每一条将登记为一件项目问题,按问题类别交办并计算办理时限。",
    ]

    def allowed(self, actor: Any) -> bool:
        return actor is None or can(actor, "change", DispatchReport)

    def clean(self, ctx: ImportContext, row: Row) -> None:
        project = row_project(ctx, row)
        label = row.values.get("round") or ""
        if project is None or not label:
            return
        rnd = services.round_by_label(label, project.pk)
        if rnd is None:
            if DispatchRound.objects.filter(period_label=label).exists():
                ctx.error(row.number, "项目名称", "project_not_in_round", f"该项目不在“{label}”调度任务中")
            else:
                ctx.error(row.number, "期次", "round_unknown", f"期次“{label}”的调度任务不存在")
            return
        if rnd.state != RoundState.OPEN:
            ctx.error(row.number, "期次", "round_closed", f"“{label}”调度任务已关闭,不能再填报")
            return
        # The service's rules, checked here too so that every bad row is listed even when other
        # rows fail (then nothing is written and submit_report never runs).
        if any(f not in row.values for f in REQUIRED_VALUES):
            return  # a cell failed to parse: already reported
        _values, errors = services.validate_report(project, self._input(row))
        for err in errors:
            ctx.error(row.number, err.field, err.code, err.message)
        if not errors:
            row.data = (rnd.pk, project.pk)

    @staticmethod
    def _input(row: Row) -> services.ReportInput:
        return services.ReportInput(
            investment=row.values.get("investment"),
            progress=row.values.get("progress"),
            workers_required=row.values.get("workers_required"),
            workers_on_site=row.values.get("workers_on_site"),
            problems=row.values.get("problems") or "",
            problem_category=row.values.get("problem_category") or "",
            confirmed_over_required=bool(row.values.get("confirmed_over_required")),
        )

    def save(self, ctx: ImportContext, row: Row) -> str:
        round_id, project_id = row.data
        before = DispatchReport.objects.filter(round_id=round_id, project_id=project_id).first()
        services.submit_report(ctx.actor, round_id, project_id, self._input(row))
        return "updated" if before is not None and before.submitted_at is not None else "created"
