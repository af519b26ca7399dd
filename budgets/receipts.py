"""Receipt codes: short, unambiguous, random. Anyone holding one can check that the
ballot was counted; the code reveals nothing about the choices or the voter."""

from __future__ import annotations

import secrets

# Crockford-style alphabet: no 0/O, 1/I/L, U; easy to read aloud and to type on a phone.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10  # 30**10 ≈ 5.9e14: guessing a live receipt is hopeless.


def receipt_new() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def receipt_normalise(raw: str) -> str:
    """Accept what people type: lower case, spaces and dashes."""
    return "".join(ch for ch in (raw or "").upper() if ch.isascii() and ch.isalnum())[:32]


def receipt_display(code: str) -> str:
    return f"{code[:5]}-{code[5:]}" if len(code) == LENGTH else code
