"""Investment projects: the library (项目库) and the stage table (阶段流转).

Every function takes the acting user (``None`` = the server operator: the CLI, imports run by
the operator and the demo loader), runs in one transaction, validates before writing and
re-checks the scope afterwards. The stage history (``InvestmentStageChange``) is the truth: a
project's stage on any date is that of its last change on or before the date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from tiaodu.core.concurrency import claim_version
from tiaodu.core.errors import Conflict, FieldError, InvalidInput, invalid
from tiaodu.core.permissions import ensure_permitted, get_scoped
from tiaodu.core.resolve import actor_district, credit_code
from tiaodu.investment.choices import (
    DEFAULT_FOCUS_AREAS,
    DEFAULT_KEY_INDUSTRIES,
    SIGNED_STAGES,
    STAGE_CHAIN,
    FollowLevel,
    Source,
    Stage,
    TerminationReason,
)
from tiaodu.investment.models import (
    FocusArea,
    IndustryChain,
    InvestmentProject,
    InvestmentStageChange,
    PipelineSettings,
)
from tiaodu.investment.names import normalise
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

# --- The stage table ------------------------------------------------------------------------------
#
# A project moves forward along the chain. Before signing it may skip ahead (a lead that turns
# out ripe goes straight to 在谈 or 拟签约) and step back one stage (talks cool down); from 签约 on
# it only moves forward, one stage at a time, except that 注册落地 may be skipped (an existing
# enterprise of the district invests again). 终止 is possible from any stage before 投产 and needs
# a reason; 投产 and 终止 are terminal.
_PRE = STAGE_CHAIN[: STAGE_CHAIN.index(Stage.SIGNED) + 1]  # 线索 … 签约
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Stage.LEAD: (
        Stage.CONTACT,
        Stage.NEGOTIATING,
        Stage.INTENT,
        Stage.TO_SIGN,
        Stage.SIGNED,
        Stage.TERMINATED,
    ),
    Stage.CONTACT: (
        Stage.LEAD,
        Stage.NEGOTIATING,
        Stage.INTENT,
        Stage.TO_SIGN,
        Stage.SIGNED,
        Stage.TERMINATED,
    ),
    Stage.NEGOTIATING: (Stage.CONTACT, Stage.INTENT, Stage.TO_SIGN, Stage.SIGNED, Stage.TERMINATED),
    Stage.INTENT: (Stage.NEGOTIATING, Stage.TO_SIGN, Stage.SIGNED, Stage.TERMINATED),
    Stage.TO_SIGN: (Stage.INTENT, Stage.SIGNED, Stage.TERMINATED),
    Stage.SIGNED: (Stage.REGISTERED, Stage.STARTED, Stage.TERMINATED),
    Stage.REGISTERED: (Stage.STARTED, Stage.TERMINATED),
    Stage.STARTED: (Stage.PRODUCING, Stage.TERMINATED),
    Stage.PRODUCING: (),
    Stage.TERMINATED: (),
}
STAGE_LABELS = dict(Stage.choices)


def stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


def stage_index(stage: str) -> int:
    """Position in the chain (终止 after everything)."""
    return STAGE_CHAIN.index(Stage(stage)) if stage in STAGE_CHAIN else len(STAGE_CHAIN)


def allowed_targets(stage: str) -> tuple[str, ...]:
    return TRANSITIONS.get(stage, ())


def check_transition(source: str, to: str) -> None:
    """409 ``transition_not_allowed`` when the table forbids ``source`` → ``to``."""
    if to not in STAGE_LABELS:
        raise invalid("stage", "stage_unknown", f"阶段“{to}”不存在")
    if to in allowed_targets(source):
        return
    targets = allowed_targets(source)
    detail = (
        "可变更为:" + "、".join(stage_label(t) for t in targets)
        if targets
        else f"“{stage_label(source)}”是终止阶段,不能再变更"
    )
    raise Conflict(
        "transition_not_allowed",
        f"招商项目阶段不能从“{stage_label(source)}”变更为“{stage_label(to)}”",
        [FieldError("stage", "transition_not_allowed", detail)],
    )


def check_path(stages: Iterable[tuple[str, date]], field: str = "stage") -> list[FieldError]:
    """Rules on a dated stage path (the import builds the history from the stage date columns):
    every step allowed by the table, dates not going back, 终止 last. Returns the errors."""
    errors: list[FieldError] = []
    previous: tuple[str, date] | None = None
    for stage, on in stages:
        if previous is not None:
            if on < previous[1]:
                errors.append(
                    FieldError(
                        field,
                        "stage_date_order",
                        f"{stage_label(stage)}日期({on:%Y-%m-%d})早于{stage_label(previous[0])}日期"
                        f"({previous[1]:%Y-%m-%d})",
                    )
                )
            elif stage not in allowed_targets(previous[0]):
                errors.append(
                    FieldError(
                        field,
                        "transition_not_allowed",
                        f"阶段不能从“{stage_label(previous[0])}”变更为“{stage_label(stage)}”",
                    )
                )
        previous = (stage, on)
    return errors


def append_stage(
    project: InvestmentProject,
    to: str,
    on: date,
    actor: User | None = None,
    reason: str = "",
    note: str = "",
) -> InvestmentStageChange:
    """Write one history row and close the previous one (``ended_on``); set the project's current
    stage fields (not saved: the caller saves the project). No rule is checked here."""
    source = project.stage if project.pk and project.stage_changes.exists() else ""
    if project.pk:
        InvestmentStageChange.objects.filter(project=project, ended_on__isnull=True).update(ended_on=on)
    change = InvestmentStageChange.objects.create(
        project=project, from_stage=source, to_stage=to, on=on, actor=actor, reason=reason, note=note
    )
    project.stage, project.stage_on = to, on
    if to == Stage.SIGNED:
        project.signed_on = on
    if to == Stage.TERMINATED:
        project.termination_reason = reason
    return change


@transaction.atomic
def change_stage(
    actor: User | None,
    project: InvestmentProject | int,
    to: str,
    on: date | None = None,
    *,
    reason: str = "",
    note: str = "",
    agreed_investment: Decimal | None = None,
    version: int | None = None,
) -> InvestmentProject:
    """Move a project to ``to`` on ``on`` (default today) if the table allows it.

    Signing needs the 协议投资额 (given here or already on the project); 终止 needs a reason.
    """
    pk = project if isinstance(project, int) else project.pk
    if actor is not None:
        obj = get_scoped(InvestmentProject, actor, "change", pk=pk)
    else:
        obj = InvestmentProject.objects.select_for_update().get(pk=pk)
    claim_version(obj, version, {"stage": obj.stage})
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise invalid("on", "date_in_future", "阶段日期不能晚于今天")
    check_transition(obj.stage, to)
    if obj.stage_on is not None and on < obj.stage_on:
        raise invalid(
            "on", "stage_date_order", f"阶段日期不能早于进入当前阶段的日期({obj.stage_on:%Y-%m-%d})"
        )
    if len(note) > 255:
        raise invalid("note", "too_long", "说明不能超过255个字符")
    if to == Stage.TERMINATED:
        if reason not in TerminationReason.values:
            raise invalid(
                "reason",
                "termination_reason_required",
                "终止项目须选择终止原因:" + "、".join(str(label) for label in TerminationReason.labels),
            )
    elif reason:
        raise invalid("reason", "reason_not_allowed", "只有终止项目时才填写终止原因")
    if agreed_investment is not None:
        if agreed_investment < 0:
            raise invalid("agreed_investment", "negative_amount", "协议投资额不能为负数")
        obj.agreed_investment = agreed_investment
    if to == Stage.SIGNED and obj.agreed_investment is None:
        raise invalid("agreed_investment", "agreed_investment_required", "签约须填写协议投资额(万元)")
    append_stage(obj, to, on, actor, reason=reason, note=note.strip())
    obj.save()
    if actor is not None:
        ensure_permitted(actor, "change", obj)
    from tiaodu.investment import hooks

    hooks.stage_changed(actor, obj, to, on)
    return obj


# --- The project library --------------------------------------------------------------------------

EDITABLE = (
    "name",
    "investor_name",
    "investor_credit_code",
    "investor_region",
    "chain",
    "industry_code",
    "planned_investment",
    "agreed_investment",
    "land_mu",
    "expected_output",
    "expected_tax",
    "team",
    "lead_unit",
    "first_reporter",
    "first_township",
    "first_reported_on",
    "source",
    "is_key",
    "follow_level",
    "planned_signing_on",
    "enterprise",
    "notes",
)
MONEY_LABELS = {
    "planned_investment": "计划投资额",
    "agreed_investment": "协议投资额",
    "land_mu": "用地需求",
    "expected_output": "预计年产值",
    "expected_tax": "预计年税收",
}
MAX_MONEY = Decimal("999999999999.99")


def validate_values(values: dict[str, Any], stage: str) -> list[FieldError]:
    """Rules on the values a project would have after saving, at stage ``stage``."""
    errors: list[FieldError] = []
    if not (values.get("name") or "").strip():
        errors.append(FieldError("name", "required", "项目名称不能为空"))
    if not (values.get("investor_name") or "").strip():
        errors.append(FieldError("investor_name", "required", "投资方不能为空"))
    code = (values.get("investor_credit_code") or "").strip()
    if code:
        try:
            values["investor_credit_code"] = credit_code(code, "investor_credit_code")
        except InvalidInput as exc:
            errors.extend(exc.errors)
    for field, label in MONEY_LABELS.items():
        value = values.get(field)
        if value is None:
            continue
        if value < 0:
            errors.append(FieldError(field, "negative_amount", f"{label}不能为负数"))
        elif value > MAX_MONEY:
            errors.append(FieldError(field, "number_too_large", f"{label}超出范围"))
    if values.get("agreed_investment") is not None and stage not in SIGNED_STAGES:
        errors.append(
            FieldError("agreed_investment", "agreed_before_signing", "项目签约后才能填写协议投资额")
        )
    if values.get("source") not in Source.values:
        errors.append(FieldError("source", "invalid_choice", f"来源“{values.get('source')}”不是可选值"))
    if values.get("follow_level") not in FollowLevel.values:
        errors.append(
            FieldError("follow_level", "invalid_choice", f"跟进级别“{values.get('follow_level')}”不是可选值")
        )
    district = values.get("region")
    for field, label in (("chain", "产业链"), ("team", "招商组")):
        obj = values.get(field)
        if obj is not None and district is not None and obj.region_id != district.pk:
            errors.append(FieldError(field, f"{field}_unknown", f"{label}“{obj}”不属于{district.name}"))
    return errors


@transaction.atomic
def create_project(
    actor: User | None,
    *,
    stage: str = Stage.LEAD,
    on: date | None = None,
    region: Region | None = None,
    **values: Any,
) -> InvestmentProject:
    """Add a project to the district's pipeline at ``stage`` (entered on ``on``, default today).

    The 首报制 check is the caller's (:func:`tiaodu.investment.leads.check_duplicate`): this
    function writes what it is given.
    """
    region = region or (actor_district(actor) if actor is not None else None)
    if region is None:
        raise invalid("region", "region_required", "请指定所属区县")
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise invalid(sorted(unknown)[0], "field_unknown", f"未知字段:{'、'.join(sorted(unknown))}")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise invalid("on", "date_in_future", "阶段日期不能晚于今天")
    if stage not in STAGE_LABELS or stage == Stage.TERMINATED:
        raise invalid("stage", "stage_unknown", f"新项目的阶段“{stage}”不可用")
    data = {"source": Source.OTHER, "follow_level": FollowLevel.GENERAL, **values, "region": region}
    errors = validate_values(data, stage)
    if stage in SIGNED_STAGES and data.get("agreed_investment") is None:
        errors.append(
            FieldError("agreed_investment", "agreed_investment_required", "签约须填写协议投资额(万元)")
        )
    if errors:
        raise InvalidInput(errors)
    if InvestmentProject.objects.filter(region=region, name=data["name"].strip()).exists():
        raise invalid("name", "project_name_taken", f"{region.name}已有名为“{data['name']}”的招商项目")
    if data.get("lead_unit") is None:
        data["lead_unit"] = default_lead_unit(region)
    project = InvestmentProject(created_by=actor, **data)
    project.name = project.name.strip()
    project.investor_key = normalise(project.investor_name)
    project.stage, project.stage_on = stage, on
    project.save()
    append_stage(project, stage, on, actor, note="入库")
    project.save()
    if actor is not None:
        ensure_permitted(actor, "add", project)
    return project


@transaction.atomic
def update_project(
    actor: User | None, project: InvestmentProject | int, version: int | None = None, **values: Any
) -> InvestmentProject:
    """Change a project's fields (not its stage: that is :func:`change_stage`)."""
    pk = project if isinstance(project, int) else project.pk
    if actor is not None:
        obj = get_scoped(InvestmentProject, actor, "change", pk=pk)
    else:
        obj = InvestmentProject.objects.select_for_update().get(pk=pk)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise invalid(sorted(unknown)[0], "field_not_editable", f"不能修改:{'、'.join(sorted(unknown))}")
    claim_version(obj, version, {f: str(getattr(obj, f)) for f in values})
    data = {f: getattr(obj, f) for f in EDITABLE} | values | {"region": obj.region}
    errors = validate_values(data, obj.stage)
    if obj.stage in SIGNED_STAGES and data.get("agreed_investment") is None:
        errors.append(
            FieldError("agreed_investment", "agreed_investment_required", "已签约项目须填写协议投资额")
        )
    if errors:
        raise InvalidInput(errors)
    name = data["name"].strip()
    if name != obj.name and InvestmentProject.objects.filter(region=obj.region, name=name).exists():
        raise invalid("name", "project_name_taken", f"{obj.region.name}已有名为“{name}”的招商项目")
    for field in values:
        setattr(obj, field, data[field])
    obj.name = name
    obj.investor_key = normalise(obj.investor_name)
    obj.save()
    if actor is not None:
        ensure_permitted(actor, "change", obj)
    return obj


