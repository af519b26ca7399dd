"""The pages the capacity benchmark reads cost a fixed, small number of SQL queries
(issue 12), counted over the whole request as production runs it (a real transaction
per request, ``transaction=True``): the process page read anonymously and the ballot
read by a signed-in resident. Each page reads its phases, projects and pots once; the
number does not grow with the projects or the ideas shown. The web cast and its
confirmation are counted in ``test_cast_queries.py``."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.models import Process
from participation.models import ProposalStatus, Resident
from tests.factories import ProjectFactory, ProposalFactory
from tests.frontend.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# The process, its phases, the projects, the pots' neighbourhoods and their boundaries,
# the turnout by channel (BEGIN, its work_mem, two grouped reads, COMMIT) and the ideas.
MAX_QUERIES_PROCESS_PAGE = 11
# The session, the process, the resident, the ballot's projects, the voting phase, the
# pots and the resident's ballots ("already voted"), the turnout.
MAX_QUERIES_BALLOT_PAGE = 8


def _more_of_everything(city: Process) -> None:
    """More projects and ideas than the fixture has: a count that grew with them would
    show here."""
    pot = city.pots.get(neighbourhood=None)
    for code in range(20, 30):
        ProjectFactory(process=city, pot=pot, short_code=code)
    for _ in range(5):
        ProposalFactory(process=city, status=ProposalStatus.APPROVED)


def test_process_page_takes_a_fixed_number_of_queries(
    city: Process, django_assert_max_num_queries: Any
) -> None:
    _more_of_everything(city)
    client = Client()
    with django_assert_max_num_queries(MAX_QUERIES_PROCESS_PAGE) as queries:
        response = client.get(f"/processes/{city.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="turnout"' in html and 'class="idea-list"' in html
    print(f"process page: {len(queries)} queries")


def test_ballot_page_takes_a_fixed_number_of_queries(
    city: Process, voter: Resident, django_assert_max_num_queries: Any
) -> None:
    _more_of_everything(city)
    client = sign_in(Client(), voter)
    with django_assert_max_num_queries(MAX_QUERIES_BALLOT_PAGE) as queries:
        response = client.get(f"/processes/{city.slug}/ballot/")
    assert response.status_code == 200
    assert 'id="ballot-form"' in response.content.decode()
    print(f"ballot page: {len(queries)} queries")
