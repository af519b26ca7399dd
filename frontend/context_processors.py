from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from accounts.session import resident_from_request


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_NAME": "Just City",
        "MAP_TILES_URL": settings.MAP_TILES_URL,
        # The signed-in resident (or None), for the header and the forms.
        "resident": resident_from_request(request),
    }
