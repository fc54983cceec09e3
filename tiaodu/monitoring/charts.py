"""Small inline SVG charts for the dashboard (no JavaScript, no external library): a line of a
figure over the year and a rank history (rank 1 at the top)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tiaodu.monitoring.confidentiality import NOTE

WIDTH, HEIGHT, PAD = 320, 120, 28


def _scale(values: Sequence[float], lo: float, hi: float, top: float, bottom: float) -> list[float]:
    span = (hi - lo) or 1.0
    return [bottom - (v - lo) / span * (bottom - top) for v in values]


def _xs(n: int) -> list[float]:
    if n == 1:
        return [WIDTH / 2]
    step = (WIDTH - 2 * PAD) / (n - 1)
    return [PAD + i * step for i in range(n)]


def _svg(body: str, label: str) -> SafeString:
    return mark_safe(  # noqa: S308 — every text inside is escaped, numbers are formatted here
        f'<svg class="td-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )


def line_svg(points: Sequence[tuple[str, Decimal | None]], label: str) -> SafeString:
    """The figure over the year's periods. A period listed without a figure (withheld for
    statistical confidentiality, ADR 0033) keeps its place on the axis and shows "—", never a
    point at 0; the line joins the figures shown."""
    slots = _xs(len(points)) if points else []
    data = [(str(name), float(v), x) for (name, v), x in zip(points, slots, strict=True) if v is not None]
    gaps = [(str(name), x) for (name, v), x in zip(points, slots, strict=True) if v is None]
    if not data and not gaps:
        return _svg("", label)
    values = [v for _, v, _ in data] or [0.0]
    lo, hi = min(values), max(values)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    xs, ys = [x for _, _, x in data], _scale([v for _, v, _ in data], lo, hi, 14, HEIGHT - PAD)
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    body = [f'<polyline fill="none" stroke="#0d6efd" stroke-width="2" points="{path}"/>'] if data else []
    for name, x in gaps:
        body.append(
            f'<text x="{x:.1f}" y="{HEIGHT / 2:.1f}" font-size="10" text-anchor="middle" fill="#6c757d" '
            f'class="td-chart-withheld"><title>{escape(name)}:{escape(NOTE)}</title>—</text>'
        )
        body.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 8}" font-size="9" text-anchor="middle" fill="#6c757d">{escape(name)}</text>'
        )
    for (name, v, _), x, y in zip(data, xs, ys, strict=True):
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#0d6efd"><title>{escape(name)}:{v:g}</title></circle>'
        )
        body.append(f'<text x="{x:.1f}" y="{y - 6:.1f}" font-size="10" text-anchor="middle">{v:g}</text>')
        body.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 8}" font-size="9" text-anchor="middle" fill="#6c757d">{escape(name)}</text>'
        )
    return _svg("".join(body), label)


def rank_svg(history: Sequence[tuple[str, int | None]], ranked: int) -> SafeString:
    """Rank by period, 1 at the top and ``ranked`` (the number of units) at the bottom."""
    data = [(name, rank) for name, rank in history if rank is not None]
    label = "排名变化"
    if not data:
        return _svg("", label)
    worst = max(ranked, max(r for _, r in data), 2)
    xs = _xs(len(data))
    ys = [14 + (r - 1) / (worst - 1) * (HEIGHT - PAD - 14) for _, r in data]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    body = [f'<polyline fill="none" stroke="#dc3545" stroke-width="2" points="{path}"/>']
    for (name, rank), x, y in zip(data, xs, ys, strict=True):
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#dc3545"><title>{escape(name)}:第{rank}位</title></circle>'
        )
        body.append(f'<text x="{x:.1f}" y="{y - 6:.1f}" font-size="10" text-anchor="middle">{rank}</text>')
        body.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 8}" font-size="9" text-anchor="middle" fill="#6c757d">{escape(name)}</text>'
        )
    return _svg("".join(body), label)
