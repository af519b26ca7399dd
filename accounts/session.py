"""The signed-in resident, kept in the session by id.

Residents are not Django users (no passwords): after a verified SMS code or a printed
voter code the session holds the resident's id. Every view reads it through
``resident_from_request``; views that need a resident use ``resident_required``, which
sends anonymous visitors to the sign-in page with ``next`` set.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from participation.models import Resident

SESSION_RESIDENT = "resident_id"
SESSION_PENDING_PHONE = "sign_in_phone"
SESSION_NEXT = "sign_in_next"
# Everything a sign-out must forget on a shared computer.
RESIDENT_KEYS = (SESSION_RESIDENT, SESSION_PENDING_PHONE, SESSION_NEXT)

_CACHE_ATTR = "_justcity_resident"


def resident_from_request(request: HttpRequest) -> Resident | None:
    """The signed-in resident, or None. One query per request at most."""
    if hasattr(request, _CACHE_ATTR):
        cached: Resident | None = getattr(request, _CACHE_ATTR)
        return cached
    resident: Resident | None = None
    resident_id = resident_id_from_session(request)
    if resident_id is not None:
        resident = Resident.objects.select_related("neighbourhood").filter(pk=resident_id).first()
    setattr(request, _CACHE_ATTR, resident)
    return resident


def resident_id_from_session(request: HttpRequest) -> int | None:
    """The signed-in resident's id as the session holds it, without reading the
    resident: for a view whose service reads the resident itself (``ballot_cast`` reads
    them under its lock), then hands them to ``resident_request_set``. The resident may
    be gone meanwhile; the service says so."""
    session = getattr(request, "session", None)
    resident_id = session.get(SESSION_RESIDENT) if session is not None else None
    return resident_id if isinstance(resident_id, int) else None


def resident_request_set(request: HttpRequest, resident: Resident) -> None:
    """``resident`` (read by a service, for the session's resident id) is this request's
    signed-in resident: ``resident_from_request`` returns it without a query."""
    if resident.pk != resident_id_from_session(request):
        raise ValueError("not the session's resident")
    setattr(request, _CACHE_ATTR, resident)


def resident_sign_in(request: HttpRequest, resident: Resident) -> None:
    # A new session key on sign-in: a key planted before sign-in (session fixation)
    # must not become a signed-in session.
    request.session.cycle_key()
    request.session[SESSION_RESIDENT] = resident.pk
    request.session.pop(SESSION_PENDING_PHONE, None)
    setattr(request, _CACHE_ATTR, resident)


def resident_sign_out(request: HttpRequest) -> None:
    # Forget only the resident: a staff member's admin login in the same browser stays.
    for key in RESIDENT_KEYS:
        request.session.pop(key, None)
    request.session.cycle_key()
    setattr(request, _CACHE_ATTR, None)


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    """``candidate`` if it is a local URL, else ``default``: never an open redirect."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def sign_in_url(next_url: str) -> str:
    return f"{reverse('frontend:sign-in')}?{urlencode({'next': next_url})}"


def resident_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to sign-in and come back here afterwards."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if resident_from_request(request) is None:
            return sign_in_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper


def resident_session_required(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """``resident_required`` for a view that reads the resident itself: only checks that
    the session holds a resident id (no query). The view sends the visitor to sign-in
    (``sign_in_redirect``) when the resident turns out to be gone."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if resident_id_from_session(request) is None:
            return sign_in_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper


def sign_in_redirect(request: HttpRequest) -> HttpResponse:
    """To sign-in, and back here afterwards."""
    return HttpResponseRedirect(sign_in_url(request.get_full_path()))


def client_ip(request: HttpRequest) -> str:
    """The address rate limits count. REMOTE_ADDR only: X-Forwarded-For is whatever the
    client says unless a trusted proxy set it, and the ASGI server (daphne
    ``--proxy-headers``) is where that trust belongs, not here."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def staff_sign_in_ip(request: HttpRequest) -> str | None:
    """``client_ip`` for the staff sign-in throttle (django-axes), which stores it in an
    IP address column: None when there is no valid address (a request made in-process,
    a Unix socket), never a made-up one."""
    raw = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def language_cookie(response: HttpResponse, language: str) -> None:
    """Make ``language`` the browser's language, as Django's set_language view does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
