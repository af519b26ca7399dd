"""The layout's fixed text is rendered once per language and kept
(``{% language_static %}``): every request must still get its own language, its own
signed-in state, its own CSRF tokens and its own address in the forms."""

from __future__ import annotations

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

from core.models import Process
from participation.models import Resident
from tests.factories import ResidentFactory
from tests.frontend.conftest import sign_in
from tests.frontend.html import parse

pytestmark = pytest.mark.django_db


def _get(client: Client, url: str, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _selected_language(html: str) -> str:
    match = re.search(r'<option value="(\w+)" lang="\w+" selected>', html)
    assert match is not None
    return match.group(1)


def test_layout_follows_the_language_and_sign_in_of_each_request(
    city: Process, voter: Resident
) -> None:
    url = f"/processes/{city.slug}/"
    anonymous, signed_in = Client(), sign_in(Client(), voter)
    for client, language, resident in (
        (anonymous, "en", False),
        (anonymous, "es", False),
        (signed_in, "en", True),
        (signed_in, "fr", True),
        (anonymous, "en", False),
        (signed_in, "es", True),
    ):
        html = _get(client, url, language)
        page = parse(html)
        assert f'<html lang="{language}"' in html
        assert _selected_language(html) == language
        assert (page.by_id("sign-out-form") is not None) is resident
        assert (page.by_id("my-activity-link") is not None) is resident
        assert (page.by_id("sign-in-link") is None) is resident
        footer = {"en": "You are signed in.", "es": "Has entrado.", "fr": "Vous êtes connecté·e."}
        assert (footer[language] in html) is resident
    english = _get(anonymous, url, "en")
    spanish = _get(anonymous, url, "es")
    assert "Skip to content" in english and "Skip to content" not in spanish
    assert "Saltar al contenido" in spanish


def test_each_page_carries_its_own_csrf_tokens(city: Process, voter: Resident) -> None:
    other = ResidentFactory(neighbourhood=voter.neighbourhood)
    url = f"/processes/{city.slug}/ballot/"
    secrets = []
    for resident in (voter, other):
        client = sign_in(Client(enforce_csrf_checks=True), resident)
        client.get(url)  # the first visit sets the CSRF cookie
        html = _get(client, url, "en")
        tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        # The sign-out form, the language form and the ballot.
        assert len(tokens) == 3
        secret = client.cookies["csrftoken"].value
        assert {_unmask_cipher_token(token) for token in tokens} == {secret}
        secrets.append(secret)
        changed = client.post(
            "/language/", {"language": "es", "next": url, "csrfmiddlewaretoken": tokens[1]}
        )
        assert changed.status_code == 302
    assert secrets[0] != secrets[1]


def test_forms_send_back_to_the_page_itself(client: Client, city: Process) -> None:
    url = f"/processes/{city.slug}/?from=letter"
    page = parse(_get(client, url, "en"))
    [next_field] = [t for t in page.named("input") if t.attrs.get("name") == "next"]
    assert next_field.attrs["value"] == url
    sign_in_link = page.by_id("sign-in-link")
    assert sign_in_link is not None
    assert sign_in_link.attrs["href"] == "/sign-in/?next=/processes/budget-2027/%3Ffrom%3Dletter"
