"""The ``inspections`` and ``hazards`` imports: history as it happened, all-or-nothing, per-row
errors, names resolved in the actor's district (three districts share 太安镇)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest

from tiaodu.cases.models import Case, CaseEvent
from tiaodu.cases.workdays import add_workdays
from tiaodu.core.errors import Forbidden
from tiaodu.core.imports import run_import
from tiaodu.core.tests.districts import shared_township
from tiaodu.regions.models import Region
from tiaodu.safety import hazards
from tiaodu.safety.choices import HazardGrade, HazardState
from tiaodu.safety.models import Campaign, Hazard, Inspection, Sector, Unit
from tiaodu.safety.tests.test_inspections import World, make_world

INSPECTION_HEADERS = [
    "检查编号",
    "检查日期",
    "单位名称",
    "统一社会信用代码",
    "所属镇街",
    "检查部门",
    "检查类型",
    "专项行动",
]
HAZARD_HEADERS = [
    "检查编号",
    "隐患描述",
    "隐患等级",
    "整改方式",
    "整改期限",
    "状态",
    "整改完成日期",
    "验收日期",
]


def csv_of(headers: list[str], rows: list[list[Any]]) -> io.BytesIO:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return io.BytesIO(out.getvalue().encode("utf-8"))


def errors_of(result: Any) -> list[tuple[int | None, str, str]]:
    return [(e.row, e.field, e.code) for e in result.errors]


@pytest.fixture
def world(db: Any) -> World:
    made = make_world()
    Campaign.objects.get_or_create(
        region=made.district, name="两重大一突出", defaults={"starts_on": date(2022, 1, 9)}
    )
    # 太安镇 in three districts, each with a unit of the same name.
    for code, township in shared_township().items():
        district = Region.objects.get(code=code)
        sector = made.industry
        if district != made.district:
            sector, _ = Sector.objects.get_or_create(
                region=district, code="industry", defaults={"name": "工贸"}
            )
        Unit.objects.get_or_create(
            township=township, name="太安加油站", defaults={"district": district, "sector": sector}
        )
    return made


def _inspections(world: World, admin: Any, rows: list[list[Any]], **kw: Any) -> Any:
    return run_import("inspections", csv_of(INSPECTION_HEADERS, rows), actor=admin, file_name="i.csv", **kw)


def _hazards(admin: Any, rows: list[list[Any]]) -> Any:
    return run_import("hazards", csv_of(HAZARD_HEADERS, rows), actor=admin, file_name="h.csv")


def _base_inspections(world: World, admin: Any) -> Any:
    result = _inspections(
        world,
        admin,
        [
            ["AJ1", "2022-01-10", "古溪食品测试单位", "", "古溪镇", "经信委", "执法检查", "两重大一突出"],
            ["AJ2", "2022/1/11", "太安加油站", "", "太安镇", "区应急管理局", "联合检查", ""],
            ["AJ3", "2022年1月12日", "古溪测试工地", "", "古溪镇", "住建委", "日常巡查", ""],
        ],
    )
    assert result.ok, result.error_lines()
    return result


def test_inspections_imported_in_the_actors_district(world: World, users: Any) -> None:
    result = _base_inspections(world, users["admin"])
    assert result.created == 3
    first = Inspection.objects.get(district=world.district, number="AJ1")
    assert (first.unit, first.department, first.kind) == (world.unit, world.jxw, "enforcement")
    assert first.campaign is not None and first.campaign.name == "两重大一突出"
    assert (first.township, first.sector) == (world.township, world.industry)
    second = Inspection.objects.get(district=world.district, number="AJ2")
    assert second.unit.district == world.district and second.unit.name == "太安加油站"
    assert second.inspected_on == date(2022, 1, 11)
    again = _inspections(
        world,
        users["admin"],
        [["AJ1", "2022-01-10", "古溪食品测试单位", "", "古溪镇", "经信委", "执法检查", ""]],
    )
    assert (again.ok, again.created, again.unchanged) == (True, 0, 1)


def test_inspection_errors_per_row_nothing_written(world: World, users: Any) -> None:
    before = Inspection.objects.count()
    result = _inspections(
        world,
        users["admin"],
        [
            ["B1", "2022-01-10", "古溪食品测试单位", "", "古溪镇", "经信委", "执法检查", ""],
            ["B2", "2022-01-10", "不存在的单位", "", "古溪镇", "经信委", "执法检查", ""],
            ["B3", "2022-01-10", "古溪食品测试单位", "", "古溪镇", "不存在局", "执法检查", "无此行动"],
            ["B1", "2022-01-11", "古溪食品测试单位", "", "古溪镇", "经信委", "走访", ""],
            ["B5", "2099-01-01", "古溪食品测试单位", "", "火星镇", "经信委", "执法检查", ""],
        ],
    )
    assert not result.ok
    got = errors_of(result)
    assert (3, "单位名称", "unit_unknown") in got
    assert (4, "检查部门", "organization_unknown") in got
    assert (4, "专项行动", "campaign_unknown") in got
    assert (5, "检查类型", "choice_invalid") in got
    assert (6, "检查日期", "date_in_future") in got
    assert any(r == 6 and f == "所属镇街" for r, f, _c in got)
    assert Inspection.objects.count() == before
    dup = _inspections(
        world,
        users["admin"],
        [
            ["C1", "2022-01-10", "古溪食品测试单位", "", "古溪镇", "经信委", "执法检查", ""],
            ["C1", "2022-01-10", "古溪食品测试单位", "", "古溪镇", "经信委", "执法检查", ""],
        ],
    )
    assert errors_of(dup) == [(3, "检查编号", "inspection_number_duplicate")]


def test_stored_number_for_another_unit_is_a_duplicate(world: World, users: Any) -> None:
    _base_inspections(world, users["admin"])
    result = _inspections(
        world, users["admin"], [["AJ1", "2022-01-10", "古溪测试工地", "", "古溪镇", "住建委", "执法检查", ""]]
    )
    assert errors_of(result) == [(2, "检查编号", "inspection_number_duplicate")]


def test_department_imports_only_its_own_inspections(world: World) -> None:
    result = _inspections(
        world,
        world.zjw_user,
        [
            ["D1", "2022-01-10", "古溪测试工地", "", "古溪镇", "住建委", "执法检查", ""],
            ["D2", "2022-01-10", "古溪食品测试单位", "", "古溪镇", "经信委", "执法检查", ""],
        ],
    )
    assert errors_of(result) == [(3, "检查部门", "permission_denied")]


def test_hazards_history_as_it_happened(world: World, users: Any) -> None:
    admin = users["admin"]
    _base_inspections(world, admin)
    cases_before = Case.objects.count()
    result = _hazards(
        admin,
        [
            ["AJ1", "灭火器过期", "一般隐患", "即查即改", "", "", "", ""],
            [
                "AJ1",
                "配电箱无防护",
                "一般",
                "限期整改",
                "2022-01-25",
                "已验收(销号)",
                "2022-01-20",
                "2022-01-21",
            ],
            ["AJ1", "除尘系统未防爆", "重大隐患", "限期整改", "2022-03-01", "待验收", "2022-02-20", ""],
            ["AJ2", "加油机接地松动", "", "", "", "整改中", "", ""],
            ["AJ3", "临边无防护", "重大", "", "", "", "", ""],
        ],
    )
    assert result.ok, result.error_lines()
    assert result.created == 5 and Case.objects.count() == cases_before + 5
    by = {h.description: h for h in Hazard.objects.select_related("case").filter(district=world.district)}
    quick = by["灭火器过期"]
    assert (quick.rectified_on, quick.accepted_on, quick.deadline) == (date(2022, 1, 10),) * 3
    assert quick.case.state == HazardState.ACCEPTED and not quick.case.is_open
    done = by["配电箱无防护"]
    assert (done.rectified_on, done.accepted_on) == (date(2022, 1, 20), date(2022, 1, 21))
    assert done.case.resolved_at is not None and done.case.handling_org == world.jxw
    major = by["除尘系统未防爆"]
    assert (major.grade, major.is_supervised, major.supervised_on, major.missing_plan) == (
        HazardGrade.MAJOR,
        True,
        date(2022, 1, 10),
        True,
    )
    assert major.case.state == HazardState.AWAITING and major.case.handling_org == world.yjj
    assert major.case.due_on == add_workdays(date(2022, 2, 20), 5)
    assert set(major.case.co_orgs.all()) == {world.jxw}
    assert major.case.number.startswith("HA2022") and major.case.category.code == "major"
    assert major.case.submitter_org_id == world.unit.enterprise.organization_id  # type: ignore[union-attr]
    open_one = by["加油机接地松动"]
    assert open_one.case.state == HazardState.RECTIFYING and open_one.rectified_on is None
    assert open_one.deadline == add_workdays(date(2022, 1, 11), 10) == open_one.case.due_on
    site = by["临边无防护"]
    assert site.case.state == HazardState.PENDING and site.case.handling_org == world.zjw
    assert CaseEvent.objects.filter(case=site.case, action="import").exists()
    # Imported history goes on on the platform: the supervising department accepts the 重大.
    accepted = hazards.step(world.yjj_user, major.pk, "accept")
    assert accepted.accepted_on is not None and not accepted.case.is_open
    again = _hazards(admin, [["AJ1", "灭火器过期", "一般隐患", "即查即改", "", "", "", ""]])
    assert (again.ok, again.created, again.unchanged) == (True, 0, 1)


def test_hazard_errors_nothing_written(world: World, users: Any) -> None:
    admin = users["admin"]
    _base_inspections(world, admin)
    before = (Hazard.objects.count(), Case.objects.count())
    result = _hazards(
        admin,
        [
            ["AJ1", "ok", "", "", "", "", "", ""],
            ["AJ1", "验收早于整改", "", "", "", "已验收(销号)", "2022-01-20", "2022-01-18"],
            ["NOPE", "未知检查", "", "", "", "", "", ""],
            ["AJ1", "整改早于发现", "", "", "", "待验收", "2022-01-01", ""],
            ["AJ1", "状态不符", "", "", "", "待整改", "2022-01-20", ""],
            ["AJ1", "等级", "很大", "", "", "", "", ""],
            ["AJ1", "已验收无日期", "", "限期整改", "", "已验收", "", ""],
        ],
    )
    assert not result.ok
    assert errors_of(result) == [
        (3, "验收日期", "acceptance_before_rectification"),
        (4, "检查编号", "inspection_unknown"),
        (5, "整改完成日期", "rectified_before_found"),
        (6, "状态", "state_mismatch"),
        (7, "隐患等级", "choice_invalid"),
        (8, "验收日期", "required"),
    ]
    assert (Hazard.objects.count(), Case.objects.count()) == before


def test_hazards_of_another_districts_inspection_are_unknown(world: World, users: Any) -> None:
    _base_inspections(world, users["admin"])
    dadukou = Region.objects.get(code="500104")
    from tiaodu.accounts.models import User

    other = User.objects.create(username="t_admin_ddk", role="admin", region=dadukou)
    result = _hazards(other, [["AJ1", "灭火器过期", "", "", "", "", "", ""]])
    assert errors_of(result) == [(2, "检查编号", "inspection_unknown")]


def test_town_imports_its_township_only(world: World, users: Any) -> None:
    result = _inspections(
        world,
        users["guxi"],
        [
            ["T1", "2022-01-10", "古溪测试工地", "", "古溪镇", "古溪镇", "日常巡查", ""],
            ["T2", "2022-01-10", "太安加油站", "", "太安镇", "古溪镇", "日常巡查", ""],
        ],
    )
    assert errors_of(result) == [(3, "检查部门", "permission_denied")]
    ok = _inspections(
        world, users["guxi"], [["T1", "2022-01-10", "古溪测试工地", "", "古溪镇", "古溪镇", "日常巡查", ""]]
    )
    assert ok.ok and ok.created == 1
    assert _hazards(users["guxi"], [["T1", "临边无防护", "", "", "", "", "", ""]]).created == 1
    with pytest.raises(Forbidden):  # history is registered by government staff
        _hazards(users["qiye"], [["T1", "x", "", "", "", "", "", ""]])


def test_card_history_as_the_sweep_would_have_issued_it(world: World, users: Any) -> None:
    from tiaodu.cases.models import CardRecord

    admin = users["admin"]
    _base_inspections(world, admin)  # AJ1 found 2022-01-10
    result = _hazards(
        admin,
        [
            ["AJ1", "按期整改", "", "", "2022-01-25", "", "2022-01-20", "2022-01-21"],
            ["AJ1", "逾期整改", "", "", "2022-01-20", "", "2022-01-28", "2022-01-29"],
            ["AJ1", "稍有逾期", "", "", "2022-01-20", "", "2022-01-21", "2022-01-24"],
            ["AJ1", "至今未改", "", "", "2022-02-01", "整改中", "", ""],
            ["AJ1", "验收拖延", "", "", "2022-03-01", "待验收", "2022-02-20", ""],
        ],
    )
    assert result.ok, result.error_lines()
    by = {
        h.description: h.case for h in Hazard.objects.select_related("case").filter(district=world.district)
    }

    def records(case: Case) -> list[tuple[str, date, date | None]]:
        return list(
            CardRecord.objects.filter(case=case)
            .order_by("issued_on")
            .values_list("card", "issued_on", "lifted_on")
        )

    assert records(by["按期整改"]) == [] and by["按期整改"].yellow_count == 0
    late = by["逾期整改"]
    red_on = add_workdays(date(2022, 1, 20), 5)
    assert records(late) == [
        ("yellow", date(2022, 1, 21), date(2022, 1, 29)),
        ("red", red_on, date(2022, 1, 29)),
    ]
    assert (late.card, late.yellow_count, late.yellow_at, late.red_at) == (
        "none",
        1,
        date(2022, 1, 21),
        red_on,
    )
    assert records(by["稍有逾期"]) == [("yellow", date(2022, 1, 21), date(2022, 1, 24))]
    still = by["至今未改"]
    assert still.card == "red" and still.is_open
    assert [r[:2] for r in records(still)] == [
        ("yellow", date(2022, 2, 2)),
        ("red", add_workdays(date(2022, 2, 1), 5)),
    ]
    waiting = by["验收拖延"]
    acceptance_due = add_workdays(date(2022, 2, 20), 5)
    assert waiting.due_on == acceptance_due and waiting.card == "red"
    assert records(waiting)[0] == ("yellow", acceptance_due + timedelta(days=1), None)
    # Accepted on the platform: the cards come off (the engine lifts them).
    hazard = Hazard.objects.get(case=waiting)
    done = hazards.step(world.jxw_user, hazard.pk, "accept")
    assert done.case.card == "none"
    assert all(r[2] is not None for r in records(waiting))
