"""招商引资工作情况 as an official document (公文) of the district's 招商投资局.

``build_document(report, user, number=None, signed_on=None)``: the title "关于2022年第一季度全区招商
引资工作情况的通报", a lead paragraph, 一、总体情况 (the report's sentences as computed, as of the end
date), 二、主要指标, 三、项目储备 (the pipeline per stage on the end date, and the projects to sign per
planned quarter). A town user's report has counts only, and so has its document (the amounts are
"—" as on the page). The renderers apply the GB/T 9704 layout and the GB/T 15834 punctuation.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tiaodu.core import figures as fig
from tiaodu.core.officialdoc import DocTable, OfficialDocument
from tiaodu.core.officialdoc.notice import (
    add_tables,
    open_notice,
    text_cell,
    whole_name,
)
from tiaodu.investment.report import InvestmentReport

KIND = "investment"
STAGE_HEADER = ["阶段", "项目数", "金额(万元)", "重点项目数", "重点项目金额(万元)"]
QUARTER_HEADER = ["计划签约季度", "拟签约项目数", "计划投资额(万元)"]


def build_document(
    report: InvestmentReport, user: Any = None, *, number: int | None = None, signed_on: date | None = None
) -> OfficialDocument:
    whole = whole_name(report.region_code) or report.region_name
    doc, outline = open_notice(
        kind=KIND,
        region_code=report.region_code,
        region_name=report.region_name,
        subject=f"{whole}招商引资工作情况",
        date_from=report.date_from,
        date_to=report.date_to,
        purpose="推动招商引资项目早签约、早落地",
        summary=f"截至{fig.cn_date(report.date_to)}，{whole}{report.paragraph}",
        key_figures=report.key_figures(),
        figures_title="招商引资主要指标",
        report_title=report.title,
        keywords=["招商引资", "项目储备", "到位资金"],
        number=number,
        signed_on=signed_on,
    )
    outline.section("项目储备")
    outline.subsection("按项目阶段统计")
    add_tables(
        doc,
        DocTable(
            title=f"招商项目分阶段情况（截至{fig.cn_date(report.date_to)}）",
            header=STAGE_HEADER,
            rows=[[text_cell(v) for v in row] for row in report.stage_rows()],
        ),
    )
    quarters = report.quarter_rows()
    if quarters:
        outline.subsection("拟签约项目按计划签约季度统计")
        doc.add_table(
            DocTable(
                title="拟签约项目计划签约情况",
                header=QUARTER_HEADER,
                rows=[[text_cell(v) for v in row] for row in quarters],
            )
        )
    return doc
