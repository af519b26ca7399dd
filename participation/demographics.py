"""The opt-in demographic questions and their closed lists of answers. Answers are
donated: a resident may decline or withdraw, and nothing here is joined to ballots."""

from __future__ import annotations

# Opt-in demographic questions: answers are kept only from this closed list.
DEMOGRAPHIC_QUESTIONS: dict[str, tuple[str, ...]] = {
    "age_band": ("under_18", "18_29", "30_44", "45_64", "65_plus"),
    "gender": ("woman", "man", "nonbinary", "other"),
    "tenure": ("renter", "owner", "other"),
}
