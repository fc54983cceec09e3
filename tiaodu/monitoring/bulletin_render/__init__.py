"""Renderers of the monthly bulletin (:class:`tiaodu.monitoring.bulletin.Bulletin`): plain text,
Word and PDF as official documents (GB/T 9704-2012 through :mod:`tiaodu.core.officialdoc`, ADR
0039) and Excel (openpyxl); charts with matplotlib. ADR 0023.

    from tiaodu.monitoring.bulletin import build_bulletin
    from tiaodu.monitoring.bulletin_render import render

    data = render(build_bulletin("500152", "2022年1-2月"), "docx")
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from tiaodu.core.officialdoc.profiles import ExportOptions
    from tiaodu.monitoring.bulletin import Bulletin

FORMATS = ("text", "docx", "pdf", "xlsx")
BINARY_FORMATS = ("docx", "pdf", "xlsx")
CONTENT_TYPES = {
    "text": "text/plain; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {"text": "txt", "docx": "docx", "pdf": "pdf", "xlsx": "xlsx"}


def render(bulletin: Bulletin, fmt: str, options: ExportOptions | None = None) -> bytes:
    """The bulletin in ``fmt`` (text | docx | pdf | xlsx) as bytes (text: UTF-8); another format
    is :class:`~tiaodu.monitoring.bulletin.BulletinError` ``format_unknown``. Word and PDF are
    official documents (GB/T 9704, :mod:`.official`); ``options`` give their 发文字号序号 and
    成文日期 (``tiaodu.core.officialdoc.profiles.export_options``)."""
    if fmt == "text":
        from tiaodu.monitoring.bulletin_render.plain import render_text

        return render_text(bulletin).encode("utf-8")
    if fmt == "docx":
        from tiaodu.monitoring.bulletin_render.word import render_docx

        return render_docx(bulletin, options)
    if fmt == "pdf":
        from tiaodu.monitoring.bulletin_render.pdf import render_pdf

        return render_pdf(bulletin, options)
    if fmt == "xlsx":
        from tiaodu.monitoring.bulletin_render.excel import render_xlsx

        return render_xlsx(bulletin)
    from tiaodu.monitoring.bulletin import BulletinError

    raise BulletinError("format_unknown", "format", f"不支持的通报格式“{fmt}”,可选 {'、'.join(FORMATS)}")


def filename(bulletin: Bulletin, fmt: str) -> str:
    """An ASCII file name: bulletin-500152-2022-M01-02.docx."""
    return f"bulletin-{bulletin.region_code}-{bulletin.period_key}.{EXTENSIONS[fmt]}"


def content_disposition(bulletin: Bulletin, fmt: str) -> str:
    """attachment with the ASCII name and the Chinese title (RFC 6266 / 5987 ``filename*``)."""
    chinese = quote(f"{bulletin.title}.{EXTENSIONS[fmt]}")
    return f"attachment; filename=\"{filename(bulletin, fmt)}\"; filename*=UTF-8''{chinese}"
