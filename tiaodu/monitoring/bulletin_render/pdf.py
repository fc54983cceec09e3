"""The bulletin as PDF: an official document by GB/T 9704-2012 (ADR 0039), the free lookalikes of
the official fonts embedded as subsets (:mod:`tiaodu.core.officialdoc.fonts`), the charts as PNG
pictures, the tables with a repeated header, page numbers "— 1 —", and real metadata (title,
author, subject, keywords, the creation date — no longer ReportLab's invariant 2000-01-01).
See :mod:`.official` and :mod:`tiaodu.core.officialdoc.render`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tiaodu.core.officialdoc.profiles import ExportOptions
    from tiaodu.monitoring.bulletin import Bulletin


def render_pdf(bulletin: Bulletin, options: ExportOptions | None = None) -> bytes:
    from tiaodu.core.officialdoc import render
    from tiaodu.monitoring.bulletin_render.official import bulletin_document

    number = options.number if options else None
    signed_on = options.signed_on if options else None
    return render.render_pdf(bulletin_document(bulletin, number=number, signed_on=signed_on))
