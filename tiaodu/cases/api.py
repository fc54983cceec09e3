"""/api/v1/cases: the closed-loop case engine (lists, timeline, transitions, comments, attachments).

Every list and detail starts from ``Case.objects.restrict(user)``; writes go through
``tiaodu.cases.services`` (transition table, parties, time limits, attachment checks).
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from ninja import File, FilterSchema, Header, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from tiaodu.cases import queries, services
from tiaodu.cases.choices import Card, EventKind
from tiaodu.cases.filters import CaseFilter
from tiaodu.cases.models import Attachment, CardRecord, Case, CaseCategory, CaseEvent
from tiaodu.cases.workflow import get_workflow
from tiaodu.core.api import ERRORS, READ_ERRORS, PageNumber
from tiaodu.core.concurrency import parse_version
from tiaodu.core.errors import ServiceError, invalid
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.orgs.models import Organization

router = Router(tags=["闭环办理"])

# The version read, as an ETag ("3" or W/"3"); the body's version wins when both are sent.
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", description='读取时的版本号,如 "3";与请求体的 version 二选一,已被他人修改时返回409'
    ),
]

Id = Annotated[int, Field(ge=1, le=2**62)]
CARD_LABELS = dict(Card.choices)
EVENT_LABELS = dict(EventKind.choices)


def related(model: Any, pk: int | None, field: str, message: str, actor: Any, current: Any = None) -> Any:
    """A related row by id, looked up through the actor's scope (an unchanged link is kept)."""
    if pk is None:
        return None
    qs = model.objects.all() if pk == current else model.objects.restrict(actor)
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise invalid(field, f"{field.removesuffix('_ids').removesuffix('_id')}_unknown", message)
    return obj


def _state_label(workflow: str, state: str) -> str:
    try:
        return get_workflow(workflow).states.get(state, state)
    except ServiceError:
        return state


# --- Schemas --------------------------------------------------------------------------------------


class CaseCategoryOut(Schema):
    id: int
    workflow: str
    code: str
    name: str
    department_id: int | None
    time_limit_days: int
    red_after_days: int
    is_active: bool


class CaseOut(Schema):
    id: int
    workflow: str
    number: str
    category_id: int
    category_code: str
    category_name: str
    title: str
    state: str
    state_label: str
    source: str
    region_code: str
    region_name: str
    submitter_org_id: int | None
    submitter_org_name: str | None
    handling_org_id: int | None
    handling_org_name: str | None
    co_org_ids: list[int]
    raised_on: date
    due_on: date | None
    is_open: bool
    card: str
    card_label: str
    yellow_count: int
    rating: int | None
    resolved_at: datetime | None
    version: int = Field(
        ..., description="版本号:流转时在 version 或 If-Match 中带回,被他人修改过则返回409 stale_write"
    )

    @staticmethod
    def resolve_category_code(obj: Case) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj: Case) -> str:
        return obj.category.name

    @staticmethod
    def resolve_state_label(obj: Case) -> str:
        return _state_label(obj.workflow, obj.state)

    @staticmethod
    def resolve_region_code(obj: Case) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Case) -> str:
        return obj.region.name

    @staticmethod
    def resolve_submitter_org_name(obj: Case) -> str | None:
        return obj.submitter_org.name if obj.submitter_org else None

    @staticmethod
    def resolve_handling_org_name(obj: Case) -> str | None:
        return obj.handling_org.name if obj.handling_org else None

    @staticmethod
    def resolve_co_org_ids(obj: Case) -> list[int]:
        co = getattr(obj, "co_org_list", None)  # prefetched by the list (see _queryset)
        return sorted(o.pk for o in (obj.co_orgs.all() if co is None else co))

    @staticmethod
    def resolve_card_label(obj: Case) -> str:
        return str(CARD_LABELS.get(obj.card, obj.card))


