"""A cast costs a fixed, small number of SQL queries (issue 12: at most 10 for a web
cast and for an SMS VOTE, whatever the number of pots), counted over the whole request
as production runs it: a real transaction per request (``transaction=True``), not the
test's savepoints. And the confirmation comes from what ``ballot_cast`` returned: no
query after the commit. The channel layer is channels_redis, as in production, so live
events leave the request (to the live thread); Redis is down, which must not matter."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from budgets.models import Ballot, Project
from core.models import Process
from participation.models import Resident
from tests.frontend.conftest import sign_in
from tests.sms.conftest import AUTH_TOKEN, PUBLIC_BASE_URL, Phone

pytestmark = pytest.mark.django_db(transaction=True)

# Counted as Django 6 logs them, BEGIN and COMMIT included.
MAX_QUERIES = 10
# A re-cast also deletes the selections it replaces.
MAX_QUERIES_RECAST = 11


def _pk(process: Process, code: int) -> int:
    return Project.objects.get(process=process, short_code=code).pk


def test_web_cast_in_two_pots_takes_at_most_ten_queries(
    city: Process, voter: Resident, redis_layer_down: None, django_assert_max_num_queries: Any
) -> None:
    client = sign_in(Client(), voter)
    url = f"/processes/{city.slug}/ballot/"
    first = {"project": [_pk(city, 1), _pk(city, 2), _pk(city, 6)]}
    again = {"project": [_pk(city, 3), _pk(city, 7)]}
    with django_assert_max_num_queries(MAX_QUERIES) as first_cast:
        response = client.post(url, first)
    assert response.status_code == 200
    assert "Your ballot is counted" in response.content.decode()
    with django_assert_max_num_queries(MAX_QUERIES_RECAST) as recast:
        response = client.post(url, again)
    assert response.status_code == 200
    assert Ballot.objects.filter(process=city).count() == 2
    print(f"web cast: {len(first_cast)} queries, re-cast: {len(recast)}")


def test_confirmation_needs_no_query_after_the_commit(
    city: Process, voter: Resident, redis_layer_down: None
) -> None:
    """Every query of a successful cast runs before the commit: none after it, so a
    database lost right after the commit cannot cost the resident their receipt."""
    client = sign_in(Client(), voter)
    choices = {"project": [_pk(city, 1), _pk(city, 6)]}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/processes/{city.slug}/ballot/", choices)
    assert response.status_code == 200
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    last_write = max(i for i, word in enumerate(statements) if word in {"INSERT", "UPDATE"})
    assert statements[last_write + 1 :] == ["COMMIT"], statements
    html = response.content.decode()
    for code in (1, 6):
        assert Project.objects.get(process=city, short_code=code).title in html


@pytest.fixture
def sms_settings(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.sms.urls"
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL


def test_sms_vote_takes_at_most_ten_queries(
    city: Process,
    voter: Resident,
    sms_settings: None,
    redis_layer_down: None,
    django_assert_max_num_queries: Any,
) -> None:
    # Their age is known, so the vote's reply asks nothing more (a question costs one
    # more write, to remember it was asked).
    voter.demographics = {"age_band": "30-44"}
    voter.demographics_consent_at = voter.created_at
    voter.save(update_fields=["demographics", "demographics_consent_at"])
    phone = Phone(Client(), voter.phone_e164)
    phone.send("HELLO")
    with django_assert_max_num_queries(MAX_QUERIES) as first_vote:
        replies = phone.send("VOTE 1 2 6")
    assert replies[0].startswith("Vote recorded: 1, 2, 6."), replies
    with django_assert_max_num_queries(MAX_QUERIES_RECAST) as revote:
        replies = phone.send("VOTE 3 7")
    assert replies[0].startswith("Vote changed: 3, 7."), replies
    print(f"sms vote: {len(first_vote)} queries, re-vote: {len(revote)}")
