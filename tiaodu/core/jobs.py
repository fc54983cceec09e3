"""Long work with progress: large imports run as background tasks (ADR 0031).

An upload whose file has more than ``settings.IMPORT_BACKGROUND_ROWS`` rows (300 by default) is
not imported during the request. :func:`start_import` stores the file under the data directory
(``DATA_DIR/jobs``, readable by the platform's user only), creates its
:class:`~tiaodu.core.models.ImportBatch` at once as 排队中 with the file's row count, and
enqueues :func:`run_import_job`. The worker marks the batch 导入中, runs the same
:func:`~tiaodu.core.imports.run_import` as an inline import (one transaction: all or nothing) and
gives the batch its outcome; the stored file is removed whatever happens.

Progress (phase, rows done, rows total) is a small JSON file next to the stored upload, written
atomically (write then rename) at most every half second, plus a heartbeat every few seconds
from a thread of the worker. It is not a database row: on SQLite the import's own transaction
holds the only write lock until it ends, so a progress UPDATE from a second connection would
wait for it (and one on the import's connection would be invisible until the commit, and rolled
back with it). A file works the same on SQLite and PostgreSQL and costs the database nothing;
with RQ workers on other machines the data directory must be shared, as it must anyway for the
stored upload.

A worker that dies (killed, out of memory, machine restarted) leaves its transaction uncommitted,
so nothing of the import is written, and its batch 导入中 with a heartbeat that stops:
:func:`fail_stale_batches` marks such a batch failed (``job_interrupted``) once the heartbeat is
older than ``settings.JOB_STALE_MINUTES`` (10). It runs when the next import task starts, when
the batch's page is looked at, and from housekeeping. A batch still 排队中 after a day (no worker
ran) is failed as ``job_not_started``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from auditlog.context import disable_auditlog
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from tiaodu.core.errors import FieldError, Forbidden, ServiceError
from tiaodu.core.imports import (
    FILE_FIELD,
    PHASE_CHECK,
    PHASE_WRITE,
    ImportResult,
    get_importer,
    importer_title,
    record_batch,
    run_import,
)
from tiaodu.core.models import ImportBatch, ImportStatus

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

logger = logging.getLogger(__name__)

PHASE_QUEUED = "queued"
PROGRESS_INTERVAL = 0.5  # seconds between two progress writes
HEARTBEAT_SECONDS = 5.0
QUEUED_EXPIRY = timedelta(days=1)
IN_PROGRESS = (ImportStatus.QUEUED, ImportStatus.RUNNING)


def background_rows() -> int:
    """Uploads with more rows than this run as background tasks."""
    return int(getattr(settings, "IMPORT_BACKGROUND_ROWS", 300))


def stale_after() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "JOB_STALE_MINUTES", 10)))


def job_dir() -> Path:
    path = Path(settings.DATA_DIR) / "jobs"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def upload_path(batch: ImportBatch) -> Path:
    return job_dir() / f"import-{batch.pk}{os.path.splitext(batch.file_name)[1].lower()}"


def progress_path(batch_id: int) -> Path:
    return job_dir() / f"import-{batch_id}.progress.json"


# --- counting a file's rows (cheaply, before deciding) -------------------------------------------

_ROW_TAG = re.compile(rb"<(?:\w{1,8}:)?row[\s>/]")
_TAIL = 16  # longer than any row tag


def count_rows(source: IO[bytes], name: str) -> int:
    """The rows of an uploaded .csv (its lines) or .xlsx (the ``<row>`` elements of the first
    worksheet), header included, without parsing cells; 0 when the file cannot be read this way
    (it is then imported inline, which reports the problem as today)."""
    ext = os.path.splitext(name)[1].lower()
    position = source.tell()
    try:
        source.seek(0)
        if ext == ".csv":
            return _csv_lines(source)
        if ext == ".xlsx":
            return _xlsx_rows(source)
        return 0
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return 0
    finally:
        source.seek(position)


def _csv_lines(source: IO[bytes]) -> int:
    lines, last = 0, b""
    for chunk in iter(lambda: source.read(1 << 20), b""):
        lines += chunk.count(b"\n")
        last = chunk
    return lines + (1 if last and not last.endswith(b"\n") else 0)


def _xlsx_rows(source: IO[bytes]) -> int:
    with zipfile.ZipFile(source) as archive:
        member = _first_sheet(archive)
        count, tail = 0, b""
        with archive.open(member) as sheet:
            for chunk in iter(lambda: sheet.read(1 << 20), b""):
                data = tail + chunk
                limit = len(data) - _TAIL
                count += sum(1 for m in _ROW_TAG.finditer(data) if m.start() < limit)
                tail = data[max(limit, 0) :] if limit > 0 else data
            count += len(_ROW_TAG.findall(tail))
        return count


def _first_sheet(archive: zipfile.ZipFile) -> str:
    workbook = archive.read("xl/workbook.xml")
    match = re.search(rb"<(?:\w+:)?sheet\b[^>]*?\b\w+:id=\"([^\"]+)\"", workbook)
    if match is None:
        raise KeyError("sheet")
    rels = archive.read("xl/_rels/workbook.xml.rels")
    for rel in re.finditer(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        attrs = dict(re.findall(rb"(\w+)=\"([^\"]*)\"", rel.group(0)))
        if attrs.get(b"Id") == match.group(1):
            target = attrs[b"Target"].decode()
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError("sheet")


# --- progress -----------------------------------------------------------------------------------


def write_progress(batch_id: int, phase: str, done: int, total: int) -> None:
    """Replace the progress file at once (readers never see half a file)."""
    write_progress_file(progress_path(batch_id), phase, done, total)


def write_progress_file(path: Path, phase: str, done: int, total: int) -> None:
    """Replace the progress file ``path`` at once (write then rename)."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
    temporary.write_text(json.dumps({"phase": phase, "done": done, "total": total}))
    os.replace(temporary, path)


