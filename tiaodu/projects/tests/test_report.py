"""The seeds' key-project figures from imported records (issue 4, "done when"), the report command,
the web page, the ranking and the events' import, in a district the demo does not use (巴南区)."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tiaodu.accounts.models import User
from tiaodu.cases import services as cases
from tiaodu.core.imports import run_import, write_xlsx
from tiaodu.dispatch import services as dispatch
from tiaodu.dispatch.choices import PeriodKind
from tiaodu.events.models import CollectiveEvent, EventProject
from tiaodu.projects.demo_seed import split
from tiaodu.projects.models import Project
from tiaodu.projects.ranking import ranking
from tiaodu.projects.report import project_report
from tiaodu.regions.models import Region

BANAN = "500113"
PROJECT_HEADERS = [
    "项目名称",
    "项目代码",
    "项目级别",
    "项目类型",
    "所属镇街",
    "总投资(万元)",
    "年度计划投资(万元)",
    "阶段",
    "阶段日期",
    "资金来源",
    "专项债领域",
]
BOND_FIELDS = ["公共卫生服务", "市政基础设施", "老旧小区配套基础设施", "物资储备"]


def xlsx(tmp_path: Path, name: str, rows: list[list[Any]]) -> Path:
    path = tmp_path / name
    write_xlsx(path, rows)
    return path


@pytest.fixture
def banan(db: Any, tmp_path: Path) -> dict[str, Any]:
    """巴南区 as staff would load its spring 2020: four files imported, problems handled."""
    towns = list(Region.objects.filter(parent__code=BANAN).order_by("code").values_list("name", flat=True))
    rows: list[list[Any]] = [PROJECT_HEADERS]

    def add(
        prefix: str,
        amounts: list[int],
        level: str,
        kind: str,
        stage: str,
        on: str,
        funding: str,
        bond: bool = False,
    ) -> None:
        for i, total in enumerate(amounts, start=1):
            rows.append(
                [
                    f"{prefix}{i:02d}",
                    f"BN-{prefix}-{i:02d}",
                    level,
                    kind,
                    towns[i % len(towns)],
                    total,
                    total // 3,
                    stage,
                    on,
                    funding,
                    BOND_FIELDS[i % 4] if bond else "",
                ]
            )

    add("续建项目", split(1_560_000, 30), "区级重点", "续建", "在建", "2019-07-01", "社会投资")
    add("开工项目", split(1_209_600, 28), "区级重点", "新建", "储备", "2020-01-10", "社会投资")
    add("PPP项目", split(422_800, 9), "一般", "储备", "储备", "2020-03-01", "PPP")
    add("专项债项目", split(745_800, 40), "一般", "储备", "储备", "2020-03-01", "专项债", bond=True)
    result = run_import("projects", xlsx(tmp_path, "projects.xlsx", rows))
    assert result.ok, result.errors[:3]

    rnd = dispatch.open_round(
        None,
        district=Region.objects.get(code=BANAN),
        period_kind=PeriodKind.XUN,
        period_label="2020年3月下旬",
        period_start=date(2020, 3, 21),
        period_end=date(2020, 3, 31),
        due_on=date(2020, 4, 2),
        projects=Project.objects.filter(code__startswith="BN-续建项目"),
    )
    required, absent = split(12_683, 30, step=1), split(215, 30, step=1)
    problems = ["材料运输"] * 9 + ["前期审批"] * 7 + ["用地"] * 3 + ["协调"] * 4
    report_rows: list[list[Any]] = [
        [
            "项目代码",
            "期次",
            "本期完成投资(万元)",
            "形象进度",
            "应到岗人数",
            "实到岗人数",
            "存在问题",
            "问题类别",
        ]
    ]
    for i in range(30):
        category = problems[i] if i < len(problems) else ""
        report_rows.append(
            [
                f"BN-续建项目-{i + 1:02d}",
                "2020年3月下旬",
                100,
                "40%",
                required[i],
                required[i] - absent[i],
                f"{category}问题{i + 1}" if category else "",
                category,
            ]
        )
    result = run_import("dispatch", xlsx(tmp_path, "dispatch.xlsx", report_rows))
    assert result.ok, result.errors[:3]
    dispatch.close_round(None, rnd.pk)
    admin = User.objects.get(username="admin")
    for case in cases.Case.objects.filter(dispatch_reports__round=rnd):
        for step in (cases.Step("assign"), cases.Step("start"), cases.Step("resolve", note="已协调解决")):
            cases.transition(admin, case.pk, step)

    event_rows: list[list[Any]] = [["活动名称", "活动日期", "项目代码", "活动类型"]]
    event_rows += [
        ["巴南区2020年首轮项目集中开工仪式", "2020-04-03", f"BN-开工项目-{i:02d}", "开工"]
        for i in range(1, 29)
    ]
    result = run_import("event-projects", xlsx(tmp_path, "events.xlsx", event_rows))
    assert result.ok, result.errors[:3]
    return {"round": rnd}


def test_seed_sentences_from_imported_records(banan: dict[str, Any]) -> None:
    # The problems were resolved today (through the workflow): the report up to today counts them.
    today = date.today()
    report = project_report(BANAN, date(2020, 1, 1), today)
    s = report.sentences()
    assert s["workers"] == "重点建设项目累计到岗人数12468人,到岗率98.3%"
    assert s["events_start"] == "集中开工项目28个,总投资约121亿元"
    assert s["ppp"] == "策划PPP项目9个、投资约42.3亿元"
    assert s["bonds"] == (
        "围绕公共卫生服务、市政基础设施、老旧小区配套基础设施、物资储备4个重点领域,争取专项债项目40个,投资约74.6亿元"
    )
    assert s["problems"] == "累计解决涉及材料运输、前期审批等各类问题20余个"
    assert report.problems_resolved == 23
    assert s["event1"].startswith(
        "2020年4月3日,涉及28个重点项目、总投资额约121亿元的巴南区2020年首轮项目集中开工仪式举行"
    )
    # Investment: 30 reports of 100万元 against the annual plan of the 58 key projects.
    assert report.investment_done == 3000 and report.key_projects == 58
    # Up to 31 March the event has not happened yet, and a town sees only its own projects.
    early = project_report(BANAN, date(2020, 1, 1), date(2020, 3, 31))
    assert "events_start" not in early.sentences() and early.workers_on_site == 12468


def test_report_command_and_json(banan: dict[str, Any]) -> None:
    out = StringIO()
    call_command("report", "projects", "--region", BANAN, "--date", "2020-04-30", stdout=out)
    text = out.getvalue()
    assert "巴南区重点项目调度情况(2020年1月1日至4月30日)" in text
    assert "集中开工项目28个,总投资约121亿元" in text and "到岗率98.3%" in text
    out = StringIO()
    call_command(
        "report", "projects", "--region", BANAN, "--date", "2020-04-30", "--format", "json", stdout=out
    )
    assert '"workers_on_site": 12468' in out.getvalue()


def test_report_page_and_scope(banan: dict[str, Any], client_for: Any, users: dict[str, Any]) -> None:
    page = client_for(users["admin"]).get(
        "/projects/report/", {"region": BANAN, "date_from": "2020-01-01", "date_to": "2020-04-30"}
    )
    assert page.status_code == 200
    assert "集中开工项目28个,总投资约121亿元" in page.content.decode()
    export = client_for(users["admin"]).get(
        "/projects/report/",
        {"region": BANAN, "date_from": "2020-01-01", "date_to": "2020-04-30", "export": "xlsx"},
    )
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    # 潼南's leader is not given 巴南区 as a choice: the form refuses it.
    other = client_for(users["leader"]).get(
        "/projects/report/", {"region": BANAN, "date_from": "2020-01-01", "date_to": "2020-04-30"}
    )
    assert "集中开工项目28个" not in other.content.decode()
    # The town user's report counts only its township.
    guxi = users["guxi"]
    mine = project_report("500152", date(2022, 1, 1), date(2022, 3, 31), guxi)
    assert 0 < mine.key_projects < project_report("500152", date(2022, 1, 1), date(2022, 3, 31)).key_projects
    assert set(Project.objects.restrict(guxi).values_list("township__code", flat=True)) == {"500152103"}


def test_events_import_refuses_bad_rows_and_changes_nothing(banan: dict[str, Any], tmp_path: Path) -> None:
    before = EventProject.objects.count()
    rows = [
        ["活动名称", "活动日期", "项目代码", "活动类型"],
        ["集中签约活动", "2020-05-01", "BN-PPP项目-01", "签约"],
        ["集中签约活动", "2020-05-01", "BN-不存在-01", "签约"],
        ["集中签约活动", "2020-05-01", "BN-PPP项目-02", "揭牌"],
        ["集中签约活动", "2020-05-01", "BN-PPP项目-01", "开工"],
    ]
    result = run_import("event-projects", xlsx(tmp_path, "bad.xlsx", rows))
    assert not result.ok
    found = {(e.row, e.code) for e in result.errors}
    assert {(3, "project_unknown"), (4, "invalid_choice"), (5, "conflicting_rows")} <= found
    assert EventProject.objects.count() == before
    assert not CollectiveEvent.objects.filter(name="集中签约活动").exists()


def test_event_pages_and_api(
    banan: dict[str, Any], client_for: Any, users: dict[str, Any], bearer: Any
) -> None:
    event = CollectiveEvent.objects.get(name="巴南区2020年首轮项目集中开工仪式")
    admin = client_for(users["admin"])
    assert "巴南区2020年首轮项目集中开工仪式" in admin.get("/events/").content.decode()
    detail = admin.get(f"/events/{event.pk}/").content.decode()
    assert "28个项目集中开工" in detail
    body = admin.get(f"/api/v1/events/{event.pk}").json()
    assert body["project_count"] == 28 and body["by_action"] == [
        {"action": "start", "count": 28, "investment": 1209600.0}
    ]
    # 潼南's users do not see 巴南's event; a town user sees no district event at all.
    assert client_for(users["leader"]).get(f"/events/{event.pk}/").status_code == 404
    assert client_for(users["guxi"]).get("/events/").status_code == 403


def test_ranking_orders_units(banan: dict[str, Any]) -> None:
    rows = ranking(Region.objects.get(code="500152"), date(2026, 1, 1), date(2026, 12, 31))
    assert rows and [r.rank for r in rows] == sorted(r.rank for r in rows)
    assert all(rows[i].score >= rows[i + 1].score for i in range(len(rows) - 1))
    for r in rows:
        assert r.score == r.compute_score()


def test_town_report_names_no_event_the_town_cannot_open(client_for: Any, users: dict[str, Any]) -> None:
    """Issue 13 (oracle): a town user's report named the district's events, which it cannot open;
    it now counts its projects' entries without naming the event."""
    guxi, leader = users["guxi"], users["leader"]
    project = Project.objects.restrict(guxi).order_by("pk").first()
    assert project is not None
    event = CollectiveEvent.objects.create(
        name="潼南区测试保密集中开工活动", held_on=date(2022, 2, 8), region=Region.objects.get(code="500152")
    )
    EventProject.objects.create(event=event, project=project, action="start", investment=5000)
    assert not CollectiveEvent.objects.restrict(guxi).filter(pk=event.pk).exists()

    mine = project_report("500152", date(2022, 1, 1), date(2022, 3, 31), guxi)
    assert event.name not in str(mine.as_dict())
    assert [e.name for e in mine.events] == []
    assert mine.by_action["start"][0] >= 1  # its own project's entry is still counted
    page = client_for(guxi).get(
        "/projects/report/", {"region": "500152", "date_from": "2022-01-01", "date_to": "2022-03-31"}
    )
    assert page.status_code == 200 and event.name not in page.content.decode()
    # Whoever may open the event sees it named.
    theirs = project_report("500152", date(2022, 1, 1), date(2022, 3, 31), leader)
    assert event.name in [e.name for e in theirs.events]
    assert event.name in str(theirs.as_dict())
    # The project page: the town user gets its project's entry without the event's name or link.
    detail = client_for(guxi).get(f"/projects/{project.pk}/").content.decode()
    assert "集中活动" in detail and event.name not in detail and f"/events/{event.pk}/" not in detail
    detail = client_for(leader).get(f"/projects/{project.pk}/").content.decode()
    assert event.name in detail and f"/events/{event.pk}/" in detail
