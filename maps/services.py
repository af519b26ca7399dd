"""Writes for the maps app."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils.text import slugify

from maps.geometry import (
    BoundaryError,
    InvalidBoundary,
    boundary_centroid,
    boundary_repair,
    boundary_shape,
    feature_label,
)
from maps.models import Neighbourhood

# Checked before parsing: json.loads holds the whole document (several times its size)
# in memory, and a real city's boundaries are a few MB at most.
MAX_IMPORT_BYTES = 20 * 1024 * 1024

_NAME_MAX = Neighbourhood._meta.get_field("name").max_length or 200
_SLUG_MAX = Neighbourhood._meta.get_field("slug").max_length or 200
# PositiveIntegerField's ceiling on PostgreSQL (a signed 32-bit integer column).
_POPULATION_MAX = 2_147_483_647

# progress(stage, done, total): stage is "validating" or "writing".
ImportProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RepairedFeature:
    """A feature whose boundary was repaired on import (area change < 1 ppm)."""

    index: int
    name: str
    problem: str
    area_change: float

    def __str__(self) -> str:
        return (
            f"{feature_label(self.index, self.name)}: repaired {self.problem} "
            f"(area changed by {self.area_change * 1e6:.3g} parts per million)"
        )


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    repaired: tuple[RepairedFeature, ...] = ()

    @property
    def total(self) -> int:
        return self.created + self.updated


@dataclass(frozen=True)
class ImportProblem:
    """One reason a file was rejected. ``index`` is the 0-based position in ``features``
    (``None`` for file-level problems such as invalid JSON)."""

    message: str
    index: int | None = None
    name: str | None = None

    def __str__(self) -> str:
        if self.index is None and not self.name:
            return self.message
        return f"{feature_label(self.index, self.name)}: {self.message}"


class ImportRejected(ValueError):
    """The file was not imported at all; ``problems`` lists every reason found."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__(
            f"{len(problems)} problem(s), nothing imported:\n"
            + "\n".join(f"  {p}" for p in problems)
        )


@dataclass(frozen=True)
class _Row:
    name: str
    boundary: dict[str, Any]
    centroid: tuple[float, float]
    population: int | None
    repaired: RepairedFeature | None = None


def neighbourhoods_import(
    *,
    features_source: str | os.PathLike[str] | IO[bytes],
    name_property: str,
    population_property: str | None = None,
    progress: ImportProgress | None = None,
    strict: bool = False,
) -> ImportResult:
    """Create or update one ``Neighbourhood`` per feature of a GeoJSON FeatureCollection.

    ``features_source`` is a path or a binary file object holding UTF-8 GeoJSON.
    All or nothing: the whole file is validated first and every problem found is raised
    together as ``ImportRejected``; only a clean file is written, in one transaction.

    Matching is by name (the ``name_property`` value, stripped of surrounding whitespace):
    an existing neighbourhood keeps its id, slug, demographics and need index and gets the
    new boundary and centroid (and population, only when ``population_property`` is
    given); a new one gets a unique slug from ``slugify(name)``. Re-importing the same
    file is therefore idempotent. Names must be unique within the file, ignoring case.

    An invalid boundary is repaired (``maps.geometry.boundary_repair``: ``make_valid``,
    polygonal parts kept) when that changes its area by less than one part in a million,
    and each repaired feature is listed in ``ImportResult.repaired``; a material repair
    (a bow-tie) is a problem like any other. ``strict`` refuses every repair.

    Rows are saved one by one (not bulk) so the ``post_save`` signal invalidates the
    point-in-polygon index of ``maps.locate``. Two concurrent imports that add the same
    new name fail on the unique constraint and roll back; nothing is half-written.
    """
    rows, problems = _parse(
        features_source, name_property, population_property, progress, strict=strict
    )
    if problems:
        raise ImportRejected(problems)

    created = updated = 0
    with transaction.atomic():
        existing = {
            n.name: n
            for n in Neighbourhood.objects.select_for_update().filter(
                name__in=[row.name for row in rows]
            )
        }
        taken_slugs = set(Neighbourhood.objects.values_list("slug", flat=True))
        for done, row in enumerate(rows, start=1):
            lat, lng = row.centroid
            neighbourhood = existing.get(row.name)
            if neighbourhood is None:
                Neighbourhood.objects.create(
                    name=row.name,
                    slug=_unique_slug(row.name, taken_slugs),
                    boundary=row.boundary,
                    population=row.population or 0,
                    centroid_lat=lat,
                    centroid_lng=lng,
                )
                created += 1
            else:
                neighbourhood.boundary = row.boundary
                neighbourhood.centroid_lat, neighbourhood.centroid_lng = lat, lng
                fields = ["boundary", "centroid_lat", "centroid_lng"]
                if row.population is not None:
                    neighbourhood.population = row.population
                    fields.append("population")
                neighbourhood.save(update_fields=fields)
                updated += 1
            if progress:
                progress("writing", done, len(rows))
    return ImportResult(
        created=created,
        updated=updated,
        repaired=tuple(row.repaired for row in rows if row.repaired is not None),
    )


