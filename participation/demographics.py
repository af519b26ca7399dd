"""The opt-in demographic questions and their closed lists of answers. Answers are
donated: a resident may decline or withdraw, and nothing here is joined to ballots.

The city sets the questions and answers (``settings.DEMOGRAPHIC_QUESTIONS``; age bands
by ``DEMOGRAPHIC_AGE_BANDS``). A group is named ``"<question>.<answer>"`` everywhere:
census counts in ``Neighbourhood.demographics``, figures, pilot reports, the API. A
resident who gave no answer to a question is in ``"<question>.not_given"``, a group of
its own, so every breakdown adds up to everyone."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

NOT_GIVEN = "not_given"


class _CityQuestions(Mapping[str, tuple[str, ...]]):
    """``settings.DEMOGRAPHIC_QUESTIONS``, read at each use rather than copied at import:
    the questions are the city's setting, and every reader (the web form, the SMS age
    question, the figures, the pilot API) must follow the same one, including a
    setting changed after start-up (a test's city with other age bands)."""

    def _questions(self) -> Mapping[str, tuple[str, ...]]:
        return settings.DEMOGRAPHIC_QUESTIONS

    def __getitem__(self, question: str) -> tuple[str, ...]:
        return tuple(self._questions()[question])

    def __iter__(self) -> Iterator[str]:
        return iter(self._questions())

    def __len__(self) -> int:
        return len(self._questions())


DEMOGRAPHIC_QUESTIONS: Mapping[str, tuple[str, ...]] = _CityQuestions()

QUESTION_LABELS = {
    "age_band": _("Age"),
    "gender": _("Gender"),
    "tenure": _("Housing"),
}

ANSWER_LABELS = {
    "woman": _("Woman"),
    "man": _("Man"),
    "nonbinary": _("Non-binary"),
    "other": _("Another answer"),
    "renter": _("Renting"),
    "owner": _("Owner"),
    NOT_GIVEN: _("Not given"),
}

_BAND_RANGE = re.compile(r"^(\d+)_(\d+)$")
_BAND_PLUS = re.compile(r"^(\d+)_plus$")
_BAND_UNDER = re.compile(r"^under_(\d+)$")


def group_key(question: str, answer: str) -> str:
    return f"{question}.{answer}"


def known_group_keys() -> frozenset[str]:
    """Every group key the city's questions define, "not given" included: the keys a
    pilot may report and the criteria read."""
    return frozenset(key for question in DEMOGRAPHIC_QUESTIONS for key in question_groups(question))


def question_groups(question: str) -> list[str]:
    """Every group of a question, "not given" last: the rows of any breakdown."""
    answers = DEMOGRAPHIC_QUESTIONS.get(question, ())
    return [group_key(question, a) for a in (*answers, NOT_GIVEN)]


def age_band_range(answer: str) -> tuple[int | None, int | None] | None:
    """The years an age band names: ``"18_29"`` → (18, 29), ``"65_plus"`` → (65, None),
    ``"under_18"`` → (None, 18); None for an answer not named by its numbers. Age bands
    are the city's, so every channel words them from these numbers, in any language."""
    if m := _BAND_RANGE.match(answer):
        return int(m[1]), int(m[2])
    if m := _BAND_PLUS.match(answer):
        return int(m[1]), None
    if m := _BAND_UNDER.match(answer):
        return None, int(m[1])
    return None


def _answer_label(answer: str) -> str:
    if answer in ANSWER_LABELS:
        return str(ANSWER_LABELS[answer])
    band = age_band_range(answer)
    if band is not None:
        low, high = band
        if low is None:
            return gettext("Under %(high)s") % {"high": high}
        if high is None:
            return gettext("%(low)s and over") % {"low": low}
        return gettext("%(low)s to %(high)s") % {"low": low, "high": high}
    return answer.replace("_", " ").capitalize()


answer_label = lazy(_answer_label, str)


def group_label(key: str) -> str:
    """ "age_band.18_29" → "18 to 29", in the active language."""
    _question, _dot, answer = key.partition(".")
    return _answer_label(answer)


def question_label(question: str) -> str:
    label = QUESTION_LABELS.get(question)
    return str(label) if label is not None else question.replace("_", " ").capitalize()
