"""The bulletin's charts drawn with matplotlib (Agg, no display), as PNG for Word and PDF and as
SVG for the web page.

Three kinds (:class:`tiaodu.monitoring.bulletin.Chart`): ``compare`` (grouped bars: the region,
the city and the nation), ``ranking`` (horizontal bars of every ranked county unit, best on top,
the region in red, the city's figure as a dashed line) and ``trend`` (lines over the year). Text
is drawn in the CJK font of :mod:`.fonts`; SVG text is converted to paths, so the page needs no
font. Output carries no date or version, so the same bulletin gives the same bytes.
"""

from __future__ import annotations

import io
import threading
from typing import TYPE_CHECKING, Any

from tiaodu.monitoring.bulletin_render.fonts import chart_font_family

if TYPE_CHECKING:
    from tiaodu.monitoring.bulletin import Bulletin, Chart

RED = "#c0392b"
BLUE = "#4a7ab0"
GREY = "#8c959f"
COLOURS = (RED, BLUE, GREY, "#d68910")
PNG_DPI = 150
_lock = threading.Lock()  # rc_context changes matplotlib's global parameters


def _rc() -> dict[str, Any]:
    family = chart_font_family()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "svg.fonttype": "path",
        "svg.hashsalt": "tiaodu-bulletin",
        "font.size": 9,
        "text.hinting": "no_hinting",
        "axes.titlesize": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _fmt(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _wrap(label: str, width: int = 7) -> str:
    """A long label on two (or more) lines of about equal length."""
    if len(label) <= width:
        return label
    lines = -(-len(label) // width)
    size = -(-len(label) // lines)
    return "\n".join(label[i : i + size] for i in range(0, len(label), size))


def _compare(fig: Any, chart: Chart) -> None:
    fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.27)
    ax = fig.add_subplot()
    n = len(chart.labels)
    k = len(chart.series)
    width = 0.8 / k
    for j, series in enumerate(chart.series):
        xs = [i - 0.4 + width * (j + 0.5) for i in range(n)]
        heights = [v if v is not None else 0.0 for v in series.values]
        bars = ax.bar(xs, heights, width * 0.92, label=series.name, color=COLOURS[j % len(COLOURS)])
        for bar, v in zip(bars, series.values, strict=True):
            if v is None:
                continue
            ax.annotate(
                _fmt(v),
                (bar.get_x() + bar.get_width() / 2, v),
                xytext=(0, 2 if v >= 0 else -9),
                textcoords="offset points",
                ha="center",
                fontsize=7,
            )
    ax.set_xticks(range(n), [_wrap(label) for label in chart.labels])
    ax.axhline(0, color="#333333", linewidth=0.6)
    ax.set_ylabel(chart.unit)
    ax.legend(frameon=False, ncols=k, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    ax.set_title(chart.title)


def _ranking(fig: Any, chart: Chart) -> None:
    from matplotlib.transforms import blended_transform_factory

    n = len(chart.labels)
    height = _size(chart)[1]
    # fixed margins (no layout engine) and labels drawn as plain text rather than 38 tick
    # objects: a third of the time of the default way, same picture
    fig.subplots_adjust(left=0.2, right=0.95, top=1 - 0.55 / height, bottom=0.5 / height)
    ax = fig.add_subplot()
    values = [v if v is not None else 0.0 for v in chart.series[0].values]
    ys = list(range(n))
    ax.barh(ys, values, color=[RED if i == chart.highlight else BLUE for i in ys], height=0.7)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    labels = blended_transform_factory(ax.transAxes, ax.transData)
    span = (max([*values, 0.0]) - min([*values, 0.0])) or 1.0
    for y, label in enumerate(chart.labels):
        bold = "bold" if y == chart.highlight else "normal"
        ax.text(-0.01, y, label, transform=labels, ha="right", va="center", fontsize=7, fontweight=bold)
    if chart.highlight is not None:  # the region's own figure; every unit's is in the table
        v = values[chart.highlight]
        ax.text(
            v + span * 0.01 if v >= 0 else v - span * 0.01,
            chart.highlight,
            _fmt(v),
            va="center",
            ha="left" if v >= 0 else "right",
            fontsize=7,
            fontweight="bold",
            color=RED,
        )
    ax.axvline(0, color="#333333", linewidth=0.6)
    if chart.reference is not None:
        ax.axvline(chart.reference, color=GREY, linestyle="--", linewidth=1)
        ax.text(
            chart.reference,
            -0.9,
            f"{chart.reference_label} {_fmt(chart.reference)}",
            color="#555555",
            fontsize=7,
            ha="center",
            va="bottom",
        )
    ax.set_xlabel(chart.unit)
    ax.set_ylim(n - 0.4, -1.6)
    ax.set_title(chart.title)


def _trend(fig: Any, chart: Chart) -> None:
    fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.12)
    ax = fig.add_subplot()
    xs = list(range(len(chart.labels)))
    for j, series in enumerate(chart.series):
        points = [(x, v) for x, v in zip(xs, series.values, strict=True) if v is not None]
        if not points:
            continue
        ax.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            marker="o",
            color=COLOURS[j % len(COLOURS)],
            label=series.name,
            linewidth=1.6,
        )
        for x, v in points:
            ax.annotate(_fmt(v), (x, v), xytext=(0, 5), textcoords="offset points", ha="center", fontsize=7)
    ax.set_xticks(xs, chart.labels)
    ax.set_xlim(-0.5, max(len(xs) - 0.5, 0.5))
    ax.set_ylabel(chart.unit)
    ax.margins(y=0.25)
    ax.legend(frameon=False)
    ax.set_title(chart.title)


DRAW = {"compare": _compare, "ranking": _ranking, "trend": _trend}


def _size(chart: Chart) -> tuple[float, float]:
    if chart.kind == "ranking":
        return 7.0, 1.2 + 0.17 * len(chart.labels)
    return 7.0, 3.8


def render_chart(chart: Chart, fmt: str = "png") -> bytes:
    """One chart as PNG (150 dpi) or SVG bytes."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _lock, matplotlib.rc_context(_rc()):  # type: ignore[arg-type]
        # fixed margins, no layout engine: a constrained layout draws every text twice
        fig = Figure(figsize=_size(chart))
        canvas = FigureCanvasAgg(fig)
        DRAW[chart.kind](fig, chart)
        out = io.BytesIO()
        if fmt == "svg":
            fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
            return out.getvalue()
        # PNG without an alpha channel (Word and PDF need no mask: smaller, one image object each)
        fig.set_dpi(PNG_DPI)
        canvas.draw()
        rgba, size = canvas.print_to_buffer()
    from PIL import Image

    Image.frombuffer("RGBA", size, rgba, "raw", "RGBA", 0, 1).convert("RGB").save(
        out, format="PNG", dpi=(PNG_DPI, PNG_DPI), compress_level=3
    )
    return out.getvalue()


def chart_images(bulletin: Bulletin, fmt: str = "png") -> list[bytes]:
    """Every chart of the bulletin, rendered once per format and kept on the bulletin."""
    key = ("charts", fmt)
    if key not in bulletin.cache:
        bulletin.cache[key] = [render_chart(c, fmt) for c in bulletin.charts]
    return bulletin.cache[key]  # type: ignore[no-any-return]
