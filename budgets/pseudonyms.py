"""Ballot pseudonyms: the only link between a ballot and a resident.

HMAC-SHA256 under ``BALLOT_KEY`` (a secret separate from PHONE_KEY and SECRET_KEY) of
the resident's id and the pot. Per-pot pseudonyms mean two pots' ballots cannot be
joined to each other either. Without BALLOT_KEY the ballot table cannot be joined to
residents.
"""

from __future__ import annotations

from core.keyed_hash import keyed_hash


def ballot_pseudonym(*, resident_id: int, pot_id: int) -> str:
    return keyed_hash("BALLOT_KEY", f"ballot:{pot_id}:{resident_id}")


def imported_pseudonym(*, process_id: int, voter_id: str) -> str:
    """Pseudonym of a voter in an imported Pabulib file: the file's voter id is already
    anonymous, but hashing it keeps one format for every ballot row."""
    return keyed_hash("BALLOT_KEY", f"import:{process_id}:{voter_id}")
