"""Every reply template, in every language, within its segment budget; translations
present; keywords shown in a reply are keywords the parser understands."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.utils import translation

from sms.commands import replies
from sms.commands.keywords import KEYWORDS, Kind
from sms.commands.parser import fold_word
from sms.segments import encoding, segment_count

LANGUAGES = ["en", "es", "fr"]
WHEN = dt.datetime(2027, 3, 14, 15, 9, tzinfo=dt.UTC)
LONG_POT = "Localidad de San Cristóbal del Norte"
PROBLEMS = [
    "Your choices cost 1,160,000 USD, which is 660,000 USD over the limit of 500,000 USD. "
    "Remove a project to fit.",
    "Project 12 belongs to another neighbourhood's ballot (Localidad de San Cristóbal).",
    "Choose at most 5 projects (you chose 9).",
]
AGE_BANDS = ("under_18", "18_29", "30_44", "45_64", "65_plus")
# A city that counts age finely: ten bands.
MANY_AGE_BANDS = ("under_16", "16_17", "18_24", "25_34", "35_44", "45_54", "55_64", "65_74")
MANY_AGE_BANDS += ("75_84", "85_plus")

# Every reply, with the longest realistic data. (name, budget in segments, render)
ONE_SEGMENT: list[tuple[str, Callable[[], str]]] = [
    ("help", replies.help_text),
    ("unknown", replies.unknown_text),
]
TWO_SEGMENTS: list[tuple[str, Callable[[], str]]] = [
    ("throttled", lambda: replies.throttled_text(WHEN)),
    ("failure", replies.failure_text),
    ("nothing_more", replies.nothing_more_text),
    ("neighbourhood_set", lambda: replies.neighbourhood_set_text(LONG_POT)),
    ("no_projects", replies.no_projects_text),
    ("no_ideas", replies.no_ideas_text),
    (
        "idea_list",
        lambda: (
            replies.idea_pages([replies.IdeaLine(1234567, "Benches with shade " * 5)] * 40)[0].text
        ),
    ),
    ("list_page_missing", lambda: replies.list_page_missing_text(12)),
    (
        "info",
        lambda: replies.info_text(
            code=123,
            title="Solar bus shelters with live arrival screens and phone chargers",
            cost="1,250,000 USD",
            pot=LONG_POT,
            description="A long description. " * 30,
        ),
    ),
    ("info_usage", replies.info_usage_text),
    ("no_such_project", lambda: replies.no_such_project_text(999999)),
    ("no_vote_open_ideas", lambda: replies.no_vote_open_text(ideas_open=True)),
    ("no_vote_open", lambda: replies.no_vote_open_text(ideas_open=False)),
    ("vote_usage", replies.vote_usage_text),
    ("vote_unreadable", lambda: replies.vote_unreadable_text(["7b", "1.5", "x" * 20] * 5)),
    ("vote_invalid", lambda: replies.vote_invalid_text(PROBLEMS)),
    (
        "vote_recorded",
        lambda: replies.vote_recorded_text(
            codes=list(range(1, 11)),
            pots=[
                replies.PotConfirmation("City-wide", "480,000 USD", "20,000 USD", "ABCDE-FGHJK"),
                replies.PotConfirmation(LONG_POT, "1,190,000 USD", "10,000 USD", "MNPQR-STVWX"),
            ],
            replaced=False,
        ),
    ),
    (
        "vote_changed",
        lambda: replies.vote_recorded_text(
            codes=list(range(1, 11)),
            pots=[
                replies.PotConfirmation("City-wide", "480,000 USD", "20,000 USD", "ABCDE-FGHJK"),
                replies.PotConfirmation(LONG_POT, "1,190,000 USD", "10,000 USD", "MNPQR-STVWX"),
            ],
            replaced=True,
        ),
    ),
    (
        "vote_recorded_many_pots",
        lambda: replies.vote_recorded_text(
            codes=list(range(1, 30)),
            pots=[replies.PotConfirmation(LONG_POT, "1,190,000 USD", "10,000 USD", "MNPQR-STVWX")]
            * 4,
            replaced=True,
        ),
    ),
    ("vote_minimal", lambda: replies.vote_recorded_minimal_text(["ABCDE-FGHJK", "MNPQR-STVWX"])),
    ("age_question", lambda: replies.age_question_text(AGE_BANDS)),
    ("age_usage", lambda: replies.age_usage_text(AGE_BANDS)),
    ("age_question_many_bands", lambda: replies.age_question_text(MANY_AGE_BANDS)),
    ("age_usage_many_bands", lambda: replies.age_usage_text(MANY_AGE_BANDS)),
    ("thanks", replies.thanks_text),
    ("check_usage", replies.check_usage_text),
    (
        "check_counted",
        lambda: replies.check_counted_text(receipt="ABCDE-FGHJK", pot=LONG_POT, cast_at=WHEN),
    ),
    (
        "check_replaced",
        lambda: replies.check_replaced_text(receipt="ABCDE-FGHJK", replaced_at=WHEN),
    ),
    ("check_unknown", lambda: replies.check_unknown_text("ABCDE-FGHJK")),
    ("idea_usage", replies.idea_usage_text),
    ("ideas_closed", replies.ideas_closed_text),
    ("idea_received", lambda: replies.idea_received_text(1234567)),
    ("comment_usage", replies.comment_usage_text),
    ("no_such_idea", lambda: replies.no_such_idea_text(1234567)),
    ("comment_posted", lambda: replies.comment_posted_text(1234567)),
    ("comment_pending", lambda: replies.comment_pending_text(1234567)),
    ("refused", lambda: replies.refused_text("Keep comments under 2000 characters. " * 10)),
    ("language_set", replies.language_set_text),
    ("language_usage", replies.language_usage_text),
    ("start", replies.start_text),
    ("stop", replies.stop_text),
    ("project_comment_posted", lambda: replies.project_comment_posted_text(123456)),
    ("project_no_discussion", lambda: replies.project_no_discussion_text(123456)),
    (
        "idea_info",
        lambda: replies.idea_info_text(
            proposal_id=1234567, title="Benches with shade " * 5, body="A long idea. " * 40
        ),
    ),
    (
        "which_process",
        lambda: replies.which_process_text(
            ["Riverbend Participatory Budget 2027", "Eastgate youth budget"] * 4
        ),
    ),
    (
        "which_process_retry",
        lambda: replies.which_process_text(["Riverbend 2027", "Youth budget"], retry=True),
    ),
    ("process_chosen", lambda: replies.process_chosen_text("Riverbend Participatory Budget")),
    ("flag_usage", replies.flag_usage_text),
    ("flag_recorded", lambda: replies.flag_recorded_text(123456)),
    ("flag_recorded_again", lambda: replies.flag_recorded_text(123456, again=True)),
]
BOGOTA = [
    "Usaquén", "Chapinero", "Santa Fe", "San Cristóbal", "Usme", "Tunjuelito", "Bosa",
    "Kennedy", "Fontibón", "Engativá", "Suba", "Barrios Unidos", "Teusaquillo",
    "Los Mártires", "Antonio Nariño", "Puente Aranda", "La Candelaria", "Rafael Uribe Uribe",
    "Ciudad Bolívar", "Sumapaz",
]  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "render"), ONE_SEGMENT, ids=[n for n, _ in ONE_SEGMENT])
def test_help_replies_fit_one_segment(language: str, name: str, render: Callable[[], str]) -> None:
    with translation.override(language):
        text = render()
    assert segment_count(text) == 1, (language, name, len(text), text)
    assert encoding(text) == "GSM-7"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "render"), TWO_SEGMENTS, ids=[n for n, _ in TWO_SEGMENTS])
def test_every_reply_fits_two_segments(language: str, name: str, render: Callable[[], str]) -> None:
    with translation.override(language):
        text = render()
    assert text
    assert segment_count(text) <= 2, (language, name, len(text), text)
    # Our own texts are GSM-7 after smart encoding in every language (160 per segment).
    assert encoding(text) == "GSM-7", (language, name, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_paged_replies_fit_two_segments(language: str) -> None:
    with translation.override(language):
        for welcome, retry in [(True, False), (False, False), (False, True)]:
            pages = replies.neighbourhood_pages(BOGOTA, welcome=welcome, retry=retry)
            assert all(segment_count(p.text) <= 2 for p in pages), pages
            assert sum(p.items for p in pages) == len(BOGOTA)
        pages = replies.idea_neighbourhood_pages(BOGOTA)
        assert all(segment_count(p.text) <= 2 for p in pages)
        projects = [
            replies.ProjectLine(
                code, f"Very long project title number {code} for testing", "1,250,000 USD"
            )
            for code in range(1, 120)
        ]
        pots = [
            replies.PotLine("City-wide", "500,000 USD"),
            replies.PotLine(LONG_POT, "99,000 USD"),
        ]
        pages = replies.project_pages(projects, pots)
        assert len(pages) > 5
        assert all(segment_count(p.text) <= 2 for p in pages)
        assert sum(p.items for p in pages) == len(projects) + 1  # and the budget line
        # A title in another script makes the page UCS-2: the packing still fits.
        arabic = [
            replies.ProjectLine(i, "حديقة عامة مع نوافير مياه الشرب", "9,000 USD")
            for i in range(40)
        ]
        pages = replies.project_pages(arabic, pots)
        assert all(segment_count(p.text) <= 2 for p in pages)
        assert any(encoding(p.text) == "UCS-2" for p in pages)
        assert sum(p.items for p in pages) == len(arabic) + 1
        ideas = [replies.IdeaLine(n, f"A long idea title number {n}") for n in range(1, 90)]
        pages = replies.idea_pages(ideas)
        assert len(pages) > 3
        assert all(segment_count(p.text) <= 2 for p in pages)
        assert sum(p.items for p in pages) == len(ideas)


@pytest.mark.parametrize("language", ["es", "fr"])
def test_replies_are_translated(language: str) -> None:
    for name, render in ONE_SEGMENT + TWO_SEGMENTS:
        with translation.override("en"):
            english = render()
        with translation.override(language):
            translated = render()
        if name == "refused":  # the service's own message, passed through
            continue
        assert translated != english, (language, name)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Reply 1 under 16, 2 16-17, 3 18-24, 4 25-34, 5 35-44, 6 45-54, 7 55-64, 8 65-74, "
         "9 75-84, 10 85+."),
        ("es", "Responde 1 menos de 16, 2 16-17, 3 18-24, 4 25-34, 5 35-44, 6 45-54, 7 55-64, "
         "8 65-74, 9 75-84, 10 85+."),
        ("fr", "Répondez 1 moins de 16, 2 16-17, 3 18-24, 4 25-34, 5 35-44, 6 45-54, 7 55-64, "
         "8 65-74, 9 75-84, 10 85+."),
    ],
)  # fmt: skip
def test_age_question_lists_the_bands_it_is_given(language: str, expected: str) -> None:
    with translation.override(language):
        assert expected in replies.age_question_text(MANY_AGE_BANDS)


_KEYWORD_LIKE = re.compile(r"\b[A-Z]{4,}\b")
_NOT_KEYWORDS = {"USD", "CITY", "JUST", "ABCDE", "FGHJK", "MNPQR", "STVWX"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_keywords_shown_in_replies_are_understood(language: str) -> None:
    """A reply that says "send VOTAR 3 7" must be answering someone whose VOTAR works."""
    with translation.override(language):
        texts = [render() for _name, render in ONE_SEGMENT + TWO_SEGMENTS]
        texts += [p.text for p in replies.neighbourhood_pages(BOGOTA)]
    for text in texts:
        for word in _KEYWORD_LIKE.findall(text):
            if word in _NOT_KEYWORDS:
                continue
            assert fold_word(word) in KEYWORDS, (language, word, text)
            assert KEYWORDS[fold_word(word)] not in {Kind.TEXT, Kind.EMPTY}
