"""Kiosk mode: a poll worker opens it (and is signed out); each voter types their code,
votes, and is signed out; no session carries over between voters."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from budgets.models import Ballot
from core.models import Process
from participation.models import AuditLog
from participation.services.voter_codes import voter_codes_issue
from staff.access import KIOSK_GRANT
from staff.views.kiosk import KIOSK_VOTER

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk(voting_process: Process, staff_with: Any) -> tuple[Client, Any]:
    opener = staff_with("budgets.enter_paper_ballots")
    client = Client()
    client.force_login(opener)
    opened = client.post(reverse("staff:kiosk-open", args=[voting_process.slug]))
    assert opened.status_code == 302 and opened["Location"] == reverse("staff:kiosk")
    return client, opener


def session_key(client: Client) -> str:
    return client.cookies["sessionid"].value


def test_opening_a_kiosk_signs_the_poll_worker_out(kiosk: tuple[Client, Any]) -> None:
    client, _opener = kiosk
    assert client.get(reverse("staff:home")).status_code == 302  # to the staff sign-in
    assert client.get(reverse("staff:kiosk")).status_code == 200
    assert AuditLog.objects.filter(action="kiosk.open").count() == 1


def test_kiosk_sessions_do_not_carry_over_between_voters(
    voting_process: Process, kiosk: tuple[Client, Any]
) -> None:
    client, _opener = kiosk
    first, second = voter_codes_issue(count=2, process=voting_process)
    start = client.post(reverse("staff:kiosk"), {"voter_code": first})
    assert start.status_code == 302
    voting_key = session_key(client)
    ballot = client.get(reverse("staff:kiosk-ballot"))
    assert ballot.status_code == 200 and "Cast my ballot" in ballot.content.decode()

    cast = client.post(reverse("staff:kiosk-ballot"), {"project": ["1", "2"]})
    assert cast.status_code == 302 and cast["Location"] == reverse("staff:kiosk-done")
    done = client.get(reverse("staff:kiosk-done"))
    assert done.status_code == 200
    assert "your ballot is counted" in done.content.decode()
    assert "no-store" in done["Cache-Control"]
    # No timed refresh nobody can stop (WCAG 2.2.1): the script warns and offers more time.
    assert "http-equiv" not in done.content.decode()
    assert 'id="kiosk-more-time"' in done.content.decode()
    # The receipts show once: again (a reload, Back, the next voter) is the start.
    assert client.get(reverse("staff:kiosk-done"))["Location"] == reverse("staff:kiosk")
    # The voter's session is gone from the database; the new one holds only the grant.
    after_key = session_key(client)
    assert after_key != voting_key
    assert not Session.objects.filter(session_key=voting_key).exists()
    data = Session.objects.get(session_key=after_key).get_decoded()
    assert set(data) == {KIOSK_GRANT}
    # The next person at the kiosk is not the last voter.
    assert client.get(reverse("staff:kiosk-ballot"))["Location"] == reverse("staff:kiosk")
    replay = client.post(reverse("staff:kiosk-ballot"), {"project": ["3"]})
    assert replay.status_code == 302
    assert Ballot.objects.filter(channel="paper").count() == 1

    # An old cookie of the first voter opens nothing.
    stale = Client()
    stale.cookies["sessionid"] = voting_key
    assert stale.get(reverse("staff:kiosk-ballot")).status_code == 403

    client.post(reverse("staff:kiosk"), {"voter_code": second})
    assert client.post(reverse("staff:kiosk-ballot"), {"project": ["3"]}).status_code == 302
    assert Ballot.objects.filter(channel="paper").count() == 2
    entries = AuditLog.objects.filter(action="paper.enter")
    assert [e.data.get("via") for e in entries] == ["kiosk", "kiosk"]


def test_a_refused_ballot_keeps_the_voter_to_fix_it_and_leave_signs_out(
    voting_process: Process, kiosk: tuple[Client, Any]
) -> None:
    client, _opener = kiosk
    (code,) = voter_codes_issue(count=1, process=voting_process)
    client.post(reverse("staff:kiosk"), {"voter_code": code})
    refused = client.post(reverse("staff:kiosk-ballot"), {"project": ["3", "4", "5"]})
    assert refused.status_code == 400
    assert "over the limit" in refused.content.decode()
    assert KIOSK_VOTER in client.session
    client.post(reverse("staff:kiosk-leave"))
    assert KIOSK_VOTER not in client.session
    assert client.get(reverse("staff:kiosk-ballot")).status_code == 302


def test_a_used_or_unknown_code_is_refused_at_the_door(
    voting_process: Process, kiosk: tuple[Client, Any]
) -> None:
    client, _opener = kiosk
    (code,) = voter_codes_issue(count=1, process=voting_process)
    assert client.post(reverse("staff:kiosk"), {"voter_code": "XXXX"}).status_code == 400
    client.post(reverse("staff:kiosk"), {"voter_code": code})
    client.post(reverse("staff:kiosk-ballot"), {"project": ["1"]})
    again = client.post(reverse("staff:kiosk"), {"voter_code": code})
    assert again.status_code == 400 and "Already entered on paper" in again.content.decode()


def test_the_kiosk_stops_when_the_poll_worker_loses_the_permission(
    kiosk: tuple[Client, Any],
) -> None:
    client, opener = kiosk
    opener.user_permissions.remove(Permission.objects.get(codename="enter_paper_ballots"))
    assert client.get(reverse("staff:kiosk")).status_code == 403


def test_no_kiosk_without_a_grant(client: Client) -> None:
    assert client.get(reverse("staff:kiosk")).status_code == 403


def test_the_language_a_voter_chose_is_not_the_next_voters(
    voting_process: Process, kiosk: tuple[Client, Any]
) -> None:
    client, _opener = kiosk
    (code,) = voter_codes_issue(count=1, process=voting_process)
    assert 'name="language" value="es"' in client.get(reverse("staff:kiosk")).content.decode()
    client.post(reverse("frontend:language"), {"language": "es", "next": reverse("staff:kiosk")})
    client.post(reverse("staff:kiosk"), {"voter_code": code})
    client.post(reverse("staff:kiosk-ballot"), {"project": ["1"]})
    done = client.get(reverse("staff:kiosk-done"))
    assert '<html lang="es">' in done.content.decode()
    assert done.cookies["django_language"]["max-age"] == 0
    assert '<html lang="en">' in client.get(reverse("staff:kiosk")).content.decode()
