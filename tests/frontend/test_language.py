"""English, Spanish and French: the chooser, the stored language, SMS in that language."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from budgets.models import Project
from core.models import Process
from participation.models import Resident
from participation.services.residents import resident_for_phone
from sms import outbox
from tests.frontend.conftest import sign_in
from tests.frontend.html import parse

pytestmark = pytest.mark.django_db


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def choose(client: Client, language: str, next_url: str = "/") -> Any:
    return client.post("/language/", {"language": language, "next": next_url})


def test_switching_to_spanish(client: Client, city: Process) -> None:
    response = choose(client, "es", f"/processes/{city.slug}/")
    assert response.status_code == 302
    assert response["Location"] == f"/processes/{city.slug}/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get("/")
    html = page.content.decode()
    assert parse(html).named("html")[0].attrs["lang"] == "es"
    assert "Procesos actuales" in html
    assert "Votación" in html  # the phase name, from the budgets catalogue


def test_french_page(client: Client, city: Process) -> None:
    choose(client, "fr")
    html = client.get(f"/processes/{city.slug}/").content.decode()
    assert 'lang="fr"' in html
    assert "Projets soumis au vote" in html


def test_signed_in_resident_switches_to_spanish_and_it_is_stored(
    client: Client, voter: Resident, city: Process
) -> None:
    sign_in(client, voter)
    response = choose(client, "es", f"/processes/{city.slug}/ballot/")
    assert response.status_code == 302
    voter.refresh_from_db()
    assert voter.language == "es"
    html = client.get(response["Location"]).content.decode()
    assert 'lang="es"' in html and "Tu papeleta" in html
    choose(client, "fr")
    voter.refresh_from_db()
    assert voter.language == "fr"


def test_unknown_language_changes_nothing(client: Client, voter: Resident) -> None:
    sign_in(client, voter)
    response = choose(client, "xx")
    assert response.status_code == 302
    voter.refresh_from_db()
    assert voter.language == "en"
    assert client.get("/language/").status_code == 405


def test_sign_in_sms_uses_the_residents_language(
    client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    resident, _ = resident_for_phone(e164="+14155550123", channel="sms", language="es")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/sign-in/", {"phone": "+14155550123"})
    body = outbox.messages[-1].body
    # The SMS queue may fold accents to fit the GSM alphabet: compare without them.
    assert "Tu codigo para entrar" in _plain(body), body
    code = re.search(r"\b(\d{6})\b", body).group(1)  # type: ignore[union-attr]
    response = client.post("/sign-in/code/", {"code": code})
    # Signing in makes the stored language the browser's.
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert resident.pk == client.session["resident_id"]


def test_new_resident_gets_the_page_language(
    client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    choose(client, "fr")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/sign-in/", {"phone": "+14155550124"})
    body = outbox.messages[-1].body
    assert "Votre code de connexion" in _plain(body), body
    code = re.search(r"\b(\d{6})\b", body).group(1)  # type: ignore[union-attr]
    client.post("/sign-in/code/", {"code": code})
    assert Resident.objects.get(pk=client.session["resident_id"]).language == "fr"


def test_ballot_errors_in_spanish(voter_client: Client, city: Process) -> None:
    choose(voter_client, "es")
    ids = Project.objects.filter(process=city, short_code__in=[3, 4, 5]).values_list(
        "pk", flat=True
    )
    response = voter_client.post(f"/processes/{city.slug}/ballot/", {"project": list(ids)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Hay un problema" in html
    assert "120.000\xa0US$" in html and "por encima del límite" in html  # amounts in Spanish


def test_participation_errors_in_french(voter_client: Client, city: Process) -> None:
    choose(voter_client, "fr")
    response = voter_client.post(
        f"/processes/{city.slug}/propose/", {"title": "Loin", "lat": "10", "lng": "10"}
    )
    assert "en dehors des quartiers de la ville" in response.content.decode()
