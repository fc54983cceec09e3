"""Pages of the jobs that produce a file (ADR 0034): 我的导出 (``/jobs/``), one job's page with its
progress bar (``/jobs/<id>/``, the ``#file-job`` fragment refreshed by htmx every second while
the job runs) and its download (``/jobs/<id>/download/``). Only the user who started a job sees
any of them; anyone else gets the 404 of a job that does not exist.

Large list exports: :func:`export_in_background` is the hook of the list component's export
(``ObjectListView``): above ``settings.EXPORT_BACKGROUND_ROWS`` rows it calls
:func:`start_export_job`, which records the view's dotted path, the request's path, query string
and URL arguments and the user, and answers with a redirect to the job's page. The worker's
:func:`produce_export` rebuilds that GET request with the same user and calls the same view, so
the file holds exactly what the synchronous export would (the owner's scope at run time).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from copy import copy
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import models
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.test import RequestFactory
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views import View

from tiaodu.core import file_jobs
from tiaodu.core.errors import Forbidden, NotFound, ServiceError
from tiaodu.core.http import current_user
from tiaodu.core.models import Job, JobKind
from tiaodu.core.views import Column, ObjectListView, ServicePageView

if TYPE_CHECKING:
    from tiaodu.accounts.models import User
    from tiaodu.core.jobs import ProgressFile

BACKGROUND_ATTR = "tiaodu_background_job"  # set on the request the worker rebuilds
LISTED = 100


def export_background_rows() -> int:
    """Exports of more rows than this run as background jobs."""
    return int(getattr(settings, "EXPORT_BACKGROUND_ROWS", 5000))


def export_in_background(
    request: HttpRequest, view: View, queryset: models.QuerySet[Any], kind: str
) -> HttpResponse | None:
    """The list component's hook: a redirect to a new export job when ``queryset`` has more
    rows than :func:`export_background_rows`, else None (export in this request). Never for the
    request the worker itself rebuilt."""
    if getattr(request, BACKGROUND_ATTR, None) is not None:
        return None
    rows = queryset.count()
    if rows <= export_background_rows():
        return None
    return start_export_job(request, view, kind, rows=rows)


def start_export_job(request: HttpRequest, view: View, kind: str, rows: int = 0) -> HttpResponse:
    """Queue the export ``kind`` (xlsx | csv) of the list ``view`` answering ``request`` as a
    job of the signed-in user; answer with a redirect (303) to the job's page."""
    query = request.GET.copy()
    query["export"] = kind
    query.pop("page", None)
    match = request.resolver_match
    view_class = type(view)
    title = str(getattr(view, "title", "") or getattr(view, "export_name", "") or _("列表"))
    job = file_jobs.start_job(
        JobKind.EXPORT,
        actor=current_user(request),
        title=_("%(title)s导出(%(format)s)") % {"title": title, "format": kind.upper()},
        params={
            "view": f"{view_class.__module__}.{view_class.__qualname__}",
            "path": request.path_info,
            "query": query.urlencode(),
            "args": list(match.args) if match else [],
            "kwargs": dict(match.kwargs) if match else {},
            "format": kind,
        },
        total=rows,
    )
    return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]), status=303)


class _NoSession(SessionBase):
    """The rebuilt request's session: empty, and never saved."""

    def exists(self, session_key: str) -> bool:
        return False

    def create(self) -> None:
        pass

    def save(self, must_create: bool = False) -> None:
        pass

    def delete(self, session_key: str | None = None) -> None:
        pass

    def load(self) -> dict[str, Any]:
        return {}


def rebuild_request(job: Job, user: User) -> HttpRequest:
    """The export's GET request again, as ``user``, marked as the worker's."""
    from django_htmx.middleware import HtmxDetails

    params = job.params
    request = RequestFactory().get(f"{params['path']}?{params['query']}")
    request.user = user
    request.session = _NoSession()
    request.htmx = HtmxDetails(request)  # type: ignore[attr-defined]
    setattr(request, BACKGROUND_ATTR, job.pk)
    return request


