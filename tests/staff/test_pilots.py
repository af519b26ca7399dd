"""Pilot reporters see and manage only their own pilot: the staff pages, the token
rotation service and the public page with delivery beside the scorecard."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.test import Client
from rest_framework.test import APIClient

from budgets.models import ImplementationStatus
from participation.models import AuditLog, Pilot
from participation.services.pilots import pilot_token_rotate

pytestmark = pytest.mark.django_db


def _grant(user: Any, *codenames: str) -> Any:
    for codename in codenames:
        user.user_permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label="participation")
        )
    return type(user).objects.get(pk=user.pk)  # a fresh permission cache


@pytest.fixture
def pilots(pilot_factory: Any) -> tuple[Pilot, Pilot]:
    return pilot_factory(slug="bus-stops", name="Bus stops"), pilot_factory(
        slug="air-sensors", name="Air sensors"
    )


@pytest.fixture
def reporter(user_factory: Any, pilots: tuple[Pilot, Pilot]) -> Any:
    user = _grant(user_factory(username="reporter"), "report_pilot")
    pilots[0].reporters.add(user)
    return user


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_reporter_lists_only_their_pilot(reporter: Any, pilots: tuple[Pilot, Pilot]) -> None:
    page = _client(reporter).get("/staff/pilots/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bus stops" in html and "Air sensors" not in html


def test_reporter_cannot_open_or_rotate_another_pilot(
    reporter: Any, pilots: tuple[Pilot, Pilot]
) -> None:
    _mine, theirs = pilots
    before = pilot_token_rotate(pilot=theirs, actor=None)
    client = _client(reporter)
    assert client.get(f"/staff/pilots/{theirs.slug}/").status_code == 403
    assert client.post(f"/staff/pilots/{theirs.slug}/").status_code == 403
    assert client.get("/staff/pilots/no-such-pilot/").status_code == 403
    theirs.refresh_from_db()
    # Their token still works: nothing was rotated.
    api = APIClient()
    response = api.post(
        f"/api/pilots/{theirs.slug}/reports/",
        {"period_start": "2027-01-01", "period_end": "2027-01-31", "neighbourhood": None,
         "channel": "web", "participants": 3},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {before}",
    )  # fmt: skip
    assert response.status_code == 201
    with pytest.raises(PermissionDenied):
        pilot_token_rotate(pilot=theirs, actor=reporter)


def test_reporter_rotates_their_token_and_sees_it_once(
    reporter: Any, pilots: tuple[Pilot, Pilot]
) -> None:
    mine, _theirs = pilots
    old = pilot_token_rotate(pilot=mine, actor=None)
    client = _client(reporter)
    page = client.post(f"/staff/pilots/{mine.slug}/")
    assert page.status_code == 200
    match = re.search(r'<code id="token-value">([^<]+)</code>', page.content.decode())
    assert match
    new = match.group(1)
    assert new != old
    # Shown once: the next view of the page does not show it.
    assert new not in client.get(f"/staff/pilots/{mine.slug}/").content.decode()
    body = {"period_start": "2027-01-01", "period_end": "2027-01-31", "neighbourhood": None,
            "channel": "web", "participants": 3}  # fmt: skip
    api = APIClient()
    old_try = api.post(
        f"/api/pilots/{mine.slug}/reports/", body, format="json", HTTP_AUTHORIZATION=f"Bearer {old}"
    )
    assert old_try.status_code == 401
    new_try = api.post(
        f"/api/pilots/{mine.slug}/reports/", body, format="json", HTTP_AUTHORIZATION=f"Bearer {new}"
    )
    assert new_try.status_code == 201
    entry = AuditLog.objects.filter(action="pilot.token_rotate").latest("created_at")
    assert entry.actor == reporter


def test_staff_without_the_permission_is_refused(
    user_factory: Any, pilots: tuple[Pilot, Pilot]
) -> None:
    user = user_factory(username="moderator")
    pilots[0].reporters.add(user)  # a team link alone grants nothing
    client = _client(user)
    assert client.get("/staff/pilots/").status_code == 403
    assert client.get(f"/staff/pilots/{pilots[0].slug}/").status_code == 403
    assert Client().get("/staff/pilots/").status_code == 302  # to the sign-in


def test_admin_role_sees_every_pilot(user_factory: Any, pilots: tuple[Pilot, Pilot]) -> None:
    admin = _grant(user_factory(username="boss"), "report_pilot", "change_pilot")
    html = _client(admin).get("/staff/pilots/").content.decode()
    assert "Bus stops" in html and "Air sensors" in html
    assert _client(admin).get(f"/staff/pilots/{pilots[1].slug}/").status_code == 200


def test_public_page_shows_delivery_beside_the_scorecard(
    client: Any, pilots: tuple[Pilot, Pilot], project_factory: Any, pilot_report_factory: Any
) -> None:
    mine, _theirs = pilots
    project = project_factory(
        title="Shade at bus stops",
        implementation_status=ImplementationStatus.IN_PROGRESS,
        implementation_percent=40,
        pilot=mine,
    )
    pilot_report_factory(pilot=mine, participants=120, channel="sms")
    page = client.get(f"/pilots/{mine.slug}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="pilot-delivery"' in html and 'id="pilot-scorecard"' in html
    assert "Shade at bus stops" in html and f"/projects/{project.pk}/" in html
    assert "120 participants" in html
    assert client.get("/pilots/").status_code == 200
    assert client.get("/pilots/nope/").status_code == 404


@pytest.mark.parametrize(("language", "word"), [("es", "Pilotos"), ("fr", "Pilotes")])
def test_pilot_pages_speak_spanish_and_french(
    client: Any, reporter: Any, pilots: tuple[Pilot, Pilot], language: str, word: str
) -> None:
    client.cookies["django_language"] = language
    assert word in client.get(f"/pilots/{pilots[0].slug}/").content.decode()
    staff = _client(reporter)
    staff.cookies["django_language"] = language
    assert word in staff.get("/staff/pilots/").content.decode()
