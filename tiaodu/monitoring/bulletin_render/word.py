"""The bulletin as a Word document: an official document by GB/T 9704-2012 (ADR 0039) — the
letterhead, the title in 方正小标宋简体, the text in 仿宋_GB2312, headings in 黑体, the charts as
pictures, one table per indicator (header row repeated, the district's row shaded), the signature,
the 成文日期, 抄送 and 印发, page numbers "— 1 —". See :mod:`.official` and
:mod:`tiaodu.core.officialdoc.render`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tiaodu.core.officialdoc.profiles import ExportOptions
    from tiaodu.monitoring.bulletin import Bulletin


def render_docx(bulletin: Bulletin, options: ExportOptions | None = None) -> bytes:
    from tiaodu.core.officialdoc import render
    from tiaodu.monitoring.bulletin_render.official import bulletin_document

    number = options.number if options else None
    signed_on = options.signed_on if options else None
    return render.render_docx(bulletin_document(bulletin, number=number, signed_on=signed_on))
