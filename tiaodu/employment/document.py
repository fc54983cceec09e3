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
from tiaodu.employment.report import TABLES, EmploymentReport
from tiaodu.enterprises.document import (
    Outline,
    add_tables,
    key_figures_table,
    new_document,
    notice_title,
    period_phrase,
)

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
    subject = f"{report.whole}稳就业工作情况"
    doc = new_document(
        region_code=report.region_code,
        kind=KIND,
        title=notice_title(report.date_from, report.date_to, subject),
        date_to=report.date_to,
        number=number,
        signed_on=signed_on,
        subject=report.title,
        keywords=["稳就业", "招聘会", "求职专车", report.region_name],
    )
    outline = Outline(doc)
    doc.paragraph(
        f"为做好稳就业保用工工作，现将{period_phrase(report.date_from, report.date_to)}{subject}通报如下。"
    )
    outline.section("总体情况")
    period = fig.cn_period(report.date_from, report.date_to)
    if report.sentences():
        doc.paragraph(f"{period}，{report.whole}{report.paragraph}")
    else:
        doc.paragraph(f"{period}，{report.paragraph}")
    outline.section("主要指标")
    doc.add_table(key_figures_table(f"{report.region_name}稳就业主要指标", report.key_figures()))
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