class CaseEventOut(Schema):
    id: int
    kind: str
    kind_label: str
    action: str
    from_state: str
    from_state_label: str
    to_state: str
    to_state_label: str
    note: str
    actor: str | None = Field(None, description="操作人用户名;系统操作为空")
    actor_org_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj: CaseEvent) -> str:
        return str(EVENT_LABELS.get(obj.kind, obj.kind))

    @staticmethod
    def resolve_from_state_label(obj: CaseEvent) -> str:
        return _state_label(obj.case.workflow, obj.from_state) if obj.from_state else ""

    @staticmethod
    def resolve_to_state_label(obj: CaseEvent) -> str:
        return _state_label(obj.case.workflow, obj.to_state) if obj.to_state else ""

    @staticmethod
    def resolve_actor(obj: CaseEvent) -> str | None:
        return obj.actor.username if obj.actor_id and obj.actor else None


class CardRecordOut(Schema):
    id: int
    card: str
    card_label: str
    issued_on: date
    lifted_on: date | None
    reason: str

    @staticmethod
    def resolve_card_label(obj: CardRecord) -> str:
        return str(CARD_LABELS.get(obj.card, obj.card))


class CaseAttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    uploaded_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_uploaded_by(obj: Attachment) -> str | None:
        return obj.uploaded_by.username if obj.uploaded_by else None


class CaseActionOut(Schema):
    action: str = Field(..., description="操作代码,用于 POST /cases/{id}/transitions")
    label: str
    target: str
    target_label: str
    needs_note: bool


class CaseDetailOut(CaseOut):
    description: str
    resolution: str
    rating_note: str
    accepted_at: datetime | None
    assigned_at: datetime | None
    started_at: datetime | None
    returned_at: datetime | None
    rated_at: datetime | None
    reopened_at: datetime | None
    yellow_at: date | None
    red_at: date | None
    created_at: datetime
    events: list[CaseEventOut] = Field(..., description="办理记录(时间线),按时间先后")
    card_records: list[CardRecordOut] = Field(..., description="红黄牌挂牌、摘牌记录")
    attachments: list[CaseAttachmentOut]
    actions: list[CaseActionOut] = Field(..., description="当前用户在当前状态下可执行的操作")

    # The lists are read by case_detail() into attributes of the instance.
    @staticmethod
    def resolve_events(obj: Case) -> list[CaseEvent]:
        return obj.event_list  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_card_records(obj: Case) -> list[CardRecord]:
        return obj.card_record_list  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_attachments(obj: Case) -> list[Attachment]:
        return obj.attachment_list  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_actions(obj: Case) -> list[dict[str, Any]]:
        return obj.action_list  # type: ignore[attr-defined,no-any-return]


class CaseCategoryFilter(FilterSchema):
    workflow: str | None = Field(None, max_length=32, description="办理流程,例如 appeal")
    is_active: bool | None = Field(None, description="是否启用")

    def filter_workflow(self, value: str | None) -> Q:
        return Q(workflow=value) if value else Q()


class TransitionIn(Schema):
    action: str = Field(..., min_length=1, max_length=32, description="操作代码,见详情中的 actions")
    note: str = Field("", max_length=5000, description="说明;退回、办结、重新办理时必填")
    handling_org_id: Id | None = Field(None, description="责任部门编号(交办时可改派)")
    co_org_ids: list[Id] | None = Field(None, max_length=50, description="配合部门编号;给出即整体替换")
    rating: int | None = Field(None, ge=1, le=5, description="满意度1至5分(评价时必填,3分以下为不满意)")
    version: int | None = Field(
        None,
        ge=1,
        le=2**31,
        description="读取时事项的版本号(也可用 If-Match 头);已被他人修改时返回409 stale_write;不填则不检查",
    )


class CommentIn(Schema):
    note: str = Field(..., min_length=1, max_length=5000)


# --- Queries --------------------------------------------------------------------------------------


def _queryset(request: HttpRequest) -> Any:
    co = Prefetch("co_orgs", queryset=Organization.objects.only("pk"), to_attr="co_org_list")
    return (
        Case.objects.restrict(request.user)
        .select_related("category", "region", "submitter_org", "handling_org")
        .prefetch_related(co)
    )


def case_list(request: HttpRequest, filters: CaseFilter | None = None) -> Any:
    """The caller's cases, newest first (also used by the enterprise API)."""
    qs = _queryset(request)
    return (filters.filter(qs) if filters else qs).order_by("-raised_on", "-pk")


