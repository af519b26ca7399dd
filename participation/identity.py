"""Resident identity: phone numbers and voter codes become keyed hashes.

A phone number is normalised to E.164 with ``phonenumbers`` and hashed with HMAC-SHA256
under ``PHONE_KEY``; the same number typed on the web and seen by the SMS gateway gives
the same hash, hence the same resident. Voter codes are hashed the same way (after
removing spaces and dashes, upper-cased) so a database dump reveals neither. So is an
identity a poll worker checked for a resident with neither phone nor letter.
"""

from __future__ import annotations

import unicodedata

import phonenumbers
from django.conf import settings

from core.keyed_hash import keyed_hash


class InvalidPhoneNumber(ValueError):
    pass


def phone_normalise(raw: str, *, region: str | None = None) -> str:
    """Return the E.164 form of ``raw`` or raise InvalidPhoneNumber with a reason."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhoneNumber("Enter a phone number.")
    if len(text) > 32:
        raise InvalidPhoneNumber("That is too long to be a phone number.")
    try:
        number = phonenumbers.parse(text, region or settings.SMS_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber("That does not look like a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber("That phone number is not valid.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_is_test(e164: str) -> bool:
    """Is this E.164 number in the reserved test range (``SMS_TEST_NUMBER_PREFIX``)?
    Its ballots never count (``Ballot.test``); the simulator on a real gateway texts
    only from it."""
    prefix = settings.SMS_TEST_NUMBER_PREFIX
    return bool(prefix) and bool(e164) and e164.startswith(prefix)


def phone_hash(e164: str) -> str:
    """Keyed hash of an already-normalised E.164 number."""
    return keyed_hash("PHONE_KEY", "phone:" + e164)


def voter_code_normalise(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def voter_code_hash(raw: str) -> str:
    return keyed_hash("PHONE_KEY", "code:" + voter_code_normalise(raw))


def _identity_text(raw: str) -> str:
    """What a poll worker typed, reduced to what identifies: case, accents, punctuation
    and spacing ignored (``José  Pérez`` = ``jose perez``; ``12, Main St.`` =
    ``12 main st``)."""
    text = unicodedata.normalize("NFKD", (raw or "").casefold())
    kept = "".join(ch if ch.isalnum() else " " for ch in text if not unicodedata.combining(ch))
    return " ".join(kept.split())


def checked_identity_hash(*, name: str = "", address: str = "", id_number: str = "") -> str:
    """Keyed hash of an identity a poll worker checked: an ID document number, or a name
    with an address. Its own purpose prefix (``identity:``), so it never equals a phone
    or voter-code digest. Raises ValueError when neither form is complete."""
    number = voter_code_normalise(id_number)
    if number:
        return keyed_hash("PHONE_KEY", "identity:id:" + number)
    person, place = _identity_text(name), _identity_text(address)
    if not person or not place:
        raise ValueError("a checked identity needs an ID number, or a name and an address")
    return keyed_hash("PHONE_KEY", f"identity:name-address:{person}\x1f{place}")
