"""The simulator with a real gateway: only staff holding ``sms.use_simulator``, only as
a reserved test number, and ballots from that range never count anywhere."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from budgets.ballot_validation import Choice
from budgets.models import Ballot
from budgets.selectors import process_turnout
from budgets.services.ballots import ballot_cast
from budgets.tally import election_for_pot
from participation.services.residents import resident_for_phone
from sms.models import InboundMessage
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db

SIMULATOR = "/sms/simulator/"
TEST_NUMBER = "+12025550142"


def sid(client: Client) -> str:
    html = client.get(SIMULATOR).content.decode()
    match = re.search(r'name="message_sid" value="(SIM[0-9a-f]{32})"', html)
    assert match
    return match.group(1)


def test_staff_without_the_permission_is_refused_with_a_real_backend(city: Any) -> None:
    client = Client()
    client.force_login(UserFactory(username="plain-staff"))
    assert client.get(SIMULATOR).status_code == 403
    response = client.post(
        SIMULATOR, {"sender": TEST_NUMBER, "body": "HELP", "message_sid": "SIM" + "a" * 32}
    )
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


def test_with_the_permission_only_test_numbers_may_text(city: Any) -> None:
    client = Client()
    client.force_login(grant(UserFactory(username="tester"), "sms.use_simulator"))
    real = client.post(
        SIMULATOR, {"sender": "+14155550177", "body": "HELP", "message_sid": sid(client)}
    )
    assert real.status_code == 400
    assert "test number" in real.content.decode()
    assert not InboundMessage.objects.exists()
    ok = client.post(SIMULATOR, {"sender": TEST_NUMBER, "body": "HELP", "message_sid": sid(client)})
    assert ok.status_code == 302
    assert InboundMessage.objects.count() == 1


def test_test_range_ballots_count_in_no_tally_or_turnout(city: Any) -> None:
    process = city.process
    project = city.projects[1]  # city-wide
    real, _ = resident_for_phone(e164="+14155550101", channel="sms")
    test, _ = resident_for_phone(e164=TEST_NUMBER, channel="sms")
    for resident in (real, test):
        ballot_cast(resident=resident, process=process, choices=[Choice(project.pk)], channel="sms")
    assert Ballot.objects.filter(test=True).count() == 1
    assert Ballot.objects.counted().count() == 1
    assert process_turnout(process) == 1
    election, _ids = election_for_pot(process, project.pot)
    assert election.num_voters == 1
