"""Named permissions of staff actions, checked by the service that performs each
action (so a staff page, the admin and a command get the same answer).

``actor`` None is the command line: whoever runs ``manage.py`` on the server already
holds the database, so refusing them protects nothing; their acts are still audited.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied


def staff_require(actor: Any, permission: str) -> None:
    """Raise PermissionDenied unless ``actor`` (a user, or None for the command line)
    holds ``permission`` ("app_label.codename")."""
    if actor is None:
        return
    if not getattr(actor, "is_active", False) or not actor.has_perm(permission):
        raise PermissionDenied(f"{permission} is needed")