def read_progress(batch_id: int) -> tuple[dict[str, Any], datetime] | None:
    """The last progress written and when (the heartbeat), or None."""
    return read_progress_file(progress_path(batch_id))


def read_progress_file(path: Path) -> tuple[dict[str, Any], datetime] | None:
    """The progress stored in ``path`` and when it was written, or None."""
    try:
        data = json.loads(path.read_text())
        beat = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.get_current_timezone())
    except (OSError, ValueError):
        return None
    return data, beat


class ProgressFile:
    """The ``progress`` callable of :func:`run_import`: keeps the latest state, writes it at most
    every :data:`PROGRESS_INTERVAL` seconds (and at once when the phase changes), and while
    :meth:`heartbeat` is open rewrites it every :data:`HEARTBEAT_SECONDS` from a thread, so that
    a live import is told apart from one whose worker died even while a bulk write says nothing."""

    def __init__(self, batch_id: int, total: int, path: Path | None = None) -> None:
        self.batch_id = batch_id
        self.path = path  # None: the import batch's progress file
        self.state = (PHASE_QUEUED, 0, total)
        self.written_at = 0.0
        self.lock = threading.Lock()

    def __call__(self, phase: str, done: int, total: int) -> None:
        changed = phase != self.state[0]
        self.state = (phase, done, total)
        now = time.monotonic()
        if changed or now - self.written_at >= PROGRESS_INTERVAL:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        with self.lock:
            self.written_at = time.monotonic() if now is None else now
            write_progress_file(self.path or progress_path(self.batch_id), *self.state)

    @contextlib.contextmanager
    def heartbeat(self) -> Iterator[None]:
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(HEARTBEAT_SECONDS):
                with contextlib.suppress(OSError):
                    self.flush()

        thread = threading.Thread(target=beat, name=f"job-{self.batch_id}-heartbeat", daemon=True)
        self.flush()
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


