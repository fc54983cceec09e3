"""The bulletin's files as background jobs (ADR 0034): the page's buttons post to the download URL,
which starts a job and redirects to its page; the job's file is the synchronous download's (the
PDF byte for byte, the Word and Excel files part for part but for their creation time); only the
user who asked can download it; refused requests start nothing."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from tiaodu.core import file_jobs
from tiaodu.core.models import Job, JobStatus
from tiaodu.monitoring.tests.seed import PERIOD, TONGNAN

pytestmark = pytest.mark.urls("tiaodu.core.tests.urls_with_jobs")

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
DOWNLOAD = "/monitoring/bulletin/download/"
# The one part that records when a file was made (core.xml: dcterms:created / modified).
STAMPED = {"docProps/core.xml"}


def body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name not in STAMPED}


def start(client: Any, fmt: str, **extra: str) -> Job:
    response = client.post(DOWNLOAD, {"region": TONGNAN, "period": PERIOD, "format": fmt, **extra})
    assert response.status_code == 303, response.content.decode()[:500]
    job_id = int(response["Location"].strip("/").rsplit("/", 1)[1])
    assert response["Location"] == reverse("jobs:detail", args=[job_id])
    return Job.objects.get(pk=job_id)


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("fmt", ["pdf", "docx", "xlsx", "text"])
def test_a_bulletin_job_gives_the_synchronous_file(users: Any, client_for: Any, fmt: str) -> None:
    client = client_for(users["jxw"])
    with override_settings(TASKS=IMMEDIATE):
        job = start(client, fmt)
    assert (job.status, job.code, job.kind, job.user) == (JobStatus.SUCCEEDED, "", "bulletin", users["jxw"])
    assert job.params == {"region": TONGNAN, "period": "2022-M01-02", "index": "", "format": fmt}
    assert (job.rows_total, job.rows_done) == (2, 2)
    label = {"pdf": "PDF", "docx": "Word", "xlsx": "Excel", "text": "文本"}[fmt]
    assert job.title == f"潼南区2022年1月—2月月通报({label})"
    synchronous = client.get(DOWNLOAD, {"region": TONGNAN, "period": PERIOD, "format": fmt})
    assert synchronous.status_code == 200
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == synchronous["Content-Type"]
    assert "filename*=utf-8''" in response["Content-Disposition"].lower()
    assert job.file_name.startswith("潼南区") and job.file_name.endswith({"text": ".txt"}.get(fmt, f".{fmt}"))
    data, expected = body(response), body(synchronous)
    if fmt in ("docx", "xlsx"):
        assert parts(data) == parts(expected)
    elif fmt == "pdf":  # the same document; only the creation time and the file id differ
        assert undated(data) == undated(expected)
    else:
        assert data == expected


def undated(pdf: bytes) -> bytes:
    return re.sub(rb"/(CreationDate|ModDate) \(D:[^)]*\)|/ID\s*\[[^\]]*\]", b"", pdf)


@pytest.mark.usefixtures("seeded")
def test_the_page_posts_and_the_job_page_polls(users: Any, client_for: Any) -> None:
    client = client_for(users["leader"])
    page = client.get(reverse("monitoring:bulletin"), {"region": TONGNAN, "period": PERIOD}).content.decode()
    assert (
        f'<form class="ms-auto d-flex flex-wrap gap-2 align-items-center" id="bulletin-downloads" method="post" action="{DOWNLOAD}">'
        in page
    )
    assert (
        'name="csrfmiddlewaretoken"' in page
        and f'<input type="hidden" name="region" value="{TONGNAN}">' in page
    )
    assert 'name="format" value="pdf" id="download-pdf" data-td-busy="正在提交…"' in page
    assert "tiaodu/progress.js" in page

    with override_settings(TASKS=DB_TASKS):
        job = start(client, "pdf")
    assert job.status == JobStatus.QUEUED
    waiting = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert f'hx-get="/jobs/{job.pk}/" hx-trigger="every 1s"' in waiting
    assert 'id="job-download" disabled aria-busy="true"' in waiting
    assert "正在后台生成“潼南区2022年1月—2月月通报(PDF)”" in waiting
    file_jobs.run_file_job.call(job.pk)
    done = client.get(reverse("jobs:detail", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and f'href="/jobs/{job.pk}/download/"' in done
    assert body(client.get(f"/jobs/{job.pk}/download/")).startswith(b"%PDF")
    listed = client.get(reverse("jobs:list")).content.decode()
    assert f'<tr data-job="{job.pk}">' in listed and "月通报" in listed

    # the same role, another person: not found, as for a job that does not exist
    for other in ("jxw", "admin"):
        assert client_for(users[other]).get(f"/jobs/{job.pk}/download/").status_code == 404
        assert client_for(users[other]).get(f"/jobs/{job.pk}/").status_code == 404


@pytest.mark.usefixtures("seeded")
def test_refused_requests_start_nothing(users: Any, client_for: Any) -> None:
    before = Job.objects.count()
    client = client_for(users["leader"])
    bad_format = client.post(DOWNLOAD, {"region": TONGNAN, "period": PERIOD, "format": "exe"})
    assert bad_format.status_code == 422 and "不支持的通报格式“exe”" in bad_format.content.decode()
    other_city = client.post(DOWNLOAD, {"region": "110101", "period": PERIOD, "format": "pdf"})
    assert other_city.status_code == 422
    for name in ("qiye", "yezhu"):
        refused = client_for(users[name]).post(
            DOWNLOAD, {"region": TONGNAN, "period": PERIOD, "format": "pdf"}
        )
        assert refused.status_code == 403
    assert Job.objects.count() == before


@pytest.mark.usefixtures("seeded")
def test_a_job_whose_data_went_away_fails_without_a_file(users: Any, client_for: Any) -> None:
    from tiaodu.accounts.models import User
    from tiaodu.monitoring.models import IndicatorValue

    with override_settings(TASKS=DB_TASKS):
        job = start(client_for(users["leader"]), "docx")
        lost = start(client_for(users["jxw"]), "docx")
    IndicatorValue.objects.filter(period__key="2022-M01-02").delete()
    file_jobs.run_file_job.call(job.pk)
    job.refresh_from_db()
    assert (job.status, job.code) == (JobStatus.FAILED, "bulletin_no_data")
    assert "没有监测数据,无法编制月通报" in job.message
    assert not file_jobs.result_path(job.pk).exists() and not file_jobs.partial_path(job.pk).exists()
    # a user moved to an enterprise role before the worker ran: the worker refuses, as the page would
    User.objects.filter(pk=users["jxw"].pk).update(role="enterprise")
    file_jobs.run_file_job.call(lost.pk)
    lost.refresh_from_db()
    assert (lost.status, lost.code) == (JobStatus.FAILED, "permission_denied")
    assert not file_jobs.result_path(lost.pk).exists()
