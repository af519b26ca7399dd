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

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

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
