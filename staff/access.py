"""The gate of every staff page: a named permission, checked server-side.

Never ``is_staff`` alone: a staff account holds only what its role grants
(``participation.roles``). Anonymous visitors are sent to the staff sign-in; a signed-in
account without the permission gets 403, never data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


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
