"""Key projects: the project library, the stage table (阶段流转) and backward scheduling (倒排工期).

Every function takes the acting user (``None`` = the server operator, e.g. the CLI and the demo
loader), runs in one transaction, validates before writing, and re-checks the scope afterwards.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Field
from django.utils import timezone

from tiaodu.core.concurrency import claim_version
from tiaodu.core.errors import Conflict, FieldError, Forbidden, InvalidInput, invalid
from tiaodu.core.permissions import can, ensure_permitted, get_scoped
from tiaodu.core.resolve import township_of
from tiaodu.orgs.choices import OrgKind
from tiaodu.projects.choices import (
    STAGE_DATE_FIELDS,
    BondField,
    Funding,
    MilestoneKind,
    ProjectCategory,
    ProjectKind,
    ProjectLevel,
    Stage,
)
from tiaodu.projects.models import Milestone, MilestoneTemplate, Project, StageChange
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

# --- The stage table -----------------------------------------------------------------------------
#
# Which stage may follow which. 停建 may be entered from any active stage and left only back to the
# stage it interrupted (Project.suspended_from) or to 取消; 达产 and 取消 are terminal. Government-
# invested projects have no 签约/落地, so 储备 may go straight to 开工.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Stage.RESERVE: (Stage.SIGNED, Stage.STARTED, Stage.CANCELLED),
    Stage.SIGNED: (Stage.LANDED, Stage.SUSPENDED, Stage.CANCELLED),
    Stage.LANDED: (Stage.STARTED, Stage.SUSPENDED, Stage.CANCELLED),
    Stage.STARTED: (Stage.BUILDING, Stage.SUSPENDED, Stage.CANCELLED),
    Stage.BUILDING: (Stage.COMPLETED, Stage.SUSPENDED, Stage.CANCELLED),
    Stage.COMPLETED: (Stage.OPERATING,),
    Stage.OPERATING: (Stage.FULL_PRODUCTION,),
    Stage.FULL_PRODUCTION: (),
    Stage.SUSPENDED: (Stage.CANCELLED,),  # plus the stage it left, see allowed_targets
    Stage.CANCELLED: (),
}
STAGE_LABELS = dict(Stage.choices)
# Reaching these stages completes the matching milestone, when the project has one still open.
STAGE_MILESTONES = {
    Stage.STARTED: MilestoneKind.START,
    Stage.COMPLETED: MilestoneKind.COMPLETION,
    Stage.OPERATING: MilestoneKind.PRODUCTION,
}


def allowed_targets(project: Project) -> list[str]:
    """The stages the project may move to next, in table order."""
    targets = list(TRANSITIONS.get(project.stage, ()))
    if project.stage == Stage.SUSPENDED and project.suspended_from:
        targets.insert(0, project.suspended_from)
    return targets


def stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


@transaction.atomic
def change_stage(
    actor: User | None,
    project: Project,
    to: str,
    on: date | None = None,
    note: str = "",
    version: int | None = None,
) -> Project:
    """Move a project to stage ``to`` on date ``on`` (default today), if the table allows it.

    ``version`` is the project's version the actor read (``None``: not checked); see
    :func:`tiaodu.core.concurrency.claim_version`.
    """
    if actor is not None:
        project = get_scoped(Project, actor, "change", pk=project.pk)
    else:
        project = Project.objects.select_for_update().get(pk=project.pk)
    claim_version(project, version, current_values(project))
    on = on or timezone.localdate()
    if to not in STAGE_LABELS:
        raise invalid("stage", "invalid_choice", f"阶段“{to}”不存在")
    if on > timezone.localdate():
        raise invalid("on", "date_in_future", "阶段日期不能晚于今天")
    last = project.stage_changes.order_by("-on", "-pk").values_list("on", flat=True).first()
    if last is not None and on < last:
        raise invalid("on", "date_before_previous", f"阶段日期不能早于上一次阶段变更日期({last:%Y-%m-%d})")
    if len(note) > 255:
        raise invalid("note", "too_long", "说明不能超过255个字符")
    source = project.stage
    if to not in allowed_targets(project):
        raise Conflict(
            "transition_not_allowed",
            f"项目阶段不能从“{stage_label(source)}”变更为“{stage_label(to)}”",
            [FieldError("stage", "transition_not_allowed", _allowed_text(project))],
        )
    resuming = source == Stage.SUSPENDED and to == project.suspended_from
    if to == Stage.SUSPENDED:
        project.suspended_from = source
    elif source == Stage.SUSPENDED:
        project.suspended_from = ""
    if not resuming:
        setattr(project, STAGE_DATE_FIELDS[Stage(to)], on)
    project.stage = to
    project.save()
    StageChange.objects.create(
        project=project, from_stage=source, to_stage=to, on=on, actor=actor, note=note.strip()
    )
    kind = STAGE_MILESTONES.get(Stage(to))
    if kind is not None and not resuming:
        for milestone in project.milestones.filter(kind=kind, actual_on__isnull=True):
            milestone.actual_on = on
            milestone.save(update_fields=["actual_on", "updated_at"])
        refresh_critical(project)
    if actor is not None:
        ensure_permitted(actor, "change", project)
    if to in (Stage.STARTED, Stage.OPERATING) and not resuming:
        # a key project taken over from the investment pipeline leads its 开工 / 投产 (issue 14)
        from tiaodu.investment.handoff import follow_key_project

        follow_key_project(project, to, on)
    return project


def current_values(project: Project) -> dict[str, Any]:
    """What the loser of a race is shown (the 409 ``stale_write`` body's ``current``): the
    project's editable fields as they are now."""
    values: dict[str, Any] = {}
    for name in sorted(FIELDS):
        field = Project._meta.get_field(name)
        attname = field.attname if isinstance(field, Field) else name
        value = getattr(project, attname)
        if isinstance(value, (date, Decimal)):
            value = str(value)
        values[attname] = value
    return values


def _allowed_text(project: Project) -> str:
    targets = allowed_targets(project)
    if not targets:
        return f"“{stage_label(project.stage)}”是终止阶段,不能再变更"
    return "可变更为:" + "、".join(stage_label(t) for t in targets)


# --- The project library -------------------------------------------------------------------------

FIELDS = {
    "name",
    "code",
    "level",
    "kind",
    "category",
    "industry_code",
    "township",
    "longitude",
    "latitude",
    "outline",
    "owner",
    "responsible_unit",
    "leader",
    "squad",
    "total_investment",
    "annual_plan",
    "investment_completed",
    "funding",
    "bond_field",
    "is_intelligent_upgrade",
    "stage",
    "planned_start",
    "planned_completion",
    "notes",
}
MONEY_FIELDS = {
    "total_investment": "总投资",
    "annual_plan": "年度计划投资",
    "investment_completed": "累计完成投资",
}
CHOICE_FIELDS = {
    "level": (ProjectLevel, "项目级别"),
    "kind": (ProjectKind, "项目类型"),
    "category": (ProjectCategory, "项目类别"),
    "funding": (Funding, "资金来源"),
    "bond_field": (BondField, "专项债领域"),
}
# Mainland China with its islands, roughly: a point outside is a typing error (swapped or dropped digits).
CHINA_LON, CHINA_LAT = (Decimal(73), Decimal(136)), (Decimal(3), Decimal(54))
MAX_MONEY = Decimal("999999999999.99")


def township(ref: str | Region, actor: User | None = None) -> Region:
    """A township by code or name (names resolve in the actor's district first; see
    :mod:`tiaodu.core.resolve`)."""
    return township_of(ref, actor)


def _decimal(value: Any, field: str, label: str, errors: list[FieldError], places: int = 2) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.append(FieldError(field, "number_invalid", f"{label}应为数字"))
        return None
    if not number.is_finite():
        errors.append(FieldError(field, "number_invalid", f"{label}应为数字"))
        return None
    return number.quantize(Decimal(1).scaleb(-places))


def validate_coordinates(longitude: Decimal | None, latitude: Decimal | None) -> list[FieldError]:
    errors: list[FieldError] = []
    if (longitude is None) != (latitude is None):
        field = "latitude" if latitude is None else "longitude"
        errors.append(FieldError(field, "coordinates_incomplete", "经度和纬度须同时填写或同时留空"))
        return errors
    if longitude is None or latitude is None:
        return errors
    if not -180 <= longitude <= 180:
        errors.append(FieldError("longitude", "coordinate_out_of_range", "经度应在-180至180之间"))
    elif not CHINA_LON[0] <= longitude <= CHINA_LON[1]:
        errors.append(FieldError("longitude", "coordinate_outside_china", "经度不在我国境内(东经73°至136°)"))
    if not -90 <= latitude <= 90:
        errors.append(FieldError("latitude", "coordinate_out_of_range", "纬度应在-90至90之间"))
    elif not CHINA_LAT[0] <= latitude <= CHINA_LAT[1]:
        errors.append(FieldError("latitude", "coordinate_outside_china", "纬度不在我国境内(北纬3°至54°)"))
    return errors


# The official outlines are in GCJ-02 (高德); a GPS (WGS-84) or 天地图 point can sit a few hundred
# metres off near the boundary, so a point this close outside still counts as inside (ADR 0017).
OUTLINE_TOLERANCE_M = 1000.0


def validate_in_district(
    township: Any, longitude: Decimal | None, latitude: Decimal | None
) -> list[FieldError]:
    """A located project must lie in its township's district (official outline; not checked when
    the district has no outline)."""
    from tiaodu.regions.boundaries import contains

    if not isinstance(township, Region) or longitude is None or latitude is None:
        return []
    inside = contains(township.code, float(longitude), float(latitude), tolerance_m=OUTLINE_TOLERANCE_M)
    if inside is not False:
        return []
    district = township.parent if township.parent_id is not None else township
    return [
        FieldError(
            "longitude",
            "coordinates_outside_region",
            f"坐标({longitude}, {latitude})不在{getattr(district, 'name', '')}范围内",
        )
    ]


def validate_outline(text: str) -> list[FieldError]:
    if not text.strip():
        return []
    try:
        data = json.loads(text)
    except ValueError:
        return [FieldError("outline", "outline_invalid", "项目范围应为 GeoJSON")]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        return [FieldError("outline", "outline_invalid", "项目范围应为 GeoJSON 的 Polygon 或 MultiPolygon")]
    if not isinstance(data.get("coordinates"), list) or not data["coordinates"]:
        return [FieldError("outline", "outline_invalid", "项目范围缺少坐标")]
    return []


def _validate_links(values: dict[str, Any], errors: list[FieldError]) -> None:
    owner = values.get("owner")
    if owner is not None and owner.kind != OrgKind.OWNER:
        errors.append(FieldError("owner", "owner_kind_invalid", "业主单位应为“项目业主”类机构"))
    unit = values.get("responsible_unit")
    if unit is not None and unit.kind not in (OrgKind.DEPARTMENT, OrgKind.GOVERNMENT, OrgKind.TOWN):
        errors.append(
            FieldError(
                "responsible_unit", "responsible_unit_kind_invalid", "责任单位应为区级部门、镇街或党政机关"
            )
        )
    squad = values.get("squad")
    if squad is not None and squad.kind != OrgKind.SQUAD:
        errors.append(FieldError("squad", "squad_kind_invalid", "服务专班应为“服务专班”类机构"))


def validate_project(values: dict[str, Any]) -> list[FieldError]:
    """Cross-field rules on the values the project would have after saving."""
    errors: list[FieldError] = []
    if not (values.get("name") or "").strip():
        errors.append(FieldError("name", "required", "项目名称不能为空"))
    for field, (choices, label) in CHOICE_FIELDS.items():
        if values.get(field) not in choices.values:
            errors.append(FieldError(field, "invalid_choice", f"{label}“{values.get(field)}”不是可选值"))
    money: dict[str, Decimal] = {}
    for field, label in MONEY_FIELDS.items():
        value = values.get(field)
        if value is None:
            value = Decimal(0)
        if value < 0:
            errors.append(FieldError(field, "negative_amount", f"{label}不能为负数"))
        elif value > MAX_MONEY:
            errors.append(FieldError(field, "number_too_large", f"{label}超出范围"))
        money[field] = value
    total = money["total_investment"]
    if money["investment_completed"] > total and money["investment_completed"] >= 0 and total >= 0:
        errors.append(
            FieldError(
                "investment_completed",
                "investment_exceeds_total",
                f"累计完成投资({money['investment_completed']}万元)超过总投资({total}万元)",
            )
        )
    if money["annual_plan"] > total and money["annual_plan"] >= 0 and total >= 0:
        errors.append(
            FieldError(
                "annual_plan",
                "annual_plan_exceeds_total",
                f"年度计划投资({money['annual_plan']}万元)超过总投资({total}万元)",
            )
        )
    if values.get("bond_field") and values.get("funding") != Funding.SPECIAL_BOND:
        errors.append(
            FieldError("bond_field", "bond_field_not_allowed", "只有资金来源为专项债的项目才填写专项债领域")
        )
    if values.get("funding") == Funding.SPECIAL_BOND and not values.get("bond_field"):
        errors.append(FieldError("bond_field", "required", "专项债项目须填写专项债领域"))
    coordinate_errors = validate_coordinates(values.get("longitude"), values.get("latitude"))
    errors += coordinate_errors or validate_in_district(
        values.get("township"), values.get("longitude"), values.get("latitude")
    )
    errors += validate_outline(values.get("outline") or "")
    start, end = values.get("planned_start"), values.get("planned_completion")
    if start and end and end < start:
        errors.append(FieldError("planned_completion", "date_order", "计划竣工日期早于计划开工日期"))
    code = values.get("industry_code") or ""
    if (code and not ((code[0].isalpha() and code[1:].isdigit()) or code.isdigit())) or len(code) > 5:
        errors.append(
            FieldError(
                "industry_code", "industry_code_invalid", "行业代码应为 GB/T 4754-2017 的门类字母或2至4位数字"
            )
        )
    _validate_links(values, errors)
    return errors


@transaction.atomic
def save_project(
    actor: User | None,
    pk: int | None = None,
    *,
    stage_on: date | None = None,
    version: int | None = None,
    **fields: Any,
) -> tuple[Project, bool]:
    """Create (``pk`` None) or update a project. A stage given on update goes through the stage
    table (:func:`change_stage`); on create it is the stage the project is registered in.

    On update, ``version`` is the project's version the editor read (``None``: not checked): a
    project someone changed since is ``stale_write`` (409) with its current values."""
    unknown = set(fields) - FIELDS
    if unknown:
        raise invalid(sorted(unknown)[0], "field_unknown", "不能设置该字段")
    errors: list[FieldError] = []
    for field in ("longitude", "latitude"):
        if field in fields:
            fields[field] = _decimal(
                fields[field], field, "经度" if field == "longitude" else "纬度", errors, 6
            )
    for field, label in MONEY_FIELDS.items():
        if field in fields:
            fields[field] = _decimal(fields[field], field, label, errors)
            if fields[field] is None:
                fields[field] = Decimal(0)
    if errors:
        raise InvalidInput(errors)
    for key, value in list(fields.items()):
        if isinstance(value, str) and key not in ("outline", "notes"):
            fields[key] = value.strip()
    if "township" in fields:
        fields["township"] = township(fields["township"], actor)
    stage = fields.pop("stage", None) or None
    if pk is None:
        if actor is not None and not can(actor, "add", Project):
            raise Forbidden(audit="add projects.project")
        if "township" not in fields:
            raise invalid("township", "required", "所属镇街不能为空")
        project = Project()
        stage = stage or Stage.RESERVE
        if stage not in STAGE_LABELS:
            raise invalid("stage", "invalid_choice", f"阶段“{stage}”不存在")
        project.stage = stage
    else:
        project = (
            get_scoped(Project, actor, "change", pk=pk)
            if actor is not None
            else Project.objects.select_for_update().get(pk=pk)
        )
        claim_version(project, version, current_values(project))
    for key, value in fields.items():
        setattr(project, key, value)
    values = {f: getattr(project, f) for f in FIELDS if f != "stage"}
    errors = validate_project(values)
    if errors:
        raise InvalidInput(errors)
    _check_code_free(actor, project)
    created = project.pk is None
    if created:
        on = stage_on or timezone.localdate()
        if on > timezone.localdate():
            raise invalid("stage_on", "date_in_future", "阶段日期不能晚于今天")
        setattr(project, STAGE_DATE_FIELDS[Stage(project.stage)], on)
        if project.stage == Stage.SUSPENDED:
            raise invalid("stage", "stage_invalid_on_create", "新项目不能登记为停建")
        project.save()
        StageChange.objects.create(
            project=project, from_stage="", to_stage=project.stage, on=on, actor=actor, note="登记"
        )
    else:
        project.save()
        if stage and stage != project.stage:
            project = change_stage(actor, project, stage, stage_on)
    if actor is not None:
        ensure_permitted(actor, "add" if created else "change", project)
    return project, created


CODE_UNAVAILABLE = "project_code_unavailable"
CODE_UNAVAILABLE_MESSAGE = "该项目代码不能由您使用。请核对代码;如该项目确属您的辖区,请联系区级系统管理员"


def _check_code_free(actor: User | None, project: Project) -> None:
    """The project code is unique in the deployment. A clash with a project the actor may see is
    ``project_code_taken``; with one it may not see (another township or district), one answer
    that says neither "taken" nor where (issue 13: no oracle for records outside the scope),
    written to the security log."""
    if not project.code:
        return
    clash = (
        Project.objects.filter(code=project.code).exclude(pk=project.pk).values_list("pk", flat=True).first()
    )
    if clash is None:
        return
    if actor is None or Project.objects.restrict(actor).filter(pk=clash).exists():
        raise Conflict(
            "project_code_taken",
            f"项目代码“{project.code}”已被其他项目使用",
            [FieldError("code", "project_code_taken", "项目代码已存在")],
        )
    error = Conflict(
        CODE_UNAVAILABLE,
        CODE_UNAVAILABLE_MESSAGE,
        [FieldError("code", CODE_UNAVAILABLE, CODE_UNAVAILABLE_MESSAGE)],
    )
    error.audit = f"use projects.project code={project.code} (held outside the scope)"
    raise error


def by_code_or_name(ref: str) -> Project | None:
    ref = (ref or "").strip()
    if not ref:
        return None
    return Project.objects.filter(code=ref).first() or Project.objects.filter(name=ref).first()


# --- Backward scheduling (倒排工期) ------------------------------------------------------------------


def template_steps(project_kind: str) -> list[MilestoneTemplate]:
    return list(MilestoneTemplate.objects.filter(project_kind=project_kind).order_by("order"))


def plan_backwards(steps: list[tuple[str, int]], target_date: date) -> list[tuple[str, int, date]]:
    """``steps`` (kind, days after the previous milestone), ending with the target: the planned
    date of each, counted backwards from the target date."""
    planned: list[tuple[str, int, date]] = []
    when = target_date
    for kind, days in reversed(steps):
        planned.append((kind, days, when))
        when = when - timedelta(days=days)
    return list(reversed(planned))


@transaction.atomic
def backward_schedule(
    actor: User | None, project: Project, target_kind: str, target_date: date
) -> list[Milestone]:
    """Generate (or re-plan) the milestones leading to ``target_kind`` on ``target_date`` from the
    project kind's template. Actual dates already recorded are kept."""
    if actor is not None:
        project = get_scoped(Project, actor, "change", pk=project.pk)
    if target_kind not in MilestoneKind.values:
        raise invalid("target_kind", "invalid_choice", f"节点类型“{target_kind}”不存在")
    if not date(2000, 1, 1) <= target_date <= date(2100, 12, 31):
        raise invalid("target_date", "date_out_of_range", "目标日期应在2000年至2100年之间")
    steps = template_steps(project.kind)
    kinds = [s.milestone_kind for s in steps]
    if target_kind not in kinds:
        label = dict(MilestoneKind.choices)[MilestoneKind(target_kind)]
        raise invalid(
            "target_kind",
            "template_missing",
            f"“{project.get_kind_display()}”项目的倒排工期模板中没有“{label}”节点",
        )
    chosen = steps[: kinds.index(target_kind) + 1]
    plan = plan_backwards([(s.milestone_kind, s.duration_days) for s in chosen], target_date)
    rules = {s.milestone_kind: (s.yellow_after_days, s.red_after_days) for s in chosen}
    labels = dict(MilestoneKind.choices)
    existing = {m.kind: m for m in project.milestones.all()}
    result = []
    for order, (kind, days, planned_on) in enumerate(plan, start=1):
        milestone = existing.get(kind) or Milestone(
            project=project, kind=kind, name=str(labels[MilestoneKind(kind)])
        )
        milestone.order, milestone.duration_days, milestone.planned_on = order, days, planned_on
        if milestone.pk is None:  # the card rule comes from the template; later edits stay
            milestone.yellow_after_days, milestone.red_after_days = rules[kind]
        milestone.save()
        result.append(milestone)
    refresh_critical(project)
    if actor is not None:
        ensure_permitted(actor, "change", project)
    return list(project.milestones.order_by("order", "planned_on", "pk"))


@transaction.atomic
def record_milestone(actor: User | None, milestone: Milestone, actual_on: date | None) -> Milestone:
    """Record (or clear, with ``None``) the date a milestone was actually reached."""
    if actor is not None:
        milestone = get_scoped(Milestone, actor, "change", pk=milestone.pk)
    if actual_on is not None and actual_on > timezone.localdate():
        raise invalid("actual_on", "date_in_future", "实际完成日期不能晚于今天")
    milestone.actual_on = actual_on
    milestone.save(update_fields=["actual_on", "updated_at"])
    refresh_critical(milestone.project)
    return milestone


def critical_milestone(milestones: list[Milestone], today: date | None = None) -> Milestone | None:
    """The milestone that holds the project up: of the open ones, the most days late (the
    earliest in order on a tie); when none is late, the next one due (on a chain of
    milestones, the first open one is on the critical path)."""
    today = today or timezone.localdate()
    open_ = [m for m in milestones if m.actual_on is None]
    if not open_:
        return None
    return max(open_, key=lambda m: (m.slippage(today), -m.order, -m.planned_on.toordinal()))


def refresh_critical(project: Project, today: date | None = None) -> None:
    milestones = list(project.milestones.all())
    critical = critical_milestone(milestones, today)
    # A derived flag: set in bulk so that it does not fill the change log.
    stale = project.milestones.filter(is_critical=True)
    if critical is not None:
        stale = stale.exclude(pk=critical.pk)
        project.milestones.filter(pk=critical.pk, is_critical=False).update(is_critical=True)
    stale.update(is_critical=False)


def timeline(milestones: list[Milestone], today: date | None = None) -> dict[str, Any]:
    """Rows for the Gantt-like table: each milestone's planned span and actual date as
    fractions of the whole window (0–1000, for SVG coordinates), with its slippage."""
    today = today or timezone.localdate()
    if not milestones:
        return {"rows": [], "start": None, "end": None, "today_x": None}
    starts = [m.planned_from for m in milestones] + [today]
    ends = [m.planned_on for m in milestones] + [m.actual_on for m in milestones if m.actual_on] + [today]
    start, end = min(starts), max(ends)
    span = max(1, (end - start).days)

    def x(day: date) -> int:
        return round((day - start).days * 1000 / span)

    rows = []
    for m in milestones:
        slip = m.slippage(today)
        rows.append(
            {
                "milestone": m,
                "x": x(m.planned_from),
                "width": max(4, x(m.planned_on) - x(m.planned_from)),
                "actual_x": x(m.actual_on) if m.actual_on else None,
                "slippage": slip,
                "late": slip > 0,
            }
        )
    return {"rows": rows, "start": start, "end": end, "today_x": x(today)}
