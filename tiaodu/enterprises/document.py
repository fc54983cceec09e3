"""企业服务情况 as an official document (公文).

``build_document(report, user, number=None, signed_on=None)`` turns an
:class:`~tiaodu.enterprises.report.EnterpriseServiceReport` into an
:class:`~tiaodu.core.officialdoc.OfficialDocument`: the title "关于2022年第一季度全区企业服务工作情况
的通报", a lead paragraph, 一、总体情况 (the report's bulletin as computed), 二、主要指标 (the key
figures as a table), 三、分类统计 (the breakdowns per department and township). The renderers of
:mod:`tiaodu.core.officialdoc` lay it out by GB/T 9704 and put the running text in GB/T 15834
punctuation; the strings here are the report's own.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from tiaodu.core.officialdoc import DocTable, OfficialDocument
from tiaodu.core.officialdoc.notice import add_tables, open_notice, whole_name

if TYPE_CHECKING:
    from tiaodu.enterprises.report import EnterpriseServiceReport

KIND = "enterprises"


# --- 企业服务情况 -----------------------------------------------------------------------------------


def build_document(
    report: EnterpriseServiceReport,
    user: Any = None,
    *,
    number: int | None = None,
    signed_on: date | None = None,
) -> OfficialDocument:
    """企业服务情况 as a notice of the district's 经济和信息化委员会 (see the module's docstring)."""
    from tiaodu.enterprises.report import table

    whole = whole_name(report.region_code) or report.region_name
    doc, outline = open_notice(
        kind=KIND,
        region_code=report.region_code,
        region_name=report.region_name,
        subject=f"{whole}企业服务工作情况",
        date_from=report.date_from,
        date_to=report.date_to,
        purpose="推动惠企政策落地、帮助企业解决困难",
        summary=report.paragraph,
        key_figures=report.key_figures(),
        figures_title="企业服务主要指标",
        report_title=report.title,
        keywords=["企业服务", "走访", "诉求"],
        number=number,
        signed_on=signed_on,
    )
    breakdowns = [
        (heading, rows, first)
        for heading, rows, first in (
            ("按责任部门统计", report.by_department, "责任部门"),
            ("按镇街统计", report.by_township, "镇街"),
        )
        if rows
    ]
    if breakdowns:
        outline.section("分类统计")
        for heading, rows, first in breakdowns:
            outline.subsection(heading)
            header, cells = table(rows, first)
            add_tables(doc, DocTable(title=f"各{first}企业诉求办理情况", header=header, rows=cells))
    return doc
