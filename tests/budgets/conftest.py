from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from budgets.models import Pot, Project
from core.models import Phase, PhaseKind, Process
from tests.factories import PhaseFactory, PotFactory, ProcessFactory, ProjectFactory


@pytest.fixture
def voting_process(db) -> Process:  # type: ignore[no-untyped-def]
    """An approval process with an open voting phase, a 100,000 city-wide pot and five
    projects with short codes 1..5 costing 10k, 20k, 30k, 40k, 50k."""
    process = ProcessFactory(currency="USD")
    PhaseFactory(process=process, kind=PhaseKind.VOTING)
    pot = PotFactory(process=process, amount=Decimal("100000"))
    for code in range(1, 6):
        ProjectFactory(pot=pot, process=process, short_code=code, cost=Decimal(code * 10_000))
    return process


def project(process: Process, code: int) -> Project:
    return Project.objects.get(process=process, short_code=code)


def citywide(process: Process) -> Pot:
    return Pot.objects.get(process=process, neighbourhood=None)


def close_voting(process: Process) -> Phase:
    phase = process.phases.get(kind=PhaseKind.VOTING)
    phase.ends_at = timezone.now() - dt.timedelta(seconds=1)
    phase.starts_at = phase.ends_at - dt.timedelta(days=3)
    phase.save()
    return phase
