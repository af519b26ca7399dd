"""Fixtures of the SMS tests: a small city with an open vote, signed Twilio requests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from budgets.models import Pot, Project
from budgets.pot_names import citywide_pot_names
from core.models import PhaseKind, Process
from maps.models import Neighbourhood
from sms.backends.twilio import compute_signature

AUTH_TOKEN = "test-auth-token-0123456789"
PUBLIC_BASE_URL = "https://pb.example.org"
INBOUND_PATH = "/sms/twilio/inbound/"
STATUS_PATH = "/sms/twilio/status/"


@pytest.fixture(autouse=True)
def _sms_setup(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.sms.urls"
    # Staff logins in these tests need no slow password hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    settings.SMS_SENDS_PER_SECOND = 1000.0
    settings.SMS_INBOUND_PER_MINUTE = 10
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@dataclass
class City:
    process: Process
    north: Neighbourhood
    south: Neighbourhood
    citywide: Pot
    north_pot: Pot
    south_pot: Pot
    projects: dict[int, Project]


@pytest.fixture
def city(
    db: None,
    neighbourhood_factory: Any,
    process_factory: Any,
    phase_factory: Any,
    pot_factory: Any,
    project_factory: Any,
) -> City:
    """Two neighbourhoods (1 Northfield, 2 Southbank), a city-wide pot of 100,000 and
    a pot of 50,000 each; projects 1-4 city-wide, 5 Northfield, 6 Southbank. Voting and
    ideas are open."""
    north = neighbourhood_factory(name="Northfield", slug="northfield")
    south = neighbourhood_factory(name="Southbank", slug="southbank")
    process = process_factory(title="Riverbend 2027", slug="riverbend-2027", currency="USD")
    phase_factory(process=process, kind=PhaseKind.VOTING)
    phase_factory(process=process, kind=PhaseKind.IDEAS)
    # Named in every language, as the demo and pb_import name it.
    citywide = pot_factory(process=process, amount=Decimal("100000"), **citywide_pot_names())
    north_pot = pot_factory(
        process=process, neighbourhood=north, name="Northfield", amount=Decimal("50000")
    )
    south_pot = pot_factory(
        process=process, neighbourhood=south, name="Southbank", amount=Decimal("50000")
    )
    specs = [
        (1, citywide, "Solar bus shelters", "40000"),
        (2, citywide, "Free Wi-Fi in libraries", "30000"),
        (3, citywide, "Air-quality sensors near schools", "50000"),
        (4, citywide, "Flood early-warning sensors", "70000"),
        (5, north_pot, "Northfield street lighting", "20000"),
        (6, south_pot, "Southbank pocket park", "20000"),
    ]
    projects = {
        code: project_factory(
            process=process,
            pot=pot,
            short_code=code,
            title=title,
            cost=Decimal(cost),
            description=f"{title}: a pilot the residents asked for.",
            neighbourhood=pot.neighbourhood,
        )
        for code, pot, title, cost in specs
    }
    return City(process, north, south, citywide, north_pot, south_pot, projects)


def sign(path: str, data: Mapping[str, str], *, token: str = AUTH_TOKEN) -> str:
    return compute_signature(auth_token=token, url=PUBLIC_BASE_URL + path, params=data)


def inbound_form(body: str, *, sender: str = "+14155550123", sid: str = "") -> dict[str, str]:
    """The form fields Twilio posts for one text (shape of ../shared/twilio/inbound-sms.json)."""
    sid = sid or f"SM{abs(hash((body, sender, id(body)))):032x}"[:34]
    return {
        "ToCountry": "US",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": "+15005550006",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": "AC00000000000000000000000000000000",
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


class Phone:
    """A resident's phone talking to the webhook, keeping the replies."""

    def __init__(self, client: Client, number: str) -> None:
        self.client = client
        self.number = number
        self.count = 0

    def send(self, body: str, *, sid: str = "") -> list[str]:
        self.count += 1
        sid = sid or f"SM{self.number[-10:]:0>10}{self.count:022x}"
        data = inbound_form(body, sender=self.number, sid=sid)
        response = self.client.post(
            INBOUND_PATH, data, HTTP_X_TWILIO_SIGNATURE=sign(INBOUND_PATH, data)
        )
        assert response.status_code == 200, response.content
        return twiml_messages(response.content.decode())


def twiml_messages(xml: str) -> list[str]:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)  # noqa: S314 - our own response, not untrusted input
    assert root.tag == "Response"
    return [m.text or "" for m in root.iter("Message")]


@pytest.fixture
def phone(client: Client) -> Phone:
    return Phone(client, "+14155550123")


@pytest.fixture
def make_phone(client: Client) -> Iterator[Any]:
    def make(number: str) -> Phone:
        return Phone(Client(), number)

    yield make


def default_language() -> str:
    return str(django_settings.LANGUAGE_CODE)
