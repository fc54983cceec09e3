"""Long work whose result is a file (ADR 0034): a large list export as a background job holds
exactly the synchronous export's rows (the owner's scope), only its owner sees or downloads it
(404 for anyone else, administrators and same-role users included), the progress fragment polls
while it runs, a failure leaves no file, housekeeping fails interrupted jobs and deletes expired
results."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import resolve
from django.utils import timezone
from openpyxl import load_workbook

from tiaodu.accounts import services as accounts
from tiaodu.core import file_jobs, views_jobs
from tiaodu.core.jobs import job_dir
from tiaodu.core.models import Job, JobStatus
from tiaodu.core.tests.test_tasks import DB_TASKS, keep_signal_handlers, run_db_worker  # noqa: F401
from tiaodu.enterprises.models import Enterprise
from tiaodu.enterprises.tests.test_imports import GUXI, YUXI, make_enterprise
from tiaodu.enterprises.views import EnterpriseListView

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tiaodu.core.tests.urls_with_jobs")]

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = "/enterprises/"


@pytest.fixture
def enterprises(db: Any) -> None:
    """Enterprises in 古溪镇 (guxi's township) and in 玉溪镇 (not guxi's)."""
    for n in range(8100, 8106):
        make_enterprise(n, GUXI)
    for n in range(8200, 8204):
        make_enterprise(n, YUXI)


def list_request(user: Any, query: str) -> Any:
    request = RequestFactory().get(f"{LIST}?{query}")
    request.user = user
    request.resolver_match = resolve(LIST)
    return request


def start_export(user: Any, query: str = "export=xlsx", kind: str = "xlsx", rows: int = 0) -> Job:
    """What the list component's hook does above the threshold: start the job for this view."""
    request = list_request(user, query)
    view = EnterpriseListView()
    view.setup(request)
    response = views_jobs.start_export_job(request, view, kind, rows=rows)
    assert response.status_code == 303
    job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    assert response["Location"] == f"/jobs/{job_id}/"
    return Job.objects.get(pk=job_id)


