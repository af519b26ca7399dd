from __future__ import annotations

import pytest

from sms.segments import (
    encoding,
    gsm_fold,
    segment_count,
    segment_info,
    sms_text,
    truncate_to_fit,
)


@pytest.mark.parametrize(
    ("text", "enc", "segments"),
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("é" * 160, "GSM-7", 1),  # é, è, à, ñ, ü are in the GSM-7 basic table
        ("€" * 80, "GSM-7", 1),  # extension table: 2 septets each
        ("€" * 81, "GSM-7", 2),
        ("á" * 70, "UCS-2", 1),
        ("á" * 71, "UCS-2", 2),
        ("á" * 134, "UCS-2", 2),
        ("á" * 135, "UCS-2", 3),
        ("a" * 69 + "🗳", "UCS-2", 2),  # an emoji is two UTF-16 units
        ("a" * 68 + "🗳", "UCS-2", 1),
        ("مرحبا", "UCS-2", 1),
    ],
)
def test_segment_counts(text: str, enc: str, segments: int) -> None:
    assert encoding(text) == enc
    assert segment_count(text) == segments


def test_extension_character_is_never_split_across_segments() -> None:
    # 152 plain septets then "€" (2 septets): 154 > 153, so "€" starts segment 2.
    text = "a" * 152 + "€" + "b" * 10
    info = segment_info(text)
    assert info.units == 164
    assert info.segments == 2
    text = "a" * 152 + "€" + "b" * 152  # 152 | 2+151 | 1: three segments
    assert segment_count(text) == 3


def test_surrogate_pair_is_never_split_across_segments() -> None:
    # 66 + 2 > 67: the emoji opens segment 2, which then holds it and 65 more units.
    text = "a" * 66 + "😀" + "a" * 65
    assert segment_count(text) == 2
    text = "a" * 66 + "😀" + "a" * 66
    assert segment_count(text) == 3


def test_smart_encoding_keeps_spanish_and_french_in_gsm7() -> None:
    spanish = "¿Votación abierta? Envía VOTAR, más información: código único."
    french = "Reçu : vous êtes déjà inscrit, l’équipe a reçu votre idée…"
    assert encoding(spanish) == "UCS-2"
    assert encoding(sms_text(spanish)) == "GSM-7"
    assert sms_text(spanish) == "¿Votacion abierta? Envia VOTAR, mas informacion: codigo unico."
    assert encoding(sms_text(french)) == "GSM-7"
    assert "é" in sms_text(french)  # kept: é is GSM-7


def test_smart_encoding_leaves_texts_with_emoji_or_other_scripts_alone() -> None:
    assert gsm_fold("Votación 🗳") is None
    assert sms_text("Votación 🗳") == "Votación 🗳"
    assert sms_text("صوت") == "صوت"


def test_truncate_to_fit_cuts_at_a_word_and_fits() -> None:
    text = "word " * 100
    cut = truncate_to_fit(text, 1)
    assert segment_count(cut) == 1
    assert cut.endswith("...")
    assert cut[:-3].endswith("word")
    assert truncate_to_fit("short", 1) == "short"
