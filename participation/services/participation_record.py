"""The participation record: the one writer of ``ParticipationFact``.

Every act of every channel calls these, inside the act's own transaction, so a
rolled-back act leaves no trace here either: ``ballot_cast`` (web, SMS, paper, API),
ideas, comments and supports, texts, sign-ins and poll-site identity checks, voter
letters and broadcasts. One statement per act (an ``INSERT … ON CONFLICT``), so the
record costs a cast one query; and within ``participation_batch`` (one SMS text:
the text and the vote it carries) one query for all the acts of the block."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from core.models import Phase, PhaseKind, Process, phase_open_params, phase_open_sql
from core.sql_rows import insert_rows, quoted, string_agg
from participation.identity import phone_is_test
from participation.models import ParticipationFact, ParticipationKind, Resident

_UNIQUE = ["process", "kind", "resident", "day"]
# Read once: ``Choices.values`` builds its list (labels included) on every access, and
# every cast and text checks its kind.
_KINDS = frozenset(ParticipationKind.values)
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


def processes_live_sql(connection: BaseDatabaseWrapper) -> str:
    """``processes_live_ids`` as one scalar subquery ("3,7") for a hand-written SELECT
    list (``core.sql_rows``), to fold into a query the caller makes anyway (the SMS
    webhook's lock); its parameters are ``processes_live_params``, and
    ``processes_live_parse`` reads the value."""
    kinds = ", ".join(["%s"] * len(_LIVE_PHASES))
    listed = string_agg(connection, "CAST(lp.process_id AS TEXT)")
    # Only our own table and column names are formatted in; values are parameters.
    return (
        f"(SELECT {listed} FROM {quoted(Phase._meta.db_table)} lp "
        f"WHERE lp.kind IN ({kinds}) AND {phase_open_sql('lp')})"
    )


def processes_live_params(connection: BaseDatabaseWrapper) -> list[Any]:
    return [*_LIVE_PHASES, *phase_open_params(connection)]


def processes_live_parse(listed: str | None) -> list[int]:
    return sorted({int(pk) for pk in (listed or "").split(",") if pk})


@dataclass
class _Batch:
    savepoints: list[str]
    rows: dict[tuple[int, str, int, object], ParticipationFact] = field(default_factory=dict)


_batch: ContextVar[_Batch | None] = ContextVar("participation_batch", default=None)


def _open_savepoints() -> list[str]:
    # ``atomic(savepoint=False)`` blocks push None: they roll back with their parent.
    return [sid for sid in connection.savepoint_ids if sid is not None]


@contextmanager
def participation_batch() -> Iterator[None]:
    """Write the records of every act in the block in one statement, when the block
    ends normally, inside the caller's transaction (an SMS text: the text itself and
    the vote it carries). A record made inside a savepoint of its own (an act that may
    roll back alone) is written at once, as outside a batch; a block that raises, or
    whose transaction is marked for rollback, writes nothing."""
    if not connection.in_atomic_block:
        raise RuntimeError("participation_batch runs inside the act's transaction")
    batch = _Batch(savepoints=_open_savepoints())
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    if batch.rows and not transaction.get_rollback():
        _write(list(batch.rows.values()))


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
    if kind not in _KINDS:
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
    batch = _batch.get()
    if batch is not None and connection.in_atomic_block and _open_savepoints() == batch.savepoints:
        for row in rows:
            # One row per key in a statement (PostgreSQL refuses to upsert a row twice
            # in one): the latest act's channel, as two statements would leave it.
            batch.rows[_key(row)] = row
    else:
        _write(rows)
    return len(rows)


def _key(row: ParticipationFact) -> tuple[int, str, int, object]:
    return (row.process_id, row.kind, row.resident_id, row.day)


_FIELDS = ["id", "process", "resident", "kind", "channel", "day"]
_BATCH = 2000


def _write(rows: list[ParticipationFact]) -> None:
    """Upsert ``rows``, 2,000 to a statement. Hand-written (``core.sql_rows``): every
    cast and text runs it, and in py-spy's profile of the web workers under
    ``bench.load`` the ORM's ``bulk_create`` cost about five times ``insert_rows``."""
    for start in range(0, len(rows), _BATCH):
        insert_rows(
            connection,
            ParticipationFact,
            _FIELDS,
            [
                [row.id, row.process_id, row.resident_id, row.kind, row.channel, row.day]
                for row in rows[start : start + _BATCH]
            ],
            conflict=(_UNIQUE, ["channel"]),
        )


def participation_record_live(
    *,
    resident: Resident | int,
    kind: str,
    channel: str,
    live_ids: Iterable[int] | None = None,
) -> None:
    """Record an act that belongs to no one process for every process going on
    (``live_ids``, when the caller read them already with ``processes_live_sql``)."""
    if isinstance(resident, Resident) and phone_is_test(resident.phone_e164):
        return
    participation_record_many(
        process_ids=processes_live_ids() if live_ids is None else live_ids,
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
