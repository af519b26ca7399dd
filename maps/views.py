from __future__ import annotations

from typing import TypedDict

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from maps.locate import neighbourhood_at
from maps.selectors import neighbourhoods_feature_collection


class LocatedNeighbourhood(TypedDict):
    id: int
    name: str
    slug: str


@require_GET
def neighbourhoods_geojson(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(neighbourhoods_feature_collection())
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def locate(request: HttpRequest) -> JsonResponse:
    """``GET /maps/locate?lat=4.5981&lng=-74.0760``: 200 with ``{id, name, slug}`` of the
    covering neighbourhood, 404 when none covers the point, 400 with ``{"error": ...}``
    when lat/lng are missing, not numbers, or outside WGS84."""
    raw = {key: request.GET.get(key, "").strip() for key in ("lat", "lng")}
    missing = [key for key, value in raw.items() if not value]
    if missing:
        return _error(
            f"missing {' and '.join(missing)}: "
            "pass decimal degrees, e.g. /maps/locate?lat=4.5981&lng=-74.0760",
            status=400,
        )
    coords: dict[str, float] = {}
    for key, value in raw.items():
        try:
            coords[key] = float(value)
        except ValueError:
            return _error(f"{key} must be a number in decimal degrees, got {value[:40]!r}", 400)
    try:
        found = neighbourhood_at(coords["lat"], coords["lng"])
    except ValueError as exc:  # not finite / outside WGS84: the message names the field
        return _error(str(exc), status=400)
    if found is None:
        return _error(
            f"no neighbourhood covers lat={coords['lat']:g}, lng={coords['lng']:g}", status=404
        )
    body: LocatedNeighbourhood = {"id": found.pk, "name": found.name, "slug": found.slug}
    return JsonResponse(body)


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)
