"""One keyed hash for identities and pseudonyms: HMAC-SHA256 under a named secret,
with no fallback to another key."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from budgets.pseudonyms import ballot_pseudonym
from core.keyed_hash import keyed_hash
from participation.identity import phone_hash, voter_code_hash


def _hmac(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def test_digests_are_hmac_sha256_under_the_named_key(settings: Any) -> None:
    settings.PHONE_KEY = "p" * 60
    settings.BALLOT_KEY = "b" * 60
    # The formats stored in existing databases: changing them would orphan every row.
    assert phone_hash("+14155550123") == _hmac("p" * 60, "phone:+14155550123")
    assert voter_code_hash("ab12-cd34") == _hmac("p" * 60, "code:AB12CD34")
    assert ballot_pseudonym(resident_id=7, pot_id=3) == _hmac("b" * 60, "ballot:3:7")


def test_the_two_secrets_are_not_interchangeable(settings: Any) -> None:
    settings.PHONE_KEY = "p" * 60
    settings.BALLOT_KEY = "b" * 60
    assert keyed_hash("PHONE_KEY", "x") != keyed_hash("BALLOT_KEY", "x")


def test_an_empty_key_is_refused_not_replaced(settings: Any) -> None:
    settings.PHONE_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="PHONE_KEY"):
        phone_hash("+14155550123")
