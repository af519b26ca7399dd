from __future__ import annotations

import pytest

from maps.geometry import BoundaryError, boundary_centroid, boundary_shape, lat_lng_check
from tests.factories import square

OUTER = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
HOLE = [[2, 2], [4, 2], [4, 4], [2, 4], [2, 2]]
FAR_HOLE = [[20, 20], [22, 20], [22, 22], [20, 22], [20, 20]]


def test_polygon_with_a_hole_and_altitudes_is_accepted() -> None:
    with_altitude = [[*p, 2600.0] for p in OUTER]

    shape = boundary_shape({"type": "Polygon", "coordinates": [with_altitude, HOLE]})

    assert shape.area == 100 - 4


def test_multipolygon_parts_are_named_in_errors() -> None:
    geometry = {"type": "MultiPolygon", "coordinates": [[OUTER], [[[0, 0], [1, 0], [1, 1]]]]}

    with pytest.raises(BoundaryError, match=r"^polygon 1, ring 0 \(exterior\) has 3 position"):
        boundary_shape(geometry)


def test_error_carries_the_feature_index_and_name() -> None:
    with pytest.raises(BoundaryError) as excinfo:
        boundary_shape({"type": "LineString", "coordinates": []}, index=4, name="Usme")

    error = excinfo.value
    assert (error.index, error.name) == (4, "Usme")
    assert error.reason == "geometry type must be Polygon or MultiPolygon, got 'LineString'"
    assert str(error) == f'features[4] ("Usme"): {error.reason}'
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ("Polygon", "geometry must be a GeoJSON object, got str"),
        ({"type": "Polygon"}, "Polygon has no coordinates"),
        ({"type": "Polygon", "coordinates": []}, "geometry is empty"),
        ({"type": "MultiPolygon", "coordinates": [[]]}, "polygon 0 is empty (no rings)"),
        ({"type": "MultiPolygon", "coordinates": [7]}, "polygon 0 must be an array of rings"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [True, 1], [0, 0]]]},
            "position 2 must be [longitude, latitude] numbers, got [True, 1]",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [float("nan"), 1], [0, 0]]]},
            "position 2 has a non-finite number",
        ),
        (
            {"type": "Polygon", "coordinates": [OUTER, FAR_HOLE]},
            "invalid geometry: Hole lies outside shell",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]},
            "invalid geometry: Self-intersection",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 95], [1, 95], [1, 96], [0, 95]]]},
            "position 0 [0, 95] is outside WGS84 (longitude -180..180, latitude -90..90)",
        ),
    ],
)
def test_malformed_geometry_is_explained(geometry: object, message: str) -> None:
    with pytest.raises(BoundaryError) as excinfo:
        boundary_shape(geometry)

    assert message in str(excinfo.value)


def test_invalid_geometry_is_not_repaired() -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}

    with pytest.raises(BoundaryError, match=r"Self-intersection\[0\.5 0\.5\].*not repaired"):
        boundary_shape(bowtie)


def test_centroid_is_lat_lng() -> None:
    lat, lng = boundary_centroid(boundary_shape(square(-74.0, 4.6, size=0.02)))

    assert (lat, lng) == pytest.approx((4.61, -73.99))


@pytest.mark.parametrize(("lat", "lng"), [(90, 180), (-90, -180), (0, 0), (4.6, -74.07)])
def test_lat_lng_check_accepts_the_wgs84_range(lat: float, lng: float) -> None:
    lat_lng_check(lat, lng)
