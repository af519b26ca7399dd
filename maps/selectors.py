from __future__ import annotations

from collections.abc import Collection
from typing import Any

from maps.models import Neighbourhood


def neighbourhoods_feature_collection(ids: Collection[int] | None = None) -> dict[str, Any]:
    """Boundaries as GeoJSON: every neighbourhood, or only ``ids`` (the ones a process
    covers; an empty collection gives no features, so no district layer is drawn)."""
    neighbourhoods = Neighbourhood.objects.order_by("name")
    if ids is not None:
        neighbourhoods = neighbourhoods.filter(pk__in=list(ids))
    features = [
        {
            "type": "Feature",
            "id": n.pk,
            "geometry": n.boundary,
            "properties": {
                "id": n.pk,
                "name": n.name,
                "slug": n.slug,
                "population": n.population,
                "need_index": float(n.need_index),
            },
        }
        for n in neighbourhoods
    ]
    return {"type": "FeatureCollection", "features": features}
