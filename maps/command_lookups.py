"""What management commands look up in maps by name from their arguments."""

from __future__ import annotations

from django.core.management.base import CommandError

from maps.models import Neighbourhood


def neighbourhood_from_arg(slug: str | None) -> Neighbourhood | None:
    """A command's ``--neighbourhood`` slug: None when not given, CommandError when
    there is no such neighbourhood."""
    if not slug:
        return None
    neighbourhood = Neighbourhood.objects.filter(slug=slug).first()
    if neighbourhood is None:
        raise CommandError(f"no neighbourhood {slug!r}")
    return neighbourhood
