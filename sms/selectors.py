"""Reads of the SMS conversation and the staff SMS pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from budgets.models import Project
from budgets.selectors import projects_on_ballot
from core.models import Phase, PhaseKind, Process
from core.selectors import process_phase_open
from maps.models import Neighbourhood
from participation.models import Resident
from sms.models import InboundMessage, OutboundMessage, OutboundStatus


def _open_phase(kind: str, now: datetime) -> Phase | None:
    return (
        Phase.objects.filter(kind=kind)
        .open_at(now)
        .select_related("process")
        .order_by("-starts_at", "-process__created_at", "-process_id")
        .first()
    )


@dataclass(frozen=True)
class SmsProcess:
    """The process an SMS talks about, and which of its phases are open now."""

    process: Process
    voting_open: bool
    now: datetime

    @property
    def ideas_open(self) -> bool:
        # Asked only when there is no vote to take part in: not worth a query per VOTE.
        return process_phase_open(self.process, PhaseKind.IDEAS, self.now)


def sms_current_process(now: datetime | None = None) -> SmsProcess | None:
    """The process with an open voting phase (the most recently started), else the one
    with an open ideas phase; None when neither is open. A text carries no process, so
    this is the one place that decides which process ``LIST`` and ``VOTE`` mean."""
    now = now or timezone.now()
    voting = _open_phase(PhaseKind.VOTING, now)
    if voting is not None:
        return SmsProcess(process=voting.process, voting_open=True, now=now)
    ideas = _open_phase(PhaseKind.IDEAS, now)
    if ideas is not None:
        return SmsProcess(process=ideas.process, voting_open=False, now=now)
    return None


def sms_ideas_process(now: datetime | None = None) -> Process | None:
    """Where an SMS idea goes: the most recently opened ideas phase's process."""
    phase = _open_phase(PhaseKind.IDEAS, now or timezone.now())
    return phase.process if phase is not None else None


def sms_ballot_projects(process: Process, resident: Resident) -> list[Project]:
    """The projects this resident may vote on: city-wide ones and their neighbourhood's."""
    return list(
        projects_on_ballot(process).filter(
            Q(pot__neighbourhood__isnull=True) | Q(pot__neighbourhood=resident.neighbourhood_id)
        )
    )


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


def inbound_thread(from_hash: str, limit: int = 30) -> list[InboundMessage]:
    """A number's latest texts with their replies, oldest first (simulator page)."""
    latest = InboundMessage.objects.filter(from_hash=from_hash).order_by("-received_at", "-pk")
    return list(reversed(latest[:limit]))
