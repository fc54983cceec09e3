"""Confidentiality of the pipeline (issue 14 item 10): a town user reaches the projects its town
reported and sees their stage, never their amounts, notes, follow-up dates or card — on the list,
the detail, the board, every export and the API. Everyone else of the district reads the whole
pipeline; another district's project is 404.

:func:`pipeline` is the small world the view and API tests share."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from tiaodu.investment import services
from tiaodu.investment.models import InvestmentProject, Team
from tiaodu.investment.tests.factories import DADUKOU, district, project
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db

# Distinctive amounts and secrets: the town user's pages must contain none of them.
SECRETS = ("12345.67", "12345,67", "7654.32", "1.23", "洽谈底价九折", "388.5")


@dataclass
class Pipeline:
    guxi: InvestmentProject  # reported by 古溪镇, worked by squad1's team, signed
    yuxi: InvestmentProject  # reported by 玉溪镇
    ddk: InvestmentProject  # 大渡口区
    team: Team


def pipeline(users: dict[str, Any]) -> Pipeline:
    tn = district()
    squad = Organization.objects.squads_of(users["squad1"]).get()
    team, _created = Team.objects.get_or_create(
        region=tn, name="装备制造产业招商组(测试)", defaults={"kind": "industry", "organization": squad}
    )
    guxi = project(
        stage="negotiating",
        on=date(2022, 1, 5),
        first_township=users["guxi"].region,
        first_reporter=users["guxi"].organization,
        team=team,
        planned_investment=Decimal("12345.67"),
        land_mu=Decimal("388.5"),
        notes="洽谈底价九折",
        is_key=True,
    )
    services.change_stage(None, guxi, "signed", date(2022, 3, 1), agreed_investment=Decimal("7654.32"))
    InvestmentProject.objects.filter(pk=guxi.pk).update(card="red", last_follow_up_on=date(2022, 3, 2))
    guxi.refresh_from_db()
    yuxi = project(first_township=users["yuxi"].region, planned_investment=Decimal(20000))
    ddk = project(DADUKOU, planned_investment=Decimal(30000))
    return Pipeline(guxi, yuxi, ddk, team)


def no_secret(text: str) -> None:
    found = [s for s in SECRETS if s in text]
    assert not found, f"confidential values shown: {found}"


def test_town_sees_stage_but_no_amounts_on_every_surface(users: Any, client_for: Any, bearer: Any) -> None:
    world = pipeline(users)
    c = client_for(users["guxi"])
    pages = {
        "list": c.get("/investment/", {"per_page": 200}),
        "detail": c.get(f"/investment/{world.guxi.pk}/"),
        "board": c.get("/investment/board/"),
    }
    for name, r in pages.items():
        assert r.status_code == 200, name
        text = r.content.decode()
        assert world.guxi.name in text, name
        assert world.yuxi.name not in text and world.ddk.name not in text, name
        no_secret(text)
    assert "签约" in pages["detail"].content.decode()
    assert 'id="investment-amounts"' not in pages["detail"].content.decode()
    assert 'id="investment-card"' not in pages["detail"].content.decode()
    # The same rows for a colleague who may see the amounts.
    full = client_for(users["jxw"]).get(f"/investment/{world.guxi.pk}/").content.decode()
    assert "12345.67" in full and "洽谈底价九折" in full

    # Exports: the town's own row, with its stage, without the amount columns.
    r = c.get("/investment/", {"export": "csv"})
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert "计划投资额(万元)" not in rows[0] and "阶段" in rows[0]
    names = {row[0] for row in rows[1:]}
    assert world.guxi.name in names and world.yuxi.name not in names
    no_secret(r.content.decode("utf-8-sig"))
    for params in ({"export": "xlsx"}, {"export": "xlsx", "layout": "leader"}):
        r = c.get("/investment/", params)
        wb = load_workbook(io.BytesIO(r.content))
        cells = " ".join(
            str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row
        )
        assert world.guxi.name in cells and world.yuxi.name not in cells
        assert "投资额" not in cells
        no_secret(cells)

    # API: confidential fields are null, the stage is there.
    api = c.get(f"/api/v1/investment/projects/{world.guxi.pk}", **bearer(users["guxi"])).json()
    assert api["stage"] == "signed" and api["stage_label"] == "签约"
    for field in ("planned_investment", "agreed_investment", "land_mu", "notes", "last_follow_up_on", "card"):
        assert api[field] is None, field
    assert all(change["note"] is None for change in api["stage_changes"])
    listed = c.get("/api/v1/investment/projects", **bearer(users["guxi"])).json()
    assert [row["id"] for row in listed["results"]] == [world.guxi.pk]
    assert listed["results"][0]["planned_investment"] is None
    no_secret(str(listed))


def test_town_may_not_filter_by_amount_nor_read_follow_ups(users: Any, client_for: Any, bearer: Any) -> None:
    world = pipeline(users)
    c = client_for(users["guxi"])
    r = c.get("/investment/", {"amount_min": "12000"})
    assert r.status_code == 200 and "镇街用户不能按投资额" in r.content.decode()
    assert world.guxi.name not in r.content.decode()
    r = c.get("/api/v1/investment/projects", {"amount_min": "12000"}, **bearer(users["guxi"]))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "confidential_filter"
    for what in ("follow-ups", "funds"):
        r = c.get(f"/api/v1/investment/projects/{world.guxi.pk}/{what}", **bearer(users["guxi"]))
        assert r.status_code == 403, what


def test_town_reaches_only_its_own_reports(users: Any, client_for: Any, bearer: Any) -> None:
    world = pipeline(users)
    c = client_for(users["guxi"])
    for other in (world.yuxi, world.ddk):
        assert c.get(f"/investment/{other.pk}/").status_code == 404
        assert c.get(f"/api/v1/investment/projects/{other.pk}", **bearer(users["guxi"])).status_code == 404
    # Town users only read: no moves, no edits.
    assert (
        c.post(f"/investment/{world.guxi.pk}/stage/", {"to": "registered", "on": "2022-04-01"}).status_code
        == 403
    )
    assert c.get(f"/investment/{world.guxi.pk}/edit/").status_code == 403


def test_other_roles_see_the_district_not_other_districts(users: Any, client_for: Any, bearer: Any) -> None:
    world = pipeline(users)
    for name in ("leader", "jxw", "admin"):
        c = client_for(users[name])
        text = c.get("/investment/", {"per_page": 200, "q": "招商测试项目"}).content.decode()
        assert world.guxi.name in text and world.yuxi.name in text, name
        assert "12,345.67" in text or "12345.67" in text, name
        if name != "admin":
            assert world.ddk.name not in text, name
            assert c.get(f"/investment/{world.ddk.pk}/").status_code == 404, name
            assert (
                c.get(f"/api/v1/investment/projects/{world.ddk.pk}", **bearer(users[name])).status_code == 404
            )
    # squad1 works its team's projects only.
    c = client_for(users["squad1"])
    text = c.get("/investment/", {"per_page": 200}).content.decode()
    assert world.guxi.name in text and world.yuxi.name not in text
    assert c.get(f"/investment/{world.yuxi.pk}/").status_code == 404


def test_a_background_export_keeps_the_town_view(users: Any, client_for: Any) -> None:
    """Above EXPORT_BACKGROUND_ROWS the export is a job the worker runs as the owner: the same
    columns (no amounts) and rows as the page."""
    from django.test import override_settings

    from tiaodu.core.models import Job, JobStatus

    world = pipeline(users)
    c = client_for(users["guxi"])
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(EXPORT_BACKGROUND_ROWS=0, TASKS=immediate):
        r = c.get("/investment/", {"export": "xlsx", "layout": "leader"})
        assert r.status_code == 303
        job = Job.objects.get(pk=int(r["Location"].split("/")[2]))
        assert job.status == JobStatus.SUCCEEDED, job.error_message if hasattr(job, "error_message") else job
        download = c.get(f"/jobs/{job.pk}/download/")
    content = b"".join(download.streaming_content)
    wb = load_workbook(io.BytesIO(content))
    cells = " ".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row)
    assert world.guxi.name in cells and world.yuxi.name not in cells and "投资额" not in cells
    no_secret(cells)
