"""The participation record: the one writer of ``ParticipationFact``.

Every act of every channel calls these, inside the act's own transaction, so a
rolled-back act leaves no trace here either: ``ballot_cast`` (web, SMS, paper, API),
ideas, comments and supports, texts, sign-ins and poll-site identity checks, voter
letters and broadcasts. One statement per act (an ``INSERT … ON CONFLICT``), so the
record costs a cast one query."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from core.models import Phase, PhaseKind, Process
from participation.identity import phone_is_test
from participation.models import ParticipationFact, ParticipationKind, Resident

_UNIQUE = ["process", "kind", "resident", "day"]
# Phases in which a process is "going on": acts that belong to no one process (a
# sign-in, a text, a broadcast) count for the processes going on that day.
_LIVE_PHASES = (PhaseKind.IDEAS, PhaseKind.REVIEW, PhaseKind.VOTING)


def processes_live_ids() -> list[int]:
    """Processes with an ideas, review or voting phase open now."""
    return sorted(
        set(
            Phase.objects.open_at()
            .filter(kind__in=_LIVE_PHASES)
            .values_list("process_id", flat=True)
        )
    )


def participation_record(
    *, process: Process | int, resident: Resident | int, kind: str, channel: str
) -> None:
    """Record that ``resident`` took part in ``process`` today by ``kind`` via
    ``channel``. Idempotent per (process, kind, resident, day): a second act that day
    only sets the channel to the latest one. One query. A reserved test number (the
    simulator on the real gateway) is never recorded: it counts in no statistic."""
    if isinstance(resident, Resident) and phone_is_test(resident.phone_e164):
        return
    participation_record_many(
        process_ids=[process if isinstance(process, int) else process.pk],
        resident_ids=[resident if isinstance(resident, int) else resident.pk],
        kind=kind,
        channel=channel,
    )


def participation_record_many(
    *, process_ids: Iterable[int], resident_ids: Iterable[int], kind: str, channel: str
) -> int:
    """Record ``kind`` for every resident in every process (a broadcast reaches many,
    a sign-in counts for every live process). One statement per 2,000 rows; returns
    how many (process, resident) pairs were recorded."""
    if kind not in ParticipationKind.values:
        raise ValueError(f"unknown participation kind {kind!r}")
    day = timezone.localdate()
    processes = list(process_ids)
    rows = [
        ParticipationFact(
            process_id=process_id, resident_id=resident_id, kind=kind, channel=channel, day=day
        )
        for resident_id in resident_ids
        for process_id in processes
    ]
    if not rows:
        return 0
    ParticipationFact.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=_UNIQUE,
        update_fields=["channel"],
    )
    return len(rows)


def participation_record_live(*, resident: Resident | int, kind: str, channel: str) -> None:
    """Record an act that belongs to no one process for every process going on."""
    if isinstance(resident, Resident) and phone_is_test(resident.phone_e164):
        return
    participation_record_many(
        process_ids=processes_live_ids(),
        resident_ids=[resident if isinstance(resident, int) else resident.pk],
        kind=kind,
        channel=channel,
    )


def participation_forget_vote(*, process: Process, resident: Resident) -> int:
    """The resident holds no counted ballot in ``process`` any more (a supervisor voided
    their paper entry): they are no longer a voter in any figure."""
    deleted, _counts = ParticipationFact.objects.filter(
        process=process, resident=resident, kind=ParticipationKind.VOTE
    ).delete()
    return deleted


def participation_shuffle() -> int:
    """Rewrite the record in key order (random UUIDs): afterwards the rows' order on
    disk no longer follows the order of the acts, so it cannot be lined up with the
    ballots' or the cast log's. On PostgreSQL ``CLUSTER`` rewrites the table file (old
    row versions go with it); elsewhere the rows are copied out and back. Takes an
    exclusive lock for the rewrite: run it off-peak (e.g. nightly). Returns the rows."""
    table = ParticipationFact._meta.db_table
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Foreign keys are checked at commit (deferred); CLUSTER refuses to run with
            # checks pending, so run this transaction's now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            index = _pk_index_name(cursor, table)
            cursor.execute(f"CLUSTER {quoted} USING {connection.ops.quote_name(index)}")
            cursor.execute(f"ANALYZE {quoted}")
        else:
            columns = ", ".join(
                connection.ops.quote_name(str(f.column))
                for f in ParticipationFact._meta.local_fields
            )
            cursor.execute(f"CREATE TEMP TABLE shuffle_copy AS SELECT {columns} FROM {quoted}")
            cursor.execute(f"DELETE FROM {quoted}")
            cursor.execute(
                f"INSERT INTO {quoted} ({columns}) SELECT {columns} FROM shuffle_copy ORDER BY id"
            )
            cursor.execute("DROP TABLE shuffle_copy")
        cursor.execute(f"SELECT COUNT(*) FROM {quoted}")
        (count,) = cursor.fetchone()
    return int(count)


def _pk_index_name(cursor: object, table: str) -> str:
    cursor.execute(  # type: ignore[attr-defined]
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
        [table],
    )
    return str(cursor.fetchone()[0])  # type: ignore[attr-defined]
