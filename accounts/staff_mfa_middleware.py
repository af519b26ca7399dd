"""A staff session that has not passed the second factor it needs is not signed in.

After django-otp's middleware (which knows whether this session verified a device):
every page, the admin, the staff pages and the simulator alike see such a session as
anonymous, so no page can forget the check. The rule is ``staff_session_verified``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from accounts.staff_mfa import staff_session_verified


class StaffMfaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not staff_session_verified(user):
            request.user = AnonymousUser()
        return self.get_response(request)
