"""Resident identity: phone numbers to E.164, voter codes normalised, both to keyed hashes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from participation.identity import (
    InvalidPhoneNumber,
    phone_hash,
    phone_normalise,
    voter_code_hash,
    voter_code_normalise,
)

PHONE = "+14155550123"


@pytest.mark.parametrize(
    "raw",
    ["(415) 555-0123", "415.555.0123", "415 555 0123", "  4155550123  ", "+1 415-555-0123"],
)
def test_national_numbers_are_read_in_the_default_region(raw: str) -> None:
    assert phone_normalise(raw) == PHONE


def test_the_default_region_comes_from_settings(settings: Any) -> None:
    settings.SMS_DEFAULT_REGION = "CO"
    assert phone_normalise("310 123 4567") == "+573101234567"


def test_an_explicit_region_overrides_the_default() -> None:
    assert phone_normalise("310 123 4567", region="CO") == "+573101234567"


@pytest.mark.parametrize("raw", ["+44 20 7946 0958", "011 44 20 7946 0958"])
def test_international_numbers_ignore_the_default_region(raw: str) -> None:
    assert phone_normalise(raw) == "+442079460958"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "Enter a phone number."),
        ("   ", "Enter a phone number."),
        ("1" * 33, "That is too long to be a phone number."),
        ("not a phone", "That does not look like a phone number."),
        ("555", "That phone number is not valid."),
        ("+1 555 0000", "That phone number is not valid."),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as excinfo:
        phone_normalise(raw)
    assert str(excinfo.value) == reason


def test_none_is_refused_like_an_empty_number() -> None:
    with pytest.raises(InvalidPhoneNumber, match="Enter a phone number"):
        phone_normalise(None)  # type: ignore[arg-type]


def test_equivalent_numbers_have_the_same_hash() -> None:
    typed = {phone_hash(phone_normalise(raw)) for raw in ("(415) 555-0123", "+1 415 555 0123")}
    assert typed == {phone_hash(PHONE)}


def test_different_numbers_have_different_hashes() -> None:
    assert phone_hash("+14155550123") != phone_hash("+14155550124")


def test_a_phone_hash_does_not_contain_the_number() -> None:
    digest = phone_hash(PHONE)
    assert len(digest) == 64
    assert set(digest) <= set("0123456789abcdef")
    assert "4155550123" not in digest


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("ABCD-EFGH-2345", "ABCDEFGH2345"),
        ("abcd efgh 2345", "ABCDEFGH2345"),
        ("  abcd-EFGH 2345\n", "ABCDEFGH2345"),
        ("", ""),
        (None, ""),
    ],
)
def test_voter_codes_ignore_case_spaces_and_dashes(raw: str | None, normal: str) -> None:
    assert voter_code_normalise(raw) == normal  # type: ignore[arg-type]


def test_a_voter_code_hashes_the_same_however_it_is_typed() -> None:
    assert voter_code_hash("ABCD-EFGH-2345") == voter_code_hash(" abcd efgh 2345 ")
    assert voter_code_hash("ABCD-EFGH-2345") != voter_code_hash("ABCD-EFGH-2346")


def test_a_phone_and_a_voter_code_with_the_same_text_never_share_a_digest() -> None:
    assert phone_hash("14155550123") != voter_code_hash("14155550123")


def test_digests_are_keyed_by_phone_key(settings: Any) -> None:
    before = (phone_hash(PHONE), voter_code_hash("ABCD-EFGH-2345"))
    settings.PHONE_KEY = "another-phone-key-for-this-test-0123456789abcdefghij"
    after = (phone_hash(PHONE), voter_code_hash("ABCD-EFGH-2345"))
    assert after[0] != before[0]
    assert after[1] != before[1]


def test_the_ballot_key_does_not_change_identity_digests(settings: Any) -> None:
    before = phone_hash(PHONE)
    settings.BALLOT_KEY = "another-ballot-key-for-this-test-0123456789abcdefghij"
    assert phone_hash(PHONE) == before


def test_an_empty_phone_key_is_refused_not_replaced(settings: Any) -> None:
    settings.PHONE_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="PHONE_KEY"):
        phone_hash(PHONE)
