"""How many SMS segments a text costs, and how to keep replies inside a budget.

One module for every count, so the conversation, the broadcast page and the tests agree:

- GSM-7 (3GPP TS 23.038): 160 septets in one segment, 153 per segment once split (the
  user-data header takes the rest). Characters of the extension table (``^{}[]~|€\\``
  and form feed) are an escape plus a character: 2 septets, and a pair is never split
  across two segments.
- UCS-2 as soon as one character is outside GSM-7 (an emoji, ``á``, Arabic): 70 UTF-16
  code units in one segment, 67 once split; a surrogate pair (emoji) is never split.

``sms_text`` applies "smart encoding" (as Twilio's option of that name does): when every
character outside GSM-7 has a plain look-alike (``á`` → ``a``, ``’`` → ``'``), it sends
the look-alikes, so a Spanish or French reply costs GSM-7 segments (160) instead of UCS-2
(70). If any character has no look-alike (emoji, another script) the text is left as
written: it is UCS-2 anyway, and accents then cost nothing more.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67
MAX_BODY = 1600  # Twilio refuses longer bodies.

# Look-alikes for characters that decomposition (dropping accents) does not handle.
_FOLD = {
    "ç": "c",
    "œ": "oe",
    "Œ": "OE",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "′": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "–": "-",
    "—": "-",
    "‑": "-",
    "−": "-",
    "…": "...",
    "•": "-",
    "·": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\t": " ",
    "°": "o",
}

Encoding = Literal["GSM-7", "UCS-2"]


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def encoding(text: str) -> Encoding:
    return "GSM-7" if is_gsm7(text) else "UCS-2"


def _units(text: str, enc: Encoding) -> list[int]:
    """Cost of each character in septets (GSM-7) or UTF-16 code units (UCS-2)."""
    if enc == "GSM-7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


@dataclass(frozen=True)
class SegmentInfo:
    encoding: Encoding
    units: int  # septets or UTF-16 code units
    segments: int


def segment_info(text: str) -> SegmentInfo:
    enc = encoding(text)
    units = _units(text, enc)
    total = sum(units)
    single, multi = (GSM7_SINGLE, GSM7_MULTI) if enc == "GSM-7" else (UCS2_SINGLE, UCS2_MULTI)
    if total == 0:
        return SegmentInfo(enc, 0, 0)
    if total <= single:
        return SegmentInfo(enc, total, 1)
    # Pack character by character: a 2-unit character that does not fit in what is left
    # of a segment starts the next one (escape pairs and surrogates are never split).
    segments, used = 1, 0
    for cost in units:
        if used + cost > multi:
            segments += 1
            used = 0
        used += cost
    return SegmentInfo(enc, total, segments)


def segment_count(text: str) -> int:
    return segment_info(text).segments


def fits(text: str, segments: int) -> bool:
    return segment_count(text) <= segments


def _fold_char(ch: str) -> str | None:
    if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
        return ch
    if ch in _FOLD:
        return _FOLD[ch]
    stripped = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    if stripped and all(c in GSM7_BASIC for c in stripped):
        return stripped
    return None


def gsm_fold(text: str) -> str | None:
    """``text`` with look-alikes for every non-GSM-7 character, or None when some
    character has none (the text must then go as UCS-2)."""
    out: list[str] = []
    for ch in text:
        folded = _fold_char(ch)
        if folded is None:
            return None
        out.append(folded)
    return "".join(out)


def sms_text(text: str) -> str:
    """The text we actually send: GSM-7 look-alikes when possible (see module doc)."""
    folded = gsm_fold(text)
    return folded if folded is not None else text


def truncate_to_fit(text: str, segments: int, *, ellipsis: str = "...") -> str:
    """The longest prefix of ``text`` (cut at a word boundary when one is near) that,
    with ``ellipsis``, fits ``segments``. Returns ``text`` unchanged when it fits."""
    if fits(text, segments):
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # binary search on the prefix length
        mid = (lo + hi + 1) // 2
        if fits(text[:mid].rstrip() + ellipsis, segments):
            lo = mid
        else:
            hi = mid - 1
    cut = text[:lo]
    space = cut.rfind(" ")
    if space > lo * 0.7:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + ellipsis