PHASE_LABELS = {
    PHASE_QUEUED: _("排队等待后台处理"),
    PHASE_CHECK: _("正在检查数据"),
    PHASE_WRITE: _("正在写入数据库"),
}


def progress_of(batch: ImportBatch) -> dict[str, Any]:
    """What the progress bar shows: phase, its label, rows done and total (None: unknown, the
    bar is indeterminate) and the percentage."""
    stored = read_progress(batch.pk) if batch.in_progress else None
    phase, done, total = PHASE_QUEUED, 0, batch.rows_total
    if stored is not None:
        phase = str(stored[0].get("phase", PHASE_QUEUED))
        done, total = int(stored[0].get("done", 0)), int(stored[0].get("total", 0))
    elif batch.status == ImportStatus.RUNNING:
        phase = PHASE_CHECK
    known = total > 0 and not (phase == PHASE_WRITE and done == 0)
    done = min(done, total) if known else done
    return {
        "phase": phase,
        "label": str(PHASE_LABELS.get(phase, phase)),
        "done": done,
        "total": total if known else None,
        "percent": int(done * 100 / total) if known else None,
    }


# --- starting and running ------------------------------------------------------------------------


def start_import(
    kind: str, upload: Any, *, actor: User, partial: bool, file_name: str, rows: int
) -> ImportBatch:
    """Queue the import of an uploaded file (``upload``: a Django UploadedFile) as a background
    task; returns its batch (排队中, or already finished with the immediate backend)."""
    importer = get_importer(kind)
    if not importer.allowed(actor):
        raise Forbidden(audit=f"import {kind}")
    name = Path(file_name).name[:255]
    with disable_auditlog():  # the import's audit entry is written with its outcome
        batch = ImportBatch.objects.create(
            kind=kind,
            file_name=name,
            user=actor,
            partial=partial,
            status=ImportStatus.QUEUED,
            message=f"{importer.title}:{PHASE_LABELS[PHASE_QUEUED]}",
            rows_total=rows,
        )
    path = upload_path(batch)
    path.unlink(missing_ok=True)  # left by a database restored or recreated under the same data dir
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    write_progress(batch.pk, PHASE_QUEUED, 0, rows)
    try:
        queued = run_import_job.enqueue(batch.pk)
    except Exception as exc:  # the queue is unreachable (Redis down, …): say so, keep nothing
        logger.exception("could not enqueue import batch %s", batch.pk)
        _finish_failed(batch, "job_enqueue_failed", f"无法加入后台任务队列({type(exc).__name__}),请稍后重试")
        _remove_files(batch)
    else:
        ImportBatch.objects.filter(pk=batch.pk, task_id="").update(task_id=str(queued.id)[:64])
    batch.refresh_from_db()
    return batch


@task()
def run_import_job(batch_id: int) -> dict[str, Any]:
    """Run one queued import (see the module's docstring). The payload is the batch's id only."""
    fail_stale_batches()
    now = timezone.now()
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=now, message=str(PHASE_LABELS[PHASE_CHECK])
    )
    if not claimed:  # failed as stale meanwhile, or run twice
        return {"batch": batch_id, "status": "skipped"}
    batch = ImportBatch.objects.select_related("user").get(pk=batch_id)
    progress = ProgressFile(batch.pk, batch.rows_total)
    try:
        if batch.user is None:  # the user was removed while the task waited: run as nobody
            _finish_failed(batch, "job_user_missing", "发起导入的用户已不存在,未导入")
            return {"batch": batch_id, "status": ImportStatus.FAILED}
        with progress.heartbeat():
            result = run_import(
                batch.kind,
                upload_path(batch),
                actor=batch.user,
                partial=batch.partial,
                file_name=batch.file_name,
                batch=batch,
                progress=progress,
                total_rows=batch.rows_total,
            )
        return {"batch": batch_id, "status": result.status, "code": result.code}
    except ServiceError as exc:  # no longer allowed to run this import, unknown kind
        code = "permission_denied" if isinstance(exc, Forbidden) else exc.code
        message = "您已无权执行此导入,未导入" if isinstance(exc, Forbidden) else exc.message
        _finish_failed(batch, code, message)
        return {"batch": batch_id, "status": ImportStatus.FAILED, "code": code}
    except BaseException as exc:
        # The import's transaction has rolled back; the error goes to the task result and the log.
        _finish_failed(
            batch, "job_failed", f"后台导入出错({type(exc).__name__}),数据库未作任何修改,请重新导入"
        )
        raise
    finally:
        _remove_files(batch)


