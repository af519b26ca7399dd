"""The site's own "not found" and "gone" pages, rendered by views that know the answer
(a rejected or hidden idea), so a visitor sees them in the site's layout in every
configuration, DEBUG included, never Django's technical page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def not_found_page(request: HttpRequest) -> HttpResponse:
    return render(request, "404.html", status=404)


def gone_page(request: HttpRequest) -> HttpResponse:
    return render(request, "410.html", status=410)
