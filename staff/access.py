"""The gate of every staff page: a named permission, checked server-side.

Never ``is_staff`` alone: a staff account holds only what its role grants
(``participation.roles``). Anonymous visitors are sent to the staff sign-in; a signed-in
account without the permission gets 403, never data. A staff session without the
second factor it needs is already anonymous here (``accounts.staff_mfa_middleware``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from core.models import Process
from participation.roles import ROLE_PERMISSIONS

View = Callable[..., HttpResponse]

# Holding any one of these makes an account staff in the sense of the staff pages.
STAFF_PERMISSIONS: frozenset[str] = frozenset(
    perm for perms in ROLE_PERMISSIONS.values() for perm in perms
)
# What ``staff_role_required`` records as a view's permission (for the URL walk test).
ANY_ROLE = "any staff role"


def user_holds_a_role(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or STAFF_PERMISSIONS & user.get_all_permissions())
    )


def staff_permission_required(*permissions: str) -> Callable[[View], View]:
    """Allow the view only to an active account holding every one of ``permissions``
    ("app_label.codename")."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.is_active or not user.has_perms(permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.staff_permissions = permissions  # type: ignore[attr-defined]
        return wrapped

    return decorate


def staff_role_required(view: View) -> View:
    """Allow the view to an active account holding at least one staff permission (the
    staff home, enrolling an authenticator): a staff account with no role gets 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_holds_a_role(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.staff_permissions = (ANY_ROLE,)  # type: ignore[attr-defined]
    return wrapped


# --- kiosks ---------------------------------------------------------------------------

# A kiosk browser holds no staff login: opening it signs the poll worker out, and the
# session then holds only this grant (which process, on whose authority, since when).
# Every kiosk request re-checks that the poll worker still holds the permission.
KIOSK_GRANT = "staff_kiosk"
KIOSK_HOURS = 16  # one polling day; then a poll worker opens it again


def kiosk_permission_required(permission: str) -> Callable[[View], View]:
    """Allow the view only in a kiosk session opened by an active account that still
    holds ``permission``; the view gets ``request.kiosk_process`` and
    ``request.kiosk_opener``. Anything else is a 403 and the grant is dropped."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            grant = request.session.get(KIOSK_GRANT)
            if not isinstance(grant, dict):
                raise PermissionDenied
            by, process_id = grant.get("by"), grant.get("process")
            if not isinstance(by, int) or not isinstance(process_id, int):
                raise PermissionDenied
            opener = get_user_model().objects.filter(pk=by, is_active=True).first()
            process = Process.objects.filter(pk=process_id).first()
            opened = grant.get("at", 0)
            fresh = isinstance(opened, int | float) and (
                timezone.now().timestamp() - opened < KIOSK_HOURS * 3600
            )
            if opener is None or process is None or not fresh or not opener.has_perm(permission):
                request.session.flush()
                raise PermissionDenied
            request.kiosk_process = process  # type: ignore[attr-defined]
            request.kiosk_opener = opener  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        wrapped.staff_permissions = (permission,)  # type: ignore[attr-defined]
        return wrapped

    return decorate
