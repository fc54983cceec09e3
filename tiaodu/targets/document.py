"""The targets' assessments as official documents (公文) of the district's 人民政府办公室.

``build_document(result, user, number=None, signed_on=None)`` takes either

* a :class:`~tiaodu.targets.services.SupervisionList` (季督办): "关于2022年第一季度目标任务滞后序时
  进度情况的督办通报" — the summary, 一、滞后序时进度的目标 (a paragraph per target with its sentence and
  responsible unit, then the table), 二、数据缺失的目标 (when any), 三、工作要求; or
* a :class:`~tiaodu.targets.services.ProgressTable` (月通报's target part): "关于2022年1—5月全区年度
  目标任务完成情况的通报" — the summary and the sentences, then the table.

成文日期: the one asked for, else the end of the period assessed (today at the latest). The
renderers apply the GB/T 9704 layout and the GB/T 15834 punctuation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from tiaodu.core import figures as fig
from tiaodu.core.officialdoc import DocTable, OfficialDocument
from tiaodu.core.officialdoc.notice import Outline, add_tables, new_document, period_phrase, whole_name
from tiaodu.monitoring.periods import parse_period
from tiaodu.targets.services import Completion, ProgressTable, SupervisionList, pct

KIND = "targets"
HEADER = ["地区", "指标", "年度目标", "累计完成", "完成率(%)", "序时进度(%)", "差距(百分点)", "责任单位"]
REQUIREMENT = (
    "请各责任单位对照年度目标，逐项分析滞后原因，明确赶超措施和时限，加强数据报送，确保全面完成全年目标任务。"
)


def period_bounds(key: str) -> tuple[date, date]:
    """The first and last day of a cumulative period ("2022-Q1", "2022-M01-M05" …)."""
    p = parse_period(key)
    return p.start, p.end


def _percent(value: Any) -> str:
    return fig.NO_VALUE if value is None else pct(value)


def completion_rows(rows: Iterable[Completion]) -> list[list[str]]:
    return [
        [
            c.region_name,
            c.indicator_name,
            c.target_text,
            c.done_text + (f"（{c.data_period_label}）" if c.data_period_label else ""),
            _percent(c.completion),
            _percent(c.time_progress),
            _percent(c.gap),
            c.responsible or fig.NO_VALUE,
        ]
        for c in rows
    ]


def build_document(
    result: SupervisionList | ProgressTable,
    user: Any = None,
    *,
    number: int | None = None,
    signed_on: date | None = None,
) -> OfficialDocument:
    if isinstance(result, ProgressTable):
        return _progress(result, number, signed_on)
    return _supervision(result, number, signed_on)


def _supervision(result: SupervisionList, number: int | None, signed_on: date | None) -> OfficialDocument:
    start, end = period_bounds(result.quarter_key)
    subject = f"{result.region_name}目标任务滞后序时进度情况"
    doc = new_document(
        region_code=result.region_code,
        kind=KIND,
        title=f"关于{period_phrase(start, end)}{subject}的督办通报",
        date_to=end,
        number=number,
        signed_on=signed_on,
        subject=f"{result.year}年{result.quarter_label}目标任务滞后督办",
        keywords=["目标任务", "季督办", "序时进度", result.region_name],
    )
    outline = Outline(doc)
    doc.paragraph(f"{result.summary}。现将有关情况通报如下。")
    outline.section("滞后序时进度的目标")
    if result.rows:
        for c in result.rows:
            unit = f"（责任单位：{c.responsible}）" if c.responsible else ""
            doc.paragraph(f"{c.region_name}{c.sentence}{unit}。")
        add_tables(
            doc, DocTable(title="目标任务滞后序时进度清单", header=HEADER, rows=completion_rows(result.rows))
        )
    else:
        doc.paragraph("本季度无滞后序时进度的目标任务。")
    if result.missing:
        outline.section("数据缺失的目标")
        doc.paragraph("以下目标截至季度末暂无完成数据，未作判断，请责任单位及时报送。")
        add_tables(
            doc, DocTable(title="数据缺失的目标任务", header=HEADER, rows=completion_rows(result.missing))
        )
    outline.section("工作要求")
    doc.paragraph(REQUIREMENT)
    return doc


def _progress(table: ProgressTable, number: int | None, signed_on: date | None) -> OfficialDocument:
    start, end = period_bounds(table.period_key)
    whole = whole_name(table.region_code) or table.region_name
    subject = f"{whole}年度目标任务完成情况"
    doc = new_document(
        region_code=table.region_code,
        kind=KIND,
        title=f"关于{period_phrase(start, end)}{subject}的通报",
        date_to=end,
        number=number,
        signed_on=signed_on,
        subject=f"{table.year}年{table.period_label}年度目标完成进度",
        keywords=["目标任务", "完成进度", "序时进度", table.region_name],
    )
    outline = Outline(doc)
    doc.paragraph(f"{table.summary}。现将有关情况通报如下。")
    outline.section("目标完成情况")
    doc.paragraph(table.paragraph or "本期暂无目标完成数据。")
    for note in table.notes:
        doc.paragraph(note)
    outline.section("目标完成进度表")
    add_tables(
        doc,
        DocTable(
            title=f"{table.region_name}年度目标任务完成进度", header=HEADER, rows=completion_rows(table.rows)
        ),
    )
    return doc
