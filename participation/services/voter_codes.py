"""Printed voter codes: residents without a phone take part with a code on a letter.
Only keyed hashes of the codes are stored; the codes are shown once, for printing.

``voter_codes_issue`` is the one way codes are made: ``manage.py voter_codes_issue`` and
the staff page both call it."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.models import Channel, Process
from maps.models import Neighbourhood
from participation.errors import ParticipationError
from participation.identity import voter_code_hash
from participation.models import ParticipationKind, Resident
from participation.services.audit_trail import audit_trail_write
from participation.services.participation_record import (
    participation_record_many,
    processes_live_ids,
)
from participation.services.residents import LANGUAGES
from participation.staff_permissions import staff_require

logger = logging.getLogger(__name__)

VOTER_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_CODES = 100_000


def voter_code_display(code: str) -> str:
    """A 12-character code as printed: three groups of four."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def voter_codes_issue(
    *,
    count: int,
    process: Process | None = None,
    neighbourhood: Neighbourhood | None = None,
    language: str = "en",
    actor: Any = None,
) -> list[str]:
    """Create ``count`` residents identified by fresh printed voter codes and return the
    codes, formatted for printing (shown once; only their keyed hashes are stored).

    - ``process``: the vote the letters are for; paper entry accepts a code only in its
      process. ``neighbourhood``: the holder's, so they vote in that neighbourhood's pot.
    - ``actor``: the staff user (needs ``participation.issue_voter_codes``), or None for
      the command line. The batch is audited (how many, for what, never the codes).
    - Nothing secret is logged.
    """
    staff_require(actor, "participation.issue_voter_codes")
    if not 1 <= count <= MAX_CODES:
        raise ParticipationError("bad_count", _("Issue between 1 and 100,000 codes at once."))
    if language not in LANGUAGES:
        raise ParticipationError(
            "unknown_language",
            _("Language not available. Choose one of: %(codes)s")
            % {"codes": ", ".join(sorted(LANGUAGES))},
        )
    has_pot = process is None or neighbourhood is None
    if not has_pot and process is not None:
        has_pot = process.pots.filter(neighbourhood=neighbourhood).exists()
    if not has_pot:
        raise ParticipationError(
            "no_neighbourhood_pot", _("This process has no budget for that neighbourhood.")
        )
    codes = ["".join(secrets.choice(VOTER_CODE_ALPHABET) for _ in range(12)) for _ in range(count)]
    with transaction.atomic():
        created = Resident.objects.bulk_create(
            (
                Resident(
                    voter_code_hash=voter_code_hash(code),
                    voter_code_process=process,
                    neighbourhood=neighbourhood,
                    language=language,
                    first_channel=Channel.PAPER,
                )
                for code in codes
            ),
            batch_size=2000,
        )
        # A letter in hand is outreach: its holder was reached (on paper).
        participation_record_many(
            process_ids=[process.pk] if process is not None else processes_live_ids(),
            resident_ids=_created_ids(created),
            kind=ParticipationKind.REACHED,
            channel=Channel.PAPER,
        )
        audit_trail_write(
            actor=actor,
            action="voter_codes.issue",
            object_type="process",
            object_id=process.pk if process else "",
            data={
                "count": count,
                "neighbourhood": neighbourhood.pk if neighbourhood else None,
                "language": language,
            },
        )
    logger.info(
        "issued %d voter codes (process %s, neighbourhood %s)",
        count,
        process.pk if process else "-",
        neighbourhood.pk if neighbourhood else "-",
    )
    return [voter_code_display(c) for c in codes]


def _created_ids(created: list[Resident]) -> list[int]:
    """Ids of the residents just created. PostgreSQL returns them from the insert;
    SQLite does too; a backend that does not is read back by voter-code hash."""
    ids = [r.pk for r in created if r.pk is not None]
    if len(ids) == len(created):
        return ids
    hashes = [r.voter_code_hash for r in created]
    return list(Resident.objects.filter(voter_code_hash__in=hashes).values_list("pk", flat=True))
