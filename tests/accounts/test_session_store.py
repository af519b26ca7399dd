"""The session engine (accounts.session_store): Django's database sessions, read by
hand-written SQL, behave as Django's own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def test_the_site_uses_it() -> None:
    assert settings.SESSION_ENGINE == "accounts.session_store"


def test_a_saved_session_loads_with_its_data() -> None:
    store = SessionStore()
    store["resident_id"] = 42
    store["language"] = "es"
    store.save()
    again = SessionStore(session_key=store.session_key)
    assert again["resident_id"] == 42 and again["language"] == "es"
    assert again.session_key == store.session_key


def test_an_expired_or_unknown_session_loads_empty_and_forgets_its_key() -> None:
    store = SessionStore()
    store["resident_id"] = 7
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(session_key=store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    unknown = SessionStore(session_key="x" * 32)
    assert "resident_id" not in unknown
    assert unknown.session_key is None


@pytest.mark.parametrize("cookie", ["abcdefgh\x00ijklmnop", "abcdefgh'; --x", "é" * 32])
def test_a_malformed_session_cookie_is_no_session_not_an_error(client, cookie: str) -> None:  # type: ignore[no-untyped-def]
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = client.get("/", HTTP_HOST="testserver")
    assert response.status_code == 200
    assert SessionStore(session_key=cookie).session_key is None
