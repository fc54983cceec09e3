"""The bulletin as an official document (公文, GB/T 9704-2012; ADR 0039): the Word and PDF files
are :mod:`tiaodu.core.officialdoc.render` of the :class:`OfficialDocument` built here.

* 版头: the issuing profile ``bulletin`` of the bulletin's district (by default its 经济和信息化委员会,
  e.g. "重庆市潼南区经济和信息化委员会文件"), the 发文字号 when the export gives its 序号
  (``?number=12`` → "潼经信〔2022〕12号");
* 主体: the bulletin's title as "关于…的通报", the addressees, the paragraphs; 一、主要指标图示 (the
  charts as pictures, "图1 …" below each), 二、各区县主要指标 (one table per indicator, the
  district's row highlighted, notes below), 三、说明 (the notes); the issuer and the 成文日期
  (``?signed_on=``, today by default);
* 版记: 抄送 and 印发 from the profile.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone

from tiaodu.core.officialdoc import DocTable, OfficialDocument
from tiaodu.core.officialdoc.profiles import official_document
from tiaodu.monitoring.bulletin_render.cells import cell_text
from tiaodu.monitoring.bulletin_render.charts import chart_images

if TYPE_CHECKING:
    from tiaodu.monitoring.bulletin import Bulletin, Table

KIND = "bulletin"


def document_title(bulletin: Bulletin) -> str:
    """潼南区2022年1月—2月工业经济运行情况通报 → 关于潼南区2022年1月—2月工业经济运行情况的通报."""
    title = bulletin.title
    if title.startswith("关于"):
        return title
    if title.endswith("通报"):
        return f"关于{title.removesuffix('通报')}的通报"
    return f"关于{title}的通报"


def doc_table(table: Table) -> DocTable:
    return DocTable(
        title=table.title,
        header=[c.label for c in table.columns],
        rows=[[cell_text(v, c) for v, c in zip(r.cells, table.columns, strict=True)] for r in table.rows],
        notes=list(table.notes),
        highlight=frozenset(n for n, r in enumerate(table.rows) if r.highlight),
    )


def bulletin_document(
    bulletin: Bulletin, *, number: int | None = None, signed_on: date | None = None
) -> OfficialDocument:
    """The bulletin as an :class:`OfficialDocument` (see the module documentation)."""
    from tiaodu.regions.models import Region

    region = Region.objects.filter(code=bulletin.region_code).first()
    doc = official_document(
        KIND,
        region,
        document_title(bulletin),
        signed_on=signed_on or timezone.localdate(),
        number=number,
        subject=f"{bulletin.region_name}{bulletin.period_full_label}经济运行月通报",
        keywords=["经济运行", "月通报", bulletin.region_name, bulletin.period_full_label],
    )
    for text in bulletin.paragraphs:
        doc.paragraph(text)
    images = chart_images(bulletin, "png")
    if images:
        doc.heading("主要指标图示")
        for n, (chart, png) in enumerate(zip(bulletin.charts, images, strict=True), 1):
            doc.picture(png, f"图{n} {chart.title}")
    if bulletin.tables:
        doc.heading("各区县主要指标")
        for table in bulletin.tables:
            doc.add_table(doc_table(table))
    if bulletin.notes:
        doc.heading("说明")
        for n, note in enumerate(bulletin.notes, 1):
            doc.paragraph(f"{n}.{note}" + ("" if note.endswith(("。", ".", "；", ";")) else "。"))
    return doc
