from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from auditlog.models import LogEntry
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tiaodu.audit import display, services, taskruns
from tiaodu.audit.choices import EventKind
from tiaodu.audit.filters import ChangeFilter, EventFilter
from tiaodu.audit.models import SecurityEvent, TaskRun
from tiaodu.core import exports
from tiaodu.core.tasks import SCHEDULE
from tiaodu.core.views import Column, ObjectListView, ScopedView


class AuditListView(ObjectListView):
    """Audit pages are for administrators (the role backend grants unscoped models to admin only)."""

    template_name = "audit/audit_list.html"

    def get_queryset(self) -> Any:
        return self.model._default_manager.all()


# A creation lists every field: the list shows the first ones (the rest in the exports).
LINES_SHOWN = 8


# One formatter per request: each related object is looked up once for the whole page.
_formatter: ContextVar[display.Formatter | None] = ContextVar("audit_formatter", default=None)


def _changes_html(entry: LogEntry) -> Any:
    return display.lines_html(display.change_lines(entry, _formatter.get()), LINES_SHOWN)


def _changes_text(entry: LogEntry) -> str:
    return "\n".join(display.change_lines(entry, _formatter.get()))


def _detail_html(event: SecurityEvent) -> Any:
    return display.lines_html(display.event_detail_lines(event.detail))


def _detail_text(event: SecurityEvent) -> str:
    return "\n".join(display.event_detail_lines(event.detail))


class ChangeListView(AuditListView):
    """变更记录: every change, "字段: 旧值 → 新值" per line, 系统 when no person made it,
    filtered by object type (the models by their Chinese names)."""

    model = LogEntry
    filterset = ChangeFilter
    title = _("变更记录")
    export_name = "changes"
    columns = [
        Column(_("时间"), "timestamp"),
        Column(_("操作人"), display.actor_label, sort="actor__username"),
        Column(_("操作"), display.action_label, sort="action"),
        Column(_("对象类型"), lambda e: display.model_label(e.content_type), sort=False),
        Column(_("对象"), "object_repr"),
        Column(_("变更内容"), _changes_html, sort=False),
        Column(_("请求编号"), "cid"),
    ]
    filter_fields = [
        ("model", _("对象类型"), display.ObjectTypeChoices(_("全部"))),
        ("actor", _("操作人用户名"), None),
        ("date_from", _("起始日期"), None),
        ("date_to", _("截止日期"), None),
    ]

    def get_queryset(self) -> Any:
        return services.all_changes()

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = _formatter.set(display.Formatter())
        try:
            return super().get(request, *args, **kwargs)  # type: ignore[no-any-return]
        finally:
            _formatter.reset(token)

    def export(self, queryset: Any, kind: str) -> HttpResponse:
        if kind == "csv":
            self.columns = [  # type: ignore[misc]
                Column(c.label, _changes_text) if c.attr is _changes_html else c for c in self.columns
            ]
            return super().export(queryset, kind)
        # The workbook has one row per changed field, with before and after in their own columns.
        return exports.xlsx_response(services.changes_workbook(queryset.iterator(2000)), "changes.xlsx")


class EventListView(AuditListView):
    model = SecurityEvent
    filterset = EventFilter
    title = _("安全事件")
    export_name = "security-events"
    columns = [
        Column(_("时间"), "created_at"),
        Column(_("事件"), "kind"),
        Column(_("用户名"), "username"),
        Column(_("IP地址"), "ip"),
        Column(_("访问路径"), "path"),
        Column(_("详情"), _detail_html, sort=False),
    ]
    filter_fields = [
        ("kind", _("事件"), [("", _("全部")), *EventKind.choices]),
        ("username", _("用户名"), None),
        ("date_from", _("起始日期"), None),
        ("date_to", _("截止日期"), None),
    ]

    def export(self, queryset: Any, kind: str) -> HttpResponse:
        self.columns = [  # type: ignore[misc]
            Column(c.label, _detail_text) if c.attr is _detail_html else c for c in self.columns
        ]
        return super().export(queryset, kind)


class TaskRunView(ScopedView):
    """后台任务: each scheduled task's last run, duration, result and next run; the recent runs."""

    model = TaskRun

    def get(self, request: HttpRequest) -> HttpResponse:
        labels = {entry.name: _(entry.label) for entry in SCHEDULE}
        runs = list(TaskRun.objects.all()[:50])
        for run in runs:
            run.label = labels.get(run.task, run.task)  # type: ignore[attr-defined]
        context = {"statuses": taskruns.statuses(), "runs": runs, "title": _("后台任务")}
        return render(request, "audit/tasks.html", context)
