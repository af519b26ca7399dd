"""Reads about processes and phases that every channel shares."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.http import Http404
from django.utils import timezone

from core.models import Phase, PhaseKind, PhaseState, Process
from core.sql_rows import ModelColumns, quoted


def _now(when: datetime | None) -> datetime:
    return when if when is not None else timezone.now()


def process_current_phase(process: Process, when: datetime | None = None) -> Phase | None:
    """The open phase that started last (an idea box may stay open through the vote:
    then the vote is what the process is "in")."""
    return phases_current(Phase.objects.filter(process=process), _now(when))


def phases_current(phases: Iterable[Phase], when: datetime) -> Phase | None:
    """``process_current_phase`` over a process's phases already read (a page that needs
    several answers about them reads them once): the rule's one home."""
    return max((p for p in phases if p.is_open(when)), key=lambda p: p.starts_at, default=None)


def process_phase(process: Process, kind: str) -> Phase | None:
    return Phase.objects.filter(process=process, kind=kind).first()


def process_phase_open(process: Process, kind: str, when: datetime | None = None) -> bool:
    """Whether the process's ``kind`` phase is open at ``when`` (now)."""
    return Phase.objects.filter(process=process, kind=kind).open_at(when).exists()


def process_voting_opened(process: Process, when: datetime | None = None) -> bool:
    """Whether voting has opened (now or earlier): from then on the phases and pots
    voters see must not change under them (``budgets.services.process_edits``)."""
    voting = Phase.objects.filter(process=process, kind=PhaseKind.VOTING)
    return phases_voting_opened(voting, _now(when))


def phases_voting_opened(phases: Iterable[Phase], when: datetime) -> bool:
    """``process_voting_opened`` over a process's phases already read: the rule's one
    home."""
    return any(p.kind == PhaseKind.VOTING and p.starts_at <= when for p in phases)


def processes_current_and_past(
    when: datetime | None = None,
) -> tuple[list[Process], list[Process]]:
    """Current processes (a phase open or still to come, or no phases yet) and past ones
    (every phase closed), each newest first. The public home and the staff home both
    list current work before finished rounds, so nobody acts on a closed process by
    mistake."""
    now = when if when is not None else timezone.now()
    current: list[Process] = []
    past: list[Process] = []
    for process in Process.objects.prefetch_related("phases").order_by("-created_at"):
        phases = list(process.phases.all())
        closed = bool(phases) and all(phase.state_at(now) == PhaseState.CLOSED for phase in phases)
        (past if closed else current).append(process)
    return current, past


_PROCESS = ModelColumns(Process, "p")


def process_or_404(slug: str) -> Process:
    """The process a page's address names, or Http404. Read by every process page and
    every cast from the web, so hand-written (``core.sql_rows``): the ORM's lookup, with
    the translated fields, cost several times the statement it sends."""
    with connection.cursor() as cursor:
        cursor.execute(
            # Only our own table and column names are formatted in; values are parameters.
            f"SELECT {_PROCESS.sql} FROM {quoted(Process._meta.db_table)} p "  # noqa: S608
            "WHERE p.slug = %s",
            [slug],
        )
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such process")
    process = _PROCESS.instance(row, connection)
    assert isinstance(process, Process)
    return process
