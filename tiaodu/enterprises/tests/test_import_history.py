"""History imported from files (issue 12, item 4): an appeal's date problems are reported on
提出日期, and 来源=走访 appeals count as difficulties collected on visits whether or not they fall on
a visit's day — the 潼南 seed sentence comes out of files whose appeals follow the visits by 1–29 days.

The data sit in 万州区 (500101), a district the demo does not use, so the figures are the files' own.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from stdnum.cn import uscc

from tiaodu.cases.models import Case, WorkDay
from tiaodu.core.imports import run_import
from tiaodu.enterprises.models import Enterprise, Visit
from tiaodu.enterprises.report import enterprise_service_report
from tiaodu.regions.models import Region

pytestmark = pytest.mark.django_db

WANZHOU = "500101"
APPEAL_HEADERS = ["统一社会信用代码", "类别", "诉求内容", "提出日期", "来源", "状态", "办结日期", "办理结果"]
Q1 = (date(2022, 1, 1), date(2022, 3, 31))


def code(n: int) -> str:
    base = f"91500101MA6W{n:05d}"
    return base + uscc.calc_check_digit(base)


def xlsx(path: Path, rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def enterprises(tmp_path: Path, count: int) -> list[str]:
    """``count`` enterprises of 万州区, imported from a file (townships by code); their codes."""
    towns = list(Region.objects.filter(parent__code=WANZHOU).order_by("code").values_list("code", flat=True))
    rows: list[list[Any]] = [["统一社会信用代码", "企业名称", "所属镇街"]]
    rows += [[code(n), f"重庆万州历史导入{n:03d}有限公司", towns[n % len(towns)]] for n in range(count)]
    result = run_import("enterprises", xlsx(tmp_path / "e.xlsx", rows))
    assert result.ok and result.created == count, result.error_lines()
    return [code(n) for n in range(count)]


def test_a_past_year_without_calendar_is_reported_on_the_date_column(tmp_path: Path) -> None:
    (credit,) = enterprises(tmp_path, 1)
    # A year the working-day calendar does not cover (chinese-calendar starts in 2004).
    assert not WorkDay.objects.filter(date__year=2003).exists()
    rows = [
        APPEAL_HEADERS,
        [credit, "用工", "2003年的诉求", "2003-09-10", "走访", "已办结", "2003-09-20", "已解决"],
        [credit, "用工", "2019年的诉求", "2019-09-10", "走访", "已办结", "2019-09-20", "已解决"],
    ]
    result = run_import("appeals", xlsx(tmp_path / "a.xlsx", rows))
    assert [(e.row, e.field, e.code) for e in result.errors] == [(2, "提出日期", "calendar_out_of_range")]
    assert "2003" in result.errors[0].message
    assert not Case.objects.filter(submitter_org__enterprise__credit_code=credit).exists()


def test_visit_appeals_link_to_the_latest_visit_in_30_days_and_all_count(tmp_path: Path) -> None:
    """147 enterprises visited in 2022 Q1; 254 走访 appeals raised 1–29 days after a visit (252),
    40 days after one (1) or with no visit at all (1); 236 resolved in the quarter."""
    codes = enterprises(tmp_path, 148)  # the 148th is never visited
    visited_on = {n: date(2022, 1, 3) + timedelta(days=n % 50) for n in range(147)}
    visits: list[list[Any]] = [["走访日期", "统一社会信用代码", "走访人", "情况记录"]]
    visits += [[visited_on[n].isoformat(), codes[n], "张三", f"第{n}家"] for n in range(147)]
    visits.append(["2022-01-05", codes[0], "李四", "回访"])  # enterprise 0: visited on Jan 3 and Jan 5
    result = run_import("visits", xlsx(tmp_path / "v.xlsx", visits))
    assert result.ok and result.created == 148, result.error_lines()

    raised: list[tuple[int, date]] = [
        (k % 147, visited_on[k % 147] + timedelta(days=1 + k % 29)) for k in range(252)
    ]
    raised.append((1, visited_on[1] + timedelta(days=40)))  # the last visit is 40 days back
    raised.append((147, date(2022, 2, 15)))  # never visited
    rows: list[list[Any]] = [APPEAL_HEADERS]
    for i, (n, day) in enumerate(raised):
        if i < 236:  # resolved in the quarter
            state, done = "已办结", min(day + timedelta(days=3), Q1[1]).isoformat()
        elif i < 246:  # resolved after it
            state, done = "已办结", "2022-04-08"
        else:
            state, done = "已受理", ""
        rows.append(
            [codes[n], "用工", f"诉求{i}", day.isoformat(), "走访", state, done, "已解决" if done else ""]
        )
    rows.append([codes[2], "融资", "电话里提的", "2022-02-01", "电话", "", "", ""])  # not from a visit
    result = run_import("appeals", xlsx(tmp_path / "a.xlsx", rows))
    assert result.ok and result.created == 255, result.error_lines()

    # Each 走访 appeal is linked to its enterprise's latest visit at most 30 days before it.
    visit_days = {
        (v.enterprise.credit_code, v.visited_on): v.pk for v in Visit.objects.select_related("enterprise")
    }
    expected = {}
    for i, (n, day) in enumerate(raised):
        candidates = [d for (c, d) in visit_days if c == codes[n] and day - timedelta(days=30) <= d <= day]
        if candidates:
            expected[f"诉求{i}"] = visit_days[(codes[n], max(candidates))]
    links = Visit.cases.through.objects.filter(case__description__startswith="诉求")
    got = dict(links.values_list("case__description", "visit_id"))
    assert got == expected and len(got) == 252
    jan4 = Case.objects.get(description="诉求0")  # enterprise 0, raised Jan 4: the Jan 3 visit
    jan6 = Case.objects.get(description="诉求147")  # enterprise 0, raised Jan 6: the Jan 5 visit
    assert jan4.visits.get().visited_on == date(2022, 1, 3)
    assert jan6.visits.get().visited_on == date(2022, 1, 5)

    report = enterprise_service_report(WANZHOU, *Q1)
    assert report.sentences["visits"] == "走访企业147家,现场收集困难254件次,解决236件次"
    assert (report.visits, report.totals.appeals) == (148, 255)
    assert sum(row.collected for row in report.by_township) == 254
    # The next quarter counts none of them again.
    q2 = enterprise_service_report(WANZHOU, date(2022, 4, 1), date(2022, 6, 30))
    assert (q2.collected, q2.collected_resolved) == (0, 0)
    assert Enterprise.objects.filter(credit_code__in=codes).count() == 148
