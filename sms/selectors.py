"""Reads of the SMS conversation and the staff SMS pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Count, Q, QuerySet

from budgets.cast_frame import cast_frame_attach, cast_frame_from, cast_frame_params, cast_frame_sql
from budgets.models import Project
from budgets.selectors import projects_on_ballot
from core.models import Phase, PhaseKind, Process, phase_open_params, phase_open_sql
from core.selectors import process_phase_open
from core.sql_rows import ModelColumns, quoted
from maps.models import Neighbourhood
from participation.models import Proposal, ProposalStatus, Resident
from sms.models import InboundMessage, OutboundMessage, OutboundStatus


@dataclass(frozen=True)
class SmsProcess:
    """The process an SMS talks about (chosen by sms/commands/processes.py), and which
    of its phases are open now."""

    process: Process
    voting_open: bool
    now: datetime

    @property
    def ideas_open(self) -> bool:
        # Asked only when there is no vote to take part in: not worth a query per VOTE.
        return process_phase_open(self.process, PhaseKind.IDEAS, self.now)


_PROCESS = ModelColumns(Process, "p")


def sms_open_processes(kind: str, now: datetime | None = None) -> list[Process]:
    """Every process whose ``kind`` phase is open now, in the order the SMS question
    numbers them (by title, then id: stable while they stay open). Each carries its
    cast frame (``cast_frame_attach``): a VOTE casts without reading it again.

    Hand-written SQL (``core.sql_rows``): read on every text, and the ORM took longer to
    build it than PostgreSQL takes to run it."""
    phase = quoted(Phase._meta.db_table)
    sql = (
        # Only our own table and column names are formatted in; values are parameters.
        f"SELECT {_PROCESS.sql}, {cast_frame_sql(connection, 'p.id')} "  # noqa: S608
        f"FROM {quoted(Process._meta.db_table)} p WHERE p.id IN "
        f"(SELECT o.process_id FROM {phase} o WHERE o.kind = %s AND {phase_open_sql('o')})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*cast_frame_params(), kind, *phase_open_params(connection, now)])
        rows = cursor.fetchall()
    processes = []
    for row in rows:
        process = _PROCESS.instance(row, connection)
        assert isinstance(process, Process)
        frame = cast_frame_from(row[_PROCESS.width :], process, connection)
        processes.append(cast_frame_attach(process, frame))
    return sorted(processes, key=lambda p: (p.title.casefold(), p.pk))


def sms_ballot_projects(process: Process, resident: Resident) -> list[Project]:
    """The projects this resident may vote on: city-wide ones and their neighbourhood's."""
    return list(
        projects_on_ballot(process).filter(
            Q(pot__neighbourhood__isnull=True) | Q(pot__neighbourhood=resident.neighbourhood_id)
        )
    )


def sms_published_ideas(process: Process, resident: Resident) -> list[Proposal]:
    """The published ideas LIST shows while only ideas are collected, numbered as
    ``INFO I12`` and ``COMMENT I12`` take them: city-wide ones and the resident's
    neighbourhood's (every one while their neighbourhood is unknown). Oldest first, so
    an idea published later never shifts the pages a resident is reading."""
    ideas = Proposal.objects.filter(process=process, status=ProposalStatus.APPROVED)
    if resident.neighbourhood_id is not None:
        ideas = ideas.filter(
            Q(neighbourhood__isnull=True) | Q(neighbourhood=resident.neighbourhood_id)
        )
    return list(ideas.order_by("pk"))


def sms_neighbourhoods() -> list[Neighbourhood]:
    """Neighbourhoods in the order their SMS numbers are given (1 = first by name)."""
    return list(Neighbourhood.objects.order_by("name", "pk"))


def outbound_queue(status: str | None = None) -> QuerySet[OutboundMessage]:
    """The staff view of the outbound queue, newest first."""
    messages = OutboundMessage.objects.order_by("-created_at", "-pk")
    if status:
        messages = messages.filter(status=status)
    return messages


def outbound_status_counts() -> dict[str, int]:
    counts = dict.fromkeys(OutboundStatus.values, 0)
    for row in OutboundMessage.objects.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


SIMULATOR_PAGE = 20


@dataclass(frozen=True)
class ThreadPage:
    """One page of a number's texts, oldest first; ``older_than`` is the cursor for the
    page before it (None when there is none)."""

    messages: list[InboundMessage]
    older_than: int | None


def inbound_thread(
    from_hash: str, limit: int = SIMULATOR_PAGE, before: int | None = None
) -> ThreadPage:
    """A number's latest ``limit`` texts with their replies (before message ``before``,
    for older pages), oldest first: the simulator shows one page, never the whole
    history, so the page does not grow without bound."""
    latest = InboundMessage.objects.filter(from_hash=from_hash).order_by("-pk")
    if before is not None:
        latest = latest.filter(pk__lt=before)
    rows = list(latest[: limit + 1])
    more = len(rows) > limit
    page = rows[:limit]
    return ThreadPage(list(reversed(page)), page[-1].pk if more and page else None)