def default_lead_unit(region: Region) -> Any:
    """The district's 招商投资局, when it has one (the unit that runs the pipeline)."""
    from tiaodu.orgs.models import Organization
    from tiaodu.regions.services import subtree

    return (
        Organization.objects.filter(region__in=subtree(region), name__contains="招商投资")
        .order_by("pk")
        .first()
    )


# --- Reference data of a district -----------------------------------------------------------------


@transaction.atomic
def ensure_defaults(district: Region) -> PipelineSettings:
    """Give a district its starting reference data once: the seven key industries, the focus
    areas (重点区域) and the pipeline settings. Existing rows are left as they are."""
    settings_row, created = PipelineSettings.objects.get_or_create(region=district)
    if created:
        if not IndustryChain.objects.filter(region=district).exists():
            IndustryChain.objects.bulk_create(
                IndustryChain(region=district, name=name, order=i)
                for i, name in enumerate(DEFAULT_KEY_INDUSTRIES, 1)
            )
        if not FocusArea.objects.filter(region=district).exists():
            FocusArea.objects.bulk_create(
                FocusArea(region=district, name=name, region_codes=codes, order=i)
                for i, (name, codes) in enumerate(DEFAULT_FOCUS_AREAS.items(), 1)
            )
    return settings_row


def pipeline_settings(district: Region) -> PipelineSettings:
    found = PipelineSettings.objects.filter(region=district).first()
    return found or PipelineSettings(region=district)
