"""Printed voter codes: residents without a phone take part with a code on a letter.
Only keyed hashes of the codes are stored; the codes are shown once, for printing."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.models import Channel
from maps.models import Neighbourhood
from participation.errors import ParticipationError
from participation.identity import voter_code_hash
from participation.models import Resident

VOTER_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def voter_codes_issue(
    *, count: int, neighbourhood: Neighbourhood | None = None, language: str = "en"
) -> list[str]:
    """Create ``count`` residents identified by fresh printed voter codes and return the
    codes (shown once, for printing; only their keyed hashes are stored)."""
    if not 1 <= count <= 100_000:
        raise ParticipationError("bad_count", _("Issue between 1 and 100,000 codes at once."))
    codes = ["".join(secrets.choice(VOTER_CODE_ALPHABET) for _ in range(12)) for _ in range(count)]
    with transaction.atomic():
        Resident.objects.bulk_create(
            Resident(
                voter_code_hash=voter_code_hash(code),
                neighbourhood=neighbourhood,
                language=language,
                first_channel=Channel.PAPER,
            )
            for code in codes
        )
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]
