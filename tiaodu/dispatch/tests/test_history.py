"""History (ADR 0028): a past period's dispatch file creates the period's round — closed, frozen,
marked 历史导入 — with totals equal to the file's sums; importing it again never doubles a figure."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tiaodu.accounts.models import User
from tiaodu.cases.models import Case
from tiaodu.core import rounds
from tiaodu.core.errors import ServiceError
from tiaodu.core.imports import run_import
from tiaodu.dispatch import services
from tiaodu.dispatch.models import DispatchReport, DispatchRound
from tiaodu.dispatch.tests.test_imports import write
from tiaodu.projects.tests.factories import project
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

LABEL = "2019年9月"


def rows(projects: dict[str, Any], label: str = LABEL) -> list[list[Any]]:
    g1, g2, y = projects["guxi1"], projects["guxi2"], projects["yuxi"]
    return [
        [g1.name, "", label, 100, "45%", 80, 78, "", ""],
        ["", g2.code, label, "200.5", 60, 20, 20, "1、钢材短缺\n2、用工不足", "材料运输"],
        [y.name, "", label, 50, 30, 10, 11, "征地未完成", ""],
    ]


def test_past_period_creates_a_closed_historical_round(
    tmp_path: Path, projects: dict[str, Any], users: dict[str, Any]
) -> None:
    cases_before = Case.objects.count()
    result = run_import("dispatch", write(tmp_path, rows(projects)), actor=users["leader"])
    assert result.ok, result.error_lines()
    assert (result.created, result.updated) == (3, 0)
    rnd = DispatchRound.objects.get(district__code="500152", period_label=LABEL)
    assert (rnd.state, rnd.is_historical, rnd.period_kind) == ("closed", True, "month")
    assert (rnd.period_start, rnd.period_end, rnd.due_on) == (
        date(2019, 9, 1),
        date(2019, 9, 30),
        date(2019, 9, 30),
    )
    assert (rnd.opened_by, rnd.closed_by) == (users["leader"], users["leader"])
    # The totals are the file's sums.
    assert (rnd.expected_count, rnd.reported_count) == (3, 3)
    assert rnd.investment_total == Decimal("350.50")
    assert (rnd.workers_required_total, rnd.workers_on_site_total) == (110, 109)
    assert rnd.attendance_rate == Decimal("99.1")
    assert rnd.problem_count == 3
    report = DispatchReport.objects.get(round=rnd, project=projects["guxi2"])
    assert (report.investment, report.progress, report.problem_category) == (
        Decimal("200.50"),
        60,
        "material",
    )
    assert timezone.localtime(report.submitted_at).replace(tzinfo=None) == datetime(2019, 9, 30, 23, 59)
    # A past period's problems are the record, not work to do; 累计完成投资 comes from the project file.
    assert Case.objects.count() == cases_before
    assert {
        p.investment_completed
        for p in type(projects["guxi1"]).objects.filter(pk__in=[p.pk for p in projects.values()])
    } == {100}
    # Never to fill, never reminded.
    assert list(services.missing(rnd)) == []
    with pytest.raises(ServiceError) as caught:
        services.remind(users["leader"], rnd.pk)
    assert (caught.value.code, caught.value.status) == ("round_closed", 409)
    with pytest.raises(ServiceError) as caught:
        rounds.close(services.KIND, None, rnd.pk)
    assert caught.value.code == "round_closed"


def test_reimport_replaces_never_doubles(
    tmp_path: Path, projects: dict[str, Any], users: dict[str, Any]
) -> None:
    path = write(tmp_path, rows(projects))
    assert run_import("dispatch", path, actor=users["leader"]).ok
    again = run_import("dispatch", path, actor=users["leader"])
    assert again.ok and (again.created, again.updated) == (0, 3)
    rnd = DispatchRound.objects.get(district__code="500152", period_label=LABEL)
    assert DispatchRound.objects.filter(period_label=LABEL).count() == 1
    assert (rnd.reported_count, rnd.investment_total, rnd.workers_on_site_total) == (
        3,
        Decimal("350.50"),
        109,
    )
    # A corrected figure for one project replaces that project's report only, however the
    # period is written.
    fixed = rows(projects, "2019年09月")[:1]
    fixed[0][3] = 120
    assert run_import("dispatch", write(tmp_path, fixed), actor=users["leader"]).ok
    rnd.refresh_from_db()
    assert (rnd.reported_count, rnd.investment_total) == (3, Decimal("370.50"))


def test_history_refusals(tmp_path: Path, projects: dict[str, Any], users: dict[str, Any]) -> None:
    g1 = projects["guxi1"]
    # A town user cannot open rounds: a period without a round stays unknown to it.
    own = [[g1.name, "", LABEL, 10, 20, 10, 10, "", ""]]
    result = run_import("dispatch", write(tmp_path, own), actor=users["guxi"])
    assert [(e.row, e.field, e.code) for e in result.errors] == [(2, "期次", "round_unknown")]
    # The same project twice in one period; a period that names no week, 旬 or month.
    bad = [
        [g1.name, "", LABEL, 10, 20, 10, 10, "", ""],
        ["", g1.code, LABEL, 5, 20, 10, 10, "", ""],
        [projects["yuxi"].name, "", "2019年三季度", 5, 20, 10, 10, "", ""],
    ]
    result = run_import("dispatch", write(tmp_path, bad), actor=users["leader"])
    assert {(e.row, e.field, e.code) for e in result.errors} == {
        (3, "项目名称", "duplicate_project"),
        (4, "期次", "round_unknown"),
    }
    assert not DispatchRound.objects.filter(period_label=LABEL).exists()
    # A leader of another district cannot create this district's history.
    other = User.objects.create(
        username="leader500104", role="leader", region=Region.objects.get(code="500104")
    )
    two = [
        [g1.name, "", LABEL, 10, 20, 10, 10, "", ""],
        ["", projects["guxi2"].code, LABEL, 5, 20, 10, 10, "", ""],
    ]
    result = run_import("dispatch", write(tmp_path, two), actor=other)
    assert [(e.row, e.code) for e in result.errors] == [(2, "permission_denied"), (3, "permission_denied")]
    assert not DispatchRound.objects.filter(period_label=LABEL).exists()
    # A round opened the ordinary way and closed refuses the file, as before.
    rnd = services.open_round(
        None,
        district=Region.objects.get(code="500152"),
        period_kind="month",
        period_label=LABEL,
        period_start=date(2019, 9, 1),
        period_end=date(2019, 9, 30),
        due_on=date(2019, 10, 5),
        projects=type(g1).objects.filter(pk=g1.pk),
    )
    services.close_round(None, rnd.pk)
    result = run_import("dispatch", write(tmp_path, own), actor=users["leader"])
    assert [(e.row, e.field, e.code) for e in result.errors] == [(2, "期次", "round_closed")]


def _township(code: str) -> str:
    district = Region.objects.get(code=code)
    town = (
        Region.objects.filter(path__startswith=district.path, level=Level.TOWNSHIP).order_by("code").first()
    )
    if town is None:
        town = Region.objects.create(
            code=f"{code}901", name="同名测试镇", level=Level.TOWNSHIP, parent=district
        )
    return town.code


def test_same_project_name_in_three_districts(tmp_path: Path, users: dict[str, Any]) -> None:
    """Each district's leader loads its own history: the name resolves in the actor's district and
    the round is that district's."""
    made = {code: project(_township(code), name="同名历史项目") for code in ("500152", "500104", "500101")}
    for code, amount in (("500104", 30), ("500101", 40), ("500152", 20)):
        leader = User.objects.create(
            username=f"leader{code}", role="leader", region=Region.objects.get(code=code)
        )
        path = write(tmp_path, [["同名历史项目", "", LABEL, amount, 50, 10, 10, "", ""]])
        result = run_import("dispatch", path, actor=leader)
        assert result.ok, result.error_lines()
        rnd = DispatchRound.objects.get(district__code=code, period_label=LABEL)
        assert rnd.is_historical and rnd.investment_total == amount
        assert list(rnd.reports.values_list("project_id", flat=True)) == [made[code].pk]
    assert DispatchRound.objects.filter(period_label=LABEL).count() == 3


def test_historical_round_page(
    tmp_path: Path, projects: dict[str, Any], users: dict[str, Any], client_for: Any
) -> None:
    assert run_import("dispatch", write(tmp_path, rows(projects)), actor=users["leader"]).ok
    rnd = DispatchRound.objects.get(district__code="500152", period_label=LABEL)
    page = client_for(users["leader"]).get(f"/dispatch/{rnd.pk}/").content.decode()
    assert 'id="round-historical"' in page and "历史导入" in page
    assert 'id="remind-form"' not in page and 'id="close-form"' not in page
    assert projects["yuxi"].name in page  # the file's reports are listed as submitted
