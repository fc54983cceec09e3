"""稳就业工作情况 as an official document (公文) of the district's 人力资源和社会保障局.

``build_document(report, user, number=None, signed_on=None)``: the title "关于2022年上半年全区稳就业
工作情况的通报", a lead paragraph, 一、总体情况 (the report's sentences as computed), 二、主要指标,
三、分类统计 (per township — sixteen columns, split to fit the page —, per kind of fair, 缺工 per
occupation). The renderers apply the GB/T 9704 layout and the GB/T 15834 punctuation.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tiaodu.core import figures as fig
from tiaodu.core.officialdoc import DocTable, OfficialDocument
from tiaodu.core.officialdoc.notice import (
    add_tables,
    open_notice,
)
from tiaodu.employment.report import TABLES, EmploymentReport

KIND = "employment"
HEADINGS = {
    "by_township": "按镇街统计",
    "by_fair_kind": "按招聘会类型统计",
    "by_occupation": "缺工按职业统计",
}
TABLE_TITLES = {
    "by_township": "各镇街稳就业工作情况",
    "by_fair_kind": "各类招聘会情况",
    "by_occupation": "各职业缺工情况",
}


def build_document(
    report: EmploymentReport, user: Any = None, *, number: int | None = None, signed_on: date | None = None
) -> OfficialDocument:
    period = fig.cn_period(report.date_from, report.date_to)
    whole = report.whole if report.sentences() else ""
    doc, outline = open_notice(
        kind=KIND,
        region_code=report.region_code,
        region_name=report.region_name,
        subject=f"{report.whole}稳就业工作情况",
        date_from=report.date_from,
        date_to=report.date_to,
        purpose="做好稳就业保用工工作",
        summary=f"{period}，{whole}{report.paragraph}",
        key_figures=report.key_figures(),
        figures_title="稳就业主要指标",
        report_title=report.title,
        keywords=["稳就业", "招聘会", "求职专车"],
        number=number,
        signed_on=signed_on,
    )
    tables = [(name, rows) for name, _heading, _first in TABLES if (rows := report.rows(name, text=True))]
    if tables:
        outline.section("分类统计")
        for name, rows in tables:
            outline.subsection(HEADINGS[name])
            add_tables(
                doc,
                DocTable(title=TABLE_TITLES[name], header=report.header(name), rows=rows),
            )
    return doc
