"""``tiaodu import dispatch FILE``: reports of dispatch rounds from xlsx/CSV.

One row per project and round (期次); the round is the 期次 of the project's district. A row of an
open round is submitted through :func:`tiaodu.dispatch.services.submit_report` (money, progress,
headcount, closed-round and scope rules; problems become cases), so the import accepts exactly
what the form accepts.

History (ADR 0028): a row whose 期次 is a week, 旬 or month that is over and that the district has
no round for creates that round — closed and frozen, marked 历史导入 — and its report; importing the
period again replaces the reports of the projects the file names (a figure is never counted
twice) and freezes the totals again. A round opened the ordinary way and closed still refuses
rows (``round_closed``). All-or-nothing by default: one bad row and nothing is written, every bad
row listed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from tiaodu.core.errors import ServiceError
from tiaodu.core.imports import CellError, Column, ImportContext, Importer, Row, boolean, register, text_of
from tiaodu.core.permissions import can
from tiaodu.core.rounds import district_of
from tiaodu.dispatch import services
from tiaodu.dispatch.choices import PROBLEM_CATEGORIES
from tiaodu.dispatch.models import DispatchReport, DispatchRound
from tiaodu.projects.imports import row_project
from tiaodu.projects.models import Project
from tiaodu.regions.models import Region


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
            "期次",
            "round",
            True,
            text_of(32),
            example="2022年第3旬",
            note="调度任务的期次;已结束而没有调度任务的期次(如2019年9月)按历史数据导入",
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
        "已结束且没有调度任务的期次按历史数据导入:自动建立该期次的调度任务(已关闭、标记为历史导入),"
        "汇总数等于文件中的合计;再次导入同一期次将替换文件中各项目的填报,不会重复累加。"
        "历史填报的问题不登记为项目问题,也不计入项目的累计完成投资。",
    ]

    def allowed(self, actor: Any) -> bool:
        return actor is None or can(actor, "change", DispatchReport)

    def clean(self, ctx: ImportContext, row: Row) -> None:
        project = row_project(ctx, row)
        label = (row.values.get("round") or "").strip()
        if project is None or not label:
            return
        district = self._district(ctx, project.township)
        rnd = self._round(ctx, district, label)
        historical = rnd is None or rnd.is_historical
        if rnd is None and not self._history_allowed(ctx, label):
            ctx.error(row.number, "期次", "round_unknown", f"期次“{label}”的调度任务不存在")
            return
        if rnd is not None and not rnd.is_historical:
            if not rnd.is_open:
                ctx.error(row.number, "期次", "round_closed", f"“{label}”调度任务已关闭,不能再填报")
                return
            if project.pk not in self._round_projects(ctx, rnd):
                ctx.error(row.number, "项目名称", "project_not_in_round", f"该项目不在“{label}”调度任务中")
                return
        # The service's rules, checked here too so that every bad row is listed even when other
        # rows fail (then nothing is written and no service runs).
        if any(f not in row.values for f in REQUIRED_VALUES):
            return  # a cell failed to parse: already reported
        _values, errors = services.validate_report(project, self._input(row), historical=historical)
        for err in errors:
            ctx.error(row.number, err.field, err.code, err.message)
        if not errors:
            row.data = (historical, district.pk, label, project.pk, rnd.pk if rnd is not None else None)

    def check_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        """A project twice in one 期次 of the file: the second row is refused (it would replace the
        first, and the file's sums would not be the round's)."""
        seen: dict[tuple[int, str], int] = {}
        for row in rows:
            if row.data is None:
                continue
            key = (row.data[3], row.data[2])
            if key in seen:
                ctx.error(
                    row.number,
                    "项目名称",
                    "duplicate_project",
                    f"该项目在期次“{row.data[2]}”中已由第{seen[key]}行填报",
                )
            else:
                seen[key] = row.number

    @staticmethod
    def _district(ctx: ImportContext, township: Region) -> Region:
        memo: dict[int, Region] = ctx.cache.setdefault("districts", {})
        if township.pk not in memo:
            memo[township.pk] = district_of(township)
        return memo[township.pk]

    @staticmethod
    def _round(ctx: ImportContext, district: Region, label: str) -> DispatchRound | None:
        memo: dict[tuple[int, str], DispatchRound | None] = ctx.cache.setdefault("rounds", {})
        key = (district.pk, label)
        if key not in memo:
            memo[key] = services.round_of_period(district, label)
        return memo[key]

    @staticmethod
    def _round_projects(ctx: ImportContext, rnd: DispatchRound) -> set[int]:
        memo: dict[int, set[int]] = ctx.cache.setdefault("round_projects", {})
        if rnd.pk not in memo:
            memo[rnd.pk] = set(DispatchReport.objects.filter(round=rnd).values_list("project_id", flat=True))
        return memo[rnd.pk]

    @staticmethod
    def _history_allowed(ctx: ImportContext, label: str) -> bool:
        """A round may be created from the file: the 期次 is over and the actor opens rounds."""
        may_open = ctx.actor is None or can(ctx.actor, "add", DispatchRound)
        return may_open and services.period_has_ended(label)

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

    def write(self, ctx: ImportContext, rows: list[Row]) -> None:
        """The historical rounds first (each found or created once; a refusal is reported on
        every row of that period), then the rows, then the historical rounds' totals frozen
        again."""
        history: dict[tuple[int, str], DispatchRound | ServiceError] = {}
        for row in rows:
            historical, district_id, label, _project, _round = row.data
            if historical and (district_id, label) not in history:
                try:
                    with transaction.atomic():
                        district = Region.objects.get(pk=district_id)
                        history[(district_id, label)] = services.history_round(ctx.actor, district, label)
                except ServiceError as exc:
                    history[(district_id, label)] = exc
        ctx.cache["history"] = history
        ready = []
        for row in rows:
            found = history.get((row.data[1], row.data[2])) if row.data[0] else None
            if isinstance(found, ServiceError):  # every row of a refused period says why
                ctx.service_error(row.number, found)
            else:
                ready.append(row)
        super().write(ctx, ready)
        for rnd in history.values():
            if isinstance(rnd, DispatchRound):
                services.refreeze_history(rnd)

    def save(self, ctx: ImportContext, row: Row) -> str:
        historical, district_id, label, project_id, round_id = row.data
        if historical:
            project = Project.objects.get(pk=project_id)
            rnd = ctx.cache["history"][(district_id, label)]
            return services.record_history(ctx.actor, rnd, project, self._input(row))
        before = DispatchReport.objects.filter(round_id=round_id, project_id=project_id).first()
        services.submit_report(ctx.actor, round_id, project_id, self._input(row))
        return "updated" if before is not None and before.submitted_at is not None else "created"
