"""What a cast must know of its process before it reads the resident's earlier ballots:
every pot of the process (their ids make the ballot pseudonyms the earlier ballots are
found by) and the voting window.

Read as annotations, so that a query the cast makes anyway carries them: the resident
lock in ``ballot_cast``, or, when the caller holds that lock already, the caller's own
read of the process (the SMS webhook's ``sms_open_processes``). Parallel casts never
write pots or phases, so these may come from a statement's snapshot taken before it
waited for the resident lock; the earlier ballots may not (``ballot_cast``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat

from budgets.models import Pot
from core.models import Phase, PhaseKind, Process

_POTS = "cast_pots_listed"
_STARTS = "cast_voting_starts_at"
_ENDS = "cast_voting_ends_at"


@dataclass(frozen=True)
class CastFrame:
    pots: dict[int, int | None]  # every pot of the process: id → neighbourhood id
    voting: Phase | None  # the voting window (the first voting phase), or None


def listed(*fields: Any) -> Any:
    """``a:b:c`` per row, rows joined by commas: several rows in one scalar column (the
    values are ids, codes and flags: never a colon or a comma in them)."""
    parts: list[Any] = []
    for field in fields:
        if parts:
            parts.append(Value(":"))
        parts.append(Coalesce(Cast(field, CharField()), Value("")))
    return StringAgg(Concat(*parts), delimiter=Value(","))


def listed_rows(text: str | None) -> list[list[str]]:
    return [item.split(":") for item in (text or "").split(",") if item]


def cast_frame_annotations(process: int | OuterRef) -> dict[str, Any]:
    """The frame of ``process`` (an id, or ``OuterRef("pk")`` on a Process query) as
    scalar subqueries, to annotate any query with."""
    voting = Phase.objects.filter(process=process, kind=PhaseKind.VOTING).order_by("starts_at")
    pots = (
        Pot.objects.filter(process=process)
        .order_by()
        .values("process")
        .annotate(listed=listed("pk", "neighbourhood_id"))
        .values("listed")
    )
    return {
        _POTS: Subquery(pots),
        _STARTS: Subquery(voting.values("starts_at")[:1]),
        _ENDS: Subquery(voting.values("ends_at")[:1]),
    }


def processes_with_cast_frame(processes: QuerySet[Process]) -> QuerySet[Process]:
    """``processes``, each carrying its cast frame (``cast_frame_of`` reads it)."""
    return processes.annotate(**cast_frame_annotations(OuterRef("pk")))


def cast_frame_of(row: object, process: Process) -> CastFrame | None:
    """The frame a row was annotated with (``cast_frame_annotations``), None if it was
    not."""
    if not hasattr(row, _POTS):
        return None
    starts_at = getattr(row, _STARTS)
    voting = None
    if starts_at is not None:
        voting = Phase(
            process=process, kind=PhaseKind.VOTING, starts_at=starts_at, ends_at=getattr(row, _ENDS)
        )
    pots = {
        int(pot): int(neighbourhood) if neighbourhood else None
        for pot, neighbourhood in listed_rows(getattr(row, _POTS))
    }
    return CastFrame(pots=pots, voting=voting)
