"""Reads of the participation app shared by every channel."""

from __future__ import annotations

from participation.identity import voter_code_hash
from participation.models import Resident


def resident_for_voter_code(*, code: str) -> Resident | None:
    """The resident a printed voter code was issued to, or None for an unknown code."""
    if not (code or "").strip():
        return None
    return Resident.objects.filter(voter_code_hash=voter_code_hash(code)).first()
