"""A small published city for the API tests: neighbourhoods, ideas with places, a
process whose voting has closed and whose results are published, and a pilot."""

from __future__ import annotations

from typing import Any

import pytest

from budgets.models import Selection
from budgets.services.results import results_publish
from core.models import Process
from participation.models import ProposalStatus
from tests.budgets.conftest import citywide, close_voting, project, voting_process

__all__ = ["published", "voting_process"]


@pytest.fixture
def published(
    voting_process: Process,
    neighbourhood_factory: Any,
    ballot_factory: Any,
    proposal_factory: Any,
    pilot_factory: Any,
) -> Process:
    north = neighbourhood_factory(slug="north", name="North", population=30_000)
    neighbourhood_factory(slug="south", name="South", population=10_000)
    voting_process.projects.filter(short_code__in=[1, 2]).update(
        neighbourhood=north, lat=4.61, lng=-73.99
    )
    pot = citywide(voting_process)
    for codes in ([1], [1, 2], [2, 5], [5], [3, 4]):
        ballot = ballot_factory(pot=pot)
        for code in codes:
            Selection.objects.create(ballot=ballot, project=project(voting_process, code))
    proposal_factory(
        process=voting_process,
        status=ProposalStatus.APPROVED,
        lat=4.6,
        lng=-74.0,
        neighbourhood=north,
    )
    proposal_factory(process=voting_process, status=ProposalStatus.APPROVED)
    proposal_factory(process=voting_process, status=ProposalStatus.SUBMITTED, lat=4.6, lng=-74.0)
    pilot_factory(slug="bus-stops", process=voting_process)
    close_voting(voting_process)
    results_publish(process=voting_process, actor=None)
    voting_process.refresh_from_db()
    return voting_process
