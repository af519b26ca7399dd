"""A cast's writes leave in one batch (core.db_pipeline, on PostgreSQL): if one of them
fails, the cast is absent, not half-written, and the error is raised as it would be
without the batch."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError

import budgets.services.ballots as ballots
from budgets.ballot_validation import Choice
from budgets.models import Ballot, CastLog, Selection
from budgets.services.ballots import ballot_cast
from core.models import Process
from participation.models import ParticipationFact
from tests.budgets.conftest import project
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _stored() -> tuple[Any, ...]:
    return (
        list(Ballot.objects.values_list("receipt", flat=True)),
        list(Selection.objects.values_list("project_id", flat=True)),
        CastLog.objects.count(),
        ParticipationFact.objects.count(),
    )


@pytest.mark.parametrize("recast", [False, True])
def test_a_cast_whose_last_write_fails_leaves_nothing(
    voting_process: Process, redis_layer_down: None, monkeypatch: pytest.MonkeyPatch, recast: bool
) -> None:
    resident = ResidentFactory()
    if recast:
        ballot_cast(
            resident=resident,
            process=voting_process,
            choices=[Choice(project_id=project(voting_process, 1).pk)],
            channel="web",
        )
    before = _stored()
    real = ballots.insert_rows

    def insert(connection: Any, model: Any, *args: Any, **kwargs: Any) -> Any:
        # The cast log comes after the ballot, its selections (and, re-cast, the UPDATE
        # and DELETE): a duplicate receipt breaks its unique key.
        if model is CastLog:
            taken = CastLog.objects.values_list("receipt", flat=True).first()
            if taken is not None:
                args[1][0][1] = taken
            else:
                args[1].append(list(args[1][0]))
        return real(connection, model, *args, **kwargs)

    monkeypatch.setattr(ballots, "insert_rows", insert)
    with pytest.raises(IntegrityError):
        ballot_cast(
            resident=resident,
            process=voting_process,
            choices=[Choice(project_id=project(voting_process, 2).pk)],
            channel="web",
        )
    assert _stored() == before
