"""A report as a notice (通报): the pieces every module's report document shares.

:func:`period_phrase` and :func:`notice_title` name the period and the notice ("关于2022年第一季度
全区安全生产工作情况的通报"), :func:`whole_name` the area ("全区" or the township),
:func:`new_document` starts a document on the district's issuing profile for the kind of report
(:mod:`tiaodu.core.officialdoc.profiles`), :func:`issue_date` gives the 成文日期,
:func:`key_figures_table` and :func:`add_tables` the tables (wide ones split to fit the A4 text
area), :class:`Outline` the numbered headings 一、 (一), and :func:`open_notice` the opening every
report notice has: the lead paragraph, 一、总体情况 and 二、主要指标. The strings are the reports'
own; the renderers apply the GB/T 9704 layout and the GB/T 15834 punctuation.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.utils import timezone

from tiaodu.core import figures as fig
from tiaodu.core.officialdoc import DocTable, OfficialDocument
from tiaodu.core.officialdoc.profiles import official_document
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

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


def open_notice(
    *,
    kind: str,
    region_code: str,
    region_name: str,
    subject: str,
    date_from: date,
    date_to: date,
    purpose: str,
    summary: str,
    key_figures: Iterable[tuple[str, str]],
    figures_title: str,
    report_title: str,
    keywords: Sequence[str],
    number: int | None = None,
    signed_on: date | None = None,
) -> tuple[OfficialDocument, Outline]:
    """A report notice up to its key figures: the title "关于{period}{subject}的通报", the lead
    "为{purpose}，现将{period}{subject}通报如下。", 一、总体情况 with ``summary``, 二、主要指标 with
    the key figures as a table titled "{region_name}{figures_title}". The caller goes on with the
    returned :class:`Outline` (三、分类统计 …)."""
    doc = new_document(
        region_code=region_code,
        kind=kind,
        title=notice_title(date_from, date_to, subject),
        date_to=date_to,
        number=number,
        signed_on=signed_on,
        subject=report_title,
        keywords=[*keywords, region_name],
    )
    outline = Outline(doc)
    doc.paragraph(f"为{purpose}，现将{period_phrase(date_from, date_to)}{subject}通报如下。")
    outline.section("总体情况")
    doc.paragraph(summary)
    outline.section("主要指标")
    doc.add_table(key_figures_table(f"{region_name}{figures_title}", key_figures))
    return doc, outline
