"""企业服务情况 as an official document (公文), and the pieces every module's report document shares.

``build_document(report, user, number=None, signed_on=None)`` turns an
:class:`~tiaodu.enterprises.report.EnterpriseServiceReport` into an
:class:`~tiaodu.core.officialdoc.OfficialDocument`: the title "关于2022年第一季度全区企业服务工作情况
的通报", a lead paragraph, 一、总体情况 (the report's bulletin as computed), 二、主要指标 (the key
figures as a table), 三、分类统计 (the breakdowns per department and township). The renderers of
:mod:`tiaodu.core.officialdoc` lay it out by GB/T 9704 and put the running text in GB/T 15834
punctuation; the strings here are the report's own.

The shared pieces (used by the projects, investment, safety, employment and targets documents):
:func:`period_phrase` and :func:`notice_title` for the title, :func:`whole_name` ("全区" or the
township), :func:`new_document` (the district's issuing profile for the kind of report, lane E's
:mod:`tiaodu.core.officialdoc.profiles`), :func:`issue_date`, :func:`key_figures_table` and :func:`add_tables` (wide tables split so that
they fit the A4 text area), :class:`Outline` (the numbered headings 一、 (一)).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from tiaodu.core import figures as fig
from tiaodu.core.officialdoc import DocTable, OfficialDocument
from tiaodu.core.officialdoc.profiles import official_document
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

if TYPE_CHECKING:
    from tiaodu.enterprises.report import EnterpriseServiceReport

KIND = "enterprises"
# A table wider than this is split into several, each repeating the first column: the A4 text
# area (156 mm) holds about nine columns of figures in the tables' smaller 仿宋 with their headers.
MAX_COLUMNS = 9
CN_DIGITS = "零一二三四五六七八九"
QUARTERS = {1: "第一季度", 4: "第二季度", 7: "第三季度", 10: "第四季度"}


# --- words ---------------------------------------------------------------------------------------


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (headings: up to 99)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else CN_DIGITS[tens]}十{CN_DIGITS[ones] if ones else ''}"


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def period_phrase(start: date, end: date) -> str:
    """How a notice's title names its period: "2022年", "2022年上半年", "2022年第一季度", "2022年3月",
    "2022年1—5月" for whole months of one year, else "2022年1月1日至4月15日"."""
    whole_months = start.day == 1 and end == _month_end(end) and start.year == end.year
    if not whole_months or end < start:
        return fig.cn_period(start, end)
    year, first, last = start.year, start.month, end.month
    if (first, last) == (1, 12):
        return f"{year}年"
    if (first, last) == (1, 6):
        return f"{year}年上半年"
    if (first, last) == (7, 12):
        return f"{year}年下半年"
    if first in QUARTERS and last == first + 2:
        return f"{year}年{QUARTERS[first]}"
    if first == last:
        return f"{year}年{first}月"
    return f"{year}年{first}—{last}月"


def whole_name(region_code: str) -> str:
    """How a notice names the area it covers: "全区" / "全县" for a district, a township by its name."""
    region = Region.objects.filter(code=region_code).only("name", "level").first()
    if region is None:
        return ""
    if region.level == Level.COUNTY:
        return f"全{region.name[-1]}"
    return str(region.name)


def notice_title(start: date, end: date, subject: str) -> str:
    """ "关于2022年第一季度全区安全生产工作情况的通报"."""
    return f"关于{period_phrase(start, end)}{subject}的通报"


def issue_date(end: date, signed_on: date | None = None) -> date:
    """成文日期: the one asked for, else the report's end date (today at the latest)."""
    if signed_on is not None:
        return signed_on
    return min(end, timezone.localdate())


# --- the issuing body ------------------------------------------------------------------------------


