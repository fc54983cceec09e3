"""The dispatch lines of the workbench on the demo data: the owner sees the two reports waiting
for it, follows the line, fills one in and comes back to one; the leader sees the projects still
missing from the open round; every link opens a page listing exactly what was counted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tiaodu.core import workbench
from tiaodu.dispatch import workbench as dispatch_workbench
from tiaodu.dispatch.models import DispatchReport, DispatchRound
from tiaodu.dispatch.workbench import due_severity

pytestmark = pytest.mark.django_db


def lines(user: Any, module: str = "dispatch") -> dict[str, workbench.Task]:
    return {t.label: t for s in workbench.collect(user) if s.module == module for t in s.tasks}


def unfilled(user: Any) -> list[DispatchReport]:
    return list(
        DispatchReport.objects.restrict(user, "change").filter(round__state="open", submitted_at__isnull=True)
    )


FORM = {"investment": "12.5", "progress": "40", "workers_required": "30", "workers_on_site": "28"}


def test_owner_sees_and_fills_its_reports(users: Any, client_for: Any) -> None:
    owner = users["yezhu"]
    waiting = unfilled(owner)
    assert len(waiting) == 2  # the issue: "two dispatch reports wait for it"
    line = lines(owner)["待填报调度"]
    assert line.count == 2
    assert line.url == f"/dispatch/{waiting[0].round_id}/?mine=1#missing"
    assert line.hint.startswith(waiting[0].round.period_label)
    client = client_for(owner)
    page = client.get(line.url)
    assert page.status_code == 200
    html = page.content.decode()
    for slot in waiting:  # the round page lists both, each with its form link
        assert slot.project.name in html
        assert f"/dispatch/{slot.round_id}/report/{slot.project_id}/" in html

    # fill the first from the form opened with next=/ (as the single-report line links it)
    slot = waiting[0]
    url = dispatch_workbench.form_url(slot)
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="next" value="/" id="report-next"' in form.content.decode()
    done = client.post(url, {**FORM, "version": str(slot.version), "next": "/"})
    assert done.status_code == 302 and done.url == "/"
    slot.refresh_from_db()
    assert slot.submitted_at is not None and slot.submitted_by == owner

    line = lines(owner)["待填报调度"]
    assert line.count == 1
    # one left: the line now opens that report's form directly, returning to the workbench
    other = waiting[1]
    assert line.url == f"/dispatch/{other.round_id}/report/{other.project_id}/?next=%2F"
    assert other.project.name in line.hint
    assert client.get(line.url).status_code == 200


def test_report_form_refuses_a_foreign_next(users: Any, client_for: Any) -> None:
    owner = users["yezhu"]
    slot = unfilled(owner)[0]
    url = f"/dispatch/{slot.round_id}/report/{slot.project_id}/"
    client = client_for(owner)
    form = client.get(url + "?next=https://evil.example/")
    assert 'id="report-next"' not in form.content.decode()
    done = client.post(url, {**FORM, "version": str(slot.version), "next": "https://evil.example/"})
    assert done.status_code == 302 and done.url == f"/dispatch/{slot.round_id}/"


def test_fillers_count_their_own_slots(users: Any, client_for: Any) -> None:
    for name in ("guxi", "yuxi", "squad1", "jxw", "zsj"):
        user = users[name]
        expected = unfilled(user)
        line = lines(user).get("待填报调度")
        assert (line.count if line else 0) == len(expected), name
        if line:
            page = client_for(user).get(line.url)
            assert page.status_code == 200, (name, line.url)
            html = page.content.decode()
            for slot in expected:
                assert slot.project.name in html
            if len(expected) == 1:  # the form of that one report
                assert 'id="report-form"' in html
                continue
            # exactly the unit's own: one 填报 button per report to fill, nobody else's
            missing = html.split('id="missing-table"', 1)[1].split("</table>", 1)[0]
            assert missing.count("/report/") == len(expected), name
    # leaders dispatch rather than fill; enterprises have nothing to do with dispatch
    assert "待填报调度" not in lines(users["leader"])
    assert lines(users["qiye"]) == {}


def test_leader_reminds_the_missing_projects(users: Any, client_for: Any) -> None:
    leader = users["leader"]
    rnd = DispatchRound.objects.get(state="open", district__code="500152")
    missing = rnd.reports.filter(submitted_at__isnull=True).count()
    line = lines(leader)["调度未报项目（待催报）"]
    assert line.count == missing > 0
    assert line.url == f"/dispatch/{rnd.pk}/#missing"
    page = client_for(leader).get(line.url)
    assert page.status_code == 200
    assert 'id="remind-form"' in page.content.decode()  # the 催报 button is there


def test_department_reminds_only_rounds_its_unit_opened(users: Any) -> None:
    jxw = users["jxw"]
    assert "调度未报项目（待催报）" not in lines(jxw)  # the demo round was opened by the system
    DispatchRound.objects.filter(state="open").update(opened_by=jxw)
    assert lines(jxw)["调度未报项目（待催报）"].count > 0
    assert "调度未报项目（待催报）" not in lines(users["zsj"])  # another department


def test_due_severity() -> None:
    rnd = DispatchRound.objects.filter(state="open").first()
    assert rnd is not None
    day = rnd.due_on
    assert due_severity(day, day + timedelta(days=1)) == "danger"
    assert due_severity(day, day) == "warning"
    assert due_severity(day, day - timedelta(days=3)) == "warning"
    assert due_severity(day, day - timedelta(days=4)) == "info"
