"""The public parts of a process's pages are kept for ``PAGE_CACHE_SECONDS`` in the
worker (production: 2 s): a second view in that time reads only the process (and, for
the ballot, what belongs to the resident); what a visitor sees after it is fresh; each
language is kept apart; nothing of one request (CSP nonce, CSRF token) is kept."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from budgets.models import Ballot
from core.models import Process
from frontend import page_cache
from participation.models import ProposalStatus, Resident
from tests.factories import ProposalFactory, ResidentFactory
from tests.frontend.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Parts kept 2 s, on a clock the test moves: ``clock[0] += 3`` expires them."""
    settings.PAGE_CACHE_SECONDS = 2.0
    clock = [1000.0]
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: clock[0])
    page_cache.page_parts_forget()
    yield clock
    page_cache.page_parts_forget()


def _nonce(html: str) -> str:
    found = re.search(r'nonce="([^"]+)"', html)
    assert found, "the page has no CSP nonce"
    return found.group(1)


def test_a_second_view_reads_only_the_process_and_a_later_one_is_fresh(
    city: Process, kept: list[float], django_assert_max_num_queries: Any
) -> None:
    client = Client()
    first = client.get(f"/processes/{city.slug}/").content.decode()
    idea = ProposalFactory(process=city, status=ProposalStatus.APPROVED, title="A new bench")
    with django_assert_max_num_queries(1) as queries:
        again = client.get(f"/processes/{city.slug}/").content.decode()
    assert 'FROM "budgets_process"' in queries[0]["sql"]  # the process itself, fresh
    assert idea.title not in again  # within the 2 s
    assert _nonce(again) != _nonce(first)  # the request's own parts are its own
    kept[0] += 3
    assert idea.title in client.get(f"/processes/{city.slug}/").content.decode()


def test_each_language_keeps_its_own_parts(city: Process, kept: list[float]) -> None:
    city.title_es = "Presupuesto 2027"
    city.save()
    project = city.projects.get(short_code=1)
    project.title_es = "Bancos nuevos"
    project.save()
    english = Client().get(f"/processes/{city.slug}/").content.decode()
    spanish = Client(headers={"accept-language": "es"}).get(f"/processes/{city.slug}/")
    assert project.title_en in english and "Bancos nuevos" not in english
    assert "Bancos nuevos" in spanish.content.decode()


def test_the_ballot_pages_turnout_is_kept_and_the_residents_own_state_is_not(
    city: Process, voter: Resident, kept: list[float]
) -> None:
    client = sign_in(Client(), voter)
    url = f"/processes/{city.slug}/ballot/"
    before = client.get(url).content.decode()
    assert 'id="live-turnout">0<' in before
    project = city.projects.get(short_code=1)
    response = client.post(url, {"project": [project.pk]})
    assert response.status_code == 200
    assert Ballot.objects.filter(process=city).exists()
    after = client.get(url).content.decode()
    assert 'id="live-turnout">0<' in after  # the count kept 2 s
    assert after != before  # but "you have voted" is the resident's, read each time
    kept[0] += 3
    assert 'id="live-turnout">1<' in client.get(url).content.decode()


def test_the_ballot_is_kept_per_neighbourhood(
    city: Process, voter: Resident, area: Any, kept: list[float], django_assert_max_num_queries: Any
) -> None:
    """Residents of one neighbourhood see the same pots: the second one's page reads
    no project; a resident of no neighbourhood sees the city-wide pot only."""
    neighbour = ResidentFactory(neighbourhood=area)
    elsewhere = ResidentFactory(neighbourhood=None)
    url = f"/processes/{city.slug}/ballot/"
    local = city.projects.get(short_code=6)
    assert local.title in sign_in(Client(), voter).get(url).content.decode()
    client = sign_in(Client(), neighbour)
    with django_assert_max_num_queries(6) as queries:
        page = client.get(url).content.decode()
    assert local.title in page
    assert not any('"budgets_project"' in q["sql"] for q in queries)
    assert local.title not in sign_in(Client(), elsewhere).get(url).content.decode()
