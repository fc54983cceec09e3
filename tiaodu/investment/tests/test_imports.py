"""The four investment imports with real xlsx and CSV files, on past dates: teams, projects with
their stage history, leads and funds in place; names resolved in the actor's district when three
districts share them; 首报制 at import; nothing written when a row is refused."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tiaodu.accounts.services import create_user
from tiaodu.core.errors import Forbidden
from tiaodu.core.imports import ImportResult, run_import, write_xlsx
from tiaodu.core.tests.districts import shared_township
from tiaodu.investment import services
from tiaodu.investment.models import FundsInPlace, InvestmentProject, InvestmentStageChange, Lead, Team
from tiaodu.investment.tests.factories import DADUKOU, TONGNAN, WANZHOU, district, project
from tiaodu.monitoring.models import IndicatorValue
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db


# --- helpers -------------------------------------------------------------------------------------


def admin_of(code: str) -> Any:
    """An administrator whose district is ``code`` (teams are reference data: Team.scope gives
    departments no rows to write, so administrators keep them)."""
    return create_user(None, username=f"admin{code}", role="admin", region_code=code).user


def zsj() -> Any:
    """潼南区's 招商投资局 user."""
    from tiaodu.accounts.models import User

    return User.objects.filter(username=f"zsj{TONGNAN}").first() or department_user(TONGNAN)


def department_user(code: str) -> Any:
    """A user of the district's 区招商投资局 (the unit that runs the pipeline: the projects' 招商
    责任单位 by default, so their scope); the office is made where the demo has none."""
    region = Region.objects.get(code=code)
    office = Organization.objects.filter(region=region, name="区招商投资局").first()
    if office is None:
        office = Organization.objects.create(
            region=region, kind=OrgKind.DEPARTMENT, name="区招商投资局", short_name="招商投资局"
        )
    return create_user(
        None, username=f"zsj{code}", role="department", region_code=code, org=str(office.pk)
    ).user


def xlsx(tmp_path: Path, name: str, rows: list[list[Any]]) -> Path:
    path = tmp_path / f"{name}.xlsx"
    write_xlsx(path, rows)
    return path


