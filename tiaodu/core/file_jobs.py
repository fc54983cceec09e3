"""Long work whose result is a file: bulletins and large list exports as background jobs (ADR 0034).

:func:`start_job` records a :class:`~tiaodu.core.models.Job` (its kind, owner, parameters and
the language of the request) as 排队中 and enqueues :func:`run_file_job` with the job's id only.
The worker claims the job (排队中 → 生成中), calls the kind's *producer* as the job's owner and
writes what it returns to ``DATA_DIR/jobs/job-<id>.part``; only when the whole file is written is
it renamed to ``job-<id>.result`` and the job marked 已完成. Whatever fails leaves no file: the
partial file is removed and the job is 失败 with a stable code. Progress is a small JSON file
next to it, written by :class:`tiaodu.core.jobs.ProgressFile` exactly as for imports (ADR 0031),
with a heartbeat, so that :func:`fail_stale_jobs` can fail a job whose worker died.

Producers (``PRODUCERS``, dotted paths resolved when a job runs):

- ``bulletin``: :func:`tiaodu.monitoring.views_bulletin.produce_bulletin`, the same
  ``build_bulletin`` + ``render`` as the synchronous download;
- ``export``: :func:`tiaodu.core.views_jobs.produce_export`, which rebuilds the list request
  (same path, same query string, the owner as ``request.user``) and calls the list view itself,
  so the rows are those of the synchronous export, within the owner's scope at run time.

Only the owner sees a job (:func:`job_for`); anyone else, administrators included, gets the same
404 as for a job that does not exist. Results are kept ``settings.JOB_RESULT_DAYS`` (7) days;
housekeeping deletes expired jobs with their files (:func:`remove_expired_jobs`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditlog.context import disable_auditlog
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from tiaodu.core.errors import Forbidden, NotFound, ServiceError
from tiaodu.core.jobs import (
    PHASE_QUEUED,
    QUEUED_EXPIRY,
    ProgressFile,
    job_dir,
    read_progress_file,
    stale_reason_of,
    write_progress_file,
)
from tiaodu.core.models import Job, JobStatus
from tiaodu.core.worker import retrying

if TYPE_CHECKING:
    from tiaodu.accounts.models import User

logger = logging.getLogger(__name__)

IN_PROGRESS = (JobStatus.QUEUED, JobStatus.RUNNING)
PHASE_BUILD = "build"
PHASE_RENDER = "render"
PHASE_EXPORT = "export"
PHASE_LABELS = {
    PHASE_QUEUED: _("排队等待后台处理"),
    PHASE_BUILD: _("正在汇总数据"),
    PHASE_RENDER: _("正在生成文件"),
    PHASE_EXPORT: _("正在导出数据行"),
}
PRODUCERS = {
    "bulletin": "tiaodu.monitoring.views_bulletin.produce_bulletin",
    "export": "tiaodu.core.views_jobs.produce_export",
}
BUSY_WAIT = 120.0  # seconds a job's own status writes wait out a busy database (a long import on SQLite)


@dataclass
class Output:
    """What a producer returns: the file's type, its name for the download (may be Chinese) and
    its bytes, possibly in chunks; ``rows`` is how many rows (or steps) it holds, or ``counted``
    says so once the chunks have been consumed."""

    content_type: str
    file_name: str
    chunks: Iterable[bytes]
    rows: int = 0
    counted: Callable[[], int] | None = None


Producer = Callable[[Job, "User", ProgressFile], Output]


def result_days() -> int:
    return int(getattr(settings, "JOB_RESULT_DAYS", 7))


def result_path(job_id: int) -> Path:
    return job_dir() / f"job-{job_id}.result"


def partial_path(job_id: int) -> Path:
    return job_dir() / f"job-{job_id}.part"


def progress_path(job_id: int) -> Path:
    return job_dir() / f"job-{job_id}.progress.json"


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


# --- starting -------------------------------------------------------------------------------------


def start_job(kind: str, *, actor: User, title: str, params: dict[str, Any], total: int = 0) -> Job:
    """Record a job for ``actor`` and enqueue it; returns it (排队中, or already finished with the
    immediate backend, or failed when the queue cannot be reached)."""
    if kind not in PRODUCERS:
        raise ServiceError("job_kind_unknown", f"未知的后台任务类型“{kind}”")
    now = timezone.now()
    job = Job.objects.create(
        kind=kind,
        title=str(title)[:255],
        user=actor,
        params=params,
        language=translation.get_language() or "",
        rows_total=max(total, 0),
        expires_at=now + timedelta(days=result_days()),
    )
    # Left by a database restored or recreated under the same data directory (ids restart).
    _remove(result_path(job.pk), partial_path(job.pk), progress_path(job.pk))
    write_progress_file(progress_path(job.pk), PHASE_QUEUED, 0, job.rows_total)
    try:
        queued = run_file_job.enqueue(job.pk)
    except Exception as exc:  # the queue is unreachable (Redis down, …): say so, keep nothing
        logger.exception("could not enqueue job %s", job.pk)
        _finish_failed(job.pk, "job_enqueue_failed", f"无法加入后台任务队列({type(exc).__name__}),请稍后重试")
    else:
        Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(queued.id)[:64])
    job.refresh_from_db()
    return job


# --- running --------------------------------------------------------------------------------------


@task()
def run_file_job(job_id: int) -> dict[str, Any]:
    """Produce one job's file (see the module's docstring). The payload is the job's id only."""
    fail_stale_jobs()
    claimed = _update(job_id, (JobStatus.QUEUED,), status=JobStatus.RUNNING, started_at=timezone.now())
    if not claimed:  # failed as stale meanwhile, or run twice
        return {"job": job_id, "status": "skipped"}
    job = Job.objects.select_related("user").get(pk=job_id)
    part, final = partial_path(job.pk), result_path(job.pk)
    progress = ProgressFile(job.pk, job.rows_total, path=progress_path(job.pk))
    try:
        user = job.user
        if user is None or not user.is_active:
            _finish_failed(job.pk, "job_user_missing", "发起任务的用户已不存在或已停用,未生成文件")
            return {"job": job_id, "status": JobStatus.FAILED, "code": "job_user_missing"}
        producer: Producer = import_string(PRODUCERS[job.kind])
        with progress.heartbeat(), translation.override(job.language or settings.LANGUAGE_CODE):
            output = producer(job, user, progress)
            size = _write(part, output.chunks)
            rows = output.counted() if output.counted is not None else output.rows
        os.replace(part, final)  # the whole file appears at once, or none of it
        finished = _update(
            job.pk,
            (JobStatus.RUNNING,),
            status=JobStatus.SUCCEEDED,
            finished_at=timezone.now(),
            result_name=final.name,
            content_type=output.content_type[:128],
            file_name=output.file_name[:255],
            size=size,
            rows_done=rows,
            rows_total=rows,
            message=str(_("已生成,可以下载"))[:255],
        )
        if not finished:  # failed as stale while it ran: its outcome stands, the file goes
            _remove(final)
            return {"job": job_id, "status": "skipped"}
        return {"job": job_id, "status": JobStatus.SUCCEEDED, "size": size}
    except (Forbidden, PermissionDenied):
        _finish_failed(job.pk, "permission_denied", "您已无权查看这些数据,未生成文件")
        return {"job": job_id, "status": JobStatus.FAILED, "code": "permission_denied"}
    except (NotFound, Http404):
        _finish_failed(job.pk, "not_found", "要导出的数据已不存在,未生成文件")
        return {"job": job_id, "status": JobStatus.FAILED, "code": "not_found"}
    except ServiceError as exc:  # what the producer refused (no data for this period, …)
        _finish_failed(job.pk, exc.code, exc.message)
        return {"job": job_id, "status": JobStatus.FAILED, "code": exc.code}
    except BaseException as exc:
        _finish_failed(job.pk, "job_failed", f"后台生成出错({type(exc).__name__}),未生成文件,请重试")
        _remove(final)
        raise
    finally:
        _remove(part, progress_path(job.pk))


