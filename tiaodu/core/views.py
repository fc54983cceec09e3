"""Generic list / detail / edit / history / export views every app builds its pages from.

They are thin: the queryset comes from ``Model.objects.restrict(user, action)``, filters from the
app's FilterSchema (the same one the API uses), writes from the app's service functions.
"""

from __future__ import annotations

import abc
import html
from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs
from django.utils.translation import gettext as _
from django.views import View
from ninja import FilterSchema
from pydantic import ValidationError as PydanticValidationError

from tiaodu.audit.services import changes_for, describe_changes
from tiaodu.core import exports
from tiaodu.core.errors import ServiceError
from tiaodu.core.filters import apply_sort, field_path
from tiaodu.core.permissions import Action, can, get_scoped

PAGE_SIZE = 50  # the default of the generic lists (and the page size of the history pages)
PAGE_SIZES = (20, 50, 100, 200)
# Attribute names whose columns hold codes (kept on one line, cut with an ellipsis + tooltip) or
# names (given a minimum width so that they do not wrap into a column of characters).
CODE_SUFFIXES = ("code", "number")
CODE_ATTRS = frozenset({"cid", "ip", "username"})
NAME_SUFFIXES = ("name", "title", "label", "object_repr")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    from tiaodu.audit.services import record_permission_denied

    record_permission_denied(request.user, f"web {request.method} {request.path}")
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):  # an address no API route matches: the API's JSON body
        from tiaodu.core.api import error_body

        return JsonResponse(error_body(404), status=404)
    return render(request, "404.html", status=404)


def handle_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse | None:
    """Render permission / not-found service errors as pages; others are the caller's to show."""
    if exc.audit:
        from tiaodu.audit.services import record_permission_denied

        record_permission_denied(request.user, exc.audit)
    # The pages carry their own (translated) explanation; the service's Chinese message is for the API.
    if exc.status == 403:
        return render(request, "403.html", status=403)
    if exc.status == 404:
        return render(request, "404.html", status=404)
    return None


def apply_service_error(form: Form, exc: ServiceError) -> None:
    """Put a service's field errors onto the form (unknown fields become form-wide errors)."""
    if not exc.errors:
        form.add_error(None, exc.message)
    for err in exc.errors:
        name = err.field if err.field in form.fields else None
        for suffix in ("_code", "_id"):
            if name is None and f"{err.field}{suffix}" in form.fields:
                name = f"{err.field}{suffix}"
        form.add_error(name, err.message)


