"""The bulletin as plain text: title, paragraphs, notes and the tables with aligned columns."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from tiaodu.monitoring.bulletin_render.cells import cell_text

if TYPE_CHECKING:
    from tiaodu.monitoring.bulletin import Bulletin, Table

INDENT = "\u3000\u3000"  # two ideographic spaces open a Chinese paragraph


def width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, size: int, right: bool) -> str:
    space = " " * max(0, size - width(text))
    return f"{space}{text}" if right else f"{text}{space}"


def table_text(table: Table) -> list[str]:
    header = [c.label for c in table.columns]
    body = [[cell_text(v, c) for v, c in zip(r.cells, table.columns, strict=True)] for r in table.rows]
    sizes = [max(width(row[i]) for row in [header, *body]) for i in range(len(header))]
    right = [c.kind != "text" for c in table.columns]
    lines = [table.title]
    lines.append("  ".join(_pad(h, s, r) for h, s, r in zip(header, sizes, right, strict=True)).rstrip())
    for row, source in zip(body, table.rows, strict=True):
        mark = " ◀" if source.highlight else ""
        lines.append(
            "  ".join(_pad(v, s, r) for v, s, r in zip(row, sizes, right, strict=True)).rstrip() + mark
        )
    return lines


def render_text(bulletin: Bulletin, tables: bool = True) -> str:
    lines = [bulletin.title, ""]
    lines += [f"{INDENT}{p}" for p in bulletin.paragraphs]
    if bulletin.notes:
        lines += ["", "说明:"]
        lines += [f"{i}. {note}" for i, note in enumerate(bulletin.notes, 1)]
    if tables:
        for table in bulletin.tables:
            lines += ["", *table_text(table)]
    return "\n".join(lines) + "\n"
