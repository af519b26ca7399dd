"""The texts an SMS author gets about staff decisions: ideas named by the I-number
residents type (COMMENT I12, INFO I12), in three languages, within two segments."""

from __future__ import annotations

import re

import pytest

from participation.models import NoticeKind, Proposal, Resident
from participation.notices import AuthorNotice
from sms.author_notices import author_notice_text
from sms.commands.keywords import KEYWORDS
from sms.commands.parser import fold_word, parse_item_ref
from sms.segments import encoding, segment_count

IDEA = 123456  # the longest number the parser reads back (six digits)
REASON = "There is already a park on that street, and the budget cannot pay for two. " * 4
NOTICES = [
    (NoticeKind.APPROVED, "", {}),
    (NoticeKind.REJECTED, REASON, {}),
    (NoticeKind.CHANGES, REASON, {}),
    (NoticeKind.MERGED, "", {"into": 654321}),
    (NoticeKind.MERGED_IN, "", {}),
    (NoticeKind.ON_BALLOT, "", {"short_code": 123}),
]


def _text(kind: str, reason: str, data: dict[str, int], language: str) -> str:
    notice = AuthorNotice(
        resident=Resident(language=language),
        kind=kind,
        proposal=Proposal(pk=IDEA),
        reason=reason,
        data=data,
    )
    return author_notice_text(notice, language)


@pytest.mark.parametrize("language", ["en", "es", "fr"])
@pytest.mark.parametrize(("kind", "reason", "data"), NOTICES, ids=[k for k, _r, _d in NOTICES])
def test_author_notices_name_the_idea_as_residents_type_it(
    language: str, kind: str, reason: str, data: dict[str, int]
) -> None:
    text = _text(kind, reason, data, language)
    assert f"I{IDEA}" in text and "#" not in text, text
    if kind == NoticeKind.MERGED:
        assert "I654321" in text
    # What the text names is what a resident types back: COMMENT/INFO/FLAG read it.
    ref, _rest = parse_item_ref(re.findall(r"\bI\d+\b", text)[0])
    assert ref is not None and ref.idea and ref.number == IDEA
    assert segment_count(text) <= 2 and encoding(text) == "GSM-7", (language, len(text), text)


@pytest.mark.parametrize("language", ["es", "fr"])
def test_author_notices_are_translated(language: str) -> None:
    for kind, reason, data in NOTICES:
        assert _text(kind, reason, data, language) != _text(kind, reason, data, "en"), kind


def test_the_ballot_notice_names_a_keyword_the_parser_knows() -> None:
    text = _text(NoticeKind.ON_BALLOT, "", {"short_code": 123}, "es")
    assert "INFO 123" in text and fold_word("INFO") in KEYWORDS