def sheet_rows(data: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [tuple("" if v is None else v for v in row) for row in sheet.iter_rows(values_only=True)]


def files_of(job_id: int) -> list[str]:
    return sorted(name for name in os.listdir(job_dir()) if name.startswith(f"job-{job_id}."))


def downloaded(response: Any) -> bytes:
    """A response's body, streamed (a file download) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


# --- a large export as a job --------------------------------------------------------------------------


@pytest.mark.usefixtures("enterprises")
def test_export_job_holds_the_owners_rows_only(users: Any, client_for: Any) -> None:
    guxi = users["guxi"]
    visible = Enterprise.objects.restrict(guxi).count()
    assert 6 <= visible < Enterprise.objects.count()
    with override_settings(TASKS=IMMEDIATE):
        job = start_export(guxi, "export=xlsx&sort=credit_code&page=3", rows=visible)
    assert (job.status, job.code, job.kind, job.user) == (JobStatus.SUCCEEDED, "", "export", guxi)
    assert job.params["view"] == "tiaodu.enterprises.views.EnterpriseListView"
    assert job.params["path"] == LIST and "page" not in job.params["query"]
    assert (job.rows_total, job.rows_done) == (visible, visible)  # counted as the rows were written
    assert job.title == "企业服务导出(XLSX)"
    assert job.file_name.startswith("enterprises-") and job.file_name.endswith(".xlsx")
    assert files_of(job.pk) == [f"job-{job.pk}.result"]  # no progress file, no partial file left
    assert (job_dir() / job.result_name).stat().st_mode & 0o777 == 0o600

    client = client_for(guxi)
    response = client.get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == f'attachment; filename="{job.file_name}"'
    assert response["Cache-Control"] == "private, no-store"
    rows = sheet_rows(downloaded(response))
    # the same rows, in the same order, as the synchronous export of the same request
    synchronous = client.get(LIST, {"export": "xlsx", "sort": "credit_code"})
    assert rows == sheet_rows(downloaded(synchronous))
    assert len(rows) == visible + 1
    town = rows[0].index("所属镇街")
    assert {row[town] for row in rows[1:]} == {"古溪镇"}


@pytest.mark.usefixtures("enterprises")
def test_export_job_keeps_the_filters_and_the_format(users: Any, client_for: Any) -> None:
    with override_settings(TASKS=IMMEDIATE):
        job = start_export(users["admin"], "export=csv&q=导入测试企业81", kind="csv")
    assert job.status == JobStatus.SUCCEEDED and job.rows_done == 6
    response = client_for(users["admin"]).get(f"/jobs/{job.pk}/download/")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = downloaded(response).decode("utf-8-sig")
    assert text.count("导入测试企业81") == 6 and "导入测试企业82" not in text


@pytest.mark.usefixtures("enterprises")
def test_nobody_else_sees_or_downloads_a_job(users: Any, client_for: Any) -> None:
    with override_settings(TASKS=IMMEDIATE):
        job = start_export(users["guxi"])
    assert client_for(users["guxi"]).get(f"/jobs/{job.pk}/").status_code == 200
    twin = accounts.create_user(
        None, username="guxi-twin", role=users["guxi"].role, region_code=GUXI, password="Twin-pw-2026-guxi"
    ).user
    missing = client_for(users["yuxi"]).get("/jobs/999999/")
    assert missing.status_code == 404
    for other in (users["yuxi"], users["admin"], twin):
        client = client_for(other)
        for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/download/"):
            response = client.get(url)
            assert response.status_code == 404, (other, url)
            assert response.templates[0].name == missing.templates[0].name == "404.html"
        assert client.get(f"/jobs/{job.pk}/", **HTMX).status_code == 404
        assert f'data-job="{job.pk}"' not in client.get("/jobs/").content.decode()
    assert Client().get(f"/jobs/{job.pk}/download/").status_code == 302  # to the login page


@pytest.mark.usefixtures("enterprises")
def test_my_exports_lists_the_owners_jobs(users: Any, client_for: Any) -> None:
    with override_settings(TASKS=IMMEDIATE):
        job = start_export(users["guxi"])
    page = client_for(users["guxi"]).get("/jobs/").content.decode()
    assert "<title>我的导出" in page or ">我的导出</h1>" in page
    assert f'<tr data-job="{job.pk}">' in page and f'href="/jobs/{job.pk}/download/"' in page
    assert "已完成" in page and "企业服务导出(XLSX)" in page


def test_the_hook_decides_by_rows(users: Any) -> None:
    queryset = Enterprise.objects.restrict(users["admin"])
    count = queryset.count()
    assert views_jobs.export_background_rows() == 5000
    request = list_request(users["admin"], "export=csv")
    view = EnterpriseListView()
    view.setup(request)
    with override_settings(EXPORT_BACKGROUND_ROWS=count, TASKS=DB_TASKS):
        assert views_jobs.export_in_background(request, view, queryset, "csv") is None
    with override_settings(EXPORT_BACKGROUND_ROWS=count - 1, TASKS=DB_TASKS):
        response = views_jobs.export_in_background(request, view, queryset, "csv")
        assert response is not None and response.status_code == 303
        job = Job.objects.get(pk=int(response["Location"].split("/")[2]))
        assert (job.status, job.rows_total, job.user) == (JobStatus.QUEUED, count, users["admin"])
        # the request the worker rebuilds exports at once, whatever its size
        rebuilt = views_jobs.rebuild_request(job, users["admin"])
        assert views_jobs.export_in_background(rebuilt, view, queryset, "csv") is None


# --- the worker: progress, failures, housekeeping -------------------------------------------------


@override_settings(TASKS=DB_TASKS)
@pytest.mark.usefixtures("enterprises", "keep_signal_handlers")
def test_queued_job_polls_then_the_worker_finishes_it(users: Any, client_for: Any, monkeypatch: Any) -> None:
    owner = client_for(users["guxi"])
    visible = Enterprise.objects.restrict(users["guxi"]).count()
    job = start_export(users["guxi"], rows=visible)
    assert job.status == JobStatus.QUEUED and job.task_id
    page = owner.get(f"/jobs/{job.pk}/").content.decode()
    assert f'hx-get="/jobs/{job.pk}/" hx-trigger="every 1s" hx-swap="outerHTML"' in page
    assert (
        '<button class="btn btn-primary" type="button" id="job-download" disabled aria-busy="true">' in page
    )
    assert 'data-phase="queued"' in page and f'max="{visible}" value="0"' in page
    assert owner.get(f"/jobs/{job.pk}/download/").status_code == 404  # nothing to download yet

    # while the worker runs: rows done, as its progress file says
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    from tiaodu.core.jobs import write_progress_file

    write_progress_file(file_jobs.progress_path(job.pk), file_jobs.PHASE_EXPORT, 4, visible)
    fragment = owner.get(f"/jobs/{job.pk}/", **HTMX).content.decode()
    assert fragment.lstrip().startswith('<div id="file-job"') and 'data-phase="export"' in fragment
    assert f'<span id="job-done">4</span> / <span id="job-total">{visible}</span> 行' in fragment
    assert (
        f'data-progress="{job.pk}">正在导出数据行 4/{visible}</span>' in owner.get("/jobs/").content.decode()
    )
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, started_at=None)

    run_db_worker(monkeypatch)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.rows_done == visible
    fragment = owner.get(f"/jobs/{job.pk}/", **HTMX).content.decode()
    assert "hx-trigger" not in fragment and f'href="/jobs/{job.pk}/download/"' in fragment
    assert owner.get(f"/jobs/{job.pk}/download/").status_code == 200


@pytest.mark.usefixtures("enterprises")
def test_a_failing_producer_leaves_no_file(users: Any, client_for: Any, monkeypatch: Any) -> None:
    monkeypatch.setitem(file_jobs.PRODUCERS, "export", f"{__name__}.half_then_crash")
    with override_settings(TASKS=IMMEDIATE):
        job = start_export(users["guxi"])
    assert (job.status, job.code) == (JobStatus.FAILED, "job_failed")
    assert job.message == "后台生成出错(MemoryError),未生成文件,请重试"
    assert files_of(job.pk) == []
    assert client_for(users["guxi"]).get(f"/jobs/{job.pk}/download/").status_code == 404
    html = client_for(users["guxi"]).get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-code="job_failed"' in html and "生成失败" in html


def half_then_crash(job: Job, user: Any, progress: Any) -> file_jobs.Output:
    """A producer whose file breaks off half-way (the worker runs out of memory)."""

    def chunks() -> Any:
        yield b"first half of the file"
        assert file_jobs.partial_path(job.pk).exists()  # being written, not yet the result
        raise MemoryError("worker ran out of memory")

    return file_jobs.Output("text/csv", "x.csv", chunks())


@pytest.mark.usefixtures("enterprises")
def test_the_scope_is_the_owners_when_the_job_runs(users: Any, client_for: Any) -> None:
    from tiaodu.accounts.models import User

    with override_settings(TASKS=DB_TASKS):
        job = start_export(users["guxi"])
    # moved to a project-owner role without a unit before the worker ran: no enterprise rows
    User.objects.filter(pk=users["guxi"].pk).update(role="owner")
    file_jobs.run_file_job.call(job.pk)
    job.refresh_from_db()
    assert (job.status, job.rows_done) == (JobStatus.SUCCEEDED, 0)
    rows = sheet_rows(
        downloaded(client_for(User.objects.get(pk=users["guxi"].pk)).get(f"/jobs/{job.pk}/download/"))
    )
    assert len(rows) == 1 and "所属镇街" in rows[0]

    with override_settings(TASKS=DB_TASKS):
        other = start_export(users["yuxi"])
    User.objects.filter(pk=users["yuxi"].pk).update(is_active=False)
    file_jobs.run_file_job.call(other.pk)
    other.refresh_from_db()
    assert (other.status, other.code, files_of(other.pk)) == (JobStatus.FAILED, "job_user_missing", [])


@pytest.mark.usefixtures("enterprises")
def test_housekeeping_fails_interrupted_jobs_and_removes_expired_results(users: Any) -> None:
    from tiaodu.core.tasks import housekeeping

    now = timezone.now()
    with override_settings(TASKS=IMMEDIATE):
        kept, expired = start_export(users["guxi"]), start_export(users["guxi"])
    Job.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(minutes=1))
    with override_settings(TASKS=DB_TASKS):
        dead, never = start_export(users["guxi"]), start_export(users["guxi"])
    # a worker died half an hour ago while writing: its partial file and an old heartbeat remain
    Job.objects.filter(pk=dead.pk).update(status=JobStatus.RUNNING, started_at=now - timedelta(minutes=30))
    file_jobs.partial_path(dead.pk).write_bytes(b"half")
    old = (now - timedelta(minutes=20)).timestamp()
    os.utime(file_jobs.progress_path(dead.pk), (old, old))
    Job.objects.filter(pk=never.pk).update(created_at=now - timedelta(days=2))
    # a result file whose job row is gone (a restored database), two days old
    orphan = job_dir() / "job-987654.result"
    orphan.write_bytes(b"orphan")
    os.utime(orphan, (old - 2 * 86400, old - 2 * 86400))

    value = housekeeping.call()
    assert value["stale_jobs_failed"] == 2 and value["expired_jobs_removed"] == 1
    dead.refresh_from_db()
    never.refresh_from_db()
    assert (dead.status, dead.code) == (JobStatus.FAILED, "job_interrupted")
    assert dead.message == "后台生成中断(处理进程已停止,10分钟无进展),未生成文件,请重试"
    assert (never.status, never.code) == (JobStatus.FAILED, "job_not_started")
    assert files_of(dead.pk) == [] and files_of(never.pk) == []
    assert not Job.objects.filter(pk=expired.pk).exists() and files_of(expired.pk) == []
    assert files_of(kept.pk) == [f"job-{kept.pk}.result"]
    assert not orphan.exists()
    # a task that starts after its job failed as stale does nothing
    assert file_jobs.run_file_job.call(never.pk) == {"job": never.pk, "status": "skipped"}


class HookedEnterpriseList(EnterpriseListView):
    """The enterprises list with the hook the list component's export gets (ADR 0034)."""

    def export(self, queryset: Any, kind: str) -> Any:
        background = views_jobs.export_in_background(self.request, self, queryset, kind)
        if background is not None:
            return background
        return super().export(queryset, kind)


@pytest.mark.usefixtures("enterprises")
def test_the_hook_in_a_list_view_round_trip(users: Any, client_for: Any) -> None:
    guxi = users["guxi"]
    visible = Enterprise.objects.restrict(guxi).count()
    view = HookedEnterpriseList.as_view()
    with override_settings(TASKS=IMMEDIATE):
        small = view(list_request(guxi, "export=xlsx"))
        with override_settings(EXPORT_BACKGROUND_ROWS=visible - 1):
            large = view(list_request(guxi, "export=xlsx"))
    assert small.status_code == 200 and len(sheet_rows(downloaded(small))) == visible + 1
    assert large.status_code == 303
    job = Job.objects.get(pk=int(large["Location"].split("/")[2]))
    assert job.params["view"] == f"{__name__}.HookedEnterpriseList"
    assert (job.status, job.rows_done) == (JobStatus.SUCCEEDED, visible)
    rows = sheet_rows(downloaded(client_for(guxi).get(f"/jobs/{job.pk}/download/")))
    assert rows == sheet_rows(downloaded(small))


@pytest.mark.usefixtures("enterprises")
def test_a_busy_database_is_waited_out_when_the_job_finishes(users: Any, monkeypatch: Any) -> None:
    """On SQLite a long import holds the only write lock: the job's own status write waits."""
    from django.db import OperationalError
    from django.db.models import QuerySet

    with override_settings(TASKS=DB_TASKS):
        job = start_export(users["guxi"])
    original, refused = QuerySet.update, []

    def locked_once(self: Any, **values: Any) -> int:
        if self.model is Job and values.get("status") == JobStatus.SUCCEEDED and not refused:
            refused.append(values["status"])
            raise OperationalError("database is locked")
        return original(self, **values)

    monkeypatch.setattr(QuerySet, "update", locked_once)
    monkeypatch.setattr("tiaodu.core.worker._reset_connections", lambda: None)  # the test's transaction
    monkeypatch.setattr("tiaodu.core.worker.time.sleep", lambda seconds: None)
    assert file_jobs.run_file_job.call(job.pk)["status"] == JobStatus.SUCCEEDED
    job.refresh_from_db()
    assert refused and job.status == JobStatus.SUCCEEDED and files_of(job.pk) == [f"job-{job.pk}.result"]
