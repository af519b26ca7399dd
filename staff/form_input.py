"""Reading staff form and query values so that bad input is a message, never a 500:
ids that are not positive 64-bit integers (text, NUL bytes, 30 digits) read as None,
and NUL bytes are dropped from text (PostgreSQL cannot store them)."""

from __future__ import annotations

from participation.access import MAX_ID


def form_id(raw: str | None) -> int | None:
    """A positive id, or None for anything else."""
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def form_count(raw: str | None) -> int | None:
    """A whole number ≥ 0 (a decision id a form saw; 0 is "none yet"), else None."""
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def form_text(raw: str | None) -> str:
    return (raw or "").replace("\x00", "")
