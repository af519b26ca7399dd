"""Voter letters and code sheets: the printed way to sign in and vote with a voter
code. Plain HTML with print CSS (A4/Letter, one letter per page), in the language
asked for, each with the code, the short URL, the SMS number and keyword, and how to
vote on paper.

Rendered from the codes ``voter_codes_issue`` returned, by the staff codes page or
``manage.py voter_letters_render`` (from the CSV of codes); the codes are never stored
readable, so a letter cannot be printed twice from the database. Here, one floor
below the resident and staff pages, so both can print them; the templates are the
print set in ``frontend/templates/frontend/print/``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from core.models import PhaseKind, Process
from core.selectors import process_phase
from maps.models import Neighbourhood
from sms.commands.keywords import Kind, display

LAYOUTS = ("letters", "sheet")
PRINT_CSS = "frontend/print.css"


def print_css() -> str:
    """The print style sheet's text, to embed in a page opened from disk."""
    path = finders.find(PRINT_CSS)
    if not path:
        return ""
    with open(str(path), encoding="utf-8") as stream:
        return stream.read()


def short_url() -> str:
    """What a letter prints for the web: the site and the short path to the code."""
    return f"{settings.PUBLIC_BASE_URL}{reverse('frontend:voter-code-short')}"


def voting_how_to(process: Process, language: str) -> dict[str, object]:
    """The ways to vote a letter or ballot prints: SMS keywords, number, web, dates."""
    voting = process_phase(process, PhaseKind.VOTING)
    return {
        "vote_keyword": display(Kind.VOTE, language),
        "list_keyword": display(Kind.LIST, language),
        "sms_number": settings.SMS_PUBLIC_NUMBER,
        "short_url": short_url(),
        "starts": voting.starts_at if voting else None,
        "ends": voting.ends_at if voting else None,
    }


def voter_letters_html(
    *,
    process: Process,
    codes: Sequence[str],
    language: str,
    layout: str = "letters",
    neighbourhood: Neighbourhood | None = None,
    inline_css: bool = True,
) -> str:
    """Letters (one per page) or a code sheet (slips to cut) for ``codes``, in
    ``language``. ``inline_css``: embed the print CSS (a file opened from disk)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout is one of {LAYOUTS}")
    with translation.override(language):
        return render_to_string(
            f"frontend/print/{layout}.html",
            {
                "process": process,
                "codes": list(codes),
                "neighbourhood": neighbourhood,
                "city": settings.CITY_NAME,
                "language": language,
                "css": print_css() if inline_css else "",
                **voting_how_to(process, language),
            },
        )
