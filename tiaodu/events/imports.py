"""``tiaodu import event-projects FILE``: which projects were signed, started or completed at which
collective event (活动名称, 活动日期, 项目名称 or 项目代码, 活动类型; 活动地点 optional).

An event is found (or created) by its name and date within the project's district. A 项目名称
that is not a key project is looked up among the investment projects (招商项目, the actor's
district first): such a project is put on the event as signed there
(:func:`tiaodu.investment.signing_events.add_to_event`: 活动类型 签约, signed by the event's
date per its stage history). All-or-nothing by default: a row naming an unknown project, an
unknown type, or a project listed twice in one event with different types is reported with its
row number, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from tiaodu.core.errors import InvalidInput
from tiaodu.core.imports import CellError, Column, ImportContext, Importer, Row, any_date, register, text_of
from tiaodu.core.permissions import can
from tiaodu.core.resolve import actor_district, resolver_for
from tiaodu.events import services
from tiaodu.events.choices import ACTION_WORDS, EventAction
from tiaodu.events.models import CollectiveEvent, EventProject
from tiaodu.investment.models import EventEntry, InvestmentProject
from tiaodu.projects.imports import row_project
from tiaodu.projects.models import Project
from tiaodu.regions.models import Region


def action(raw: Any) -> str:
    word = str(raw or "").strip()
    if word not in ACTION_WORDS:
        raise CellError("invalid_choice", f"活动类型“{word}”不存在,可选:签约、开工、竣工投产")
    return str(ACTION_WORDS[word])


@dataclass
class _Investment:
    """A row naming an investment project (招商项目) rather than a key project."""

    project: InvestmentProject


def investment_project(ctx: ImportContext, row: Row) -> InvestmentProject | None:
    """The investment project a row names by 项目名称 when no key project has that name (and no
    项目代码 is given): the one in the actor's district, else the only one anywhere, among those
    the actor may see. None when the row names a key project or nothing known (the key-project
    lookup then reports the row)."""
    name, code = row.values.get("name") or "", row.values.get("code") or ""
    if code or not name:
        return None
    try:
        resolver_for(ctx).project(name, field="name")
    except InvalidInput as exc:
        if exc.errors[0].code != "project_unknown":
            return None
    else:
        return None
    qs = InvestmentProject.objects.select_related("region").filter(name=name)
    if ctx.actor is not None:
        qs = InvestmentProject.objects.restrict(ctx.actor).select_related("region").filter(name=name)
    found = list(qs[:20])
    district = actor_district(ctx.actor)
    local = [p for p in found if district is not None and p.region_id == district.pk]
    if len(local) == 1:
        return local[0]
    return found[0] if len(found) == 1 else None


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
        "项目名称也可填写招商项目(活动类型为签约,须在活动日期前已签约),按协议投资额计入活动。",
    ]

    def allowed(self, actor: Any) -> bool:
        return actor is None or can(actor, "add", CollectiveEvent)

    def clean(self, ctx: ImportContext, row: Row) -> None:
        investment = investment_project(ctx, row)
        if investment is not None:
            self._clean_investment(ctx, row, investment)
            return
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

    def _clean_investment(self, ctx: ImportContext, row: Row, project: InvestmentProject) -> None:
        from tiaodu.investment.tracking import signed_by

        name, held_on, act = row.values.get("event"), row.values.get("held_on"), row.values.get("action")
        if act and act != EventAction.SIGN:
            ctx.error(
                row.number,
                "活动类型",
                "investment_action_not_sign",
                f"招商项目“{project.name}”只能以签约列入活动",
            )
            return
        if not name or held_on is None or not act:
            return
        if ctx.actor is not None and not can(ctx.actor, "add", EventEntry):
            ctx.error(row.number, "项目名称", "permission_denied", "您没有将招商项目列入活动的权限")
            return
        if not signed_by(project, held_on):
            ctx.error(
                row.number,
                "项目名称",
                "not_signed_by_event",
                f"招商项目“{project.name}”在活动日期({held_on:%Y-%m-%d})前尚未签约",
            )
            return
        seen = ctx.cache.setdefault("investment_rows", set())
        if (name, held_on, project.pk) in seen:
            return  # listed twice: one entry
        seen.add((name, held_on, project.pk))
        row.data = _Investment(project)

    def save(self, ctx: ImportContext, row: Row) -> str:
        if isinstance(row.data, _Investment):
            return self._save_investment(ctx, row, row.data.project)
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

    def _save_investment(self, ctx: ImportContext, row: Row, project: InvestmentProject) -> str:
        from tiaodu.investment.signing_events import add_to_event

        event = services.record_event(
            ctx.actor,
            name=row.values["event"],
            held_on=row.values["held_on"],
            region=cast(Region, project.region),
            place=row.values.get("place") or "",
            entries=[],
        )
        before = EventEntry.objects.filter(event=event, project=project).exists()
        add_to_event(ctx.actor, event, project)
        return "updated" if before else "created"