def _counted(columns: list[Column], progress: ProgressFile, total: int, counter: list[int]) -> list[Column]:
    """The list's columns, the first one reporting each row it is asked for to ``progress``."""
    if not columns:
        return columns
    first = copy(columns[0])
    value = columns[0].value

    def counting(obj: Any) -> Any:
        counter[0] += 1
        progress(file_jobs.PHASE_EXPORT, counter[0], total)
        return value(obj)

    first.value = counting  # type: ignore[method-assign]
    return [first, *columns[1:]]


_FILENAME_STAR = re.compile(r"filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)")
_FILENAME = re.compile(r'filename\s*=\s*"([^"]+)"')


def _file_name(disposition: str, fallback: str) -> str:
    star = _FILENAME_STAR.search(disposition)
    if star:
        return unquote(star.group(1).strip())
    plain = _FILENAME.search(disposition)
    return plain.group(1) if plain else fallback


def produce_export(job: Job, user: User, progress: ProgressFile) -> file_jobs.Output:
    """The producer of ``export`` jobs: the list view's own export, in the owner's scope."""
    params = job.params
    view_class = import_string(params["view"])
    if not (isinstance(view_class, type) and issubclass(view_class, View)):
        raise ServiceError("job_params_invalid", "导出任务的参数无效")
    counter = [0]
    initkwargs: dict[str, Any] = {}
    if issubclass(view_class, ObjectListView):
        initkwargs["columns"] = _counted(view_class.columns, progress, job.rows_total, counter)
    request = rebuild_request(job, user)
    progress(file_jobs.PHASE_EXPORT, 0, job.rows_total)
    response = view_class.as_view(**initkwargs)(request, *params.get("args", []), **params.get("kwargs", {}))
    if response.status_code == 403:
        raise Forbidden()
    if response.status_code == 404:
        raise NotFound()
    if response.status_code != 200:
        raise ServiceError("job_failed", f"导出未完成(HTTP {response.status_code}),未生成文件")
    chunks: Iterable[bytes] = (
        _streamed(response) if getattr(response, "streaming", False) else [response.content]  # type: ignore[attr-defined]
    )
    fallback = f"export.{params.get('format', 'xlsx')}"
    return file_jobs.Output(
        content_type=response.get("Content-Type", "application/octet-stream"),
        file_name=_file_name(response.get("Content-Disposition", ""), fallback),
        chunks=chunks,
        rows=job.rows_total,
        counted=lambda: counter[0] or job.rows_total,
    )


def _streamed(response: HttpResponseBase) -> Iterator[bytes]:
    try:
        yield from response.streaming_content  # type: ignore[attr-defined]
    finally:
        response.close()


# --- the pages --------------------------------------------------------------------------------------


class JobBaseView(ServicePageView):
    """The job pages: a job the user may not open is the same 404 as a missing one."""


def job_context(job: Job) -> dict[str, Any]:
    context: dict[str, Any] = {"job": job, "poll_url": reverse("jobs:detail", args=[job.pk])}
    if job.in_progress:
        context["progress"] = file_jobs.progress_of(job)
    return context


class JobDetailView(JobBaseView):
    """GET /jobs/<id>/ — the job's progress (htmx: the ``#file-job`` fragment) or its file."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = file_jobs.job_for(request.user, pk)
        if job.in_progress:
            file_jobs.fail_if_stale(job)
        context = job_context(job)
        if request.headers.get("HX-Request") == "true":
            return render(request, "core/job_status.html", context)
        return render(request, "core/job.html", {"title": job.title, **context})


class JobDownloadView(JobBaseView):
    """GET /jobs/<id>/download/ — the finished job's file, for its owner only."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        job = file_jobs.job_for(request.user, pk)
        handle = file_jobs.open_result(job)
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=job.file_name or f"job-{job.pk}",
            content_type=job.content_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response


class JobListView(JobBaseView):
    """GET /jobs/ — 我的导出: the user's own jobs, newest first."""

    def get(self, request: HttpRequest) -> HttpResponse:
        jobs = list(Job.objects.owned_by(current_user(request))[:LISTED])
        for job in jobs:
            if job.in_progress:
                file_jobs.fail_if_stale(job)
                job.progress = file_jobs.progress_of(job)  # type: ignore[attr-defined]
        return render(
            request,
            "core/job_list.html",
            {"title": _("我的导出"), "jobs": jobs, "keep_days": file_jobs.result_days()},
        )
