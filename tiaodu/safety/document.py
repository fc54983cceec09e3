"""安全生产工作情况 as an official document (公文) of the district's 应急管理局.

``build_document(report, user, number=None, signed_on=None)``: the title "关于2023年第一季度全区安全
生产工作情况的通报", a lead paragraph, 一、总体情况 (the report's sentences, as computed, one
paragraph), 二、主要指标 (the key figures), 三、分类统计 (per sector, department and township; the
fourteen figures split into two tables so that they fit the page). The renderers apply the
GB/T 9704 layout and the GB/T 15834 punctuation.
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
from tiaodu.safety.report import TABLES, SafetyReport

KIND = "safety"


def build_document(
    report: SafetyReport, user: Any = None, *, number: int | None = None, signed_on: date | None = None
) -> OfficialDocument:
    doc, outline = open_notice(
        kind=KIND,
        region_code=report.region_code,
        region_name=report.region_name,
        subject=f"{report.whole}安全生产工作情况",
        date_from=report.date_from,
        date_to=report.date_to,
        purpose="压实安全生产责任、推动隐患整改闭环",
        summary=f"{fig.cn_period(report.date_from, report.date_to)}，{report.paragraph}",
        key_figures=report.key_figures(),
        figures_title="安全生产主要指标",
        report_title=report.title,
        keywords=["安全生产", "执法检查", "隐患整改"],
        number=number,
        signed_on=signed_on,
    )
    tables = [(name, first) for name, first in TABLES if report.tables.get(name)]
    if tables:
        outline.section("分类统计")
        for name, first in tables:
            outline.subsection(f"按{first}统计")
            table = DocTable(
                title=f"各{first}安全生产执法检查和隐患整改情况",
                header=report.header(first),
                rows=report.rows(name, text=True),
                notes=["整改率为已整改隐患占发现隐患的比例；逾期红牌、黄牌为截至统计截止日仍挂牌的隐患。"],
            )
            add_tables(doc, table)
    return doc
