"""重点项目调度情况 as an official document (公文) of the district's 发展和改革委员会.

``build_document(report, user, number=None, signed_on=None)``: the title "关于2022年第一季度全区重点
项目调度情况的通报", a lead paragraph, 一、总体情况 (the report's sentences as computed), 二、主要指标
(the key figures, the stages included), 三、集中活动 (the events held in the period, when there were
any). The renderers apply the GB/T 9704 layout and the GB/T 15834 punctuation.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tiaodu.core import figures as fig
from tiaodu.core.officialdoc import DocTable, OfficialDocument
from tiaodu.core.officialdoc.notice import (
    open_notice,
    whole_name,
)
from tiaodu.projects.report import ProjectReport

KIND = "projects"
EVENT_HEADER = ["活动", "日期", "涉及重点项目(个)", "总投资(万元)"]


def build_document(
    report: ProjectReport, user: Any = None, *, number: int | None = None, signed_on: date | None = None
) -> OfficialDocument:
    whole = whole_name(report.region_code) or report.region_name
    doc, outline = open_notice(
        kind=KIND,
        region_code=report.region_code,
        region_name=report.region_name,
        subject=f"{whole}重点项目调度情况",
        date_from=report.date_from,
        date_to=report.date_to,
        purpose="加快重点项目建设进度",
        summary=f"{fig.cn_period(report.date_from, report.date_to)}，{whole}{report.paragraph}",
        key_figures=report.key_figures(),
        figures_title="重点项目主要指标",
        report_title=report.title,
        keywords=["重点项目", "项目调度", "投资完成"],
        number=number,
        signed_on=signed_on,
    )
    if report.events:
        outline.section("集中活动")
        for line in report.events:
            doc.paragraph(line.sentence)
        doc.add_table(
            DocTable(
                title="集中活动情况",
                header=EVENT_HEADER,
                rows=[
                    [e.name, fig.cn_date(e.held_on), str(e.projects), fig.number(e.investment)]
                    for e in report.events
                ],
            )
        )
    return doc
