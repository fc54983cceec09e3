"""Large web imports run as background tasks with progress (ADR 0031): the immediate and the
database task backends, the progress fragment, a rejected file writing nothing, scope (404 for
anyone else), a worker that died, and the cheap row count that decides."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from openpyxl import Workbook

from tiaodu.core import jobs
from tiaodu.core.imports import PHASE_CHECK, PHASE_WRITE, run_import
from tiaodu.core.models import ImportBatch, ImportStatus
from tiaodu.core.tests.test_tasks import DB_TASKS, keep_signal_handlers, run_db_worker  # noqa: F401
from tiaodu.enterprises.models import Enterprise
from tiaodu.enterprises.tests.test_imports import ENTERPRISE_HEADERS, bad_checksum, code, enterprise_row

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PAGE = "/enterprises/import/enterprises/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def enterprises_file(first: int, count: int, bad: dict[int, list[Any]] | None = None) -> bytes:
    rows = [enterprise_row(n) for n in range(first, first + count)]
    for index, row in (bad or {}).items():
        rows[index] = row
    return xlsx_bytes([ENTERPRISE_HEADERS, *rows])


def upload(client: Any, name: str, content: bytes) -> Any:
    return client.post(PAGE, {"file": SimpleUploadedFile(name, content)})


def batch_of(response: Any) -> ImportBatch:
    assert response.status_code == 303
    location = response["Location"]
    assert location.startswith(f"{PAGE}?batch=")
    return ImportBatch.objects.get(pk=int(location.rsplit("=", 1)[1]))


def job_files(batch: ImportBatch) -> list[str]:
    return sorted(name for name in os.listdir(jobs.job_dir()) if name.startswith(f"import-{batch.pk}."))


# --- counting rows ---------------------------------------------------------------------------------


def test_count_rows_of_xlsx_and_csv() -> None:
    assert jobs.background_rows() == 300
    data = enterprises_file(7000, 12)
    assert jobs.count_rows(io.BytesIO(data), "a.xlsx") == 13
    text = "\r\n".join(",".join(enterprise_row(n)) for n in range(7000, 7004)).encode("gbk")
    assert jobs.count_rows(io.BytesIO(text + b"\r\n"), "a.csv") == 4
    assert jobs.count_rows(io.BytesIO(text), "a.csv") == 4  # no newline after the last line
    stream = io.BytesIO(data)
    stream.seek(5)
    jobs.count_rows(stream, "a.xlsx")
    assert stream.tell() == 5  # the upload is left where it was
    assert jobs.count_rows(io.BytesIO(b"PK\x03\x04 not a zip"), "a.xlsx") == 0
    assert jobs.count_rows(io.BytesIO(b"\xd0\xcf\x11\xe0"), "a.xls") == 0


def test_small_upload_stays_inline(users: Any, client_for: Any) -> None:
    with override_settings(IMPORT_BACKGROUND_ROWS=5, TASKS=IMMEDIATE):
        response = upload(client_for(users["guxi"]), "小.xlsx", enterprises_file(7010, 4))
    assert response.status_code == 200
    assert '<dd class="col-sm-10" data-count="created">4</dd>' in response.content.decode()
    batch = ImportBatch.objects.get(file_name="小.xlsx")
    assert (batch.status, batch.rows_total, batch.task_id, batch.started_at) == ("succeeded", 0, "", None)


# --- immediate backend -----------------------------------------------------------------------------


def test_large_upload_runs_as_task_immediate(users: Any, client_for: Any) -> None:
    client = client_for(users["guxi"])
    with override_settings(IMPORT_BACKGROUND_ROWS=5, TASKS=IMMEDIATE):
        batch = batch_of(upload(client, "大.xlsx", enterprises_file(7020, 12)))
    assert batch.status == ImportStatus.SUCCEEDED
    assert (batch.rows_total, batch.rows, batch.created_count, batch.error_count) == (13, 12, 12, 0)
    assert batch.user == users["guxi"] and batch.task_id
    assert batch.started_at is not None and batch.finished_at >= batch.started_at
    assert batch.message == "导入企业名录成功:共12行,新增12条,更新0条。"
    assert Enterprise.objects.filter(credit_code__in=[code(n) for n in range(7020, 7032)]).count() == 12
    assert job_files(batch) == []  # the stored upload and the progress file are gone
    entry = LogEntry.objects.get_for_object(batch).get()
    assert entry.changes["created_count"] == [None, 12] and entry.actor == users["guxi"]

    # The page shows the same result as an inline import; the fragment no longer polls.
    page = client.get(f"{PAGE}?batch={batch.pk}").content.decode()
    assert 'id="import-job"' in page and 'data-status="succeeded"' in page
    assert '<dd class="col-sm-10" data-count="created">12</dd>' in page
    assert "progress.js" in page and 'data-td-busy="正在上传…"' in page
    fragment = client.get(f"{PAGE}?batch={batch.pk}", **HTMX).content.decode()
    assert fragment.lstrip().startswith('<div id="import-job"') and "hx-trigger" not in fragment
    assert '<dd class="col-sm-10" data-count="created">12</dd>' in fragment


def test_rejected_large_upload_writes_nothing(users: Any, client_for: Any) -> None:
    client = client_for(users["guxi"])
    count = Enterprise.objects.count()
    bad = {3: [bad_checksum(7043), *enterprise_row(7043)[1:]], 8: enterprise_row(7048, town="不存在镇")}
    with override_settings(IMPORT_BACKGROUND_ROWS=5, TASKS=IMMEDIATE):
        batch = batch_of(upload(client, "坏.xlsx", enterprises_file(7040, 12, bad)))
    assert (batch.status, batch.code, batch.created_count, batch.error_count) == (
        "failed",
        "validation_error",
        0,
        2,
    )
    assert [(e["row"], e["field"], e["code"]) for e in batch.errors] == [
        (5, "统一社会信用代码", "credit_code_invalid"),
        (10, "所属镇街", "township_unknown"),
    ]
    assert Enterprise.objects.count() == count
    html = client.get(f"{PAGE}?batch={batch.pk}", **HTMX).content.decode()
    assert 'data-code="validation_error"' in html and 'id="import-errors"' in html
    assert "<td>5</td><td>统一社会信用代码</td>" in html and "<td>10</td><td>所属镇街</td>" in html
    assert "导入企业名录失败:2行有错误,数据库未作任何修改。" in html


def test_crash_during_write_leaves_nothing(users: Any, client_for: Any, monkeypatch: Any) -> None:
    from tiaodu.enterprises.imports import EnterpriseImporter

    original = EnterpriseImporter.write

    def write_then_crash(self: Any, ctx: Any, rows: Any) -> None:
        original(self, ctx, rows)
        assert Enterprise.objects.filter(credit_code=code(7060)).exists()  # written, not committed
        raise MemoryError("worker ran out of memory")

    monkeypatch.setattr(EnterpriseImporter, "write", write_then_crash)
    with override_settings(IMPORT_BACKGROUND_ROWS=5, TASKS=IMMEDIATE):
        batch = batch_of(upload(client_for(users["guxi"]), "崩.xlsx", enterprises_file(7060, 8)))
    assert (batch.status, batch.code) == ("failed", "job_failed")
    assert batch.message == "后台导入出错(MemoryError),数据库未作任何修改,请重新导入"
    assert not Enterprise.objects.filter(credit_code=code(7060)).exists()
    assert job_files(batch) == []


# --- database backend: queued, progress, scope, worker ------------------------------------------


@override_settings(TASKS=DB_TASKS, IMPORT_BACKGROUND_ROWS=5)
@pytest.mark.usefixtures("keep_signal_handlers")
def test_database_backend_progress_scope_and_worker(users: Any, client_for: Any, monkeypatch: Any) -> None:
    owner = client_for(users["guxi"])
    batch = batch_of(upload(owner, "队列.xlsx", enterprises_file(7080, 9)))
    assert (batch.status, batch.rows_total) == ("queued", 10)
    stored = jobs.upload_path(batch)
    assert stored.exists() and stored.stat().st_mode & 0o777 == 0o600

    fragment = owner.get(f"{PAGE}?batch={batch.pk}", **HTMX).content.decode()
    assert f'hx-get="{PAGE}?batch={batch.pk}" hx-trigger="every 1s" hx-swap="outerHTML"' in fragment
    assert 'data-phase="queued"' in fragment and "排队等待后台处理" in fragment
    assert 'max="10" value="0"' in fragment
    history = owner.get(PAGE).content.decode()
    assert f'href="?batch={batch.pk}"' in history and "排队中" in history

    # Only the user who started it, and administrators.
    assert client_for(users["yuxi"]).get(f"{PAGE}?batch={batch.pk}").status_code == 404
    assert client_for(users["yuxi"]).get(f"{PAGE}?batch={batch.pk}", **HTMX).status_code == 404
    assert client_for(users["admin"]).get(f"{PAGE}?batch={batch.pk}").status_code == 200
    # A batch opens on its own kind's page only.
    assert client_for(users["admin"]).get(f"/projects/import/projects/?batch={batch.pk}").status_code == 404

    # While the worker runs: rows done, as the worker's progress file says.
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING, started_at=timezone.now())
    jobs.write_progress(batch.pk, PHASE_CHECK, 6, 10)
    fragment = owner.get(f"{PAGE}?batch={batch.pk}", **HTMX).content.decode()
    assert 'data-phase="check"' in fragment and 'max="10" value="6"' in fragment
    assert '<span id="import-rows-done">6</span> / <span id="import-rows-total">10</span>' in fragment
    assert f'<span class="small text-muted d-block" data-progress="{batch.pk}">正在检查数据 6/10</span>' in (
        owner.get(PAGE).content.decode()
    )
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.QUEUED, started_at=None)

    run_db_worker(monkeypatch)
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.rows) == ("succeeded", 9, 9)
    assert not stored.exists() and not jobs.progress_path(batch.pk).exists()
    assert Enterprise.objects.filter(credit_code__in=[code(n) for n in range(7080, 7089)]).count() == 9
    fragment = owner.get(f"{PAGE}?batch={batch.pk}", **HTMX).content.decode()
    assert "hx-trigger" not in fragment and '<dd class="col-sm-10" data-count="created">9</dd>' in fragment


# --- progress reported by the import itself -----------------------------------------------------


def test_run_import_reports_progress(tmp_path: Any, users: Any) -> None:
    path = tmp_path / "p.xlsx"
    path.write_bytes(enterprises_file(7100, 5))
    calls: list[tuple[str, int, int]] = []
    result = run_import(
        "enterprises", path, actor=users["guxi"], progress=lambda *a: calls.append(a), total_rows=6
    )
    assert result.created == 5
    assert [c for c in calls if c[0] == PHASE_CHECK] == [(PHASE_CHECK, n, 6) for n in range(2, 7)]
    # then writing (the enterprises importer writes in bulk and reports no row of it)
    assert calls[-1] == (PHASE_WRITE, 0, 5)
    jobs.write_progress(999_002, *calls[-1])
    batch = ImportBatch(pk=999_002, status=ImportStatus.RUNNING, rows_total=6)
    assert jobs.progress_of(batch) == {
        "phase": PHASE_WRITE,
        "label": "正在写入数据库",
        "done": 0,
        "total": None,  # an indeterminate bar
        "percent": None,
    }
    jobs.write_progress(999_002, PHASE_WRITE, 2, 5)
    assert jobs.progress_of(batch) == {
        "phase": PHASE_WRITE,
        "label": "正在写入数据库",
        "done": 2,
        "total": 5,
        "percent": 40,
    }
    jobs.progress_path(999_002).unlink()

    # The default row-by-row write reports every row written (a visits import writes that way).
    progress = jobs.ProgressFile(999_001, 6)
    progress(PHASE_WRITE, 3, 5)
    assert jobs.read_progress(999_001)[0] == {"phase": PHASE_WRITE, "done": 3, "total": 5}
    progress(PHASE_WRITE, 4, 5)  # within half a second: kept, not written
    assert jobs.read_progress(999_001)[0]["done"] == 3
    progress.flush()
    assert jobs.read_progress(999_001)[0]["done"] == 4
    jobs.progress_path(999_001).unlink()


# --- a worker that died ------------------------------------------------------------------------------


def test_stale_batches_are_failed(users: Any, client_for: Any) -> None:
    now = timezone.now()

    def batch(status: str, **fields: Any) -> ImportBatch:
        return ImportBatch.objects.create(
            kind="enterprises",
            file_name=f"{status}.xlsx",
            user=users["guxi"],
            status=status,
            rows_total=500,
            **fields,
        )

    dead = batch(ImportStatus.RUNNING, started_at=now - timedelta(minutes=30))
    alive = batch(ImportStatus.RUNNING, started_at=now - timedelta(minutes=30))
    jobs.write_progress(alive.pk, PHASE_WRITE, 0, 0)  # a heartbeat just now
    silent = batch(ImportStatus.RUNNING, started_at=now - timedelta(minutes=30))
    jobs.write_progress(silent.pk, PHASE_CHECK, 200, 501)
    old = time.time() - 11 * 60
    os.utime(jobs.progress_path(silent.pk), (old, old))  # its last heartbeat 11 minutes ago
    waiting = batch(ImportStatus.QUEUED)
    forgotten = batch(ImportStatus.QUEUED)
    ImportBatch.objects.filter(pk=forgotten.pk).update(created_at=now - timedelta(days=2))

    assert jobs.fail_stale_batches() == 3
    states = {
        b.pk: (b.status, b.code)
        for b in ImportBatch.objects.filter(pk__in=[dead.pk, alive.pk, silent.pk, waiting.pk, forgotten.pk])
    }
    assert states == {
        dead.pk: ("failed", "job_interrupted"),
        alive.pk: ("running", ""),
        silent.pk: ("failed", "job_interrupted"),
        waiting.pk: ("queued", ""),
        forgotten.pk: ("failed", "job_not_started"),
    }
    dead.refresh_from_db()
    assert dead.message == "后台导入中断(处理进程已停止,10分钟无进展),数据库未作任何修改,请重新导入"
    assert dead.errors == [{"field": "文件", "code": "job_interrupted", "message": dead.message}]
    assert dead.finished_at is not None
    assert not jobs.progress_path(silent.pk).exists()

    # Looking at a batch whose worker died is enough to see it failed.
    ImportBatch.objects.filter(pk=alive.pk).update(started_at=now - timedelta(hours=1))
    os.utime(jobs.progress_path(alive.pk), (old, old))
    html = client_for(users["guxi"]).get(f"{PAGE}?batch={alive.pk}", **HTMX).content.decode()
    assert 'data-code="job_interrupted"' in html and "hx-trigger" not in html
    assert ImportBatch.objects.get(pk=alive.pk).status == "failed"


def test_the_history_link_of_a_running_import_opens_its_progress(users: Any, client_for: Any) -> None:
    batch = ImportBatch.objects.create(
        kind="enterprises",
        file_name="big.xlsx",
        user=users["guxi"],
        status=ImportStatus.RUNNING,
        rows_total=500,
        started_at=timezone.now(),
    )
    jobs.write_progress(batch.pk, PHASE_CHECK, 120, 500)
    client = client_for(users["guxi"])
    response = client.get(f"/enterprises/import/batches/{batch.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?batch={batch.pk}"
    # Once finished, the same link shows the stored outcome.
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.SUCCEEDED, finished_at=timezone.now())
    assert client.get(f"/enterprises/import/batches/{batch.pk}/").status_code == 200
