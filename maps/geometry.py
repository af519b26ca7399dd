"""Validation of neighbourhood boundaries given as GeoJSON geometries (RFC 7946, WGS84).

We check the JSON structure ourselves before handing coordinates to shapely, because
shapely's own errors for malformed input ("A linearring requires at least 4 coordinates",
a bare ``TypeError``) name neither the ring nor the position, and because shapely quietly
closes unclosed rings. Invalid geometries (self-intersections, crossing holes) are
reported with GEOS's ``explain_validity`` reason. ``boundary_repair`` may then repair
one with shapely's ``make_valid`` (keeping only the polygonal parts), but only when the
repair changes the area by less than ``REPAIR_MAX_AREA_CHANGE`` (one part in a million):
official files often carry a ring touching itself at one point, which such a repair
fixes without moving anyone; a bow-tie or any repair that changes the shape materially
could silently move residents from one neighbourhood to another, so it is refused and
a human must fix the source file.

Coordinates are treated as planar degrees (longitude = x, latitude = y), which is what
GeoJSON means and is accurate enough for city-sized areas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from shapely.geometry import GeometryCollection, MultiPolygon, Polygon, mapping
from shapely.validation import explain_validity, make_valid

__all__ = [
    "BOUNDARY_TYPES",
    "REPAIR_MAX_AREA_CHANGE",
    "BoundaryError",
    "BoundaryRepair",
    "InvalidBoundary",
    "boundary_centroid",
    "boundary_repair",
    "boundary_shape",
    "feature_label",
    "lat_lng_check",
]

BOUNDARY_TYPES = ("Polygon", "MultiPolygon")


def feature_label(index: int | None, name: str | None) -> str:
    """``features[3] ("Suba")``: a jq-style path, so a reader can find the feature."""
    where = f"features[{index}]" if index is not None else "feature"
    return f'{where} ("{name}")' if name else where


class BoundaryError(ValueError):
    """A GeoJSON geometry we refuse to store as a boundary.

    ``reason`` says what is wrong and where inside the geometry (ring, position);
    ``index`` (0-based position in the file's ``features``) and ``name`` locate the
    feature when the caller knows them. ``str()`` gives a one-line message for people.
    """

    def __init__(self, reason: str, *, index: int | None = None, name: str | None = None) -> None:
        self.reason = reason
        self.index = index
        self.name = name
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.index is None and not self.name:
            return self.reason
        return f"{feature_label(self.index, self.name)}: {self.reason}"


class InvalidBoundary(BoundaryError):
    """Well-formed coordinates that GEOS finds invalid (self-intersection, ring
    self-touch): the only kind ``boundary_repair`` may repair. ``shape`` is the
    invalid geometry as read."""

    def __init__(
        self,
        reason: str,
        *,
        shape: Polygon | MultiPolygon,
        index: int | None = None,
        name: str | None = None,
    ) -> None:
        self.shape = shape
        super().__init__(reason, index=index, name=name)


#: A repair is automatic only below this relative change of area (one part in a million).
REPAIR_MAX_AREA_CHANGE = 1e-6


@dataclass(frozen=True)
class BoundaryRepair:
    """A boundary repaired on import: what GEOS found and how little the area moved."""

    problem: str
    area_change: float  # relative: |repaired - original| / original
    shape: Polygon | MultiPolygon

    @property
    def geometry(self) -> dict[str, Any]:
        """The repaired boundary as GeoJSON (lists, as stored)."""
        return _as_lists(mapping(self.shape))


def _as_lists(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_as_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_lists(v) for k, v in value.items()}
    return value


def _polygonal(shape: Any) -> Polygon | MultiPolygon | None:
    """The polygonal parts of ``make_valid``'s result (it may add lines or points where
    a ring touched itself), as one Polygon or MultiPolygon; None when there are none."""
    if isinstance(shape, Polygon | MultiPolygon):
        return shape
    if isinstance(shape, GeometryCollection):
        polygons: list[Polygon] = []
        for part in shape.geoms:
            if isinstance(part, Polygon):
                polygons.append(part)
            elif isinstance(part, MultiPolygon):
                polygons.extend(part.geoms)
        if len(polygons) == 1:
            return polygons[0]
        if polygons:
            return MultiPolygon(polygons)
    return None


def boundary_repair(error: InvalidBoundary) -> BoundaryRepair:
    """Repair an invalid boundary if that changes its area by less than one part in a
    million; else raise a BoundaryError saying why not (kept the caller's location)."""
    original = error.shape
    problem = explain_validity(original)

    def refuse(why: str) -> BoundaryError:
        return BoundaryError(
            f"invalid geometry: {problem}; not repaired automatically: {why} "
            "(fix the boundary at its source)",
            index=error.index,
            name=error.name,
        )

    repaired = _polygonal(make_valid(original))
    if repaired is None or repaired.is_empty or not repaired.is_valid:
        raise refuse("the repair leaves no valid area")
    before = original.area
    if before <= 0:
        # A bow-tie's two lobes cancel out: "its area" means nothing, so neither does a
        # repair that gives it one.
        raise refuse(f"the repair changes its area from 0 to {repaired.area:.3g}")
    change = abs(repaired.area - before) / before
    if change >= REPAIR_MAX_AREA_CHANGE:
        raise refuse(f"the repair changes its area by {change:.2%}")
    return BoundaryRepair(problem=problem, area_change=change, shape=repaired)


def _is_number(value: object) -> bool:
    # bool is an int subclass; ``[true, false]`` is not a position.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_ring(ring: object, where: str) -> list[tuple[float, float]]:
    """Return the ring as (lng, lat) pairs, or raise ValueError naming ``where``."""
    if not isinstance(ring, list):
        raise ValueError(f"{where} must be an array of positions, got {type(ring).__name__}")
    if len(ring) < 4:
        raise ValueError(
            f"{where} has {len(ring)} position(s); a ring needs at least 4 "
            "(three corners and the first repeated at the end)"
        )
    pairs: list[tuple[float, float]] = []
    for i, position in enumerate(ring):
        # RFC 7946 allows an optional altitude as a third number; we ignore it.
        if (
            not isinstance(position, list)
            or len(position) not in (2, 3)
            or not all(_is_number(c) for c in position)
        ):
            raise ValueError(
                f"{where}, position {i} must be [longitude, latitude] numbers, "
                f"got {_short(position)}"
            )
        lng, lat = float(position[0]), float(position[1])
        if not (math.isfinite(lng) and math.isfinite(lat)):
            raise ValueError(f"{where}, position {i} has a non-finite number: {_short(position)}")
        if not (-180.0 <= lng <= 180.0 and -90.0 <= lat <= 90.0):
            # [lat, lng] order (as in most map UIs) is the usual cause; say so when it fits.
            hint = (
                " (GeoJSON order is [longitude, latitude]; are they swapped?)"
                if -90.0 <= lng <= 90.0 and -180.0 <= lat <= 180.0
                else ""
            )
            raise ValueError(
                f"{where}, position {i} {_short(position)} is outside WGS84 "
                f"(longitude -180..180, latitude -90..90){hint}"
            )
        pairs.append((lng, lat))
    if ring[0][:2] != ring[-1][:2]:
        raise ValueError(
            f"{where} is not closed: first position {_short(ring[0])} "
            f"differs from last {_short(ring[-1])}"
        )
    return pairs


def _check_polygon(rings: object, where: str) -> Polygon:
    """``where`` is "" for a Polygon, "polygon 2" for a MultiPolygon's third part."""
    prefix = f"{where}, " if where else ""
    if not isinstance(rings, list):
        raise ValueError(f"{where or 'polygon'} must be an array of rings, got {_short(rings)}")
    if not rings:
        raise ValueError(f"{where or 'polygon'} is empty (no rings)")
    exterior, *holes = (
        _check_ring(ring, f"{prefix}ring {i}{' (exterior)' if i == 0 else ''}")
        for i, ring in enumerate(rings)
    )
    return Polygon(exterior, holes)


def boundary_shape(
    geometry: object, *, index: int | None = None, name: str | None = None
) -> Polygon | MultiPolygon:
    """Validate a GeoJSON geometry and return it as a valid, non-empty shapely geometry.

    Accepts only ``Polygon`` and ``MultiPolygon``. Raises ``BoundaryError`` (carrying
    ``index``/``name`` for the message) on the first problem found: missing or wrong type,
    malformed coordinates (not arrays of numbers, fewer than 4 positions, unclosed ring),
    positions outside WGS84, an empty geometry, or a geometry GEOS considers invalid
    (``InvalidBoundary``, with ``explain_validity``'s reason, e.g.
    ``Self-intersection[-74.1 4.6]``). Never repairs anything: ``boundary_repair`` may.
    """

    def fail(reason: str) -> BoundaryError:
        return BoundaryError(reason, index=index, name=name)

    if geometry is None:
        raise fail("geometry is missing (null)")
    if not isinstance(geometry, dict):
        raise fail(f"geometry must be a GeoJSON object, got {type(geometry).__name__}")
    kind = geometry.get("type")
    if kind not in BOUNDARY_TYPES:
        raise fail(f"geometry type must be Polygon or MultiPolygon, got {_short(kind)}")
    coordinates = geometry.get("coordinates")
    if coordinates is None:
        raise fail(f"{kind} has no coordinates")
    if not isinstance(coordinates, list):
        raise fail(f"{kind} coordinates must be an array, got {type(coordinates).__name__}")
    if not coordinates:
        raise fail(f"geometry is empty ({kind} with no coordinates)")

    shape: Polygon | MultiPolygon
    try:
        if kind == "Polygon":
            shape = _check_polygon(coordinates, "")
        else:
            shape = MultiPolygon(
                [_check_polygon(rings, f"polygon {i}") for i, rings in enumerate(coordinates)]
            )
    except ValueError as exc:
        raise fail(str(exc)) from None

    if shape.is_empty:
        raise fail("geometry is empty")
    if not shape.is_valid:
        raise InvalidBoundary(
            f"invalid geometry: {explain_validity(shape)} "
            "(not repaired automatically; fix the boundary at its source)",
            shape=shape,
            index=index,
            name=name,
        )
    return shape


def boundary_centroid(shape: Polygon | MultiPolygon) -> tuple[float, float]:
    """The geometric centroid as ``(lat, lng)``.

    Computed in planar degrees (fine at city scale). For a concave or multi-part boundary
    it may fall outside the boundary: use it for map centring, not for point-in-polygon.
    """
    point = shape.centroid
    return (float(point.y), float(point.x))


def lat_lng_check(lat: float, lng: float) -> None:
    """Raise ``ValueError`` with a message fit for an API client unless ``lat``/``lng`` is
    a finite WGS84 position (lat -90..90, lng -180..180)."""
    for label, value, limit in (("lat", lat, 90.0), ("lng", lng, 180.0)):
        if not _is_number(value) or not math.isfinite(value):
            raise ValueError(f"{label} must be a finite number, got {_short(value)}")
        if not -limit <= value <= limit:
            raise ValueError(f"{label} must be between {-limit:g} and {limit:g}, got {value:g}")


def _short(value: Any, limit: int = 60) -> str:
    """repr() for messages, cut so a huge coordinate array cannot flood the output."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
