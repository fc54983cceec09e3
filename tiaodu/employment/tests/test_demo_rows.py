"""The demo's rows (:func:`tiaodu.employment.demo.spring_rows`) carry the figures the module
docstring promises, counted here straight from the rows — before any importer sees them — with
the report's definitions: fairs of the kind in the period, distinct enterprises with a booth,
posts of the distinct vacancies at those fairs, distinct jobseekers with an intention there,
posts of the vacancies published in the period, trips and distinct riders."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

import pytest

from tiaodu.core.figures import about
from tiaodu.employment import demo, idcard
from tiaodu.regions.models import Region


@pytest.fixture
def rows(db: Any) -> demo.SpringRows:
    return demo.tongnan_rows()


def in_period(rows: demo.SpringRows, day: str | date) -> bool:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return rows.start <= day <= rows.end


def test_the_fair_sentence(rows: demo.SpringRows) -> None:
    spring = [f for f in rows.fairs if f.kind == "春风行动专场" and in_period(rows, f.day)]
    assert len(spring) == 10
    names = {f.name for f in spring}
    firms = {code for f in spring for code in f.booths}
    titles = {(code, t) for f in spring for code, ts in f.booths.items() for t in ts}
    heads = {(r["统一社会信用代码"], r["岗位名称"]): r["招聘人数"] for r in rows.vacancies}
    positions = sum(heads[k] for k in titles)
    intended = {r["身份证号"] for r in rows.fair_results if r["招聘会名称"] in names}
    assert (len(firms), len(titles), positions, len(intended)) == (46, 92, 1380, 236)
    sentence = f"举办春风行动专场招聘会{len(spring)}场,{len(firms)}家企业提供岗位{positions}个,{about(len(intended))}人与企业达成初步求职意向"
    assert sentence == demo.SEED_FAIRS == demo.SEED.fair_sentence()
    # Every fair vacancy has an intention at a spring fair: the fair-results import alone makes
    # the same booths' vacancies.
    imported = {(r["统一社会信用代码"], r["岗位名称"]) for r in rows.fair_results if r["招聘会名称"] in names}
    assert imported == titles
    assert len([r for r in rows.fair_results if r["招聘会名称"] in names]) == 281


def test_demand_buses_and_outcomes(rows: demo.SpringRows) -> None:
    demand = sum(r["招聘人数"] for r in rows.vacancies if in_period(rows, r["发布日期"]))
    assert demand == 2037 and f"收集企业用工需求{about(demand)}人" == demo.SEED_DEMAND
    assert any(not in_period(rows, r["发布日期"]) for r in rows.vacancies)  # noise outside
    riders = {n for t in rows.trips for n, _s in t.riders}
    assert (len(rows.trips), len(riders)) == (10, 186)
    assert all(len(t.riders) <= t.seats and in_period(rows, t.day) for t in rows.trips)
    assert demo.SEED.bus_sentence() == demo.SEED_BUSES
    results = Counter(r["结果"] for r in rows.fair_results)
    assert results["入职"] == 92 and results["录用"] == 18 and results["面试"] == 30
    hired = {i.id_number for i in rows.intentions if any(s.action == "hire" for s in i.steps)}
    assert len(hired) == 110
    for item in rows.intentions:
        days = [item.fair.day, *(s.on for s in item.steps)]
        assert days == sorted(days), item
        if any(s.action == "hire" for s in item.steps):
            assert in_period(rows, next(s.on for s in item.steps if s.action == "hire"))
    finals = Counter(i.steps[-1].action for i in rows.intentions if i.steps)
    assert finals["check_90"] == 76 and finals["leave"] == 16 and finals["drop"] == 20


def test_the_villager(rows: demo.SpringRows) -> None:
    (villager,) = [r for r in rows.jobseekers if r["姓名"] == "陈淑芬"]
    assert "制衣厂" in villager["工作经历"] and "玩具厂" in villager["工作经历"]
    assert villager["所属镇街"] == "潼南区古溪镇"
    (mine,) = [i for i in rows.intentions if i.id_number == villager["身份证号"]]
    firm = {f.credit_code: f.name for f in demo.district_firms(Region.objects.get(code=demo.TONGNAN))}
    assert firm[mine.credit_code] == demo.TOY_FACTORY and mine.title == demo.VILLAGER_TITLE
    assert mine.fair.township == "古溪镇"
    assert [s.action for s in mine.steps] == ["interview", "hire", "start", "check_30", "check_90"]


def test_fairs_fall_on_market_days(rows: demo.SpringRows) -> None:
    rules = {t: (cal, d) for t, _p, cal, d in demo.TONGNAN_MARKETS}
    for fair in rows.fairs[:10]:
        assert demo.is_market_day(*rules[fair.township], fair.day), fair
    assert Counter(f.township for f in rows.fairs[:10]) == dict.fromkeys(demo.HOSTS, 2)
    # 2022-02-07 is 正月初七 (农历 7: 古溪镇's 1-4-7), 2022-02-08 初八 (2-5-8), 2022-02-11 the 11th.
    assert demo.is_market_day("农历", "147", date(2022, 2, 7))
    assert not demo.is_market_day("农历", "147", date(2022, 2, 8))
    assert demo.is_market_day("公历", "147", date(2022, 2, 11))
    assert demo.is_market_day("农历", "0369", date(2022, 3, 2))  # 正月三十


def test_jobseekers_are_valid_and_unique(rows: demo.SpringRows) -> None:
    numbers = [r["身份证号"] for r in rows.jobseekers]
    assert len(numbers) == len(set(numbers)) == 236 + 150
    for number in numbers:
        assert idcard.parse(number).number == number
    towns = {r["所属镇街"] for r in rows.jobseekers}
    assert len(towns) == 23  # every 镇街 of 潼南区 registered some
    assert all(len(r["手机号"]) == 11 and r["手机号"].startswith("1") for r in rows.jobseekers)
    keys = [(r["统一社会信用代码"], r["岗位名称"]) for r in rows.vacancies]
    assert len(keys) == len(set(keys))  # a vacancy is named by its enterprise and title


def test_the_files_for_trying_the_imports(rows: demo.SpringRows, tmp_path: Any) -> None:
    from openpyxl import load_workbook

    paths = demo.write_files(tmp_path, rows)
    assert [p.name for p in paths] == ["赶场规则.xlsx", "岗位.xlsx", "求职者登记.xlsx", "招聘会对接结果.xlsx"]
    sheet = load_workbook(paths[1], read_only=True).active
    assert sheet is not None
    table = list(sheet.iter_rows(values_only=True))
    assert table[1][:2] == ("统一社会信用代码", "岗位名称") and len(table) == 2 + len(rows.vacancies)
    published = table[2][list(rows.vacancies[0]).index("发布日期")]
    assert isinstance(published, datetime) and published.date().isoformat() == rows.vacancies[0]["发布日期"]
