from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {"SITE_NAME": "Just City", "MAP_TILES_URL": settings.MAP_TILES_URL}