def new_document(
    *,
    region_code: str,
    kind: str,
    title: str,
    date_to: date,
    number: int | None = None,
    signed_on: date | None = None,
    subject: str = "",
    keywords: Sequence[str] = (),
) -> OfficialDocument:
    """An empty notice of ``kind`` (a :class:`tiaodu.core.models.DocumentKind`) for a region: the
    district's issuing profile gives the letterhead, 主送, 署名, 抄送 and 印发机关
    (:func:`tiaodu.core.officialdoc.profiles.official_document`); ``number`` is the 序号 of the
    发文字号; 成文日期 by :func:`issue_date`."""
    region = Region.objects.filter(code=region_code).first()
    return official_document(
        kind,
        region,
        title,
        signed_on=issue_date(date_to, signed_on),
        number=number,
        subject=subject or title,
        keywords=list(keywords),
    )


# --- structure --------------------------------------------------------------------------------------


class Outline:
    """Numbered headings: level 1 "一、总体情况", level 2 "（一）按责任部门" (numbering restarts
    under each level-1 heading)."""

    def __init__(self, doc: OfficialDocument) -> None:
        self.doc = doc
        self.first = 0
        self.second = 0

    def section(self, text: str) -> None:
        self.first += 1
        self.second = 0
        self.doc.heading(f"{cn_number(self.first)}、{text}", 1)

    def subsection(self, text: str) -> None:
        self.second += 1
        self.doc.heading(f"（{cn_number(self.second)}）{text}", 2)


def key_figures_table(title: str, figures: Iterable[tuple[str, str]]) -> DocTable:
    """The key figures as a four-column table (指标, 数值, 指标, 数值): half the length of a list."""
    pairs = [[str(label), str(value)] for label, value in figures]
    half = (len(pairs) + 1) // 2
    left, right = pairs[:half], pairs[half:]
    rows = [[*a, *(right[i] if i < len(right) else ["", ""])] for i, a in enumerate(left)]
    return DocTable(title=title, header=["指标", "数值", "指标", "数值"], rows=rows)


def split_wide(table: DocTable, max_columns: int = MAX_COLUMNS) -> list[DocTable]:
    """A table with more than ``max_columns`` columns as several of about the same width, each
    repeating the first column (the row's name) and titled "…（一）", "…（二）"; a narrow table as
    it is."""
    width = len(table.header)
    if width <= max_columns:
        return [table]
    data = width - 1
    count = -(-data // (max_columns - 1))  # parts needed
    per = -(-data // count)  # columns per part, balanced
    parts = []
    for n, start in enumerate(range(1, width, per), start=1):
        cols = [0, *range(start, min(start + per, width))]
        parts.append(
            DocTable(
                title=f"{table.title}（{cn_number(n)}）",
                header=[table.header[c] for c in cols],
                rows=[[row[c] if c < len(row) else "" for c in cols] for row in table.rows],
                notes=table.notes if start + per >= width else [],
                highlight=table.highlight,
            )
        )
    return parts


def add_tables(doc: OfficialDocument, table: DocTable, max_columns: int = MAX_COLUMNS) -> None:
    for part in split_wide(table, max_columns):
        doc.add_table(part)


def text_cell(value: Any) -> str:
    if value is None:
        return fig.NO_VALUE
    return str(value)


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
    subject = f"{whole}企业服务工作情况"
    doc = new_document(
        region_code=report.region_code,
        kind=KIND,
        title=notice_title(report.date_from, report.date_to, subject),
        date_to=report.date_to,
        number=number,
        signed_on=signed_on,
        subject=report.title,
        keywords=["企业服务", "走访", "诉求", report.region_name],
    )
    outline = Outline(doc)
    doc.paragraph(
        f"为推动惠企政策落地、帮助企业解决困难，现将{period_phrase(report.date_from, report.date_to)}"
        f"{subject}通报如下。"
    )
    outline.section("总体情况")
    doc.paragraph(report.paragraph)
    outline.section("主要指标")
    doc.add_table(key_figures_table(f"{report.region_name}企业服务主要指标", report.key_figures()))
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
