"""The 月通报 web page's computed part, kept in the cache (:mod:`tiaodu.monitoring.cache`).

The page (``BulletinView``) used to build the bulletin and draw its charts with matplotlib on
every load (1.4–4.6 s). The bulletin, its tables as the page shows them and the charts as SVG
images change only with the monitoring data, so they are kept per region, period, index, scope,
language and data version; the form and the response are made for each request.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tiaodu.core.errors import ServiceError

if TYPE_CHECKING:
    from tiaodu.monitoring.bulletin import Bulletin


BODY_TEMPLATE = "monitoring/_bulletin_body.html"


def _svg(data: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")


def chart_svgs(bulletin: Bulletin) -> list[bytes]:
    """The bulletin's charts as SVG, each kept in the cache under a digest of what it draws
    (kind, title, labels, series, highlight …): a chart is the same picture for every user whose
    bulletin has the same figures, so users of other scopes (or a new data version that left a
    chart as it was) do not wait for matplotlib again. The key is the content itself, so no
    user's figures can be shown to another."""
    from django.core.cache import cache

    from tiaodu.monitoring.bulletin_render.charts import render_chart
    from tiaodu.monitoring.cache import SCHEMA, TIMEOUT

    images: list[bytes] = []
    for chart in bulletin.charts:
        digest = hashlib.sha256(repr((SCHEMA, "svg", chart)).encode()).hexdigest()
        key = f"tiaodu:monitoring:chart:{digest}"
        image = cache.get(key)
        if image is None:
            image = render_chart(chart, "svg")
            cache.set(key, image, TIMEOUT)
        images.append(image)
    bulletin.cache[("charts", "svg")] = images
    return images


def page_parts(bulletin: Bulletin, params: dict[str, str]) -> dict[str, Any]:
    """What the page shows of a built bulletin beside its text: the query of the download links,
    the tables' rows as text, the charts as SVG data URLs (or why they could not be drawn)."""
    from tiaodu.monitoring.bulletin_render.cells import cell_text

    parts: dict[str, Any] = {
        "query": urlencode(
            {"region": bulletin.region_code, "period": bulletin.period_key}
            | ({"index": params["index"]} if params.get("index") else {})
        ),
        "tables": [
            {
                "title": t.title,
                "id": f"bulletin-table-{t.number}",
                "columns": [(c.label, c.kind != "text") for c in t.columns],
                "rows": [
                    {
                        "code": r.code,
                        "highlight": r.highlight,
                        "benchmark": r.benchmark,
                        "cells": [
                            (cell_text(v, c), c.kind != "text")
                            for v, c in zip(r.cells, t.columns, strict=True)
                        ],
                    }
                    for r in t.rows
                ],
                "notes": t.notes,
            }
            for t in bulletin.tables
        ],
    }
    try:
        images = chart_svgs(bulletin)
    except ServiceError as exc:  # no CJK font on this server: the page says so, the rest shows
        parts["chart_error"] = exc.message
        images = []
    parts["charts"] = [
        {"title": f"图{n} {c.title}", "src": _svg(img)}
        for n, (c, img) in enumerate(zip(bulletin.charts, images, strict=False), 1)
    ]
    return parts


def cached_parts(build: Any, user: Any, cleaned: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    """The bulletin and its body as HTML (:data:`BODY_TEMPLATE` with :func:`page_parts`) for the
    form's ``cleaned`` region, period and index: from the cache, else ``build()`` (the
    bulletin), rendered and kept. A refusal (no data for the period, an unknown index) is raised
    and not kept."""
    from tiaodu.monitoring.cache import data_version, remember

    def compute() -> dict[str, Any]:
        from django.template.loader import render_to_string

        bulletin = build()
        parts = {"bulletin": bulletin, **page_parts(bulletin, params)}
        # the text, notes, charts and tables as HTML (no request in it: no token, no user),
        # rendered once: the 38-row tables cost more to render than the rest of the page (a
        # SafeString, escaped by the template, and still one when read back from the cache)
        html = render_to_string(BODY_TEMPLATE, parts)
        bulletin.cache.clear()  # the charts are kept once, in the HTML
        return {"bulletin": bulletin, "query": parts["query"], "body_html": html}

    key = {
        "region": cleaned.get("region") or "",
        "period": cleaned.get("period") or "",
        "index": cleaned.get("index") or "",
    }
    return remember("bulletin", user, key, compute, version=data_version())
