"""Which neighbourhood is a point in? Selectors over a cached shapely index.

The index (an ``STRtree`` of prepared boundaries) is built from every ``Neighbourhood``
on first use and kept per process. Before each lookup we compare a cheap version with the
one the index was built at:

* ``count`` and ``max(id)`` of neighbourhoods, one aggregate query: catches rows added or
  removed by *any* process (e.g. ``manage.py import_neighbourhoods`` while the web server
  runs);
* a per-process change counter bumped by ``invalidate()``, which ``MapsConfig.ready()``
  connects to ``post_save``/``post_delete`` of ``Neighbourhood`` (immediately and again on
  commit, so other threads do not keep an index built from pre-commit data): catches
  in-place edits made in this process;
* an age limit, ``INDEX_MAX_AGE_SECONDS``: the backstop for in-place boundary edits made
  by *another* process, which change neither count nor max id. Those reach this process
  within that many seconds. (Exact cross-process invalidation would need an
  ``updated_at`` column on ``Neighbourhood`` to add ``max(updated_at)`` to the version.)

Writes that bypass model signals (``QuerySet.update``, ``bulk_update``, raw SQL) must
call ``invalidate()`` themselves.

Edges: a point on a boundary counts as inside (``covers``, not ``contains``). When
several boundaries cover a point (a vertex or edge shared by neighbours, or the slivers
where real-world boundaries overlap), the neighbourhood with the lowest id wins, so the
answer does not depend on index order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import shapely
from django.db.models import Count, Max

from maps.geometry import BoundaryError, boundary_shape, lat_lng_check
from maps.models import Neighbourhood

logger = logging.getLogger(__name__)

INDEX_MAX_AGE_SECONDS = 300.0

_Version = tuple[int, int, int]


@dataclass(frozen=True)
class _Index:
    version: _Version
    built_at: float
    ids: tuple[int, ...]  # ascending; ids[i] owns tree.geometries[i]
    tree: shapely.STRtree | None  # of prepared boundaries; None when there are none


_lock = threading.Lock()
_index: _Index | None = None
_changes = 0


def invalidate() -> None:
    """Make the next lookup in this process rebuild the index. Cheap; safe from any
    thread; call it after writes that bypass model signals."""
    global _changes
    with _lock:
        _changes += 1


def neighbourhoods_at(points: Iterable[tuple[float, float]]) -> list[int | None]:
    """For each ``(lat, lng)`` point (note the order: not GeoJSON's lng, lat), the id of
    the neighbourhood covering it, or ``None``. One query for the index version (plus a
    rebuild when stale), however many points.

    Raises ``ValueError`` naming the first point that is not a finite WGS84 position.
    """
    pairs = list(points)
    for i, (lat, lng) in enumerate(pairs):
        try:
            lat_lng_check(lat, lng)
        except ValueError as exc:
            raise ValueError(f"points[{i}]: {exc}") from None
    return _locate(pairs)


def neighbourhood_at(lat: float, lng: float) -> Neighbourhood | None:
    """The neighbourhood covering ``(lat, lng)``, or ``None`` if none does. On a shared
    edge or overlap: the lowest id (see the module docstring). Raises ``ValueError`` for
    a position that is not finite or outside WGS84."""
    lat_lng_check(lat, lng)
    [found] = _locate([(lat, lng)])
    if found is None:
        return None
    # None if deleted since the index was built: no neighbourhood is the honest answer.
    return Neighbourhood.objects.filter(pk=found).first()


def _locate(pairs: Sequence[tuple[float, float]]) -> list[int | None]:
    index = _current_index()
    if not pairs or index.tree is None:
        return [None] * len(pairs)
    points = shapely.points([lng for _, lng in pairs], [lat for lat, _ in pairs])
    # Bounding-box candidates from the tree, then the exact test on the prepared
    # boundaries (shapely.covers uses the preparation of its first argument).
    point_idx, tree_idx = index.tree.query(points)
    covered = shapely.covers(index.tree.geometries[tree_idx], points[point_idx])
    best: list[int | None] = [None] * len(pairs)
    for p, t in zip(point_idx[covered].tolist(), tree_idx[covered].tolist(), strict=True):
        # Tree positions follow ascending ids, so the lowest position is the lowest id.
        current = best[p]
        if current is None or t < current:
            best[p] = t
    return [None if t is None else index.ids[t] for t in best]


def _current_index() -> _Index:
    global _index
    with _lock:
        # Read the counter before the rows: a change committed while we build bumps it
        # again, so this index is stale at the next call rather than kept forever.
        changes = _changes
    totals = Neighbourhood.objects.aggregate(count=Count("id"), top=Max("id"))
    version: _Version = (totals["count"], totals["top"] or 0, changes)
    index = _index
    if (
        index is not None
        and index.version == version
        and time.monotonic() - index.built_at < INDEX_MAX_AGE_SECONDS
    ):
        return index
    index = _build(version)
    _index = index  # a plain assignment; a racing thread may build too, which is harmless
    return index


def _build(version: _Version) -> _Index:
    ids: list[int] = []
    shapes = []
    for pk, boundary in Neighbourhood.objects.order_by("pk").values_list("pk", "boundary"):
        try:
            shape = boundary_shape(boundary)
        except BoundaryError as exc:
            # Rows written around the import service (admin, shell) may hold a bad
            # boundary; skip it rather than fail every lookup in the city.
            logger.warning("Neighbourhood %s is not located: %s", pk, exc)
            continue
        ids.append(pk)
        shapes.append(shape)
    tree = shapely.STRtree(shapes) if shapes else None
    if tree is not None:
        # In place: the tree holds these same objects, and covers() then runs prepared.
        shapely.prepare(tree.geometries)
    return _Index(version=version, built_at=time.monotonic(), ids=tuple(ids), tree=tree)