def csv_file(tmp_path: Path, name: str, rows: list[list[Any]], encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / f"{name}.csv"
    with path.open("w", encoding=encoding, newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def by_row(result: ImportResult) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for e in result.errors:
        found.setdefault(e.row or 0, set()).add(e.code)
    return found


def message(result: ImportResult, row: int, code: str) -> str:
    return next(e.message for e in result.errors if e.row == row and e.code == code)


def teams_in(code: str) -> dict[str, Team]:
    """The same team names in every district: a regional group and 太安镇's 小分队."""
    region = district(code)
    taian = shared_township()[code]
    return {
        "长三角招商组": Team.objects.create(region=region, name="长三角招商组", kind="regional"),
        "太安镇招商小分队": Team.objects.create(
            region=region, name="太安镇招商小分队", kind="town", township=taian
        ),
    }


PROJECT_HEADERS = [
    "项目名称",
    "投资方",
    "投资方所在地",
    "产业链",
    "计划投资额(万元)",
    "协议投资额(万元)",
    "重点项目",
    "跟进级别",
    "招商组",
    "首报单位",
    "首报日期",
    "来源",
    "线索日期",
    "接洽日期",
    "在谈日期",
    "签约日期",
    "开工日期",
    "终止日期",
    "终止原因",
    "当前阶段",
]


def prow(name: str, investor: str, **cells: Any) -> list[Any]:
    """A project row: 项目名称, 投资方 and the given cells by header."""
    values = {"项目名称": name, "投资方": investor} | {
        "计划投资额(万元)": 30000,
        "跟进级别": "紧密跟进",
        "来源": "镇街招商小分队",
        "重点项目": "是",
    }
    values |= cells
    return [values.get(h, "") for h in PROJECT_HEADERS]


def history(p: InvestmentProject) -> list[tuple[str, date, date | None]]:
    return list(p.stage_changes.order_by("on", "pk").values_list("to_stage", "on", "ended_on"))


# --- teams ---------------------------------------------------------------------------------------

TEAM_HEADERS = ["名称", "类型", "所属镇街", "负责区域", "组长"]


def test_teams_import_and_upsert_by_name(users: dict, tmp_path: Path) -> None:
    district(TONGNAN)
    path = xlsx(
        tmp_path,
        "teams",
        [
            TEAM_HEADERS,
            ["长三角招商组", "区域招商组", "", "长三角", "王某 区政协副主席"],
            ["古溪镇招商小分队", "镇街招商小分队", "古溪镇", "", ""],
            ["电子信息产业链专班", "产业链专班", "", "", "leader"],
        ],
    )
    result = run_import("investment-teams", path, actor=users["admin"])
    assert result.ok, result.error_lines()
    assert (result.created, result.updated) == (3, 0)
    group = Team.objects.get(region__code=TONGNAN, name="长三角招商组")
    assert (group.kind, group.focus_area.name, group.leader_name) == (
        "regional",
        "长三角",
        "王某 区政协副主席",
    )
    assert group.leader is None  # a name and title, not an account
    town = Team.objects.get(region__code=TONGNAN, name="古溪镇招商小分队")
    assert (town.kind, town.township.code) == ("town", "500152103")
    assert Team.objects.get(name="电子信息产业链专班").leader == users["leader"]

    again = xlsx(tmp_path, "teams2", [TEAM_HEADERS, ["长三角招商组", "区域招商组", "", "京津冀", "李某"]])
    result = run_import("investment-teams", again, actor=users["admin"])
    assert (result.created, result.updated) == (0, 1)
    group.refresh_from_db()
    assert (group.focus_area.name, group.leader_name) == ("京津冀", "李某")
    assert Team.objects.filter(region__code=TONGNAN).count() == 3


def test_teams_bad_rows_are_listed_and_nothing_is_written(users: dict, tmp_path: Path) -> None:
    district(TONGNAN)
    path = xlsx(
        tmp_path,
        "teams",
        [
            TEAM_HEADERS,
            ["好组", "区域招商组", "", "", ""],
            ["某镇小分队", "镇街招商小分队", "", "", ""],
            ["某组", "招商大组", "", "", ""],
            ["北美招商组", "区域招商组", "", "北美", ""],
            ["外区小分队", "镇街招商小分队", "500104001", "", ""],
            ["好组", "产业招商组", "", "", ""],
        ],
    )
    result = run_import("investment-teams", path, actor=users["admin"])
    assert not result.ok
    assert by_row(result) == {
        3: {"township_required"},
        4: {"choice_invalid"},
        5: {"focus_area_unknown"},
        6: {"township_outside_district"},
        7: {"duplicate_row"},
    }
    assert not Team.objects.filter(region__code=TONGNAN).exists()


def test_team_names_resolve_in_the_actors_district(users: dict, tmp_path: Path) -> None:
    """太安镇 is a township of 潼南区, 大渡口区 and 万州区: each district's import gets its own."""
    towns = shared_township()
    rows = [TEAM_HEADERS, ["太安镇招商小分队", "镇街招商小分队", "太安镇", "长三角", ""]]
    actors = {code: admin_of(code) for code in (TONGNAN, DADUKOU, WANZHOU)}
    for code, actor in actors.items():
        district(code)
        result = run_import("investment-teams", xlsx(tmp_path, f"t{code}", rows), actor=actor)
        assert result.ok, result.error_lines()
    made = {t.region.code: t for t in Team.objects.filter(name="太安镇招商小分队").select_related("region")}
    assert set(made) == {TONGNAN, DADUKOU, WANZHOU}
    for code, team in made.items():
        assert team.township == towns[code]
        assert team.focus_area.region.code == code


def test_town_and_squad_users_may_not_import(users: dict, tmp_path: Path) -> None:
    path = xlsx(tmp_path, "teams", [TEAM_HEADERS, ["某组", "区域招商组", "", "", ""]])
    for name in ("guxi", "squad1", "leader"):
        with pytest.raises(Forbidden):
            run_import("investment-teams", path, actor=users[name])


# --- projects ------------------------------------------------------------------------------------


def test_projects_import_builds_the_history_from_the_dates(users: dict, tmp_path: Path) -> None:
    made = teams_in(TONGNAN)
    path = xlsx(
        tmp_path,
        "projects",
        [
            PROJECT_HEADERS,
            prow(
                "海星新材料项目",
                "上海海星新材料科技有限公司",
                **{
                    "投资方所在地": "重庆市",
                    "产业链": "绿色化工新材料",
                    "协议投资额(万元)": 28000,
                    "招商组": "长三角招商组",
                    "首报单位": "太安镇招商小分队",
                    "首报日期": "2019-03-01",
                    "线索日期": "2019-03-01",
                    "在谈日期": "2019年9月2日",
                    "签约日期": "2020/6/18",
                    "开工日期": "2021-03-15",
                    "当前阶段": "开工",
                },
            ),
            prow(
                "某光伏组件项目",
                "某光伏科技股份有限公司",
                **{
                    "产业链": "新能源",
                    "首报单位": "古溪镇",
                    "线索日期": "2019-05-01",
                    "接洽日期": "2019-06-01",
                    "终止日期": "2020-01-10",
                    "终止原因": "被其他地区争取",
                },
            ),
        ],
    )
    result = run_import("investment-projects", path, actor=zsj())
    assert result.ok, result.error_lines()
    assert result.created == 2
    p = InvestmentProject.objects.get(region__code=TONGNAN, name="海星新材料项目")
    assert history(p) == [
        ("lead", date(2019, 3, 1), date(2019, 9, 2)),
        ("negotiating", date(2019, 9, 2), date(2020, 6, 18)),
        ("signed", date(2020, 6, 18), date(2021, 3, 15)),
        ("started", date(2021, 3, 15), None),
    ]
    assert (p.stage, p.stage_on, p.signed_on) == ("started", date(2021, 3, 15), date(2020, 6, 18))
    assert (p.agreed_investment, p.planned_investment, p.is_key) == (D(28000), D(30000), True)
    assert (p.team, p.chain.name, p.investor_region.code) == (
        made["长三角招商组"],
        "绿色化工新材料",
        "500000",
    )
    assert p.first_township == made["太安镇招商小分队"].township  # a town's 小分队: that town
    assert (p.follow_level, p.source, p.first_reported_on) == ("close", "town_team", date(2019, 3, 1))
    assert p.investor_key == "海星新材料科技"
    lost = InvestmentProject.objects.get(name="某光伏组件项目")
    assert (lost.stage, lost.termination_reason) == ("terminated", "lost")
    assert lost.first_reporter.short_name == "古溪镇" and lost.first_township.code == "500152103"
    assert lost.first_reported_on == date(2019, 5, 1)  # by default the first stage date
    # "as of" a past date comes from the history, not from the current stage
    on = date(2020, 1, 1)
    as_of = InvestmentStageChange.objects.filter(project__region__code=TONGNAN, on__lte=on).exclude(
        ended_on__lte=on
    )
    assert dict(as_of.values_list("project__name", "to_stage")) == {
        "海星新材料项目": "negotiating",
        "某光伏组件项目": "contact",
    }


def test_projects_bad_input_gets_codes_and_rows_and_writes_nothing(users: dict, tmp_path: Path) -> None:
    teams_in(TONGNAN)
    project(TONGNAN, name="已有项目", investor_name="已有投资有限公司")
    good = {"线索日期": "2019-03-01"}
    rows = [
        prow("好项目", "好投资有限公司", **good),  # 2: fine, but the file fails
        prow("倒序项目", "甲投资有限公司", **{"线索日期": "2019-05-01", "在谈日期": "2019-04-01"}),
        prow("未签约项目", "乙投资有限公司", **good, **{"协议投资额(万元)": 5000}),
        prow("终止项目", "丙投资有限公司", **good, **{"终止日期": "2019-06-01"}),
        prow("链不存在", "丁投资有限公司", **good, **{"产业链": "量子计算"}),
        prow("组不存在", "戊投资有限公司", **good, **{"招商组": "北美招商组"}),
        prow("地区不存在", "己投资有限公司", **good, **{"投资方所在地": "火星"}),
        prow("负数项目", "庚投资有限公司", **good, **{"计划投资额(万元)": -100}),
        prow("阶段不存在", "辛投资有限公司", **good, **{"当前阶段": "洽谈中"}),
        # 签约 then 投产 without 开工: the stage table refuses it
        prow("跳阶段", "壬投资有限公司", **{"签约日期": "2019-03-01", "协议投资额(万元)": 1}),
        prow("签约无额", "癸投资有限公司", **{"签约日期": "2019-03-01"}),
        prow("无日期", "子投资有限公司"),
        prow("未来项目", "丑投资有限公司", **{"线索日期": "2099-01-01"}),
        prow("单位不存在", "寅投资有限公司", **good, **{"首报单位": "不存在的单位"}),
    ]
    produced = {10: "2019-09-01"}  # the 投产日期 column, by list position
    path = xlsx(
        tmp_path,
        "bad",
        [[*PROJECT_HEADERS, "投产日期"], *[[*r, produced.get(i, "")] for i, r in enumerate(rows, start=1)]],
    )
    result = run_import("investment-projects", path, actor=zsj())
    assert not result.ok
    assert by_row(result) == {
        3: {"stage_date_order"},
        4: {"agreed_before_signing"},
        5: {"termination_reason_required"},
        6: {"chain_unknown"},
        7: {"team_unknown"},
        8: {"region_unknown"},
        9: {"negative_amount"},
        10: {"stage_unknown"},
        11: {"transition_not_allowed"},
        12: {"agreed_investment_required"},
        13: {"stage_dates_required"},
        14: {"date_in_future"},
        15: {"organization_unknown"},
    }
    assert {e.field for e in result.errors if e.row == 3} == {"在谈日期"}
    assert "早于线索日期" in message(result, 3, "stage_date_order")
    assert {e.field for e in result.errors if e.row == 11} == {"投产日期"}
    assert "数据库未作任何修改" in result.message
    assert list(InvestmentProject.objects.filter(region__code=TONGNAN).values_list("name", flat=True)) == [
        "已有项目"
    ]


def test_projects_reimport_makes_the_history_equal_the_file(users: dict, tmp_path: Path) -> None:
    teams_in(TONGNAN)
    first = {"线索日期": "2019-03-01", "在谈日期": "2019-09-02"}
    run = lambda cells, name: run_import(  # noqa: E731
        "investment-projects",
        xlsx(tmp_path, name, [PROJECT_HEADERS, prow("重导项目", "重导投资有限公司", **cells)]),
        actor=zsj(),
    )
    assert run(first, "a").created == 1
    p = InvestmentProject.objects.get(name="重导项目")
    before = list(p.stage_changes.values_list("pk", flat=True))
    # the same file: nothing changes
    result = run(first, "b")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    # later stages added: appended, the earlier rows kept
    result = run(first | {"签约日期": "2020-06-18", "协议投资额(万元)": 25000}, "c")
    assert result.updated == 1
    p.refresh_from_db()
    assert list(p.stage_changes.order_by("on").values_list("pk", flat=True))[:2] == before
    assert [s for s, _on, _end in history(p)] == ["lead", "negotiating", "signed"]
    assert (p.stage, p.signed_on, p.agreed_investment) == ("signed", date(2020, 6, 18), D(25000))
    # a corrected date (and no 签约 any more, its 协议投资额 blank): the history is the file's
    result = run({"线索日期": "2019-03-01", "接洽日期": "2019-04-01", "在谈日期": "2019-10-08"}, "d")
    assert result.ok, result.error_lines()
    p.refresh_from_db()
    assert history(p) == [
        ("lead", date(2019, 3, 1), date(2019, 4, 1)),
        ("contact", date(2019, 4, 1), date(2019, 10, 8)),
        ("negotiating", date(2019, 10, 8), None),
    ]
    assert (p.stage, p.signed_on, p.agreed_investment) == ("negotiating", None, None)
    assert InvestmentProject.objects.filter(name="重导项目").count() == 1


def test_project_names_resolve_in_the_actors_district(users: dict, tmp_path: Path) -> None:
    """潼南区, 大渡口区 and 万州区 each have a 长三角招商组, a 太安镇招商小分队 and the chain 新能源."""
    made = {code: teams_in(code) for code in (TONGNAN, DADUKOU, WANZHOU)}
    actors = {TONGNAN: zsj(), DADUKOU: department_user(DADUKOU), WANZHOU: department_user(WANZHOU)}
    cells = {
        "产业链": "新能源",
        "招商组": "长三角招商组",
        "首报单位": "太安镇招商小分队",
        "线索日期": "2020-03-01",
    }
    for code, actor in actors.items():
        rows = [PROJECT_HEADERS, prow("同名项目", "同名投资有限公司", **cells)]
        result = run_import("investment-projects", xlsx(tmp_path, f"p{code}", rows), actor=actor)
        assert result.ok, result.error_lines()
    for code in actors:
        p = InvestmentProject.objects.get(region__code=code, name="同名项目")
        assert p.team == made[code]["长三角招商组"]
        assert p.chain.region.code == code
        assert p.first_township == made[code]["太安镇招商小分队"].township
        assert p.first_township.code.startswith(code)


def test_duplicate_investor_across_towns_is_refused_naming_the_first_report(
    users: dict, tmp_path: Path
) -> None:
    """古溪镇 reported 重庆市潼南区海星科技有限公司 first; 玉溪镇's 海星科技(重庆)有限公司 is the same investor."""
    district(TONGNAN)
    rows = [
        PROJECT_HEADERS,
        prow(
            "古溪首报项目", "重庆市潼南区海星科技有限公司", **{"首报单位": "古溪镇", "线索日期": "2019-04-01"}
        ),
    ]
    assert run_import("investment-projects", xlsx(tmp_path, "a", rows), actor=zsj()).ok
    rows = [
        PROJECT_HEADERS,
        prow("玉溪项目", "海星科技(重庆)有限公司", **{"首报单位": "玉溪镇", "线索日期": "2019-06-01"}),
        prow("新项目甲", "蓝鲸动力有限公司", **{"首报单位": "玉溪镇", "线索日期": "2019-06-01"}),
        prow("新项目乙", "蓝鲸动力股份有限公司", **{"首报单位": "古溪镇", "线索日期": "2019-07-01"}),
        # re-importing the first report under its own name is not a duplicate of itself
        prow(
            "古溪首报项目", "重庆市潼南区海星科技有限公司", **{"首报单位": "古溪镇", "线索日期": "2019-04-01"}
        ),
    ]
    result = run_import("investment-projects", xlsx(tmp_path, "b", rows), actor=zsj())
    assert by_row(result) == {2: {"duplicate_investor"}, 4: {"duplicate_investor"}}
    text = message(result, 2, "duplicate_investor")
    assert "古溪镇" in text and "2019-04-01" in text and "重庆市潼南区海星科技有限公司" in text
    assert "玉溪镇" in message(result, 4, "duplicate_investor")  # the first report within the file
    assert {e.field for e in result.errors} == {"投资方"}
    assert not InvestmentProject.objects.filter(name__in=["玉溪项目", "新项目甲", "新项目乙"]).exists()
    # the same investor in another district is that district's own first report
    other = department_user(DADUKOU)
    district(DADUKOU)
    rows = [PROJECT_HEADERS, prow("大渡口海星项目", "海星科技(重庆)有限公司", **{"线索日期": "2019-06-01"})]
    assert run_import("investment-projects", xlsx(tmp_path, "c", rows), actor=other).ok


def test_projects_import_from_csv_in_gbk(users: dict, tmp_path: Path) -> None:
    district(TONGNAN)
    rows = [
        PROJECT_HEADERS,
        prow("CSV项目", "某某电子有限公司", **{"线索日期": "2021-01-05", "当前阶段": "线索"}),
    ]
    result = run_import("investment-projects", csv_file(tmp_path, "p", rows, "gb18030"), actor=zsj())
    assert result.ok, result.error_lines()
    assert InvestmentProject.objects.get(name="CSV项目").stage_on == date(2021, 1, 5)


# --- leads ---------------------------------------------------------------------------------------

LEAD_HEADERS = [
    "投资方",
    "线索内容",
    "来源",
    "报送单位",
    "所属镇街",
    "报送日期",
    "接收招商组",
    "产业链",
    "预计投资额(万元)",
]


def test_leads_import_and_duplicates_across_towns(users: dict, tmp_path: Path) -> None:
    made = teams_in(TONGNAN)
    rows = [
        LEAD_HEADERS,
        [
            "广东省华光电子有限公司",
            "拟建电子元器件基地",
            "镇街招商小分队",
            "古溪镇",
            "",
            "2020-04-15",
            "长三角招商组",
            "电子信息",
            20000,
        ],
        ["某某食品集团", "拟扩产", "", "太安镇招商小分队", "", "2020-05-06", "", "", ""],
    ]
    result = run_import("investment-leads", csv_file(tmp_path, "leads", rows), actor=zsj())
    assert result.ok, result.error_lines()
    assert result.created == 2
    first = Lead.objects.get(investor_name="广东省华光电子有限公司")
    assert (first.township.code, first.reporter.short_name, first.status) == (
        "500152103",
        "古溪镇",
        "assigned",
    )
    assert (first.team, first.chain.name, first.estimated_investment) == (
        made["长三角招商组"],
        "电子信息",
        D(20000),
    )
    assert (first.region.code, first.reported_on, first.created_by) == (
        TONGNAN,
        date(2020, 4, 15),
        zsj(),
    )
    squad = Lead.objects.get(investor_name="某某食品集团")
    assert (squad.reporting_team, squad.township, squad.status, squad.source) == (
        made["太安镇招商小分队"],
        made["太安镇招商小分队"].township,
        "new",
        "town_team",
    )
    # 玉溪镇 reports the same investor later (another spelling): refused, crediting 古溪镇
    rows = [
        LEAD_HEADERS,
        ["华光电子(深圳)有限公司", "同一投资方", "", "玉溪镇", "", "2020-06-01", "", "", ""],
        ["新投资方有限公司", "新线索", "", "玉溪镇", "", "2020-06-01", "", "", ""],
        ["新投资方股份有限公司", "同一文件中重复", "", "古溪镇", "", "2020-06-02", "", "", ""],
        ["未知产业链公司", "x", "", "玉溪镇", "", "2020-06-02", "北美招商组", "量子计算", -5],
    ]
    result = run_import("investment-leads", xlsx(tmp_path, "leads2", rows), actor=zsj())
    assert by_row(result) == {
        2: {"duplicate_investor"},
        4: {"duplicate_investor"},
        5: {"team_unknown", "chain_unknown", "negative_amount"},
    }
    assert "古溪镇" in message(result, 2, "duplicate_investor")
    assert "2020-04-15" in message(result, 2, "duplicate_investor")
    assert Lead.objects.filter(region__code=TONGNAN).count() == 2


# --- funds ---------------------------------------------------------------------------------------

FUNDS_HEADERS = ["项目名称", "年月", "到位资金(万元)", "资金来源"]


def test_funds_import_upserts_and_feeds_the_indicator(tmp_path: Path) -> None:
    actor = department_user(WANZHOU)
    signed = project(WANZHOU, name="万州签约项目", on=date(2020, 1, 6))
    services.change_stage(None, signed, "signed", date(2021, 2, 10), agreed_investment=D(50000))
    project(WANZHOU, name="万州在谈项目", on=date(2020, 1, 6))
    rows = [
        FUNDS_HEADERS,
        ["万州签约项目", "2021年2月", 3000, "市外境内"],
        ["万州签约项目", "2021-03", "1,500.5", "境外"],
    ]
    result = run_import("investment-funds", xlsx(tmp_path, "funds", rows), actor=actor)
    assert result.ok, result.error_lines()
    assert result.created == 2
    assert set(FundsInPlace.objects.values_list("month", "amount", "source")) == {
        (date(2021, 2, 1), D(3000), "in_country"),
        (date(2021, 3, 1), D("1500.50"), "abroad"),
    }
    fed = IndicatorValue.objects.filter(region__code=WANZHOU, indicator__code="zsyz_dw", is_current=True)
    assert fed.filter(period__year=2021, period__last=3).get().value == D("0.4501")
    # the same month and source again: updated in place
    rows = [FUNDS_HEADERS, ["万州签约项目", "2021年2月", 3500, "市外境内"]]
    result = run_import("investment-funds", xlsx(tmp_path, "funds2", rows), actor=actor)
    assert (result.created, result.updated) == (0, 1)
    assert FundsInPlace.objects.get(month=date(2021, 2, 1)).amount == D(3500)
    assert fed.filter(period__year=2021, period__last=3).get().value == D("0.5001")


def test_funds_bad_rows_write_nothing(tmp_path: Path) -> None:
    actor = department_user(WANZHOU)
    signed = project(WANZHOU, name="万州签约项目", on=date(2020, 1, 6))
    services.change_stage(None, signed, "signed", date(2021, 2, 10), agreed_investment=D(50000))
    project(WANZHOU, name="万州在谈项目", on=date(2020, 1, 6))
    project(TONGNAN, name="潼南项目")
    rows = [
        FUNDS_HEADERS,
        ["万州签约项目", "2021年2月", 3000, "市外境内"],
        ["万州签约项目", "2021年1月", 100, "市外境内"],  # signed in February
        ["万州在谈项目", "2021年3月", 100, "境外"],
        ["潼南项目", "2021年3月", 100, "境外"],  # another district's
        ["万州签约项目", "2021年13月", 100, "境外"],
        ["万州签约项目", "2021年4月", -1, "境外"],
        ["万州签约项目", "2021年5月", 1, "区内"],
        ["万州签约项目", "2021年2月", 3000, "市外境内"],
    ]
    result = run_import("investment-funds", xlsx(tmp_path, "funds", rows), actor=actor)
    assert by_row(result) == {
        3: {"funds_before_signing"},
        4: {"funds_before_signing"},
        5: {"project_unknown"},
        6: {"month_invalid"},
        7: {"negative_amount"},
        8: {"choice_invalid"},
        9: {"duplicate_row"},
    }
    assert "2021年1月底前尚未签约" in message(result, 3, "funds_before_signing")
    assert not FundsInPlace.objects.exists()


# --- the page ------------------------------------------------------------------------------------


def test_import_page_for_departments_only(users: dict, client_for: Any, tmp_path: Path) -> None:
    district(TONGNAN)
    page = client_for(zsj()).get(reverse("investment:import"))
    assert page.status_code == 200
    assert [k for k, _label in page.context["kinds"]] == [
        "investment-projects",
        "investment-leads",
        "investment-funds",
        "investment-teams",
    ]
    template = client_for(zsj()).get(reverse("investment:import-kind-template", args=["investment-teams"]))
    assert template.status_code == 200 and template.content.startswith(b"PK")
    for name in ("guxi", "squad1"):
        assert client_for(users[name]).get(reverse("investment:import")).status_code == 403
    path = xlsx(tmp_path, "teams", [TEAM_HEADERS, ["网页导入组", "区域招商组", "", "", ""]])
    with path.open("rb") as upload:
        response = client_for(users["admin"]).post(
            reverse("investment:import-kind", args=["investment-teams"]), {"file": upload}
        )
    assert response.status_code == 200
    assert Team.objects.filter(name="网页导入组", region__code=TONGNAN).exists()


def test_templates_carry_the_issues_columns() -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from tiaodu.core.imports import template_workbook

    def headers(kind: str) -> list[str]:
        sheet = load_workbook(BytesIO(template_workbook(kind))).worksheets[0]
        return [c.value for c in sheet[1]]

    assert headers("investment-teams") == ["名称", "类型", "所属镇街", "负责区域", "负责产业链", "组长"]
    project_headers = headers("investment-projects")
    listed = [
        "项目名称", "投资方", "投资方信用代码", "投资方所在地", "产业链", "行业代码", "计划投资额(万元)",
        "协议投资额(万元)", "重点项目", "跟进级别", "计划签约日期", "招商组", "首报单位", "首报日期", "来源",
        "线索日期", "接洽日期", "在谈日期", "意向明显日期", "拟签约日期", "签约日期", "注册落地日期",
        "开工日期", "投产日期", "终止日期", "终止原因",
    ]  # fmt: skip
    assert [h for h in project_headers if h in listed] == listed
    assert headers("investment-leads") == [
        "投资方", "投资方信用代码", "线索内容", "来源", "报送单位", "所属镇街", "报送日期", "接收招商组", "产业链",
        "预计投资额(万元)",
    ]  # fmt: skip
    assert headers("investment-funds") == ["项目名称", "年月", "到位资金(万元)", "资金来源"]


def test_cli_imports_as_a_user(tmp_path: Path) -> None:
    from io import StringIO

    from django.core.management import call_command

    actor = department_user(DADUKOU)
    district(DADUKOU)
    rows = [PROJECT_HEADERS, prow("命令行项目", "命令行投资有限公司", **{"线索日期": "2020-02-02"})]
    out = StringIO()
    call_command(
        "import", "investment-projects", str(xlsx(tmp_path, "cli", rows)), "--as", actor.username, stdout=out
    )
    assert "成功" in out.getvalue()
    assert InvestmentProject.objects.get(name="命令行项目").region.code == DADUKOU


def test_partial_import_writes_the_good_rows_with_history_and_audit(tmp_path: Path) -> None:
    from auditlog.models import LogEntry

    district(TONGNAN)
    rows = [
        PROJECT_HEADERS,
        prow(
            "部分导入甲",
            "部分甲有限公司",
            **{"线索日期": "2020-01-02", "签约日期": "2020-08-08", "协议投资额(万元)": 9000},
        ),
        prow("部分导入乙", "部分乙有限公司", **{"线索日期": "2020-05-01", "在谈日期": "2020-03-01"}),
    ]
    result = run_import("investment-projects", xlsx(tmp_path, "partial", rows), actor=zsj(), partial=True)
    assert (result.status, result.created, result.skipped) == ("partial", 1, 1)
    p = InvestmentProject.objects.get(name="部分导入甲")
    assert history(p) == [("lead", date(2020, 1, 2), date(2020, 8, 8)), ("signed", date(2020, 8, 8), None)]
    assert (p.stage, p.signed_on, p.agreed_investment, p.created_by) == (
        "signed",
        date(2020, 8, 8),
        D(9000),
        zsj(),
    )
    assert p.lead_unit.name == "区招商投资局" and p.first_reported_on == date(2020, 1, 2)
    entries = LogEntry.objects.filter(additional_data__import="investment-projects")
    assert entries.filter(object_id=p.pk, content_type__model="investmentproject").count() == 1
    assert entries.filter(content_type__model="investmentstagechange").count() == 2
    assert not InvestmentProject.objects.filter(name="部分导入乙").exists()


def test_a_project_for_an_investor_a_town_reported_as_a_lead_is_refused(tmp_path: Path) -> None:
    district(TONGNAN)
    rows = [LEAD_HEADERS, ["重庆青山机械有限公司", "拟投资", "", "古溪镇", "", "2020-03-03", "", "", ""]]
    assert run_import("investment-leads", xlsx(tmp_path, "lead", rows), actor=zsj()).ok
    rows = [
        PROJECT_HEADERS,
        prow("青山机械项目", "青山机械股份有限公司", **{"首报单位": "玉溪镇", "线索日期": "2020-04-04"}),
    ]
    result = run_import("investment-projects", xlsx(tmp_path, "p", rows), actor=zsj())
    assert by_row(result) == {2: {"duplicate_investor"}}
    text = message(result, 2, "duplicate_investor")
    assert "古溪镇" in text and "2020-03-03" in text and "线索" in text
    assert not InvestmentProject.objects.filter(name="青山机械项目").exists()


def test_lead_names_resolve_in_the_actors_district(tmp_path: Path) -> None:
    """The same 太安镇招商小分队, 长三角招商组 and 电子信息 in three districts: 大渡口区's import gets
    大渡口区's, and a lead of 潼南区 for the same investor is no duplicate there."""
    made = {code: teams_in(code) for code in (TONGNAN, DADUKOU, WANZHOU)}
    rows = [
        LEAD_HEADERS,
        [
            "三区同名投资有限公司",
            "线索",
            "",
            "太安镇招商小分队",
            "",
            "2021-03-03",
            "长三角招商组",
            "电子信息",
            "",
        ],
    ]
    for code in (TONGNAN, DADUKOU):
        actor = zsj() if code == TONGNAN else department_user(code)
        result = run_import("investment-leads", xlsx(tmp_path, f"l{code}", rows), actor=actor)
        assert result.ok, result.error_lines()
    lead = Lead.objects.get(region__code=DADUKOU)
    assert lead.reporting_team == made[DADUKOU]["太安镇招商小分队"]
    assert (
        lead.township
        == made[DADUKOU]["太安镇招商小分队"].township
        != made[TONGNAN]["太安镇招商小分队"].township
    )
    assert (lead.team, lead.chain.region.code) == (made[DADUKOU]["长三角招商组"], DADUKOU)
