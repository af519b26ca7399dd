"""Printable voter letters and code sheets, and the paper ballot, in en/es/fr."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.voter_letters import voter_letters_html
from core.models import BallotType, Process
from participation.services.voter_codes import voter_codes_issue
from tests.frontend.conftest import set_ballot_type

pytestmark = pytest.mark.django_db

LETTER_WORDS = {
    "en": ("Your voter code", "On paper", "Text LIST to +15005550006", "VOTE 3 7"),
    "es": ("Tu código de votante", "En papel", "Envía LISTA al +15005550006", "VOTAR 3 7"),
    "fr": ("Votre code de vote", "Sur papier", "Envoyez LISTE au +15005550006", "VOTE 3 7"),
}


@pytest.fixture(autouse=True)
def _sms_number(settings: Any) -> None:
    settings.SMS_PUBLIC_NUMBER = "+15005550006"
    settings.PUBLIC_BASE_URL = "https://vote.example.org"


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_voter_letters_render_in_each_language(city: Process, language: str) -> None:
    codes = voter_codes_issue(count=3, process=city, language=language)
    html = voter_letters_html(process=city, codes=codes, language=language)
    assert f'<html lang="{language}">' in html
    for word in LETTER_WORDS[language]:
        assert word in html, word
    assert "https://vote.example.org/v/" in html
    for code in codes:
        assert f'<span class="code">{code}</span>' in html
    assert html.count('class="letter"') == 3
    assert "@page" in html  # print CSS inlined: the file prints from disk


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_code_sheets_render_in_each_language(city: Process, language: str) -> None:
    codes = voter_codes_issue(count=4, process=city)
    html = voter_letters_html(process=city, codes=codes, language=language, layout="sheet")
    assert html.count('class="slip"') == 4
    assert LETTER_WORDS[language][3] in html


def test_the_letters_command_reads_the_codes_csv(city: Process, tmp_path: Path) -> None:
    codes_csv = tmp_path / "codes.csv"
    call_command(
        "voter_codes_issue", city.slug, "--count", "2", "--out", str(codes_csv), stdout=StringIO()
    )
    out = tmp_path / "letters.html"
    stdout = StringIO()
    call_command(
        "voter_letters_render",
        city.slug,
        str(codes_csv),
        "--out",
        str(out),
        "--language",
        "es",
        stdout=stdout,
    )
    html = out.read_text(encoding="utf-8")
    for code in codes_csv.read_text(encoding="utf-8").split()[1:]:
        assert code in html
    assert "Tu código de votante" in html
    assert "Rendered 2 letters in es" in stdout.getvalue()
    with pytest.raises(CommandError, match="exists already"):
        call_command("voter_letters_render", city.slug, str(codes_csv), "--out", str(out))


BALLOT_WORDS = {
    "en": (
        "Paper ballot",
        "Choose projects whose costs add up to at most 100,000 USD.",
        "Mark the box",
    ),
    "es": (
        "Papeleta",
        "Elige proyectos cuyos costes sumen como máximo 100,000 USD.",
        "Marca con una X",
    ),
    "fr": (
        "Bulletin papier",
        "Choisissez des projets dont les coûts totalisent au plus 100,000 USD.",
        "Cochez d’un X",
    ),
}


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_the_paper_ballot_lists_projects_costs_and_rules_in_words(
    client: Client, city: Process, language: str
) -> None:
    url = reverse("frontend:paper-ballot", args=[city.slug])
    html = client.get(url, {"lang": language}).content.decode()
    for word in BALLOT_WORDS[language]:
        assert word in html, word
    assert "30,000 USD" in html  # the neighbourhood budget's cap
    for code in range(1, 8):
        assert f'<td class="num">{code}</td>' in html
    cost = {"en": "40,000 USD", "es": "40\xa0000 USD", "fr": "40\xa0000 USD"}[language]
    assert f'<td class="cost">{cost}</td>' in html, html  # project 4, as the ballot page shows it


def test_cumulative_and_ranked_ballots_say_points_and_ranks(client: Client, city: Process) -> None:
    url = reverse("frontend:paper-ballot", args=[city.slug])
    set_ballot_type(city, BallotType.CUMULATIVE, max_total_points=10, max_points_per_project=3)
    html = client.get(url).content.decode()
    assert "Share out at most 10 points" in html and "at most 3 points" in html
    set_ballot_type(city, BallotType.RANKED, max_projects=3)
    html = client.get(url).content.decode()
    assert "Write 1 in the box of your first choice" in html
    assert "Choose at most 3 projects." in html


def test_the_short_url_leads_to_the_voter_code_sign_in(client: Client) -> None:
    response = client.get("/v/")
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:sign-in-voter-code")