def _write(path: Path, chunks: Iterable[bytes]) -> int:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    size = 0
    with os.fdopen(descriptor, "wb") as out:
        for chunk in chunks:
            data = chunk.encode() if isinstance(chunk, str) else chunk
            out.write(data)
            size += len(data)
        out.flush()
        os.fsync(out.fileno())
    return size


def _update(job_id: int, statuses: tuple[str, ...], **values: Any) -> int:
    """A conditional UPDATE of the job's row (only while in one of ``statuses``), retried while
    the database is busy: on SQLite a long import holds the only write lock until it ends."""
    query = Job.objects.filter(pk=job_id, status__in=statuses)
    return retrying(query.update, give_up_after=BUSY_WAIT)(**values)


def _finish_failed(job_id: int, code: str, message: str) -> bool:
    """Give a queued or running job a failed outcome unless it finished meanwhile."""
    return bool(
        _update(
            job_id,
            IN_PROGRESS,
            status=JobStatus.FAILED,
            code=code[:64],
            message=message[:255],
            finished_at=timezone.now(),
        )
    )


# --- looking at a job -----------------------------------------------------------------------------


def job_for(user: Any, job_id: Any) -> Job:
    """The job ``job_id`` if ``user`` started it; otherwise :class:`NotFound`, the same for a job
    of somebody else (marked for the security log) as for one that does not exist."""
    try:
        return Job.objects.owned_by(user).select_related("user").get(pk=int(job_id))
    except (Job.DoesNotExist, TypeError, ValueError):
        pass
    try:
        exists = Job.objects.filter(pk=int(job_id)).exists()
    except (TypeError, ValueError):
        exists = False
    raise NotFound(audit=f"view job {job_id}" if exists else None)


