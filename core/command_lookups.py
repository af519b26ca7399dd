"""What management commands look up by name from their arguments, with the error a
command prints when it is not there."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from core.models import Process


def process_from_arg(slug: str) -> Process:
    process = Process.objects.filter(slug=slug).first()
    if process is None:
        raise CommandError(f"no process {slug!r}")
    return process


def staff_from_arg(username: str | None) -> Any:
    """The staff user a command acts as (``--user``), or None: the command line."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"no user {username!r}")
    return user
