"""Database unavailable → 503 with ``Retry-After`` on every page, API and webhook.

Two hooks, because Django turns an exception into a response in two places:

- ``DatabaseUnavailableMiddleware.process_exception`` answers for errors raised by a
  view (pages, the REST API, the Twilio webhook);
- ``server_error`` (the root URLconf's ``handler500``) answers for errors raised by a
  middleware around the view (the session read or save, say), which never reach
  ``process_exception``.

The answer needs no database: plain text for the SMS webhook (Twilio then calls the
fallback URL), JSON for the API, a short page otherwise. Any other error is still a
500 through Django's own handler.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views import defaults

from core.db_outage import database_unavailable

logger = logging.getLogger(__name__)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 for ``request`` while the database is unavailable."""
    message = _("The service is busy or briefly unavailable. Please try again in a minute.")
    path = request.path
    if path.startswith("/api/"):
        response = HttpResponse(
            json.dumps({"detail": message, "code": "unavailable"}),
            content_type="application/json",
            status=503,
        )
    elif path.startswith("/sms/"):
        response = HttpResponse(message, content_type="text/plain; charset=utf-8", status=503)
    else:
        page = format_html(
            '<!doctype html><html lang="{}"><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>{}</title><h1>{}</h1><p>{}</p></html>",
            request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "en",
            _("Try again in a minute"),
            _("Try again in a minute"),
            message,
        )
        response = HttpResponse(page, content_type="text/html; charset=utf-8", status=503)
    response["Retry-After"] = str(settings.RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_unavailable(exception):
            return None
        logger.warning(
            "database unavailable (%s): 503 for %s", type(exception).__name__, request.path
        )
        return unavailable_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a 503 when the error being handled is a database outage."""
    exc = sys.exc_info()[1]
    if exc is not None and database_unavailable(exc):
        return unavailable_response(request)
    return defaults.server_error(request)
