"""Opening cases, moving them through their workflow, and the 红黄牌 sweep."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tiaodu.accounts.choices import Role
from tiaodu.cases.choices import Card, EventKind
from tiaodu.cases.models import Attachment, CardRecord, Case, CaseCategory, CaseEvent
from tiaodu.cases.workdays import add_workdays
from tiaodu.cases.workflow import Transition, Workflow, get_workflow
from tiaodu.core.concurrency import claim_version
from tiaodu.core.errors import FieldError, Forbidden, InvalidInput, ServiceError, invalid
from tiaodu.core.permissions import can, ensure_permitted, get_scoped
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from tiaodu.accounts.models import User

DISPATCHER_ROLES = {Role.ADMIN, Role.LEADER, Role.DEPARTMENT}


def category(workflow: str, ref: str) -> CaseCategory:
    """A category by code or Chinese name (as imports and forms name it)."""
    found = CaseCategory.objects.filter(workflow=workflow, is_active=True).filter(code=ref).first()
    found = found or CaseCategory.objects.filter(workflow=workflow, is_active=True, name=ref).first()
    if found is None:
        names = "、".join(
            CaseCategory.objects.filter(workflow=workflow, is_active=True).values_list("name", flat=True)
        )
        raise invalid("category", "category_unknown", f"类别“{ref}”不存在,可选:{names}")
    return found


def _stamp(case: Case, wf: Workflow, state: str) -> None:
    field = wf.timestamps.get(state)
    if field:
        setattr(case, field, timezone.now())


def record_event(
    case: Case, kind: str, actor: User | None, note: str = "", action: str = "", src: str = "", dst: str = ""
) -> None:
    """One line of the case's timeline (modules add their own: a hazard's 治理方案, its photos)."""
    CaseEvent.objects.create(
        case=case,
        kind=kind,
        action=action,
        from_state=src,
        to_state=dst,
        note=note,
        actor=actor,
        actor_org_id=getattr(actor, "organization_id", None),
    )


@transaction.atomic
def open_case(
    actor: User | None,
    *,
    workflow: str,
    category_ref: str,
    title: str,
    description: str,
    region: Region,
    raised_on: date,
    submitter_org: Organization | None = None,
    handling_org: Organization | None = None,
    source: str = "",
    initial_state: str | None = None,
    due_on: date | None = None,
    co_orgs: Iterable[Organization] = (),
) -> Case:
    """Register a case (受理). The due date counts the category's working days from acceptance,
    unless the workflow sets one (``due_on``: a hazard's 整改期限)."""
    wf = get_workflow(workflow)
    if actor is not None and not can(actor, "add", Case):
        raise Forbidden(audit="add cases.case")
    errors: list[FieldError] = []
    today = timezone.localdate()
    if raised_on > today:
        errors.append(FieldError("raised_on", "date_in_future", "提出日期不能晚于今天"))
    if not title.strip():
        errors.append(FieldError("title", "required", "标题不能为空"))
    if not description.strip():
        errors.append(FieldError("description", "required", "内容不能为空"))
    cat = category(workflow, category_ref)
    if errors:
        raise InvalidInput(errors)
    co_orgs = list(co_orgs)
    handler = handling_org or cat.department
    check_co_handlers(handler.pk if handler else None, (o.pk for o in co_orgs))
    state = initial_state or wf.initial
    if state not in wf.states:
        raise invalid("state", "state_unknown", f"状态“{state}”不存在")
    case = Case(
        workflow=workflow,
        number=uuid.uuid4().hex,
        category=cat,
        title=title.strip()[:200],
        description=description.strip(),
        state=state,
        source=source,
        region=region,
        submitter_org=submitter_org,
        handling_org=handling_org or cat.department,
        raised_on=raised_on,
        due_on=due_on or add_workdays(raised_on, cat.time_limit_days),
        is_open=state in wf.open_states,
        created_by=actor,
    )
    case.accepted_at = timezone.now()
    _stamp(case, wf, state)
    case.save()
    case.number = f"{wf.code[:2].upper()}{raised_on:%Y}{case.pk:07d}"
    case.save(update_fields=["number"])
    if co_orgs:
        case.co_orgs.set(list(co_orgs))
    if actor is not None:
        ensure_permitted(actor, "view", case)
    record_event(
        case,
        EventKind.TRANSITION,
        actor,
        action="open",
        dst=state,
        note=f"受理,办结时限{case.due_on:%Y-%m-%d}",
    )
    return case


CO_HANDLER_IS_RESPONSIBLE = "co_handler_is_responsible"


def check_co_handlers(handling_org_id: int | None, co_org_ids: Iterable[int]) -> None:
    """A case's responsible department (责任部门) cannot also be one of its co-handlers (配合部门):
    it would count twice in the inbox and the reports and co-handle its own case."""
    if handling_org_id is not None and handling_org_id in set(co_org_ids):
        message = "责任部门不能同时作为配合部门"
        raise ServiceError(
            CO_HANDLER_IS_RESPONSIBLE,
            message,
            [FieldError("co_orgs", CO_HANDLER_IS_RESPONSIBLE, message)],
            status=400,
        )


def party_of(actor: User, case: Case) -> set[str]:
    """The roles this user plays on the case: dispatcher, handler, submitter."""
    parties: set[str] = set()
    if actor.is_superuser or actor.role == Role.ADMIN:
        return {"dispatcher", "handler"}
    if actor.role in DISPATCHER_ROLES:
        parties.add("dispatcher")
    org_id = actor.organization_id
    if org_id is not None:
        if org_id == case.handling_org_id or case.co_orgs.filter(pk=org_id).exists():
            parties.add("handler")
        if org_id == case.submitter_org_id:
            parties.add("submitter")
    return parties


@dataclass
class Step:
    action: str
    note: str = ""
    handling_org: Organization | None = None
    co_orgs: Iterable[Organization] | None = None
    rating: int | None = None


@transaction.atomic
def transition(actor: User, case_id: int, step: Step, version: int | None = None) -> Case:
    """Apply one workflow action; the transition table is checked before anything is saved.

    ``version`` is the case's version the actor read (``None``: not checked); a case someone
    changed since is ``stale_write`` (409) with its current values, and nothing is saved.
    """
    case = get_scoped(Case, actor, "change", pk=case_id)
    claim_version(case, version, current_values(case))
    wf = get_workflow(case.workflow)
    move: Transition = wf.transition(case.state, step.action)
    if not move.parties & party_of(actor, case):
        who = "或".join(PARTY_LABELS[p] for p in sorted(move.parties))
        raise Forbidden(f"只有{who}可以执行“{move.label}”", audit=f"case {case.pk} {step.action}")
    if move.needs_note and not step.note.strip():
        raise invalid("note", "required", f"请填写{move.label}说明")
    _apply_step(case, wf, move, step)
    if wf.on_step is not None:
        wf.on_step(actor, case, move, step)
    src = case.state
    case.state = move.target
    _stamp(case, wf, move.target)
    was_open, case.is_open = case.is_open, move.target in wf.open_states
    if was_open and not case.is_open and case.card != Card.NONE:
        _lift(case)
    case.save()
    record_event(
        case,
        EventKind.TRANSITION,
        actor,
        note=step.note.strip(),
        action=move.action,
        src=src,
        dst=move.target,
    )
    ensure_permitted(actor, "view", case)
    return case


def current_values(case: Case) -> dict[str, object]:
    """What the loser of a race is shown (the 409 ``stale_write`` body's ``current``)."""
    states = get_workflow(case.workflow).states
    return {
        "state": case.state,
        "state_label": states.get(case.state, case.state),
        "handling_org_id": case.handling_org_id,
        "due_on": case.due_on.isoformat() if case.due_on else None,
        "is_open": case.is_open,
        "card": case.card,
        "rating": case.rating,
        "resolution": case.resolution,
    }


PARTY_LABELS = {"dispatcher": "调度人员", "handler": "责任部门", "submitter": "提出单位"}


def _apply_step(case: Case, wf: Workflow, move: Transition, step: Step) -> None:
    # Routing (责任部门, 配合部门) is the dispatcher's: a handler must not re-route by signing.
    if "dispatcher" not in move.parties and (step.handling_org is not None or step.co_orgs is not None):
        field_name = "handling_org" if step.handling_org is not None else "co_orgs"
        raise invalid(field_name, "routing_not_allowed", f"“{move.label}”时不能指定责任部门或配合部门")
    if step.co_orgs is not None:
        step.co_orgs = list(step.co_orgs)
    if step.handling_org is not None or step.co_orgs is not None:
        handler = step.handling_org.pk if step.handling_org is not None else case.handling_org_id
        co_ids = (
            [o.pk for o in step.co_orgs]
            if step.co_orgs is not None
            else case.co_orgs.values_list("pk", flat=True)
        )
        check_co_handlers(handler, co_ids)
    if step.handling_org is not None:
        case.handling_org = step.handling_org
    if move.action == "assign" and case.handling_org_id is None:
        raise invalid("handling_org", "required", "交办时须指定责任部门")
    if step.co_orgs is not None:
        case.co_orgs.set(list(step.co_orgs))
    if move.target in wf.resolved_states and move.action != "rate":
        case.resolution = step.note.strip()
    if move.action == "rate":
        if step.rating is None or not 1 <= step.rating <= 5:
            raise invalid("rating", "rating_invalid", "满意度须为1至5分")
        case.rating, case.rating_note = step.rating, step.note.strip()
    if move.action == "reopen":
        if case.rating is not None and case.rating >= 3:
            raise ServiceError("reopen_not_allowed", "企业评价为满意的事项不能重新办理", status=409)
        case.reopened_at = timezone.now()
        case.due_on = add_workdays(timezone.localdate(), case.category.time_limit_days)


def _lift(case: Case) -> None:
    today = timezone.localdate()
    CardRecord.objects.filter(case=case, lifted_on__isnull=True).update(lifted_on=today)
    record_event(case, EventKind.LIFT, None, note=f"办结摘牌({case.get_card_display()})")
    case.card = Card.NONE


@transaction.atomic
def comment(actor: User, case_id: int, note: str) -> CaseEvent:
    case = get_scoped(Case, actor, "view", pk=case_id)
    if not note.strip():
        raise invalid("note", "required", "请填写内容")
    event = CaseEvent.objects.create(
        case=case, kind=EventKind.COMMENT, note=note.strip(), actor=actor, actor_org_id=actor.organization_id
    )
    return event


ALLOWED_UPLOADS = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Leading bytes of each allowed type (the name alone proves nothing).
_MAGIC = {
    ".pdf": (b"%PDF",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}


@transaction.atomic
def attach(actor: User, case_id: int, upload: UploadedFile) -> Attachment:
    case = get_scoped(Case, actor, "view", pk=case_id)
    name = (upload.name or "").rsplit("/", 1)[-1]
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in ALLOWED_UPLOADS:
        raise invalid("file", "file_type_not_allowed", "只能上传 PDF、图片(JPG/PNG)、Word 或 Excel 文件")
    if upload.size is None or upload.size > settings.UPLOAD_MAX_BYTES:
        raise invalid("file", "file_too_large", f"文件不能超过{settings.UPLOAD_MAX_BYTES // (1024 * 1024)}MB")
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(_MAGIC[ext]):
        raise invalid("file", "file_content_mismatch", "文件内容与扩展名不符")
    attachment = Attachment(
        case=case, name=name[:200], size=upload.size, content_type=ALLOWED_UPLOADS[ext], uploaded_by=actor
    )
    attachment.file.save(f"{uuid.uuid4().hex}{ext}", upload, save=False)
    attachment.save()
    record_event(case, EventKind.ATTACHMENT, actor, note=f"上传附件 {attachment.name}")
    return attachment