def action_list(user: Any, case: Case) -> list[dict[str, Any]]:
    """What this user may do to the case now: the same list the case page offers."""
    states = get_workflow(case.workflow).states
    return [
        {
            "action": t.action,
            "label": t.label,
            "target": t.target,
            "target_label": states.get(t.target, t.target),
            "needs_note": t.needs_note,
        }
        for t in queries.available_actions(user, case)
    ]


def case_detail(user: Any, case_id: int) -> Case:
    """One case through the user's scope, with its timeline, cards, attachments and actions."""
    qs = Case.objects.restrict(user).select_related("category", "region", "submitter_org", "handling_org")
    case = qs.filter(pk=case_id).first() or get_scoped(Case, user, pk=case_id)
    events = list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "pk"))
    for event in events:
        event.case = case
    case.event_list = events  # type: ignore[attr-defined]
    case.card_record_list = list(case.card_records.order_by("issued_on", "pk"))  # type: ignore[attr-defined]
    case.attachment_list = list(  # type: ignore[attr-defined]
        case.attachments.select_related("uploaded_by").order_by("created_at", "pk")
    )
    case.action_list = action_list(user, case)  # type: ignore[attr-defined]
    return case


# --- Endpoints ------------------------------------------------------------------------------------


@router.get("", response={200: list[CaseOut], **READ_ERRORS}, summary="办理事项列表")
@paginate(PageNumber)
def list_cases(request: HttpRequest, filters: Query[CaseFilter]) -> Any:
    return case_list(request, filters)


@router.get("/categories", response={200: list[CaseCategoryOut], **READ_ERRORS}, summary="办理类别")
@paginate(PageNumber)
def list_categories(request: HttpRequest, filters: Query[CaseCategoryFilter]) -> Any:
    return filters.filter(CaseCategory.objects.restrict(request.user)).order_by(
        "workflow", "sort_order", "code"
    )


@router.get("/{case_id}", response={200: CaseDetailOut, **READ_ERRORS}, summary="办理事项详情(含时间线)")
def get_case(request: HttpRequest, case_id: int) -> Any:
    return case_detail(request.user, case_id)


@router.post(
    "/{case_id}/transitions", response={200: CaseDetailOut, **ERRORS}, summary="流转(交办、签收、办结、评价…)"
)
def transition_case(
    request: HttpRequest, case_id: int, payload: TransitionIn, if_match: IfMatch = None
) -> Any:
    user = current_user(request)
    # Related organisations are looked up through the caller's scope before anything changes.
    case = get_scoped(Case, user, pk=case_id)
    handling = related(
        Organization, payload.handling_org_id, "handling_org_id", "责任部门不存在", user, case.handling_org_id
    )
    co_orgs = None
    if payload.co_org_ids is not None:
        current = set(case.co_orgs.values_list("pk", flat=True))
        co_orgs = [
            related(Organization, pk, "co_org_ids", "配合部门不存在", user, pk if pk in current else None)
            for pk in dict.fromkeys(payload.co_org_ids)
        ]
    step = services.Step(
        action=payload.action,
        note=payload.note,
        handling_org=handling,
        co_orgs=co_orgs,
        rating=payload.rating,
    )
    version = payload.version if payload.version is not None else parse_version(if_match)
    services.transition(user, case_id, step, version=version)
    return case_detail(user, case_id)


@router.post("/{case_id}/comments", response={201: CaseEventOut, **ERRORS}, summary="添加备注")
def comment_case(request: HttpRequest, case_id: int, payload: CommentIn) -> Any:
    event = services.comment(current_user(request), case_id, payload.note)
    return Status(201, CaseEvent.objects.select_related("actor", "case").get(pk=event.pk))


@router.post(
    "/{case_id}/attachments",
    response={201: CaseAttachmentOut, **ERRORS},
    summary="上传附件(PDF、JPG/PNG、Word、Excel)",
)
def attach_case(request: HttpRequest, case_id: int, file: File[UploadedFile]) -> Any:
    return Status(201, services.attach(current_user(request), case_id, file))
