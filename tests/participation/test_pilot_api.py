"""The pilots' reporting API: ``POST /api/pilots/<slug>/reports/`` with a bearer token,
and the token it needs (``manage.py pilot_token``)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from participation.models import AuditLog, Pilot, PilotReport
from participation.pilot_access import pilot_token_hash
from participation.services.pilots import pilot_token_rotate

pytestmark = pytest.mark.django_db


def _report(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "period_start": "2027-01-01",
        "period_end": "2027-01-31",
        "neighbourhood": None,
        "channel": "in_person",
        "participants": 120,
        "participants_by_group": {"gender.woman": 64, "age_band.65_plus": 30},
        "metrics": {"sessions": {"value": 9, "unit": "sessions"}},
    }
    body.update(overrides)
    return body


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def pilot(pilot_factory: Any) -> Pilot:
    return pilot_factory(slug="bus-stops", name="Smart bus stops")


@pytest.fixture
def token(pilot: Pilot) -> str:
    return pilot_token_rotate(pilot=pilot, actor=None)


def _post(api: APIClient, slug: str, body: Any, token: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return api.post(f"/api/pilots/{slug}/reports/", body, format="json", **headers)


def test_good_report_is_created(api: APIClient, pilot: Pilot, token: str) -> None:
    response = _post(api, pilot.slug, _report(), token)
    assert response.status_code == 201, response.content
    data = response.json()
    report = PilotReport.objects.get()
    assert data["id"] == report.pk
    assert data["pilot"] == "bus-stops"
    assert data["channel"] == "in_person" and data["neighbourhood"] is None
    assert report.participants == 120
    assert report.participants_by_group == {"gender.woman": 64, "age_band.65_plus": 30}
    assert report.metrics == {"sessions": {"value": 9, "unit": "sessions"}}


def test_report_for_a_neighbourhood(
    api: APIClient, pilot: Pilot, token: str, neighbourhood: Any
) -> None:
    response = _post(api, pilot.slug, _report(neighbourhood=neighbourhood.slug), token)
    assert response.status_code == 201
    assert response.json()["neighbourhood"] == neighbourhood.slug
    # Same period and channel, but for the whole pilot: another report.
    assert _post(api, pilot.slug, _report(), token).status_code == 201
    assert PilotReport.objects.count() == 2


def test_repeated_report_is_200_with_the_same_id(api: APIClient, pilot: Pilot, token: str) -> None:
    first = _post(api, pilot.slug, _report(), token)
    again = _post(api, pilot.slug, _report(), token)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert PilotReport.objects.count() == 1
    assert not AuditLog.objects.filter(action="pilot.report_replace").exists()


def test_changed_report_replaces_and_is_audited(api: APIClient, pilot: Pilot, token: str) -> None:
    first = _post(api, pilot.slug, _report(), token).json()
    changed = _post(api, pilot.slug, _report(participants=150), token)
    assert changed.status_code == 200
    assert changed.json()["id"] == first["id"]
    assert changed.json()["participants"] == 150
    report = PilotReport.objects.get()
    assert report.participants == 150
    entry = AuditLog.objects.get(action="pilot.report_replace")
    assert entry.object_type == "pilot_report" and entry.object_id == str(report.pk)
    assert entry.data["before"]["participants"] == 120
    assert entry.data["after"]["participants"] == 150
    assert entry.data["via"] == "pilot API"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"period_start": "2027-02-30"}, "period_start"),
        ({"period_end": "2026-12-31"}, "period_end"),
        ({"channel": "carrier-pigeon"}, "channel"),
        ({"participants": -1}, "participants"),
        ({"participants": "many"}, "participants"),
        ({"participants_by_group": {"gender.woman": 121}}, "participants_by_group"),
        ({"participants_by_group": {"gender.woman": "x"}}, "participants_by_group"),
        ({"participants_by_group": {"women": 64}}, "participants_by_group"),
        (
            {"participants_by_group": {"gender.woman": 70, "gender.man": 60}},
            "participants_by_group",
        ),
        ({"metrics": {"sessions": {"value": "nine"}}}, "metrics"),
        ({"metrics": {"sessions": 9}}, "metrics"),
        ({"neighbourhood": "atlantis"}, "neighbourhood"),
    ],
)
def test_bad_fields_are_400_with_field_errors(
    api: APIClient, pilot: Pilot, token: str, overrides: dict[str, Any], field: str
) -> None:
    response = _post(api, pilot.slug, _report(**overrides), token)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not PilotReport.objects.exists()


def test_unknown_group_keys_are_400_naming_them(api: APIClient, pilot: Pilot, token: str) -> None:
    groups = {"women": 64, "age_65_plus": 30, "gender.woman": 10, "gender.robot": 1}
    response = _post(api, pilot.slug, _report(participants_by_group=groups), token)
    assert response.status_code == 400, response.content
    (message,) = response.json()["participants_by_group"]
    named, _sep, known = message.partition("The city's groups are:")
    assert "age_65_plus, gender.robot, women" in named
    assert "gender.woman" not in named
    # The message lists the keys the city does accept.
    assert "age_band.65_plus" in known and "gender.not_given" in known
    assert not PilotReport.objects.exists()


def test_group_keys_follow_the_citys_questions(
    api: APIClient, pilot: Pilot, token: str, settings: Any
) -> None:
    settings.DEMOGRAPHIC_QUESTIONS = {"age_band": ("under_25", "25_59", "60_plus")}
    bad = _post(api, pilot.slug, _report(), token)
    assert bad.status_code == 400
    assert "age_band.65_plus, gender.woman" in bad.json()["participants_by_group"][0]
    groups = {"age_band.under_25": 40, "age_band.60_plus": 50, "age_band.not_given": 30}
    good = _post(api, pilot.slug, _report(participants_by_group=groups), token)
    assert good.status_code == 201, good.content
    assert PilotReport.objects.get().participants_by_group == groups


def test_missing_fields_and_bad_bodies_are_400(api: APIClient, pilot: Pilot, token: str) -> None:
    body = _report()
    del body["participants"]
    response = _post(api, pilot.slug, body, token)
    assert response.status_code == 400 and "participants" in response.json()
    assert _post(api, pilot.slug, [1, 2], token).status_code == 400
    raw = api.post(
        f"/api/pilots/{pilot.slug}/reports/",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert raw.status_code == 400


def test_no_token_is_401(api: APIClient, pilot: Pilot) -> None:
    response = _post(api, pilot.slug, _report(), None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_token_is_401(api: APIClient, pilot: Pilot, token: str) -> None:
    assert _post(api, pilot.slug, _report(), token + "x").status_code == 401
    assert _post(api, pilot.slug, _report(), "").status_code == 401
    response = api.post(
        f"/api/pilots/{pilot.slug}/reports/",
        _report(),
        format="json",
        HTTP_AUTHORIZATION="Bearer two words",
    )
    assert response.status_code == 401
    assert not PilotReport.objects.exists()


def test_another_pilots_token_is_403(
    api: APIClient, pilot: Pilot, token: str, pilot_factory: Any
) -> None:
    other = pilot_factory(slug="air-sensors")
    other_token = pilot_token_rotate(pilot=other, actor=None)
    assert _post(api, pilot.slug, _report(), other_token).status_code == 403
    assert _post(api, "no-such-pilot", _report(), token).status_code == 403
    assert not PilotReport.objects.exists()


def test_inactive_pilot_token_is_401(api: APIClient, pilot: Pilot, token: str) -> None:
    Pilot.objects.filter(pk=pilot.pk).update(active=False)
    assert _post(api, pilot.slug, _report(), token).status_code == 401


def test_pilot_token_command_rotates(api: APIClient, pilot: Pilot) -> None:
    out = io.StringIO()
    call_command("pilot_token", pilot.slug, stdout=out)
    first = out.getvalue().strip()
    pilot.refresh_from_db()
    # Only the keyed hash is stored, never the token.
    assert pilot.token_hash == pilot_token_hash(first) and first not in pilot.token_hash
    assert _post(api, pilot.slug, _report(), first).status_code == 201

    out = io.StringIO()
    call_command("pilot_token", pilot.slug, stdout=out)
    second = out.getvalue().strip()
    assert second != first
    assert _post(api, pilot.slug, _report(participants=200), first).status_code == 401
    assert _post(api, pilot.slug, _report(participants=200), second).status_code == 200
    assert AuditLog.objects.filter(action="pilot.token_rotate").count() == 2


def test_pilot_token_command_unknown_pilot() -> None:
    with pytest.raises(CommandError, match="no pilot"):
        call_command("pilot_token", "nope", stdout=io.StringIO())


def test_reports_are_throttled_per_pilot(
    api: APIClient, pilot: Pilot, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from participation.api import PilotRateThrottle

    monkeypatch.setattr(PilotRateThrottle, "rate", "2/min", raising=False)
    codes = [_post(api, pilot.slug, _report(), token).status_code for _ in range(3)]
    assert codes == [201, 200, 429]
