from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from shapely.geometry import shape

from maps import locate
from maps.locate import neighbourhood_at, neighbourhoods_at
from maps.models import Neighbourhood
from tests.conftest import shared_path
from tests.factories import NeighbourhoodFactory, square

pytestmark = pytest.mark.django_db

# (lat, lng) of places whose localidad is common knowledge.
LANDMARKS = {
    "Plaza de Bolívar": (4.5981, -74.0760, "La Candelaria"),
    "Monserrate": (4.6058, -74.0556, "Santa Fe"),
    "Parque Simón Bolívar": (4.6584, -74.0937, "Teusaquillo"),
    "El Dorado airport": (4.7016, -74.1469, "Fontibon"),
    "Parque de la 93": (4.6767, -74.0483, "Chapinero"),
    "Portal de las Américas": (4.6292, -74.1727, "Kennedy"),
}


@pytest.fixture(autouse=True)
def _fresh_index() -> None:
    # Test transactions roll back without post_delete, so start each test from scratch.
    locate.invalidate()


@pytest.fixture
def bogota_file() -> Path:
    return shared_path("data", "bogota-localidades.geojson")


@pytest.fixture
def bogota(bogota_file: Path) -> dict[str, Neighbourhood]:
    call_command(
        "import_neighbourhoods",
        str(bogota_file),
        "--name-property",
        "name",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    return {n.name: n for n in Neighbourhood.objects.all()}


def _features(path: Path) -> list[tuple[str, object]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return [(f["properties"]["name"].strip(), shape(f["geometry"])) for f in document["features"]]


def test_representative_point_of_each_localidad_is_in_it(
    bogota: dict[str, Neighbourhood], bogota_file: Path
) -> None:
    for name, geometry in _features(bogota_file):
        point = geometry.representative_point()  # type: ignore[attr-defined]

        found = neighbourhood_at(point.y, point.x)

        assert found is not None and found.name == name


@pytest.mark.parametrize("place", LANDMARKS)
def test_landmark_is_in_its_localidad(place: str, bogota: dict[str, Neighbourhood]) -> None:
    lat, lng, localidad = LANDMARKS[place]

    found = neighbourhood_at(lat, lng)

    assert found is not None and found.name == localidad


@pytest.mark.parametrize(
    ("lat", "lng"), [(0.0, 0.0), (4.65, -74.30), (90.0, 180.0), (-90.0, -180.0)]
)
def test_point_outside_every_localidad_is_none(
    lat: float, lng: float, bogota: dict[str, Neighbourhood]
) -> None:
    assert neighbourhood_at(lat, lng) is None


def test_vertex_shared_by_two_localidades_resolves_to_the_lower_id(
    bogota: dict[str, Neighbourhood], bogota_file: Path
) -> None:
    owners: dict[tuple[float, float], set[str]] = {}
    for name, geometry in _features(bogota_file):
        for polygon in geometry.geoms:  # type: ignore[attr-defined]
            for lng, lat in polygon.exterior.coords:
                owners.setdefault((lat, lng), set()).add(name)
    (lat, lng), names = min((p, n) for p, n in owners.items() if len(n) == 2)
    expected = min(bogota[name].pk for name in names)

    answers = {neighbourhood_at(lat, lng) for _ in range(3)}

    assert answers == {Neighbourhood.objects.get(pk=expected)}
    assert neighbourhoods_at([(lat, lng)]) == [expected]


def test_overlap_goes_to_the_lowest_id_not_the_first_created() -> None:
    # Created high id first, so "first in the index" and "lowest id" disagree.
    high = NeighbourhoodFactory(pk=9_000_002, boundary=square(-74.0, 4.6, size=0.02))
    low = NeighbourhoodFactory(pk=9_000_001, boundary=square(-73.99, 4.6, size=0.02))

    assert neighbourhoods_at([(4.61, -73.985), (4.61, -73.995), (4.61, -73.975)]) == [
        low.pk,
        high.pk,
        low.pk,
    ]
    # On the shared edge x = -73.99 as well.
    assert neighbourhood_at(4.61, -73.99) == low


def test_batch_answers_each_point_in_order(bogota: dict[str, Neighbourhood]) -> None:
    points = [(lat, lng) for lat, lng, _ in LANDMARKS.values()]

    ids = neighbourhoods_at([*points, (0.0, 0.0)])

    assert ids == [bogota[localidad].pk for _, _, localidad in LANDMARKS.values()] + [None]


def test_batch_of_nothing_and_empty_table() -> None:
    assert neighbourhoods_at([]) == []
    assert neighbourhoods_at([(4.6, -74.0)]) == [None]
    assert neighbourhood_at(4.6, -74.0) is None


def test_batch_rejects_a_bad_point_by_position() -> None:
    with pytest.raises(ValueError, match=r"points\[1\]: lat must be between -90 and 90, got 91"):
        neighbourhoods_at([(4.6, -74.0), (91.0, -74.0)])


@pytest.mark.parametrize(
    ("lat", "lng", "message"),
    [
        (float("nan"), 0.0, "lat must be a finite number"),
        (0.0, float("inf"), "lng must be a finite number"),
        (0.0, 180.5, "lng must be between -180 and 180, got 180.5"),
    ],
)
def test_single_lookup_rejects_bad_positions(lat: float, lng: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        neighbourhood_at(lat, lng)


def test_index_follows_saves_and_deletes() -> None:
    n = NeighbourhoodFactory(boundary=square(-74.0, 4.6))
    assert neighbourhood_at(4.605, -73.995) == n

    n.boundary = square(-75.0, 4.6)
    n.save()
    assert neighbourhood_at(4.605, -73.995) is None
    assert neighbourhood_at(4.605, -74.995) == n

    other = NeighbourhoodFactory(boundary=square(-74.0, 4.6))
    assert neighbourhood_at(4.605, -73.995) == other

    other.delete()
    assert neighbourhood_at(4.605, -73.995) is None


def test_writes_that_skip_signals_need_an_explicit_invalidate() -> None:
    n = NeighbourhoodFactory(boundary=square(-74.0, 4.6))
    assert neighbourhood_at(4.605, -73.995) == n

    Neighbourhood.objects.filter(pk=n.pk).update(boundary=square(-75.0, 4.6))
    locate.invalidate()

    assert neighbourhood_at(4.605, -73.995) is None


def test_reimport_of_moved_boundaries_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "one.geojson"

    def import_square(lng: float) -> None:
        feature = {"type": "Feature", "properties": {"name": "Suba"}, "geometry": square(lng, 4.6)}
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
        call_command(
            "import_neighbourhoods",
            str(path),
            "--name-property",
            "name",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )

    import_square(-74.0)
    assert neighbourhood_at(4.605, -73.995) is not None
    import_square(-75.0)
    assert neighbourhood_at(4.605, -73.995) is None


def test_stored_invalid_boundary_is_skipped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[-74.0, 4.6], [-73.99, 4.61], [-73.99, 4.6], [-74.0, 4.61], [-74.0, 4.6]]],
    }
    bad = NeighbourhoodFactory(boundary=bowtie)
    good = NeighbourhoodFactory(boundary=square(-75.0, 4.6))

    with caplog.at_level(logging.WARNING, logger="maps.locate"):
        assert neighbourhood_at(4.605, -74.995) == good
        assert neighbourhood_at(4.601, -73.995) is None

    assert f"Neighbourhood {bad.pk} is not located" in caplog.text


