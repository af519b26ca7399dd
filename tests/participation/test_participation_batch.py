"""``participation_batch``: the records of one SMS text (the text and the vote it
carries) in one statement, with the same outcome as one statement per act."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.models import Channel
from participation.models import ParticipationFact, ParticipationKind
from participation.services.participation_record import (
    participation_batch,
    participation_record,
    participation_record_many,
)
from tests.factories import ProcessFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def facts() -> list[tuple[int, str, int, str]]:
    return sorted(
        ParticipationFact.objects.values_list("process_id", "kind", "resident_id", "channel")
    )


def test_a_batch_writes_its_records_in_one_statement_at_its_end() -> None:
    city, other = ProcessFactory(), ProcessFactory()
    resident = ResidentFactory()
    # The batch ends (and writes) first, inside the transaction.
    with (
        transaction.atomic(),
        CaptureQueriesContext(connection) as queries,
        participation_batch(),
    ):
        participation_record_many(
            process_ids=[city.pk, other.pk],
            resident_ids=[resident.pk],
            kind=ParticipationKind.TEXT,
            channel=Channel.SMS,
        )
        participation_record(
            process=city, resident=resident, kind=ParticipationKind.VOTE, channel=Channel.WEB
        )
        # The same act twice: one row, the latest channel (as two statements leave it).
        participation_record(
            process=city, resident=resident, kind=ParticipationKind.VOTE, channel=Channel.SMS
        )
        assert queries.captured_queries == []
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert facts() == sorted(
        [
            (city.pk, "text", resident.pk, "sms"),
            (other.pk, "text", resident.pk, "sms"),
            (city.pk, "vote", resident.pk, "sms"),
        ]
    )


def test_a_record_in_a_savepoint_that_rolls_back_leaves_no_trace() -> None:
    """An act with a savepoint of its own may roll back alone: its record is written at
    once, inside that savepoint, and goes with it."""
    city = ProcessFactory()
    resident = ResidentFactory()
    with transaction.atomic(), participation_batch():
        participation_record(
            process=city, resident=resident, kind=ParticipationKind.TEXT, channel=Channel.SMS
        )
        with pytest.raises(RuntimeError), transaction.atomic():
            participation_record(
                process=city,
                resident=resident,
                kind=ParticipationKind.IDEA,
                channel=Channel.SMS,
            )
            raise RuntimeError("the idea was refused after its record")
    assert facts() == [(city.pk, "text", resident.pk, "sms")]


def test_a_batch_that_raises_writes_nothing() -> None:
    city = ProcessFactory()
    resident = ResidentFactory()
    with pytest.raises(RuntimeError), transaction.atomic(), participation_batch():
        participation_record(
            process=city, resident=resident, kind=ParticipationKind.TEXT, channel=Channel.SMS
        )
        raise RuntimeError("the text failed")
    assert facts() == []


# Outside the test's own transaction, as a caller without one would be.
@pytest.mark.django_db(transaction=True)
def test_a_batch_belongs_inside_the_acts_transaction() -> None:
    with pytest.raises(RuntimeError, match="inside the act's transaction"), participation_batch():
        pass
