"""What a cast must know of its process before it reads the resident's earlier ballots:
every pot of the process (their ids make the ballot pseudonyms the earlier ballots are
found by) and the voting window.

Read as three scalar subqueries in a statement the cast makes anyway: the resident
lock in ``ballot_cast``, or, when the caller holds that lock already, the caller's own
read of the process (the SMS webhook's ``sms_open_processes``), which attaches the
frame to the Process it returns. Parallel casts never write pots or phases, so these
may come from a statement's snapshot taken before it waited for the resident lock; the
earlier ballots may not (``ballot_cast``).

Hand-written SQL (``core.sql_rows``), as the rest of the cast's reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DateTimeField

from budgets.models import Pot
from core.models import Phase, PhaseKind, Process
from core.sql_rows import converted, quoted, string_agg

_ATTACHED = "_cast_frame"


@dataclass(frozen=True)
class CastFrame:
    pots: dict[int, int | None]  # every pot of the process: id → neighbourhood id
    voting: Phase | None  # the voting window (the first voting phase), or None


def listed_rows(text: str | None) -> list[list[str]]:
    """The rows of a ``string_agg`` of ``a:b:c`` values (ids, codes and flags: never a
    colon or a comma in them)."""
    return [item.split(":") for item in (text or "").split(",") if item]


def cast_frame_sql(connection: BaseDatabaseWrapper, process_column: str | None = None) -> str:
    """The frame as three scalar subqueries for a hand-written SELECT list, of the
    process whose id is ``process_column`` (an outer query's column, e.g. ``p.id``) or,
    by default, a parameter: ``cast_frame_params`` gives the parameters either way."""
    process = process_column or "%s"
    pot, phase = quoted(Pot._meta.db_table), quoted(Phase._meta.db_table)
    pots = string_agg(
        connection,
        "CAST(fp.id AS TEXT) || ':' || COALESCE(CAST(fp.neighbourhood_id AS TEXT), '')",
    )
    voting = (
        f"FROM {phase} fv WHERE fv.process_id = {process} AND fv.kind = %s ORDER BY fv.starts_at"
    )
    # Only our own table and column names are formatted in; values are parameters.
    return (
        f"(SELECT {pots} FROM {pot} fp WHERE fp.process_id = {process}), "  # noqa: S608
        f"(SELECT fv.starts_at {voting} LIMIT 1), "
        f"(SELECT fv.ends_at {voting} LIMIT 1)"
    )


CAST_FRAME_WIDTH = 3  # the columns cast_frame_sql selects


def cast_frame_params(process_id: int | None = None) -> list[Any]:
    """The parameters of ``cast_frame_sql``: with the process as a parameter
    (``process_id``), or as the outer query's column (None)."""
    if process_id is None:
        return [PhaseKind.VOTING, PhaseKind.VOTING]
    return [process_id, process_id, PhaseKind.VOTING, process_id, PhaseKind.VOTING]


def cast_frame_from(
    values: Sequence[Any], process: Process, connection: BaseDatabaseWrapper
) -> CastFrame:
    """The frame from the three values ``cast_frame_sql`` selected."""
    pots_listed, starts_at, ends_at = values
    voting = None
    if starts_at is not None:
        voting = Phase(
            process=process,
            kind=PhaseKind.VOTING,
            starts_at=converted(starts_at, _STARTS, connection),
            ends_at=converted(ends_at, _ENDS, connection),
        )
    pots = {
        int(pot): int(neighbourhood) if neighbourhood else None
        for pot, neighbourhood in listed_rows(pots_listed)
    }
    return CastFrame(pots=pots, voting=voting)


def cast_frame_attach(process: Process, frame: CastFrame) -> Process:
    """Let ``process`` carry the frame read with it, for ``ballot_cast``."""
    setattr(process, _ATTACHED, frame)
    return process


def cast_frame_of(process: Process) -> CastFrame | None:
    """The frame attached to ``process`` (``cast_frame_attach``), None if none was."""
    return cast(CastFrame | None, getattr(process, _ATTACHED, None))


_STARTS = cast(DateTimeField, Phase._meta.get_field("starts_at"))
_ENDS = cast(DateTimeField, Phase._meta.get_field("ends_at"))
