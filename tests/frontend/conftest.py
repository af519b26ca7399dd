from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from core.models import BallotType, PhaseKind, Process
from maps.models import Neighbourhood
from participation.models import Proposal, ProposalStatus, Resident
from tests.factories import (
    NeighbourhoodFactory,
    PhaseFactory,
    PotFactory,
    ProcessFactory,
    ProjectFactory,
    ProposalFactory,
    square,
)


def sign_in(client: Client, resident: Resident) -> Client:
    """Put ``resident`` in the client's session, as a verified sign-in does."""
    session = client.session
    session["resident_id"] = resident.pk
    session.save()
    return client


@pytest.fixture
def area(db) -> Neighbourhood:  # type: ignore[no-untyped-def]
    """A neighbourhood whose boundary is the square lng -74.00..-73.99, lat 4.60..4.61."""
    return NeighbourhoodFactory(name="Riverside", slug="riverside", boundary=square(-74.0, 4.6))


@pytest.fixture
def city(db, area: Neighbourhood) -> Process:  # type: ignore[no-untyped-def]
    """Approval process, voting and ideas open; a 100,000 city-wide pot with projects
    1..5 (10k..50k) and a 30,000 pot for ``area`` with projects 6 and 7 (20k each)."""
    process = ProcessFactory(title="Budget 2027", slug="budget-2027", currency="USD")
    PhaseFactory(process=process, kind=PhaseKind.VOTING)
    # The idea box opened long before the vote and stays open through it (as in the
    # demo city): the vote is the current phase.
    PhaseFactory(
        process=process, kind=PhaseKind.IDEAS, starts_at=timezone.now() - dt.timedelta(days=30)
    )
    pot = PotFactory(process=process, amount=Decimal("100000"), name="City-wide")
    for code in range(1, 6):
        ProjectFactory(
            pot=pot,
            process=process,
            short_code=code,
            cost=Decimal(code * 10_000),
            lat=4.605,
            lng=-73.995,
            neighbourhood=area,
        )
    local = PotFactory(
        process=process, amount=Decimal("30000"), name="Riverside", neighbourhood=area
    )
    for code in (6, 7):
        ProjectFactory(pot=local, process=process, short_code=code, cost=Decimal("20000"))
    return process


@pytest.fixture
def voter(resident: Resident, area: Neighbourhood) -> Resident:
    resident.neighbourhood = area
    resident.save()
    return resident


@pytest.fixture
def voter_client(client: Client, voter: Resident) -> Client:
    return sign_in(client, voter)


@pytest.fixture
def idea(city: Process, area: Neighbourhood) -> Proposal:
    return ProposalFactory(
        process=city,
        title="Shade at the bus stop",
        status=ProposalStatus.APPROVED,
        neighbourhood=area,
        lat=4.605,
        lng=-73.995,
    )


def set_ballot_type(process: Process, ballot_type: str, **limits: object) -> Process:
    process.ballot_type = ballot_type
    for name, value in limits.items():
        setattr(process, name, value)
    process.save()
    return process


def close_phase(process: Process, kind: str) -> None:
    phase = process.phases.get(kind=kind)
    phase.ends_at = timezone.now() - dt.timedelta(seconds=1)
    phase.starts_at = phase.ends_at - dt.timedelta(days=3)
    phase.save()


__all__ = ["BallotType", "close_phase", "set_ballot_type", "sign_in"]
