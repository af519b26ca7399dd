"""The one parser of resident texts: a body in, a ``Command`` out (and a neighbourhood
out of a list, for AREA answers). Pure (no database).

Normalisation, in order, so that what a phone shows is what we read:

1. NFKC: full-width digits and letters (``ＶＯＴＥ　３``) become ASCII, ligatures split,
   no-break spaces become spaces.
2. Invisible format and control characters are dropped (zero-width space and joiner,
   BOM, bidi marks of right-to-left text): they are not on the screen, so they must not
   change the meaning (``1\u200b2`` reads as the ``12`` the resident sees).
3. Whitespace runs collapse to one space.

Keywords compare case-folded and without accents (``arrêt`` = ``ARRET``); a keyword
glued to a number (``VOTE3``) is split. Numbers must be whole tokens of at most six
decimal digits: a token like ``7b`` or ``1.5`` makes the whole VOTE unreadable rather
than guessing, so a typo never becomes a vote for another project.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sms.commands.keywords import KEYWORD_LANGUAGE, KEYWORDS, LANGUAGE_NAMES, Kind

if TYPE_CHECKING:
    from maps.models import Neighbourhood

_KEEP_CONTROL = {"\n", "\t"}
_GLUED = re.compile(r"^([^\W\d_]+)(\d.*)$")
_NUMBER = re.compile(r"^#?(\d{1,6})(?:[x*:=](\d{1,4}))?$")
_SEPARATORS = re.compile(r"[\s,;&+/]+")
_FILLER = frozenset({"and", "y", "et", "e"})
MAX_NUMBERS = 50


def normalise(body: str) -> str:
    text = unicodedata.normalize("NFKC", body or "")
    text = "".join(
        ch
        for ch in text
        if ch in _KEEP_CONTROL or unicodedata.category(ch) not in {"Cf", "Cc", "Co", "Cs"}
    )
    return " ".join(text.split())


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def fold_word(word: str) -> str:
    """Case-folded, accent-free, without surrounding punctuation (``¿Ayuda?`` → ``ayuda``);
    a word that is only punctuation (``?``) is kept as typed."""
    folded = strip_accents(word.casefold())
    stripped = folded.strip(".,:;!?¡¿\"'()[]")
    return stripped or folded


@dataclass(frozen=True)
class Command:
    """What a text says. ``rest`` is the text after the keyword (normalised, with case and
    accents kept, for IDEA and COMMENT bodies); ``language`` is the language of the
    keyword when only one language uses it, else ``""``."""

    kind: Kind
    rest: str = ""
    language: str = ""
    text: str = ""
    # The keyword as folded (``arret``), for rules that depend on the exact word.
    word: str = ""


def parse(body: str) -> Command:
    text = normalise(body)
    if not text:
        return Command(Kind.EMPTY)
    first, _sep, rest = text.partition(" ")
    word = fold_word(first)
    kind = KEYWORDS.get(word)
    if kind is None:
        glued = _GLUED.match(first)
        if glued and fold_word(glued.group(1)) in KEYWORDS:
            word = fold_word(glued.group(1))
            kind = KEYWORDS[word]
            rest = f"{glued.group(2)} {rest}".strip()
    if kind is None:
        return Command(Kind.TEXT, rest=text, text=text)
    return Command(
        kind, rest=rest.strip(), language=KEYWORD_LANGUAGE.get(word, ""), text=text, word=word
    )


@dataclass(frozen=True)
class NumberList:
    """Numbers read from a VOTE (or INFO) argument. ``items`` keep the order typed (the
    ranking, for ranked ballots) with optional points (``3x2``); ``unreadable`` lists the
    tokens that are not numbers, for the reply to quote."""

    items: tuple[tuple[int, int | None], ...]
    unreadable: tuple[str, ...]


def parse_numbers(rest: str) -> NumberList:
    items: list[tuple[int, int | None]] = []
    unreadable: list[str] = []
    for token in _SEPARATORS.split(rest):
        if not token or token.casefold() in _FILLER:
            continue
        match = _NUMBER.match(token.casefold())
        if match is None:
            unreadable.append(token[:20])
            continue
        points = int(match.group(2)) if match.group(2) is not None else None
        items.append((int(match.group(1)), points))
    if len(items) > MAX_NUMBERS:
        unreadable.append(f"+{len(items) - MAX_NUMBERS}")
        items = items[:MAX_NUMBERS]
    return NumberList(tuple(items), tuple(unreadable))


def parse_first_number(rest: str) -> tuple[int | None, str]:
    """``"12 Great idea"`` → ``(12, "Great idea")``; ``(None, rest)`` when the text does not
    start with a number."""
    head, _sep, tail = rest.partition(" ")
    match = _NUMBER.match(head.casefold())
    if match is None or match.group(2) is not None:
        return None, rest
    return int(match.group(1)), tail.strip()


# An idea is "I12" (Idea, Idée: the same letter in the three languages); a project is
# a bare number, the one LIST shows and VOTE takes. So "COMMENT 5" is project 5's
# discussion and "COMMENT I5" idea 5's: one number never means two things.
IDEA_PREFIX = "I"
_ITEM = re.compile(r"^#?(i)?#?(\d{1,6})$")


@dataclass(frozen=True)
class ItemRef:
    idea: bool  # True for "I12", False for a project number
    number: int


def parse_item_ref(rest: str) -> tuple[ItemRef | None, str]:
    """``"I12 Great idea"`` → (idea 12, "Great idea"); ``"5 text"`` → (project 5, "text");
    ``(None, rest)`` when the text does not start with either."""
    head, _sep, tail = rest.partition(" ")
    match = _ITEM.match(head.casefold())
    if match is None:
        return None, rest
    return ItemRef(idea=match.group(1) is not None, number=int(match.group(2))), tail.strip()


def idea_ref(number: int) -> str:
    return f"{IDEA_PREFIX}{number}"


def parse_language(rest: str) -> str | None:
    word = fold_word(rest.split(" ", 1)[0]) if rest else ""
    return LANGUAGE_NAMES.get(word)


def _folded(text: str) -> str:
    return " ".join(fold_word(w) for w in normalise(text).split())


def neighbourhood_match(text: str, neighbourhoods: list[Neighbourhood]) -> Neighbourhood | None:
    """The neighbourhood a resident means by ``text``: its number in ``neighbourhoods``
    (1-based), its name (case, accents and spacing ignored), or the one name that starts
    with or contains it. None when nothing or more than one matches."""
    wanted = _folded(text)
    if not wanted:
        return None
    if wanted.isdecimal() and len(wanted) <= 4:
        index = int(wanted)
        return neighbourhoods[index - 1] if 1 <= index <= len(neighbourhoods) else None
    names = [(_folded(n.name), n) for n in neighbourhoods]
    for name, n in names:
        if name == wanted:
            return n
    if len(wanted) < 3:
        return None
    starts = [n for name, n in names if name.startswith(wanted)]
    if len(starts) == 1:
        return starts[0]
    contains = [n for name, n in names if wanted in name]
    return contains[0] if len(contains) == 1 else None