def progress_of(job: Job) -> dict[str, Any]:
    """What the progress bar shows: phase, its label, done and total (None: indeterminate) and
    the percentage."""
    stored = read_progress_file(progress_path(job.pk)) if job.in_progress else None
    phase, done, total = PHASE_QUEUED, 0, job.rows_total
    if stored is not None:
        phase = str(stored[0].get("phase", PHASE_QUEUED))
        done, total = int(stored[0].get("done", 0)), int(stored[0].get("total", 0))
    elif job.status == JobStatus.RUNNING:
        phase = PHASE_BUILD
    known = total > 0
    done = min(done, total) if known else done
    return {
        "phase": phase,
        "label": str(PHASE_LABELS.get(phase, phase)),
        "done": done,
        "total": total if known else None,
        "percent": int(done * 100 / total) if known else None,
    }


def open_result(job: Job) -> Any:
    """The finished job's file, opened for reading; :class:`NotFound` when it is not (or no
    longer) there."""
    if not job.ready:
        raise NotFound()
    try:
        return (job_dir() / job.result_name).open("rb")
    except FileNotFoundError:
        raise NotFound() from None


# --- housekeeping ---------------------------------------------------------------------------------


STALE_JOB_MESSAGES = {
    "job_interrupted": "后台生成中断(处理进程已停止,{minutes}分钟无进展),未生成文件,请重试",
    "job_not_started": "后台任务一天内未开始(后台任务进程未运行),未生成文件,请重试",
}


def stale_reason(job: Job, now: datetime | None = None) -> tuple[str, str] | None:
    """(code, message) when a queued or running job will never finish, else None."""
    return stale_reason_of(job, progress_path(job.pk), STALE_JOB_MESSAGES, now)


def fail_if_stale(job: Job, now: datetime | None = None) -> bool:
    reason = stale_reason(job, now)
    if reason is None or not _finish_failed(job.pk, *reason):
        return False
    logger.warning("job %s failed as stale: %s", job.pk, reason[0])
    _remove(partial_path(job.pk), result_path(job.pk), progress_path(job.pk))
    job.refresh_from_db()
    return True


def fail_stale_jobs(now: datetime | None = None) -> int:
    """Fail every job whose worker died or that no worker started; returns how many."""
    return sum(fail_if_stale(job, now) for job in Job.objects.filter(status__in=IN_PROGRESS))


def remove_expired_jobs(now: datetime | None = None) -> int:
    """Delete the jobs past their ``expires_at`` with their files, and files of jobs that no
    longer exist; returns how many jobs were deleted."""
    now = now or timezone.now()
    expired = list(
        Job.objects.filter(expires_at__lt=now).exclude(status__in=IN_PROGRESS).values_list("pk", flat=True)
    )
    for job_id in expired:
        _remove(result_path(job_id), partial_path(job_id), progress_path(job_id))
    with disable_auditlog():
        Job.objects.filter(pk__in=expired).delete()
    _remove_orphans()
    return len(expired)


def _remove_orphans() -> None:
    """Result files whose job row is gone (deleted by hand, a restored database) and are older
    than a day (a job being created writes its row first, then its files)."""
    cutoff = timezone.now().timestamp() - QUEUED_EXPIRY.total_seconds()
    files: dict[int, list[Path]] = {}
    for path in job_dir().glob("job-*"):
        number = path.name[4:].split(".", 1)[0]
        if number.isdigit():
            files.setdefault(int(number), []).append(path)
    if not files:
        return
    known = set(Job.objects.filter(pk__in=list(files)).values_list("pk", flat=True))
    for job_id, paths in files.items():
        if job_id in known:
            continue
        for path in paths:
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
