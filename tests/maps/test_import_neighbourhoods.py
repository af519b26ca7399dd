from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from maps import services
from maps.models import Neighbourhood
from maps.services import ImportRejected, neighbourhoods_import
from tests.conftest import shared_path
from tests.factories import square

pytestmark = pytest.mark.django_db

BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[-74.0, 4.6], [-73.99, 4.61], [-73.99, 4.6], [-74.0, 4.61], [-74.0, 4.6]]],
}


def feature(name: str | None, geometry: Any = None, **properties: Any) -> dict[str, Any]:
    if name is not None:
        properties["name"] = name
    return {
        "type": "Feature",
        "geometry": square(-74.0, 4.6) if geometry is None else geometry,
        "properties": properties,
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.fixture
def write(tmp_path: Path) -> Callable[[Any], Path]:
    """Write a document (or raw text) to a fresh .geojson file."""
    counter = iter(range(1000))

    def _write(document: Any) -> Path:
        path = tmp_path / f"input{next(counter)}.geojson"
        text = document if isinstance(document, str) else json.dumps(document, indent=2)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def run(path: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "import_neighbourhoods",
        str(path),
        "--name-property",
        "name",
        *extra,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


def test_imports_the_19_bogota_localidades() -> None:
    path = shared_path("data", "bogota-localidades.geojson")

    output = run(path)

    assert "Imported 19 neighbourhoods (19 new, 0 updated)" in output
    assert Neighbourhood.objects.count() == 19
    # The source has "Ciudad Bolivar\n": names are stripped.
    bolivar = Neighbourhood.objects.get(name="Ciudad Bolivar")
    assert bolivar.slug == "ciudad-bolivar"
    assert bolivar.boundary["type"] == "MultiPolygon"
    for n in Neighbourhood.objects.all():
        assert n.centroid_lat is not None and 4.2 < n.centroid_lat < 4.9
        assert n.centroid_lng is not None and -74.3 < n.centroid_lng < -73.9
    assert len(set(Neighbourhood.objects.values_list("slug", flat=True))) == 19


def test_reimport_updates_in_place_without_duplicates() -> None:
    path = shared_path("data", "bogota-localidades.geojson")
    run(path)
    ids_before = dict(Neighbourhood.objects.values_list("name", "pk"))
    Neighbourhood.objects.filter(name="Suba").update(population=1_200_000, need_index="1.250")

    output = run(path)

    assert "Imported 19 neighbourhoods (0 new, 19 updated)" in output
    assert dict(Neighbourhood.objects.values_list("name", "pk")) == ids_before
    suba = Neighbourhood.objects.get(name="Suba")
    # Without --population-property, figures the file does not carry are kept.
    assert suba.population == 1_200_000
    assert str(suba.need_index) == "1.250"


def test_population_property_sets_and_updates_population(write: Callable[[Any], Path]) -> None:
    run(write(collection(feature("Suba", population=1000))), "--population-property", "population")
    run(
        write(collection(feature("Suba", population=1234.0))),
        "--population-property",
        "population",
    )

    assert Neighbourhood.objects.get(name="Suba").population == 1234


def test_names_that_slugify_alike_get_distinct_slugs(write: Callable[[Any], Path]) -> None:
    run(
        write(
            collection(feature("Santa Fe"), feature("Santa-Fe", square(-73.9, 4.6)), feature("¡!"))
        )
    )

    assert sorted(Neighbourhood.objects.values_list("slug", flat=True)) == [
        "neighbourhood",
        "santa-fe",
        "santa-fe-2",
    ]


def test_an_existing_row_is_untouched_when_the_file_has_any_problem(
    write: Callable[[Any], Path],
) -> None:
    run(write(collection(feature("Suba"))))
    before = Neighbourhood.objects.get(name="Suba").boundary

    with pytest.raises(CommandError):
        run(write(collection(feature("Suba", square(-73.5, 4.6)), feature("Usme", BOWTIE))))

    assert list(Neighbourhood.objects.values_list("name", flat=True)) == ["Suba"]
    assert Neighbourhood.objects.get(name="Suba").boundary == before


GOOD = feature("Chapinero")

BAD_INPUTS: dict[str, tuple[Any, str]] = {
    "not a FeatureCollection": (
        feature("Suba"),
        "expected a GeoJSON FeatureCollection, got 'Feature'",
    ),
    "no features": (collection(), "the FeatureCollection has no features"),
    "Point geometry": (
        collection(GOOD, feature("Suba", {"type": "Point", "coordinates": [-74.0, 4.6]})),
        "features[1] (\"Suba\"): geometry type must be Polygon or MultiPolygon, got 'Point'",
    ),
    "self-intersecting bow-tie ring": (
        collection(GOOD, feature("Suba", BOWTIE)),
        'features[1] ("Suba"): invalid geometry: Self-intersection[-73.995 4.605]',
    ),
    "longitude out of WGS84 range": (
        collection(GOOD, feature("Suba", square(181.0, 4.6))),
        "ring 0 (exterior), position 0 [181.0, 4.6] is outside WGS84",
    ),
    "latitude/longitude swapped": (
        collection(GOOD, feature("Sydney", square(-33.87, 151.2))),
        "are they swapped?",
    ),
    "ring not closed": (
        collection(
            GOOD,
            feature(
                "Suba",
                {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0.5]]]},
            ),
        ),
        "ring 0 (exterior) is not closed: first position [0, 0] differs from last [0, 0.5]",
    ),
    "ring with too few positions": (
        collection(
            GOOD,
            feature(
                "Suba",
                {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [0, 0]]]]},
            ),
        ),
        "polygon 0, ring 0 (exterior) has 3 position(s); a ring needs at least 4",
    ),
    "non-numeric coordinate": (
        collection(
            GOOD,
            feature(
                "Suba",
                {"type": "Polygon", "coordinates": [[[0, 0], [1, "0"], [1, 1], [0, 0]]]},
            ),
        ),
        "ring 0 (exterior), position 1 must be [longitude, latitude] numbers, got [1, '0']",
    ),
    "empty geometry": (
        collection(GOOD, feature("Suba", {"type": "MultiPolygon", "coordinates": []})),
        "geometry is empty (MultiPolygon with no coordinates)",
    ),
    "null geometry": (
        collection(GOOD, {"type": "Feature", "geometry": None, "properties": {"name": "Suba"}}),
        'features[1] ("Suba"): geometry is missing (null)',
    ),
    "duplicate names": (
        collection(GOOD, feature("Suba", square(-73.9, 4.6)), feature("suba ")),
        'features[2] ("suba"): duplicate name: features[1] has the same name',
    ),
    "missing name property": (
        collection(GOOD, feature(None, nombre="Suba")),
        "features[1]: has no 'name' property",
    ),
    "blank name": (collection(GOOD, feature("  ")), "features[1]: name property 'name' is blank"),
    "missing population property": (
        collection(GOOD | {"properties": {"name": "Chapinero", "population": 5}}, feature("Suba")),
        "has no 'population' property",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_rejected_with_a_specific_message_and_nothing_written(
    case: str, write: Callable[[Any], Path]
) -> None:
    document, expected = BAD_INPUTS[case]
    extra = ("--population-property", "population") if "population" in case else ()

    with pytest.raises(CommandError) as excinfo:
        run(write(document), *extra)

    assert expected in str(excinfo.value)
    assert "nothing imported" in str(excinfo.value)
    assert Neighbourhood.objects.count() == 0


@pytest.mark.parametrize(
    ("population", "expected"),
    [
        (-5, "population 'population' must not be negative, got -5"),
        (12.5, "population 'population' must be a whole number, got 12.5"),
        ("many", "population 'population' must be a whole number, got 'many'"),
        (True, "must be a whole number, got True"),
    ],
)
def test_bad_population_is_rejected(
    population: object, expected: str, write: Callable[[Any], Path]
) -> None:
    path = write(collection(feature("Suba", population=population)))

    with pytest.raises(CommandError, match=expected.replace(".", r"\.")):
        run(path, "--population-property", "population")

    assert Neighbourhood.objects.count() == 0


def test_invalid_json_reports_line_and_column(write: Callable[[Any], Path]) -> None:
    path = write('{\n  "type": "FeatureCollection",\n  "features": [,]\n}\n')

    with pytest.raises(CommandError, match=r"invalid JSON at line 3, column 16: Expecting value"):
        run(path)

    assert Neighbourhood.objects.count() == 0


def test_not_utf8_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "latin1.geojson"
    path.write_bytes(
        json.dumps(collection(feature("Engativá"))).replace("\\u00e1", "á").encode("latin-1")
    )

    with pytest.raises(CommandError, match="file is not UTF-8 text"):
        run(path)


def test_file_too_large_is_rejected_before_parsing(
    write: Callable[[Any], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(collection(feature("Suba")))
    monkeypatch.setattr(services, "MAX_IMPORT_BYTES", 100)

    with pytest.raises(CommandError, match=r"file is too large \([\d,]+ bytes\); the limit is 100"):
        run(path)

    assert Neighbourhood.objects.count() == 0


def test_oversized_stream_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "MAX_IMPORT_BYTES", 100)
    stream = io.BytesIO(json.dumps(collection(feature("Suba"))).encode())

    with pytest.raises(ImportRejected, match="file is too large; the limit is 100 bytes"):
        neighbourhoods_import(features_source=stream, name_property="name")


def test_missing_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read the file"):
        run(tmp_path / "nope.geojson")


def test_every_problem_is_reported_at_once(write: Callable[[Any], Path]) -> None:
    path = write(
        collection(
            feature("Suba", {"type": "Point", "coordinates": [0, 0]}),
            feature(None),
            feature("Usme", BOWTIE),
        )
    )

    with pytest.raises(ImportRejected) as excinfo:
        neighbourhoods_import(features_source=path, name_property="name")

    assert [(p.index, p.name) for p in excinfo.value.problems] == [
        (0, "Suba"),
        (1, None),
        (2, "Usme"),
    ]
    assert "3 problem(s), nothing imported" in str(excinfo.value)


def test_service_reports_progress_and_counts(write: Callable[[Any], Path]) -> None:
    calls: list[tuple[str, int, int]] = []
    path = write(collection(feature("Suba"), feature("Usme", square(-73.9, 4.6))))

    result = neighbourhoods_import(
        features_source=path, name_property="name", progress=lambda *a: calls.append(a)
    )

    assert (result.created, result.updated, result.total) == (2, 0, 2)
    assert calls == [
        ("validating", 1, 2),
        ("validating", 2, 2),
        ("writing", 1, 2),
        ("writing", 2, 2),
    ]


# --- repairs of tiny defects (official files) -------------------------------------------

# A square whose ring dips down and touches its own top edge at one point (the ring
# passes through (-73.98, 4.64) twice): GEOS says "Ring Self-intersection"; make_valid
# turns the notch into a hole with the same area. What city portals publish.
D = 0.01
RING_TOUCH = {
    "type": "Polygon",
    "coordinates": [
        [
            [-74.0, 4.6],
            [-74.0 + 4 * D, 4.6],
            [-74.0 + 4 * D, 4.6 + 4 * D],
            [-74.0 + 2 * D, 4.6 + 4 * D],
            [-74.0 + 3 * D, 4.6 + 2 * D],
            [-74.0 + 1 * D, 4.6 + 2 * D],
            [-74.0 + 2 * D, 4.6 + 4 * D],
            [-74.0, 4.6 + 4 * D],
            [-74.0, 4.6],
        ]
    ],
}


def test_a_one_point_ring_touch_is_repaired_and_reported_a_bow_tie_is_refused(
    write: Callable[[Any], Path],
) -> None:
    from shapely.geometry import shape

    with pytest.raises(CommandError) as refused:
        run(write(collection(feature("Suba", RING_TOUCH), feature("Usme", BOWTIE))))
    message = str(refused.value)
    assert 'features[1] ("Usme"): invalid geometry: Self-intersection' in message
    assert "not repaired automatically: the repair changes its area from 0" in message
    assert "Suba" not in message  # the small defect alone is not a problem
    assert not Neighbourhood.objects.exists()  # all or nothing

    output = run(write(collection(feature("Suba", RING_TOUCH), feature("Chapinero"))))
    assert 'Repaired features[0] ("Suba"): repaired Ring Self-intersection' in output
    assert "parts per million" in output
    assert "Chapinero" not in output.split("Imported")[0]  # only repaired ones are named
    assert "Imported 2 neighbourhoods" in output
    suba = Neighbourhood.objects.get(name="Suba")
    stored = shape(suba.boundary)
    assert stored.is_valid
    assert stored.area == pytest.approx(0.0014, rel=1e-9)  # the notch became a hole
    assert suba.boundary["type"] in ("Polygon", "MultiPolygon")


def test_strict_refuses_every_repair(write: Callable[[Any], Path]) -> None:
    with pytest.raises(CommandError, match=r"Ring Self-intersection.*--strict: no repairs"):
        run(write(collection(feature("Suba", RING_TOUCH))), "--strict")
    assert not Neighbourhood.objects.exists()


def test_the_service_lists_repaired_features_by_name(write: Callable[[Any], Path]) -> None:
    result = neighbourhoods_import(
        features_source=write(collection(feature("Suba", RING_TOUCH))), name_property="name"
    )
    (repaired,) = result.repaired
    assert (repaired.index, repaired.name) == (0, "Suba")
    assert repaired.area_change < 1e-6
