"""``tiaodu import event-projects FILE``: which projects were signed, started or completed at which
collective event (活动名称, 活动日期, 项目名称 or 项目代码, 活动类型; 活动地点 optional).

An event is found (or created) by its name and date within the project's district. All-or-nothing
by default: a row naming an unknown project, an unknown type, or a project listed twice in one event
with different types is reported with its row number, and nothing is written.
"""

from __future__ import annotations

from typing import Any

from tiaodu.core.imports import CellError, Column, ImportContext, Importer, Row, any_date, register, text_of
from tiaodu.core.permissions import can
from tiaodu.events import services
from tiaodu.events.choices import ACTION_WORDS
from tiaodu.events.models import CollectiveEvent, EventProject
from tiaodu.projects.imports import row_project
from tiaodu.projects.models import Project


def action(raw: Any) -> str:
    word = str(raw or "").strip()
    if word not in ACTION_WORDS:
        raise CellError("invalid_choice", f"活动类型“{word}”不存在,可选:签约、开工、竣工投产")
    return str(ACTION_WORDS[word])


@register
class EventProjectImporter(Importer):
    name = "event-projects"
    title = "集中活动项目"
    model = EventProject
    key_field = "project"
    denied_message = "项目不在您的管辖范围内"
    field_headers = {"event": "活动名称", "held_on": "活动日期", "project": "项目名称", "action": "活动类型"}
    columns = [
        Column(
            "活动名称",
            "event",
            True,
            text_of(128),
            example="潼南区2022年第一季度重点项目集中签约、开工、竣工投产活动",
        ),
        Column("活动日期", "held_on", True, any_date, example="2022-03-28"),
        Column("项目名称", "name", parse=text_of(128), example="海汇新材料生产基地项目"),
        Column(
            "项目代码",
            "code",
            parse=text_of(64),
            example="2201-500152-04-01-000001",
            note="项目名称和项目代码至少填写一项;填写代码时按代码识别项目",
        ),
        Column("活动类型", "action", True, action, example="竣工投产", options=("签约", "开工", "竣工投产")),
        Column("活动地点", "place", parse=text_of(128), example="潼南高新区"),
    ]
    notes = [
        "同一活动(名称和日期相同)的项目逐行填写;项目须已在项目库中。",
        "总投资按项目库中项目的总投资计入活动。",
    ]

    def allowed(self, actor: Any) -> bool:
        return actor is None or can(actor, "add", CollectiveEvent)

    def clean(self, ctx: ImportContext, row: Row) -> None:
        project = row_project(ctx, row)
        name, held_on, act = row.values.get("event"), row.values.get("held_on"), row.values.get("action")
        if project is None or not name or held_on is None or not act:
            return
        if ctx.actor is not None and not Project.objects.restrict(ctx.actor).filter(pk=project.pk).exists():
            # The same answer as for a project that does not exist (issue 13: a project code or
            # name outside the actor's scope must not be confirmed); the security log has the row.
            code = row.values.get("code") or ""
            by_code = bool(code) and project.code == code
            ref = code if by_code else row.values.get("name") or ""
            ctx.denied_rows.append(row.number)
            ctx.error(
                row.number, "项目代码" if by_code else "项目名称", "project_unknown", f"项目“{ref}”不存在"
            )
            return
        seen = ctx.cache.setdefault("event_rows", {})
        key = (name, held_on, project.pk)
        if key in seen and seen[key][1] != act:
            ctx.error(
                row.number,
                "活动类型",
                "conflicting_rows",
                f"项目“{project.name}”在同一活动中已于第{seen[key][0]}行填写为其他活动类型",
            )
            return
        seen.setdefault(key, (row.number, act))
        row.data = (project, services.district_of(project))

    def save(self, ctx: ImportContext, row: Row) -> str:
        project, region = row.data
        name, held_on = row.values["event"], row.values["held_on"]
        before = EventProject.objects.filter(
            event__region=region, event__name=name, event__held_on=held_on, project=project
        ).exists()
        services.record_event(
            ctx.actor,
            name=name,
            held_on=held_on,
            region=region,
            place=row.values.get("place") or "",
            entries=[(project, row.values["action"])],
        )
        return "updated" if before else "created"
