from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from maps.selectors import neighbourhoods_feature_collection


@require_GET
def neighbourhoods_geojson(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(neighbourhoods_feature_collection())
    response["Cache-Control"] = "public, max-age=300"
    return response