def period_report(form: Form, function: Callable[..., Any], user: Any, **extra: Any) -> Any:
    """Run a report of the platform (``function(region, date_from, date_to, user, **extra)``) on a
    period form's values; None when the form or the report refuses them (the errors are on the
    form)."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return function(data["region"], data["date_from"], data["date_to"], user, **extra)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return None


class Column:
    """One column of a list table and of its export.

    ``sort``: ``None`` derives it (a dotted attribute naming a concrete column, or an annotation of
    the list's queryset, is sortable by itself); a string is the ORM path or annotation to sort by
    (for computed columns); ``False`` makes the column unsortable. ``kind`` is ``"code"`` (one line,
    ellipsis and tooltip), ``"name"`` (a minimum width) or ``""``; derived from the attribute name."""

    def __init__(
        self,
        label: Any,
        attr: str | Callable[[Any], Any],
        link: bool = False,
        sort: str | bool | None = None,
        kind: str | None = None,
    ) -> None:
        self.label, self.attr, self.link, self.sort = label, attr, link, sort
        if kind is None:
            last = attr.rsplit(".", 1)[-1] if isinstance(attr, str) else ""
            code = last.endswith(CODE_SUFFIXES) or last in CODE_ATTRS
            kind = "code" if code else "name" if last.endswith(NAME_SUFFIXES) else ""
        self.kind = kind

    def sort_path(self, model: type[models.Model], annotations: Any) -> str | None:
        """The ORM path this column sorts by, or ``None``."""
        if self.sort is False:
            return None
        if isinstance(self.sort, str):
            return self.sort
        if not isinstance(self.attr, str):
            return None
        if self.attr in annotations:
            return self.attr
        return field_path(model, self.attr)

    def value(self, obj: Any) -> Any:
        if callable(self.attr):
            return self.attr(obj)
        value: Any = obj
        for part in self.attr.split("."):
            display = getattr(value, f"get_{part}_display", None)
            value = display() if callable(display) else getattr(value, part, None)
            if value is None:
                return ""
        if isinstance(value, bool):
            return _("是") if value else _("否")
        return value() if callable(value) else value


class ServicePageView(LoginRequiredMixin, View):
    """A signed-in page whose services' permission and not-found errors become the 403/404 pages
    (other service errors are the page's to show, e.g. on its form)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        except ServiceError as exc:
            response = handle_service_error(request, exc)
            if response is None:
                raise
            return response


class ScopedView(ServicePageView):
    model: ClassVar[type[models.Model]]
    action: ClassVar[Action] = "view"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not can(request.user, self.action, self.model):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class EditView(ScopedView):
    """A page that adds (no ``pk``) or changes (``pk``) one row of ``model``: the role is checked
    for ``add`` or ``change`` accordingly, and :meth:`instance` is the row to change — 404 outside
    the user's reach, 403 (written to the security log) when they may see it but not change it."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.action = "add" if kwargs.get("pk") is None else "change"  # type: ignore[misc]
        return super().dispatch(request, *args, **kwargs)

    def instance(self, request: HttpRequest, pk: int | None) -> Any:
        if pk is None:
            return None
        row = get_scoped(self.model, request.user, "view", pk=pk)
        if not self.model.objects.restrict(request.user, "change").filter(pk=pk).exists():  # type: ignore[attr-defined]
            get_scoped(self.model, request.user, "change", pk=pk)  # raises Forbidden, logged
        return row


class ObjectListView(ScopedView):
    """A filtered, paginated table; ``?export=xlsx`` or ``?export=csv`` exports the filtered rows."""

    filterset: ClassVar[type[FilterSchema]]
    columns: ClassVar[list[Column]]
    template_name: ClassVar[str] = "generic/object_list.html"
    title: ClassVar[Any] = ""
    add_url: ClassVar[str | None] = None
    detail_url_name: ClassVar[str | None] = None
    export_name: ClassVar[str] = "export"
    filter_fields: ClassVar[list[tuple[str, Any, Any]]] = []  # (name, label, choices or None)

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.model.objects.restrict(self.request.user)  # type: ignore[attr-defined,no-any-return]

    sortable: ClassVar[bool] = True  # False: the list keeps its own order, no sortable headers

    def sort_options(self, queryset: models.QuerySet[Any]) -> dict[str, str]:
        """The whitelist of ``?sort=`` keys (key → ORM path): the sortable columns."""
        if not self.sortable:
            return {}
        annotations = queryset.query.annotations
        options: dict[str, str] = {}
        for column in self.columns:
            path = column.sort_path(self.model, annotations)
            if path:
                options[path] = path
        return options

    def get(self, request: HttpRequest) -> HttpResponse:
        params = {k: v for k, v in request.GET.items() if k in self.filterset.model_fields and v != ""}
        filter_errors: list[str] = []
        try:
            filters = self.filterset(**params)
            queryset = filters.filter(self.get_queryset())
        except PydanticValidationError as exc:
            filter_errors = [filter_error_text(self.filter_fields, e) for e in exc.errors()]
            queryset = self.get_queryset().none()
        except ServiceError as exc:
            filter_errors = [exc.message]
            queryset = self.get_queryset().none()
        options = self.sort_options(queryset)
        queryset, sort = apply_sort(queryset, request.GET.get("sort"), options)
        export = request.GET.get("export")
        if export in ("xlsx", "csv"):
            from tiaodu.core.views_jobs import export_in_background  # views_jobs imports this module

            background = export_in_background(request, self, queryset, export)
            if background is not None:
                return background
            return self.export(queryset, export)
        per_page = page_size(request.GET.get("per_page"))
        page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
        labels = [html.escape(str(c.label)) for c in self.columns]
        rows = [(obj, row_cells(obj, self.columns, labels)) for obj in page.object_list]
        headers = sort_headers(request, self.columns, self.model, queryset, options, sort)
        context = {
            "title": self.title,
            "columns": self.columns,
            "headers": headers,
            # Phones hide the table head: the same sorts as a select (label ▲ / label ▼).
            "sort_choices": [
                (f"{sign}{h['key']}", f"{h['label']} {mark}")
                for h in headers
                if h["url"]
                for sign, mark in (("", "▲"), ("-", "▼"))
            ],
            "keep_sort_fields": kept_fields(request, "page", "sort", "export"),
            "rows": rows,
            "page": page,
            "sort": sort,
            "per_page": per_page,
            "page_sizes": PAGE_SIZES,
            "default_per_page": PAGE_SIZE,
            "query": query_without(request, "page", "export"),
            "keep_fields": kept_fields(request, "page", "per_page", "export"),
            "filter_fields": self.filter_fields,
            "filter_values": params,
            "filter_errors": filter_errors,
            "add_url": self.add_url if can(request.user, "add", self.model) else None,
            "detail_url_name": self.detail_url_name,
        }
        # htmx filter submissions get only the table partial (django-template-partials).
        template = "generic/object_list.html#table" if request.htmx else self.template_name  # type: ignore[attr-defined]
        return render(request, template, context)

    def export(self, queryset: models.QuerySet[Any], kind: str) -> HttpResponse:
        """The filtered rows as CSV or xlsx, through the formula-safe writer (core.exports)."""
        header = [str(c.label) for c in self.columns]
        rows = (
            [str(v) if v is not None else "" for v in (c.value(o) for c in self.columns)]
            for o in queryset.iterator(2000)
        )
        stamp = timezone.localtime().strftime("%Y%m%d%H%M")
        filename = f"{self.export_name}-{stamp}.{kind}"
        if kind == "csv":
            return exports.csv_response(filename, header, rows)
        return exports.xlsx_response(exports.table_workbook(str(self.title), header, rows), filename)


class ObjectHistoryView(ScopedView):
    """变更记录 of one object; ``?export=xlsx`` downloads it."""

    lookup: ClassVar[str] = "pk"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        obj = get_scoped(self.model, request.user, **{self.lookup: kwargs[self.lookup]})
        entries = changes_for(obj)
        if request.GET.get("export") == "xlsx":
            from tiaodu.audit.services import changes_workbook

            return exports.xlsx_response(
                changes_workbook(entries), f"changes-{obj._meta.model_name}-{obj.pk}.xlsx"
            )
        page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
        items = [(e, describe_changes(e)) for e in page.object_list]
        return render(request, "generic/object_history.html", {"object": obj, "items": items, "page": page})


def row_cells(obj: Any, columns: list[Column], labels: list[str]) -> SafeString:
    """The ``<td>`` cells of one row, rendered here rather than by a template loop over every
    cell (a page of 200 rows × 13 columns would spend most of its time in template nodes).
    Values are localised and escaped as ``{{ value }}`` would; the first links to the object;
    codes carry their full value as tooltip; every cell is labelled (``labels``, escaped) for the
    phone cards."""
    cells = []
    for index, (column, label) in enumerate(zip(columns, labels, strict=True)):
        value = localize(template_localtime(column.value(obj)))
        text = value if isinstance(value, SafeData) else html.escape(str(value))
        url = getattr(obj, "get_absolute_url", None) if index == 0 else None
        content = f'<a href="{html.escape(url())}">{text}</a>' if url else text
        title = f' title="{text}"' if column.kind == "code" else ""
        cells.append(
            f'<td class="td-col-{column.kind or "plain"}" data-label="{label}"{title}>{content}</td>'
        )
    return mark_safe("".join(cells))  # noqa: S308 - every value and label is escaped above


def page_size(value: str | None) -> int:
    """``?per_page=``: one of PAGE_SIZES, else the default."""
    try:
        size = int(value or "")
    except ValueError:
        return PAGE_SIZE
    return size if size in PAGE_SIZES else PAGE_SIZE


def query_without(request: HttpRequest, *names: str) -> str:
    """The request's query string without ``names`` (what links on the page carry on)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def kept_fields(request: HttpRequest, *names: str) -> list[tuple[str, str]]:
    """The request's parameters but ``names``, as hidden fields of a GET form."""
    return [(k, v) for k, values in request.GET.lists() if k not in names for v in values]


def sort_headers(
    request: HttpRequest,
    columns: list[Column],
    model: type[models.Model],
    queryset: models.QuerySet[Any],
    options: dict[str, str],
    sort: str,
) -> list[dict[str, Any]]:
    """One header per column: its label, kind, and for sortable ones the link that sorts by it
    (ascending first, descending when it is already the ascending sort) and the current direction."""
    base = query_without(request, "page", "export", "sort")
    annotations = queryset.query.annotations
    headers = []
    for column in columns:
        path = column.sort_path(model, annotations)
        header: dict[str, Any] = {"label": column.label, "kind": column.kind, "url": "", "direction": ""}
        if path and path in options:
            header["direction"] = "ascending" if sort == path else "descending" if sort == f"-{path}" else ""
            target = f"-{path}" if sort == path else path
            header["url"] = f"?{base}{'&' if base else ''}sort={target}"
            header["key"] = path
        headers.append(header)
    return headers


def filter_error_text(fields: list[tuple[str, Any, Any]], error: Any) -> str:
    """A filter validation error in the user's language, naming the filter by its label."""
    from tiaodu.core.api import PYDANTIC_MESSAGES

    name = str(error["loc"][0]) if error.get("loc") else ""
    label = next((str(lbl) for field, lbl, _choices in fields if field == name), name)
    return f"{label}:{PYDANTIC_MESSAGES.get(error.get('type', ''), ('', _('格式不正确')))[1]}"


def redirect_with_message(request: HttpRequest, url: str, message: str) -> HttpResponseRedirect:
    messages.success(request, message)
    return HttpResponseRedirect(url)


class RoundActionView(ScopedView, abc.ABC):
    """POST ``close`` or ``remind`` (催报) on a round — dispatch and reporting rounds alike: the
    service call, then back to the round's page with what happened, or with the refusal."""

    action: ClassVar[Action] = "change"
    detail_url_name: ClassVar[str]

    @abc.abstractmethod
    def close(self, user: Any, pk: int) -> str:
        """Close round ``pk``; the message to show."""

    @abc.abstractmethod
    def remind(self, user: Any, pk: int, note: str) -> str:
        """Remind round ``pk``'s missing units; the message to show."""

    def post(self, request: HttpRequest, pk: int, what: str) -> HttpResponse:
        from django.urls import reverse

        user = request.user
        url = reverse(self.detail_url_name, args=[pk])
        try:
            if what == "close":
                message = self.close(user, pk)
            else:
                message = self.remind(user, pk, request.POST.get("note", ""))
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, exc.message)
            return HttpResponseRedirect(url)
        return redirect_with_message(request, url, message)