# --- HTTP -----------------------------------------------------------------------------


def test_geojson_endpoint_serves_every_localidad(
    client: Client, bogota: dict[str, Neighbourhood]
) -> None:
    response = client.get(reverse("maps:neighbourhoods-geojson"))

    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 19
    suba = next(f for f in body["features"] if f["properties"]["name"] == "Suba")
    assert suba["geometry"]["type"] == "MultiPolygon"
    assert suba["properties"]["slug"] == "suba"


def test_locate_endpoint_answers_the_neighbourhood(
    client: Client, bogota: dict[str, Neighbourhood]
) -> None:
    response = client.get("/maps/locate", {"lat": "4.5981", "lng": "-74.0760"})

    assert response.status_code == 200
    candelaria = bogota["La Candelaria"]
    assert response.json() == {
        "id": candelaria.pk,
        "name": "La Candelaria",
        "slug": "la-candelaria",
    }


def test_locate_endpoint_404s_outside_every_neighbourhood(
    client: Client, bogota: dict[str, Neighbourhood]
) -> None:
    response = client.get(reverse("maps:locate"), {"lat": "0", "lng": "0"})

    assert response.status_code == 404
    assert response.json() == {"error": "no neighbourhood covers lat=0, lng=0"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "missing lat and lng"),
        ({"lat": "4.6"}, "missing lng"),
        ({"lat": " ", "lng": "-74"}, "missing lat"),
        ({"lat": "abc", "lng": "-74"}, "lat must be a number in decimal degrees, got 'abc'"),
        ({"lat": "4.6", "lng": "-74,07"}, "lng must be a number in decimal degrees"),
        ({"lat": "nan", "lng": "-74"}, "lat must be a finite number"),
        ({"lat": "4.6", "lng": "-inf"}, "lng must be a finite number"),
        ({"lat": "91", "lng": "-74"}, "lat must be between -90 and 90, got 91"),
        ({"lat": "4.6", "lng": "-181"}, "lng must be between -180 and 180, got -181"),
        ({"lat": "1e999", "lng": "0"}, "lat must be a finite number"),
    ],
)
def test_locate_endpoint_400s_on_bad_coordinates(
    client: Client, query: dict[str, str], message: str
) -> None:
    response = client.get("/maps/locate", query)

    assert response.status_code == 400
    assert message in response.json()["error"]


def test_locate_endpoint_is_get_only(client: Client) -> None:
    assert client.post("/maps/locate", {"lat": "4.6", "lng": "-74"}).status_code == 405
