"""A choropleth as server-rendered SVG: each neighbourhood's GeoJSON boundary drawn as a
path, shaded by its value in a few classes. No JavaScript, no tiles; the page puts the
same figures in a table beside it, so the map is a picture and never the only source.

Projection: equirectangular around the city's mean latitude (longitudes shrunk by its
cosine), which is true to within a fraction of a percent across one city."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

WIDTH = 600.0
MARGIN = 6.0
# Five classes, light to dark (a sequential blue ramp readable by colour-blind readers);
# withheld or unknown values are drawn grey with a hatch.
CLASS_FILLS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
WITHHELD_FILL = "#d9d9d9"


@dataclass(frozen=True)
class Area:
    slug: str
    name: str
    boundary: dict[str, Any]
    value: float | None


@dataclass(frozen=True)
class Shape:
    slug: str
    name: str
    path: str
    fill: str
    value: float | None
    band: int | None  # 0..4, None when withheld


@dataclass(frozen=True)
class Legend:
    fill: str
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Choropleth:
    width: float
    height: float
    shapes: tuple[Shape, ...]
    legend: tuple[Legend, ...]


def _rings(boundary: dict[str, Any]) -> Iterable[Sequence[Sequence[float]]]:
    kind = boundary.get("type")
    coordinates = boundary.get("coordinates") or []
    if kind == "Polygon":
        yield from coordinates
    elif kind == "MultiPolygon":
        for polygon in coordinates:
            yield from polygon


def _bands(values: Sequence[float]) -> list[tuple[float, float]]:
    """Five equal-width classes from the lowest to the highest value."""
    low, high = min(values), max(values)
    if high == low:
        return [(low, high)] * len(CLASS_FILLS)
    step = (high - low) / len(CLASS_FILLS)
    return [(low + i * step, low + (i + 1) * step) for i in range(len(CLASS_FILLS))]


def _band_of(value: float, bands: list[tuple[float, float]]) -> int:
    for index, (_low, high) in enumerate(bands):
        if value <= high + 1e-12:
            return index
    return len(bands) - 1


def choropleth(areas: Sequence[Area]) -> Choropleth:
    points = [pt for a in areas for ring in _rings(a.boundary) for pt in ring]
    if not points:
        return Choropleth(width=WIDTH, height=0.0, shapes=(), legend=())
    lngs = [p[0] for p in points]
    lats = [p[1] for p in points]
    scale_x = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = (max(lngs) - min(lngs)) * scale_x or 1e-9
    span_y = (max(lats) - min(lats)) or 1e-9
    scale = (WIDTH - 2 * MARGIN) / span_x
    height = span_y * scale + 2 * MARGIN

    def xy(point: Sequence[float]) -> str:
        x = MARGIN + (point[0] - min(lngs)) * scale_x * scale
        y = MARGIN + (max(lats) - point[1]) * scale
        return f"{x:.1f},{y:.1f}"

    known = [a.value for a in areas if a.value is not None]
    bands = _bands(known) if known else []
    shapes = []
    for area in areas:
        path = " ".join(
            "M" + " L".join(xy(p) for p in ring) + " Z" for ring in _rings(area.boundary) if ring
        )
        band = _band_of(area.value, bands) if area.value is not None and bands else None
        fill = CLASS_FILLS[band] if band is not None else WITHHELD_FILL
        shapes.append(
            Shape(slug=area.slug, name=area.name, path=path, fill=fill, value=area.value, band=band)
        )
    legend = tuple(Legend(fill=CLASS_FILLS[i], low=lo, high=hi) for i, (lo, hi) in enumerate(bands))
    return Choropleth(width=WIDTH, height=round(height, 1), shapes=tuple(shapes), legend=legend)