def _read_limited(source: str | os.PathLike[str] | IO[bytes]) -> bytes:
    """Read at most MAX_IMPORT_BYTES + 1 bytes, so an oversized file is detected without
    loading it; raises ImportRejected when it is too large or unreadable."""
    limit = MAX_IMPORT_BYTES  # read at call time: tests lower it
    try:
        if isinstance(source, str | os.PathLike):
            size = os.stat(source).st_size
            if size > limit:
                raise ImportRejected([ImportProblem(_too_large(size, limit))])
            with open(source, "rb") as handle:
                data = handle.read(limit + 1)
        else:
            data = source.read(limit + 1)
    except OSError as exc:
        raise ImportRejected([ImportProblem(f"cannot read the file: {exc}")]) from None
    if len(data) > limit:
        # A file that grew after stat(), or a stream: we only know it is over the limit.
        raise ImportRejected([ImportProblem(_too_large(None, limit))])
    return data


def _too_large(size: int | None, limit: int) -> str:
    actual = f" ({size:,} bytes)" if size is not None else ""
    return f"file is too large{actual}; the limit is {limit:,} bytes (MAX_IMPORT_BYTES)"


def _load(source: str | os.PathLike[str] | IO[bytes]) -> Any:
    data = _read_limited(source)
    try:
        # utf-8-sig: tolerate the byte-order mark some Windows GIS tools write.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            [ImportProblem(f"file is not UTF-8 text (byte offset {exc.start}); GeoJSON is UTF-8")]
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            [ImportProblem(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")]
        ) from None
    except RecursionError:
        raise ImportRejected([ImportProblem("invalid JSON: nested too deeply")]) from None


def _parse(
    source: str | os.PathLike[str] | IO[bytes],
    name_property: str,
    population_property: str | None,
    progress: ImportProgress | None,
    *,
    strict: bool = False,
) -> tuple[list[_Row], list[ImportProblem]]:
    document = _load(source)
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        return [], [ImportProblem(f"expected a GeoJSON FeatureCollection, got {found!r}")]
    features = document.get("features")
    if not isinstance(features, list):
        return [], [ImportProblem("the FeatureCollection has no 'features' array")]
    if not features:
        return [], [ImportProblem("the FeatureCollection has no features")]

    rows: list[_Row] = []
    problems: list[ImportProblem] = []
    first_index_of: dict[str, int] = {}  # casefolded name -> index of its first feature
    for index, feature in enumerate(features):
        row = _parse_feature(
            feature, index, name_property, population_property, first_index_of, problems, strict
        )
        if row is not None:
            rows.append(row)
        if progress:
            progress("validating", index + 1, len(features))
    return rows, problems


def _parse_feature(
    feature: object,
    index: int,
    name_property: str,
    population_property: str | None,
    first_index_of: dict[str, int],
    problems: list[ImportProblem],
    strict: bool = False,
) -> _Row | None:
    """Validate one feature; append every problem found to ``problems`` (several per
    feature when independent, e.g. a missing name and a bad geometry)."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problems.append(ImportProblem("is not a GeoJSON Feature", index))
        return None
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        problems.append(ImportProblem("'properties' must be an object", index))
        return None

    found: list[ImportProblem] = []
    name = _name(properties, name_property, index, found)
    if name is not None:
        first = first_index_of.setdefault(name.casefold(), index)
        if first != index:
            found.append(
                ImportProblem(
                    f"duplicate name: features[{first}] has the same name "
                    "(names are compared ignoring case)",
                    index,
                    name,
                )
            )
    population = None
    if population_property is not None:
        population = _population(properties, population_property, index, name, found)
    shape = None
    repaired: RepairedFeature | None = None
    boundary: dict[str, Any] | None = None
    try:
        shape = boundary_shape(feature.get("geometry"), index=index, name=name)
    except InvalidBoundary as invalid:
        if strict:
            found.append(ImportProblem(f"{invalid.reason} [--strict: no repairs]", index, name))
        else:
            try:
                repair = boundary_repair(invalid)
            except BoundaryError as refused:
                found.append(ImportProblem(refused.reason, index, name))
            else:
                shape, boundary = repair.shape, repair.geometry
                repaired = RepairedFeature(index, name or "", repair.problem, repair.area_change)
    except BoundaryError as exc:
        found.append(ImportProblem(exc.reason, index, name))

    if found or name is None or shape is None:
        problems.extend(found)
        return None
    if boundary is None:
        geometry = feature["geometry"]
        # Only the members we understand; drop bbox and foreign members.
        boundary = {"type": geometry["type"], "coordinates": geometry["coordinates"]}
    return _Row(
        name=name,
        boundary=boundary,
        centroid=boundary_centroid(shape),
        population=population,
        repaired=repaired,
    )


def _name(
    properties: dict[str, Any], key: str, index: int, problems: list[ImportProblem]
) -> str | None:
    value = properties.get(key)
    if value is None:
        problems.append(ImportProblem(f"has no {key!r} property (the name property)", index))
        return None
    if not isinstance(value, str):
        problems.append(ImportProblem(f"name property {key!r} must be text, got {value!r}", index))
        return None
    # Real files carry stray whitespace ("Ciudad Bolivar\n" in Bogotá's open data).
    name = value.strip()
    if not name:
        problems.append(ImportProblem(f"name property {key!r} is blank", index))
        return None
    if len(name) > _NAME_MAX:
        problems.append(
            ImportProblem(f"name is longer than {_NAME_MAX} characters", index, name[:40] + "...")
        )
        return None
    return name


def _population(
    properties: dict[str, Any],
    key: str,
    index: int,
    name: str | None,
    problems: list[ImportProblem],
) -> int | None:
    value = properties.get(key)
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        # Spreadsheet exports write 12000 as 12000.0.
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if value is None:
        message = f"has no {key!r} property (the population property)"
    elif number is None:
        message = f"population {key!r} must be a whole number, got {value!r}"
    elif number < 0:
        message = f"population {key!r} must not be negative, got {number}"
    elif number > _POPULATION_MAX:
        message = f"population {key!r} is implausibly large: {number}"
    else:
        return number
    problems.append(ImportProblem(message, index, name))
    return None


def _unique_slug(name: str, taken: set[str]) -> str:
    """slugify(name), with -2, -3, ... appended when taken; adds the result to ``taken``."""
    base = slugify(name)[:_SLUG_MAX] or "neighbourhood"
    slug, n = base, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: _SLUG_MAX - len(suffix)] + suffix
    taken.add(slug)
    return slug
