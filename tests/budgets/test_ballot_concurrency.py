"""Races on PostgreSQL: the row lock serialises one resident's casts, the unique
constraint backs it up, and the budget cap holds under parallel casts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import (
    IntegrityError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.utils import timezone

from budgets.ballot_validation import Choice
from budgets.models import Ballot, CastLog, Selection
from budgets.pseudonyms import ballot_pseudonym
from budgets.services.ballots import BallotInvalid, ballot_cast
from participation.models import Resident
from tests.budgets.conftest import citywide, project
from tests.factories import ResidentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


POOL_RETRIES = 20


def run_parallel(n: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def runner(i: int) -> None:
        try:
            barrier.wait()
            for attempt in range(POOL_RETRIES):
                try:
                    results[i] = work(i)
                    break
                except OperationalError as exc:
                    # The bounded pool (DB_POOL_MAX_SIZE) made this caller wait too long:
                    # a client gets 503 and tries again; so does this one.
                    if "couldn't get a connection" not in str(exc) or attempt == POOL_RETRIES - 1:
                        raise
                    connection.close()
        except Exception as exc:
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_fifty_parallel_casts_by_one_resident_leave_one_counted_ballot(voting_process) -> None:  # type: ignore[no-untyped-def]
    resident = ResidentFactory()
    codes = [1, 2, 3, 4, 5]

    def work(i: int) -> object:
        code = codes[i % 5]
        return ballot_cast(
            resident=resident,
            process=voting_process,
            choices=[Choice(project(voting_process, code).pk)],
            channel="web",
        )

    results = run_parallel(50, work)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert Ballot.objects.count() == 1
    ballot = Ballot.objects.get()
    assert Selection.objects.filter(ballot=ballot).count() == 1
    assert CastLog.objects.count() == 50
    # The counted ballot is the one whose receipt is current; all others read "replaced".
    receipts = {r.receipts[0].receipt for r in results}  # type: ignore[union-attr]
    assert ballot.receipt in receipts


def test_casts_under_a_callers_lock_and_under_their_own_are_serialised(voting_process) -> None:  # type: ignore[no-untyped-def]
    """The SMS webhook locks the resident itself and casts with ``resident_locked``; a
    web cast by the same resident takes the lock in ballot_cast: the same row lock, so
    the two kinds of cast, in parallel, still leave one counted ballot."""
    resident = ResidentFactory()

    def work(i: int) -> object:
        choices = [Choice(project(voting_process, 1 + i % 5).pk)]
        if i % 2:
            return ballot_cast(
                resident=resident.pk, process=voting_process, choices=choices, channel="web"
            )
        with transaction.atomic():
            locked = Resident.objects.select_for_update().get(pk=resident.pk)
            return ballot_cast(
                resident=locked,
                process=voting_process,
                choices=choices,
                channel="sms",
                resident_locked=True,
            )

    results = run_parallel(20, work)
    assert [r for r in results if isinstance(r, Exception)] == []
    ballot = Ballot.objects.get()
    assert Selection.objects.filter(ballot=ballot).count() == 1
    assert CastLog.objects.count() == 20
    assert ballot.receipt == CastLog.objects.order_by("-pk").first().receipt  # type: ignore[union-attr]


def test_parallel_casts_never_exceed_the_budget_cap(voting_process) -> None:  # type: ignore[no-untyped-def]
    residents = [ResidentFactory() for _ in range(20)]

    def work(i: int) -> object:
        # Even-numbered residents try an over-budget ballot (150k > 100k).
        codes = [3, 4, 5] if i % 2 == 0 else [1, 4, 5]
        return ballot_cast(
            resident=residents[i],
            process=voting_process,
            choices=[Choice(project(voting_process, c).pk) for c in codes],
            channel="sms",
        )

    results = run_parallel(20, work)
    refused = [r for r in results if isinstance(r, BallotInvalid)]
    assert len(refused) == 10
    assert all(r.problems[0].code == "over_budget" for r in refused)
    pot = citywide(voting_process)
    for ballot in Ballot.objects.filter(pot=pot):
        total = sum(s.project.cost for s in ballot.selections.select_related("project"))
        assert total <= pot.amount == Decimal("100000")
    assert Ballot.objects.count() == 10


def test_database_constraint_alone_rejects_a_duplicate(voting_process) -> None:  # type: ignore[no-untyped-def]
    """Bypass the service (and its lock): two raw inserts of the same voter in two
    concurrent transactions — PostgreSQL's unique index refuses the second."""
    resident = ResidentFactory()
    pot = citywide(voting_process)
    voter = ballot_pseudonym(resident_id=resident.pk, pot_id=pot.pk)

    def work(i: int) -> object:
        with transaction.atomic():
            return Ballot.objects.create(
                process=voting_process,
                pot=pot,
                voter=voter,
                channel="web",
                receipt=f"RACE{i:06d}",
                cast_at=timezone.now(),
            )

    results = run_parallel(2, work)
    assert sum(isinstance(r, Ballot) for r in results) == 1
    assert sum(isinstance(r, IntegrityError) for r in results) == 1
    assert Ballot.objects.filter(voter=voter).count() == 1
