from __future__ import annotations

from typing import Any

from maps.models import Neighbourhood


def neighbourhoods_feature_collection() -> dict[str, Any]:
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
        for n in Neighbourhood.objects.order_by("name")
    ]
    return {"type": "FeatureCollection", "features": features}
