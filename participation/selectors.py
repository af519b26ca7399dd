"""Reads of the participation app shared by every channel."""

from __future__ import annotations

from participation.identity import checked_identity_hash, voter_code_hash
from participation.models import Resident


def resident_for_voter_code(*, code: str) -> Resident | None:
    """The resident a printed voter code was issued to, or None for an unknown code."""
    if not (code or "").strip():
        return None
    return Resident.objects.filter(voter_code_hash=voter_code_hash(code)).first()


def resident_for_checked_identity_find(
    *, name: str = "", address: str = "", id_number: str = ""
) -> Resident | None:
    """The resident a poll worker's checked identity belongs to, or None (never
    creates one; ``resident_for_checked_identity`` does)."""
    try:
        digest = checked_identity_hash(name=name, address=address, id_number=id_number)
    except ValueError:
        return None
    return Resident.objects.filter(checked_identity_hash=digest).first()
