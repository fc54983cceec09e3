"""Visits and appeals imports in bulk (issue 13): the 走访单位 a user may name is the API's rule
(a town user named 大渡口区人民政府 and the visit was written), every created or changed object
gets its own audit entry with before/after values, and the statements do not grow with the rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tiaodu.cases.models import Case
from tiaodu.core.imports import run_import
from tiaodu.enterprises.models import Enterprise, Visit
from tiaodu.enterprises.tests.test_imports import (
    APPEAL_HEADERS,
    ENTERPRISE_HEADERS,
    GUXI,
    VISIT_HEADERS,
    code,
    enterprise_row,
    make_enterprise,
    snapshot,
    xlsx,
)
from tiaodu.orgs.models import Organization

pytestmark = pytest.mark.django_db


def entries(model: Any, **filters: Any) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), **filters).order_by(
            "pk"
        )
    )


def test_a_town_user_names_only_the_visiting_units_the_api_accepts(
    users: Any, tmp_path: Path, bearer: Any, client: Any
) -> None:
    make_enterprise(101, town=GUXI)
    dadukou = Organization.objects.get(name="大渡口区人民政府")
    # The API refuses this unit to the town user …
    response = client.post(
        "/api/v1/enterprises/visits",
        {
            "enterprise_id": Enterprise.objects.get(credit_code=code(101)).pk,
            "visited_on": "2022-03-01",
            "visitors": "古溪干部",
            "visiting_org_id": dadukou.pk,
        },
        content_type="application/json",
        **bearer(users["guxi"]),
    )
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "visiting_org_unknown"
    # … and so does the import, on the row and the column, writing nothing.
    rows = [
        VISIT_HEADERS,
        ["2022-03-01", code(101), "古溪镇人民政府", "古溪干部", ""],
        ["2022-03-02", code(101), "大渡口区人民政府", "古溪干部", ""],
    ]
    before = snapshot()
    result = run_import("visits", xlsx(tmp_path / "v.xlsx", rows), actor=users["guxi"])
    assert [(e.row, e.field, e.code) for e in result.errors] == [(3, "走访单位", "visiting_org_unknown")]
    assert snapshot() == before
    # The operator (CLI) may name any unit.
    assert run_import("visits", xlsx(tmp_path / "v.xlsx", rows)).created == 2


def test_visits_are_written_in_bulk_with_an_audit_entry_each(users: Any, tmp_path: Path) -> None:
    enterprises = [make_enterprise(110 + i) for i in range(3)]

    def visits_file(count: int) -> Path:
        rows = [VISIT_HEADERS] + [
            [f"2022-03-{1 + i % 28:02d}", code(110 + i % 3), "经信委", f"走访人{i}", f"记录{i}"]
            for i in range(count)
        ]
        return xlsx(tmp_path / f"v{count}.xlsx", rows)

    small, large = visits_file(5), visits_file(60)
    with CaptureQueriesContext(connection) as few:
        assert run_import("visits", small, actor=users["jxw"]).created == 5
    with CaptureQueriesContext(connection) as many:
        result = run_import("visits", large, actor=users["jxw"])
    assert (result.created, result.unchanged) == (55, 5)
    # Set-based: 12 times the rows, not more statements (each distinct value resolved once).
    assert len(many.captured_queries) <= len(few.captured_queries) + 2, len(many.captured_queries)

    visit = Visit.objects.get(enterprise=enterprises[1], visitors="走访人1")
    [entry] = entries(Visit, object_id=visit.pk)
    assert entry.action == LogEntry.Action.CREATE and entry.actor == users["jxw"]
    assert entry.changes["visitors"] == [None, "走访人1"]
    assert entry.changes["enterprise"] == [None, enterprises[1].pk]
    assert entry.changes["visited_on"] == [None, "2022-03-02"]
    assert entry.additional_data == {"import": "visits", "file_name": "v5.xlsx"}
    assert len(entries(Visit)) == 60


def test_appeals_are_written_in_bulk_as_open_case_would(users: Any, tmp_path: Path) -> None:
    enterprise = make_enterprise(120)
    visit_rows = [
        VISIT_HEADERS,
        ["2022-02-01", code(120), "", "张三", "早"],
        ["2022-02-05", code(120), "", "李四", "晚"],
    ]
    assert run_import("visits", xlsx(tmp_path / "v.xlsx", visit_rows), actor=users["jxw"]).created == 2
    late = Visit.objects.get(visitors="李四")
    rows = [
        [*APPEAL_HEADERS, "满意度"],
        [code(120), "用工", "缺普工", "2022-02-10", "走访", "已评价", "2022-02-20", "已解决", "满意"],
        [code(120), "融资", "贷款", "2022-04-10", "走访", "办理中", "", "", ""],  # no visit within 30 days
        [
            code(120),
            "用工",
            "缺普工",
            "2022-02-10",
            "走访",
            "已评价",
            "2022-02-20",
            "已解决",
            "满意",
        ],  # again
    ]
    result = run_import("appeals", xlsx(tmp_path / "a.xlsx", rows), actor=users["admin"])
    assert result.ok, result.error_lines()
    assert (result.created, result.unchanged) == (2, 1)
    labour = Case.objects.get(submitter_org=enterprise.organization, category__name="用工")
    assert labour.number[2:] == f"2022{labour.pk:07d}"  # numbered by its id, as open_case does
    assert (labour.state, labour.rating, labour.is_open, labour.title) == ("rated", 5, False, "缺普工")
    assert list(labour.visits.all()) == [late]  # the latest visit within 30 days
    assert [(e.kind, e.action) for e in labour.events.order_by("pk")] == [
        ("transition", "open"),
        ("comment", "import"),
    ]
    loan = Case.objects.get(submitter_org=enterprise.organization, category__name="融资")
    assert (loan.state, loan.is_open, loan.started_at is not None) == ("in_progress", True, True)
    assert not loan.visits.exists()
    [entry] = entries(Case, object_id=labour.pk)
    assert entry.changes["state"] == [None, "rated"]
    assert entry.changes["number"] == [None, labour.number]
    assert entry.object_repr == f"{labour.number} 缺普工"


def test_enterprise_import_writes_before_and_after_per_object(users: Any, tmp_path: Path) -> None:
    rows = [ENTERPRISE_HEADERS, enterprise_row(130), enterprise_row(131)]
    assert run_import("enterprises", xlsx(tmp_path / "e.xlsx", rows), actor=users["admin"]).created == 2
    first = Enterprise.objects.get(credit_code=code(130))
    [created] = entries(Enterprise, object_id=first.pk)
    assert created.action == LogEntry.Action.CREATE
    assert created.changes["name"] == [None, "导入测试企业130有限公司"]
    assert created.changes["township"] == [None, first.township_id]
    assert len(entries(Organization, object_id=first.organization_id)) == 1

    rows = [ENTERPRISE_HEADERS, enterprise_row(130, name="改名后的企业有限公司"), enterprise_row(131)]
    result = run_import("enterprises", xlsx(tmp_path / "e2.xlsx", rows), actor=users["admin"])
    assert (result.updated, result.unchanged) == (1, 1)
    updated = entries(Enterprise, object_id=first.pk)[-1]
    assert updated.action == LogEntry.Action.UPDATE and updated.actor == users["admin"]
    assert updated.changes == {"name": ["导入测试企业130有限公司", "改名后的企业有限公司"]}
    org_change = entries(Organization, object_id=first.organization_id)[-1]
    assert org_change.changes == {"name": ["导入测试企业130有限公司", "改名后的企业有限公司"]}
    assert len(entries(Enterprise, object_id=Enterprise.objects.get(credit_code=code(131)).pk)) == 1


def test_a_failed_import_leaves_no_audit_entries(users: Any, tmp_path: Path) -> None:
    make_enterprise(140)
    rows = [
        VISIT_HEADERS,
        ["2022-03-01", code(140), "", "张三", ""],
        ["2022-03-01", code(141), "", "李四", ""],
    ]
    before = LogEntry.objects.exclude(content_type__model="importbatch").count()
    result = run_import("visits", xlsx(tmp_path / "v.xlsx", rows), actor=users["jxw"])
    assert not result.ok
    assert LogEntry.objects.exclude(content_type__model="importbatch").count() == before
    assert not Visit.objects.filter(enterprise__credit_code=code(140), visited_on=date(2022, 3, 1)).exists()


@pytest.mark.parametrize("kind", ["visits", "appeals"])
def test_out_of_slice_and_missing_enterprises_get_the_same_answer(
    users: Any, tmp_path: Path, kind: str
) -> None:
    """An import must not tell a town user whether a credit code exists in another slice: the
    row naming 玉溪镇's enterprise and the row naming no enterprise at all read the same, also when
    the row has another problem (then nothing reaches the write phase)."""
    make_enterprise(150, town="500152107")  # 玉溪镇: outside 古溪镇's slice
    if kind == "visits":
        rows = [
            VISIT_HEADERS,
            ["2022-02-30", code(150), "", "古溪干部", ""],
            ["2022-02-30", code(151), "", "古溪干部", ""],
        ]
        other = "走访日期"
    else:
        rows = [
            APPEAL_HEADERS,
            [code(150), "用工", "内容", "2022-02-30", "", "", "", ""],
            [code(151), "用工", "内容", "2022-02-30", "", "", "", ""],
        ]
        other = "提出日期"
    result = run_import(kind, xlsx(tmp_path / "x.xlsx", rows), actor=users["guxi"])
    answers = {
        row: sorted((e.field, e.code, e.message) for e in result.errors if e.row == row) for row in (2, 3)
    }
    assert answers[2] == answers[3]
    assert {(f, c) for f, c, _m in answers[2]} == {("统一社会信用代码", "not_found"), (other, "date_invalid")}


def test_a_credit_code_checked_once_per_file_still_reports_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check digit is verified once per distinct code (the memo): every row naming a bad
    code still gets its error, and a good code repeated resolves on every row."""
    from tiaodu.enterprises import imports

    checked: list[str] = []
    real = imports.credit_code

    def counting(raw: str, field: str = "credit_code") -> str:
        checked.append(raw)
        return real(raw, field)

    monkeypatch.setattr(imports, "credit_code", counting)
    make_enterprise(120, town=GUXI)
    good = code(120)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        VISIT_HEADERS,
        ["2022-03-01", good, "", "走访人甲", ""],
        ["2022-03-02", bad, "", "走访人乙", ""],
        ["2022-03-03", f" {good.lower()} ", "", "走访人丙", ""],
        ["2022-03-04", bad, "", "走访人丁", ""],
        ["2022-03-05", good, "", "走访人戊", ""],
    ]
    result = run_import("visits", xlsx(tmp_path / "codes.xlsx", rows), partial=True)
    assert [(e.row, e.code) for e in result.errors] == [
        (3, "credit_code_invalid"),
        (5, "credit_code_invalid"),
    ]
    assert result.created == 3
    assert Visit.objects.filter(enterprise__credit_code=good).count() == 3
    assert sorted(checked) == sorted([good, bad, good.lower()])  # once per distinct cell value