def _finish_failed(batch: ImportBatch, code: str, message: str) -> None:
    """Give a queued or running batch a failed outcome (with its audit entry) unless another
    process finished it meanwhile."""
    claimed = ImportBatch.objects.filter(pk=batch.pk, status__in=IN_PROGRESS).update(
        status=ImportStatus.FAILED, code=code
    )
    if not claimed:
        return
    result = ImportResult(
        kind=batch.kind,
        title=importer_title(batch.kind),
        file_name=batch.file_name,
        partial=batch.partial,
        errors=[FieldError(FILE_FIELD, code, message)],
        code=code,
        message=message,
    )
    if batch.started_at:
        result.elapsed_ms = int((timezone.now() - batch.started_at).total_seconds() * 1000)
    record_batch(result, batch.user, batch)


def _remove_files(batch: ImportBatch) -> None:
    for path in (upload_path(batch), progress_path(batch.pk)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def stale_reason_of(
    task: Any, progress_file: Path, messages: dict[str, str], now: datetime | None = None
) -> tuple[str, str] | None:
    """(code, message) when a background task — an import batch or a file job, anything with
    ``status`` ("queued"/"running"), ``started_at`` and ``created_at`` — will never finish.

    ``job_interrupted``: running, and its progress file's heartbeat (else its start) is older
    than ``stale_after()`` — the worker died. ``job_not_started``: queued for longer than
    ``QUEUED_EXPIRY`` — no worker is running. ``messages`` words each for the kind of task;
    ``{minutes}`` is replaced by the stale interval.
    """
    now = now or timezone.now()
    code = None
    if task.status == ImportStatus.RUNNING:
        stored = read_progress_file(progress_file)
        beat = stored[1] if stored else (task.started_at or task.created_at)
        if beat < now - stale_after():
            code = "job_interrupted"
    elif task.status == ImportStatus.QUEUED and task.created_at < now - QUEUED_EXPIRY:
        code = "job_not_started"
    if code is None:
        return None
    return code, messages[code].format(minutes=int(stale_after().total_seconds() // 60))


STALE_IMPORT_MESSAGES = {
    "job_interrupted": "后台导入中断(处理进程已停止,{minutes}分钟无进展),数据库未作任何修改,请重新导入",
    "job_not_started": "后台导入一天内未开始(后台任务进程未运行),未导入,请重新导入",
}


def stale_reason(batch: ImportBatch, now: datetime | None = None) -> tuple[str, str] | None:
    """(code, message) when a queued or running batch will never finish, else None."""
    return stale_reason_of(batch, progress_path(batch.pk), STALE_IMPORT_MESSAGES, now)


def fail_if_stale(batch: ImportBatch, now: datetime | None = None) -> bool:
    reason = stale_reason(batch, now)
    if reason is None:
        return False
    logger.warning("import batch %s failed as stale: %s", batch.pk, reason[0])
    _finish_failed(batch, *reason)
    _remove_files(batch)
    batch.refresh_from_db()
    return True


def fail_stale_batches(now: datetime | None = None) -> int:
    """Fail every batch whose worker died or that no worker started (see the module docstring);
    returns how many. Cheap: it looks at queued and running batches only."""
    batches = ImportBatch.objects.filter(status__in=IN_PROGRESS).select_related("user")
    return sum(fail_if_stale(batch, now) for batch in batches)
