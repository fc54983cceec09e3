"""Case pages: the list, a case with its timeline and actions, the department inbox (待办) and the
overdue board (督办). Every write goes through ``tiaodu.cases.services``."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tiaodu.cases import queries, services
from tiaodu.cases.choices import Card
from tiaodu.cases.filters import CaseFilter
from tiaodu.cases.forms import ActionForm, AttachmentForm, CommentForm, township_choices
from tiaodu.cases.models import Attachment, Case, CaseCategory
from tiaodu.cases.workflow import all_workflows, get_workflow
from tiaodu.core.concurrency import StaleWrite, parse_version
from tiaodu.core.errors import ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.permissions import get_scoped
from tiaodu.core.views import (
    Column,
    ObjectHistoryView,
    ObjectListView,
    ScopedView,
    apply_service_error,
    redirect_with_message,
)

CASE_RELATED = ("category", "region", "submitter_org", "handling_org")


def state_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for wf in all_workflows():
        for code, label in wf.states.items():
            seen.setdefault(code, label)
    return list(seen.items())


def safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or ""
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if target and ok else None


class CaseListView(ObjectListView):
    model = Case
    filterset = CaseFilter
    title = gettext_lazy("诉求台账")
    export_name = "cases"
    template_name = "cases/case_list.html"
    columns = [
        Column(gettext_lazy("编号"), "number", link=True),
        Column(gettext_lazy("标题"), "title"),
        Column(gettext_lazy("类别"), "category.name"),
        Column(gettext_lazy("提出单位"), "submitter_org.name"),
        Column(gettext_lazy("所属镇街"), "region.name"),
        Column(gettext_lazy("状态"), lambda c: c.state_label, sort="state"),
        Column(
            gettext_lazy("督办牌"), lambda c: c.get_card_display() if c.card != Card.NONE else "", sort="card"
        ),
        Column(gettext_lazy("提出日期"), "raised_on"),
        Column(gettext_lazy("办结时限"), "due_on"),
        Column(gettext_lazy("责任部门"), "handling_org.name"),
    ]

    @property
    def filter_fields(self) -> list[tuple[str, Any, Any]]:  # type: ignore[override]
        categories = CaseCategory.objects.filter(is_active=True).order_by("workflow", "sort_order", "code")
        return [
            ("q", gettext_lazy("编号或标题"), None),
            ("state", gettext_lazy("状态"), [("", gettext_lazy("全部状态")), *state_choices()]),
            (
                "category",
                gettext_lazy("类别"),
                [("", gettext_lazy("全部类别")), *((c.code, c.name) for c in categories)],
            ),
            ("card", gettext_lazy("督办牌"), [("", gettext_lazy("全部督办牌")), *Card.choices]),
            (
                "township",
                gettext_lazy("镇街"),
                [("", gettext_lazy("全部镇街")), *township_choices(self.request.user)],
            ),
            (
                "is_open",
                gettext_lazy("办结情况"),
                [
                    ("", gettext_lazy("全部")),
                    ("true", gettext_lazy("未办结")),
                    ("false", gettext_lazy("已办结")),
                ],
            ),
            ("raised_from", gettext_lazy("提出日期起"), "date"),
            ("raised_to", gettext_lazy("提出日期止"), "date"),
        ]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related(*CASE_RELATED).order_by("-raised_on", "-pk")


class CaseDetailView(ScopedView):
    model = Case

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render_case(request, pk)


def render_case(
    request: HttpRequest,
    pk: int,
    *,
    forms: dict[str, ActionForm] | None = None,
    comment_form: CommentForm | None = None,
    attachment_form: AttachmentForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = current_user(request)
    case = get_scoped(Case, user, "view", pk=pk)
    case = Case.objects.select_related(*CASE_RELATED, "created_by").get(pk=case.pk)
    wf = get_workflow(case.workflow)
    action_forms = []
    for move in queries.available_actions(user, case):
        form = (forms or {}).get(move.action) or ActionForm(transition=move, user=user, case=case)
        action_forms.append((move, form))
    from tiaodu.enterprises.models import Enterprise, Visit

    enterprise = (
        Enterprise.objects.restrict(user).filter(organization_id=case.submitter_org_id).first()
        if case.submitter_org_id
        else None
    )
    visits = Visit.objects.restrict(user).filter(cases=case).select_related("visiting_org")
    timestamps = [
        (getattr(Case._meta.get_field(field), "verbose_name", field), getattr(case, field))
        for field in dict.fromkeys(["accepted_at", *wf.timestamps.values(), "reopened_at"])
        if getattr(case, field, None)
    ]
    late = queries.overdue_days([case.due_on]).get(case.due_on) if case.due_on and case.is_open else None
    context = {
        "object": case,
        "workflow": wf,
        "events": case.events.select_related("actor").order_by("created_at", "pk"),
        "event_orgs": dict(
            case.events.filter(actor_org_id__isnull=False)
            .values_list("actor_org_id", "actor_org__name")
            .distinct()
        ),
        "card_records": case.card_records.order_by("issued_on", "pk"),
        "attachments": case.attachments.select_related("uploaded_by"),
        "co_orgs": case.co_orgs.order_by("name"),
        "action_forms": action_forms,
        "comment_form": comment_form or CommentForm(),
        "attachment_form": attachment_form or AttachmentForm(),
        "enterprise": enterprise,
        "visits": visits,
        "timestamps": timestamps,
        "overdue": late,
        "error": error,
        "parties": services.party_of(user, case),
    }
    return render(request, "cases/case_detail.html", context, status=status)


class CaseActionView(ScopedView):
    """POST one workflow action (交办, 签收办理, 退回, 办结, 评价, 重新办理)."""

    model = Case

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        case = get_scoped(Case, user, "view", pk=pk)
        action = request.POST.get("action", "")
        try:
            # The version the page was rendered with: a case someone changed since is not acted
            # on blindly; the page is shown again with its current state.
            version = parse_version(request.POST.get("version"))
        except ServiceError as exc:
            return render_case(request, pk, error=exc.message, status=exc.status)
        wf = get_workflow(case.workflow)
        move = next((t for t in wf.available(case.state) if t.action == action), None)
        if move is None:
            # Not allowed from this state (or unknown): the table decides, nothing is saved.
            try:
                wf.transition(case.state, action)
            except ServiceError as exc:
                return render_case(request, pk, error=exc.message, status=409)
        assert move is not None
        if move not in queries.available_actions(user, case):
            # Not this user's to take (party, scope, or 重新办理 after a satisfied rating): let the
            # service refuse it with its own error (and security-log entry); nothing is saved.
            try:
                services.transition(
                    user,
                    case.pk,
                    services.Step(action, note=request.POST.get(f"{action}-note", "")),
                    version=version,
                )
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                return render_case(request, pk, error=exc.message, status=exc.status)
            return redirect_with_message(request, reverse("cases:detail", args=[pk]), move.label)
        form = ActionForm(request.POST, transition=move, user=user, case=case)
        if form.is_valid():
            step = services.Step(
                action=move.action,
                note=form.cleaned_data.get("note") or "",
                handling_org=form.org("handling_org") if move.action == "assign" else None,
                co_orgs=form.co_orgs(),
                rating=form.cleaned_data.get("rating"),
            )
            try:
                services.transition(user, case.pk, step, version=version)
            except StaleWrite as exc:
                return render_case(request, pk, error=exc.message, status=409)
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                message = _("已%(action)s:%(number)s") % {"action": move.label, "number": case.number}
                target = safe_next(request) or reverse("cases:detail", args=[pk])
                return redirect_with_message(request, target, message)
        errors = [str(e) for errs in form.errors.values() for e in errs]
        return render_case(request, pk, forms={move.action: form}, error="; ".join(errors), status=422)


class CaseCommentView(ScopedView):
    model = Case

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                services.comment(user, pk, form.cleaned_data["note"])
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(
                    request, reverse("cases:detail", args=[pk]) + "#timeline", _("已添加备注")
                )
        return render_case(request, pk, comment_form=form, status=422)


class CaseAttachView(ScopedView):
    model = Case

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = current_user(request)
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.attach(user, pk, form.cleaned_data["file"])
            except ServiceError as exc:
                if exc.status in (403, 404):
                    raise
                apply_service_error(form, exc)
            else:
                return redirect_with_message(
                    request, reverse("cases:detail", args=[pk]) + "#attachments", _("已上传附件")
                )
        return render_case(request, pk, attachment_form=form, status=422)


class AttachmentDownloadView(ScopedView):
    model = Case

    def get(self, request: HttpRequest, pk: int, attachment_id: int) -> HttpResponseBase:
        case = get_scoped(Case, current_user(request), "view", pk=pk)
        attachment = Attachment.objects.filter(case=case, pk=attachment_id).first()
        if attachment is None:
            return render(request, "404.html", status=404)
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type,
        )


class CaseHistoryView(ObjectHistoryView):
    model = Case


class InboxView(ScopedView):
    """待办: my organisation's open cases, plus (dispatchers) the accepted / returned ones to route."""

    model = Case

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        order = ("due_on", "pk")
        dispatch = list(queries.to_dispatch(user).select_related(*CASE_RELATED).order_by(*order)[:200])
        mine = list(
            queries.handled_by_my_org(user)
            .exclude(pk__in=[c.pk for c in dispatch])
            .select_related(*CASE_RELATED)
            .order_by(*order)[:200]
        )
        rows = dispatch + mine
        late = queries.overdue_days(c.due_on for c in rows)
        today = timezone.localdate()
        for case in rows:
            late_by = late.get(case.due_on, (0, 0))[0] if case.due_on and case.due_on < today else 0
            case.overdue_workdays = late_by  # type: ignore[attr-defined]
            case.role = (  # type: ignore[attr-defined]
                _("责任部门") if case.handling_org_id == user.organization_id else _("配合部门")
            )
        context = {
            "dispatch": dispatch,
            "mine": mine,
            "is_dispatcher": queries.is_dispatcher(user),
            "today": today,
            "total": queries.inbox(user).count(),
        }
        return render(request, "cases/inbox.html", context)


class BoardView(ScopedView):
    """督办: red and yellow cards, grouped by handling department, with days overdue."""

    model = Case

    def get(self, request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        cases = queries.carded(user).select_related(*CASE_RELATED)
        card = request.GET.get("card")
        if card in (Card.RED, Card.YELLOW):
            cases = cases.filter(card=card)
        town = request.GET.get("township") or ""
        towns = township_choices(user)
        if town and town in dict(towns):
            cases = cases.filter(region__code=town)
        groups = queries.board(cases)
        context = {
            "groups": groups,
            "red": sum(g.red for g in groups),
            "yellow": sum(g.yellow for g in groups),
            "card": card or "",
            "township": town,
            "townships": towns,
        }
        return render(request, "cases/board.html", context)
