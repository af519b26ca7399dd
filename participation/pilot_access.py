"""Fetch-and-authorise for pilots: which pilots a staff account may see, and which pilot
an API token belongs to. The staff pages, the services and the API all ask here, so a
pilot reporter sees only their own pilot everywhere alike."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from core.keyed_hash import keyed_hash
from participation.models import Pilot

# Holders of this permission (the admin role) see every pilot; a pilot reporter only the
# pilots they are a reporter of.
ALL_PILOTS_PERMISSION = "participation.change_pilot"
REPORT_PERMISSION = "participation.report_pilot"


def pilot_token_hash(token: str) -> str:
    """The keyed hash stored for a pilot's API token (the token itself is never kept)."""
    return keyed_hash("PHONE_KEY", f"pilot-token:{token}")


def pilot_for_token(token: str) -> Pilot | None:
    """The active pilot whose current token is ``token``, else None. A rotated token
    matches nothing: only the newest hash is stored."""
    if not token or len(token) > 200:
        return None
    return Pilot.objects.filter(token_hash=pilot_token_hash(token), active=True).first()


def pilots_for_reporter(user: Any) -> QuerySet[Pilot]:
    """Pilots ``user`` may see and manage: all for the admin role, their own for a
    pilot reporter, none for anyone else."""
    if not getattr(user, "is_active", False) or not user.has_perm(REPORT_PERMISSION):
        return Pilot.objects.none()
    if user.has_perm(ALL_PILOTS_PERMISSION):
        return Pilot.objects.all()
    return Pilot.objects.filter(reporters=user)


def pilot_for_reporter(user: Any, slug: str) -> Pilot:
    """The pilot ``slug`` if ``user`` may manage it. Raises PermissionDenied otherwise,
    whether it exists or not (another team's pilot is not confirmed to exist)."""
    pilot = pilots_for_reporter(user).filter(slug=slug).first()
    if pilot is None:
        raise PermissionDenied("not your pilot")
    return pilot


def pilot_require_reporter(actor: Any, pilot: Pilot) -> None:
    """Raise PermissionDenied unless ``actor`` (None: the command line) may manage
    ``pilot``."""
    if actor is None:
        return
    if not pilots_for_reporter(actor).filter(pk=pilot.pk).exists():
        raise PermissionDenied("not your pilot")
