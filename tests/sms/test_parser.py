from __future__ import annotations

import pytest

from sms.commands.keywords import DISPLAY, KEYWORDS, OPT_OUT_WORDS, Kind
from sms.commands.parser import (
    fold_word,
    normalise,
    parse,
    parse_first_number,
    parse_language,
    parse_numbers,
)


@pytest.mark.parametrize(
    ("body", "kind", "language"),
    [
        ("HELP", Kind.HELP, "en"),
        ("  help  ", Kind.HELP, "en"),
        ("Ayuda", Kind.HELP, "es"),
        ("¿AYUDA?", Kind.HELP, "es"),
        ("aide", Kind.HELP, "fr"),
        ("LIST", Kind.LIST, "en"),
        ("lista 2", Kind.LIST, "es"),
        ("LISTE", Kind.LIST, "fr"),
        ("INFO 3", Kind.INFO, ""),
        ("VOTE 3 7 12", Kind.VOTE, ""),  # English and French
        ("votar 3 7", Kind.VOTE, "es"),
        ("Voter 3", Kind.VOTE, "fr"),
        ("IDEA benches", Kind.IDEA, ""),  # English and Spanish
        ("Idée des bancs", Kind.IDEA, "fr"),
        ("IDEE des bancs", Kind.IDEA, "fr"),
        ("COMMENT 4 yes", Kind.COMMENT, "en"),
        ("comentar 4 sí", Kind.COMMENT, "es"),
        ("LANG es", Kind.LANG, "en"),
        ("IDIOMA en", Kind.LANG, "es"),
        ("LANGUE fr", Kind.LANG, "fr"),
        ("CHECK ABCDE-23456", Kind.CHECK, "en"),
        ("RECIBO x", Kind.CHECK, "es"),
        ("Reçu x", Kind.CHECK, "fr"),
        ("STOP", Kind.STOP, "en"),
        ("stopall", Kind.STOP, "en"),
        ("Unsubscribe", Kind.STOP, "en"),
        ("CANCEL", Kind.STOP, "en"),
        ("end", Kind.STOP, "en"),
        ("QUIT", Kind.STOP, "en"),
        ("ALTO", Kind.STOP, "es"),
        ("Arrêt", Kind.STOP, "fr"),
        ("ARRET", Kind.STOP, "fr"),
        ("START", Kind.START, "en"),
        ("Barrio 2", Kind.AREA, "es"),
        ("MÁS", Kind.MORE, "es"),
        ("hello there", Kind.HELP, "en"),
        ("what is this", Kind.TEXT, ""),
        ("3 7 12", Kind.TEXT, ""),  # numbers without VOTE are never a vote
        ("", Kind.EMPTY, ""),
        ("\u200b\u200f", Kind.EMPTY, ""),
    ],
)
def test_keywords_in_three_languages(body: str, kind: Kind, language: str) -> None:
    command = parse(body)
    assert command.kind == kind
    assert command.language == language


def test_normalisation_full_width_zero_width_and_bidi_marks() -> None:
    assert parse("ＶＯＴＥ　３　７").kind == Kind.VOTE
    assert parse("ＶＯＴＥ　３　７").rest == "3 7"
    assert parse("\ufeffVO\u200bTE 1").kind == Kind.VOTE  # BOM and zero-width space
    assert parse("VOTE \u200f1 \u200f2").rest == "1 2"  # right-to-left marks
    assert normalise("a\u00a0b\tc\n\nd") == "a b c d"


def test_keyword_glued_to_a_number() -> None:
    command = parse("VOTE3 7")
    assert command.kind == Kind.VOTE
    assert command.rest == "3 7"
    assert parse("info12").rest == "12"


def test_numbers_read_strictly() -> None:
    assert parse_numbers("3 7 12").items == ((3, None), (7, None), (12, None))
    assert parse_numbers("3,7;12 and 4").items == ((3, None), (7, None), (12, None), (4, None))
    assert parse_numbers("#3 7x2 9:3").items == ((3, None), (7, 2), (9, 3))
    read = parse_numbers("3 7b 1.5 🎉")
    assert read.items == ((3, None),)
    assert read.unreadable == ("7b", "1.5", "🎉")
    # More than six digits is no project code (and never reaches the database).
    assert parse_numbers("1234567").unreadable == ("1234567",)
    # Arabic-Indic digits are digits: ٣ is 3.
    assert parse_numbers("٣").items == ((3, None),)


def test_first_number_and_language() -> None:
    assert parse_first_number("12 Great idea") == (12, "Great idea")
    assert parse_first_number("Great idea") == (None, "Great idea")
    assert parse_language("es") == "es"
    assert parse_language("Español") == "es"
    assert parse_language("français") == "fr"
    assert parse_language("klingon") is None


def test_every_display_keyword_parses_back_to_its_kind() -> None:
    for language, words in DISPLAY.items():
        for kind, word in words.items():
            assert KEYWORDS[fold_word(word)] == kind, (language, word)


def test_opt_out_words_include_twilios_and_translations() -> None:
    for word in ["stop", "stopall", "unsubscribe", "cancel", "end", "quit", "alto", "arret"]:
        assert word in OPT_OUT_WORDS
