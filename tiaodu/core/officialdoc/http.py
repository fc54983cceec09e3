"""An official document as a download: ``document_response(doc, "docx" | "pdf", stem)``.

    from tiaodu.core.officialdoc.http import document_response

    return document_response(build_document(report, user), request.GET.get("format", "docx"), "safety-2022Q1")

The file is named ``<stem>.<ext>`` in ASCII (``filename``) and by the document's Chinese title
(``filename*``, RFC 6266/5987), and is not cached by proxies (it is a user's scoped data). Another
format is a :class:`~tiaodu.core.errors.ServiceError` ``document_format_unknown`` (400).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext

from tiaodu.core.errors import FieldError, ServiceError

if TYPE_CHECKING:
    from tiaodu.core.officialdoc import OfficialDocument

DocumentFormat = Literal["docx", "pdf"]
FORMATS: tuple[str, ...] = ("docx", "pdf")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def render(doc: OfficialDocument, fmt: str) -> bytes:
    """The document's bytes in ``fmt``; another format is ``document_format_unknown`` (400)."""
    from tiaodu.core.officialdoc.render import render_docx, render_pdf

    if fmt == "docx":
        return render_docx(doc)
    if fmt == "pdf":
        return render_pdf(doc)
    message = gettext("不支持的公文格式“%(format)s”，可选 docx、pdf") % {"format": fmt}
    raise ServiceError(
        "document_format_unknown", message, [FieldError("format", "document_format_unknown", message)], 400
    )


def content_disposition(title: str, stem: str, fmt: str) -> str:
    """attachment with an ASCII name and the Chinese title."""
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-") or "document"
    chinese = quote(f"{title or ascii_stem}.{fmt}")
    return f"attachment; filename=\"{ascii_stem}.{fmt}\"; filename*=UTF-8''{chinese}"


def document_response(doc: OfficialDocument, fmt: str, filename_stem: str) -> HttpResponse:
    """The document rendered in ``fmt`` (docx | pdf) as an attachment response."""
    content = render(doc, fmt)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(doc.title, filename_stem, fmt)
    response["Cache-Control"] = "private, no-store"
    return response
